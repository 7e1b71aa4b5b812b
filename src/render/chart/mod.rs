//! Charts: a chart directive becomes a neutral vector scene — rectangles, lines, filled
//! paths (arcs as Béziers) and positioned text — that both backends draw: the PDF as
//! vectors with its fonts; the DOCX draws the same chart natively (see
//! `render::docx::chart`) from the same decisions: palette, ticks, label sizes, pie labels
//! and `chart_height`.
//!
//! Coordinates are points, origin at the top left, y growing downwards.

use crate::doc::{Chart, ChartKind};
use crate::number;

mod axes;
mod bars;
mod hatch;
mod labels;
mod legend;
mod pies;
pub use axes::*;
use bars::*;
use hatch::*;
pub use labels::*;
pub use legend::*;
pub use pies::*;

#[cfg(test)]
mod pie_tests;
#[cfg(test)]
mod tests;

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
/// Text, axes and leader lines: near-black.
pub const INK: Rgb = [0x20, 0x20, 0x20];
/// Grid lines and the no-data box: light grey.
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
    /// A filled square.
    Square,
    /// A filled diamond (a square on its corner).
    Diamond,
    /// A filled triangle, point up.
    Triangle,
    /// A filled circle.
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
        /// The path's points (x, y), pt from the scene's top left.
        points: Vec<(f32, f32)>,
        /// One per point: whether it belongs to a cubic Bézier segment.
        bezier: Vec<bool>,
        /// Fill colour.
        color: Rgb,
    },
    /// A stroked polyline.
    Line {
        /// The line's points (x, y), pt from the scene's top left.
        points: Vec<(f32, f32)>,
        /// Stroke width, pt.
        width: f32,
        /// Stroke colour.
        color: Rgb,
    },
    /// Text whose left edge is at `x`, baseline at `y`.
    Text {
        /// Left edge, pt from the scene's left.
        x: f32,
        /// Baseline, pt from the scene's top.
        y: f32,
        /// Type size, pt.
        size: f32,
        /// The text as printed.
        text: String,
        /// What the text is, which picks its font.
        role: TextRole,
        /// Text colour.
        color: Rgb,
    },
}

/// A chart laid out in a `width` × `height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// The box's width, pt.
    pub width: f32,
    /// The box's height, pt.
    pub height: f32,
    /// The shapes in drawing order (later ones over earlier ones).
    pub shapes: Vec<Shape>,
}

/// Measures text: (text, size in pt) → width in pt.
pub type Measure<'a> = &'a dyn Fn(&str, f32) -> f32;

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

/// Whether `chart` has anything to draw: a category and, in a pie, a positive value; in a
/// bar, stacked or line chart any finite value (zeros are data: a chart at 0, attacker
/// finding F7, issue 18). Both backends decide "无数据" by it.
pub fn has_data(chart: &Chart) -> bool {
    let any = |f: &dyn Fn(f64) -> bool| {
        chart
            .series
            .iter()
            .flat_map(|se| se.values.iter())
            .any(|v| v.is_some_and(|x| x.is_finite() && f(x)))
    };
    !chart.categories.is_empty()
        && !chart.series.is_empty()
        && match chart.kind {
            ChartKind::Pie => any(&|x| x > 0.0),
            _ => any(&|_| true),
        }
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
