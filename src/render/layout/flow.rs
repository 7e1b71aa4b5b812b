//! Flow: blocks placed down the pages — paragraphs with widow and orphan control, headings
//! kept with what follows, lists, quotations, the title — and page breaks between them.

use std::ops::Range;

use super::inline::{balanced_title_lines, break_forced, HAlign, Para, Shaped};
use super::linebreak::break_lines;
use super::{Bookmark, Typesetter, FIT_EPS};
use crate::doc::{Block, Document, Run};
use crate::render::pdf::fonts::Role;

impl Typesetter<'_> {
    /// Lay out a paragraph line by line: footnotes go to the foot of the page that holds
    /// their mark; no single first line at a page's foot (orphan) and no single last line
    /// at the head of the next (widow).
    pub(super) fn paragraph(&mut self, runs: &[Run], st: Para) {
        let s = self.shape(runs, st.role, st.size);
        if s.chars.is_empty() {
            return;
        }
        let w = self.p.text_width() - st.left - st.right;
        let ranges = break_forced(&s, w - st.first, w);
        self.set_paragraph(&s, &ranges, st);
    }

    /// A heading: one line, or two broken at a phrase boundary, never inside a word.
    pub(super) fn heading(&mut self, runs: &[Run], st: Para) {
        let (s, ranges) = self.heading_lines(runs, st);
        self.set_paragraph(&s, &ranges, st);
    }

    /// A heading's shaped text and its lines (see [`Self::heading`]).
    fn heading_lines(&mut self, runs: &[Run], st: Para) -> (Shaped, Vec<Range<usize>>) {
        let s = self.shape(runs, st.role, st.size);
        let w = self.p.text_width() - st.left - st.right;
        let n = s.chars.len();
        let ranges = if s.chars.contains(&'\n') {
            break_forced(&s, w - st.first, w)
        } else if s.widths.iter().sum::<f32>() <= w - st.first {
            std::iter::once(0..n).collect()
        } else {
            match crate::render::phrase_break(&s.chars, &s.widths, w - st.first, w) {
                Some(i) => vec![0..i, i..n],
                None => break_lines(&s.chars, &s.widths, w - st.first, w),
            }
        };
        (s, ranges)
    }

    /// A heading block's runs (its number first) and how it is set.
    fn heading_parts(&self, level: u8, number: &Option<String>, runs: &[Run]) -> (Vec<Run>, Para) {
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
        let st = Para {
            role,
            align: HAlign::Left,
            ..self.body_para()
        };
        (all, st)
    }

    /// The height a heading keeps with (pt): its own lines, those of every heading that
    /// directly follows it, and the start of the first other block — two lines of a
    /// paragraph, a table's start ([`Self::table_start`]), a whole chart — so a heading
    /// never ends a page, also when the next block is another heading.
    fn keep_height<'b>(&mut self, blocks: impl Iterator<Item = &'b Block>) -> f32 {
        let pitch = self.p.pitch;
        let page = self.p.page_h - self.p.top - self.p.bottom;
        let mut h = 0.0;
        for b in blocks {
            // A chain taller than a page cannot be kept together: stop measuring.
            if h > page {
                break;
            }
            match b {
                Block::Heading {
                    level,
                    number,
                    runs,
                    ..
                } => {
                    let (all, st) = self.heading_parts(*level, number, runs);
                    h += self.heading_lines(&all, st).1.len() as f32 * pitch;
                    continue;
                }
                Block::Paragraph(runs) => {
                    let body = self.body_para();
                    let s = self.shape(runs, body.role, body.size);
                    let w = self.p.text_width();
                    let lines = break_forced(&s, w - body.first, w).len().clamp(1, 2);
                    h += lines as f32 * pitch;
                }
                Block::List { .. } | Block::Quote(_) => h += 2.0 * pitch,
                Block::Table(t) => h += self.table_start(t, h),
                Block::Chart(c) => h += self.chart_height(c),
                Block::PageBreak => {}
            }
            return h;
        }
        // Headings with nothing after them keep with the 落款 that ends the report.
        h + self.closing_h
    }

    /// Place the lines `ranges` of `s` as a paragraph.
    pub(super) fn set_paragraph(&mut self, s: &Shaped, ranges: &[Range<usize>], st: Para) {
        let w = self.p.text_width() - st.left - st.right;
        let total = ranges.len();
        let mut on_this_page = 0;
        for (k, r) in ranges.iter().enumerate() {
            let notes = s.notes_in(r);
            let fits = |ts: &Self, lines: f32| ts.room_with(&notes) >= st.pitch * lines - 0.01;
            let fits_tail = |ts: &Self, lines: f32, tail: f32| {
                ts.room_with(&notes) + FIT_EPS >= st.pitch * lines + tail
            };
            let mut new_page = !fits(self, 1.0);
            // Orphan: the first line alone at the foot, with more to come.
            if k == 0 && total > 1 && !fits(self, 2.0) {
                new_page = true;
            }
            // Widow: the last line alone on the next page; carry the one before with it.
            if k + 2 == total && on_this_page >= 2 && fits(self, 1.0) && !fits(self, 2.0) {
                new_page = true;
            }
            // Keep with the 落款 (`self.tail`): when the rest of the paragraph fits here
            // but not with the 落款 after it, carry its last lines over — two, so no widow,
            // or all of it rather than leave its first line alone (an orphan).
            if self.tail > 0.0 && !new_page {
                let page = self.p.page_h - self.p.top - self.p.bottom;
                let rest = (total - k) as f32;
                if fits(self, rest) && !fits_tail(self, rest, self.tail) {
                    let mut carry_from = total - 1;
                    if total >= 2 {
                        carry_from = total - 2;
                    }
                    if carry_from == 1 {
                        carry_from = 0;
                    }
                    let carried = (total - carry_from) as f32 * st.pitch + self.tail;
                    if carry_from <= k && carried <= page + FIT_EPS {
                        new_page = true;
                    }
                }
            }
            if new_page && !self.at_page_top() {
                self.new_page();
                on_this_page = 0;
            }
            let x0 = self.p.left + st.left + if k == 0 { st.first } else { 0.0 };
            let width = w - if k == 0 { st.first } else { 0.0 };
            let forced = s.chars.get(r.end) == Some(&'\n');
            let align = if st.align == HAlign::Justify && (k + 1 == total || forced) {
                HAlign::Left
            } else {
                st.align
            };
            let base = Self::baseline(self.y, st.pitch, st.size);
            let items = self.line_items(s, r.clone(), x0, width, st.size, base, align);
            let page = self.page();
            page.items.extend(items);
            for n in notes {
                if !page.notes.contains(&n) {
                    page.notes.push(n);
                }
            }
            self.y += st.pitch;
            on_this_page += 1;
        }
    }

    pub(super) fn body_para(&self) -> Para {
        Para {
            role: Role::Body,
            size: self.p.body,
            pitch: self.p.pitch,
            first: self.grid_pitch() * 2.0,
            left: 0.0,
            right: 0.0,
            align: HAlign::Justify,
        }
    }

    pub(super) fn centred(&self, role: Role, size: f32, pitch: f32) -> Para {
        Para {
            role,
            size,
            pitch,
            first: 0.0,
            left: 0.0,
            right: 0.0,
            align: HAlign::Center,
        }
    }

    /// The title (二号 小标宋, centred, balanced lines) and the subtitle under it; both
    /// break across pages like paragraphs when longer than the text block.
    pub(super) fn title(&mut self, doc: &Document) {
        let size = self.p.title;
        let pitch = size * 1.5;
        let s = self.shape(&[Run::plain(doc.meta.title.clone())], Role::Title, size);
        let w = self.p.text_width();
        let total: f32 = s.widths.iter().sum();
        let ranges = if total <= w {
            std::iter::once(0..s.chars.len()).collect()
        } else {
            balanced_title_lines(&s.chars, &s.widths, w)
        };
        // Like any paragraph: a title taller than the page continues on the next page
        // (with no orphan or widow line), never drawn past the foot of the text block.
        let st = self.centred(Role::Title, size, pitch);
        self.set_paragraph(&s, &ranges, st);
        if let Some(sub) = &doc.meta.subtitle {
            let st = self.centred(Role::Kai, self.p.body, self.p.pitch);
            self.paragraph(&[Run::plain(sub.clone())], st);
        }
        self.y += self.p.pitch;
    }

    /// Place block `b`; `next` are the blocks after it (what a heading keeps with).
    pub(super) fn block(&mut self, b: &Block, next: &[Block]) {
        self.place(b, next);
        self.after_heading = matches!(b, Block::Heading { .. });
    }

    fn place(&mut self, b: &Block, next: &[Block]) {
        let body = self.body_para();
        match b {
            Block::Heading {
                level,
                number,
                runs,
                ..
            } => {
                let (all, st) = self.heading_parts(*level, number, runs);
                let title: String = all
                    .iter()
                    .filter(|r| r.note().is_none())
                    .map(|r| if r.is_break() { " " } else { r.text.as_str() })
                    .collect();
                // Keep with next (the chain of headings and the next block's start), unless
                // even a fresh page could not hold it all.
                // The first heading of a chain decides for the chain: a later one never
                // breaks it up.
                let need = if self.after_heading {
                    0.0
                } else {
                    self.keep_height(std::iter::once(b).chain(next))
                };
                if self.room() + FIT_EPS < need
                    && need <= self.p.page_h - self.p.top - self.p.bottom
                    && !self.at_page_top()
                {
                    self.new_page();
                }
                self.bookmarks.push(Bookmark {
                    title,
                    page: self.pages.len().max(1),
                    level: *level,
                    top: self.y,
                });
                self.heading(&all, st);
            }
            Block::Paragraph(runs) => self.paragraph(runs, body),
            Block::List {
                ordered,
                start,
                items,
            } => {
                for (i, item) in items.iter().enumerate() {
                    let marker = crate::doc::list_marker(*ordered, *start, i);
                    if !matches!(item.first(), Some(Block::Paragraph(_))) {
                        // The marker on a paragraph of its own: numbers never skip.
                        self.paragraph(&[Run::plain(marker.trim_end())], body);
                    }
                    for (j, b) in item.iter().enumerate() {
                        match b {
                            Block::Paragraph(runs) if j == 0 => {
                                let mut all = vec![Run::plain(marker.clone())];
                                all.extend(runs.iter().cloned());
                                self.paragraph(&all, body);
                            }
                            other => self.block(other, &[]),
                        }
                    }
                }
            }
            Block::Quote(inner) => {
                // A quotation: 楷体, indented two characters on both sides.
                let q = Para {
                    role: Role::Kai,
                    left: self.grid_pitch() * 2.0,
                    right: self.grid_pitch() * 2.0,
                    ..body
                };
                for b in inner {
                    match b {
                        Block::Paragraph(runs) => self.paragraph(runs, q),
                        other => self.block(other, &[]),
                    }
                }
            }
            Block::Table(t) => self.table(t),
            Block::Chart(c) => self.chart(c),
            Block::PageBreak => {
                if !self.at_page_top() {
                    self.new_page();
                }
            }
        }
    }
}
