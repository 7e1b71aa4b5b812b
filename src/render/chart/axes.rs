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

/// The value axis of a bar, stacked or line chart: its ticks (0 first, 1-2-5 steps, the
/// last at or above the largest bar). Both backends print exactly these ticks.
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
    nice_ticks(max, 5)
}

/// Series `si`'s value for category `ci` as drawn: missing, negative or non-finite → 0.
pub(super) fn value(chart: &Chart, si: usize, ci: usize) -> f64 {
    chart.series[si]
        .values
        .get(ci)
        .copied()
        .flatten()
        .filter(|x| x.is_finite())
        .unwrap_or(0.0)
        .max(0.0)
}
