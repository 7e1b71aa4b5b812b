//! Charts in both formats: native, editable charts in the DOCX (DrawingML with an
//! embedded workbook), vectors with real text in the PDF. Golden values come from the
//! reference tables.

mod common;

use std::io::Read;
use std::process::Command;

use common::*;

fn zip_part(path: &std::path::Path, name: &str) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut bytes = Vec::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the package"))
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// Whole-permille shares by the largest-remainder method, printed with one decimal.
fn shares(values: &[f64]) -> Vec<String> {
    let total: f64 = values.iter().sum();
    let exact: Vec<f64> = values.iter().map(|v| v / total * 1000.0).collect();
    let mut whole: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let missing = 1000 - whole.iter().sum::<i64>();
    for &i in order.iter().take(missing as usize) {
        whole[i] += 1;
    }
    whole
        .iter()
        .map(|w| format!("{:.1}%", *w as f64 / 10.0))
        .collect()
}

#[test]
fn docx_has_three_native_charts_with_the_reference_data() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let types = String::from_utf8(zip_part(&docx, "[Content_Types].xml")).unwrap();
    let rels = String::from_utf8(zip_part(&docx, "word/_rels/document.xml.rels")).unwrap();
    for n in 1..=3 {
        assert!(types.contains(&format!(
            r#"PartName="/word/charts/chart{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml""#
        )));
        assert!(
            rels.contains(&format!(r#"Id="rIdChart{n}""#))
                && rels.contains(&format!("Target=\"charts/chart{n}.xml\""))
        );
    }
    // 图1: residents per community, from the reference population table.
    let chart1 = String::from_utf8(zip_part(&docx, "word/charts/chart1.xml")).unwrap();
    let mut reader =
        csv::Reader::from_path(root().join("../shared/reference/seed-tables/1-population.csv"))
            .unwrap();
    let residents: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert_eq!(residents.len(), 12);
    for (i, r) in residents.iter().enumerate() {
        assert!(
            chart1.contains(&format!(r#"<c:pt idx="{i}"><c:v>{r}</c:v></c:pt>"#)),
            "{r}"
        );
    }
    assert!(chart1.contains("单位：人"));
    // 图2: the education donut prints largest-remainder shares of the reference totals.
    let mut reader = csv::Reader::from_path(
        root().join("../shared/reference/seed-tables/3-staff-education.csv"),
    )
    .unwrap();
    let mut sums = [0.0; 3];
    for r in reader.records() {
        let r = r.unwrap();
        for k in 0..3 {
            sums[k] += r[k + 2].parse::<f64>().unwrap();
        }
    }
    let chart2 = String::from_utf8(zip_part(&docx, "word/charts/chart2.xml")).unwrap();
    assert!(chart2.contains("<c:doughnutChart>"));
    for s in shares(&sums) {
        assert!(chart2.contains(&format!("<a:t>{s}</a:t>")), "{s}");
    }
    // 编辑数据 works: each chart embeds a workbook with its numbers.
    let wb = zip_part(&docx, "word/embeddings/Microsoft_Excel_Worksheet1.xlsx");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(wb)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut book, "Sheet1").unwrap();
    assert_eq!(
        range.get_value((1, 1)),
        Some(&calamine::Data::Float(residents[0].parse().unwrap()))
    );

    let doc = docx_part(&docx, "word/document.xml");
    // Alternative text and unique drawing ids.
    assert!(
        doc.contains(r#"descr="柱状图：各社区常住人口""#),
        "alt text"
    );
    for id in 1..=3 {
        assert_eq!(doc.matches(&format!(r#"<wp:docPr id="{id}""#)).count(), 1);
    }
    assert!(
        !doc.contains("diaoyan-chart"),
        "every chart marker was replaced"
    );
    // Captions 图N with a SEQ field, below each chart.
    assert_eq!(doc.matches(" SEQ 图 \\* ARABIC ").count(), 3);
    // LibreOffice draws them: the donut's shares are in its PDF text.
    if let Some(text) = libreoffice_text(&docx) {
        assert!(text.contains("34.7%") && text.contains("糖坊街"), "{text}");
    }
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
