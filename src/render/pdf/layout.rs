//! Page layout: the Document as positioned text and rules on A4 pages (GB/T 9704 preset).

use super::fonts::{FontIdx, FontSet, Role};
use super::linebreak::break_lines;
use crate::doc::{Align, Block, Document, Run, Table, TableCell};

/// 1 mm in points.
pub const MM: f32 = 72.0 / 25.4;

/// The page geometry and type sizes of the `gbt9704` preset.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub page_w: f32,
    pub page_h: f32,
    pub top: f32,
    pub bottom: f32,
    pub left: f32,
    pub right: f32,
    pub body: f32,
    pub pitch: f32,
    pub title: f32,
    pub table: f32,
    pub folio: f32,
}

impl Preset {
    pub fn gbt9704() -> Preset {
        Preset {
            page_w: 210.0 * MM,
            page_h: 297.0 * MM,
            top: 37.0 * MM,
            bottom: 35.0 * MM,
            left: 28.0 * MM,
            right: 26.0 * MM,
            body: 16.0,
            // 22 lines on the 225 mm text block.
            pitch: 225.0 * MM / 22.0,
            title: 22.0,
            table: 12.0,
            folio: 14.0,
        }
    }

    pub fn text_width(&self) -> f32 {
        self.page_w - self.left - self.right
    }
}

/// Something drawn on a page. `y` is the baseline, measured from the page's bottom edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text {
        x: f32,
        y: f32,
        size: f32,
        font: FontIdx,
        /// Extra space after each character (PDF `Tc`), for justification.
        tc: f32,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
}

/// A heading's entry in the PDF outline.
#[derive(Debug, Clone)]
pub struct Bookmark {
    pub title: String,
    pub page: usize,
    pub level: u8,
}

pub struct Layout {
    pub pages: Vec<Page>,
    pub bookmarks: Vec<Bookmark>,
    /// Characters no font could draw.
    pub missing: Vec<char>,
}

/// Characters of a paragraph with their roles and advances.
struct Line<'a> {
    chars: &'a [char],
    roles: &'a [Role],
    widths: &'a [f32],
}

struct Typesetter<'f> {
    fonts: &'f FontSet,
    p: Preset,
    pages: Vec<Page>,
    /// Distance of the cursor from the page top.
    y: f32,
    bookmarks: Vec<Bookmark>,
    missing: Vec<char>,
    tables: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum HAlign {
    Justify,
    Left,
    Center,
    Right,
}

impl<'f> Typesetter<'f> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.p.top;
    }

    fn limit(&self) -> f32 {
        self.p.page_h - self.p.bottom
    }

    fn room(&self) -> f32 {
        self.limit() - self.y
    }

    fn shape(&mut self, runs: &[Run], role: Role, size: f32) -> (Vec<char>, Vec<Role>, Vec<f32>) {
        let mut chars = Vec::new();
        let mut roles = Vec::new();
        let mut widths = Vec::new();
        for r in runs {
            let role = if r.bold && role == Role::Body {
                Role::Title
            } else {
                role
            };
            for c in r.text.chars() {
                let c = if c == '\n' || c == '\t' { ' ' } else { c };
                if self.fonts.resolve(role, c).is_none() && c != ' ' && !self.missing.contains(&c) {
                    self.missing.push(c);
                }
                chars.push(c);
                roles.push(role);
                widths.push(if c == ' ' {
                    size * 0.3
                } else {
                    self.fonts.advance(role, c, size)
                });
            }
        }
        (chars, roles, widths)
    }

    /// Emit one line's characters at baseline `base` (from the top), `x0` … `x0 + width`.
    #[allow(clippy::too_many_arguments)]
    fn set_line(
        &mut self,
        l: &Line,
        range: std::ops::Range<usize>,
        x0: f32,
        width: f32,
        size: f32,
        base: f32,
        align: HAlign,
    ) {
        let mut end = range.end;
        while end > range.start && l.chars[end - 1] == ' ' {
            end -= 1;
        }
        let natural: f32 = l.widths[range.start..end].iter().sum();
        let n = end - range.start;
        let (mut x, tc) = match align {
            HAlign::Justify if n > 1 => (
                x0,
                ((width - natural) / (n - 1) as f32).clamp(-size * 0.1, size),
            ),
            HAlign::Center => (x0 + (width - natural) / 2.0, 0.0),
            HAlign::Right => (x0 + width - natural, 0.0),
            _ => (x0, 0.0),
        };
        let y = self.p.page_h - base;
        let mut i = range.start;
        while i < end {
            let font = self.fonts.resolve(l.roles[i], l.chars[i]).map(|f| f.0);
            let mut j = i + 1;
            while j < end && self.fonts.resolve(l.roles[j], l.chars[j]).map(|f| f.0) == font {
                j += 1;
            }
            let run_w: f32 = l.widths[i..j].iter().sum::<f32>() + tc * (j - i) as f32;
            if let Some(font) = font {
                let text: String = l.chars[i..j].iter().collect();
                self.page().items.push(Item::Text {
                    x,
                    y,
                    size,
                    font,
                    tc,
                    text,
                });
            }
            x += run_w;
            i = j;
        }
    }

    /// Baseline of a line box of height `pitch` starting at `top`, for type of `size`.
    fn baseline(top: f32, pitch: f32, size: f32) -> f32 {
        top + (pitch - size) / 2.0 + size * 0.88
    }

    /// Lay out a paragraph with pagination: no single orphan or widow line.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        runs: &[Run],
        role: Role,
        size: f32,
        pitch: f32,
        indent: f32,
        align: HAlign,
    ) {
        let (chars, roles, widths) = self.shape(runs, role, size);
        if chars.is_empty() {
            return;
        }
        let w = self.p.text_width();
        let ranges = break_lines(&chars, &widths, w - indent, w);
        let line = Line {
            chars: &chars,
            roles: &roles,
            widths: &widths,
        };
        let total = ranges.len();
        let mut k = 0;
        while k < total {
            let fit = (self.room() / pitch + 1e-3).floor().max(0.0) as usize;
            let remaining = total - k;
            let mut take = remaining.min(fit);
            if take < remaining {
                // Widow: never carry a paragraph's last line alone to the next page.
                if remaining - take == 1 && take >= 3 {
                    take -= 1;
                }
                // Orphan: never leave a paragraph's first line alone at the foot.
                if k == 0 && take == 1 {
                    take = 0;
                }
            }
            if take == 0 {
                if self.y <= self.p.top + 0.01 {
                    take = remaining.min(fit.max(1));
                } else {
                    self.new_page();
                    continue;
                }
            }
            self.place_lines(
                &line,
                &ranges[k..k + take],
                size,
                pitch,
                indent,
                align,
                k,
                total,
            );
            k += take;
            if k < total {
                self.new_page();
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn place_lines(
        &mut self,
        l: &Line,
        ranges: &[std::ops::Range<usize>],
        size: f32,
        pitch: f32,
        indent: f32,
        align: HAlign,
        first_index: usize,
        total: usize,
    ) {
        for (i, r) in ranges.iter().enumerate() {
            let idx = first_index + i;
            let x0 = self.p.left + if idx == 0 { indent } else { 0.0 };
            let width = self.p.text_width() - if idx == 0 { indent } else { 0.0 };
            let a = if align == HAlign::Justify && idx + 1 == total {
                HAlign::Left
            } else {
                align
            };
            let base = Self::baseline(self.y, pitch, size);
            self.set_line(l, r.clone(), x0, width, size, base, a);
            self.y += pitch;
        }
    }

    fn title(&mut self, doc: &Document) {
        let size = self.p.title;
        let pitch = size * 1.5;
        let runs = [Run::plain(doc.meta.title.clone())];
        let (chars, roles, widths) = self.shape(&runs, Role::Title, size);
        let w = self.p.text_width();
        let total: f32 = widths.iter().sum();
        let ranges = if total <= w {
            std::iter::once(0..chars.len()).collect()
        } else {
            balanced_title_lines(&chars, &widths, w)
        };
        let line = Line {
            chars: &chars,
            roles: &roles,
            widths: &widths,
        };
        for r in ranges {
            let base = Self::baseline(self.y, pitch, size);
            self.set_line(&line, r, self.p.left, w, size, base, HAlign::Center);
            self.y += pitch;
        }
        if let Some(sub) = &doc.meta.subtitle {
            let runs = [Run::plain(sub.clone())];
            self.paragraph(
                &runs,
                Role::Kai,
                self.p.body,
                self.p.pitch,
                0.0,
                HAlign::Center,
            );
        }
        self.y += self.p.pitch;
    }

    fn block(&mut self, b: &Block) {
        let (body, pitch) = (self.p.body, self.p.pitch);
        match b {
            Block::Heading {
                level,
                number,
                runs,
                ..
            } => {
                let role = match level {
                    1 => Role::Hei,
                    2 => Role::Kai,
                    _ => Role::Body,
                };
                let mut all = Vec::new();
                if let Some(n) = number {
                    all.push(Run::plain(n.clone()));
                }
                all.extend(runs.iter().cloned());
                let title: String = all.iter().map(|r| r.text.as_str()).collect();
                // Keep with next: the heading and two lines of what follows.
                if self.room() < pitch * 3.0 {
                    self.new_page();
                }
                self.bookmarks.push(Bookmark {
                    title,
                    page: self.pages.len().max(1),
                    level: *level,
                });
                self.paragraph(&all, role, body, pitch, body * 2.0, HAlign::Left);
            }
            Block::Paragraph(runs) => {
                self.paragraph(runs, Role::Body, body, pitch, body * 2.0, HAlign::Justify)
            }
            Block::List { ordered, items } => {
                for (i, item) in items.iter().enumerate() {
                    let marker = if *ordered {
                        format!("{}. ", i + 1)
                    } else {
                        "• ".to_string()
                    };
                    for (j, b) in item.iter().enumerate() {
                        match b {
                            Block::Paragraph(runs) if j == 0 => {
                                let mut all = vec![Run::plain(marker.clone())];
                                all.extend(runs.iter().cloned());
                                self.paragraph(
                                    &all,
                                    Role::Body,
                                    body,
                                    pitch,
                                    body * 2.0,
                                    HAlign::Justify,
                                );
                            }
                            other => self.block(other),
                        }
                    }
                }
            }
            Block::Quote(inner) => {
                for b in inner {
                    self.block(b);
                }
            }
            Block::Table(t) => self.table(t),
            Block::PageBreak => self.new_page(),
        }
    }

    fn cell_lines(
        &mut self,
        cell: &TableCell,
        width: f32,
        size: f32,
    ) -> (Vec<char>, Vec<Role>, Vec<f32>, Vec<std::ops::Range<usize>>) {
        let role = if cell.bold { Role::Hei } else { Role::Body };
        let (c, r, w) = self.shape(&[Run::plain(cell.text.clone())], role, size);
        let ranges = if c.is_empty() {
            Vec::new()
        } else {
            break_lines(&c, &w, width, width)
        };
        (c, r, w, ranges)
    }

    fn table(&mut self, t: &Table) {
        self.tables += 1;
        let size = self.p.table;
        let lh = size * 1.4;
        let pad_x = 4.0;
        let pad_y = 4.0;
        let cols = t.columns.max(1) as usize;
        let tw = self.p.text_width();
        let weights: Vec<f32> = if t.widths.len() == cols {
            t.widths.clone()
        } else {
            vec![1.0; cols]
        };
        let sum: f32 = weights.iter().sum::<f32>().max(1.0);
        let colw: Vec<f32> = weights.iter().map(|w| w / sum * tw).collect();
        let mut xs = vec![self.p.left];
        for w in &colw {
            let last = xs.last().copied().unwrap_or(0.0);
            xs.push(last + w);
        }

        // Every row of head, body and foot, placed on the grid, with heights.
        let sections = [(&t.head, true), (&t.body, false), (&t.foot, false)];
        let mut rows: Vec<(bool, Vec<(usize, TableCell)>)> = Vec::new();
        for (rows_in, head) in sections {
            for r in t.place(rows_in) {
                let r = r
                    .into_iter()
                    .map(|(c, mut cell)| {
                        if head {
                            cell.bold = true;
                        }
                        (c, cell)
                    })
                    .collect();
                rows.push((head, r));
            }
        }
        let mut heights = vec![lh + 2.0 * pad_y; rows.len()];
        let mut spans: Vec<(usize, usize, f32)> = Vec::new(); // (row, rowspan, needed)
        for (ri, (_, cells)) in rows.iter().enumerate() {
            for (c, cell) in cells {
                let span = (cell.colspan.max(1) as usize).min(cols - c);
                let w = colw[*c..c + span].iter().sum::<f32>() - 2.0 * pad_x;
                let (_, _, _, ranges) = self.cell_lines(cell, w, size);
                let need = ranges.len().max(1) as f32 * lh + 2.0 * pad_y;
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
        // Rows bound together by row spans form blocks that never split across pages.
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
        let head_h: f32 = heights[..head_rows].iter().sum();

        // Caption, unit note, header and the first block stay together.
        let cap_h = if t.caption.is_some() {
            self.p.pitch
        } else {
            0.0
        };
        let note_h = if t.unit_note.is_some() { lh } else { 0.0 };
        let first_block: f32 = if head_rows < rows.len() {
            heights[head_rows..block_end[head_rows]].iter().sum()
        } else {
            0.0
        };
        if self.room() < cap_h + note_h + head_h + first_block {
            self.new_page();
        }
        if let Some(c) = &t.caption {
            let text = format!("表{}　{}", self.tables, c);
            self.paragraph(
                &[Run::plain(text)],
                Role::Hei,
                14.0,
                self.p.pitch,
                0.0,
                HAlign::Center,
            );
        }
        if let Some(u) = &t.unit_note {
            let (c, r, w) = self.shape(&[Run::plain(u.clone())], Role::Body, size);
            let n = c.len();
            let l = Line {
                chars: &c,
                roles: &r,
                widths: &w,
            };
            let base = Self::baseline(self.y, lh, size);
            self.set_line(&l, 0..n, self.p.left, tw, size, base, HAlign::Right);
            self.y += lh;
        }
        let mut ri = 0;
        let mut on_page_start = true;
        while ri < rows.len() {
            let end = if ri < head_rows {
                head_rows
            } else {
                block_end[ri]
            };
            let h: f32 = heights[ri..end].iter().sum();
            if !on_page_start && self.room() < h {
                self.new_page();
                // Repeat the header rows on the new page.
                if ri >= head_rows {
                    self.draw_rows(&rows, &heights, 0..head_rows, &xs, &colw, size, lh, pad_x);
                }
            }
            self.draw_rows(&rows, &heights, ri..end, &xs, &colw, size, lh, pad_x);
            on_page_start = false;
            ri = end;
        }
        if let Some(s) = &t.source_note {
            self.paragraph(
                &[Run::plain(s.clone())],
                Role::Body,
                size,
                lh,
                0.0,
                HAlign::Left,
            );
        }
        self.y += self.p.pitch * 0.5;
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_rows(
        &mut self,
        rows: &[(bool, Vec<(usize, TableCell)>)],
        heights: &[f32],
        range: std::ops::Range<usize>,
        xs: &[f32],
        colw: &[f32],
        size: f32,
        lh: f32,
        pad_x: f32,
    ) {
        let top0 = self.y;
        let mut top = top0;
        let cols = colw.len();
        for ri in range.clone() {
            for (c, cell) in &rows[ri].1 {
                let span = (cell.colspan.max(1) as usize).min(cols - c);
                let rspan = (cell.rowspan.max(1) as usize).min(range.end - ri);
                let h: f32 = heights[ri..ri + rspan].iter().sum();
                let (x1, x2) = (xs[*c], xs[c + span]);
                let (y1, y2) = (self.p.page_h - top, self.p.page_h - top - h);
                let page = self.page();
                for (a, b, cc, d) in [
                    (x1, y1, x2, y1),
                    (x1, y2, x2, y2),
                    (x1, y1, x1, y2),
                    (x2, y1, x2, y2),
                ] {
                    page.items.push(Item::Rule {
                        x1: a,
                        y1: b,
                        x2: cc,
                        y2: d,
                        width: 0.5,
                    });
                }
                let w = x2 - x1 - 2.0 * pad_x;
                let (chars, roles, widths, ranges) = self.cell_lines(cell, w, size);
                let text_h = ranges.len() as f32 * lh;
                let mut line_top = top + (h - text_h) / 2.0;
                let align = match cell.align {
                    Align::Left => HAlign::Left,
                    Align::Center => HAlign::Center,
                    Align::Right => HAlign::Right,
                };
                let l = Line {
                    chars: &chars,
                    roles: &roles,
                    widths: &widths,
                };
                for r in ranges {
                    let base = Self::baseline(line_top, lh, size);
                    self.set_line(&l, r, x1 + pad_x, w, size, base, align);
                    line_top += lh;
                }
            }
            top += heights[ri];
        }
        self.y = top;
    }

    fn folios(&mut self) {
        let n = self.pages.len();
        let size = self.p.folio;
        for i in 0..n {
            let runs = [Run::plain(format!("— {} —", i + 1))];
            let (c, r, w) = self.shape(&runs, Role::Body, size);
            let len = c.len();
            let l = Line {
                chars: &c,
                roles: &r,
                widths: &w,
            };
            // 7 mm below the text block.
            let base = self.p.page_h - self.p.bottom + 7.0 * MM + size * 0.88;
            let keep = self.pages.len();
            let items = std::mem::take(&mut self.pages[i].items);
            self.pages.push(Page { items: Vec::new() });
            self.set_line(
                &l,
                0..len,
                self.p.left,
                self.p.text_width(),
                size,
                base,
                HAlign::Center,
            );
            let folio = self.pages.pop().map(|p| p.items).unwrap_or_default();
            debug_assert_eq!(keep, self.pages.len());
            self.pages[i].items = items;
            self.pages[i].items.extend(folio);
        }
    }
}

/// Break a long title into lines of similar length, preferring the spaces between its
/// phrases, so a word such as 现代化 is never split.
fn balanced_title_lines(chars: &[char], widths: &[f32], w: f32) -> Vec<std::ops::Range<usize>> {
    let n = chars.len();
    let total: f32 = widths.iter().sum();
    let best = crate::render::phrase_break(chars, widths, w);
    match best {
        Some(i) => vec![0..i, i..n],
        None => {
            // No phrase boundary works: balance by target width.
            let lines = break_lines(chars, widths, w, w).len().max(1) as f32;
            break_lines(chars, widths, (total / lines).max(w * 0.5) + 1.0, w)
        }
    }
}

/// Lay out `doc` on pages.
pub fn layout(doc: &Document, fonts: &FontSet, preset: Preset) -> Layout {
    let mut ts = Typesetter {
        fonts,
        p: preset,
        pages: vec![Page::default()],
        y: preset.top,
        bookmarks: Vec::new(),
        missing: Vec::new(),
        tables: 0,
    };
    ts.title(doc);
    for b in &doc.blocks {
        ts.block(b);
    }
    ts.folios();
    Layout {
        pages: ts.pages,
        bookmarks: ts.bookmarks,
        missing: ts.missing,
    }
}
