//! The seed's charts measured on the rendered PDF (pdftotext `-bbox-layout`) and on the
//! DOCX as LibreOffice draws it (issue 16, "Charts"): the pie is labelled directly beside
//! its segments, and chart labels print at 8 pt or more.

use crate::bbox::{words, BoxLine};
use crate::common::*;

fn is_cjk(text: &str) -> bool {
    text.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The font size of a word of CJK characters, pt: each is 1 em wide.
fn cjk_size(w: &BoxLine) -> f64 {
    (w.x_max - w.x_min) / w.text.chars().count() as f64
}

/// 图2's pie: each segment's label — category and share — is printed beside the disc,
/// above the caption, at 9 pt; the two segments centred on the left half are labelled
/// left of the page's centre, the one on the right half right of it. 图1's community names
/// and values print at 8 pt or more (values: their box height against the community
/// names', whose size their 1-em advances give). The DOCX through LibreOffice prints the
/// same pie labels.
pub fn charts_are_labelled_directly_at_8_pt_or_more() {
    let dir = render_seed();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    let all = words(&pdf);
    let caption = |n: &str| {
        all.iter()
            .find(|w| w.text == n)
            .unwrap_or_else(|| panic!("{n} in the PDF"))
    };
    let fig2 = caption("图2");
    let centre = 210.0 / 25.4 * 72.0 / 2.0;
    for (cat, pct, left) in [
        ("本科及研究生", "34.7%", false),
        ("大专", "37.6%", true),
        ("高中及以下", "27.7%", true),
    ] {
        let c = all
            .iter()
            .find(|w| w.page == fig2.page && w.text == cat && w.y_max < fig2.y_min)
            .unwrap_or_else(|| panic!("pie label {cat} above 图2"));
        let p = all
            .iter()
            .find(|w| w.page == c.page && w.text == pct && (w.y_min - c.y_min).abs() < 0.5)
            .unwrap_or_else(|| panic!("{pct} beside {cat}"));
        assert!(p.x_min > c.x_max && p.x_min - c.x_max < 5.0, "{cat} {pct}");
        assert!(
            (cjk_size(c) - 9.0).abs() < 0.05,
            "{cat}: {} pt",
            cjk_size(c)
        );
        if left {
            assert!(p.x_max < centre, "{cat} is left of the pie");
        } else {
            assert!(c.x_min > centre, "{cat} is right of the pie");
        }
    }
    let fig1 = caption("图1");
    // The chart's box: from its unit note (its first line, "单位：人") down to its caption.
    // 表1 may share the page above it, with the same numbers and names in its rows: only
    // words inside the box are the chart's.
    let top = all
        .iter()
        .filter(|w| w.page == fig1.page && w.y_max < fig1.y_min && w.text == "单位：人")
        .map(|w| w.y_min)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(top.is_finite(), "图1's unit note");
    let in_chart = |w: &&BoxLine| w.page == fig1.page && w.y_min >= top && w.y_max < fig1.y_min;
    let shorts = [
        "青一",
        "青二",
        "青三",
        "莲一",
        "莲二",
        "莲四",
        "糖坊街",
        "东药",
        "西药",
        "习武园",
        "西北一路",
        "安定",
    ];
    // Category labels: CJK words in the chart's box; a name too wide for its band is
    // wrapped (西北一路 as 西北一 / 路, as LibreOffice wraps it in the DOCX): its second
    // line is the word centred under its first.
    let cjk: Vec<&BoxLine> = all
        .iter()
        .filter(|w| in_chart(w) && is_cjk(&w.text))
        .collect();
    let centre = |w: &BoxLine| (w.x_min + w.x_max) / 2.0;
    let mut names: Vec<&BoxLine> = Vec::new();
    for short in shorts {
        let whole = cjk.iter().find(|w| w.text == short);
        let wrapped = cjk.iter().find(|first| {
            short.starts_with(&first.text)
                && first.text != short
                && cjk.iter().any(|second| {
                    second.text == short[first.text.len()..]
                        && (centre(second) - centre(first)).abs() < 1.0
                        && second.y_min > first.y_min
                        && second.y_min - first.y_min < 2.0 * first.height()
                })
        });
        let w = whole
            .or(wrapped)
            .unwrap_or_else(|| panic!("{short} under its bar"));
        names.push(w);
    }
    // Box height per pt of size, from the CJK names.
    let ratio = names
        .iter()
        .map(|w| (w.y_max - w.y_min) / cjk_size(w))
        .sum::<f64>()
        / names.len() as f64;
    for w in &names {
        assert!(
            is_cjk(&w.text) && cjk_size(w) >= 7.95,
            "{}: {} pt",
            w.text,
            cjk_size(w)
        );
    }
    let values: Vec<&BoxLine> = all
        .iter()
        .filter(|w| in_chart(w) && ["6368", "10182", "10303", "215"].contains(&&*w.text))
        .collect();
    assert_eq!(values.len(), 4, "values above the bars");
    for w in values {
        let size = (w.y_max - w.y_min) / ratio;
        assert!(size >= 7.95, "{}: {size:.2} pt", w.text);
    }
    let lo = libreoffice_text(&dir.path().join("qingnianlu-2019.docx")).expect("LibreOffice");
    let lo: Vec<String> = lo.lines().map(squeeze).collect();
    for want in ["本科及研究生34.7%", "大专37.6%", "高中及以下27.7%"] {
        assert!(lo.iter().any(|l| l == want), "DOCX: no pie label {want}");
    }
}
