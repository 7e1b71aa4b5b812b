//! Issue 18 (C): the writer's Markdown prose on the printed page — points numbered 1. and
//! （1） under the finding, the footnote numbered, in diaoyan's PDF and in the DOCX through
//! LibreOffice.

use crate::common::*;

/// The seed with the first finding's text in Markdown and two titled points, the first
/// with two untitled sub-points; written into `dir`.
fn rich_seed(dir: &std::path::Path) -> std::path::PathBuf {
    let src = std::fs::read_to_string(seed()).unwrap();
    let first = "      居委会依法是居民自我管理、自我教育、自我服务的群众性自治组织，";
    let start = src.find(first).expect("the first finding's text");
    let end = start + src[start..].find("  - title:").unwrap();
    let text = "      社区承接的行政事务*名目繁多*，其中**临时性工作**占六成以上[^a]。\n\n      [^a]: 据各社区座谈记录统计。\n";
    let points = "    points:\n      - title: 台账报表繁多\n        text: 各类台账*数十种*。\n        points:\n          - text: 仅民政一项就有十余种。\n          - text: 多数需要重复填报。\n      - title: 考核名目繁多\n        text: 考核**层层加码**。\n";
    let path = dir.join("prose.yaml");
    std::fs::write(
        &path,
        format!("{}{text}{points}{}", &src[..start], &src[end..]),
    )
    .unwrap();
    path
}

pub fn points_and_notes_are_numbered_in_pdf_and_docx() {
    let tmp = tempfile::tempdir().unwrap();
    let data = rich_seed(tmp.path());
    let out = tmp.path().join("out");
    let r = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let pdf = out.join("qingnianlu-2019.pdf");
    let t = std::process::Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let lo = libreoffice_text(&out.join("qingnianlu-2019.docx")).expect("LibreOffice text");
    for text in [String::from_utf8_lossy(&t.stdout).into_owned(), lo] {
        let text = squeeze(&text);
        for want in [
            "（一）行政事务挤占自治空间",
            "其中临时性工作占六成以上2。",
            "1.台账报表繁多各类台账数十种。（1）仅民政一项就有十余种。（2）多数需要重复填报。2.考核名目繁多考核层层加码。",
            "2据各社区座谈记录统计。",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
    }
}
