//! Tables: caption with a SEQ field, unit note, merged cells, header rows repeated on every
//! page (`w:tblHeader`, set by the normalisation pass), grid or three-line rules.

use docx_rs::{
    AlignmentType, BorderType, Docx, Paragraph, Table as DTable, TableBorder, TableBorderPosition,
    TableBorders, TableCell as DCell, TableCellBorder, TableCellBorderPosition, TableCellBorders,
    TableCellContent, TableCellMargins, TableRow, TableRowChild, VAlignType, VMergeType, WidthType,
};

use super::normalize::Node;
use super::Writer;
use crate::doc::{Align, Run, Table, TableRules};

impl Writer<'_> {
    /// A paragraph holding `runs` (footnote marks and line breaks included), aligned as the
    /// Document's cell says (numbers right): in the table heading style (黑体, as the PDF
    /// sets header and bold cells) when `heading`, else in the table text style.
    fn cell_paragraph(&mut self, runs: &[Run], align: Align, heading: bool) -> Paragraph {
        let align = match align {
            Align::Left => AlignmentType::Left,
            Align::Center => AlignmentType::Center,
            Align::Right => AlignmentType::Right,
        };
        let style = if heading { "TableHeading" } else { "TableText" };
        self.runs(Paragraph::new().style(style).align(align), runs)
    }
}

impl Writer<'_> {
    pub(super) fn table(&mut self, d: Docx, t: &Table) -> Docx {
        let mut d = d;
        if t.caption.is_some() {
            d = d.add_paragraph(super::caption("表", t.number, t.caption.as_deref()));
        }
        if let Some(u) = &t.unit_note {
            let p = self.cell_paragraph(&[Run::plain(u.as_str())], Align::Right, false);
            d = d.add_paragraph(p.keep_next(true));
        }
        // The text block: 210 − 28 − 26 = 156 mm, or a reference page's.
        let text_width = self.text_width;
        let cols = t.columns.max(1) as usize;
        let total: f32 = t.widths.iter().sum::<f32>().max(1.0);
        let grid: Vec<usize> = if t.widths.len() == cols {
            t.widths
                .iter()
                .map(|w| (w / total * text_width as f32) as usize)
                .collect()
        } else {
            vec![text_width / cols; cols]
        };
        let three_line = t.rules == TableRules::ThreeLine;
        let head_rows = t.head.len();
        let mut rows = Vec::new();
        for (part, is_head) in [(&t.head, true), (&t.body, false), (&t.foot, false)] {
            let placed = t.place(part);
            // Empty and merged-away cells take their row's style too.
            let text_style = if is_head { "TableHeading" } else { "TableText" };
            let last_row = placed.len().saturating_sub(1);
            // Grid positions still covered by a row span from above: (rows left, colspan).
            let mut pending: Vec<(u16, u16)> = vec![(0, 1); cols];
            for (ri, row) in placed.into_iter().enumerate() {
                let mut cells = Vec::new();
                let mut col = 0usize;
                let mut it = row.into_iter().peekable();
                while col < cols {
                    let mut c = if pending[col].0 > 0 {
                        let span = pending[col].1 as usize;
                        pending[col].0 -= 1;
                        let c = DCell::new()
                            .vertical_merge(VMergeType::Continue)
                            .add_paragraph(Paragraph::new().style(text_style));
                        col += span;
                        (c, span)
                    } else if let Some((pos, cell)) = it.next_if(|(p, _)| *p == col) {
                        let span = (cell.colspan.max(1) as usize).min(cols - pos);
                        let mut c = DCell::new()
                            .vertical_align(VAlignType::Center)
                            .add_paragraph(self.cell_paragraph(
                                &cell.runs,
                                cell.align,
                                cell.bold || is_head,
                            ));
                        if cell.rowspan > 1 {
                            c = c.vertical_merge(VMergeType::Restart);
                            pending[pos] = (cell.rowspan - 1, span as u16);
                        }
                        col += span;
                        (c, span)
                    } else {
                        col += 1;
                        (
                            DCell::new().add_paragraph(Paragraph::new().style(text_style)),
                            1,
                        )
                    };
                    let start = col - c.1;
                    c.0 = c.0.width(grid[start..col].iter().sum(), WidthType::Dxa);
                    if c.1 > 1 {
                        c.0 = c.0.grid_span(c.1);
                    }
                    if three_line && is_head && ri == last_row {
                        // The light rule under the header.
                        c.0 = c.0.set_borders(
                            TableCellBorders::with_empty().set(
                                TableCellBorder::new(TableCellBorderPosition::Bottom)
                                    .border_type(BorderType::Single)
                                    .size(6),
                            ),
                        );
                    }
                    cells.push(c.0);
                }
                rows.push(TableRow::new(cells).cant_split());
            }
        }
        // A table that fits on a page of its own is kept on one page (each row keeps with
        // the next, as the PDF never splits such a table); a longer one keeps its first
        // and last three rows together (the PDF's parts hold at least three rows).
        let keep = keep_rows(t, &grid, rows.len(), self.first_block);
        let rows: Vec<TableRow> = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| if keep(i) { keep_row(r) } else { r })
            .collect();
        let twips = |pt: f32| (pt * 20.0).round() as usize;
        let mut table = DTable::new(rows)
            .set_grid(grid.clone())
            .margins(
                TableCellMargins::new()
                    .margin_top(twips(crate::render::TABLE_PAD_Y), WidthType::Dxa)
                    .margin_bottom(twips(crate::render::TABLE_PAD_Y), WidthType::Dxa)
                    .margin_left(twips(crate::render::TABLE_PAD_X), WidthType::Dxa)
                    .margin_right(twips(crate::render::TABLE_PAD_X), WidthType::Dxa),
            )
            .align(docx_rs::TableAlignmentType::Center)
            .width(text_width, WidthType::Dxa);
        let rule = |pos, size| {
            TableBorder::new(pos)
                .border_type(BorderType::Single)
                .size(size)
        };
        table = if three_line {
            table.set_borders(
                TableBorders::with_empty()
                    .set(rule(TableBorderPosition::Top, 12))
                    .set(rule(TableBorderPosition::Bottom, 12)),
            )
        } else {
            table.set_borders(
                TableBorders::with_empty()
                    .set(rule(TableBorderPosition::Top, 4))
                    .set(rule(TableBorderPosition::Bottom, 4))
                    .set(rule(TableBorderPosition::Left, 4))
                    .set(rule(TableBorderPosition::Right, 4))
                    .set(rule(TableBorderPosition::InsideH, 4))
                    .set(rule(TableBorderPosition::InsideV, 4)),
            )
        };
        self.hints.table_header_rows.push(head_rows);
        d = d.add_table(table);
        if let Some(s) = &t.source_note {
            let p = self.cell_paragraph(&[Run::plain(s.as_str())], Align::Left, false);
            d = d.add_paragraph(p);
        }
        // The space after a table, as the PDF leaves it.
        d.add_paragraph(
            Paragraph::new()
                .line_spacing(super::styles::twips_exact(crate::render::TABLE_AFTER))
                .snap_to_grid(false),
        )
    }
}

/// Each cell paragraph of `row` keeps with the next paragraph (`w:keepNext`): Word, WPS
/// and LibreOffice then keep the row on the page of the row after it.
fn keep_row(row: TableRow) -> TableRow {
    let mut row = row;
    for c in &mut row.cells {
        let TableRowChild::TableCell(cell) = c;
        for p in &mut cell.children {
            if let TableCellContent::Paragraph(p) = p {
                p.property = p.property.clone().keep_next(true);
            }
        }
    }
    row
}

/// Which rows (by index, `n` rows in all) keep with the next: all but the last when the
/// table, measured as the PDF sets it (rows of [`crate::render::TABLE_LINE`] lines padded
/// by [`crate::render::TABLE_PAD_Y`], text widths by [`crate::doc::nominal_width`]), fits in
/// the text block; else the first three and the three before the last, so no part of a
/// split table holds fewer than three rows. A table right under the report's title
/// (`under_title`) is never carried away from it whole: it keeps as a long table does.
fn keep_rows(t: &Table, grid: &[usize], n: usize, under_title: bool) -> impl Fn(usize) -> bool {
    let line = crate::render::TABLE_LINE;
    let size = 12.0_f32;
    let cols = grid.len();
    let mut height = line * 2.0 + crate::render::TABLE_AFTER;
    for part in [&t.head, &t.body, &t.foot] {
        for row in t.place(part) {
            let lines = row
                .iter()
                .filter(|(c, _)| *c < cols)
                .map(|(c, cell)| {
                    let span = (cell.colspan.max(1) as usize).min(cols - c);
                    let w = grid[*c..c + span].iter().sum::<usize>() as f32 / 20.0
                        - 2.0 * crate::render::TABLE_PAD_X;
                    let text: String = cell.runs.iter().map(|r| r.text.as_str()).collect();
                    let ems = crate::doc::nominal_width(&text);
                    (ems * size / w.max(size)).ceil().max(1.0)
                })
                .fold(1.0_f32, f32::max);
            height += lines * line + 2.0 * crate::render::TABLE_PAD_Y;
        }
    }
    let fits = height <= super::page::TEXT_HEIGHT as f32 / 20.0 && !under_title;
    move |i| i + 1 < n && (fits || i < 2 || i + 3 >= n)
}

pub(super) fn mark_header_rows(root: &mut Node, counts: &[usize]) {
    let mut k = 0;
    root.visit(&mut |n| {
        if n.name != "w:tbl" {
            return;
        }
        let rows = counts.get(k).copied().unwrap_or(0);
        k += 1;
        for tr in n.elems_mut().filter(|e| e.name == "w:tr").take(rows) {
            let tr_pr = tr.ensure("w:trPr");
            if tr_pr.child_mut("w:tblHeader").is_none() {
                tr_pr.push(Node::new("w:tblHeader", ""));
            }
        }
    });
}
