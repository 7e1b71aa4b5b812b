//! Category labels of bar, stacked and line charts: size, wrapping and skipping, decided once for both backends.

#[allow(unused_imports)]
use super::*;

/// How a bar, stacked or line chart labels its categories and values — decided once,
/// from the chart and its printed width, so both backends print the same labels.
///
/// The rule for category labels (both formats): horizontal, at [`LABEL_PT`] shrunk in
/// 0.5 pt steps down to [`MIN_LABEL_PT`] while one line per label does not fit; then
/// wrapped onto two lines; and when two lines still do not fit, every `step`-th category
/// is labelled, from the first (as Word's `c:tickLblSkip`), with the smallest step at
/// which the labels leave at least 2 pt between them. A label's line is no wider than
/// 93% of its `step` bands (`WRAP_FRACTION`, where LibreOffice wraps it).
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
pub(super) type Placed = Vec<(usize, Vec<(f32, String)>)>;

/// Gap left between two category labels, pt.
pub(super) const LABEL_GAP: f32 = 2.0;

/// `text` in at most `lines` lines no wider than `avail` pt at `size` (measured with
/// `measure`), broken between any two characters (Chinese has no spaces; a Latin name
/// breaks after its last space that fits, else anywhere). `None` when it does not fit;
/// with `ellipsis` the last line is cut and ends in "…" instead.
pub(super) fn wrap_label(
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
pub(super) fn place_categories(
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
pub(super) fn plot_left(ticks: &[f64], measure: Measure) -> f32 {
    ticks
        .iter()
        .map(|t| measure(&fmt_tick(*t), LABEL_PT))
        .fold(0.0, f32::max)
        + TICK_GAP
}

/// Gap between the value axis' tick labels and the plot, pt.
pub(super) const TICK_GAP: f32 = 4.0;

/// Room right of the plot, pt: none, the plot reaches the text block's right edge (the
/// last category's label stays inside its band).
pub(super) const PLOT_RIGHT: f32 = 0.0;

/// The share of a category's band a label's line may take: where LibreOffice wraps it,
/// less a margin. LibreOffice takes 5% off the distance between ticks
/// (`VCartesianAxis::createTextShapes`), draws the plot of the seed's 图1 0.8% narrower
/// than its `c:manualLayout` says and sets an 8 pt CJK character 8.05–8.10 pt wide (both
/// measured through pdftotext), so 0.95 × 0.992 / 1.012 ≈ 0.93. A label the PDF sets on
/// one line must fit it, or the DOCX would show it on two (the seed's 西北一路 at 8 pt in a
/// 34.3 pt band: two lines in both formats).
pub(super) const WRAP_FRACTION: f32 = 0.93;

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
pub(super) fn placed_categories(chart: &Chart, width: f32, measure: Measure) -> Placed {
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
