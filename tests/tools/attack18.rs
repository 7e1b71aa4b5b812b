//! Issue 18 attacked (attack18a): each check reproduces a finding of the tester on a fixture
//! of `tests/fixtures/attack18/` and asserts the right result.

use std::path::{Path, PathBuf};

use crate::bbox::words;
use crate::common::*;

fn fixture(p: &str) -> PathBuf {
    root().join("tests/fixtures/attack18").join(p)
}

/// Render `data` with `pack` as PDF only (bundled fonts) into a fresh folder; returns the
/// folder and the PDF.
fn render_pdf(data: &Path, pack: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
        "--template",
        pack.to_str().unwrap(),
        "--format",
        "pdf",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().and_then(|e| e.to_str()) == Some("pdf"))
        .expect("a PDF");
    (dir, pdf)
}

/// F16: footnotes referenced in table cells (rows 7, 14, …, 42 of a 45-row table after
/// 6, 12, 13 or 14 one-line paragraphs). On every page the footnote text starts below the
/// last table row (no text on text, the rule never through a row); each note is on its
/// row's page; no row is lost; every part of the table keeps at least three rows (no
/// nearly empty page in mid-table).
pub fn footnotes_in_table_cells_never_overlap_the_rows() {
    let pack = fixture("F16/pack");
    for case in ["f6", "f12", "f13", "f14"] {
        let (_dir, pdf) = render_pdf(&fixture(&format!("F16/{case}.yaml")), &pack);
        let ws = words(&pdf);
        let pages = ws.iter().map(|w| w.page).max().unwrap_or(0);
        let row_no = |t: &str| t.strip_prefix('行').and_then(|n| n.parse::<usize>().ok());
        let mut seen = Vec::new();
        for p in 1..=pages {
            let on = || ws.iter().filter(move |w| w.page == p);
            let rows: Vec<_> = on()
                .filter(|w| {
                    row_no(&w.text).is_some()
                        || w.text.starts_with("内容")
                            && w.text[6..].chars().all(|c| c.is_ascii_digit())
                })
                .collect();
            let notes: Vec<_> = on()
                .filter(|w| w.text.starts_with('第') && w.text.contains("行的脚注"))
                .collect();
            let numbers: Vec<usize> = on().filter_map(|w| row_no(&w.text)).collect();
            seen.extend(numbers.iter().copied());
            if let (Some(last), Some(first)) = (
                rows.iter().map(|w| w.y_max).reduce(f64::max),
                notes.iter().map(|w| w.y_min).reduce(f64::min),
            ) {
                // The rule sits about 4.5 pt above the first note line.
                assert!(
                    first - last >= 6.0,
                    "{case} page {p}: footnotes start {:.1} pt below the last row",
                    first - last
                );
            }
            for n in &notes {
                let k: usize = n
                    .text
                    .trim_start_matches('第')
                    .split('行')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(
                    numbers.contains(&k),
                    "{case}: note of row {k} on page {p}, its row is not"
                );
            }
            if !numbers.is_empty() {
                assert!(
                    numbers.len() >= 3,
                    "{case} page {p}: a part of {} rows: {numbers:?}",
                    numbers.len()
                );
            }
        }
        seen.sort_unstable();
        assert_eq!(
            seen,
            (1..=45).collect::<Vec<_>>(),
            "{case}: rows lost or doubled"
        );
    }
}

/// F22: a report that starts with a 27-row table (it would fit a page of its own): the
/// title is not left alone on page 1. The table starts under the title and splits, in the
/// PDF and in the DOCX as LibreOffice paginates it, at the same row.
pub fn the_title_is_never_alone_on_page_one() {
    let data = fixture("F22/u26-p0-q0.yaml");
    let dir = tempfile::tempdir().unwrap();
    let out = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
        "--template",
        fixture("F22/pack").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.path().join("u26-p0-q0.pdf");
    let lo = libreoffice_pdf(&dir.path().join("u26-p0-q0.docx"), dir.path());
    let mut firsts = Vec::new();
    for f in [&pdf, &lo] {
        let ws = words(f);
        let p1: String = ws
            .iter()
            .filter(|w| w.page == 1)
            .map(|w| w.text.as_str())
            .collect();
        assert!(p1.contains("测试报告"), "{f:?}: {p1}");
        assert!(
            p1.contains("第1单位"),
            "{f:?}: page 1 holds the title alone: {p1}"
        );
        let p2: String = ws
            .iter()
            .filter(|w| w.page == 2)
            .map(|w| w.text.as_str())
            .collect();
        let at = p2.find('第').expect("rows on page 2");
        firsts.push(p2[at..].chars().take(5).collect::<String>());
    }
    assert_eq!(
        firsts[0], firsts[1],
        "PDF and DOCX split the table at different rows"
    );
}
