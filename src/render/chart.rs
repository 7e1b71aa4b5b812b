//! Charts: a chart directive becomes a neutral vector scene — rectangles, lines, filled
//! paths (arcs as Béziers) and positioned text — that both backends draw: the PDF as
//! vectors with its fonts, the DOCX as a PNG rasterised from the same scene.
//!
//! Coordinates are points, origin at the top left, y growing downwards.

use crate::doc::{Chart, ChartKind};
use crate::stats::largest_remainder;

/// An sRGB colour, 0–255.
pub type Rgb = [u8; 3];

/// A restrained palette that stays distinguishable in greyscale (luminance falls from the
/// first colour to the last).
pub const PALETTE: [Rgb; 6] = [
    [0x1f, 0x4e, 0x79], // deep blue
    [0xd9, 0x7a, 0x2b], // amber
    [0x6f, 0xa8, 0xa0], // sea green
    [0x9e, 0x3a, 0x38], // brick
    [0xb9, 0xc7, 0xda], // pale blue
    [0xe8, 0xd2, 0x8a], // straw
];
pub const INK: Rgb = [0x20, 0x20, 0x20];
pub const GRID: Rgb = [0xc8, 0xc8, 0xc8];

/// What a piece of text is, so the backends pick its font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRole {
    /// Axis ticks, category names, legend entries, value labels.
    Label,
    /// The "无数据" notice and the unit note.
    Note,
}

/// One element of a scene.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A filled closed path; `bezier[i]` marks control points of cubic curves (as printpdf
    /// does: two control points, then the end point).
    Fill {
        points: Vec<(f32, f32)>,
        bezier: Vec<bool>,
        color: Rgb,
    },
    /// A stroked polyline.
    Line {
        points: Vec<(f32, f32)>,
        width: f32,
        color: Rgb,
    },
    /// Text whose left edge is at `x`, baseline at `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        role: TextRole,
        color: Rgb,
    },
}

/// A chart laid out in a `width` × `height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
}

/// Measures text: (text, size in pt) → width in pt.
pub type Measure<'a> = &'a dyn Fn(&str, f32) -> f32;

/// Axis ticks for values up to `max`: 0, step, 2·step, … with a 1-2-5 step, about
/// `target` intervals, the last tick ≥ max.
pub fn nice_ticks(max: f64, target: usize) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return vec![0.0, 1.0];
    }
    let raw = max / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    // Round to the step's decimals so 3 × 0.2 prints as 0.6.
    let scale = 10f64.powi((-step.log10().floor()).max(0.0) as i32);
    (0..=n)
        .map(|i| (i as f64 * step * scale).round() / scale)
        .collect()
}

fn fmt_tick(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A value as charts print it: whole numbers as integers, others with one decimal.
fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 {
        fmt_tick(v)
    } else {
        format!("{v:.1}")
    }
}

/// Lay out `chart` in a `width` × `height` box.
pub fn scene(chart: &Chart, width: f32, height: f32, measure: Measure) -> Scene {
    let mut s = Scene {
        width,
        height,
        shapes: Vec::new(),
    };
    let has_data = chart
        .series
        .iter()
        .flat_map(|se| se.values.iter())
        .any(|v| v.is_some_and(|x| x != 0.0 && x.is_finite()));
    if !has_data || chart.categories.is_empty() {
        let size = 14.0;
        let text = "无数据".to_string();
        let w = measure(&text, size);
        s.shapes.push(Shape::Line {
            points: vec![
                (0.5, 0.5),
                (width - 0.5, 0.5),
                (width - 0.5, height - 0.5),
                (0.5, height - 0.5),
                (0.5, 0.5),
            ],
            width: 0.5,
            color: GRID,
        });
        s.shapes.push(Shape::Text {
            x: (width - w) / 2.0,
            y: height / 2.0 + size * 0.35,
            size,
            text,
            role: TextRole::Note,
            color: INK,
        });
        return s;
    }
    match chart.kind {
        ChartKind::Pie => pie(chart, &mut s, measure),
        _ => bars_or_lines(chart, &mut s, measure),
    }
    s
}

fn text(s: &mut Scene, x: f32, y: f32, size: f32, t: String, measure: Measure, anchor: f32) {
    let w = measure(&t, size);
    s.shapes.push(Shape::Text {
        x: x - w * anchor,
        y,
        size,
        text: t,
        role: TextRole::Label,
        color: INK,
    });
}

fn rect(x: f32, y: f32, w: f32, h: f32, color: Rgb) -> Shape {
    Shape::Fill {
        points: vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
        bezier: vec![false; 4],
        color,
    }
}

/// A legend row across the top: a swatch and a name per series (or per slice).
fn legend(s: &mut Scene, names: &[String], y: f32, size: f32, measure: Measure) {
    let gap = size * 1.2;
    let total: f32 = names
        .iter()
        .map(|n| size + 4.0 + measure(n, size) + gap)
        .sum::<f32>()
        - gap;
    let mut x = ((s.width - total) / 2.0).max(0.0);
    for (i, n) in names.iter().enumerate() {
        s.shapes.push(rect(
            x,
            y - size * 0.8,
            size * 0.8,
            size * 0.8,
            PALETTE[i % PALETTE.len()],
        ));
        x += size + 4.0;
        text(s, x, y, size, n.clone(), measure, 0.0);
        x += measure(n, size) + gap;
    }
}

fn bars_or_lines(chart: &Chart, s: &mut Scene, measure: Measure) {
    let n = chart.categories.len();
    let stacked = chart.kind == ChartKind::Stacked;
    let line = chart.kind == ChartKind::Line;
    let label_size = 9.0;
    let value = |si: usize, ci: usize| -> f64 {
        chart.series[si]
            .values
            .get(ci)
            .copied()
            .flatten()
            .filter(|x| x.is_finite())
            .unwrap_or(0.0)
            .max(0.0)
    };
    let max = (0..n)
        .map(|ci| {
            if stacked {
                (0..chart.series.len()).map(|si| value(si, ci)).sum::<f64>()
            } else {
                (0..chart.series.len())
                    .map(|si| value(si, ci))
                    .fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let ticks = nice_ticks(max, 5);
    let top_val = *ticks.last().unwrap_or(&1.0);
    let tick_w = ticks
        .iter()
        .map(|t| measure(&fmt_tick(*t), label_size))
        .fold(0.0, f32::max);
    let multi = chart.series.len() > 1;
    let top = if multi { 30.0 } else { 18.0 };
    let (left, right) = (tick_w + 8.0, 8.0);
    let plot_w = s.width - left - right;
    let band = plot_w / n as f32;
    // Category labels: shrink until the widest fits its band; if even 7 pt does not fit,
    // alternate them over two rows.
    let widest = |size: f32| {
        chart
            .categories
            .iter()
            .map(|c| measure(c, size))
            .fold(0.0, f32::max)
    };
    let mut cat_size = label_size;
    while cat_size > 7.0 && widest(cat_size) > band * 0.95 {
        cat_size -= 0.5;
    }
    let two_rows = widest(cat_size) > band * 0.95;
    // Too many categories even for two rows (hundreds of units): no labels rather than a
    // smudge of overlapping text.
    let label_categories = widest(cat_size) <= band * 1.9;
    let bottom = if two_rows {
        cat_size * 2.6 + 8.0
    } else {
        cat_size * 1.3 + 8.0
    };
    let plot_h = s.height - top - bottom;
    let y_of = |v: f64| top + plot_h - (v / top_val) as f32 * plot_h;

    if let Some(u) = &chart.unit {
        text(s, 0.0, 10.0, label_size, format!("单位：{u}"), measure, 0.0);
    }
    if multi {
        let names: Vec<String> = chart.series.iter().map(|se| se.name.clone()).collect();
        legend(
            s,
            &names,
            10.0 + (if chart.unit.is_some() { 12.0 } else { 0.0 }),
            label_size,
            measure,
        );
    }
    // Grid lines and tick labels.
    for t in &ticks {
        let y = y_of(*t);
        s.shapes.push(Shape::Line {
            points: vec![(left, y), (left + plot_w, y)],
            width: if *t == 0.0 { 0.8 } else { 0.4 },
            color: if *t == 0.0 { INK } else { GRID },
        });
        text(
            s,
            left - 4.0,
            y + label_size * 0.35,
            label_size,
            fmt_tick(*t),
            measure,
            1.0,
        );
    }
    // Category labels.
    for (ci, c) in chart
        .categories
        .iter()
        .enumerate()
        .filter(|_| label_categories)
    {
        let x = left + band * (ci as f32 + 0.5);
        let row = if two_rows { (ci % 2) as f32 } else { 0.0 };
        let y = top + plot_h + 4.0 + cat_size + row * cat_size * 1.3;
        text(s, x, y, cat_size, c.clone(), measure, 0.5);
    }
    if line {
        for (si, se) in chart.series.iter().enumerate() {
            let color = PALETTE[si % PALETTE.len()];
            let pts: Vec<(f32, f32)> = (0..n)
                .filter(|ci| se.values.get(*ci).copied().flatten().is_some())
                .map(|ci| (left + band * (ci as f32 + 0.5), y_of(value(si, ci))))
                .collect();
            for (x, y) in &pts {
                s.shapes.push(rect(x - 2.0, y - 2.0, 4.0, 4.0, color));
            }
            s.shapes.push(Shape::Line {
                points: pts,
                width: 1.5,
                color,
            });
        }
        return;
    }
    let group = band * 0.7;
    let k = if stacked {
        1
    } else {
        chart.series.len().max(1)
    };
    let bar_w = group / k as f32;
    // Value labels only for single-series bars, in a size whose widest label fits a bar's
    // band (so labels never overlap).
    let values: Vec<String> = (0..n).map(|ci| fmt_value(value(0, ci))).collect();
    let mut val_size = 8.0;
    while val_size > 6.0
        && values
            .iter()
            .map(|v| measure(v, val_size))
            .fold(0.0, f32::max)
            > band * 0.95
    {
        val_size -= 0.5;
    }
    let show_values = !multi
        && values
            .iter()
            .map(|v| measure(v, val_size))
            .fold(0.0, f32::max)
            <= band * 0.95;
    for (ci, label) in values.iter().enumerate() {
        let x0 = left + band * ci as f32 + (band - group) / 2.0;
        let mut base = 0.0;
        for si in 0..chart.series.len() {
            let v = value(si, ci);
            let color = PALETTE[si % PALETTE.len()];
            let (x, y_top, y_bot) = if stacked {
                let r = (x0, y_of(base + v), y_of(base));
                base += v;
                r
            } else {
                (x0 + bar_w * si as f32, y_of(v), y_of(0.0))
            };
            if y_bot - y_top > 0.0 {
                s.shapes.push(rect(x, y_top, bar_w, y_bot - y_top, color));
            }
        }
        if show_values {
            let v = value(0, ci);
            text(
                s,
                x0 + bar_w / 2.0,
                y_of(v) - 3.0,
                val_size,
                label.clone(),
                measure,
                0.5,
            );
        }
    }
}

/// A cubic-Bézier approximation of the arc from `a0` to `a1` (radians, clockwise from 12
/// o'clock) on a circle of radius `r` around (cx, cy): control/end points, first point
/// excluded.
fn arc(cx: f32, cy: f32, r: f32, a0: f64, a1: f64) -> Vec<((f32, f32), bool)> {
    let mut out = Vec::new();
    let segs = ((a1 - a0).abs() / std::f64::consts::FRAC_PI_2)
        .ceil()
        .max(1.0) as usize;
    let step = (a1 - a0) / segs as f64;
    let pt = |a: f64| (cx + r * a.sin() as f32, cy - r * a.cos() as f32);
    for i in 0..segs {
        let (s0, s1) = (a0 + step * i as f64, a0 + step * (i + 1) as f64);
        let k = 4.0 / 3.0 * ((s1 - s0) / 4.0).tan();
        let (p0, p3) = (pt(s0), pt(s1));
        // Tangents of a clockwise-from-top parametrisation: d/da (sin a, −cos a) = (cos a, sin a).
        let c1 = (
            p0.0 + (k * s0.cos()) as f32 * r,
            p0.1 + (k * s0.sin()) as f32 * r,
        );
        let c2 = (
            p3.0 - (k * s1.cos()) as f32 * r,
            p3.1 - (k * s1.sin()) as f32 * r,
        );
        out.push((c1, true));
        out.push((c2, true));
        out.push((p3, false));
    }
    out
}

/// The wedges of a pie: (start, end) angles in radians, clockwise from 12 o'clock.
pub fn pie_angles(values: &[f64]) -> Vec<(f64, f64)> {
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    let mut a = 0.0;
    values
        .iter()
        .map(|v| {
            let sweep = if total > 0.0 {
                v.max(0.0) / total * std::f64::consts::TAU
            } else {
                0.0
            };
            let w = (a, a + sweep);
            a += sweep;
            w
        })
        .collect()
}

/// Each slice's share as printed, one decimal, largest-remainder rounded to add to 100.0%.
pub fn pie_percents(values: &[f64]) -> Vec<String> {
    largest_remainder(values, 1000)
        .unwrap_or_default()
        .iter()
        .map(|p| format!("{:.1}%", *p as f64 / 10.0))
        .collect()
}

fn pie(chart: &Chart, s: &mut Scene, measure: Measure) {
    let values: Vec<f64> = chart.series[0]
        .values
        .iter()
        .map(|v| v.unwrap_or(0.0).max(0.0))
        .collect();
    let shares = largest_remainder(&values, 1000).unwrap_or_default();
    let size = 10.0;
    let r = (s.height / 2.0 - 12.0).min(s.width * 0.25);
    let (cx, cy) = (s.width * 0.3, s.height / 2.0);
    for (i, (a0, a1)) in pie_angles(&values).into_iter().enumerate() {
        if a1 - a0 <= 0.0 {
            continue;
        }
        let start = (cx + r * a0.sin() as f32, cy - r * a0.cos() as f32);
        let mut points = vec![(cx, cy), start];
        let mut bezier = vec![false, false];
        for (p, b) in arc(cx, cy, r, a0, a1) {
            points.push(p);
            bezier.push(b);
        }
        s.shapes.push(Shape::Fill {
            points,
            bezier,
            color: PALETTE[i % PALETTE.len()],
        });
    }
    // A donut: the hole shows the total.
    let hole = r * 0.45;
    let mut points = vec![(cx, cy - hole)];
    let mut bezier = vec![false];
    for (p, b) in arc(cx, cy, hole, 0.0, std::f64::consts::TAU) {
        points.push(p);
        bezier.push(b);
    }
    s.shapes.push(Shape::Fill {
        points,
        bezier,
        color: [255, 255, 255],
    });
    let total: f64 = values.iter().sum();
    let unit = chart.unit.clone().unwrap_or_default();
    text(
        s,
        cx,
        cy + size * 0.35,
        size,
        format!("合计{}{unit}", fmt_value(total)),
        measure,
        0.5,
    );
    // Legend: swatch, name, value and share, one line per slice.
    let lx = cx + r + 24.0;
    let line_h = size * 1.8;
    let y0 = cy - line_h * (chart.categories.len() as f32 - 1.0) / 2.0;
    for (i, c) in chart.categories.iter().enumerate() {
        let y = y0 + line_h * i as f32;
        s.shapes.push(rect(
            lx,
            y - size * 0.8,
            size * 0.8,
            size * 0.8,
            PALETTE[i % PALETTE.len()],
        ));
        let pct = shares
            .get(i)
            .map(|p| format!("{:.1}%", *p as f64 / 10.0))
            .unwrap_or_default();
        text(
            s,
            lx + size + 4.0,
            y,
            size,
            format!("{c}  {}{unit}  {pct}", fmt_value(values[i])),
            measure,
            0.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Series;

    fn measure(t: &str, size: f32) -> f32 {
        t.chars()
            .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
            .sum::<f32>()
            * size
    }

    fn chart(kind: ChartKind, cats: &[&str], series: &[(&str, &[f64])]) -> Chart {
        Chart {
            kind,
            categories: cats.iter().map(|c| c.to_string()).collect(),
            series: series
                .iter()
                .map(|(n, v)| Series {
                    name: n.to_string(),
                    values: v.iter().map(|x| Some(*x)).collect(),
                })
                .collect(),
            unit: Some("人".into()),
            ..Chart::default()
        }
    }

    #[test]
    fn ticks_use_1_2_5_steps() {
        assert_eq!(nice_ticks(10303.0, 5), [0.0, 5000.0, 10000.0, 15000.0]);
        assert_eq!(nice_ticks(15.0, 5), [0.0, 5.0, 10.0, 15.0]);
        assert_eq!(nice_ticks(0.8, 4), [0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!(nice_ticks(113.0, 5), [0.0, 50.0, 100.0, 150.0]);
        assert_eq!(nice_ticks(0.0, 5), [0.0, 1.0]);
        for max in [1.0, 7.0, 99.0, 123.4, 5400.0, 81758.0] {
            let t = nice_ticks(max, 5);
            let step = t[1] - t[0];
            let m = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|x| (m - x).abs() < 1e-9),
                "{max}: step {step}"
            );
            assert!(*t.last().unwrap() >= max && t.len() <= 11);
        }
    }

    #[test]
    fn pie_angles_sum_to_a_full_circle() {
        let a = pie_angles(&[49.0, 53.0, 39.0]);
        let sweep: f64 = a.iter().map(|(s, e)| e - s).sum();
        assert!((sweep - std::f64::consts::TAU).abs() < 1e-12);
        assert!((a[2].1 - std::f64::consts::TAU).abs() < 1e-12);
        assert_eq!(a[0].0, 0.0);
    }

    #[test]
    fn pie_legend_shares_add_to_100() {
        let c = chart(
            ChartKind::Pie,
            &["本科及研究生", "大专", "高中及以下"],
            &[("学历", &[49.0, 53.0, 39.0])],
        );
        let s = scene(&c, 440.0, 220.0, &measure);
        let pcts: Vec<f64> = s
            .shapes
            .iter()
            .filter_map(|sh| match sh {
                Shape::Text { text, .. } if text.ends_with('%') => {
                    text.rsplit(' ').next()?.trim_end_matches('%').parse().ok()
                }
                _ => None,
            })
            .collect();
        assert_eq!(pcts.len(), 3);
        assert!((pcts.iter().sum::<f64>() - 100.0).abs() < 1e-9, "{pcts:?}");
    }

    fn text_boxes(s: &Scene) -> Vec<(f32, f32, f32, f32, String)> {
        s.shapes
            .iter()
            .filter_map(|sh| match sh {
                Shape::Text {
                    x, y, size, text, ..
                } => Some((*x, *y - size, *x + measure(text, *size), *y, text.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn labels_of_the_twelve_communities_do_not_overlap() {
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
        let residents = [
            6368.0, 6788.0, 6496.0, 6935.0, 10182.0, 5993.0, 7877.0, 7194.0, 10303.0, 7751.0,
            5656.0, 215.0,
        ];
        for width in [440.0, 300.0] {
            let s = scene(
                &chart(ChartKind::Bar, &shorts, &[("常住人口", &residents)]),
                width,
                250.0,
                &measure,
            );
            let boxes = text_boxes(&s);
            for (i, a) in boxes.iter().enumerate() {
                assert!(
                    a.0 >= -0.01 && a.2 <= width + 0.01,
                    "{} outside the chart",
                    a.4
                );
                for b in &boxes[i + 1..] {
                    let overlap = a.0 < b.2 - 0.01
                        && b.0 < a.2 - 0.01
                        && a.1 < b.3 - 0.01
                        && b.1 < a.3 - 0.01;
                    assert!(!overlap, "width {width}: {} overlaps {}", a.4, b.4);
                }
            }
            // Every community is labelled.
            for c in shorts {
                assert!(boxes.iter().any(|b| b.4 == c), "{c}");
            }
        }
    }

    #[test]
    fn stacked_bars_reach_the_unit_totals() {
        let c = chart(
            ChartKind::Stacked,
            &["甲", "乙"],
            &[("a", &[1.0, 2.0]), ("b", &[3.0, 4.0])],
        );
        let s = scene(&c, 400.0, 200.0, &measure);
        let bars = s
            .shapes
            .iter()
            .filter(|sh| matches!(sh, Shape::Fill { points, .. } if points.len() == 4))
            .count();
        assert!(bars >= 4);
    }

    #[test]
    fn empty_or_zero_data_draws_no_data() {
        for c in [
            chart(ChartKind::Bar, &["甲", "乙"], &[("a", &[0.0, 0.0])]),
            chart(ChartKind::Pie, &[], &[("a", &[])]),
            Chart {
                kind: ChartKind::Line,
                ..Chart::default()
            },
        ] {
            let s = scene(&c, 300.0, 150.0, &measure);
            assert!(
                s.shapes
                    .iter()
                    .any(|sh| matches!(sh, Shape::Text { text, .. } if text == "无数据")),
                "{:?}",
                c.kind
            );
        }
    }
}
