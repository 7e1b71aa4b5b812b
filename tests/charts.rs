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
    // A hatched fill (a:pattFill) has its colour as the background, white lines over it.
    let fill = |s: &str| -> [f64; 3] {
        let key = if s
            .find("<a:pattFill")
            .is_some_and(|p| p < s.find("<a:solidFill").unwrap_or(usize::MAX))
        {
            r#"<a:bgClr><a:srgbClr val=""#
        } else {
            r#"<a:srgbClr val=""#
        };
        let at = s.find(key).unwrap() + key.len();
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

/// Renders an attack16 chart fixture; returns the output directory.
fn render_fixture(name: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let dir = root().join("tests/fixtures/attack16").join(name);
    let o = diaoyan(&[
        "render",
        dir.join("data.yaml").to_str().unwrap(),
        "--template",
        dir.join("pack").to_str().unwrap(),
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// A chart XML's category names (the first series' string cache).
fn docx_categories(xml: &str) -> Vec<String> {
    let cat = xml
        .split("<c:cat>")
        .nth(1)
        .unwrap()
        .split("</c:cat>")
        .next()
        .unwrap();
    cat.split("<c:v>")
        .skip(1)
        .map(|s| s.split("</c:v>").next().unwrap().to_string())
        .collect()
}

fn attr_after(xml: &str, key: &str) -> String {
    let at = xml.find(key).unwrap_or_else(|| panic!("{key}")) + key.len();
    xml[at..].split('"').next().unwrap().to_string()
}

/// Issue 16 (attack16/chart-longcat, chart-c30): bar, stacked and line charts with long
/// or 30 category names printed no category label in the PDF. Both formats now label
/// every k-th category from the first (k as `bar_labels` decides, the DOCX's
/// `c:tickLblSkip`), wrapped onto two lines at ≥ 8 pt; the PDF's scene draws every one of
/// those labels, none overlapping.
#[test]
fn long_or_many_category_names_are_labelled_in_both_formats() {
    use diaoyan::doc::{Chart, ChartKind, Series};
    use diaoyan::render::chart::{
        bar_labels, category_labels, chart_height, estimate_width, scene, Shape,
    };
    for fixture in ["chart-longcat", "chart-c30"] {
        let out = render_fixture(fixture);
        let docx = out.path().join("data.docx");
        for (n, kind) in [
            (1, ChartKind::Bar),
            (2, ChartKind::Stacked),
            (3, ChartKind::Line),
        ] {
            let xml =
                String::from_utf8(zip_part(&docx, &format!("word/charts/chart{n}.xml"))).unwrap();
            let cats = docx_categories(&xml);
            assert!(cats.len() >= 6, "{fixture} chart{n}");
            let series = xml.matches("<c:ser>").count();
            let chart = Chart {
                kind,
                categories: cats.clone(),
                series: (0..series)
                    .map(|i| Series {
                        name: format!("系列{i}"),
                        values: vec![Some(1.0 + i as f64); cats.len()],
                    })
                    .collect(),
                unit: Some("人".into()),
                ..Chart::default()
            };
            let width = 5_616_000.0 / 12_700.0;
            let l = bar_labels(&chart, width);
            // DOCX: labels shown, every step-th, at the PDF's size, wrapped when the PDF wraps.
            let cat_ax = xml.split("<c:catAx>").nth(1).unwrap();
            assert_eq!(attr_after(cat_ax, r#"<c:tickLblPos val=""#), "nextTo");
            assert_eq!(
                attr_after(cat_ax, r#"<c:tickLblSkip val=""#),
                l.step.to_string(),
                "{fixture} chart{n}"
            );
            let sz: u32 = attr_after(cat_ax, r#"sz=""#).parse().unwrap();
            assert!(sz >= 800 && sz as f32 == (l.category_pt * 100.0).round());
            assert_eq!(l.lines, 2, "{fixture}: long or many names wrap");
            assert!(cat_ax.contains(r#"wrap="square""#));
            // PDF scene: every step-th category from the first, all lines drawn, ≥ 8 pt.
            let labels = category_labels(&chart, width);
            let want: Vec<usize> = (0..cats.len()).step_by(l.step).collect();
            assert_eq!(
                labels.iter().map(|x| x.0).collect::<Vec<_>>(),
                want,
                "{fixture} chart{n}"
            );
            assert!(want.len() >= 3, "{fixture} chart{n}: {want:?}");
            // The PDF measures with the 黑体's advances, never wider than the estimate.
            let s = scene(&chart, width, chart_height(&chart, width), &estimate_width);
            let texts: Vec<(f32, f32, f32, String)> = s
                .shapes
                .iter()
                .filter_map(|sh| match sh {
                    Shape::Text {
                        x, y, size, text, ..
                    } => Some((*x, *y, *size, text.clone())),
                    _ => None,
                })
                .collect();
            for (ci, lines) in &labels {
                let joined = lines.concat();
                let name = &cats[*ci];
                assert!(
                    &joined == name || name.starts_with(joined.trim_end_matches('…')),
                    "{joined} for {name}"
                );
                for line in lines {
                    let t = texts.iter().find(|t| &t.3 == line).expect(line);
                    assert!(t.2 >= 8.0);
                }
            }
            // Category labels (below the plot) never overlap one another.
            let bottom: Vec<_> = texts
                .iter()
                .filter(|t| t.1 > s.height - 30.0)
                .map(|t| (t.0, t.1, t.0 + estimate_width(&t.3, t.2)))
                .collect();
            for (i, a) in bottom.iter().enumerate() {
                for b in &bottom[i + 1..] {
                    if (a.1 - b.1).abs() < 1.0 {
                        assert!(a.2 <= b.0 + 0.01 || b.2 <= a.0 + 0.01, "{a:?} {b:?}");
                    }
                }
            }
        }
    }
}

/// Issue 16: ten series repeated colours (series 0 and 6 identical). Every series of the
/// 10-series stacked chart now has its own fill in the DOCX (colour, or colour with a white
/// `a:pattFill` hatch from the seventh on); neighbours stay ≥ 15 L* apart.
#[test]
fn ten_series_have_ten_different_fills_in_the_docx() {
    let out = render_fixture("chart-longcat");
    let docx = out.path().join("data.docx");
    let xml = String::from_utf8(zip_part(&docx, "word/charts/chart2.xml")).unwrap();
    let fills: Vec<String> = xml
        .split("<c:ser>")
        .skip(1)
        .map(|s| {
            let sp = s.split("<c:spPr>").nth(1).unwrap();
            sp.split("</c:spPr>").next().unwrap().to_string()
        })
        .collect();
    assert_eq!(fills.len(), 10);
    for (i, a) in fills.iter().enumerate() {
        for (j, b) in fills.iter().enumerate().skip(i + 1) {
            assert_ne!(a, b, "series {i} and {j} look the same");
        }
    }
    assert_eq!(xml.matches(r#"<a:pattFill prst="wdUpDiag">"#).count(), 4);
    // The legend is placed where the PDF draws it, below the unit note and above the plot
    // (left to itself LibreOffice set one long row over the unit note).
    use diaoyan::doc::{Chart, ChartKind, Series};
    use diaoyan::render::chart::{chart_height, legend_box, plot_area};
    let legend = xml.split("<c:legend>").nth(1).unwrap();
    let legend = legend.split("</c:legend>").next().unwrap();
    let frac = |key: &str| -> f32 {
        attr_after(legend, &format!(r#"<c:{key} val=""#))
            .parse()
            .unwrap()
    };
    let chart = Chart {
        kind: ChartKind::Stacked,
        categories: docx_categories(&xml),
        series: (0..10)
            .map(|i| Series {
                name: format!("系列{i}"),
                values: vec![Some(1.0); 6],
            })
            .collect(),
        unit: Some("人".into()),
        ..Chart::default()
    };
    let width = 5_616_000.0 / 12_700.0;
    let height = chart_height(&chart, width);
    let [_, y, _, h] = legend_box(&chart, width).unwrap();
    assert!((frac("y") - y / height).abs() < 1e-3 && (frac("h") - h / height).abs() < 1e-3);
    let unit_baseline = 10.0;
    assert!(frac("y") * height > unit_baseline, "below the unit note");
    assert!(
        (frac("y") + frac("h")) * height <= plot_area(&chart, width, height)[1] + 0.1,
        "above the plot"
    );
    let colours = docx_series_fills(&xml);
    for w in colours.windows(2) {
        assert!((lightness(w[0]) - lightness(w[1])).abs() >= 15.0);
    }
}

/// Renders `tests/fixtures/charts/one-category.yaml` (one community) with the
/// chart-longcat pack; returns the output directory.
fn render_one_category() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let o = diaoyan(&[
        "render",
        root()
            .join("tests/fixtures/charts/one-category.yaml")
            .to_str()
            .unwrap(),
        "--template",
        root()
            .join("tests/fixtures/attack16/chart-longcat/pack")
            .to_str()
            .unwrap(),
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The `c:spPr` of each `c:dPt` of a pie's chart XML, in order.
fn docx_point_fills(xml: &str) -> Vec<String> {
    xml.split("<c:dPt>")
        .skip(1)
        .map(|s| {
            let sp = s.split("<c:spPr>").nth(1).unwrap();
            sp.split("</c:spPr>").next().unwrap().to_string()
        })
        .collect()
}

/// Issue 16: a pie of more than six segments repeated its colours (segments 1 and 7 alike,
/// on any printer). A 10-segment pie now has ten different fills in both formats:
/// segments 7–10 carry a white rising hatch over their colour — in the DOCX an
/// `a:pattFill` (wdUpDiag) on their `c:dPt`, in the PDF's scene white diagonals drawn over
/// the wedge; neighbours, the last and the first too, stay ≥ 15 L* apart.
#[test]
fn a_pie_of_ten_segments_has_ten_different_fills_in_both_formats() {
    use diaoyan::doc::{Chart, ChartKind, Series};
    use diaoyan::render::chart::{chart_height, estimate_width, scene, Shape};
    for out in [render_one_category(), render_fixture("chart-longcat")] {
        let docx = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "docx"))
            .unwrap();
        let xml = String::from_utf8(zip_part(&docx, "word/charts/chart4.xml")).unwrap();
        assert!(xml.contains("<c:pieChart>"));
        // DOCX: ten points, ten different fills, the last four hatched.
        let fills = docx_point_fills(&xml);
        assert_eq!(fills.len(), 10);
        for (i, a) in fills.iter().enumerate() {
            for (j, b) in fills.iter().enumerate().skip(i + 1) {
                assert_ne!(a, b, "DOCX: segments {i} and {j} look the same");
            }
        }
        for (i, f) in fills.iter().enumerate() {
            assert_eq!(
                f.starts_with(r#"<a:pattFill prst="wdUpDiag"><a:fgClr><a:srgbClr val="FFFFFF""#),
                i >= 6,
                "segment {i}: {f}"
            );
        }
        assert_distinguishable("DOCX pie", &docx_series_fills(&xml), true);
        // PDF: the scene of the same pie (categories and values from the chart's cache).
        let cats = docx_categories(&xml);
        let vals: Vec<Option<f64>> = xml
            .split("<c:val>")
            .nth(1)
            .unwrap()
            .split("<c:v>")
            .skip(1)
            .map(|s| s.split("</c:v>").next().unwrap().parse().ok())
            .collect();
        let series = Series {
            name: "构成".into(),
            values: vals,
        };
        let chart = Chart {
            kind: ChartKind::Pie,
            categories: cats,
            shares: diaoyan::compose::pie_shares(&series),
            series: vec![series],
            ..Chart::default()
        };
        let width = 5_616_000.0 / 12_700.0;
        let s = scene(&chart, width, chart_height(&chart, width), &estimate_width);
        // Each segment: its fill, then the white hatch lines drawn over it.
        let mut looks: Vec<([u8; 3], usize)> = Vec::new();
        for sh in &s.shapes {
            match sh {
                Shape::Fill { color, .. } => looks.push((*color, 0)),
                Shape::Line {
                    color: [255, 255, 255],
                    width,
                    points,
                } if *width < 1.0 => {
                    let (a, b) = (points[0], points[1]);
                    assert!((b.1 - a.1) * (b.0 - a.0) < 0.0, "a rising hatch");
                    looks.last_mut().unwrap().1 += 1;
                }
                _ => {}
            }
        }
        assert_eq!(looks.len(), 10);
        for (i, (c, hatches)) in looks.iter().enumerate() {
            assert_eq!(
                *hatches > 0,
                i >= 6,
                "PDF segment {i}: {hatches} hatch lines"
            );
            // The DOCX's colour for the same segment.
            assert!(
                fills[i].contains(&format!("val=\"{:02X}{:02X}{:02X}\"", c[0], c[1], c[2])),
                "segment {i}"
            );
        }
        let distinct: std::collections::BTreeSet<_> =
            looks.iter().map(|(c, h)| (*c, *h > 0)).collect();
        assert_eq!(distinct.len(), 10, "PDF: ten different segments");
    }
}

/// A line chart with a single category has no line to draw: its points must still show,
/// as markers, in both formats — in the DOCX every series has a visible `c:marker` (and
/// the chart `c:marker val="1"`), in the PDF's scene one marker per series in its colour.
#[test]
fn a_line_chart_with_one_category_shows_its_points_in_both_formats() {
    use diaoyan::doc::{Chart, ChartKind, Series};
    use diaoyan::render::chart::{chart_height, estimate_width, scene, series_look, Shape};
    let out = render_one_category();
    let docx = out.path().join("one-category.docx");
    let xml = String::from_utf8(zip_part(&docx, "word/charts/chart3.xml")).unwrap();
    assert!(xml.contains("<c:lineChart>"));
    assert_eq!(docx_categories(&xml), ["第一社区"]);
    let series: Vec<&str> = xml.split("<c:ser>").skip(1).collect();
    assert_eq!(series.len(), 2);
    for s in &series {
        let m = s.split("<c:marker>").nth(1).expect("a marker per series");
        let symbol = attr_after(m, r#"<c:symbol val=""#);
        assert_ne!(symbol, "none");
        let size: u32 = attr_after(m, r#"<c:size val=""#).parse().unwrap();
        assert!(size >= 4, "marker of {size} pt");
        assert!(m.contains("<a:solidFill>"), "a filled marker");
    }
    assert!(xml.contains(r#"<c:marker val="1""#));
    // The PDF's scene of the same chart: one marker per series, at the single point.
    let chart = Chart {
        kind: ChartKind::Line,
        categories: vec!["第一社区".into()],
        series: vec![
            Series {
                name: "系列0".into(),
                values: vec![Some(10.0)],
            },
            Series {
                name: "系列1".into(),
                values: vec![Some(11.0)],
            },
        ],
        unit: Some("人".into()),
        ..Chart::default()
    };
    let width = 5_616_000.0 / 12_700.0;
    let height = chart_height(&chart, width);
    let s = scene(&chart, width, height, &estimate_width);
    for k in 0..2 {
        let colour = series_look(k, 2).0;
        let markers: Vec<&Vec<(f32, f32)>> = s
            .shapes
            .iter()
            .filter_map(|sh| match sh {
                Shape::Fill { points, color, .. } if *color == colour => Some(points),
                _ => None,
            })
            .collect();
        // The legend key's marker and the point's, the point's inside the plot.
        assert_eq!(markers.len(), 2, "series {k}");
        let (xs, ys): (Vec<f32>, Vec<f32>) = markers[1].iter().copied().unzip();
        let w = xs.iter().copied().fold(f32::MIN, f32::max)
            - xs.iter().copied().fold(f32::MAX, f32::min);
        let h = ys.iter().copied().fold(f32::MIN, f32::max)
            - ys.iter().copied().fold(f32::MAX, f32::min);
        assert!(w >= 3.9 && h >= 3.9, "series {k}: a {w} × {h} pt marker");
        let cx = xs.iter().sum::<f32>() / xs.len() as f32;
        assert!((cx - width / 2.0).abs() < 40.0, "series {k}: at x {cx}");
    }
}
