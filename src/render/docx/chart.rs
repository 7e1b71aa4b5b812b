//! Charts for the DOCX as native DrawingML charts (`word/charts/chartN.xml`): Word and WPS
//! draw them as vectors at any zoom and print size, and the numbers stay editable — each
//! chart embeds a small workbook with its data, so 编辑数据 opens it. The look follows the
//! PDF's vector charts: the same palette, ticks, label sizes and height, no chart border,
//! light grid lines, the unit above the value axis, a pie labelled directly with
//! largest-remainder percentages.

use std::fmt::Write;

use rust_xlsxwriter::{column_number_to_name, ColNum, ExcelDateTime, Workbook};

use super::normalize::{parse, Child, Node};
use super::styles::has_style;
use crate::doc::{Chart, ChartKind};
use crate::render::chart::{
    bar_labels, chart_height, legend_box, pie_labels, pie_percents, pie_values, plot_area,
    segment_look, series_look, value_ticks, Hatch, Marker, GRID, INK, LABEL_PT, MIN_LABEL_PT,
};

/// The DrawingML chart namespace (`c:`), ECMA-376 Part 1 §21.2.
pub const CHART_NS: &str = "http://schemas.openxmlformats.org/drawingml/2006/chart";
/// The relationship type from the document part to a chart part.
pub const CHART_REL: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart";
/// The content type of a chart part (`word/charts/chartN.xml`).
pub const CHART_TYPE: &str = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml";
/// The relationship type from a chart part to its embedded workbook.
pub const PACKAGE_REL: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package";
/// The content type of an embedded workbook (`word/embeddings/*.xlsx`).
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The chart's text face: 黑体, as captions and table heads.
const FACE: &str = "黑体";

/// One chart's parts: the chart XML and its embedded workbook, and the size to draw it.
#[derive(Debug, Clone)]
pub struct ChartPart {
    /// The chart part's XML (`c:chartSpace`).
    pub xml: String,
    /// The embedded workbook holding the chart's data (xlsx bytes).
    pub workbook: Vec<u8>,
    /// The drawing's extent (width, height) in EMU: the text block's width and
    /// [`chart_height`] — the size the PDF gives the same chart.
    pub extent: (u32, u32),
}

/// EMU per point.
const EMU_PER_PT: f32 = 12_700.0;

/// `s` as XML text or attribute value (quick-xml's escaping of `& < > ' "`).
fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn hex(c: [u8; 3]) -> String {
    format!("{:02X}{:02X}{:02X}", c[0], c[1], c[2])
}

fn fill(c: [u8; 3]) -> String {
    format!(
        r#"<a:solidFill><a:srgbClr val="{}"/></a:solidFill>"#,
        hex(c)
    )
}

/// A series' (or pie segment's) fill: its colour, with [`series_look`]'s (or
/// [`segment_look`]'s) hatch in white as a DrawingML pattern (`a:pattFill`, the colour as
/// background) from the seventh series or segment on.
fn series_fill(c: [u8; 3], hatch: Hatch) -> String {
    let prst = match hatch {
        Hatch::None => return fill(c),
        Hatch::Up => "wdUpDiag",
        Hatch::Down => "wdDnDiag",
        Hatch::Cross => "diagCross",
    };
    format!(
        r#"<a:pattFill prst="{prst}"><a:fgClr><a:srgbClr val="FFFFFF"/></a:fgClr><a:bgClr><a:srgbClr val="{}"/></a:bgClr></a:pattFill>"#,
        hex(c)
    )
}

fn line(c: [u8; 3], emu: u32) -> String {
    format!(r#"<a:ln w="{emu}">{}</a:ln>"#, fill(c))
}

/// Hundredths of a point, as DrawingML text sizes are given.
fn centi(pt: f32) -> u32 {
    (pt * 100.0).round() as u32
}

/// Text properties: `size` in hundredths of a point.
fn tx_pr(size: u32) -> String {
    tx_pr_with(size, "<a:bodyPr/>")
}

/// Text properties with a given `a:bodyPr` (rotation of axis labels).
fn tx_pr_with(size: u32, body: &str) -> String {
    format!(
        r#"<c:txPr>{body}<a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="0">{}<a:latin typeface="{FACE}"/><a:ea typeface="{FACE}"/></a:defRPr></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>"#,
        fill(INK)
    )
}

/// One run of rich text.
fn run(text: &str, size: u32) -> String {
    format!(
        r#"<a:r><a:rPr lang="zh-CN" sz="{size}" b="0">{}<a:latin typeface="{FACE}"/><a:ea typeface="{FACE}"/></a:rPr><a:t>{}</a:t></a:r>"#,
        fill(INK),
        esc(text)
    )
}

/// Rich text of one paragraph made of `runs`.
fn rich_runs(runs: &[&str], size: u32) -> String {
    let body: String = runs.iter().map(|t| run(t, size)).collect();
    format!(
        r#"<c:rich><a:bodyPr rot="0" vert="horz" wrap="none"/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="0"/></a:pPr>{body}</a:p></c:rich>"#
    )
}

fn rich(text: &str, size: u32) -> String {
    rich_runs(&[text], size)
}

/// Data-label switches, in schema order.
fn shows(val: bool, cat: bool, pct: bool) -> String {
    format!(
        r#"<c:showLegendKey val="0"/><c:showVal val="{}"/><c:showCatName val="{}"/><c:showSerName val="0"/><c:showPercent val="{}"/><c:showBubbleSize val="0"/>"#,
        u8::from(val),
        u8::from(cat),
        u8::from(pct)
    )
}

/// The chart part for `chart`, or `None` when it has nothing to draw.
///
/// It follows the PDF's scene decision for decision: the palette and hatches
/// ([`series_look`], a pie's [`segment_look`]), the
/// value axis' ticks ([`value_ticks`], as `c:max` and `c:majorUnit`), which labels are
/// printed and at what size ([`bar_labels`], measured with [`estimate_width`] as there are
/// no fonts here; never below [`MIN_LABEL_PT`]), a pie's direct labels ([`pie_labels`],
/// outside the segments with leader lines, no legend) and the height ([`chart_height`]),
/// for a chart `width_emu` wide (the text block's, at most [`super::CHART_EMU`]).
pub fn part(chart: &Chart, width_emu: u32) -> Option<ChartPart> {
    if !crate::render::chart::has_data(chart) {
        return None;
    }
    let width_pt = width_emu as f32 / EMU_PER_PT;
    let height_pt = chart_height(chart, width_pt);
    let extent = (width_emu, (height_pt * EMU_PER_PT).round() as u32);
    let labels = bar_labels(chart, width_pt);
    // The plot area where the PDF draws it, as fractions of the chart's box.
    let [px, py, pw, ph] = plot_area(chart, width_pt, height_pt);
    let frac = |v: f32, of: f32| format!("{:.4}", v / of);
    let layout = format!(
        r#"<c:layout><c:manualLayout><c:layoutTarget val="inner"/><c:xMode val="edge"/><c:yMode val="edge"/><c:x val="{}"/><c:y val="{}"/><c:w val="{}"/><c:h val="{}"/></c:manualLayout></c:layout>"#,
        frac(px, width_pt),
        frac(py, height_pt),
        frac(pw, width_pt),
        frac(ph, height_pt)
    );
    let n = chart.categories.len();
    let ns = chart.series.len();
    let cat_ref = format!("Sheet1!$A$2:$A${}", n + 1);
    let mut cats =
        format!(r#"<c:cat><c:strRef><c:f>{cat_ref}</c:f><c:strCache><c:ptCount val="{n}"/>"#);
    for (i, c) in chart.categories.iter().enumerate() {
        let _ = write!(cats, r#"<c:pt idx="{i}"><c:v>{}</c:v></c:pt>"#, esc(c));
    }
    cats.push_str("</c:strCache></c:strRef></c:cat>");

    let series_xml = |k: usize, body: &dyn Fn(usize) -> String| -> String {
        let s = &chart.series[k];
        // The series' column in the embedded workbook: B for the first, C, … (A holds
        // the categories).
        let letters = column_number_to_name(ColNum::try_from(k + 1).unwrap_or(ColNum::MAX));
        let mut vals = format!(
            r#"<c:val><c:numRef><c:f>Sheet1!${letters}$2:${letters}${}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>"#,
            n + 1
        );
        for (i, v) in s.values.iter().enumerate() {
            if let Some(x) = v.filter(|x| x.is_finite()) {
                let _ = write!(vals, r#"<c:pt idx="{i}"><c:v>{x}</c:v></c:pt>"#);
            }
        }
        vals.push_str("</c:numCache></c:numRef></c:val>");
        format!(
            r#"<c:ser><c:idx val="{k}"/><c:order val="{k}"/><c:tx><c:strRef><c:f>Sheet1!${letters}$1</c:f><c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{}</c:v></c:pt></c:strCache></c:strRef></c:tx>{}{cats}{vals}{}</c:ser>"#,
            esc(&s.name),
            body(k),
            if chart.kind == ChartKind::Line {
                r#"<c:smooth val="0"/>"#
            } else {
                ""
            }
        )
    };
    let color = |k: usize| series_look(k, ns).0;
    let hatch = |k: usize| series_look(k, ns).1;
    let symbol = |k: usize| match series_look(k, ns).2 {
        Marker::Square => "square",
        Marker::Diamond => "diamond",
        Marker::Triangle => "triangle",
        Marker::Circle => "circle",
    };
    let many = ns > 1;
    let axes = r#"<c:axId val="500000001"/><c:axId val="500000002"/>"#;
    let plot = match chart.kind {
        ChartKind::Bar | ChartKind::Stacked => {
            let stacked = chart.kind == ChartKind::Stacked;
            let mut x = format!(
                r#"<c:barChart><c:barDir val="col"/><c:grouping val="{}"/><c:varyColors val="0"/>"#,
                if stacked { "stacked" } else { "clustered" }
            );
            for k in 0..ns {
                x.push_str(&series_xml(k, &|k| {
                    // Values above the bars when the PDF prints them, at the same size.
                    let dl = if labels.values {
                        format!(
                            r#"<c:dLbls><c:numFmt formatCode="General" sourceLinked="0"/><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{}<c:dLblPos val="outEnd"/>{}</c:dLbls>"#,
                            tx_pr(centi(MIN_LABEL_PT)),
                            shows(true, false, false)
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        r#"<c:spPr>{}<a:ln><a:noFill/></a:ln></c:spPr><c:invertIfNegative val="0"/>{dl}"#,
                        series_fill(color(k), hatch(k))
                    )
                }));
            }
            let _ = write!(
                x,
                r#"<c:gapWidth val="{}"/>{}{axes}</c:barChart>"#,
                if many && !stacked { 80 } else { 43 },
                if stacked {
                    r#"<c:overlap val="100"/>"#
                } else if many {
                    r#"<c:overlap val="0"/>"#
                } else {
                    ""
                }
            );
            x
        }
        ChartKind::Line => {
            let mut x =
                r#"<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>"#.to_string();
            for k in 0..ns {
                x.push_str(&series_xml(k, &|k| {
                    format!(
                        r#"<c:spPr>{}</c:spPr><c:marker><c:symbol val="{}"/><c:size val="{}"/><c:spPr>{}{}</c:spPr></c:marker>"#,
                        line(color(k), 19050),
                        symbol(k),
                        if symbol(k) == "square" { 4 } else { 5 },
                        fill(color(k)),
                        line(color(k), 9525)
                    )
                }));
            }
            let _ = write!(x, r#"<c:marker val="1"/>{axes}</c:lineChart>"#);
            x
        }
        ChartKind::Pie => {
            let values = pie_values(chart);
            let texts = pie_labels(chart);
            let pcts = pie_percents(&chart.shares);
            let size = centi(LABEL_PT);
            let mut x = r#"<c:pieChart><c:varyColors val="1"/>"#.to_string();
            x.push_str(&series_xml(0, &|_| {
                let mut b = String::from(r#"<c:spPr><a:ln w="12700"><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:ln></c:spPr>"#);
                for i in 0..n {
                    let _ = write!(
                        b,
                        r#"<c:dPt><c:idx val="{i}"/><c:bubble3D val="0"/><c:spPr>{}<a:ln w="12700"><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:ln></c:spPr></c:dPt>"#,
                        {
                            let (c, h) = segment_look(i, n);
                            series_fill(c, h)
                        }
                    );
                }
                // Direct labels outside the segments, category and share, with leader
                // lines. The printed shares are ours (largest remainder, adding to
                // 100.0%), not Word's own rounding, so each label's text is given.
                b.push_str("<c:dLbls>");
                for (i, p) in pcts.iter().enumerate() {
                    if values.get(i).is_some_and(|v| *v > 0.0) {
                        let cat = texts[i].strip_suffix(p.as_str()).unwrap_or(&texts[i]);
                        let _ = write!(
                            b,
                            r#"<c:dLbl><c:idx val="{i}"/><c:tx>{}</c:tx><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr><c:dLblPos val="outEnd"/>{}</c:dLbl>"#,
                            rich_runs(&[cat, p], size),
                            shows(false, true, true)
                        );
                    } else {
                        let _ = write!(b, r#"<c:dLbl><c:idx val="{i}"/><c:delete val="1"/></c:dLbl>"#);
                    }
                }
                let _ = write!(
                    b,
                    r#"<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{}<c:dLblPos val="outEnd"/>{}<c:separator> </c:separator><c:showLeaderLines val="1"/><c:leaderLines><c:spPr>{}</c:spPr></c:leaderLines></c:dLbls>"#,
                    tx_pr(size),
                    shows(false, true, true),
                    line(INK, 6350)
                );
                b
            }));
            x.push_str(r#"<c:firstSliceAng val="0"/></c:pieChart>"#);
            x
        }
    };
    let unit = chart.unit.as_deref().filter(|u| !u.is_empty());
    let axes_xml = if chart.kind == ChartKind::Pie {
        String::new()
    } else {
        let title = unit
            .map(|u| {
                format!(
                    // Above the value axis, at the chart's top left, as in the PDF.
                    r#"<c:title><c:tx>{}</c:tx><c:layout><c:manualLayout><c:xMode val="edge"/><c:yMode val="edge"/><c:x val="0"/><c:y val="0"/></c:manualLayout></c:layout><c:overlay val="0"/></c:title>"#,
                    rich(&format!("单位：{u}"), centi(LABEL_PT))
                )
            })
            .unwrap_or_default();
        // The PDF's ticks: same maximum, same step.
        let ticks = value_ticks(chart);
        let max = ticks.last().copied().unwrap_or(1.0);
        // From the lowest tick: below 0 when a bar or line chart has negative values (the
        // PDF draws them there too; attacker finding F6, issue 18).
        let min = ticks.first().copied().unwrap_or(0.0).min(0.0);
        let step = match ticks.as_slice() {
            [a, b, ..] => b - a,
            _ => max,
        };
        // Category labels under the plot, as in the PDF, also when 0 is above its foot.
        let cat_pos = if min < 0.0 { "low" } else { "nextTo" };
        let skip = labels.step;
        format!(
            r#"<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="{}"/><c:spPr>{}</c:spPr>{}<c:crossAx val="500000002"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:tickLblSkip val="{skip}"/><c:noMultiLvlLbl val="0"/></c:catAx><c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/><c:max val="{max}"/><c:min val="{min}"/></c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines><c:spPr>{}</c:spPr></c:majorGridlines>{title}<c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:spPr><a:ln><a:noFill/></a:ln></c:spPr>{}<c:crossAx val="500000001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/><c:majorUnit val="{step}"/></c:valAx>"#,
            cat_pos,
            line(INK, 9525),
            // Category labels stay horizontal, at the PDF's size, on one line or wrapped
            // onto two as the PDF (`bar_labels` has checked that they fit their spans).
            tx_pr_with(
                centi(labels.category_pt),
                if labels.lines > 1 {
                    r#"<a:bodyPr rot="0" vert="horz" wrap="square"/>"#
                } else {
                    r#"<a:bodyPr rot="0" vert="horz" wrap="none"/>"#
                }
            ),
            line(GRID, 6350),
            tx_pr(centi(LABEL_PT))
        )
    };
    // The legend where the PDF draws it: across the top, below the unit note (left to
    // itself, LibreOffice sets one long legend row over the note).
    let legend = match legend_box(chart, width_pt) {
        Some([lx, ly, lw, lh]) => format!(
            r#"<c:legend><c:legendPos val="t"/><c:layout><c:manualLayout><c:xMode val="edge"/><c:yMode val="edge"/><c:x val="{}"/><c:y val="{}"/><c:w val="{}"/><c:h val="{}"/></c:manualLayout></c:layout><c:overlay val="0"/>{}</c:legend>"#,
            frac(lx, width_pt),
            frac(ly, height_pt),
            frac(lw, width_pt),
            frac(lh, height_pt),
            tx_pr(centi(LABEL_PT))
        ),
        None => String::new(),
    };
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<c:chartSpace xmlns:c="{CHART_NS}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/><c:chart><c:autoTitleDeleted val="1"/><c:plotArea>{layout}{plot}{axes_xml}<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>{legend}<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>{}<c:externalData r:id="rId1"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>"#,
        tx_pr(centi(LABEL_PT))
    );
    Some(ChartPart {
        xml,
        workbook: workbook(chart).unwrap_or_default(),
        extent,
    })
}

/// The chart's data as a workbook (categories down column A, one column per series), so
/// 编辑数据 in Word or WPS opens the numbers. Fixed creation time: same chart, same bytes.
fn workbook(chart: &Chart) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let ws = wb.add_worksheet();
    ws.set_name("Sheet1")?;
    for (k, s) in chart.series.iter().enumerate() {
        ws.write_string(0, k as u16 + 1, &s.name)?;
        for (i, v) in s.values.iter().enumerate() {
            if let Some(x) = v.filter(|x| x.is_finite()) {
                ws.write_number(i as u32 + 1, k as u16 + 1, x)?;
            }
        }
    }
    for (i, c) in chart.categories.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, c)?;
    }
    ws.set_column_width(0, 16)?;
    wb.save_to_buffer()
}

/// The run content that places chart `n` (relationship `rIdChart{n}`) inline, `cx` × `cy`
/// EMU. Drawing ids and alternative text are set by the normalisation pass.
pub fn drawing(n: usize, cx: u32, cy: u32) -> String {
    format!(
        r#"<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{n}" name="图表{n}"/><wp:cNvGraphicFramePr/><a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="{CHART_NS}"><c:chart xmlns:c="{CHART_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rIdChart{n}"/></a:graphicData></a:graphic></wp:inline></w:drawing>"#
    )
}

/// The k-th paragraph in the chart style (see [`super::FIGURE_STYLE`]) gets chart k's
/// drawing, at the chart's own extent, as its only run.
pub(super) fn place_charts(root: &mut Node, parts: &[super::chart::ChartPart]) {
    let charts = parts.len();
    if charts == 0 {
        return;
    }
    let mut k = 0;
    root.visit(&mut |n| {
        if n.name != "w:p" || !has_style(n, "w:pPr", "w:pStyle", super::FIGURE_STYLE) {
            return;
        }
        k += 1;
        if k > charts {
            return;
        }
        let (cx, cy) = parts[k - 1].extent;
        let xml = super::chart::drawing(k, cx, cy);
        let Some((_, drawing)) = parse(&xml) else {
            return;
        };
        let drawing = drawing.into_owned();
        n.children
            .retain(|c| matches!(c, Child::Elem(e) if e.name == "w:pPr"));
        let mut run = Node::new("w:r", "");
        run.push(drawing);
        n.push(run);
    });
}

/// Drawing ids are unique and in document order (docx-rs takes them from a process-wide
/// counter); each chart gets its alternative text.
pub(super) fn number_drawings(root: &mut Node, alts: &[String]) {
    let mut k: usize = 0;
    root.visit(&mut |n| {
        if n.name == "wp:docPr" || n.name == "pic:cNvPr" {
            if n.name == "wp:docPr" {
                k += 1;
            }
            n.set_attr("id", &k.to_string());
            if let Some(alt) = alts.get(k.saturating_sub(1)) {
                n.set_attr("descr", &esc(alt));
            }
            n.set_attr("name", &format!("图表{k}"));
        }
    });
}
