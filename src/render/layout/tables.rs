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
mod draw;
mod measure;

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
    /// For each row, the footnote area its cells' notes need on a page of their own (pt;
    /// rule included, 0 for a row without notes): an upper bound of what the row adds to
    /// its page's footnotes: what [`Typesetter::plan_breaks`]
    /// reserves so that a planned part never runs into its page's footnotes.
    note_h: Vec<f32>,
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

impl Grid {
    /// The footnotes referenced in the cells of `rows`, in order, each once.
    fn notes(&self, rows: Range<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        for r in &self.rows[rows] {
            for c in &r.cells {
                for n in c.cell.runs.iter().filter_map(Run::note) {
                    if !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
        }
        out
    }

    /// The footnote area `rows` may add to a page at most (pt): see [`Grid::note_h`].
    fn notes_h(&self, rows: Range<usize>) -> f32 {
        self.note_h.get(rows).map_or(0.0, |h| h.iter().sum())
    }
}

impl Segment {
    /// The footnotes referenced in the segment's cells (what drawing it adds to the page).
    fn notes(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for c in &self.cells {
            for n in c.g.cell.runs.iter().filter_map(Run::note) {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }
}

impl Typesetter<'_> {
    /// Each row's footnote area bound ([`Grid::note_h`]): the separator rule and the
    /// lines of the notes its cells reference.
    fn row_notes_h(&self, g: &Grid) -> Vec<f32> {
        (0..g.rows.len())
            .map(|r| {
                let notes = g.notes(r..r + 1);
                if notes.is_empty() {
                    0.0
                } else {
                    self.notes_height(&notes)
                }
            })
            .collect()
    }

    /// The space left above the footnote area once `seg`'s own notes join the page (pt).
    fn room_for(&self, seg: &Segment) -> f32 {
        self.room_with(&seg.notes())
    }

    /// The body rows that must start on the table's first page: whole blocks until
    /// [`MIN_PART_ROWS`] rows (as [`Self::measure`] counts `Measured::first`).
    fn first_rows(g: &Grid, head: bool) -> Range<usize> {
        let start = if head { g.head_rows } else { 0 };
        let mut end = start;
        while end < g.rows.len() && end - start < MIN_PART_ROWS {
            end = g.block_end[end];
        }
        start..end
    }

    /// The height that must be free for `t` to start on this page: the whole table when
    /// it fits on a page of its own (it is split only when it does not), else its caption,
    /// header and first rows. What a heading before it keeps with (pt);
    /// `above` is what must stay on the page with it (a chain of headings): when the two
    /// together would not fit on a page, the table starts under them and is split instead.
    pub(super) fn table_start(&mut self, t: &Table, above: f32) -> f32 {
        let mut m = self.measure(t);
        m.g.note_h = self.row_notes_h(&m.g);
        let notes = |g: &Grid, rows: Range<usize>| {
            let ns = g.notes(rows);
            if ns.is_empty() {
                0.0
            } else {
                self.notes_height(&ns)
            }
        };
        let whole = m.whole + notes(&m.g, 0..m.g.rows.len());
        if above + whole <= self.block_height() + FIT_EPS {
            whole
        } else {
            m.first + notes(&m.g, Self::first_rows(&m.g, m.head.is_some()))
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
            let h = Self::segment(g, ri..end, &[]).height() + g.notes_h(ri..end);
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
                        || Self::segment(g, prev_start..n, &[]).height() + g.notes_h(prev_start..n)
                            > fresh + FIT_EPS
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
        let mut m = self.measure(t);
        m.g.note_h = self.row_notes_h(&m.g);
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
        // Footnotes referenced in the rows take their share of the page (issue 18 F16).
        let all_notes = g.notes(0..n);
        let whole_notes = if all_notes.is_empty() {
            0.0
        } else {
            self.notes_height(&all_notes)
        };
        let own_page = whole + whole_notes <= self.block_height() + FIT_EPS && !self.after_heading;
        let (need, need_notes) = if own_page {
            (whole, all_notes)
        } else {
            (first, g.notes(Self::first_rows(&g, head.is_some())))
        };
        if self.room_with(&need_notes) + FIT_EPS < need && !self.at_page_top() {
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
        if self.room_with(&need_notes) < first - cap_h - note_h - 0.01 && !self.at_page_top() {
            self.new_page();
        }
        // The plan reserves each noted row's footnote area (an upper bound: the placement
        // below checks the exact one, so a planned part always fits with its notes). A
        // table kept whole fits here with all its notes: no break to plan.
        let mut breaks = if own_page {
            Vec::new()
        } else {
            Self::plan_breaks(&g, start, self.room() - head_h, fresh)
        };
        let mut segment_top = self.y;
        if let Some(h) = &head {
            self.draw_segment(&g, h, tid, false);
        }
        let mut on_page = false;
        // Body rows of this table placed on the current page so far.
        let mut here = 0;
        let mut carried: Vec<GCell> = Vec::new();
        let mut ri = start;
        while ri < n {
            let end = g.block_end[ri];
            if on_page && carried.is_empty() && breaks.contains(&ri) {
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                here = 0;
            }
            let seg = Self::segment(&g, ri..end, &carried);
            // A block that fits here but leaves the table's last one or two rows (a
            // 平均/合计 row) to a page of their own gives its last rows to that page, as
            // long as this page's part keeps MIN_PART_ROWS (attacker finding F4).
            let rest = n - end;
            if seg.height() <= self.room_for(&seg) + 0.01
                && rest > 0
                && rest < MIN_PART_ROWS
                && seg.height() + Self::segment(&g, end..n, &[]).height() > self.room() + 0.01
            {
                let k = n - MIN_PART_ROWS;
                if k > ri && k < end && here + (k - ri) >= MIN_PART_ROWS {
                    let part = Self::segment(&g, ri..k, &carried);
                    self.draw_segment(&g, &part, tid, false);
                    carried = self.continuations(&g, &part, k);
                    segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                    breaks.retain(|&b| b <= k);
                    on_page = false;
                    here = 0;
                    ri = k;
                    continue;
                }
                // A block too short to give rows goes over whole with the tail, when this
                // page keeps MIN_PART_ROWS without it.
                if k <= ri && on_page && carried.is_empty() && here >= MIN_PART_ROWS {
                    segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                    breaks.retain(|&b| b <= ri);
                    on_page = false;
                    here = 0;
                    continue;
                }
            }
            if seg.height() <= self.room_for(&seg) + 0.01 {
                self.draw_segment(&g, &seg, tid, false);
                here += end - ri;
                carried.clear();
                on_page = true;
                ri = end;
                continue;
            }
            // A whole block that fits on a page moves to the next one.
            if on_page && carried.is_empty() && seg.height() + g.notes_h(ri..end) <= fresh + 0.01 {
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                here = 0;
                // The plan assumed this block fitted here: plan the rest from this page.
                breaks = Self::plan_breaks(&g, ri, self.room(), fresh);
                continue;
            }
            // A block taller than the space left is split at the last row boundary that
            // fits (rows are added while they fit: the cost is the rows of one page).
            let mut cut = None;
            for k in ri + 1..end {
                let s = Self::segment(&g, ri..k, &carried);
                if s.height() > self.room_for(&s) + 0.01 {
                    break;
                }
                cut = Some(s);
            }
            if let Some(mut part) = cut {
                // The table's last part keeps at least MIN_PART_ROWS rows: cut earlier when
                // fewer would be left over, as long as this page's part keeps as many.
                let left_over = n - part.rows.end;
                if left_over > 0 && left_over < MIN_PART_ROWS {
                    if let Some(k) = n.checked_sub(MIN_PART_ROWS) {
                        if k > ri && k < part.rows.end && here + (k - ri) >= MIN_PART_ROWS {
                            part = Self::segment(&g, ri..k, &carried);
                        }
                    }
                }
                let k = part.rows.end;
                self.draw_segment(&g, &part, tid, false);
                carried = self.continuations(&g, &part, k);
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                here = 0;
                ri = k;
                continue;
            }
            // Not even one row fits. A row that fits on a page starts on the next; a row
            // taller than a page starts here (if two lines fit) and continues line by line.
            let one = Self::segment(&g, ri..ri + 1, &carried);
            if on_page && (one.height() <= fresh + 0.01 || self.room() < 2.0 * lh + 2.0 * PAD_Y) {
                segment_top = self.table_page_break(&g, head.as_ref(), segment_top, tid);
                on_page = false;
                here = 0;
                continue;
            }
            segment_top = self.split_row(&g, &one, head.as_ref(), segment_top, tid);
            carried = self.continuations(&g, &one, ri + 1);
            here = 1;
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
}
