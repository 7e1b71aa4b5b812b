//! Charts in both formats: native, editable charts in the DOCX (DrawingML with an
//! embedded workbook), vectors with real text in the PDF. Golden values come from the
//! reference tables.

mod common;

use std::io::Read;

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
        csv::Reader::from_path(root().join("tests/fixtures/seed-tables/1-population.csv")).unwrap();
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
    let mut reader =
        csv::Reader::from_path(root().join("tests/fixtures/seed-tables/3-staff-education.csv"))
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
}
