//! Drawing a table's parts: the page break inside a table (header repeated), the rows
//! of a segment, a row split across pages, and the three-line frame.

#[allow(unused_imports)]
use super::*;

impl Typesetter<'_> {
    /// Close the table's part on this page, start a new page and repeat the header there.
    /// Returns the top of the table's part on the new page.
    pub(super) fn table_page_break(
        &mut self,
        g: &Grid,
        head: Option<&Segment>,
        segment_top: f32,
        tid: usize,
    ) -> f32 {
        self.three_line_frame(g, segment_top);
        self.new_page();
        if let Some(label) = &g.continued {
            let st = self.centred(Role::Hei, 14.0, self.p.pitch);
            self.paragraph(&[Run::plain(label.clone())], st);
        }
        let top = self.y;
        if let Some(h) = head {
            self.draw_segment(g, h, tid, true);
        }
        top
    }

    /// Record that row `ri` of `g` was placed on this page from `top` to `bottom`.
    pub(super) fn mark_row(
        &mut self,
        g: &Grid,
        ri: usize,
        tid: usize,
        repeat: bool,
        top: f32,
        bottom: f32,
    ) {
        let r = &g.rows[ri];
        let mark = RowMark {
            table: tid,
            part: r.part,
            index: r.index,
            repeat,
            top,
            bottom,
        };
        self.page().rows.push(mark);
    }

    /// Draw row segment `seg` at the cursor; `repeat` marks a repeated header.
    pub(super) fn draw_segment(&mut self, g: &Grid, seg: &Segment, tid: usize, repeat: bool) {
        let (size, lh) = self.table_size();
        let top0 = self.y;
        let tops: Vec<f32> = seg
            .heights
            .iter()
            .scan(top0, |y, h| {
                let t = *y;
                *y += h;
                Some(t)
            })
            .collect();
        let (mut items, mut notes) = (Vec::new(), Vec::new());
        for c in &seg.cells {
            let a = c.row - seg.rows.start;
            let top = tops[a];
            let h: f32 = seg.heights[a..a + c.rows].iter().sum();
            let (x1, x2, w) = Self::cell_x(g, &c.g);
            let (y1, y2) = (self.p.page_h - top, self.p.page_h - top - h);
            if !g.three_line {
                items.extend(cell_box(x1, x2, y1, y2));
            } else if c.row + c.rows == g.head_rows {
                // The light rule under the header.
                items.push(Item::Rule {
                    x1,
                    y1: y2,
                    x2,
                    y2,
                    width: 0.75,
                });
            }
            let (s, ranges) = self.cell_text(&c.g.cell, w);
            let mut line_top = top + (h - ranges.len() as f32 * lh) / 2.0;
            let align = halign(c.g.cell.align);
            for r in ranges {
                let base = Self::baseline(line_top, lh, size);
                // A repeated header's notes were set with their first appearance.
                if !repeat {
                    notes.extend(s.notes_in(&r));
                }
                items.extend(self.line_items(&s, r, x1 + PAD_X, w, size, base, align));
                line_top += lh;
            }
        }
        self.page().items.extend(items);
        self.add_notes(notes);
        for (k, ri) in seg.rows.clone().enumerate() {
            let bottom = tops[k] + seg.heights[k];
            self.mark_row(g, ri, tid, repeat, tops[k], bottom);
        }
        self.y = top0 + seg.height();
    }

    /// Draw the one-row segment `seg` in pieces, as many lines of every cell as fit on each
    /// page, the header repeated above each continuation. Returns the top of the table's
    /// part on the last page.
    pub(super) fn split_row(
        &mut self,
        g: &Grid,
        seg: &Segment,
        head: Option<&Segment>,
        mut segment_top: f32,
        tid: usize,
    ) -> f32 {
        let (size, lh) = self.table_size();
        let ri = seg.rows.start;
        let cells: Vec<SplitCell> = seg
            .cells
            .iter()
            .map(|c| {
                let (x1, x2, w) = Self::cell_x(g, &c.g);
                let text = self.cell_text(&c.g.cell, w);
                // A spanning cell (a group label) whose lines are all drawn is drawn again,
                // continued, on the pages the row goes on to.
                let again = (c.g.rows > 1 || c.g.continued).then(|| {
                    let cell = if c.g.continued {
                        c.g.cell.clone()
                    } else {
                        cell_with_suffix(&c.g.cell, CONTINUED)
                    };
                    self.cell_text(&cell, w)
                });
                SplitCell {
                    x1,
                    x2,
                    align: c.g.cell.align,
                    text,
                    again,
                }
            })
            .collect();
        let total = cells
            .iter()
            .map(|c| c.text.1.len())
            .max()
            .unwrap_or(0)
            .max(1);
        // The first piece shows every spanning cell (a group label) whole, if it can.
        let fresh = self.block_height() - head.map_or(0.0, Segment::height);
        let per_page = ((fresh - 2.0 * PAD_Y) / lh).floor().max(1.0) as usize;
        let keep = cells
            .iter()
            .filter(|c| c.again.is_some())
            .map(|c| c.text.1.len())
            .max()
            .unwrap_or(0)
            .clamp(1, per_page);
        let mut done = 0;
        let mut piece = 0;
        loop {
            if piece == 0 && self.room() < keep as f32 * lh + 2.0 * PAD_Y && !self.at_page_top() {
                segment_top = self.table_page_break(g, head, segment_top, tid);
            }
            let avail = ((self.room() - 2.0 * PAD_Y) / lh).floor().max(1.0) as usize;
            let fit = avail.min(total - done);
            // A spanning cell drawn again is drawn whole, as far as the page allows.
            let again_lines = cells
                .iter()
                .filter(|c| done >= c.text.1.len())
                .filter_map(|c| c.again.as_ref().map(|a| a.1.len()))
                .max()
                .unwrap_or(0);
            let lines = fit.max(again_lines.min(avail));
            let h = lines as f32 * lh + 2.0 * PAD_Y;
            let top = self.y;
            let (mut items, mut notes) = (Vec::new(), Vec::new());
            for c in &cells {
                let (x1, x2) = (&c.x1, &c.x2);
                if !g.three_line {
                    items.extend(cell_box(
                        *x1,
                        *x2,
                        self.p.page_h - top,
                        self.p.page_h - top - h,
                    ));
                }
                let (s, lines) = match &c.again {
                    Some(again) if done >= c.text.1.len() => (&again.0, 0..lines),
                    _ => (&c.text.0, done..done + fit),
                };
                let ranges = match &c.again {
                    Some(again) if done >= c.text.1.len() => &again.1,
                    _ => &c.text.1,
                };
                let repeated = c.again.is_some() && done >= c.text.1.len();
                let mut line_top = top + PAD_Y;
                for r in ranges.iter().skip(lines.start).take(lines.len()) {
                    if !repeated {
                        notes.extend(s.notes_in(r));
                    }
                    let base = Self::baseline(line_top, lh, size);
                    items.extend(self.line_items(
                        s,
                        r.clone(),
                        x1 + PAD_X,
                        x2 - x1 - 2.0 * PAD_X,
                        size,
                        base,
                        halign(c.align),
                    ));
                    line_top += lh;
                }
            }
            self.page().items.extend(items);
            self.add_notes(notes);
            self.mark_row(g, ri, tid, piece > 0, top, top + h);
            self.y = top + h;
            done += fit;
            piece += 1;
            if done >= total {
                return segment_top;
            }
            segment_top = self.table_page_break(g, head, segment_top, tid);
        }
    }

    /// 三线表: the heavy rules above and below the part of the table on this page.
    pub(super) fn three_line_frame(&mut self, g: &Grid, top: f32) {
        if !g.three_line || self.y <= top {
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
}
