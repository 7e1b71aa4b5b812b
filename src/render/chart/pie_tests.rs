//! Unit tests of pie wedges and their hatches.

use super::tests::{chart, measure};
use super::*;

/// A straight line's two ends.
type Segment = [(f32, f32); 2];

/// A pie's wedges as drawn: for each segment fill (a path from the centre), its
/// colour and the white hatch lines that follow it, as (colour, lines).
fn wedges(s: &Scene) -> Vec<(Rgb, Vec<Segment>)> {
    let mut out: Vec<(Rgb, Vec<Segment>)> = Vec::new();
    for sh in &s.shapes {
        match sh {
            Shape::Fill { color, .. } => out.push((*color, Vec::new())),
            Shape::Line {
                points,
                color: [255, 255, 255],
                width,
            } if *width < 1.0 => {
                if let Some(w) = out.last_mut() {
                    w.1.push([points[0], points[1]]);
                }
            }
            _ => {}
        }
    }
    out
}

/// Issue 16: a pie of more than six segments repeated colours (segments 1 and 7 alike
/// on any printer). Segments 7+ now carry the bars' white hatches, cut to their wedge:
/// the ten segments of a 10-segment pie all look different, neighbours (and the last
/// and the first) keep ≥ 15 L* apart, and every hatch line lies inside its wedge.
#[test]
fn ten_pie_segments_all_look_different() {
    let cats: Vec<String> = (0..10).map(|i| format!("类别{i}")).collect();
    let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
    let vals: Vec<f64> = (0..10).map(|i| 10.0 + i as f64).collect();
    let c = chart(ChartKind::Pie, &cats, &[("x", &vals)]);
    let (w, h) = (442.2, chart_height(&c, 442.2));
    let s = scene(&c, w, h, &measure);
    let ws = wedges(&s);
    assert_eq!(ws.len(), 10);
    // The direction of each wedge's hatch lines: +1 rising ("/"), −1 falling ("\").
    let dirs = |lines: &[Segment]| -> Vec<i32> {
        let mut d: Vec<i32> = lines
            .iter()
            .map(|[a, b]| {
                if (b.1 - a.1) * (b.0 - a.0) < 0.0 {
                    1
                } else {
                    -1
                }
            })
            .collect();
        d.sort();
        d.dedup();
        d
    };
    let looks: Vec<(Rgb, Vec<i32>)> = ws.iter().map(|(c, l)| (*c, dirs(l))).collect();
    for (i, a) in looks.iter().enumerate() {
        for (j, b) in looks.iter().enumerate().skip(i + 1) {
            assert_ne!(a, b, "segments {i} and {j} look alike");
        }
    }
    assert!(looks[..6].iter().all(|l| l.1.is_empty()));
    assert!(looks[6..].iter().all(|l| l.1 == [1]), "{looks:?}");
    for k in 0..10 {
        let (a, b) = (looks[k].0, looks[(k + 1) % 10].0);
        assert!((lightness(a) - lightness(b)).abs() >= 15.0, "{k}");
    }
    // The DOCX's segments take the same looks.
    for (i, l) in looks.iter().enumerate() {
        let (c, h) = segment_look(i, 10);
        assert_eq!((c, h != Hatch::None), (l.0, !l.1.is_empty()));
    }
    // Inside the wedge: within the disc and between its radii.
    let r = pie_radius(&c, w, h) as f64;
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let angles = pie_angles(&pie_values(&c));
    for (k, (_, lines)) in ws.iter().enumerate() {
        let (a0, a1) = angles[k];
        for [p, q] in lines {
            for t in [0.02, 0.5, 0.98] {
                let x = p.0 as f64 + t * (q.0 - p.0) as f64;
                let y = p.1 as f64 + t * (q.1 - p.1) as f64;
                assert!((x - cx).hypot(y - cy) <= r + 0.01, "segment {k}");
                let a = (x - cx).atan2(cy - y).rem_euclid(std::f64::consts::TAU);
                assert!(
                    a >= a0 - 1e-3 && a <= a1 + 1e-3,
                    "segment {k}: {a} ∉ {a0}–{a1}"
                );
            }
        }
    }
}

/// A hatched wedge past half the circle (concave) is hatched exactly over its area:
/// the hatch lines' total length matches the wedge's share of the disc's.
#[test]
fn a_hatched_wedge_past_half_the_circle_is_hatched_over_its_area() {
    let (cx, cy, r) = (200.0f32, 100.0f32, 60.0f32);
    let len = |a0: f64, a1: f64| -> f64 {
        wedge_hatch(cx, cy, r, a0, a1, Hatch::Up)
            .iter()
            .map(|sh| match sh {
                Shape::Line { points, .. } => {
                    let (p, q) = (points[0], points[1]);
                    ((q.0 - p.0) as f64).hypot((q.1 - p.1) as f64)
                }
                _ => 0.0,
            })
            .sum()
    };
    let tau = std::f64::consts::TAU;
    let disc = len(0.0, tau);
    // A line every 4/√2 pt across the disc: total ≈ area / spacing.
    let area = std::f64::consts::PI * (r as f64).powi(2);
    assert!(
        (disc / (area / (4.0 / 2f64.sqrt())) - 1.0).abs() < 0.02,
        "{disc}"
    );
    for (a0, a1) in [(0.3, 5.5), (1.0, 1.0 + tau * 0.75), (4.0, 4.2)] {
        let share = len(a0, a1) / disc;
        let want = (a1 - a0) / tau;
        assert!((share - want).abs() < 0.02, "{a0}–{a1}: {share} vs {want}");
        // Complementary wedges together cover the disc once.
        let rest = len(a1, a0 + tau);
        assert!(((share * disc + rest) / disc - 1.0).abs() < 0.02);
    }
}
