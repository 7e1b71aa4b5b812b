//! Tables: column widths from the table's weights (never narrower than one character),
//! merged cells, header rows repeated on every page, caption and unit note kept with the
//! table.
//!
//! Pagination. Rows bound together by row spans form a *block* (a `group_by` group and
//! its row-spanning label). A block is kept on one page when it fits on one; a block taller
//! than the space left is split at a row boundary: a spanning cell cut by the page break
//! ends with the page and is drawn again on the next page, with （续） appended, over the
//! rows it still spans. A single row taller than a page is continued line by line. No row
//! is ever drawn below the text block, and every row is placed exactly once; each placed
//! row is recorded in [`super::Page::rows`] so that tests can prove it.

use std::ops::Range;

use super::inline::{break_forced, HAlign, Para, Shaped};
use super::{Item, RowMark, RowPart, Typesetter, FIT_EPS};
use crate::doc::{Align, Run, Table, TableCell, TableRules};
use crate::render::pdf::fonts::Role;

use crate::render::{TABLE_AFTER, TABLE_LINE, TABLE_PAD_X as PAD_X, TABLE_PAD_Y as PAD_Y};
/// Appended to a spanning cell (a group label) drawn again on the page its rows continue on.
pub const CONTINUED: &str = "（续）";

/// The runs a cell's content is drawn from: the one place that knows how a cell holds it.
fn cell_runs(cell: &TableCell) -> Vec<Run> {
    cell.runs.clone()
}

/// `cell` with `suffix` appended to its content; an empty cell stays empty.
fn cell_with_suffix(cell: &TableCell, suffix: &str) -> TableCell {
    let mut c = cell.clone();
    if !c.text().trim().is_empty() {
        c.runs.push(Run::plain(suffix));
    }
    c
}

/// A cell of a row drawn in pieces: its edges, alignment, text with its lines, and the
/// text with its lines that it shows again once its own lines are drawn (spanning cells).
struct SplitCell {
    x1: f32,
    x2: f32,
    align: Align,
    text: (Shaped, Vec<Range<usize>>),
    again: Option<(Shaped, Vec<Range<usize>>)>,
}

/// A cell on the grid.
#[derive(Clone)]
struct GCell {
    /// First grid column and number of columns.
    col: usize,
    cols: usize,
    /// Rows spanned from the row it is drawn in (clipped to its part of the table).
    rows: usize,
    cell: TableCell,
    /// Height its content needs (pt), padding included.
    need: f32,
    /// A continuation: the content already carries [`CONTINUED`].
    continued: bool,
}

struct GRow {
    part: RowPart,
    /// Index of the row in its part of the [`Table`].
    index: usize,
    cells: Vec<GCell>,
}

/// A table prepared for drawing.
struct Grid {
    three_line: bool,
    /// Column edges, left to right (pt).
    xs: Vec<f32>,
    rows: Vec<GRow>,
    /// Height of each row from its own single-row cells (pt).
    own: Vec<f32>,
    /// For each row, the end of the block of rows bound to it by row spans.
    block_end: Vec<usize>,
    head_rows: usize,
    /// The caption drawn above each continuation ("续表N"), if the table is numbered.
    continued: Option<String>,
}

/// A table measured before it is placed: its grid and the heights that decide where it
/// starts and where it breaks (pt).
struct Measured {
    g: Grid,
    /// The header, repeated on every page (None when it would take over half a page).
    head: Option<Segment>,
    /// Caption, unit note, source note and the continuation caption.
    cap_h: f32,
    note_h: f32,
    cont_h: f32,
    /// The least that must start on the page: caption, unit note, header and the first
    /// rows (at least [`MIN_PART_ROWS`], whole blocks).
    first: f32,
    /// The whole table, caption to source note.
    whole: f32,
}

/// The fewest rows a part of a split table keeps on a page (issue 16: never one or two
/// rows at a page's foot or head).
pub(super) const MIN_PART_ROWS: usize = 3;

/// A cell as drawn in one segment.
struct SegCell {
    /// Grid row it starts in, and rows it covers in this segment.
    row: usize,
    rows: usize,
    g: GCell,
}

/// Rows of the grid drawn together on one page, with the heights they take there.
struct Segment {
    rows: Range<usize>,
    cells: Vec<SegCell>,
    heights: Vec<f32>,
}

impl Segment {
    fn height(&self) -> f32 {
        self.heights.iter().sum()
    }
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

/// Column widths (pt) for `weights` in `total`: proportional, but no column narrower than
/// `min` while the columns can all have it (otherwise equal widths).
fn column_widths(weights: &[f32], total: f32, min: f32) -> Vec<f32> {
    let n = weights.len().max(1);
    let weights: Vec<f32> = weights
        .iter()
        .map(|w| if w.is_finite() && *w > 0.0 { *w } else { 1.0 })
        .collect();
    if weights.len() != n || min * n as f32 > total {
        return vec![total / n as f32; n];
    }
    let mut fixed = vec![false; n];
    loop {
        let nfixed = fixed.iter().filter(|f| **f).count() as f32;
        let free_w = total - min * nfixed;
        let free_sum: f32 = weights
            .iter()
            .zip(&fixed)
            .filter(|(_, f)| !**f)
            .map(|(w, _)| w)
            .sum();
        let widths: Vec<f32> = weights
            .iter()
            .zip(&fixed)
            .map(|(w, f)| if *f { min } else { w / free_sum * free_w })
            .collect();
        let mut more = false;
        for (f, w) in fixed.iter_mut().zip(&widths) {
            if !*f && *w < min {
                *f = true;
                more = true;
            }
        }
        if !more {
            return widths;
        }
    }
}

impl Typesetter<'_> {
    /// How a table's unit note (right) and source note (left) are set: table type, one
    /// line pitch of a cell, no indent.
    fn note_para(&self, align: HAlign) -> Para {
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

    fn table_size(&self) -> (f32, f32) {
        (self.p.table, TABLE_LINE)
    }

    /// Height of the text block (pt).
    fn block_height(&self) -> f32 {
        self.p.page_h - self.p.top - self.p.bottom
    }

    fn cell_text(&mut self, cell: &TableCell, width: f32) -> (Shaped, Vec<Range<usize>>) {
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
    fn cell_x(g: &Grid, c: &GCell) -> (f32, f32, f32) {
        let (x1, x2) = (g.xs[c.col], g.xs[c.col + c.cols]);
        (x1, x2, (x2 - x1 - 2.0 * PAD_X).max(0.0))
    }

    fn grid_cell(&mut self, xs: &[f32], col: usize, rows: usize, cell: TableCell) -> GCell {
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

    fn grid(&mut self, t: &Table) -> Grid {
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
        }
    }

    /// Rows `rows` as drawn together, with `carried` (continued spanning cells) starting in
    /// the first of them: every spanning cell is clipped to the segment, and the segment's
    /// last row it covers grows until its content fits.
    fn segment(g: &Grid, rows: Range<usize>, carried: &[GCell]) -> Segment {
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
    fn continuations(&mut self, g: &Grid, seg: &Segment, end: usize) -> Vec<GCell> {
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
    fn measure(&mut self, t: &Table) -> Measured {
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
        // a first block taller than a page needs only its first row here.
        let mut end = start;
        while end < n && end - start < MIN_PART_ROWS {
            end = g.block_end[end];
        }
        let first = if start < n {
            let rows = Self::segment(&g, start..end, &[]).height();
            if rows <= fresh {
                rows
            } else {
                Self::segment(&g, start..start + 1, &[]).height().min(fresh)
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

    /// The height that must be free for `t` to start on this page: the whole table when
    /// it fits on a page of its own (it is split only when it does not), else its caption,
    /// header and first rows. What a heading before it keeps with (pt);
    /// `above` is what must stay on the page with it (a chain of headings): when the two
    /// together would not fit on a page, the table starts under them and is split instead.
    pub(super) fn table_start(&mut self, t: &Table, above: f32) -> f32 {
        let m = self.measure(t);
        if above + m.whole <= self.block_height() + FIT_EPS {
            m.whole
        } else {
            m.first
        }
    }

    /// The rows before which a page break falls when `g`'s body (rows `start..`, blocks
    /// of `g.block_end`) is set from a page with `room` left, later pages holding `fresh`:
    /// greedy, then the last part is given at least [`MIN_PART_ROWS`] rows by moving the
    /// last break back while the part before keeps as many. A block taller than a page
    /// ends the plan there (the layout splits it row by row).
    fn plan_breaks(g: &Grid, start: usize, room: f32, fresh: f32) -> Vec<usize> {
        let n = g.rows.len();
        let mut breaks = Vec::new();
        let mut left = room;
        let mut part_start = start;
        let mut ri = start;
        while ri < n {
            let end = g.block_end[ri];
            let h = Self::segment(g, ri..end, &[]).height();
            if h > fresh + FIT_EPS {
                break;
            }
            if h > left + FIT_EPS && ri > part_start {
                breaks.push(ri);
                part_start = ri;
                left = fresh;
            }
            left -= h;
            ri = end;
        }
        if ri == n {
            if let Some(&last) = breaks.last() {
                let before = breaks.len().checked_sub(2).map_or(start, |k| breaks[k]);
                let mut b = last;
                // Move the break back a block at a time while the last part is short, the
                // part before keeps enough rows and the last part still fits a page.
                while n - b < MIN_PART_ROWS {
                    // The first row of the block that ends at the break.
                    let Some(prev_start) = (before..b).find(|&r| g.block_end[r] == b) else {
                        break;
                    };
                    if prev_start - before < MIN_PART_ROWS
                        || Self::segment(g, prev_start..n, &[]).height() > fresh + FIT_EPS
                    {
                        break;
                    }
                    b = prev_start;
                }
                if let Some(l) = breaks.last_mut() {
                    *l = b;
                }
            }
        }
        breaks
    }

    pub(super) fn table(&mut self, t: &Table) {
        let (_, lh) = self.table_size();
        let m = self.measure(t);
        self.tables += 1;
        let tid = self.tables;
        let Measured {
            g,
            head,
            cap_h,
            note_h,
            cont_h,
            first,
            whole,
            ..
        } = m;
        let n = g.rows.len();
        let head_h = head.as_ref().map_or(0.0, Segment::height);
        let start = if head.is_some() { g.head_rows } else { 0 };
        let fresh = self.block_height() - head_h - cont_h;
        // A table that fits on a page of its own is never split; a longer one starts
        // here when its caption, header and first rows fit.
        // Right under a heading, the heading's keep-with-next has already made room for
        // as much as can go with it: the table is never carried away from its heading.
        let own_page = whole <= self.block_height() + FIT_EPS && !self.after_heading;
        let need = if own_page { whole } else { first };
        if self.room() + FIT_EPS < need && !self.at_page_top() {
            self.new_page();
        }
        if let Some(label) = t.label() {
            let st = self.centred(Role::Hei, 14.0, self.p.pitch);
            self.paragraph(&[Run::plain(label)], st);
        }
        if let Some(u) = &t.unit_note {
            let st = self.note_para(HAlign::Right);
            self.paragraph(&[Run::plain(u.clone())], st);
        }
        // A caption or unit note too long to stay with the table leaves the header and
        // first rows on the next page rather than below the text block.
        if self.room() < first - cap_h - note_h - 0.01 && !self.at_page_top() {
            self.new_page();
        }
        let breaks = Self::plan_breaks(&g, start, self.room() - head_h, fresh);
        let mut segment_top = self.y;
        if let Some(h) = &head {
            self.draw_segment(&g, h, tid, false);
        }
        let mut on_page = false;
        let mut carried: Vec<GCell> = Vec::new();
        let mut ri = start;
        while ri < n {
            let end = g.block_end[ri];
            if on_page && carried.is_empty() && breaks.contains(&ri) {
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
            }
            let seg = Self::segment(&g, ri..end, &carried);
            if seg.height() <= self.room() + 0.01 {
                self.draw_segment(&g, &seg, tid, false);
                carried.clear();
                on_page = true;
                ri = end;
                continue;
            }
            // A whole block that fits on a page moves to the next one.
            if on_page && carried.is_empty() && seg.height() <= fresh + 0.01 {
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                continue;
            }
            // A block taller than the space left is split at the last row boundary that
            // fits (rows are added while they fit: the cost is the rows of one page).
            let room = self.room() + 0.01;
            let mut cut = None;
            for k in ri + 1..end {
                let s = Self::segment(&g, ri..k, &carried);
                if s.height() > room {
                    break;
                }
                cut = Some(s);
            }
            if let Some(part) = cut {
                let k = part.rows.end;
                self.draw_segment(&g, &part, tid, false);
                carried = self.continuations(&g, &part, k);
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                ri = k;
                continue;
            }
            // Not even one row fits. A row that fits on a page starts on the next; a row
            // taller than a page starts here (if two lines fit) and continues line by line.
            let one = Self::segment(&g, ri..ri + 1, &carried);
            if on_page && (one.height() <= fresh + 0.01 || self.room() < 2.0 * lh + 2.0 * PAD_Y) {
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                continue;
            }
            segment_top = self.split_row(&g, &one, head.as_ref(), segment_top, tid);
            carried = self.continuations(&g, &one, ri + 1);
            on_page = true;
            ri += 1;
        }
        self.three_line_frame(&g, segment_top);
        if let Some(s) = &t.source_note {
            let st = self.note_para(HAlign::Left);
            self.paragraph(&[Run::plain(s.clone())], st);
        }
        self.y += TABLE_AFTER;
    }

    /// Close the table's part on this page, start a new page and repeat the header there.
    /// Returns the top of the table's part on the new page.
    fn table_page_break(
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
    fn mark_row(&mut self, g: &Grid, ri: usize, tid: usize, repeat: bool, top: f32, bottom: f32) {
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
    fn draw_segment(&mut self, g: &Grid, seg: &Segment, tid: usize, repeat: bool) {
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
    fn split_row(
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
    fn three_line_frame(&mut self, g: &Grid, top: f32) {
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
