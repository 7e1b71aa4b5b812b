//! The township-villages sample (`data/township-2020.yaml`) passes the same output checks
//! as the flagship: a schema-valid DOCX that LibreOffice opens with the same page count as
//! diaoyan's PDF, a PDF that qpdf accepts with subset Unicode-mapped fonts, an outline of
//! numbered headings, a folio on every page and the report's figures in its text layer.
//! (Every figure of the prose is asserted from the data in `tests/township.rs`; the
//! figures here are a few of those, read back from each format.)

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Figures the township report prints (see tests/township.rs for their derivation).
const FIGURES: [&str; 6] = ["29890", "22640", "75.7%", "280.4", "17.2%", "46.7%"];

/// Render the sample, bundled fonts only; returns the folder and the outputs' stem path.
fn render_township() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = diaoyan(&[
        "render",
        "data/township-2020.yaml",
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = dir.path().join("township-2020");
    (dir, base)
}

fn pages(p: &Path) -> usize {
    lopdf::Document::load(p).expect("a PDF").get_pages().len()
}

/// validate-docx reports 0 problems and no warning.
pub fn docx_is_schema_valid() {
    let (_dir, base) = render_township();
    let report = validate_docx(&base.with_extension("docx"));
    assert_eq!(report.trim(), "0 problems", "{report}");
}

/// LibreOffice opens the DOCX, prints the figures and paginates it as diaoyan's PDF.
pub fn docx_through_libreoffice_matches_the_pdf() {
    let (dir, base) = render_township();
    let lo = libreoffice_pdf(&base.with_extension("docx"), &dir.path().join("lo"));
    assert_eq!(
        pages(&base.with_extension("pdf")),
        pages(&lo),
        "PDF pages vs the DOCX through LibreOffice"
    );
    let text = squeeze(&tool("pdftotext", &[], &lo));
    for want in FIGURES {
        assert!(text.contains(want), "LibreOffice's text lacks {want}");
    }
    assert!(text.contains("二、存在的主要问题") && text.contains("三、对策建议"));
}

/// qpdf accepts the PDF; its fonts are embedded subsets with Unicode maps; the outline
/// holds the numbered headings; every page has its folio; the figures are in the text.
pub fn pdf_is_valid_with_outline_folios_and_figures() {
    let (_dir, base) = render_township();
    let pdf = base.with_extension("pdf");
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(check.status.success(), "qpdf --check");
    for row in tool("pdffonts", &[], &pdf).lines().skip(2) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{row}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&tool("qpdf", &["--json"], &pdf)).expect("json");
    let titles: Vec<&str> = json["outlines"]
        .as_array()
        .expect("outline")
        .iter()
        .filter_map(|o| o["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        ["一、基本情况", "二、存在的主要问题", "三、对策建议"],
        "outline"
    );
    for p in 1..=pages(&pdf) {
        let text = tool(
            "pdftotext",
            &["-f", &p.to_string(), "-l", &p.to_string()],
            &pdf,
        );
        assert!(
            text.contains(&format!("—{p}—")) || text.contains(&format!("— {p} —")),
            "page {p} has no folio"
        );
    }
    let text = squeeze(&tool("pdftotext", &[], &pdf));
    for want in FIGURES {
        assert!(text.contains(want), "the PDF's text lacks {want}");
    }
    for want in ["（一）人口状况", "表5", "图3", "各村集体经济收入"] {
        assert!(text.contains(want), "the PDF's text lacks {want}");
    }
}
