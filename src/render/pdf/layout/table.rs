//! Tables: column widths from content, merged cells, rows kept whole (a row taller than a
//! page is continued on the next), header rows repeated on every page, caption and unit
//! note kept with the table.

use std::ops::Range;

use super::{HAlign, Item, Para, Shaped, Typesetter};
use crate::doc::{Align, Run, Table, TableCell, TableRules};
use crate::render::pdf::fonts::Role;

const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 4.0;

/// A cell of a row drawn in pieces: left and right edges, the cell, its text and lines.
type SplitCell = (f32, f32, TableCell, Shaped, Vec<Range<usize>>);

/// A table prepared for drawing: grid, rows with heights, unsplittable row blocks.
struct Grid {
    three_line: bool,
    xs: Vec<f32>,
    /// (is header, cells with their grid column).
    rows: Vec<(bool, Vec<(usize, TableCell)>)>,
    heights: Vec<f32>,
    /// For each row, the end of the block of rows bound to it by row spans.
    block_end: Vec<usize>,
    head_rows: usize,
}

/// The four rules around a cell from `x1` to `x2`, `y1` (top) to `y2` (PDF coordinates).
fn cell_box(x1: f32, x2: f32, y1: f32, y2: f32) -> [Item; 4] {
    let rule = |(a, b, c, d): (f32, f32, f32, f32)| Item::Rule {
        x1: a,
        y1: b,
        x2: c,
        y2: d,
        width: 0.5,
    };
    [
        rule((x1, y1, x2, y1)),
        rule((x1, y2, x2, y2)),
        rule((x1, y1, x1, y2)),
        rule((x2, y1, x2, y2)),
    ]
}

fn halign(a: Align) -> HAlign {
    match a {
        Align::Left => HAlign::Left,
        Align::Center => HAlign::Center,
        Align::Right => HAlign::Right,
    }
}

impl Typesetter<'_> {
    fn table_size(&self) -> (f32, f32) {
        (self.p.table, self.p.table * 1.4)
    }

    fn cell_text(&mut self, cell: &TableCell, width: f32) -> (Shaped, Vec<Range<usize>>) {
        let role = if cell.bold { Role::Hei } else { Role::Body };
        let (size, _) = self.table_size();
        let s = self.shape(&cell.runs, role, size);
        let ranges = if s.chars.is_empty() {
            Vec::new()
        } else {
            super::break_forced(&s, width, width)
        };
        (s, ranges)
    }

    fn grid(&mut self, t: &Table) -> Grid {
        let (_, lh) = self.table_size();
        let cols = t.columns.max(1) as usize;
        let tw = self.p.text_width();
        let weights: Vec<f32> = if t.widths.len() == cols {
            t.widths.clone()
        } else {
            vec![1.0; cols]
        };
        let sum: f32 = weights.iter().sum::<f32>().max(1.0);
        let mut xs = vec![self.p.left];
        for w in &weights {
            let last = xs.last().copied().unwrap_or(0.0);
            xs.push(last + w / sum * tw);
        }
        let mut rows: Vec<(bool, Vec<(usize, TableCell)>)> = Vec::new();
        for (part, head) in [(&t.head, true), (&t.body, false), (&t.foot, false)] {
            for r in t.place(part) {
                let r = r
                    .into_iter()
                    .map(|(c, mut cell)| {
                        cell.bold |= head;
                        (c, cell)
                    })
                    .collect();
                rows.push((head, r));
            }
        }
        let mut heights = vec![lh + 2.0 * PAD_Y; rows.len()];
        let mut spans: Vec<(usize, usize, f32)> = Vec::new();
        for ri in 0..rows.len() {
            for (c, cell) in rows[ri].1.clone() {
                let span = (cell.colspan.max(1) as usize).min(cols - c);
                let w = xs[c + span] - xs[c] - 2.0 * PAD_X;
                let (_, ranges) = self.cell_text(&cell, w);
                let need = ranges.len().max(1) as f32 * lh + 2.0 * PAD_Y;
                if cell.rowspan <= 1 {
                    heights[ri] = heights[ri].max(need);
                } else {
                    spans.push((ri, cell.rowspan as usize, need));
                }
            }
        }
        for (ri, span, need) in spans {
            let end = (ri + span).min(rows.len());
            let have: f32 = heights[ri..end].iter().sum();
            if have < need {
                heights[end - 1] += need - have;
            }
        }
        let mut block_end = vec![0usize; rows.len()];
        let mut i = 0;
        while i < rows.len() {
            let mut end = i + 1;
            let mut k = i;
            while k < end {
                for (_, cell) in &rows[k].1 {
                    end = end.max(k + cell.rowspan.max(1) as usize).min(rows.len());
                }
                k += 1;
            }
            for b in block_end.iter_mut().take(end).skip(i) {
                *b = end;
            }
            i = end;
        }
        let head_rows = rows.iter().take_while(|(h, _)| *h).count();
        Grid {
            three_line: t.rules == TableRules::ThreeLine,
            xs,
            rows,
            heights,
            block_end,
            head_rows,
        }
    }

    pub(super) fn table(&mut self, t: &Table) {
        let (size, lh) = self.table_size();
        let g = self.grid(t);
        let head_h: f32 = g.heights[..g.head_rows].iter().sum();
        // Caption, unit note, header and the first block of rows stay together.
        let cap_h = if t.caption.is_some() {
            self.p.pitch
        } else {
            0.0
        };
        let note_h = if t.unit_note.is_some() { lh } else { 0.0 };
        let first: f32 = if g.head_rows < g.rows.len() {
            g.heights[g.head_rows..g.block_end[g.head_rows]]
                .iter()
                .sum()
        } else {
            0.0
        };
        if self.room() < cap_h + note_h + head_h + first && !self.at_page_top() {
            self.new_page();
        }
        if let Some(label) = t.label() {
            let st = self.centred(Role::Hei, 14.0, self.p.pitch);
            self.paragraph(&[Run::plain(label)], st);
        }
        if let Some(u) = &t.unit_note {
            let s = self.shape(&[Run::plain(u.clone())], Role::Body, size);
            let base = Self::baseline(self.y, lh, size);
            let items = self.line_items(
                &s,
                0..s.chars.len(),
                self.p.left,
                self.p.text_width(),
                size,
                base,
                HAlign::Right,
            );
            self.page().items.extend(items);
            self.y += lh;
        }
        let mut ri = 0;
        let mut first_block = true;
        let mut segment_top = self.y;
        while ri < g.rows.len() {
            let end = if ri < g.head_rows {
                g.head_rows
            } else {
                g.block_end[ri]
            };
            let h: f32 = g.heights[ri..end].iter().sum();
            // A lone row taller than a page (a very long cell) cannot be kept whole: it is
            // continued across pages, header repeated.
            let page = self.p.page_h - self.p.top - self.p.bottom - head_h;
            if end == ri + 1 && ri >= g.head_rows && h > page {
                if !first_block && self.room() < lh * 2.0 + 2.0 * PAD_Y {
                    self.three_line_frame(&g, segment_top);
                    self.new_page();
                    segment_top = self.y;
                    self.draw_rows(&g, 0..g.head_rows);
                }
                segment_top = self.split_row(&g, ri, segment_top);
                first_block = false;
                ri = end;
                continue;
            }
            if !first_block && self.room() < h {
                self.three_line_frame(&g, segment_top);
                self.new_page();
                segment_top = self.y;
                // Repeat the header rows on the new page.
                if ri >= g.head_rows {
                    self.draw_rows(&g, 0..g.head_rows);
                }
            }
            self.draw_rows(&g, ri..end);
            first_block = false;
            ri = end;
        }
        self.three_line_frame(&g, segment_top);
        if let Some(s) = &t.source_note {
            let st = Para {
                role: Role::Body,
                size,
                pitch: lh,
                first: 0.0,
                left: 0.0,
                right: 0.0,
                align: HAlign::Left,
            };
            self.paragraph(&[Run::plain(s.clone())], st);
        }
        self.y += self.p.pitch * 0.5;
    }

    /// Draw row `ri` in pieces, as many lines of every cell as fit on each page, the header
    /// rows repeated above each continuation. Returns the top of the table's part on the
    /// last page.
    fn split_row(&mut self, g: &Grid, ri: usize, mut segment_top: f32) -> f32 {
        let (size, lh) = self.table_size();
        let cols = g.xs.len() - 1;
        let cells: Vec<SplitCell> = g.rows[ri]
            .1
            .iter()
            .map(|(c, cell)| {
                let span = (cell.colspan.max(1) as usize).min(cols - c);
                let (x1, x2) = (g.xs[*c], g.xs[c + span]);
                let (s, ranges) = self.cell_text(cell, x2 - x1 - 2.0 * PAD_X);
                (x1, x2, cell.clone(), s, ranges)
            })
            .collect();
        let total = cells.iter().map(|c| c.4.len()).max().unwrap_or(0);
        let mut done = 0;
        loop {
            let fit =
                (((self.room() - 2.0 * PAD_Y) / lh).floor().max(1.0) as usize).min(total - done);
            let h = fit as f32 * lh + 2.0 * PAD_Y;
            let top = self.y;
            let (mut items, mut notes) = (Vec::new(), Vec::new());
            for (x1, x2, cell, s, ranges) in &cells {
                if !g.three_line {
                    items.extend(cell_box(
                        *x1,
                        *x2,
                        self.p.page_h - top,
                        self.p.page_h - top - h,
                    ));
                }
                let align = halign(cell.align);
                let mut line_top = top + PAD_Y;
                for r in ranges.iter().skip(done).take(fit) {
                    notes.extend(s.notes_in(r));
                    let base = Self::baseline(line_top, lh, size);
                    items.extend(self.line_items(
                        s,
                        r.clone(),
                        x1 + PAD_X,
                        x2 - x1 - 2.0 * PAD_X,
                        size,
                        base,
                        align,
                    ));
                    line_top += lh;
                }
            }
            self.page().items.extend(items);
            self.add_notes(notes);
            self.y = top + h;
            done += fit;
            if done >= total {
                return segment_top;
            }
            self.three_line_frame(g, segment_top);
            self.new_page();
            segment_top = self.y;
            self.draw_rows(g, 0..g.head_rows);
        }
    }

    /// 三线表: the heavy rules above and below the part of the table on this page.
    fn three_line_frame(&mut self, g: &Grid, top: f32) {
        if !g.three_line {
            return;
        }
        let (x1, x2) = (g.xs[0], g.xs[g.xs.len() - 1]);
        for y in [top, self.y] {
            let y = self.p.page_h - y;
            self.page().items.push(Item::Rule {
                x1,
                y1: y,
                x2,
                y2: y,
                width: 1.5,
            });
        }
    }

    fn draw_rows(&mut self, g: &Grid, range: Range<usize>) {
        let (size, lh) = self.table_size();
        let cols = g.xs.len() - 1;
        let mut top = self.y;
        let (mut items, mut notes) = (Vec::new(), Vec::new());
        for ri in range.clone() {
            for (c, cell) in &g.rows[ri].1 {
                let span = (cell.colspan.max(1) as usize).min(cols - c);
                let rspan = (cell.rowspan.max(1) as usize).min(range.end - ri);
                let h: f32 = g.heights[ri..ri + rspan].iter().sum();
                let (x1, x2) = (g.xs[*c], g.xs[c + span]);
                let (y1, y2) = (self.p.page_h - top, self.p.page_h - top - h);
                if !g.three_line {
                    items.extend(cell_box(x1, x2, y1, y2));
                } else if ri + rspan == g.head_rows {
                    // The light rule under the header.
                    items.push(Item::Rule {
                        x1,
                        y1: y2,
                        x2,
                        y2,
                        width: 0.75,
                    });
                }
                let w = x2 - x1 - 2.0 * PAD_X;
                let (s, ranges) = self.cell_text(cell, w);
                let mut line_top = top + (h - ranges.len() as f32 * lh) / 2.0;
                let align = halign(cell.align);
                for r in ranges {
                    notes.extend(s.notes_in(&r));
                    let base = Self::baseline(line_top, lh, size);
                    items.extend(self.line_items(&s, r, x1 + PAD_X, w, size, base, align));
                    line_top += lh;
                }
            }
            top += g.heights[ri];
        }
        self.page().items.extend(items);
        self.add_notes(notes);
        self.y = top;
    }
}
