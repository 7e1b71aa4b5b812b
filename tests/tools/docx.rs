//! The DOCX through LibreOffice and the ECMA-376 validator.

use crate::common::*;

pub fn docx_opens_in_libreoffice() {
    let dir = render_seed();
    let pdf = libreoffice_pdf(
        &dir.path().join("qingnianlu-2019.docx"),
        &dir.path().join("lo"),
    );
    let len = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(len > 10_000, "LibreOffice produced {len} bytes");
}

pub fn libreoffice_renders_the_numbers_and_captions() {
    let dir = render_seed();
    let text = libreoffice_text(&dir.path().join("qingnianlu-2019.docx")).expect("LibreOffice");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert_eq!(heading_numbers(&text), ["一、", "二、", "三、", "四、"]);
    assert!(
        lines.iter().any(|l| l.starts_with("（一）人口规模")),
        "level-2 numbers"
    );
    for want in [
        "2538", "6813", "2492", "1380", "208", "55.4%", "141", "2143", "5400",
    ] {
        assert!(text.contains(want), "{want}");
    }
    assert!(text.contains("表 1") || text.contains("表1"));
}

pub fn libreoffice_draws_the_charts() {
    let dir = render_seed();
    let text = libreoffice_text(&dir.path().join("qingnianlu-2019.docx")).expect("LibreOffice");
    // The pie's shares and a community's short name are in LibreOffice's rendering.
    assert!(text.contains("34.7%") && text.contains("糖坊街"), "{text}");
}

/// The ECMA-376 validator from `shared/tools/ooxml` must report 0 problems and 0 warnings
/// (issue 16: no orphan part, no dangling style or numbering reference): its whole report
/// is the one summary line.
pub fn docx_is_schema_valid() {
    let dir = render_seed();
    let report = validate_docx(&dir.path().join("qingnianlu-2019.docx"));
    assert_eq!(report.trim(), "0 problems", "{report}");
    assert!(!report.contains("warning"), "{report}");
}

/// A Markdown list written from `5.` prints 5., 6. in the PDF and in the DOCX (through
/// LibreOffice), and an item starting with a nested list keeps its number (issue 16).
pub fn lists_print_their_start_number_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let base = render_with_lists(dir.path());
    let pdf = tool("pdftotext", &[], &base.with_extension("pdf"));
    let docx = libreoffice_text(&base.with_extension("docx")).expect("LibreOffice converts");
    for (name, text) in [("PDF", &pdf), ("DOCX", &docx)] {
        let lines: Vec<String> = text.lines().map(squeeze).collect();
        for want in [
            "5.第五项“甲”",
            "6.第六项",
            "•要点一",
            "1.第一项",
            "2.第二项",
            "3.第三项",
            "4.",
            "•嵌套要点",
        ] {
            assert!(
                lines.iter().any(|l| l == want),
                "{name}: no line {want}: {lines:?}"
            );
        }
    }
}
