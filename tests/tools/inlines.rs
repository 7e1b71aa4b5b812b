//! Issue 14, typed inlines: the fixture's DOCX validates and opens in LibreOffice with its
//! footnotes; the PDF prints the cell's note at the foot of a page and the data literally.

use crate::common::*;
use crate::fixture::render_inline_fixture;

pub fn inline_fixture_docx_validates_and_opens() {
    let (_dir, docx, _pdf) = render_inline_fixture();
    let report = validate_docx(&docx);
    assert_eq!(report.lines().last(), Some("0 problems"), "{report}");
    assert!(!report.contains("warning"), "{report}");
    let text = libreoffice_text(&docx).expect("LibreOffice");
    let flat = squeeze(&text);
    assert!(flat.contains("党建经费含上级专项补助"), "{text}");
    assert!(flat.contains("青年路[@office]社区"), "{text}");
}

pub fn inline_fixture_pdf_prints_notes_and_data() {
    let (_dir, _docx, pdf) = render_inline_fixture();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let flat = squeeze(&text);
    for want in [
        "党建经费含上级专项补助",
        "青年路[@office]社区",
        "[@tab1]",
        "\\newpage",
        "行政事务挤占自治空间{-}",
        "第一行收入偏低",
    ] {
        assert!(flat.contains(want), "{want} missing: {text}");
    }
    // The two lines of the finding are on separate lines.
    let l1 = text.lines().position(|l| l.contains("第一行收入偏低"));
    let l2 = text.lines().position(|l| l.contains("第二行责任过重"));
    assert!(matches!((l1, l2), (Some(a), Some(b)) if b > a), "{text}");
}
