//! Attack round 18a (tester's findings on the issue-16/17 work) checks that need tools:
//! validate-docx (F1), pdftotext and LibreOffice (F2/F3: the 落款 and the page counts of
//! both formats; F4: grouped-table parts; F6: negative chart values printed). Fixtures in
//! `tests/fixtures/attack18a/` (see its README.md).

use std::path::{Path, PathBuf};

use crate::common::*;

fn fixture(p: &str) -> PathBuf {
    root().join("tests/fixtures/attack18a").join(p)
}

/// Render `data` with `pack` (bundled fonts) into a fresh folder: (folder, PDF, DOCX).
fn render(data: &Path, pack: &Path) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let find = |ext: &str| {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
            .expect("an output")
    };
    let (pdf, docx) = (find("pdf"), find("docx"));
    (dir, pdf, docx)
}

/// Each page's text (pdftotext -layout), without the trailing empty page.
fn pages(pdf: &Path) -> Vec<String> {
    let t = tool("pdftotext", &["-layout"], pdf);
    let mut v: Vec<String> = t.split('\u{c}').map(str::to_string).collect();
    if v.last().is_some_and(|s| s.trim().is_empty()) {
        v.pop();
    }
    v
}

/// The non-empty lines of a page, without its folio.
fn body_lines(page: &str) -> Vec<String> {
    let mut l: Vec<String> = page
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if l.last().is_some_and(|s| s.starts_with('—')) {
        l.pop();
    }
    l
}

/// F1: reports with and without footnotes, and the starter pack's, validate with 0
/// problems and 0 warnings (no orphan footnotes part).
pub fn f1_docx_with_and_without_footnotes_validate_clean() {
    let (_a, _, plain) = render(&fixture("F1/nofootnote.yaml"), &fixture("atk"));
    let seed = render_seed();
    let seed_docx = seed.path().join("qingnianlu-2019.docx");
    for docx in [plain, seed_docx] {
        let report = validate_docx(&docx);
        assert!(
            report.trim_end().ends_with("0 problems") && !report.contains("warning"),
            "{}: {report}",
            docx.display()
        );
    }
}

/// F2/F3: the tester's 17, 18 and 19 one-line paragraphs: the PDF and the DOCX
/// (LibreOffice) have the same pages; the 落款 never stands alone on the last page (text
/// comes with it) and keeps its blank line (the 署名 is two lines below the last text).
pub fn f2_f3_closing_keeps_text_and_blank_line_and_pages_match() {
    for (data, pack) in [
        ("F3/s17.yaml", "F3/pack"),
        ("F2/s18.yaml", "F2/pack"),
        ("F2/s19.yaml", "F2/pack"),
    ] {
        let (dir, pdf, docx) = render(&fixture(data), &fixture(pack));
        let p = pages(&pdf);
        let lo = libreoffice_pdf(&docx, &dir.path().join("lo"));
        let lo_pages = pages(&lo);
        assert_eq!(p.len(), lo_pages.len(), "{data}: PDF and DOCX pages differ");
        let last = body_lines(p.last().unwrap());
        assert!(
            last.len() > 2,
            "{data}: the last page holds only the 落款: {last:?}"
        );
        // 空一行: a blank line between the text and the 署名 in the layout text.
        let page = p.last().unwrap();
        let lines: Vec<&str> = page.lines().collect();
        let sig = lines
            .iter()
            .position(|l| l.contains("测试单位"))
            .expect("the 署名");
        assert!(
            sig >= 2 && lines[sig - 1].trim().is_empty(),
            "{data}: no blank line above the 落款:\n{page}"
        );
    }
}

/// F4: a spanned group of 45 / 33 rows after 8, 16 or 17 lines: every page's part of the
/// table has at least 3 rows, and a 续表 always holds data rows (never the 平均 row alone).
pub fn f4_grouped_table_parts_keep_three_rows() {
    for data in [
        "g45-p8.yaml",
        "g45-p17.yaml",
        "g33-p16.yaml",
        "g33-p17.yaml",
    ] {
        let (_d, pdf, _) = render(&fixture(&format!("F4/{data}")), &fixture("F4/pack"));
        let mut parts = Vec::new();
        for page in pages(&pdf) {
            // Data rows: 岗1, 岗2, … (the header says 岗位).
            let rows = page
                .split('岗')
                .skip(1)
                .filter(|s| s.starts_with(|c: char| c.is_ascii_digit()))
                .count();
            let average = page.lines().any(|l| l.trim_start().starts_with("平均"));
            if rows > 0 || average {
                parts.push((rows, average));
            }
        }
        if parts.len() > 1 {
            for (rows, average) in &parts {
                assert!(
                    rows + usize::from(*average) >= 3 && *rows > 0,
                    "{data}: parts {parts:?}"
                );
            }
        }
    }
}

/// F6: the PDF prints the negative values of the bar chart as they are (-52, -9), never 0.
pub fn f6_pdf_prints_negative_chart_values() {
    let (_d, pdf, _) = render(&fixture("F6/c10.yaml"), &fixture("F6/pack"));
    let text = tool("pdftotext", &["-layout"], &pdf);
    assert!(text.contains("-52"), "no -52 in the PDF");
    assert!(text.contains("-9"), "no -9 in the PDF");
}
