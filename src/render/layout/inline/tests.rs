//! Unit tests of inline setting: the character grid, punctuation compression, justification.

use super::super::tests::lay;
use super::super::{Item, Layout, Preset};
use crate::doc::{Block, Run};
use crate::render::pdf::fonts::{FontSet, Role};

/// One drawn glyph: page (from 0), character, pen x, baseline y, size, font, bold.
#[derive(Debug, Clone)]
struct G {
    page: usize,
    /// The index of its glyph run in the layout.
    run: usize,
    c: char,
    x: f32,
    y: f32,
    size: f32,
    font: usize,
    bold: bool,
}

fn glyphs(l: &Layout) -> Vec<G> {
    let mut out = Vec::new();
    let mut run = 0;
    for (page, p) in l.pages.iter().enumerate() {
        let end = p.folio.unwrap_or(p.items.len());
        for item in &p.items[..end] {
            if let Item::Text {
                x,
                y,
                size,
                font,
                text,
                advances,
                bold,
            } = item
            {
                let mut pen = *x;
                run += 1;
                for (c, a) in text.chars().zip(advances) {
                    out.push(G {
                        page,
                        run,
                        c,
                        x: pen,
                        y: *y,
                        size: *size,
                        font: *font,
                        bold: *bold,
                    });
                    pen += a;
                }
            }
        }
    }
    out
}

fn pitch() -> f32 {
    Preset::gbt9704().text_width() / super::GRID_CHARS
}

/// The glyph's own advance in its font (pt).
fn natural(g: &G) -> f32 {
    let f = &FontSet::bundled().files[g.font];
    f.glyph(g.c).map_or(0.0, |id| f.advance(id) * g.size)
}

fn para(text: &str) -> Block {
    Block::Paragraph(vec![Run::plain(text)])
}

fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        numbered: false,
        number: None,
        runs: vec![Run::plain(text)],
    }
}

/// The pen x of the first `c` in `gs`.
fn x_of(gs: &[G], c: char) -> f32 {
    gs.iter().find(|g| g.c == c).map(|g| g.x).expect("glyph")
}

/// Lines of the first page: glyph counts by baseline, top to bottom.
fn line_counts(gs: &[G]) -> Vec<usize> {
    let mut ys: Vec<(f32, usize)> = Vec::new();
    for g in gs.iter().filter(|g| g.page == 0) {
        match ys.iter_mut().find(|(y, _)| (y - g.y).abs() < 0.01) {
            Some(e) => e.1 += 1,
            None => ys.push((g.y, 1)),
        }
    }
    ys.into_iter().map(|(_, n)| n).collect()
}

/// GB/T 9704 §5.2.1: 28 characters per line; the indent is two characters.
#[test]
fn a_full_body_line_holds_28_characters_on_the_grid() {
    let l = lay(vec![para(&"调研".repeat(60))], Vec::new());
    let gs = glyphs(&l);
    assert_eq!(line_counts(&gs), [26, 28, 28, 28, 10]);
    let p = Preset::gbt9704();
    assert!((gs[0].x - (p.left + 2.0 * pitch() + (pitch() - 16.0) / 2.0)).abs() < 0.01);
    for w in gs.windows(2).filter(|w| (w[0].y - w[1].y).abs() < 0.01) {
        assert!((w[1].x - w[0].x - pitch()).abs() < 0.01, "{w:?}");
    }
    // Headings at the body size are on the same grid.
    for level in [1, 2, 3] {
        let gs = glyphs(&lay(vec![heading(level, "社区基本情况")], Vec::new()));
        for w in gs.windows(2) {
            assert!((w[1].x - w[0].x - pitch()).abs() < 0.01, "{level}: {w:?}");
        }
    }
}

/// Asserts that no two adjacent characters of a number or a Latin word are spread
/// apart; returns how many pairs it checked.
fn assert_words_unspaced(gs: &[G]) -> usize {
    let mut pairs = 0;
    for w in gs.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // One run, or a run that continues the line in another font (table cells
        // on one baseline are runs far apart).
        let same_line = a.page == b.page
            && (a.y - b.y).abs() < 0.01
            && a.size == b.size
            && (a.run == b.run || (b.x - a.x - natural(a)).abs() < a.size);
        if same_line
            && super::super::linebreak::is_word(a.c)
            && super::super::linebreak::is_word(b.c)
        {
            let gap = b.x - a.x - natural(a);
            assert!(gap.abs() < 0.01, "{gap} pt between {} and {}", a.c, b.c);
            pairs += 1;
        }
    }
    pairs
}

#[test]
fn justification_never_spreads_numbers_or_words() {
    let text = "辖区十二个社区共有居民30458户、常住人口81758人，占43.3%，按GB/T 9704排版。"
        .repeat(6)
        + "甲乙"
        + &"Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2)
        + "。";
    let l = lay(vec![para(&text)], Vec::new());
    let gs = glyphs(&l);
    assert!(assert_words_unspaced(&gs) > 100);
    // The lines are justified: some CJK pairs are spread.
    assert!(gs
        .windows(2)
        .any(|w| w[0].c == '区' && w[1].c == '共' && w[1].x - w[0].x > pitch() + 0.1));
    let all: String = gs.iter().map(|g| g.c).collect();
    assert!(all.contains(&"Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2)));
}

/// Issue 16: 22 justified lines of the seed spread digits apart ("4 3 . 3 %").
#[test]
fn the_seed_has_no_gap_inside_a_number() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = crate::build(&root.join("data/qingnianlu-2019.yaml"), None).expect("seed");
    let l = super::super::layout(&report.document, FontSet::bundled(), Preset::gbt9704());
    let pairs = assert_words_unspaced(&glyphs(&l));
    assert!(pairs > 300, "{pairs} pairs");
}

#[test]
fn quotes_take_a_full_width_box_in_every_role() {
    for block in [
        para("居委会“自治”名不副实"),
        heading(1, "居委会“自治”名不副实"),
        heading(2, "居委会“自治”名不副实"),
    ] {
        let gs = glyphs(&lay(vec![block.clone()], Vec::new()));
        let d1 = x_of(&gs, '自') - x_of(&gs, '会');
        let d2 = x_of(&gs, '名') - x_of(&gs, '治');
        assert!((d1 - 2.0 * pitch()).abs() < 0.01, "{block:?}: {d1}");
        assert!((d2 - 2.0 * pitch()).abs() < 0.01, "{block:?}: {d2}");
        // The opening mark's glyph ends at its box's right edge; the closing mark's
        // starts at its box's left edge.
        let open = gs.iter().find(|g| g.c == '“').expect("“");
        let box_end = x_of(&gs, '会') - (pitch() - 16.0) / 2.0 + 2.0 * pitch();
        assert!((open.x + natural(open) - box_end).abs() < 0.3, "{block:?}");
        let close = x_of(&gs, '”');
        let box_start = x_of(&gs, '治') - (pitch() - 16.0) / 2.0 + pitch();
        assert!((close - box_start).abs() < 0.3, "{block:?}");
    }
}

/// A font with proportional (Latin) quotes, as many installed fonts have: the layout
/// still gives each quote a full-width box (a grid cell in a level-1 heading), the
/// opening mark's glyph at the box's right edge, the closing mark's at its left —
/// measured from the glyph's own advance, not from the box.
#[test]
fn proportional_quotes_are_set_in_a_full_width_box() {
    use crate::render::pdf::fonts::FontFile;
    let bytes: &'static [u8] =
        include_bytes!("../../../../tests/fixtures/fonts-quotes/DiaoyanTestQuotes.ttf");
    let file = FontFile::load("DiaoyanTestQuotes", "test".into(), bytes, 0).expect("font");
    let fonts = FontSet::bundled_with(Role::Hei, file);
    let doc = crate::doc::Document {
        blocks: vec![heading(1, "居委会“自治”名不副实")],
        ..Default::default()
    };
    let gs = glyphs(&super::super::layout(&doc, &fonts, Preset::gbt9704()));
    let natural = |g: &G| {
        let f = &fonts.files[g.font];
        f.glyph(g.c).map_or(0.0, |id| f.advance(id) * g.size)
    };
    let open = gs.iter().find(|g| g.c == '“').expect("“");
    assert!(natural(open) < 10.0, "the fixture's quote is proportional");
    let d1 = x_of(&gs, '自') - x_of(&gs, '会');
    assert!((d1 - 2.0 * pitch()).abs() < 0.01, "{d1}");
    let box_end = x_of(&gs, '会') - (pitch() - 16.0) / 2.0 + 2.0 * pitch();
    assert!((open.x + natural(open) - box_end).abs() < 0.3, "{open:?}");
    let box_start = x_of(&gs, '治') - (pitch() - 16.0) / 2.0 + pitch();
    assert!((x_of(&gs, '”') - box_start).abs() < 0.3);
}

#[test]
fn dashes_are_one_joined_two_em_rule_and_ellipses_two_em() {
    for block in [
        para("社区——街道"),
        heading(2, "社区——街道"),
        para("社区……街道"),
        heading(2, "社区……街道"),
    ] {
        let gs = glyphs(&lay(vec![block.clone()], Vec::new()));
        let d = x_of(&gs, '街') - x_of(&gs, '区');
        assert!((d - 3.0 * pitch()).abs() < 0.01, "{block:?}: {d}");
        let dashes: Vec<&G> = gs.iter().filter(|g| g.c == '—').collect();
        if let [a, b] = dashes[..] {
            let f = &FontSet::bundled().files[a.font];
            let bb = f
                .face
                .glyph_bounding_box(ttf_parser::GlyphId(f.glyph('—').expect("dash")))
                .expect("outline");
            let em = f.face.units_per_em() as f32;
            let a_right = a.x + bb.x_max as f32 / em * a.size;
            let b_left = b.x + bb.x_min as f32 / em * b.size;
            assert!(
                b_left <= a_right + 0.01,
                "{block:?}: a gap between the dashes"
            );
        }
    }
}

#[test]
fn adjacent_punctuation_takes_one_and_a_half_em() {
    let p = pitch();
    for (text, from, to, ems) in [
        ("甲（乙）。丙", '乙', '丙', 2.5),
        ("甲，“乙”；丙", '甲', '乙', 2.5),
        ("甲，“乙”；丙", '乙', '丙', 2.5),
        ("甲（“乙”）丙", '甲', '乙', 2.5),
        ("甲（“乙”）丙", '乙', '丙', 2.5),
        ("甲。”乙", '甲', '乙', 2.5),
    ] {
        let gs = glyphs(&lay(vec![heading(3, text)], Vec::new()));
        let d = x_of(&gs, to) - x_of(&gs, from);
        assert!((d - ems * p).abs() < 0.01, "{text}: {d} vs {}", ems * p);
    }
}

/// Bold keeps the role's face and is synthesised; emphasis is 楷体, upright.
#[test]
fn bold_is_synthesised_and_emphasis_is_kai() {
    let runs = vec![
        Run::plain("正文"),
        Run {
            text: "加粗".into(),
            bold: true,
            ..Run::default()
        },
        Run {
            text: "强调".into(),
            italic: true,
            ..Run::default()
        },
    ];
    for block in [
        Block::Paragraph(runs.clone()),
        Block::Quote(vec![Block::Paragraph(runs)]),
    ] {
        let gs = glyphs(&lay(vec![block], Vec::new()));
        let g = |c: char| gs.iter().find(|g| g.c == c).cloned().expect("glyph");
        assert!(g('加').bold && !g('正').bold && !g('强').bold);
        assert_eq!(g('加').font, g('文').font);
        let kai = FontSet::bundled().font_for(Role::Kai, '强');
        assert_eq!(Some(g('强').font), kai);
        assert_eq!(g('强').size, g('正').size);
    }
}

/// A paragraph never ends with one character (with its punctuation) alone: "题。".
#[test]
fn no_single_character_on_a_last_line() {
    for tail in ["题。", "户。", "题", "题”。"] {
        // Fill the first line (26 characters after the indent) and the second exactly.
        let text = "调".repeat(26 + 28) + tail;
        let gs = glyphs(&lay(vec![para(&text)], Vec::new()));
        let counts = line_counts(&gs);
        let last_line_y = gs.last().expect("glyphs").y;
        let last: String = gs
            .iter()
            .filter(|g| (g.y - last_line_y).abs() < 0.01)
            .map(|g| g.c)
            .collect();
        assert!(
            last.chars().filter(|c| c.is_alphanumeric()).count() >= 2,
            "{tail}: {counts:?} {last}"
        );
    }
}
