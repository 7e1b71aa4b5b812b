//! The legend of multi-series charts: its rows, its box (shared with the DOCX) and its drawing.

#[allow(unused_imports)]
use super::*;

/// A legend's rows: series indices packed greedily into rows no wider than `width`.
pub(super) fn legend_rows(
    names: &[String],
    width: f32,
    size: f32,
    measure: Measure,
) -> Vec<Vec<usize>> {
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
pub(super) const LEGEND_PITCH: f32 = LABEL_PT * 1.5;

/// The legend's box of a bar, stacked or line chart of more than one series in a `width`
/// × `height` box: `[x, y, w, h]` from the top left, pt — the full width, from below the
/// unit note down over the legend rows the PDF draws (`legend_rows` estimated with
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

/// The legend across the top, in rows of swatches and series names, each row centred;
/// the first row's baseline at `y`.
/// A line chart's keys are a stretch of the series' line with its marker (as Word and
/// LibreOffice draw them); other charts' are swatches of the series' fill.
pub(super) fn legend(s: &mut Scene, names: &[String], y: f32, line: bool, measure: Measure) {
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
