//! The seed's DOCX page through LibreOffice (issue 16): 28 characters on every full line of
//! body text and 22 lines on a full page, and GB/T 9704 §7.5 folios — odd pages right and
//! even pages left, one 四号 character in, their top 7 mm below the text block — measured
//! with `pdftotext -bbox-layout` on LibreOffice's PDF.

use std::path::Path;

use crate::bbox::{lines, BoxLine};
use crate::common::*;

const MM: f64 = 72.0 / 25.4;
/// The GB/T 9704 text block in PDF points from the page's top-left corner.
const LEFT: f64 = 28.0 * MM;
const RIGHT: f64 = (210.0 - 26.0) * MM;
const BOTTOM: f64 = (297.0 - 35.0) * MM;
/// One 四号 character: the folio's size and its indent from the block's edge.
const FOLIO: f64 = 14.0;
/// The body's line pitch in the DOCX: 579 twips.
const PITCH: f64 = 579.0 / 20.0;

/// The seed's DOCX converted by LibreOffice: (its PDF's lines, the folder kept alive).
fn libreoffice_lines() -> (Vec<BoxLine>, tempfile::TempDir) {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let pdf = libreoffice_pdf(&docx, &dir.path().join("lo"));
    (lines(&pdf), dir)
}

/// A character set one em wide in Chinese text: ideographs, CJK and full-width
/// punctuation, and the quotation marks and dashes Chinese text uses.
fn full_width(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
        || "“”‘’—…·".contains(c)
}

/// Whether `l` is a body line (三号: its box is 1.3 × 16 pt high in LibreOffice's PDF).
fn body_size(l: &BoxLine) -> bool {
    ((l.y_max - l.y_min) - 20.8).abs() < 1.0
}

/// Every full line of body text — starting at the block's left edge, reaching its right
/// edge, all of it Chinese — holds 28 characters, unless the next line starts with what
/// could not join it: a number or Latin word, or a character carried over because the
/// one after it may not start a line (then 27). No page has more than 22 body lines, the
/// pages of running text have exactly 22, and they are 579 twips apart.
pub fn body_lines_hold_28_characters_through_libreoffice() {
    let (lines, _dir) = libreoffice_lines();
    let mut full = 0;
    let mut of_28 = 0;
    for (i, l) in lines.iter().enumerate() {
        let n = l.text.chars().count();
        let chinese = l.text.chars().all(full_width);
        let reaches = (l.x_min - LEFT).abs() < 1.5 && (RIGHT - l.x_max).abs() < 3.0;
        if !(body_size(l) && chinese && reaches) {
            continue;
        }
        full += 1;
        if n == 28 {
            of_28 += 1;
            continue;
        }
        let next: Vec<char> = lines
            .get(i + 1)
            .filter(|m| m.page == l.page)
            .map(|m| m.text.chars().collect())
            .unwrap_or_default();
        let carried = next.first().is_some_and(|c| !full_width(*c))
            || next
                .get(1)
                .is_some_and(|c| "，。、；：？！”’）》」』】…—".contains(*c));
        assert!(
            n == 27 && carried,
            "page {}: {n} characters: {} (next: {})",
            l.page,
            l.text,
            next.iter().collect::<String>()
        );
    }
    assert!(
        of_28 * 10 >= full * 9,
        "{of_28} of {full} full lines hold 28"
    );
    assert!(full >= 30, "only {full} full lines of body text");
    let pages = lines.iter().map(|l| l.page).max().unwrap_or(0);
    let mut full_pages = 0;
    for p in 1..=pages {
        let mut ys: Vec<f64> = lines
            .iter()
            .filter(|l| l.page == p && body_size(l) && l.y_max < BOTTOM + 1.0)
            .map(|l| l.y_min)
            .collect();
        ys.sort_by(f64::total_cmp);
        ys.dedup_by(|a, b| (*a - *b).abs() < 1.0);
        assert!(ys.len() <= 22, "page {p} has {} body lines", ys.len());
        let only_text = lines
            .iter()
            .filter(|l| l.page == p && l.y_max < BOTTOM + 1.0)
            .all(body_size);
        if ys.len() == 22 && only_text {
            full_pages += 1;
            // Line box tops vary with the face (a 黑体 or 楷体 heading line sits a little
            // differently), so the grid is measured over the page: 21 pitches from the
            // first line to the last, and no gap off by more than a point.
            let mean = (ys[21] - ys[0]) / 21.0;
            assert!(
                (mean - PITCH).abs() < 0.05,
                "page {p}: mean pitch {mean:.3}"
            );
            for w in ys.windows(2) {
                assert!(
                    (w[1] - w[0] - PITCH).abs() < 1.0,
                    "page {p}: lines {:.2} pt apart",
                    w[1] - w[0]
                );
            }
        }
    }
    assert!(full_pages >= 2, "{full_pages} full pages of running text");
}

/// The folio "— N —" on every page: on odd pages its right edge one 四号 character in from
/// the block's right edge, on even pages its left edge one character in from the block's
/// left edge; its em box's top 7 mm below the block (its box, 1.3 em high, centred on the
/// em box's centre).
pub fn folios_sit_per_gbt9704_through_libreoffice() {
    let (lines, _dir) = libreoffice_lines();
    let pages = lines.iter().map(|l| l.page).max().unwrap_or(0);
    assert!(pages >= 10, "{pages} pages");
    for p in 1..=pages {
        let want = format!("—{p}—");
        let folio = lines
            .iter()
            .find(|l| l.page == p && l.text.replace(' ', "") == want)
            .unwrap_or_else(|| panic!("page {p} has no folio {want}"));
        if p % 2 == 1 {
            assert!(
                (RIGHT - FOLIO - folio.x_max).abs() < 1.0,
                "page {p}: folio ends at {:.1}, want {:.1}",
                folio.x_max,
                RIGHT - FOLIO
            );
        } else {
            assert!(
                (folio.x_min - LEFT - FOLIO).abs() < 1.0,
                "page {p}: folio starts at {:.1}, want {:.1}",
                folio.x_min,
                LEFT + FOLIO
            );
        }
        let centre = (folio.y_min + folio.y_max) / 2.0;
        let want_centre = BOTTOM + 7.0 * MM + FOLIO / 2.0;
        assert!(
            (centre - want_centre).abs() < 1.5,
            "page {p}: folio centred {:.1} pt below the block, want {:.1}",
            centre - BOTTOM,
            want_centre - BOTTOM
        );
    }
}

/// A report using what this page adds — emphasis, bold, a Markdown table with a header and
/// right-aligned numbers — validates with 0 problems and 0 warnings, and LibreOffice prints
/// its folios.
pub fn emphasis_and_table_docx_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let base = render_with_report_md(
        dir.path(),
        "本段有*着重文字*和**加粗文字**。\n\n| 项目 | 数量（个） |\n|:--|--:|\n| *甲* | 12 |\n| **合计** | 1,234.5 |\n\n",
    );
    let docx = base.with_extension("docx");
    let report = validate_docx(&docx);
    assert_eq!(report.trim(), "0 problems", "{report}");
    let pdf = libreoffice_pdf(&docx, &dir.path().join("lo"));
    let lines = lines(&pdf);
    assert!(lines.iter().any(|l| l.text == "—1—"), "no folio");
    assert!(lines.iter().any(|l| l.text.contains("着重文字")));
}

/// The seed's PDF and its DOCX through LibreOffice have the same number of pages (issue
/// 16: the two formats are one document).
pub fn pdf_and_docx_have_the_same_page_count() {
    let dir = render_seed();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    let lo = libreoffice_pdf(
        &dir.path().join("qingnianlu-2019.docx"),
        &dir.path().join("lo"),
    );
    let pages = |p: &Path| lopdf::Document::load(p).expect("a PDF").get_pages().len();
    assert_eq!(
        pages(&pdf),
        pages(&lo),
        "PDF pages vs the DOCX through LibreOffice"
    );
}
