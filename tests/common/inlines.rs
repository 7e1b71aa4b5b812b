//! The issue-14 inline fixture: the seed with a footnote in a GFM table cell of the
//! template, and data that looks like every marker the pipeline knows (a cross-reference,
//! `\newpage`, `{-}`, the old chart anchor) and holds a line break.

use crate::common::*;
use std::path::PathBuf;

/// The fixture rendered into a fresh folder: (folder, DOCX path, PDF path).
pub fn render_inline_fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = dir.path().join("community-survey");
    std::fs::create_dir_all(&pack).unwrap();
    let src = root().join("templates/community-survey");
    for f in ["template.yaml", "report.md"] {
        std::fs::copy(src.join(f), pack.join(f)).unwrap();
    }
    let report = std::fs::read_to_string(pack.join("report.md")).unwrap();
    let table = "| 项目 | 金额（元） |\n|---|---:|\n| 党建经费 | {{ facts.funding.party | fixed }}[^p] |\n\n[^p]: 党建经费含上级专项补助。\n\n";
    let report = report.replace("[^source]:", &format!("{table}[^source]:"));
    std::fs::write(pack.join("report.md"), report).unwrap();
    let data = std::fs::read_to_string(seed()).unwrap();
    let data = data
        .replace("  - name: 青年路第一社区", "  - name: \"青年路[@office]社区\"")
        .replace("  - name: 青年路第二社区", "  - name: \"[@tab1]\"")
        .replace(
            "  - title: 行政事务挤占自治空间，居委会“自治”名不副实",
            "  - title: \"行政事务挤占自治空间{-}\"",
        )
        .replace(
            "      社区工作人员承担的任务重、事项杂，收入却明显偏低，责任与待遇失衡，既难以稳住现有队伍，也难以调动工作者的积极性和潜能。",
            "      \\newpage\n\n      newpage\n\n      \u{E000}diaoyan-chart-1\u{E001}\n\n      软换行之前\n      软换行之后",
        )
        // A hard line break (U+2028, `\\L` in a YAML double-quoted string) in a finding.
        .replace(
            "findings:\n",
            "findings:\n  - title: 换行\n    text: \"第一行收入偏低\\L第二行责任过重\"\n",
        );
    let file = dir.path().join("inline.yaml");
    std::fs::write(&file, data).unwrap();
    let out = diaoyan(&[
        "render",
        file.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Outputs are named from the report's region and period, as the seed's.
    let docx = dir.path().join("qingnianlu-2019.docx");
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    (dir, docx, pdf)
}
