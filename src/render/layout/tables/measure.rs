//! Measuring a table: cell text, the grid of placed cells with their heights, the
//! segments a page break cuts it into, and the measured table with its caption and notes.

#[allow(unused_imports)]
use super::*;

impl Typesetter<'_> {
    /// How a table's unit note (right) and source note (left) are set: table type, one
    /// line pitch of a cell, no indent.
    pub(super) fn note_para(&self, align: HAlign) -> Para {
        let (size, pitch) = self.table_size();
        Para {
            role: Role::Body,
            size,
            pitch,
            first: 0.0,
            left: 0.0,
            right: 0.0,
            align,
        }
    }

    pub(super) fn table_size(&self) -> (f32, f32) {
        (self.p.table, TABLE_LINE)
    }

    /// Height of the text block (pt).
    pub(super) fn block_height(&self) -> f32 {
        self.p.page_h - self.p.top - self.p.bottom
    }

    pub(super) fn cell_text(
        &mut self,
        cell: &TableCell,
        width: f32,
    ) -> (Shaped, Vec<Range<usize>>) {
        let role = if cell.bold { Role::Hei } else { Role::Body };
        let (size, _) = self.table_size();
        let s = self.shape(&cell_runs(cell), role, size);
        let ranges = if s.chars.is_empty() {
            Vec::new()
        } else {
            break_forced(&s, width, width)
        };
        (s, ranges)
    }

    /// Left and right edges of a cell, and the width of its text.
    pub(super) fn cell_x(g: &Grid, c: &GCell) -> (f32, f32, f32) {
        let (x1, x2) = (g.xs[c.col], g.xs[c.col + c.cols]);
        (x1, x2, (x2 - x1 - 2.0 * PAD_X).max(0.0))
    }

    pub(super) fn grid_cell(
        &mut self,
        xs: &[f32],
        col: usize,
        rows: usize,
        cell: TableCell,
    ) -> GCell {
        let (_, lh) = self.table_size();
        let cols = (cell.colspan.max(1) as usize).min(xs.len() - 1 - col);
        let w = (xs[col + cols] - xs[col] - 2.0 * PAD_X).max(0.0);
        let (_, ranges) = self.cell_text(&cell, w);
        GCell {
            col,
            cols,
            rows,
            need: ranges.len().max(1) as f32 * lh + 2.0 * PAD_Y,
            cell,
            continued: false,
        }
    }

    pub(super) fn grid(&mut self, t: &Table) -> Grid {
        let (size, lh) = self.table_size();
        let cols = t.columns.max(1) as usize;
        let tw = self.p.text_width();
        let weights: Vec<f32> = if t.widths.len() == cols {
            t.widths.clone()
        } else {
            vec![1.0; cols]
        };
        let mut xs = vec![self.p.left];
        for w in column_widths(&weights, tw, size + 2.0 * PAD_X) {
            let last = xs.last().copied().unwrap_or(0.0);
            xs.push(last + w);
        }
        let mut rows: Vec<GRow> = Vec::new();
        for (part, cells) in [
            (RowPart::Head, &t.head),
            (RowPart::Body, &t.body),
            (RowPart::Foot, &t.foot),
        ] {
            let placed = t.place(cells);
            let n = placed.len();
            for (index, r) in placed.into_iter().enumerate() {
                let cells = r
                    .into_iter()
                    .filter(|(c, _)| *c < cols)
                    .map(|(c, mut cell)| {
                        cell.bold |= part == RowPart::Head;
                        // A span never reaches past its part of the table.
                        let span = (cell.rowspan.max(1) as usize).min(n - index);
                        self.grid_cell(&xs, c, span, cell)
                    })
                    .collect();
                rows.push(GRow { part, index, cells });
            }
        }
        let own: Vec<f32> = rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .filter(|c| c.rows == 1)
                    .map(|c| c.need)
                    .fold(lh + 2.0 * PAD_Y, f32::max)
            })
            .collect();
        let mut block_end = vec![0usize; rows.len()];
        let mut i = 0;
        while i < rows.len() {
            let mut end = i + 1;
            let mut k = i;
            while k < end {
                for c in &rows[k].cells {
                    end = end.max(k + c.rows).min(rows.len());
                }
                k += 1;
            }
            for b in block_end.iter_mut().take(end).skip(i) {
                *b = end;
            }
            i = end;
        }
        let head_rows = rows.iter().take_while(|r| r.part == RowPart::Head).count();
        Grid {
            three_line: t.rules == TableRules::ThreeLine,
            xs,
            rows,
            own,
            block_end,
            head_rows,
            continued: None,
            note_h: Vec::new(),
        }
    }

    /// Rows `rows` as drawn together, with `carried` (continued spanning cells) starting in
    /// the first of them: every spanning cell is clipped to the segment, and the segment's
    /// last row it covers grows until its content fits.
    pub(super) fn segment(g: &Grid, rows: Range<usize>, carried: &[GCell]) -> Segment {
        let start = rows.start;
        let len = rows.len();
        let mut cells: Vec<SegCell> = carried
            .iter()
            .map(|c| SegCell {
                row: start,
                rows: c.rows.min(len),
                g: c.clone(),
            })
            .collect();
        for r in rows.clone() {
            for c in &g.rows[r].cells {
                cells.push(SegCell {
                    row: r,
                    rows: c.rows.min(rows.end - r),
                    g: c.clone(),
                });
            }
        }
        let mut heights = g.own[rows.clone()].to_vec();
        for c in cells.iter().filter(|c| c.rows == 1) {
            let h = &mut heights[c.row - start];
            *h = h.max(c.g.need);
        }
        for c in cells.iter().filter(|c| c.rows > 1) {
            let (a, b) = (c.row - start, c.row - start + c.rows);
            let have: f32 = heights[a..b].iter().sum();
            if have < c.g.need {
                heights[b - 1] += c.g.need - have;
            }
        }
        Segment {
            rows,
            cells,
            heights,
        }
    }

    /// The spanning cells of `seg` that go on past row `end`, as they continue from it:
    /// their content with （续） appended.
    pub(super) fn continuations(&mut self, g: &Grid, seg: &Segment, end: usize) -> Vec<GCell> {
        let mut out = Vec::new();
        for c in &seg.cells {
            let last = c.row + c.g.rows;
            if last <= end || c.row >= end {
                continue;
            }
            let mut k = if c.g.continued {
                c.g.clone()
            } else {
                let cell = cell_with_suffix(&c.g.cell, CONTINUED);
                let mut k = self.grid_cell(&g.xs, c.g.col, 1, cell);
                k.continued = true;
                k
            };
            k.rows = last - end;
            out.push(k);
        }
        out
    }

    /// Measure `t`: its grid and the heights [`Self::table`] places it by.
    pub(super) fn measure(&mut self, t: &Table) -> Measured {
        let (size, lh) = self.table_size();
        let mut g = self.grid(t);
        let n = g.rows.len();
        // The header is repeated on every page unless it would leave too little room.
        let head_seg = Self::segment(&g, 0..g.head_rows, &[]);
        let head =
            (g.head_rows > 0 && head_seg.height() <= self.block_height() / 2.0).then_some(head_seg);
        let head_h = head.as_ref().map_or(0.0, Segment::height);
        let start = if head.is_some() { g.head_rows } else { 0 };
        // Caption and unit note as many lines as they take (either may be longer than a
        // page: then it breaks across pages like a paragraph).
        let lines = |ts: &mut Self, text: &str, role: Role, size: f32| {
            let s = ts.shape(&[Run::plain(text)], role, size);
            let w = ts.p.text_width();
            break_forced(&s, w, w).len() as f32
        };
        let cap_h = t
            .label()
            .map_or(0.0, |c| lines(self, &c, Role::Hei, 14.0) * self.p.pitch);
        // 续表N alone (one line whatever the caption's length); an unnumbered table's
        // continuation repeats only its header.
        g.continued = t.number.map(|n| format!("续表{n}"));
        let cont_h = g
            .continued
            .clone()
            .map_or(0.0, |c| lines(self, &c, Role::Hei, 14.0) * self.p.pitch);
        let note_h = t
            .unit_note
            .as_ref()
            .map_or(0.0, |u| lines(self, u, Role::Body, size) * lh);
        let src_h = t
            .source_note
            .as_ref()
            .map_or(0.0, |u| lines(self, u, Role::Body, size) * lh);
        let fresh = self.block_height() - head_h - cont_h;
        // The first rows that must start together: whole blocks until MIN_PART_ROWS rows;
        // of a first block taller than a page, its first MIN_PART_ROWS rows.
        let mut end = start;
        while end < n && end - start < MIN_PART_ROWS {
            end = g.block_end[end];
        }
        let first = if start < n {
            let rows = Self::segment(&g, start..end, &[]).height();
            if rows <= fresh {
                rows
            } else {
                // A first block taller than a page still starts with MIN_PART_ROWS of its
                // rows on this page (attacker finding F4, issue 18: never a first part of
                // one or two rows); only a few rows taller than a page need fewer.
                let k = (start + MIN_PART_ROWS).min(end);
                let part = Self::segment(&g, start..k, &[]).height();
                if part <= fresh {
                    part
                } else {
                    Self::segment(&g, start..start + 1, &[]).height().min(fresh)
                }
            }
        } else {
            0.0
        };
        let body = Self::segment(&g, start..n, &[]).height();
        let whole = cap_h + note_h + head_h + body + src_h;
        Measured {
            g,
            head,
            cap_h,
            note_h,
            cont_h,
            first: cap_h + note_h + head_h + first,
            whole,
        }
    }
}
