//! The DOCX through LibreOffice and the ECMA-376 validator.

use crate::common::*;

pub fn docx_opens_in_libreoffice() {
    let dir = render_seed();
    let out = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path().join("lo"))
        .arg(dir.path().join("qingnianlu-2019.docx"))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.path().join("lo/qingnianlu-2019.pdf");
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
    // The donut's shares and a community's short name are in LibreOffice's rendering.
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
