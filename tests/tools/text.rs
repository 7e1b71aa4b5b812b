//! Text the reader gets back out of the PDFs (pdftotext, pdffonts, qpdf, pdfimages):
//! literal data, numbered headings and captions, correct figures, embedded fonts, charts.

use std::process::Command;

use crate::common::*;

pub fn injected_markdown_is_literal_in_the_pdf() {
    let dir = render_evil();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    // The folios ("— 1 —") of the pages a paragraph runs across are not part of it.
    let mut text = squeeze(&String::from_utf8_lossy(&out.stdout));
    for n in 1..100 {
        text = text.replace(&format!("—{n}—"), "");
    }
    assert!(
        text.contains(&format!("最少的是{}（215人）", squeeze(EVIL))),
        "PDF prose lacks the literal name"
    );
    assert!(
        text.contains("{{1+1}}"),
        "the braces in the data were evaluated"
    );
    assert!(!text.contains("安定甲社区"), "emphasis was interpreted");
}

pub fn pdf_headings_and_captions_are_numbered_in_order() {
    let dir = render_seed();
    let out = std::process::Command::new("pdftotext")
        .arg(dir.path().join("qingnianlu-2019.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert_eq!(heading_numbers(&text), ["一、", "二、", "三、", "四、"]);
    let captions: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with('表') && l.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    let want: Vec<String> = (1..=captions.len()).map(|i| format!("表{i}")).collect();
    assert!(captions.len() >= 6, "{captions:?}");
    assert_eq!(
        captions
            .iter()
            .map(|c| c.trim_end_matches(|c: char| !c.is_ascii_digit()))
            .collect::<Vec<_>>(),
        want
    );
    // The cross-reference in the prose names the office table.
    assert!(squeeze(&text).contains("（见表2）"));
}

/// The seed's figures, right where the seed's hand-typed text was wrong, and one heading 二、.
pub fn pdf_prints_the_correct_figures_and_embeds_its_fonts() {
    let dir = render_seed();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    {
        let out = std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).replace(['\n', ' '], "");
        for want in MUST_HAVE {
            assert!(text.contains(want), "PDF lacks {want}");
        }
        for bad in MUST_NOT {
            assert!(!text.contains(bad), "PDF contains the seed's error {bad}");
        }
        let raw = String::from_utf8_lossy(&out.stdout);
        let heads = raw
            .lines()
            .filter(|l| l.trim_start().starts_with("二、"))
            .count();
        assert_eq!(heads, 1, "exactly one heading starts with 二、");
    }
    {
        let out = std::process::Command::new("pdffonts")
            .arg(&pdf)
            .output()
            .unwrap();
        let list = String::from_utf8_lossy(&out.stdout);
        let rows: Vec<&str> = list.lines().skip(2).collect();
        assert!(!rows.is_empty());
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type… encoding emb sub uni id gen: "emb" is the 4th from the end + 1.
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "font not embedded: {row}");
        }
    }
    {
        let st = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stdout)
        );
    }
}

pub fn pdf_charts_are_vectors_with_colour_and_text() {
    let dir = render_seed();
    let pdf = dir.path().join("qingnianlu-2019.pdf");
    let images = Command::new("pdfimages")
        .arg("-list")
        .arg(&pdf)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&images.stdout);
    assert_eq!(
        listed.lines().count(),
        2,
        "the PDF holds raster images:\n{listed}"
    );
    // Fill colours used: at least three that are not grey.
    let qdf = dir.path().join("qdf.pdf");
    let st = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(&pdf)
        .arg(&qdf)
        .status()
        .unwrap();
    assert!(st.success());
    let raw = std::fs::read(&qdf).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let mut colours = std::collections::BTreeSet::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() == 4 && parts[3] == "rg" {
            let v: Vec<f64> = parts[..3].iter().filter_map(|p| p.parse().ok()).collect();
            if v.len() == 3 && !(v[0] == v[1] && v[1] == v[2]) {
                colours.insert(parts[..3].join(" "));
            }
        }
    }
    assert!(colours.len() >= 3, "{colours:?}");
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for n in 1..=3 {
        assert!(text.contains(&format!("图{n}")), "caption 图{n}");
    }
    // Chart labels are text: community short names, legend entries, a value label.
    for label in [
        "西北一路",
        "习武园",
        "本科及研究生",
        "30岁以下",
        "10303",
        "34.7%",
    ] {
        assert!(text.contains(label), "{label} not extractable");
    }
}

pub fn installed_fonts_are_embedded_with_the_bundled_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--format",
        "pdf",
        "--font-dir",
        "tests/fixtures/fonts",
        "--no-system-fonts",
    ]);
    assert!(out.status.success());
    let fonts = Command::new("pdffonts")
        .arg(dir.path().join("qingnianlu-2019.pdf"))
        .output()
        .unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("+TestKai-Regular"), "{fonts}");
    assert!(
        fonts.contains("+DiaoyanKai-Regular"),
        "fallback for missing glyphs: {fonts}"
    );
}
