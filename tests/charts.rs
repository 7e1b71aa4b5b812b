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
    // 图2: the education pie prints largest-remainder shares of the reference totals.
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
    // A pie labelled directly: category and share outside each segment, leader lines,
    // no legend.
    assert!(chart2.contains("<c:pieChart>"));
    assert!(!chart2.contains("<c:legend>"));
    assert!(chart2.contains(r#"<c:showLeaderLines val="1""#));
    assert_eq!(chart2.matches(r#"<c:dLblPos val="outEnd""#).count(), 4);
    for (s, cat) in shares(&sums)
        .iter()
        .zip(["本科及研究生", "大专", "高中及以下"])
    {
        assert!(chart2.contains(&format!("<a:t>{cat} </a:t>")), "{cat}");
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

/// CIE L* (0 black – 100 white) of an sRGB colour: the lightness a greyscale print keeps.
fn lightness([r, g, b]: [f64; 3]) -> f64 {
    let lin = |v: f64| {
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    if y > 216.0 / 24389.0 {
        116.0 * y.cbrt() - 16.0
    } else {
        y * 24389.0 / 27.0
    }
}

fn hex_rgb(h: &str) -> [f64; 3] {
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap() as f64 / 255.0;
    [c(0), c(2), c(4)]
}

/// Neighbouring colours (and, for a pie, the last and the first) at least 15 L* apart.
fn assert_distinguishable(what: &str, colours: &[[f64; 3]], closed: bool) {
    let n = colours.len();
    let mut pairs: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
    if closed && n > 2 {
        pairs.push((n - 1, 0));
    }
    for (a, b) in pairs {
        let d = (lightness(colours[a]) - lightness(colours[b])).abs();
        assert!(
            d >= 15.0,
            "{what}: colours {a} and {b} differ by {d:.1} L* in greyscale"
        );
    }
}

/// The series fills of a DOCX chart, in order: each series' own fill, or a pie's points.
fn docx_series_fills(xml: &str) -> Vec<[f64; 3]> {
    let fill = |s: &str| -> [f64; 3] {
        let at = s.find(r#"<a:srgbClr val=""#).unwrap() + 16;
        hex_rgb(&s[at..at + 6])
    };
    if xml.contains("<c:dPt>") {
        xml.split("<c:dPt>").skip(1).map(fill).collect()
    } else {
        xml.split("<c:ser>")
            .skip(1)
            .map(|s| fill(s.split("<c:cat>").next().unwrap()))
            .collect()
    }
}

#[test]
fn chart_series_stay_distinguishable_in_greyscale_in_both_formats() {
    let dir = render_seed();
    // DOCX: the fills the chart XML gives each series / pie segment.
    let docx = dir.path().join("qingnianlu-2019.docx");
    let mut docx_colours = Vec::new();
    for (n, closed, count) in [(1, false, 1), (2, true, 3), (3, false, 4)] {
        let xml = String::from_utf8(zip_part(&docx, &format!("word/charts/chart{n}.xml"))).unwrap();
        let fills = docx_series_fills(&xml);
        assert_eq!(fills.len(), count, "chart{n}");
        assert_distinguishable(&format!("DOCX chart{n}"), &fills, closed);
        docx_colours.extend(fills);
    }
    // PDF: the non-grey fill colours each page's content stream sets, in order of first
    // use (legend swatches, then bars bottom to top; a pie's segments clockwise).
    let pdf = lopdf::Document::load(dir.path().join("qingnianlu-2019.pdf")).unwrap();
    let mut pages_with_charts = Vec::new();
    for (no, id) in pdf.get_pages() {
        let content = lopdf::content::Content::decode(&pdf.get_page_content(id)).unwrap();
        let mut seen: Vec<[f64; 3]> = Vec::new();
        for op in content.operations.iter().filter(|o| o.operator == "rg") {
            let c: Vec<f64> = op
                .operands
                .iter()
                .map(|o| o.as_float().map(f64::from).unwrap())
                .collect();
            let c = [c[0], c[1], c[2]];
            let grey = (c[0] - c[1]).abs() < 1e-3 && (c[1] - c[2]).abs() < 1e-3;
            if !grey
                && !seen
                    .iter()
                    .any(|s| s.iter().zip(&c).all(|(a, b)| (a - b).abs() < 1e-3))
            {
                seen.push(c);
            }
        }
        if seen.is_empty() {
            continue;
        }
        assert_distinguishable(&format!("PDF page {no}"), &seen, seen.len() == 3);
        for c in &seen {
            assert!(
                docx_colours
                    .iter()
                    .any(|d| d.iter().zip(c).all(|(a, b)| (a - b).abs() < 0.003)),
                "PDF page {no}: colour {c:?} is not one of the DOCX chart's"
            );
        }
        pages_with_charts.push(seen.len());
    }
    pages_with_charts.sort();
    assert_eq!(pages_with_charts, [1, 3, 4], "one page per chart");
}

#[test]
fn docx_charts_take_their_height_from_their_content_and_print_labels_of_8_pt() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let doc = docx_part(&docx, "word/document.xml");
    let extents: Vec<(u32, u32)> = doc
        .split("<wp:extent ")
        .skip(1)
        .map(|s| {
            let num = |key: &str| -> u32 {
                let at = s.find(key).unwrap() + key.len();
                s[at..].split('"').next().unwrap().parse().unwrap()
            };
            (num(r#"cx=""#), num(r#"cy=""#))
        })
        .collect();
    assert_eq!(extents.len(), 3);
    let pt = |emu: u32| emu as f64 / 12_700.0;
    // The text block's width; no longer the fixed 0.55 × width (243 pt) box.
    for (cx, cy) in &extents {
        assert_eq!(*cx, 5_616_000);
        assert!(pt(*cy) < 235.0, "{} pt high", pt(*cy));
    }
    // The pie is compact: its disc and labels, not a bar chart's box.
    assert!(pt(extents[1].1) < 190.0, "pie {} pt", pt(extents[1].1));
    assert!(extents[1].1 < extents[0].1 && extents[1].1 < extents[2].1);
    for n in 1..=3 {
        let xml = String::from_utf8(zip_part(&docx, &format!("word/charts/chart{n}.xml"))).unwrap();
        for part in xml.split(" sz=\"").skip(1) {
            let sz: u32 = part.split('"').next().unwrap().parse().unwrap();
            assert!(sz >= 800, "chart{n}: text of {} pt", sz as f64 / 100.0);
        }
    }
    // 图1 prints its values above the bars, at 8 pt.
    let chart1 = String::from_utf8(zip_part(&docx, "word/charts/chart1.xml")).unwrap();
    assert!(chart1.contains(r#"<c:showVal val="1""#));
    // Its value axis has the PDF's ticks: 0 to 15000 by 5000.
    assert!(
        chart1.contains(r#"<c:max val="15000""#) && chart1.contains(r#"<c:majorUnit val="5000""#)
    );
}
