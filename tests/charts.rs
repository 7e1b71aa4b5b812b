//! Charts in both formats: PNG images of print resolution in the DOCX, vectors with real
//! text in the PDF.

mod common;

use std::io::Read;
use std::process::Command;

use common::*;

#[test]
fn docx_has_three_png_charts_of_print_resolution() {
    let dir = render_seed();
    let file = std::fs::File::open(dir.path().join("qingnianlu-2019.docx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let names: Vec<String> = zip
        .file_names()
        .filter(|n| n.ends_with(".png"))
        .map(String::from)
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    for n in &names {
        let mut png = Vec::new();
        zip.by_name(n).unwrap().read_to_end(&mut png).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        assert!(width >= 1000, "{n} is {width} px wide");
    }
    let doc = docx_part(
        &dir.path().join("qingnianlu-2019.docx"),
        "word/document.xml",
    );
    // Alternative text and unique drawing ids.
    assert!(
        doc.contains(r#"descr="柱状图：各社区常住人口""#),
        "alt text"
    );
    for id in 1..=3 {
        assert_eq!(doc.matches(&format!(r#"<wp:docPr id="{id}""#)).count(), 1);
    }
    // Captions 图N with a SEQ field, below each chart.
    assert_eq!(doc.matches(" SEQ 图 \\* ARABIC ").count(), 3);
}

#[test]
fn pdf_charts_are_vectors_with_colour_and_text() {
    if !have("pdfimages") || !have("pdftotext") || !have("qpdf") {
        return;
    }
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
        "合计141人",
    ] {
        assert!(text.contains(label), "{label} not extractable");
    }
}
