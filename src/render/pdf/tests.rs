//! Unit tests of the PDF serialisation: text, outline, determinism.

use super::*;
use crate::doc::{Align, Block, Run, Table, TableCell};

fn texts(lay: &Layout) -> String {
    lay.pages.iter().map(layout::Page::text).collect()
}

/// Template text can hold default-ignorable characters the data loader never saw:
/// the PDF backend drops them everywhere text is set, without a warning.
#[test]
fn ignorable_characters_in_any_text_are_neither_drawn_nor_reported() {
    let ign =
        "\u{AD}\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{FE0F}\u{202A}\u{202E}\u{2066}\u{2069}";
    let mut doc = Document {
        blocks: vec![
            Block::Heading {
                level: 1,
                numbered: true,
                number: Some("一、".into()),
                runs: vec![Run::plain(format!("标{ign}题"))],
            },
            Block::Paragraph(vec![Run::plain(format!("人数\u{AD}不足{ign}。"))]),
            Block::Table(Table {
                caption: Some(format!("表{ign}题")),
                number: Some(1),
                columns: 1,
                head: vec![vec![TableCell::new(format!("社{ign}区"), Align::Center)]],
                body: vec![vec![TableCell::new(format!("安定{ign}社区"), Align::Left)]],
                ..Table::default()
            }),
        ],
        ..Document::default()
    };
    doc.meta.title = format!("调研{ign}报告");
    let fonts = FontSet::bundled();
    let lay = layout(&doc, fonts, Preset::gbt9704());
    let t = texts(&lay);
    assert!(lay.missing.is_empty(), "{:?}", lay.missing);
    assert!(t.chars().all(|c| !is_ignorable(c)), "{t:?}");
    for s in [
        "调研报告",
        "一、标题",
        "人数不足。",
        "表题",
        "社区",
        "安定社区",
    ] {
        assert!(t.contains(s), "{s} in {t}");
    }
    let r = render_with(&doc, fonts).expect("renders");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

/// A run the font lacks is drawn as boxes inside an /ActualText span; text the font
/// has is shown as one string, as before.
#[test]
fn uncovered_characters_are_boxes_with_their_actual_text() {
    let fonts = FontSet::bundled();
    let (f, _) = fonts.placeholder().expect("□");
    let file = &fonts.files[f];
    // Each character at its own advance: no spacing, no offsets.
    let natural = |t: &str| -> Vec<f32> {
        t.chars()
            .map(|c| {
                file.glyph(c)
                    .or_else(|| file.glyph(PLACEHOLDER))
                    .map_or(0.0, |g| file.advance(g) * 16.0)
            })
            .collect()
    };
    let glyphs = Glyphs::new(fonts);
    let mut ops = Vec::new();
    let mut tc = 0.0;
    show_text(
        &mut ops,
        &glyphs,
        f,
        "甲乙丙",
        &natural("甲乙丙"),
        16.0,
        &mut tc,
    );
    assert_eq!(
        ops,
        [Op::ShowText {
            items: vec![TextItem::Text("甲乙丙".into())]
        }]
    );
    let mut ops = Vec::new();
    let t = "甲\u{30000}\u{30001}\u{AD}乙";
    show_text(&mut ops, &glyphs, f, t, &natural(t), 16.0, &mut tc);
    let mut actual = vec![0xFE, 0xFF];
    actual.extend(
        "\u{30000}\u{30001}"
            .encode_utf16()
            .flat_map(u16::to_be_bytes),
    );
    let show = |t: &str| Op::ShowText {
        items: vec![TextItem::Text(t.into())],
    };
    assert_eq!(
        ops,
        [
            show("甲"),
            Op::BeginMarkedContentWithProperties {
                tag: "Span".into(),
                properties: printpdf::DictItem::Dict {
                    map: [(
                        "ActualText".to_string(),
                        printpdf::DictItem::String {
                            data: actual,
                            literal: false
                        }
                    )]
                    .into_iter()
                    .collect()
                }
            },
            show("□□"),
            Op::EndMarkedContent,
            show("乙"),
        ]
    );
}

/// Justified advances: the common extra space becomes `Tc`, the exceptions TJ offsets
/// in thousandths of an em (a negative offset moves the next glyph right).
#[test]
fn advances_become_character_spacing_and_offsets() {
    let fonts = FontSet::bundled();
    let (f, _) = fonts.placeholder().expect("□");
    let mut ops = Vec::new();
    let mut tc = 0.0;
    // 甲 乙 丙 丁 at 16 pt: 1 pt after 甲 and 乙, 5 pt after 丙.
    show_text(
        &mut ops,
        &Glyphs::new(fonts),
        f,
        "甲乙丙丁",
        &[17.0, 17.0, 21.0, 16.0],
        16.0,
        &mut tc,
    );
    assert_eq!(tc, 1.0);
    assert_eq!(
        ops,
        [
            Op::SetCharacterSpacing { multiplier: 1.0 },
            Op::ShowText {
                items: vec![
                    TextItem::Text("甲乙丙".into()),
                    TextItem::Offset(-250.0),
                    TextItem::Text("丁".into()),
                ]
            }
        ]
    );
}
