//! A pack's reference.docx through the validator and LibreOffice (issue 18 D): the DOCX
//! that takes the reference's styles, page, header (a red 版头 with an image) and footer
//! (a PAGE field) is valid ECMA-376 (validate-docx: no problem), and LibreOffice prints the
//! header on every page, the footer's page numbers 1, 2, … and the reference's margins.

use crate::bbox::lines;
use crate::common::refdocx::{self, HEADER_TEXT, MARGINS};
use crate::common::*;

/// The seed rendered with a pack carrying the test reference.docx (and with the header
/// only, our folio kept): both DOCX files pass validate-docx with no problem.
pub fn reference_docx_output_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::reference_docx());
    let out = refdocx::render_with(&pack, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = refdocx::docx_in(dir.path());
    let report = validate_docx(&full);
    assert!(report.trim_end().ends_with("0 problems"), "{report}");
    if let Some(keep) = std::env::var_os("DIAOYAN_KEEP_REFERENCE_DOCX") {
        std::fs::copy(
            &full,
            std::path::Path::new(&keep).join("reference-full.docx"),
        )
        .unwrap();
    }
}

/// Through LibreOffice: every page has the 版头 at its top, the footer's 第 N 页 counts
/// the pages, and the body starts at the reference's left margin (1,800 twips = 90 pt),
/// not GB/T 9704's 28 mm.
pub fn reference_header_and_footer_print_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::reference_docx());
    let out = refdocx::render_with(&pack, dir.path());
    assert!(out.status.success());
    let docx = refdocx::docx_in(dir.path());
    let pdf = libreoffice_pdf(&docx, &dir.path().join("lo"));
    let lines = lines(&pdf);
    let pages = lines.iter().map(|l| l.page).max().unwrap_or(0);
    assert!(pages >= 2, "{pages} pages");
    for p in 1..=pages {
        let on_page: Vec<_> = lines.iter().filter(|l| l.page == p).collect();
        let top = on_page
            .iter()
            .min_by(|a, b| a.y_min.total_cmp(&b.y_min))
            .unwrap();
        assert!(
            top.text.contains(HEADER_TEXT),
            "page {p} starts with {:?}",
            top.text
        );
        let folio = format!("第 {p} 页");
        assert!(
            on_page.iter().any(|l| squeeze(&l.text) == squeeze(&folio)),
            "page {p} has no {folio}: {:?}",
            on_page.iter().map(|l| &l.text).collect::<Vec<_>>()
        );
    }
    let left = MARGINS.3 as f64 / 20.0;
    let body_left = lines
        .iter()
        .filter(|l| l.page == 1 && !l.text.contains(HEADER_TEXT))
        .map(|l| l.x_min)
        .fold(f64::MAX, f64::min);
    assert!(
        (body_left - left).abs() < 2.0,
        "the body starts at {body_left} pt, the reference's margin is {left} pt"
    );
}
