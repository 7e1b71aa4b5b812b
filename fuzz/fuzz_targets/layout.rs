//! Line breaking and page layout of arbitrary text: never a panic, no text lost.
#![no_main]

use diaoyan::doc::{Block, Document, Meta, Run};
use diaoyan::render::layout::{self, linebreak, Preset};
use diaoyan::render::pdf::FontSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let chars: Vec<char> = text.chars().take(5000).collect();
    let widths: Vec<f32> = chars.iter().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).collect();
    let lines = linebreak::break_lines(&chars, &widths, 10.0, 12.0);
    let joined: usize = lines.iter().map(|r| r.len()).sum();
    assert_eq!(joined, chars.len());
    let s: String = chars.iter().collect();
    let doc = Document {
        meta: Meta { title: s.chars().take(40).collect(), ..Meta::default() },
        blocks: vec![
            Block::Heading { level: 1, numbered: true, number: Some("一、".into()), runs: vec![Run::plain(s.clone())] },
            Block::Paragraph(vec![Run::plain(s)]),
        ],
        notes: Vec::new(),
    };
    let _ = layout(&doc, FontSet::bundled(), Preset::gbt9704());
});
