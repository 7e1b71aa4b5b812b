//! Bar, stacked-bar and line charts: the bands above and below the plot, and the drawing.

#[allow(unused_imports)]
use super::*;

/// The height of a bar chart's band above the plot: the unit note, the legend rows and
/// room for the value labels above the tallest bar, pt.
pub(super) fn bar_top(chart: &Chart, legend_rows: usize) -> f32 {
    let unit = if chart.unit.is_some() { 12.0 } else { 0.0 };
    if legend_rows == 0 {
        unit + 12.0
    } else {
        unit + legend_rows as f32 * LEGEND_PITCH + 8.0
    }
}

/// The height below the plot: one or two lines of category labels, pt.
pub(super) fn bar_bottom(l: &BarLabels) -> f32 {
    l.category_pt * 1.3 * l.lines as f32 + 8.0
}

/// The plot area's height in a bar chart `width` pt wide: about a third of the width,
/// 110–180 pt.
pub(super) fn bar_plot_height(width: f32) -> f32 {
    (width * 0.36).clamp(110.0, 180.0)
}

pub(super) fn bars_or_lines(chart: &Chart, s: &mut Scene, measure: Measure) {
    let n = chart.categories.len();
    let ns = chart.series.len();
    let stacked = chart.kind == ChartKind::Stacked;
    let line = chart.kind == ChartKind::Line;
    let ticks = value_ticks(chart);
    let top_val = *ticks.last().unwrap_or(&1.0);
    let low_val = ticks.first().copied().unwrap_or(0.0).min(0.0);
    let span = if top_val - low_val > 0.0 {
        top_val - low_val
    } else {
        1.0
    };
    let labels = bar_labels(chart, s.width);
    let names: Vec<String> = chart.series.iter().map(|se| se.name.clone()).collect();
    let [left, top, plot_w, plot_h] = plot_area(chart, s.width, s.height);
    let band = labels.band;
    let cat_size = labels.category_pt;
    let y_of = |v: f64| top + plot_h - ((v - low_val) / span) as f32 * plot_h;
    let value = |si: usize, ci: usize| value(chart, si, ci);

    if let Some(u) = &chart.unit {
        text(s, 0.0, 10.0, LABEL_PT, format!("单位：{u}"), measure, 0.0);
    }
    if ns > 1 {
        let y = 10.0 + if chart.unit.is_some() { 12.0 } else { 0.0 };
        legend(s, &names, y, line, measure);
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
            left - TICK_GAP,
            y + LABEL_PT * 0.35,
            LABEL_PT,
            fmt_tick(*t),
            measure,
            1.0,
        );
    }
    // Category labels (every `step`-th, one or two lines).
    for (_, lines) in placed_categories(chart, s.width, measure) {
        for (j, (x, t)) in lines.into_iter().enumerate() {
            let y = top + plot_h + 4.0 + cat_size + j as f32 * cat_size * 1.3;
            text(s, x, y, cat_size, t, measure, 0.0);
        }
    }
    if line {
        for (si, se) in chart.series.iter().enumerate() {
            let (color, _, mark) = series_look(si, ns);
            let pts: Vec<(f32, f32)> = (0..n)
                .filter(|ci| se.values.get(*ci).copied().flatten().is_some())
                .map(|ci| (left + band * (ci as f32 + 0.5), y_of(value(si, ci))))
                .collect();
            let markers: Vec<Shape> = pts
                .iter()
                .map(|(x, y)| marker(*x, *y, 4.0, mark, color))
                .collect();
            s.shapes.push(Shape::Line {
                points: pts,
                width: 1.5,
                color,
            });
            s.shapes.extend(markers);
        }
        return;
    }
    let group = band * 0.7;
    let k = if stacked { 1 } else { ns.max(1) };
    let bar_w = group / k as f32;
    for ci in 0..n {
        let x0 = left + band * ci as f32 + (band - group) / 2.0;
        let mut base = 0.0;
        for si in 0..ns {
            let v = value(si, ci);
            let (color, hatch, _) = series_look(si, ns);
            let (x, y_top, y_bot) = if stacked {
                let r = (x0, y_of(base + v), y_of(base));
                base += v;
                r
            } else {
                // A negative bar hangs from 0 down to its value.
                let (a, b) = (y_of(v), y_of(0.0));
                (x0 + bar_w * si as f32, a.min(b), a.max(b))
            };
            if y_bot - y_top > 0.0 {
                hatched_rect(s, x, y_top, bar_w, y_bot - y_top, (color, hatch));
            }
        }
        if labels.values {
            let v = value(0, ci);
            // Above a bar, below a negative one: the value as it is (never clipped to 0).
            let y = if v < 0.0 {
                y_of(v) + MIN_LABEL_PT + 1.0
            } else {
                y_of(v) - 3.0
            };
            text(
                s,
                x0 + bar_w / 2.0,
                y,
                MIN_LABEL_PT,
                fmt_value(v),
                measure,
                0.5,
            );
        }
    }
}
