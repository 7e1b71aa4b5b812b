//! Pie charts: values, shares as printed, direct labels beside the disc, wedges as Bézier arcs.

#[allow(unused_imports)]
use super::*;

/// A pie's radius in a `width` × `height` box, pt.
pub(super) fn pie_radius(chart: &Chart, width: f32, height: f32) -> f32 {
    pie_geometry(chart, width)
        .r
        .min(height / 2.0 - LABEL_PT - 12.0)
        .max(10.0)
}

/// Line pitch of a pie's labels on one side, pt.
pub(super) const PIE_PITCH: f32 = LABEL_PT * 1.5;

/// A pie's values as drawn, one per category: missing, negative or non-finite → 0.
pub fn pie_values(chart: &Chart) -> Vec<f64> {
    (0..chart.categories.len())
        .map(|ci| {
            if chart.series.is_empty() {
                0.0
            } else {
                value(chart, 0, ci)
            }
        })
        .collect()
}

/// A pie's direct labels, one per category: the category and its share as printed
/// ([`pie_percents`] of the Document's [`Chart::shares`]), e.g. "大专 37.6%"; the category
/// alone when the chart carries no shares. Both backends print exactly these.
pub fn pie_labels(chart: &Chart) -> Vec<String> {
    let pcts = pie_percents(&chart.shares);
    chart
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| match pcts.get(i) {
            Some(p) => format!("{c} {p}"),
            None => c.clone(),
        })
        .collect()
}

/// A pie's size and how many labels go on each side.
pub(super) struct PieGeometry {
    /// Radius, pt.
    pub(super) r: f32,
    /// Labels left and right of the disc (segments centred on the left or right half).
    pub(super) left: usize,
    pub(super) right: usize,
}

/// Gap between the disc and its label column, pt (the leader lines run in it).
pub(super) const PIE_GAP: f32 = 16.0;

pub(super) fn pie_geometry(chart: &Chart, width: f32) -> PieGeometry {
    let measure: Measure = &estimate_width;
    let values = pie_values(chart);
    let labels = pie_labels(chart);
    let (mut left, mut right) = (0, 0);
    let mut widest: f32 = 0.0;
    for (i, (a0, a1)) in pie_angles(&values).into_iter().enumerate() {
        if a1 <= a0 {
            continue;
        }
        if (a0 + a1) / 2.0 < std::f64::consts::PI {
            right += 1;
        } else {
            left += 1;
        }
        widest = widest.max(measure(&labels[i], LABEL_PT));
    }
    let mut r = (width * 0.15).clamp(45.0, 75.0);
    let room = width / 2.0 - PIE_GAP - 4.0 - widest;
    if room < r {
        r = room.max(35.0);
    }
    PieGeometry { r, left, right }
}

/// Moves label centres `ys` (sorted) apart to at least `pitch`, within [lo, hi].
pub(super) fn spread(ys: &mut [f32], pitch: f32, lo: f32, hi: f32) {
    for i in 1..ys.len() {
        ys[i] = ys[i].max(ys[i - 1] + pitch);
    }
    if let Some(last) = ys.last().copied().filter(|l| *l > hi) {
        let shift = last - hi;
        for y in ys.iter_mut() {
            *y -= shift;
        }
        for i in (0..ys.len().saturating_sub(1)).rev() {
            ys[i] = ys[i].min(ys[i + 1] - pitch);
        }
    }
    if let Some(first) = ys.first().copied().filter(|f| *f < lo) {
        let shift = lo - first;
        for y in ys.iter_mut() {
            *y += shift;
        }
    }
}

/// A cubic-Bézier approximation of the arc from `a0` to `a1` (radians, clockwise from 12
/// o'clock) on a circle of radius `r` around (cx, cy): control/end points, first point
/// excluded.
pub(super) fn arc(cx: f32, cy: f32, r: f32, a0: f64, a1: f64) -> Vec<((f32, f32), bool)> {
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

/// Each slice's share as printed, one decimal (`368` → "36.8%"), from shares in tenths of
/// a percent as the Document carries them ([`Chart::shares`], apportioned by compose).
pub fn pie_percents(shares: &[u32]) -> Vec<String> {
    shares
        .iter()
        .map(|p| format!("{}%", number::fixed(Some(f64::from(*p) / 10.0), 1)))
        .collect()
}

/// A pie, centred, segments clockwise from 12 o'clock separated by white rules, each
/// labelled directly with its category and share in a column beside the disc, joined to
/// its segment by a leader line (labels of small neighbouring segments are spread apart
/// vertically, so they never overlap). No legend.
pub(super) fn pie(chart: &Chart, s: &mut Scene, measure: Measure) {
    let values = pie_values(chart);
    let labels = pie_labels(chart);
    let n = values.len();
    let r = pie_radius(chart, s.width, s.height);
    let (cx, cy) = (s.width / 2.0, s.height / 2.0);
    let angles = pie_angles(&values);
    for (i, (a0, a1)) in angles.iter().copied().enumerate() {
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
        let (color, hatch) = segment_look(i, n);
        s.shapes.push(Shape::Fill {
            points,
            bezier,
            color,
        });
        s.shapes.extend(wedge_hatch(cx, cy, r, a0, a1, hatch));
    }
    // White rules between segments (as the DOCX's segment outlines).
    let drawn = angles.iter().filter(|(a0, a1)| a1 > a0).count();
    if drawn > 1 {
        for (a0, a1) in angles.iter().copied() {
            if a1 > a0 {
                s.shapes.push(Shape::Line {
                    points: vec![
                        (cx, cy),
                        (cx + r * a0.sin() as f32, cy - r * a0.cos() as f32),
                    ],
                    width: 1.0,
                    color: [255, 255, 255],
                });
            }
        }
    }
    // Labels: natural place just outside the segment's middle, then spread per side.
    let mut sides: [Vec<(f32, usize, f64)>; 2] = [Vec::new(), Vec::new()];
    for (i, (a0, a1)) in angles.iter().copied().enumerate() {
        if a1 <= a0 {
            continue;
        }
        let m = (a0 + a1) / 2.0;
        let y = cy - (r + 8.0) * m.cos() as f32;
        sides[usize::from(m < std::f64::consts::PI)].push((y, i, m));
    }
    for (side, list) in sides.iter_mut().enumerate() {
        let right = side == 1;
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut ys: Vec<f32> = list.iter().map(|l| l.0).collect();
        spread(
            &mut ys,
            PIE_PITCH,
            PIE_PITCH / 2.0,
            s.height - PIE_PITCH / 2.0,
        );
        for ((_, i, m), y) in list.iter().zip(ys) {
            let dir = if right { 1.0 } else { -1.0 };
            let rim = (cx + r * m.sin() as f32, cy - r * m.cos() as f32);
            let elbow = (cx + (r + 6.0) * m.sin() as f32, y);
            let end = (cx + dir * (r + PIE_GAP - 3.0), y);
            let points = if (elbow.0 - end.0) * dir < 0.0 {
                vec![rim, elbow, end]
            } else {
                vec![rim, end]
            };
            s.shapes.push(Shape::Line {
                points,
                width: 0.5,
                color: INK,
            });
            let w = measure(&labels[*i], LABEL_PT);
            let x = if right {
                (cx + r + PIE_GAP).min(s.width - w).max(0.0)
            } else {
                (cx - r - PIE_GAP - w).max(0.0)
            };
            s.shapes.push(Shape::Text {
                x,
                y: y + LABEL_PT * 0.35,
                size: LABEL_PT,
                text: labels[*i].clone(),
                role: TextRole::Label,
                color: INK,
            });
        }
    }
}
