//! Issue 14, "characters no bundled font has" and default-ignorable characters, in the
//! PDF as poppler reads it: rare ideographs are drawn from the fallback font, characters no
//! font has are drawn as □ but extracted as themselves, ignorable characters vanish.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Render the seed with each `(from, to)` replaced once, bundled fonts only; the PDF.
fn render_with(dir: &Path, edits: &[(&str, &str)], extra: &[&str]) -> PathBuf {
    let mut args = vec!["--format", "pdf"];
    args.extend_from_slice(extra);
    render_seed_edited(dir, edits, &args).with_extension("pdf")
}

/// The seed's PDF text with its line breaks removed.
fn text(pdf: &Path) -> String {
    squeeze(&tool("pdftotext", &[], pdf))
}

/// 𠮷 (Ext B), 䶮 (Ext A) and 鿏 (U+9FCF) are in no GBK font: they used to vanish. Now the
/// unit `𠮷祥喆堃社区` prints whole wherever 安定社区 printed, from the fallback font.
pub fn rare_ideographs_are_drawn_from_the_fallback_font() {
    let base = tempfile::tempdir().unwrap();
    let before = text(&render_with(base.path(), &[], &[]));
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_with(
        dir.path(),
        &[
            ("name: 安定社区", "name: 𠮷祥喆堃社区"),
            ("但随着大量政府职能下移", "但随着大量䶮鿏政府职能下移"),
        ],
        &[],
    );
    let after = text(&pdf);
    let n = before.matches("安定社区").count();
    assert!(n >= 5, "the seed names 安定社区 {n} times");
    assert_eq!(after.matches("𠮷祥喆堃社区").count(), n, "{after}");
    assert!(!after.contains("祥喆堃社区") || after.matches("祥喆堃社区").count() == n);
    assert!(after.contains("但随着大量䶮鿏政府职能下移"), "{after}");
    assert!(!after.contains('□'));
    let fonts = tool("pdffonts", &[], &pdf);
    assert!(
        fonts.contains("NotoSerifSC-Regular-Fallback"),
        "the fallback font is embedded: {fonts}"
    );
    // Subset per document: the 11,000-glyph fallback adds a few KB, not MB.
    let grew = std::fs::metadata(&pdf).unwrap().len() as i64
        - std::fs::metadata(base.path().join("qingnianlu-2019.pdf"))
            .unwrap()
            .len() as i64;
    assert!(grew < 20_000, "the PDF grew by {grew} bytes");
    // The seed itself does not use the fallback.
    let seed_fonts = tool("pdffonts", &[], &base.path().join("qingnianlu-2019.pdf"));
    assert!(!seed_fonts.contains("Fallback"), "{seed_fonts}");
}

/// 𠀀 (U+20000), 𡉃 (U+21243) and U+30000 are in no Noto CJK font: drawn as □, extracted as
/// themselves (an /ActualText span), in prose, a table cell (a unit name, allowed) and the
/// outline.
pub fn characters_no_font_has_are_boxes_that_extract_as_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_with(
        dir.path(),
        &[
            ("name: 安定社区", "name: 安定\u{30000}社区"),
            (
                "但随着大量政府职能下移",
                "但随着大量𠀀𡉃😀\u{E000}政府职能\u{30000}下移",
            ),
            (
                "title: 行政事务挤占自治空间",
                "title: 行政事务挤占自治空间𠀀",
            ),
        ],
        &["--allow-missing-glyphs"],
    );
    let t = text(&pdf);
    // Rare astral ideographs, an emoji and a private-use character alike.
    assert!(
        t.contains("但随着大量𠀀𡉃😀\u{E000}政府职能\u{30000}下移"),
        "{t}"
    );
    assert!(t.contains("安定\u{30000}社区"), "{t}");
    assert!(t.contains("行政事务挤占自治空间𠀀"), "{t}");
    // The box is what is drawn, not what is extracted.
    assert!(!t.contains('□'), "{t}");
    // The outline (text, not glyphs) keeps the character.
    let out = Command::new("qpdf")
        .args(["--json", "--json-key=outlines"])
        .arg(&pdf)
        .output()
        .expect("qpdf runs");
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(json.contains("行政事务挤占自治空间𠀀"), "{json}");
}

/// Default-ignorable characters pasted from the web: never drawn (U+00AD is not a "-"),
/// never in the text layer (a unit name with U+200B is found by its visible name).
pub fn ignorable_characters_leave_no_trace_in_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_with(
        dir.path(),
        &[
            ("name: 安定社区", "name: \"安定\u{200B}社区\""),
            (
                "但随着大量政府职能下移",
                "但随着大量人数\u{AD}不足\u{FEFF}政\u{2060}府\u{200C}职\u{200D}能\u{FE0F}\u{202A}下\u{202E}移\u{2066}\u{2069}",
            ),
        ],
        &[],
    );
    let t = text(&pdf);
    assert!(t.contains("但随着大量人数不足政府职能下移"), "{t}");
    assert!(!t.contains("人数-不足") && !t.contains('\u{AD}'), "{t}");
    for c in [
        '\u{200B}', '\u{FEFF}', '\u{2060}', '\u{200C}', '\u{200D}', '\u{FE0F}', '\u{202A}',
        '\u{202E}', '\u{2066}', '\u{2069}',
    ] {
        assert!(!t.contains(c), "U+{:04X} in the text layer", c as u32);
    }
    assert!(t.contains("安定社区"), "{t}");
}
