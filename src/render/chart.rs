//! Charts: a chart directive becomes a neutral vector scene — rectangles, lines, filled
//! paths (arcs as Béziers) and positioned text — that both backends draw: the PDF as
//! vectors with its fonts; the DOCX draws the same chart natively (see
//! `render::docx::chart`) from the same decisions: palette, ticks, label sizes, pie labels
//! and [`chart_height`].
//!
//! Coordinates are points, origin at the top left, y growing downwards.

use crate::doc::{Chart, ChartKind};
use crate::stats::largest_remainder;

/// An sRGB colour, 0–255.
pub type Rgb = [u8; 3];

/// The series (and pie-segment) colours, chosen for a black-and-white printer: what tells
/// two series apart on grey paper is their lightness, so neighbours in this order differ by
/// at least 15 in CIE L* (0 black – 100 white; see [`lightness`]), the first four differ
/// pairwise by at least 15, and the last and the first differ too (a pie closes the
/// circle). L*: 32.1, 72.0, 49.9, 88.1, 59.9, 80.1. Hues stay restrained (navy, amber,
/// teal, straw, rose, pale blue) so the colour print reads as one family.
pub const PALETTE: [Rgb; 6] = [
    [0x1f, 0x4e, 0x79], // navy, L* 32.1
    [0xe6, 0xa2, 0x66], // amber, L* 72.0
    [0x44, 0x81, 0x7a], // teal, L* 49.9
    [0xf2, 0xdb, 0xa4], // straw, L* 88.1
    [0xd2, 0x77, 0x6f], // rose, L* 59.9
    [0xa9, 0xcc, 0xde], // pale blue, L* 80.1
];
pub const INK: Rgb = [0x20, 0x20, 0x20];
pub const GRID: Rgb = [0xc8, 0xc8, 0xc8];

/// The smallest text a chart prints, in pt at print size (charts are laid out at their
/// printed size, so scene units are printed points): value labels, axis and category
/// labels, legend entries and pie labels never go below it.
pub const MIN_LABEL_PT: f32 = 8.0;

/// The size of axis ticks, legend entries and pie labels, in pt.
pub const LABEL_PT: f32 = 9.0;

/// The colour of series (or pie segment) `i` of `n`. Series cycle through [`PALETTE`];
/// in a pie the last segment also touches the first, so when cycling would give both the
/// same colour the last takes the third colour instead (distinct from both neighbours).
pub fn series_color(i: usize, n: usize, closed: bool) -> Rgb {
    let len = PALETTE.len();
    if closed && n > 1 && i + 1 == n && i % len == 0 {
        return PALETTE[2];
    }
    PALETTE[i % len]
}

/// A fill pattern drawn in white over a series' colour, telling apart series whose colour
/// repeats (more than [`PALETTE`]'s six series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hatch {
    /// Solid colour (series 1–6).
    None,
    /// Rising diagonal lines, "/" (series 7–12; DrawingML `wdUpDiag`).
    Up,
    /// Falling diagonal lines, "\" (series 13–18; `wdDnDiag`).
    Down,
    /// Both diagonals (series 19–24; `diagCross`).
    Cross,
}

/// A line chart's point marker, the line series' counterpart of [`Hatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Square,
    Diamond,
    Triangle,
    Circle,
}

/// How series `i` of a bar, stacked or line chart looks: its colour ([`series_color`])
/// and, for each further cycle through the six colours, a hatch (bars, legend swatches)
/// and a marker shape (lines). No two of the first 24 series of a chart look alike;
/// neighbours keep the palette's ≥ 15 L* apart (the colours cycle as before).
pub fn series_look(i: usize, n: usize) -> (Rgb, Hatch, Marker) {
    let cycle = (i / PALETTE.len()) % 4;
    let marker = [
        Marker::Square,
        Marker::Diamond,
        Marker::Triangle,
        Marker::Circle,
    ][cycle];
    (series_color(i, n, false), hatch_of(i), marker)
}

/// The hatch of series or segment `i`: none for the first six, then one per further
/// cycle through [`PALETTE`] ([`Hatch::Up`], [`Hatch::Down`], [`Hatch::Cross`]).
fn hatch_of(i: usize) -> Hatch {
    [Hatch::None, Hatch::Up, Hatch::Down, Hatch::Cross][(i / PALETTE.len()) % 4]
}

/// How segment `i` of a pie of `n` looks: its colour ([`series_color`] round the closed
/// circle) and, as the bars' series, a white hatch from the seventh segment on — so no
/// two of the first 24 segments look alike on a black-and-white printer, and neighbours
/// (the last and the first too) keep the palette's ≥ 15 L* apart. The DOCX gives the
/// same hatch as the segment's `a:pattFill`.
pub fn segment_look(i: usize, n: usize) -> (Rgb, Hatch) {
    (series_color(i, n, true), hatch_of(i))
}

/// Spacing of hatch lines, pt (along the axes).
const HATCH_STEP: f32 = 4.0;

/// The white hatch lines of `hatch` over the rectangle at (x, y), w × h: diagonals on a
/// grid anchored at the scene's origin, so neighbouring bars' hatches line up.
fn hatch_lines(x: f32, y: f32, w: f32, h: f32, hatch: Hatch) -> Vec<Shape> {
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
fn wedge_hatch(cx: f32, cy: f32, r: f32, a0: f64, a1: f64, hatch: Hatch) -> Vec<Shape> {
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
fn hatched_rect(s: &mut Scene, x: f32, y: f32, w: f32, h: f32, look: (Rgb, Hatch)) {
    s.shapes.push(rect(x, y, w, h, look.0));
    s.shapes.extend(hatch_lines(x, y, w, h, look.1));
}

/// A line chart's marker of `size` pt centred at (x, y).
fn marker(x: f32, y: f32, size: f32, m: Marker, color: Rgb) -> Shape {
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

/// CIE L* of an sRGB colour (D65): 0 for black, 100 for white — the lightness a
/// greyscale print keeps. Relative luminance Y uses the Rec. 709 / sRGB primaries
/// (0.2126, 0.7152, 0.0722 on linearised channels); L* = 116·Y^(1/3) − 16 (CIE 1976).
pub fn lightness(c: Rgb) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let y = 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    if y > 216.0 / 24389.0 {
        116.0 * y.cbrt() - 16.0
    } else {
        y * 24389.0 / 27.0
    }
}

/// A width estimate that needs no font, for layout decisions both backends must agree
/// on (the DOCX has no fonts to measure with): 1 em for CJK and other wide characters,
/// 0.9 em for M, W, m, w, @ and %, 0.72 em for other capitals, 0.6 em for the rest of
/// ASCII — at least the 黑体 role's (Noto Sans SC) real advances.
pub fn estimate_width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| match c {
            'M' | 'W' | 'm' | 'w' | '@' | '%' => 0.9,
            'A'..='Z' => 0.72,
            _ if c.is_ascii() => 0.6,
            _ => 1.0,
        })
        .sum::<f32>()
        * size
}

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
fn value(chart: &Chart, si: usize, ci: usize) -> f64 {
    chart.series[si]
        .values
        .get(ci)
        .copied()
        .flatten()
        .filter(|x| x.is_finite())
        .unwrap_or(0.0)
        .max(0.0)
}

/// How a bar, stacked or line chart labels its categories and values — decided once,
/// from the chart and its printed width, so both backends print the same labels.
///
/// The rule for category labels (both formats): horizontal, at [`LABEL_PT`] shrunk in
/// 0.5 pt steps down to [`MIN_LABEL_PT`] while one line per label does not fit; then
/// wrapped onto two lines; and when two lines still do not fit, every `step`-th category
/// is labelled, from the first (as Word's `c:tickLblSkip`), with the smallest step at
/// which the labels leave at least 2 pt between them. A label's line is no wider than
/// 93% of its `step` bands ([`WRAP_FRACTION`], where LibreOffice wraps it).
/// There is always a label: a name too long for two lines of the widest span a
/// label may take (a third of the plot) ends its second line in "…".
///
/// LibreOffice does not implement `c:tickLblSkip` (it labels every category, wrapped onto
/// as many lines as it needs): where the PDF skips labels, LibreOffice's rendering of the
/// DOCX shows them all; Word honours it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarLabels {
    /// Category labels' size, pt, in [[`MIN_LABEL_PT`], [`LABEL_PT`]].
    pub category_pt: f32,
    /// Lines of a category label: 1, or 2 when labels are wrapped.
    pub lines: usize,
    /// Every `step`-th category is labelled, from the first (1: every category).
    pub step: usize,
    /// Value labels ([`MIN_LABEL_PT`]) above the bars: only for single-series bar charts
    /// whose widest value fits its band.
    pub values: bool,
    /// Width of one category's band, pt.
    pub band: f32,
}

/// Category labels as placed: (category index, its lines as (left x, text)).
type Placed = Vec<(usize, Vec<(f32, String)>)>;

/// Gap left between two category labels, pt.
const LABEL_GAP: f32 = 2.0;

/// `text` in at most `lines` lines no wider than `avail` pt at `size` (measured with
/// `measure`), broken between any two characters (Chinese has no spaces; a Latin name
/// breaks after its last space that fits, else anywhere). `None` when it does not fit;
/// with `ellipsis` the last line is cut and ends in "…" instead.
fn wrap_label(
    text: &str,
    size: f32,
    avail: f32,
    lines: usize,
    ellipsis: bool,
    measure: Measure,
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest: &str = text.trim();
    while !rest.is_empty() {
        if measure(rest, size) <= avail {
            out.push(rest.to_string());
            return Some(out);
        }
        if out.len() + 1 == lines {
            if !ellipsis {
                return None;
            }
            let mut cut = String::new();
            for c in rest.chars() {
                let mut t = cut.clone();
                t.push(c);
                t.push('…');
                if measure(&t, size) > avail {
                    break;
                }
                cut.push(c);
            }
            cut.push('…');
            out.push(cut);
            return Some(out);
        }
        // The longest prefix that fits (at least one character).
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            if i > 0 && measure(&rest[..i + c.len_utf8()], size) > avail {
                break;
            }
            end = i + c.len_utf8();
        }
        if end < rest.len() {
            if let Some(sp) = rest[..end].rfind(' ').filter(|sp| *sp > 0) {
                end = sp;
            }
        }
        out.push(rest[..end].trim_end().to_string());
        rest = rest[end..].trim_start();
    }
    Some(out)
}

/// The category labels as printed: (category index, lines, left x of each line) for every
/// `step`-th category, in a chart whose plot starts at `left` inside a `width` wide box,
/// each label centred under its band, no wider than [`WRAP_FRACTION`] of `step` bands and
/// than the box allows.
/// `None` when two neighbours would come closer than [`LABEL_GAP`] (or a name does not
/// fit its lines without `ellipsis`).
#[allow(clippy::too_many_arguments)]
fn place_categories(
    cats: &[String],
    size: f32,
    lines: usize,
    step: usize,
    band: f32,
    left: f32,
    width: f32,
    ellipsis: bool,
    measure: Measure,
) -> Option<Placed> {
    // What a line may span: no more than Word and LibreOffice give a category label
    // before they wrap it (WRAP_FRACTION of its bands); the gap to the neighbours is
    // checked below.
    let span = band * step as f32 * WRAP_FRACTION;
    let mut out: Placed = Vec::new();
    let mut prev_right = f32::NEG_INFINITY;
    for ci in (0..cats.len()).step_by(step.max(1)) {
        let centre = left + band * (ci as f32 + 0.5);
        // Centred on its band and inside the box: no wider than twice the room to the
        // nearer edge, and than the span (a wider one-line label would be wrapped by the
        // DOCX's reader while the PDF keeps it on one line).
        let room = 2.0 * centre.min(width - centre);
        let avail = span.min(room).max(size);
        let ls = wrap_label(&cats[ci], size, avail, lines, ellipsis, measure)?;
        let mut placed = Vec::new();
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for l in ls {
            let w = measure(&l, size);
            let x = (centre - w / 2.0).min(width - w).max(0.0);
            lo = lo.min(x);
            hi = hi.max(x + w);
            placed.push((x, l));
        }
        if lo < prev_right + LABEL_GAP {
            return None;
        }
        prev_right = hi;
        out.push((ci, placed));
    }
    Some(out)
}

/// The plot's left edge in a bar chart: the widest tick label (right-aligned
/// [`TICK_GAP`] left of the plot, so starting at the box's left edge) plus the gap, pt.
fn plot_left(ticks: &[f64], measure: Measure) -> f32 {
    ticks
        .iter()
        .map(|t| measure(&fmt_tick(*t), LABEL_PT))
        .fold(0.0, f32::max)
        + TICK_GAP
}

/// Gap between the value axis' tick labels and the plot, pt.
const TICK_GAP: f32 = 4.0;

/// Room right of the plot, pt: none, the plot reaches the text block's right edge (the
/// last category's label stays inside its band).
const PLOT_RIGHT: f32 = 0.0;

/// The share of a category's band a label's line may take: where LibreOffice wraps it,
/// less a margin. LibreOffice takes 5% off the distance between ticks
/// (`VCartesianAxis::createTextShapes`), draws the plot of the seed's 图1 0.8% narrower
/// than its `c:manualLayout` says and sets an 8 pt CJK character 8.05–8.10 pt wide (both
/// measured through pdftotext), so 0.95 × 0.992 / 1.012 ≈ 0.93. A label the PDF sets on
/// one line must fit it, or the DOCX would show it on two (the seed's 西北一路 at 8 pt in a
/// 34.3 pt band: two lines in both formats).
const WRAP_FRACTION: f32 = 0.93;

/// The label decisions for `chart` printed `width` pt wide (the rule: see
/// [`BarLabels`]). Text is measured with [`estimate_width`], in both backends, so the
/// PDF and the DOCX decide alike.
pub fn bar_labels(chart: &Chart, width: f32) -> BarLabels {
    let measure: Measure = &estimate_width;
    let n = chart.categories.len().max(1);
    let left = plot_left(&value_ticks(chart), measure);
    let plot_w = width - left - PLOT_RIGHT;
    let band = plot_w / n as f32;
    let fits = |size: f32, lines: usize, step: usize| {
        place_categories(
            &chart.categories,
            size,
            lines,
            step,
            band,
            left,
            width,
            false,
            measure,
        )
        .is_some()
    };
    let mut category_pt = LABEL_PT;
    while category_pt > MIN_LABEL_PT && !fits(category_pt, 1, 1) {
        category_pt -= 0.5;
    }
    let (lines, step) = if fits(category_pt, 1, 1) {
        (1, 1)
    } else {
        // Two lines; every step-th category, the smallest step that fits — at most the
        // step whose span reaches a third of the plot (beyond it, "…" shortens names).
        let widest = ((plot_w / 3.0 / band).ceil() as usize).clamp(1, n);
        let step = (1..=widest)
            .find(|k| fits(category_pt, 2, *k))
            .unwrap_or(widest);
        (2, step)
    };
    let values = chart.kind == ChartKind::Bar
        && chart.series.len() == 1
        && (0..chart.categories.len())
            .map(|ci| measure(&fmt_value(value(chart, 0, ci)), MIN_LABEL_PT))
            .fold(0.0, f32::max)
            <= band * 0.95;
    BarLabels {
        category_pt,
        lines,
        step,
        values,
        band,
    }
}

/// The category labels of a bar, stacked or line chart `width` pt wide as both formats
/// print them: (category index, its lines) for every [`BarLabels::step`]-th category.
/// Wrapped lines are measured with [`estimate_width`]; Word and LibreOffice wrap the
/// DOCX's labels themselves, in the same width.
pub fn category_labels(chart: &Chart, width: f32) -> Vec<(usize, Vec<String>)> {
    placed_categories(chart, width, &estimate_width)
        .into_iter()
        .map(|(ci, ls)| (ci, ls.into_iter().map(|(_, t)| t).collect()))
        .collect()
}

/// [`category_labels`] with each line's left x, positions measured with `measure`.
fn placed_categories(chart: &Chart, width: f32, measure: Measure) -> Placed {
    let est: Measure = &estimate_width;
    let l = bar_labels(chart, width);
    let left = plot_left(&value_ticks(chart), est);
    let go = |ellipsis: bool, m: Measure| {
        place_categories(
            &chart.categories,
            l.category_pt,
            l.lines,
            l.step,
            l.band,
            left,
            width,
            ellipsis,
            m,
        )
    };
    // The lines as decided with the estimate; x from the real widths.
    let lines = go(false, est).or_else(|| go(true, est)).unwrap_or_default();
    lines
        .into_iter()
        .map(|(ci, ls)| {
            let centre = left + l.band * (ci as f32 + 0.5);
            let ls = ls
                .into_iter()
                .map(|(_, t)| {
                    let w = measure(&t, l.category_pt);
                    ((centre - w / 2.0).min(width - w).max(0.0), t)
                })
                .collect();
            (ci, ls)
        })
        .collect()
}

/// A legend's rows: series indices packed greedily into rows no wider than `width`.
fn legend_rows(names: &[String], width: f32, size: f32, measure: Measure) -> Vec<Vec<usize>> {
    let gap = size * 1.2;
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = f32::INFINITY;
    for (i, n) in names.iter().enumerate() {
        let w = size + 4.0 + measure(n, size);
        if used + gap + w > width {
            rows.push(vec![i]);
            used = w;
        } else if let Some(last) = rows.last_mut() {
            last.push(i);
            used += gap + w;
        }
    }
    rows
}

/// Line pitch of legend rows, pt.
const LEGEND_PITCH: f32 = LABEL_PT * 1.5;

/// The height of a bar chart's band above the plot: the unit note, the legend rows and
/// room for the value labels above the tallest bar, pt.
fn bar_top(chart: &Chart, legend_rows: usize) -> f32 {
    let unit = if chart.unit.is_some() { 12.0 } else { 0.0 };
    if legend_rows == 0 {
        unit + 12.0
    } else {
        unit + legend_rows as f32 * LEGEND_PITCH + 8.0
    }
}

/// The height below the plot: one or two lines of category labels, pt.
fn bar_bottom(l: &BarLabels) -> f32 {
    l.category_pt * 1.3 * l.lines as f32 + 8.0
}

/// The plot area's height in a bar chart `width` pt wide: about a third of the width,
/// 110–180 pt.
fn bar_plot_height(width: f32) -> f32 {
    (width * 0.36).clamp(110.0, 180.0)
}

/// The height to give `chart` printed `width` pt wide, pt — from its content rather than
/// a fixed box. Bar, stacked and line charts: the unit note and the legend rows (estimated
/// with [`estimate_width`], so at least as many as the scene draws), a plot about a third
/// as high as the chart is wide (110–180 pt) and one or two rows of category labels. Pies:
/// the disc (radius 15% of the width, 45–75 pt, less if the labels need the room) with
/// room for the direct labels above and below it, or the taller column of labels on either
/// side. Charts with nothing to draw: a 60 pt box for the "无数据" notice.
///
/// The PDF layout and the DOCX drawing extent both use it, so a chart is the same size in
/// both formats.
pub fn chart_height(chart: &Chart, width: f32) -> f32 {
    if !has_data(chart) {
        return 60.0;
    }
    let est: Measure = &estimate_width;
    let h = match chart.kind {
        ChartKind::Pie => {
            let g = pie_geometry(chart, width);
            let column = g.left.max(g.right) as f32 * PIE_PITCH + 12.0;
            (2.0 * g.r + 2.0 * (LABEL_PT + 12.0)).max(column)
        }
        _ => {
            let rows = if chart.series.len() > 1 {
                let names: Vec<String> = chart.series.iter().map(|s| s.name.clone()).collect();
                legend_rows(&names, width, LABEL_PT, est).len()
            } else {
                0
            };
            let l = bar_labels(chart, width);
            bar_top(chart, rows) + bar_plot_height(width) + bar_bottom(&l)
        }
    };
    h.round()
}

/// The plot area of `chart` in a `width` × `height` box (pt, give it [`chart_height`]):
/// `[x, y, w, h]` from the top left — the axes' box of a bar, stacked or line chart, the
/// bounding square of a pie's disc. The DOCX places its plot area exactly there
/// (`c:manualLayout`), so both formats draw the same chart.
pub fn plot_area(chart: &Chart, width: f32, height: f32) -> [f32; 4] {
    let measure: Measure = &estimate_width;
    if chart.kind == ChartKind::Pie {
        let r = pie_radius(chart, width, height);
        return [width / 2.0 - r, height / 2.0 - r, 2.0 * r, 2.0 * r];
    }
    let ticks = value_ticks(chart);
    let labels = bar_labels(chart, width);
    let rows = if chart.series.len() > 1 {
        let names: Vec<String> = chart.series.iter().map(|s| s.name.clone()).collect();
        legend_rows(&names, width, LABEL_PT, measure).len()
    } else {
        0
    };
    let top = bar_top(chart, rows);
    let left = plot_left(&ticks, measure);
    [
        left,
        top,
        width - left - PLOT_RIGHT,
        (height - top - bar_bottom(&labels)).max(1.0),
    ]
}

/// The legend's box of a bar, stacked or line chart of more than one series in a `width`
/// × `height` box: `[x, y, w, h]` from the top left, pt — the full width, from below the
/// unit note down over the legend rows the PDF draws ([`legend_rows`] estimated with
/// [`estimate_width`]). `None` without a legend (pies, single series). The DOCX places
/// its legend there (`c:manualLayout`), clear of the unit note above and the plot below.
pub fn legend_box(chart: &Chart, width: f32) -> Option<[f32; 4]> {
    if chart.kind == ChartKind::Pie || chart.series.len() < 2 {
        return None;
    }
    let names: Vec<String> = chart.series.iter().map(|s| s.name.clone()).collect();
    let rows = legend_rows(&names, width, LABEL_PT, &estimate_width).len();
    let baseline = 10.0 + if chart.unit.is_some() { 12.0 } else { 0.0 };
    let top = baseline - LABEL_PT;
    Some([0.0, top, width, rows as f32 * LEGEND_PITCH])
}

/// A pie's radius in a `width` × `height` box, pt.
fn pie_radius(chart: &Chart, width: f32, height: f32) -> f32 {
    pie_geometry(chart, width)
        .r
        .min(height / 2.0 - LABEL_PT - 12.0)
        .max(10.0)
}

/// Whether `chart` has anything to draw: a category and a finite non-zero value.
fn has_data(chart: &Chart) -> bool {
    !chart.categories.is_empty()
        && chart
            .series
            .iter()
            .flat_map(|se| se.values.iter())
            .any(|v| v.is_some_and(|x| x != 0.0 && x.is_finite()))
}

/// Lay out `chart` in a `width` × `height` box (pt; give it [`chart_height`]).
pub fn scene(chart: &Chart, width: f32, height: f32, measure: Measure) -> Scene {
    let mut s = Scene {
        width,
        height,
        shapes: Vec::new(),
    };
    if !has_data(chart) {
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

/// The legend across the top, in rows of swatches and series names, each row centred;
/// the first row's baseline at `y`.
/// A line chart's keys are a stretch of the series' line with its marker (as Word and
/// LibreOffice draw them); other charts' are swatches of the series' fill.
fn legend(s: &mut Scene, names: &[String], y: f32, line: bool, measure: Measure) {
    let size = LABEL_PT;
    let gap = size * 1.2;
    let n = names.len();
    // Rows as estimated (so the plot below starts where `plot_area` says); positions
    // within a row by the real widths.
    for (r, row) in legend_rows(names, s.width, size, &estimate_width)
        .into_iter()
        .enumerate()
    {
        let total: f32 = row
            .iter()
            .map(|i| size + 4.0 + measure(&names[*i], size) + gap)
            .sum::<f32>()
            - gap;
        let mut x = ((s.width - total) / 2.0).max(0.0);
        let y = y + r as f32 * LEGEND_PITCH;
        for i in row {
            let (color, hatch, mark) = series_look(i, n);
            if line {
                let my = y - size * 0.4;
                s.shapes.push(Shape::Line {
                    points: vec![(x - 1.0, my), (x + size * 0.8 + 1.0, my)],
                    width: 1.5,
                    color,
                });
                s.shapes.push(marker(x + size * 0.4, my, 4.0, mark, color));
            } else {
                hatched_rect(s, x, y - size * 0.8, size * 0.8, size * 0.8, (color, hatch));
            }
            x += size + 4.0;
            text(s, x, y, size, names[i].clone(), measure, 0.0);
            x += measure(&names[i], size) + gap;
        }
    }
}

fn bars_or_lines(chart: &Chart, s: &mut Scene, measure: Measure) {
    let n = chart.categories.len();
    let ns = chart.series.len();
    let stacked = chart.kind == ChartKind::Stacked;
    let line = chart.kind == ChartKind::Line;
    let ticks = value_ticks(chart);
    let top_val = *ticks.last().unwrap_or(&1.0);
    let labels = bar_labels(chart, s.width);
    let names: Vec<String> = chart.series.iter().map(|se| se.name.clone()).collect();
    let [left, top, plot_w, plot_h] = plot_area(chart, s.width, s.height);
    let band = labels.band;
    let cat_size = labels.category_pt;
    let y_of = |v: f64| top + plot_h - (v / top_val) as f32 * plot_h;
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
                (x0 + bar_w * si as f32, y_of(v), y_of(0.0))
            };
            if y_bot - y_top > 0.0 {
                hatched_rect(s, x, y_top, bar_w, y_bot - y_top, (color, hatch));
            }
        }
        if labels.values {
            let v = value(0, ci);
            text(
                s,
                x0 + bar_w / 2.0,
                y_of(v) - 3.0,
                MIN_LABEL_PT,
                fmt_value(v),
                measure,
                0.5,
            );
        }
    }
}

/// Line pitch of a pie's labels on one side, pt.
const PIE_PITCH: f32 = LABEL_PT * 1.5;

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
/// ([`pie_percents`]), e.g. "大专 37.6%". Both backends print exactly these.
pub fn pie_labels(chart: &Chart) -> Vec<String> {
    let pcts = pie_percents(&pie_values(chart));
    chart
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} {}", pcts.get(i).map(String::as_str).unwrap_or("")))
        .collect()
}

/// A pie's size and how many labels go on each side.
struct PieGeometry {
    /// Radius, pt.
    r: f32,
    /// Labels left and right of the disc (segments centred on the left or right half).
    left: usize,
    right: usize,
}

/// Gap between the disc and its label column, pt (the leader lines run in it).
const PIE_GAP: f32 = 16.0;

fn pie_geometry(chart: &Chart, width: f32) -> PieGeometry {
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
fn spread(ys: &mut [f32], pitch: f32, lo: f32, hi: f32) {
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

/// A pie, centred, segments clockwise from 12 o'clock separated by white rules, each
/// labelled directly with its category and share in a column beside the disc, joined to
/// its segment by a leader line (labels of small neighbouring segments are spread apart
/// vertically, so they never overlap). No legend.
fn pie(chart: &Chart, s: &mut Scene, measure: Measure) {
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
    fn pie_label_shares_add_to_100() {
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

    /// The seed's twelve communities by their short names, as its charts label them.
    const SHORTS: [&str; 12] = [
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

    #[test]
    fn labels_of_the_twelve_communities_do_not_overlap() {
        let shorts = SHORTS;
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
            // Every community is labelled (at 300 pt the longer names wrap onto two lines).
            let c = chart(ChartKind::Bar, &shorts, &[("常住人口", &residents)]);
            let labels = category_labels(&c, width);
            assert_eq!(labels.len(), 12);
            for (ci, lines) in labels {
                assert_eq!(lines.concat(), shorts[ci]);
                for l in &lines {
                    assert!(boxes.iter().any(|b| &b.4 == l), "{l}");
                }
            }
        }
    }

    fn long_names(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("中华人民共和国某某省某某市某某区第{i}社区居民委员会服务站"))
            .collect()
    }

    /// Issue 16 (attack16/chart-longcat, chart-c30): long or many category names printed
    /// no category label. Now every k-th category (k as `bar_labels` says, every one when
    /// they fit) is labelled, from the first, at ≥ 8 pt, without overlaps, in all three
    /// kinds and at both widths.
    #[test]
    fn long_or_many_categories_are_labelled_every_kth_without_overlap() {
        let short: Vec<String> = (0..30).map(|i| format!("第{i}社区")).collect();
        for (names, want_lines) in [(long_names(6), 2), (long_names(12), 2), (short, 2)] {
            let cats: Vec<&str> = names.iter().map(String::as_str).collect();
            let v: Vec<f64> = (0..cats.len()).map(|i| 1.0 + (i % 7) as f64).collect();
            for kind in [ChartKind::Bar, ChartKind::Stacked, ChartKind::Line] {
                for width in [442.2, 300.0] {
                    let c = chart(kind, &cats, &[("a", &v), ("b", &v)]);
                    let l = bar_labels(&c, width);
                    assert_eq!(l.lines, want_lines);
                    assert!(l.category_pt >= MIN_LABEL_PT);
                    let labels = category_labels(&c, width);
                    let idx: Vec<usize> = labels.iter().map(|x| x.0).collect();
                    let every: Vec<usize> = (0..cats.len()).step_by(l.step).collect();
                    assert_eq!(idx, every, "{kind:?} {width}");
                    assert!(idx.len() >= 2, "{kind:?} {width}: {idx:?}");
                    let s = scene(&c, width, chart_height(&c, width), &measure);
                    assert_no_overlap(&s);
                    let t: Vec<String> = texts(&s).into_iter().map(|x| x.1).collect();
                    for (ci, lines) in &labels {
                        let joined = lines.concat();
                        assert!(
                            joined == cats[*ci]
                                || (joined.ends_with('…')
                                    && cats[*ci].starts_with(joined.trim_end_matches('…'))),
                            "{joined}"
                        );
                        for line in lines {
                            assert!(t.contains(line), "{kind:?} {width}: {line} not drawn");
                        }
                    }
                }
            }
        }
        // 12 long names: every other one at full width, two lines each.
        let names = long_names(12);
        let cats: Vec<&str> = names.iter().map(String::as_str).collect();
        let c = chart(ChartKind::Bar, &cats, &[("a", &[1.0; 12])]);
        let l = bar_labels(&c, 442.2);
        assert!(
            (l.lines, l.category_pt) == (2, MIN_LABEL_PT) && l.step > 1,
            "{l:?}"
        );
    }

    /// Issue 16: with more than six series, series 0 and 6 had the same fill. The first
    /// 24 series of a chart now all look different; neighbours stay ≥ 15 L* apart.
    #[test]
    fn ten_series_all_look_different() {
        let looks: Vec<(Rgb, Hatch, Marker)> = (0..24).map(|i| series_look(i, 24)).collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert!(a.0 != b.0 || a.1 != b.1, "fill {i}");
                assert!(a.0 != b.0 || a.2 != b.2, "marker {i}");
            }
        }
        for w in looks.windows(2) {
            assert!((lightness(w[0].0) - lightness(w[1].0)).abs() >= 15.0);
        }
        // The scene hatches series 7–10 of a ten-series stacked chart: white lines.
        let v = [1.0, 2.0];
        let series: Vec<(String, &[f64])> = (0..10).map(|i| (format!("s{i}"), &v[..])).collect();
        let series: Vec<(&str, &[f64])> = series.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let c = chart(ChartKind::Stacked, &["甲", "乙"], &series);
        let s = scene(&c, 442.2, chart_height(&c, 442.2), &measure);
        let hatch = s
            .shapes
            .iter()
            .filter(|sh| matches!(sh, Shape::Line { color, .. } if *color == [255, 255, 255]))
            .count();
        assert!(hatch > 20, "{hatch} hatch lines");
        for sh in hatch_lines(10.0, 20.0, 30.0, 40.0, Hatch::Cross) {
            let Shape::Line { points, .. } = sh else {
                unreachable!()
            };
            for (x, y) in points {
                assert!((10.0..=40.01).contains(&x) && (20.0..=60.01).contains(&y));
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

    fn texts(s: &Scene) -> Vec<(f32, String)> {
        s.shapes
            .iter()
            .filter_map(|sh| match sh {
                Shape::Text { size, text, .. } => Some((*size, text.clone())),
                _ => None,
            })
            .collect()
    }

    fn assert_no_overlap(s: &Scene) {
        let boxes = text_boxes(s);
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 >= -0.01 && a.2 <= s.width + 0.01 && a.1 >= -0.01 && a.3 <= s.height + 0.01,
                "{} outside the chart",
                a.4
            );
            for b in &boxes[i + 1..] {
                let overlap =
                    a.0 < b.2 - 0.01 && b.0 < a.2 - 0.01 && a.1 < b.3 - 0.01 && b.1 < a.3 - 0.01;
                assert!(!overlap, "{} overlaps {}", a.4, b.4);
            }
        }
    }

    #[test]
    fn palette_neighbours_differ_by_15_lightness_in_greyscale() {
        // The measurements: orange/teal 4, navy/red 7 (CIE L*) in the old palette.
        assert!((lightness([0xd9, 0x7a, 0x2b]) - lightness([0x6f, 0xa8, 0xa0])).abs() < 5.0);
        assert_eq!(lightness([0, 0, 0]), 0.0);
        assert!((lightness([255, 255, 255]) - 100.0).abs() < 1e-9);
        for n in 1..=20 {
            for closed in [false, true] {
                let c: Vec<Rgb> = (0..n).map(|i| series_color(i, n, closed)).collect();
                let mut pairs: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
                if closed && n > 2 {
                    pairs.push((n - 1, 0));
                }
                for (a, b) in pairs {
                    let d = (lightness(c[a]) - lightness(c[b])).abs();
                    assert!(d >= 15.0, "{n} series, {a}/{b}: ΔL* {d:.1}");
                }
            }
        }
        // Up to four series every pair differs, not only neighbours.
        let first: Vec<f64> = PALETTE[..4].iter().map(|c| lightness(*c)).collect();
        for (a, la) in first.iter().enumerate() {
            for lb in &first[a + 1..] {
                assert!((la - lb).abs() >= 15.0);
            }
        }
    }

    #[test]
    fn every_label_is_at_least_8_pt_and_none_overlap() {
        let shorts = SHORTS;
        let v: Vec<f64> = (0..12).map(|i| 100.0 + 731.0 * i as f64).collect();
        let charts = [
            chart(ChartKind::Bar, &shorts, &[("常住人口", &v)]),
            chart(
                ChartKind::Stacked,
                &shorts,
                &[
                    ("30岁以下", &v),
                    ("30—40岁", &v),
                    ("40—50岁", &v),
                    ("50岁以上", &v),
                ],
            ),
            chart(ChartKind::Line, &shorts, &[("a", &v), ("b", &v)]),
            chart(
                ChartKind::Pie,
                &["本科及研究生", "大专", "高中及以下"],
                &[("学历", &[49.0, 53.0, 39.0])],
            ),
        ];
        for width in [442.2, 300.0] {
            for c in &charts {
                let s = scene(c, width, chart_height(c, width), &measure);
                for (size, t) in texts(&s) {
                    assert!(size >= MIN_LABEL_PT, "{:?} {t}: {size} pt", c.kind);
                }
                assert_no_overlap(&s);
            }
        }
        // The single-series bars print their values, at 8 pt.
        let s = scene(&charts[0], 442.2, chart_height(&charts[0], 442.2), &measure);
        assert!(texts(&s).contains(&(8.0, "8141".to_string())));
    }

    #[test]
    fn pie_is_labelled_directly_and_small_segments_do_not_collide() {
        let c = chart(
            ChartKind::Pie,
            &["本科及研究生", "大专", "高中及以下"],
            &[("学历", &[49.0, 53.0, 39.0])],
        );
        let s = scene(&c, 442.2, chart_height(&c, 442.2), &measure);
        let mut t: Vec<String> = texts(&s).into_iter().map(|(_, t)| t).collect();
        t.sort();
        let mut want = ["本科及研究生 34.7%", "大专 37.6%", "高中及以下 27.7%"].map(String::from);
        want.sort();
        assert_eq!(t, want);
        // Each label has a leader line from its segment's rim.
        let leaders = s
            .shapes
            .iter()
            .filter(|sh| matches!(sh, Shape::Line { color, .. } if *color == INK))
            .count();
        assert_eq!(leaders, 3);
        // Many thin segments: the labels spread apart instead of overlapping.
        let cats: Vec<String> = (0..14).map(|i| format!("类别{i}")).collect();
        let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
        let mut vals = vec![1.0; 13];
        vals.push(200.0);
        let c = chart(ChartKind::Pie, &cats, &[("x", &vals)]);
        let h = chart_height(&c, 442.2);
        let s = scene(&c, 442.2, h, &measure);
        assert_eq!(texts(&s).len(), 14);
        assert_no_overlap(&s);
    }

    #[test]
    fn chart_height_follows_the_content() {
        let w = 442.2;
        let bar = chart(ChartKind::Bar, &["甲", "乙"], &[("a", &[1.0, 2.0])]);
        let pie = chart(
            ChartKind::Pie,
            &["甲", "乙", "丙"],
            &[("a", &[1.0, 2.0, 3.0])],
        );
        let (hb, hp) = (chart_height(&bar, w), chart_height(&pie, w));
        // The old fixed box was 0.55 of the width (243 pt).
        assert!(hp < 190.0 && hp > 120.0, "pie {hp}");
        assert!(hb < 243.0 && hb > 150.0, "bar {hb}");
        // More legend rows, a taller chart; more pie labels than the disc is high, taller.
        let names: Vec<String> = (0..12).map(|i| format!("很长的系列名称{i}")).collect();
        let series: Vec<(&str, &[f64])> = names
            .iter()
            .map(|n| (n.as_str(), &[1.0, 2.0][..]))
            .collect();
        let many = chart(ChartKind::Stacked, &["甲", "乙"], &series);
        assert!(chart_height(&many, w) >= hb + 2.0 * LEGEND_PITCH);
        let cats: Vec<String> = (0..30).map(|i| format!("类{i}")).collect();
        let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
        let big = chart(ChartKind::Pie, &cats, &[("x", &[1.0; 30])]);
        assert!(chart_height(&big, w) >= 15.0 * PIE_PITCH);
        // Nothing to draw: a small notice box.
        assert_eq!(chart_height(&Chart::default(), w), 60.0);
    }

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

    /// LibreOffice wraps a category label wider than about 95% of its band: a label the
    /// PDF sets on one line must be narrower, or the DOCX shows it on two while the PDF
    /// shows one (the seed's 西北一路 at 8.5 pt reached into its neighbours' bands in the
    /// PDF and wrapped in the DOCX). Every line of every label fits [`WRAP_FRACTION`] of
    /// its `step` bands; the seed's names are at 8 pt, 西北一路 on two lines as in the DOCX.
    #[test]
    fn every_label_line_fits_where_word_and_libreoffice_wrap() {
        let w = 442.2;
        let residents = [
            6368.0, 6788.0, 6496.0, 6935.0, 10182.0, 5993.0, 7877.0, 7194.0, 10303.0, 7751.0,
            5656.0, 215.0,
        ];
        let seed = chart(ChartKind::Bar, &SHORTS, &[("常住人口", &residents)]);
        let l = bar_labels(&seed, w);
        assert_eq!((l.category_pt, l.lines, l.step), (MIN_LABEL_PT, 2, 1));
        let labels = category_labels(&seed, w);
        assert_eq!(labels[10].1, ["西北一", "路"]);
        assert!(labels.iter().filter(|l| l.1.len() == 1).count() == 11);
        let names = long_names(30);
        for n in [6, 12, 30] {
            let cats: Vec<&str> = names[..n].iter().map(String::as_str).collect();
            for c in [
                seed.clone(),
                chart(ChartKind::Bar, &cats, &[("a", &vec![1.0; n])]),
            ] {
                let l = bar_labels(&c, w);
                for (_, lines) in category_labels(&c, w) {
                    for line in lines {
                        let lw = estimate_width(&line, l.category_pt);
                        assert!(
                            lw <= l.band * l.step as f32 * WRAP_FRACTION + 1e-3,
                            "{line}: {lw} pt in {} bands of {} pt",
                            l.step,
                            l.band
                        );
                    }
                }
            }
        }
    }

    /// The DOCX's legend box (`legend_box`) is where the PDF draws the legend: below the
    /// unit note, above the plot, as many rows as the scene draws.
    #[test]
    fn the_legend_box_lies_between_the_unit_note_and_the_plot() {
        let w = 442.2;
        let names: Vec<String> = (0..10).map(|i| format!("系列{i}")).collect();
        let series: Vec<(&str, &[f64])> = names
            .iter()
            .map(|n| (n.as_str(), &[1.0, 2.0][..]))
            .collect();
        let c = chart(ChartKind::Stacked, &["甲", "乙"], &series);
        let h = chart_height(&c, w);
        let [_, y, _, bh] = legend_box(&c, w).unwrap();
        let plot = plot_area(&c, w, h);
        assert!(y >= 10.0 + 2.0, "below the unit note's baseline: {y}");
        assert!(
            y + bh <= plot[1],
            "above the plot: {} > {}",
            y + bh,
            plot[1]
        );
        // The scene's legend entries (the names) lie inside the box.
        let s = scene(&c, w, h, &measure);
        for (_, t) in texts(&s).iter().filter(|(_, t)| t.starts_with("系列")) {
            let (ty, size) = s
                .shapes
                .iter()
                .find_map(|sh| match sh {
                    Shape::Text { y, size, text, .. } if text == t => Some((*y, *size)),
                    _ => None,
                })
                .unwrap();
            assert!(ty - size >= y - 0.01 && ty <= y + bh, "{t} at {ty}");
        }
        assert!(legend_box(&chart(ChartKind::Bar, &["甲"], &[("a", &[1.0])]), w).is_none());
    }
}
