//! Issue 16, fonts: the body is the bundled 仿宋 (Zhuque Fangsong) in the PDF, and in the
//! DOCX through LibreOffice, which finds no 仿宋 installed and uses the embedded subset.

use std::process::Command;

use crate::common::*;

/// The rows of `pdffonts` for `pdf`: the font names (subset tag stripped).
fn font_names(pdf: &std::path::Path) -> Vec<String> {
    tool("pdffonts", &[], pdf)
        .lines()
        .skip(2)
        .filter_map(|row| row.split_whitespace().next())
        .map(|n| n.split_once('+').map_or(n, |(_, n)| n).to_string())
        .collect()
}

/// No 仿宋 is installed (the usual case outside Windows; `--no-system-fonts` makes sure):
/// the seed's body is set in the bundled Zhuque Fangsong (the 宋体 face is embedded for
/// the folio only, GB/T 9704 §7.5).
pub fn pdf_body_is_the_bundled_fangsong() {
    let dir = render_seed();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    let names = font_names(&pdf);
    assert!(
        names.iter().any(|n| n == "ZhuqueFangsong-Regular"),
        "{names:?}"
    );
    // NotoSerifSC-Regular is embedded for the folio only (四号宋体, GB/T 9704 §7.5).
}

/// LibreOffice, with no 仿宋 installed, draws the seed DOCX's body in the embedded subset
/// of Zhuque Fangsong (`word/fonts/font1.odttf` under the 仿宋_GB2312 entry).
pub fn libreoffice_uses_the_embedded_fangsong() {
    let dir = render_seed();
    let fc = Command::new("fc-list").output();
    if let Ok(fc) = fc {
        let list = String::from_utf8_lossy(&fc.stdout);
        assert!(
            !list.contains("Zhuque"),
            "Zhuque Fangsong is installed: the test would not show the embedding"
        );
    }
    let pdf = libreoffice_pdf(
        &dir.path().join("qingnianlu-2019.docx"),
        &dir.path().join("lo"),
    );
    let names = font_names(&pdf);
    assert!(
        names.iter().any(|n| n == "ZhuqueFangsong-Regular"),
        "LibreOffice did not use the embedded 仿宋: {names:?}"
    );
    // The body text is there, in that font's pages.
    let text = tool("pdftotext", &[], &pdf);
    assert!(text.contains("居民自治"), "body text missing");
}
