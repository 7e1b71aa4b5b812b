//! The seed report's PDF, checked with poppler and qpdf (run by the `tools` harness): fonts, pages, line breaking and
//! justification measured on the rendered text.

use std::process::Command;

use crate::bbox::{lines, BoxLine};
use crate::common::*;

/// Right margin of the GB/T 9704 text block: 210 mm − 26 mm, in points.
pub(crate) const RIGHT: f64 = (210.0 - 26.0) * 72.0 / 25.4;
const LEFT: f64 = 28.0 * 72.0 / 25.4;
/// The body grid's pitch: 28 characters per line (GB/T 9704-2012 §5.2.1).
const PITCH: f64 = (RIGHT - LEFT) / 28.0;

pub fn fonts_pages_outline_and_size() {
    let dir = render_seed();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    assert!(std::fs::metadata(&pdf).unwrap().len() <= 400_000);
    let fonts = tool("pdffonts", &[], &pdf);
    for row in fonts.lines().skip(2) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        // emb sub uni: embedded, subset, Unicode-mapped.
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{row}");
    }
    let info = tool("pdfinfo", &[], &pdf);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    assert!(info.contains("PDF version:     1.7"), "{info}");
    // printpdf writes an empty /GTS_PDFXVersion; it is removed, so no reader reports PDF/X.
    assert!(!info.contains("PDF subtype"), "{info}");
    let raw = std::fs::read(&pdf).expect("pdf bytes");
    assert!(!raw.windows(15).any(|w| w == b"GTS_PDFXVersion"));
    assert!(info.contains("Author:          青年路街道办事处"));
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    for p in 1..=pages {
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
    let json: serde_json::Value =
        serde_json::from_str(&tool("qpdf", &["--json"], &pdf)).expect("json");
    let titles: Vec<&str> = json["outlines"]
        .as_array()
        .expect("outline")
        .iter()
        .filter_map(|o| o["title"].as_str())
        .collect();
    for h in [
        "一、调研的范围和方法",
        "二、社区基本情况",
        "三、存在的主要问题",
        "四、对策建议",
    ] {
        assert!(titles.contains(&h), "{h} not in the outline {titles:?}");
    }
    // Level-2 headings sit under their level-1 heading, not beside it.
    let basics = json["outlines"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["title"] == "二、社区基本情况"))
        .expect("二、 in the outline");
    let kids: Vec<&str> = basics["kids"]
        .as_array()
        .expect("kids")
        .iter()
        .filter_map(|o| o["title"].as_str())
        .collect();
    assert_eq!(kids.first(), Some(&"（一）人口规模"), "{kids:?}");
    assert!(!titles.contains(&"（一）人口规模"), "{titles:?}");
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(check.status.success());
}

pub fn lines_obey_the_rules_and_body_text_is_justified() {
    let dir = render_seed();
    let all = lines(&dir.path().join("qingnianlu-2019.pdf"));
    assert!(all.len() > 200);
    for l in &all {
        let first = l.text.chars().next().unwrap_or(' ');
        let last = l.text.chars().last().unwrap_or(' ');
        assert!(
            !"，。、；：？！）》」』】".contains(first),
            "line starts with {first}: {}",
            l.text
        );
        assert!(
            !"（《「『【“".contains(last),
            "line ends with {last}: {}",
            l.text
        );
    }
    // Body lines: 三号 type from the left margin or the 2-character indent. The bundled
    // 仿宋's line box is 1.2 em (19.2 pt at 16 pt); 12-pt table text is at most 17.3 pt
    // (Noto, 1.44 em).
    let body = |l: &BoxLine| {
        l.height() > 18.0
            && ((l.x_min - LEFT).abs() < 0.5 || (l.x_min - LEFT - 2.0 * PITCH).abs() < 0.5)
    };
    let mut checked = 0;
    for w in all.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // `a` is a non-final line of a paragraph when the next line on the page continues
        // it from the left margin, one line pitch below.
        let continues = b.page == a.page
            && (b.x_min - LEFT).abs() < 0.5
            && (b.y_min - a.y_min - 28.99).abs() < 1.0;
        if !(body(a) && body(b) && continues) {
            continue;
        }
        let hang = if "，。、；：？！）》」』】”".contains(a.text.chars().last().unwrap_or(' '))
        {
            8.0
        } else {
            0.0
        };
        assert!(
            a.x_max >= RIGHT - 1.5 && a.x_max <= RIGHT + 1.5 + hang,
            "page {}: line not flush right ({:.1} vs {RIGHT:.1}): {}",
            a.page,
            a.x_max,
            a.text
        );
        checked += 1;
    }
    assert!(checked > 50, "only {checked} lines checked");
}

pub fn a_table_row_taller_than_a_page_continues_on_the_next_page_inside_the_margins() {
    let dir = tempfile::tempdir().unwrap();
    let long = "超长名称社区".repeat(600);
    let pdf = render_seed_edited(
        dir.path(),
        &[(
            "  - name: 青年路第二社区",
            &format!("  - name: 青年路第二{long}"),
        )],
        &["--format", "pdf"],
    )
    .with_extension("pdf");
    let all = lines(&pdf);
    // GB/T 9704: 297 mm page, 35 mm bottom margin; the folio sits below it, 7 mm up.
    let page_h = 841.89;
    let body_bottom = page_h - 35.0 / 25.4 * 72.0;
    let text_right = 595.28 - 26.0 / 25.4 * 72.0;
    for l in &all {
        let folio = l.text.starts_with('—');
        assert!(
            folio || l.y_min + l.height() <= body_bottom + 2.0,
            "page {}: {} runs into the bottom margin",
            l.page,
            l.text
        );
        // Half an em of slack: a closing mark squeezed at line end keeps its full box in
        // pdftotext's measure.
        assert!(
            l.x_max <= text_right + 8.5,
            "page {}: {} runs off the right ({} > {text_right})",
            l.page,
            l.text,
            l.x_max
        );
    }
    // The header row is repeated on the pages the long row continues on.
    let header_pages: std::collections::BTreeSet<usize> = all
        .iter()
        .filter(|l| l.text.starts_with("居民户数（户）"))
        .map(|l| l.page)
        .collect();
    assert!(header_pages.len() >= 3, "{header_pages:?}");
}

/// Issue 14: a `group_by` group taller than the space left on the page (48 rows of
/// 社区专职工作者 in `pay_scale`) is split at a row boundary: every row is printed once,
/// nothing but the folio lies below the text block, and each continuation page repeats the
/// header and the group label with （续）.
pub fn a_group_taller_than_the_page_is_split_with_its_label_continued() {
    let dir = tempfile::tempdir().unwrap();
    let data = root().join("tests/fixtures/long-group.yaml");
    let out = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--format",
        "pdf",
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.path().join("long-group.pdf");
    let all = lines(&pdf);
    let text: String = all.iter().map(|l| l.text.as_str()).collect();
    for i in 1..=48 {
        let post = format!("专职岗位{i:02}号");
        // Once in the table; the 48th is also named in the prose as the highest pay.
        let want = if i == 48 { 2 } else { 1 };
        assert_eq!(text.matches(&post).count(), want, "{post}");
    }
    for post in ["书记兼主任", "副主任", "委员", "公益性岗位"] {
        assert!(text.contains(post), "{post}");
    }
    // GB/T 9704: 297 mm page, 35 mm bottom margin; the folio sits below it, 7 mm up.
    let body_bottom = 841.89 - 35.0 / 25.4 * 72.0;
    for l in &all {
        let folio = l.text.starts_with('—');
        assert!(
            folio || l.y_min + l.height() <= body_bottom + 2.0,
            "page {}: {} runs into the bottom margin",
            l.page,
            l.text
        );
    }
    let row_pages: std::collections::BTreeSet<usize> = all
        .iter()
        .filter(|l| l.text.contains("专职岗位") && !l.text.contains("最高"))
        .map(|l| l.page)
        .collect();
    assert!(row_pages.len() >= 2, "{row_pages:?}");
    let first = *row_pages.iter().next().unwrap();
    let on = |p: usize, needle: &str| all.iter().any(|l| l.page == p && l.text.contains(needle));
    assert!(on(first, "社区专职工作者") && !on(first, "社区专职工作者（续）"));
    for &p in row_pages.iter().skip(1) {
        assert!(
            on(p, "社区专职工作者（续）"),
            "page {p}: no continued label"
        );
        assert!(
            on(p, "类别") && on(p, "平均月薪"),
            "page {p}: no repeated header"
        );
    }
}

/// A title of 1,200 characters (强化基层保障 ×200) is printed whole: the PDF text layer
/// holds all 200 repeats, as the DOCX does (it used to stop after about 22 lines, 74
/// repeats, with exit 0), the title continues on the next page inside the text block,
/// and the report's body follows it.
pub fn a_title_longer_than_a_page_continues_on_the_next_page() {
    let dir = tempfile::tempdir().unwrap();
    let title = "强化基层保障".repeat(200);
    let stem = render_seed_edited(
        dir.path(),
        &[(
            "  title: 强化基层保障 理顺管理体制 推动社区治理能力现代化",
            &format!("  title: {title}"),
        )],
        &[],
    );
    let pdf = stem.with_extension("pdf");
    // The text layer without the folios (— N —) between the pages.
    let mut text = squeeze(&tool("pdftotext", &[], &pdf));
    for n in (1..=40).rev() {
        text = text.replace(&format!("—{n}—"), "");
    }
    assert_eq!(text.matches("强化基层保障").count(), 200, "{text}");
    // The title comes first, whole, then the subtitle.
    assert!(
        text.contains(&format!("{title}——青年路街道社区管理情况调研报告")),
        "{text}"
    );
    let docx = docx_part(&stem.with_extension("docx"), "word/document.xml");
    assert_eq!(docx.matches("强化基层保障").count(), 200);
    // Nothing but the folio below the text block or past its right edge.
    let page_h = 841.89;
    let body_bottom = page_h - 35.0 / 25.4 * 72.0;
    let text_right = 595.28 - 26.0 / 25.4 * 72.0;
    let all = lines(&pdf);
    for l in &all {
        let folio = l.text.starts_with('—');
        assert!(
            folio || l.y_min + l.height() <= body_bottom + 2.0,
            "page {}: {} runs into the bottom margin",
            l.page,
            l.text
        );
        assert!(l.x_max <= text_right + 8.5, "page {}: {}", l.page, l.text);
    }
    // The title fills the first page and goes on to the second.
    assert!(all
        .iter()
        .any(|l| l.page == 2 && l.text.contains("强化基层保障")));
}

/// Full-width closing marks (ink in the left half), which clreq compresses before another mark.
const CLOSING: &str = "，。、；：？！）》」』】〕〉〗”’";
const OPENING: &str = "（《「『【〔〈〖“‘";

/// The grid cells a line of full-width characters takes: one per character, less half a
/// cell for each closing mark compressed before another mark (clreq §3.1.6).
fn cells(text: &str) -> f64 {
    let c: Vec<char> = text.chars().collect();
    let squeezed = c
        .windows(2)
        .filter(|w| CLOSING.contains(w[0]) && (CLOSING.contains(w[1]) || OPENING.contains(w[1])))
        .count();
    c.len() as f64 - squeezed as f64 * 0.5
}

/// Issue 16: the grid is 28 characters per line (it was 27): every flush body line of
/// full-width characters from the left margin holds 28 cells (28.5 when its last mark hangs
/// half into the margin), 26 after the 2-character indent, set on a pitch no tighter than
/// the grid's; a paragraph's last line never holds one character alone ("题。", "户。").
pub fn body_lines_hold_28_characters_and_no_last_line_one() {
    let dir = render_seed();
    let all = lines(&dir.path().join("qingnianlu-2019.pdf"));
    let body = |l: &BoxLine| l.height() > 18.0 && l.y_min < 760.0;
    let at = |l: &BoxLine, x: f64| (l.x_min - x).abs() < 1.0;
    let (mut full, mut last_lines) = (0, 0);
    for l in all.iter().filter(|l| body(l)) {
        let cjk = l.text.chars().all(|c| !c.is_ascii());
        let flush = l.x_max >= RIGHT - 1.5;
        let expected = if at(l, LEFT) {
            28.0
        } else if at(l, LEFT + 2.0 * PITCH) {
            26.0
        } else {
            continue;
        };
        if cjk && flush {
            let hang = if CLOSING.contains(l.text.chars().last().unwrap_or(' ')) {
                0.5
            } else {
                0.0
            };
            let n = cells(&l.text) - hang;
            assert!(n <= expected, "page {}: {n} cells: {}", l.page, l.text);
            // A line short of the grid is one the rules broke early: it is spread, never
            // squeezed below the pitch.
            let pitch = (l.x_max - l.x_min - 16.0 + PITCH) / (n + hang);
            assert!(
                pitch >= PITCH - 0.1,
                "page {}: pitch {pitch:.2}: {}",
                l.page,
                l.text
            );
            if n == expected {
                full += 1;
            }
        }
    }
    for w in all.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        // `b` is the last line of a paragraph of two or more lines: it continues `a` from
        // the left margin one pitch below and is not flush right.
        let continues = b.page == a.page && at(b, LEFT) && (b.y_min - a.y_min - 28.99).abs() < 1.0;
        if body(a) && body(b) && continues && b.x_max < RIGHT - 1.5 {
            let own = b.text.chars().filter(|c| c.is_alphanumeric()).count();
            assert!(own >= 2, "page {}: a lone last line: {}", b.page, b.text);
            last_lines += 1;
        }
    }
    assert!(full > 40, "only {full} full lines");
    assert!(last_lines > 20, "only {last_lines} last lines");
}
