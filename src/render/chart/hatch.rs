//! Greyscale-safe series looks drawn as shapes: hatch lines over bars and wedges, and line-chart markers.

#[allow(unused_imports)]
use super::*;

/// Spacing of hatch lines, pt (along the axes).
pub(super) const HATCH_STEP: f32 = 4.0;

/// The white hatch lines of `hatch` over the rectangle at (x, y), w × h: diagonals on a
/// grid anchored at the scene's origin, so neighbouring bars' hatches line up.
pub(super) fn hatch_lines(x: f32, y: f32, w: f32, h: f32, hatch: Hatch) -> Vec<Shape> {
    let (x1, y1) = (x + w, y + h);
    let mut out = Vec::new();
    let white = [255, 255, 255];
    if matches!(hatch, Hatch::Up | Hatch::Cross) {
        // x + y = c (rising on the page, as y grows downwards).
        let mut c = ((x + y) / HATCH_STEP).ceil() * HATCH_STEP;
        while c < x1 + y1 {
            let (a, b) = ((c - y1).max(x), (c - y).min(x1));
            if b > a {
                out.push(Shape::Line {
                    points: vec![(a, c - a), (b, c - b)],
                    width: 0.8,
                    color: white,
                });
            }
            c += HATCH_STEP;
        }
    }
    if matches!(hatch, Hatch::Down | Hatch::Cross) {
        // x − y = c.
        let mut c = ((x - y1) / HATCH_STEP).ceil() * HATCH_STEP;
        while c < x1 - y {
            let (a, b) = ((c + y).max(x), (c + y1).min(x1));
            if b > a {
                out.push(Shape::Line {
                    points: vec![(a, a - c), (b, b - c)],
                    width: 0.8,
                    color: white,
                });
            }
            c += HATCH_STEP;
        }
    }
    out
}

/// The white hatch lines of `hatch` over the pie wedge from angle `a0` to `a1` (radians,
/// clockwise from 12 o'clock) of the disc of radius `r` around (cx, cy): the same
/// diagonals as [`hatch_lines`] (same grid, spacing and width), cut to the wedge. Each
/// diagonal is cut to its chord of the disc, the chord at the points where it crosses the
/// wedge's two radii, and the pieces whose middle lies inside the wedge are kept — exact
/// for any sweep, also one past half the circle (a concave wedge).
pub(super) fn wedge_hatch(cx: f32, cy: f32, r: f32, a0: f64, a1: f64, hatch: Hatch) -> Vec<Shape> {
    let (cx, cy, r) = (f64::from(cx), f64::from(cy), f64::from(r));
    let tau = std::f64::consts::TAU;
    let full = a1 - a0 >= tau - 1e-9;
    // The angle of a point, clockwise from 12 o'clock, in [0, 2π).
    let angle = |x: f64, y: f64| (x - cx).atan2(cy - y).rem_euclid(tau);
    let inside = |a: f64| full || (a0..=a1).contains(&a) || (a0..=a1).contains(&(a + tau));
    let step = f64::from(HATCH_STEP);
    let s2 = std::f64::consts::SQRT_2;
    let mut out = Vec::new();
    // (sign): the family x + sign·y = c; Up is x + y = c, Down is x − y = c.
    let mut families = Vec::new();
    if matches!(hatch, Hatch::Up | Hatch::Cross) {
        families.push(1.0);
    }
    if matches!(hatch, Hatch::Down | Hatch::Cross) {
        families.push(-1.0);
    }
    for sign in families {
        // Unit normal of the family and direction along its lines.
        let n = (1.0 / s2, sign / s2);
        let d = (1.0 / s2, -sign / s2);
        let centre_c = cx + sign * cy;
        let mut c = ((centre_c - r * s2) / step).ceil() * step;
        while c < centre_c + r * s2 {
            // Signed distance from the centre to the line, the foot of the perpendicular.
            let h = (c - centre_c) / s2;
            if h.abs() < r {
                let half = (r * r - h * h).sqrt();
                let foot = (cx + h * n.0, cy + h * n.1);
                let mut cuts = vec![-half, half];
                if h.abs() < 1e-9 {
                    // Through the centre, the wedge's apex: a side changes there.
                    cuts.push(0.0);
                }
                for a in [a0, a1] {
                    let u = (a.sin(), -a.cos());
                    let un = u.0 * n.0 + u.1 * n.1;
                    if un.abs() > 1e-12 {
                        let s = h / un;
                        let t = s * (u.0 * d.0 + u.1 * d.1);
                        if s > 0.0 && t > -half && t < half {
                            cuts.push(t);
                        }
                    }
                }
                cuts.sort_by(f64::total_cmp);
                for w in cuts.windows(2) {
                    let (t0, t1) = (w[0], w[1]);
                    let m = (t0 + t1) / 2.0;
                    if t1 - t0 < 0.2 || !inside(angle(foot.0 + m * d.0, foot.1 + m * d.1)) {
                        continue;
                    }
                    let p = |t: f64| ((foot.0 + t * d.0) as f32, (foot.1 + t * d.1) as f32);
                    out.push(Shape::Line {
                        points: vec![p(t0), p(t1)],
                        width: 0.8,
                        color: [255, 255, 255],
                    });
                }
            }
            c += step;
        }
    }
    out
}

/// A filled rectangle with its hatch.
pub(super) fn hatched_rect(s: &mut Scene, x: f32, y: f32, w: f32, h: f32, look: (Rgb, Hatch)) {
    s.shapes.push(rect(x, y, w, h, look.0));
    s.shapes.extend(hatch_lines(x, y, w, h, look.1));
}

/// A line chart's marker of `size` pt centred at (x, y).
pub(super) fn marker(x: f32, y: f32, size: f32, m: Marker, color: Rgb) -> Shape {
    let r = size / 2.0;
    match m {
        Marker::Square => rect(x - r, y - r, size, size, color),
        Marker::Diamond => {
            let r = r * 1.3;
            Shape::Fill {
                points: vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
                bezier: vec![false; 4],
                color,
            }
        }
        Marker::Triangle => {
            let r = r * 1.3;
            Shape::Fill {
                points: vec![(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)],
                bezier: vec![false; 3],
                color,
            }
        }
        Marker::Circle => {
            let r = r * 1.15;
            let mut points = vec![(x, y - r)];
            let mut bezier = vec![false];
            for (p, b) in arc(x, y, r, 0.0, std::f64::consts::TAU) {
                points.push(p);
                bezier.push(b);
            }
            Shape::Fill {
                points,
                bezier,
                color,
            }
        }
    }
}
