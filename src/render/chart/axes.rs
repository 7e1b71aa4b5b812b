//! The value axis: 1-2-5 ticks, how ticks and values print, and a series' value as drawn.

#[allow(unused_imports)]
use super::*;

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

/// An axis tick as printed: at most two decimals, trailing zeros dropped (`0.5`, `10`).
pub(super) fn fmt_tick(v: f64) -> String {
    number::trimmed(Some(v), 2)
}

/// A value as charts print it: whole numbers as integers, others with one decimal.
pub(super) fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 {
        number::shortest(v)
    } else {
        number::fixed(Some(v), 1)
    }
}

/// Ticks from `min` (≤ 0) to `max` (≥ 0) with a 1-2-5 step, about `target` intervals in
/// all, 0 among them: the axis of a chart with negative values (attacker finding F6,
/// issue 18). With `min` = 0 it is [`nice_ticks`].
pub fn nice_ticks_between(min: f64, max: f64, target: usize) -> Vec<f64> {
    if !(min.is_finite() && min < 0.0) {
        return nice_ticks(max, target);
    }
    let max = if max.is_finite() { max.max(0.0) } else { 0.0 };
    let raw = (max - min) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let below = (-min / step - 1e-9).ceil().max(1.0) as i64;
    let above = (max / step - 1e-9).ceil().max(0.0) as i64;
    let scale = 10f64.powi((-step.log10().floor()).max(0.0) as i32);
    (-below..=above)
        .map(|i| (i as f64 * step * scale).round() / scale)
        .collect()
}

/// The value axis of a bar, stacked or line chart: its ticks (1-2-5 steps, from 0 — or
/// from below the lowest value when a bar or line chart has negative values — to at or
/// above the largest bar). Both backends print exactly these ticks.
pub fn value_ticks(chart: &Chart) -> Vec<f64> {
    let n = chart.categories.len();
    let stacked = chart.kind == ChartKind::Stacked;
    let max = (0..n)
        .map(|ci| {
            let col = (0..chart.series.len()).map(|si| value(chart, si, ci));
            if stacked {
                col.sum::<f64>()
            } else {
                col.fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let min = (0..n)
        .flat_map(|ci| (0..chart.series.len()).map(move |si| (si, ci)))
        .map(|(si, ci)| value(chart, si, ci))
        .fold(0.0, f64::min);
    nice_ticks_between(min, max, 5)
}

/// Series `si`'s value for category `ci` as drawn: missing or non-finite → 0; negative
/// values are drawn below the axis' 0 in bar and line charts, and as 0 in stacked bars
/// and pies (a share or a stack has no negative part).
pub(super) fn value(chart: &Chart, si: usize, ci: usize) -> f64 {
    let v = chart.series[si]
        .values
        .get(ci)
        .copied()
        .flatten()
        .filter(|x| x.is_finite())
        .unwrap_or(0.0);
    match chart.kind {
        ChartKind::Bar | ChartKind::Line => v,
        _ => v.max(0.0),
    }
}
