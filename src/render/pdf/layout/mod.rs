//! Page layout: the Document as positioned text and rules on A4 pages (GB/T 9704 preset).

mod closing;
#[cfg(test)]
mod proptests;
mod table;

use std::ops::Range;

use super::fonts::{FontIdx, FontSet, Role};
use super::linebreak::break_lines;
use crate::doc::{Block, Document, Run};

/// 1 mm in points.
pub const MM: f32 = 72.0 / 25.4;
/// Size of a footnote mark relative to its text, and how far it is raised.
const SUP_SCALE: f32 = 0.6;
const SUP_RISE: f32 = 0.38;

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
    pub note: f32,
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
            note: 12.0,
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
    /// A filled closed path (charts); `bezier` marks cubic control points.
    Fill {
        points: Vec<(f32, f32)>,
        bezier: Vec<bool>,
        color: [u8; 3],
    },
    /// A coloured polyline (charts).
    Stroke {
        points: Vec<(f32, f32)>,
        width: f32,
        color: [u8; 3],
    },
    /// The colour of the text items that follow (charts), until the next one.
    TextColor([u8; 3]),
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Footnotes referenced on this page (1-based numbers), drawn at its foot.
    pub notes: Vec<usize>,
    /// The table rows placed on this page, in order (bookkeeping for checks; not drawn).
    pub rows: Vec<RowMark>,
    /// Index in `items` of the folio's first item: `items[folio..]` is the page number, the
    /// only thing drawn outside the text block. Set when the layout is finished.
    pub folio: Option<usize>,
}

impl Page {
    /// The page's text items concatenated in drawing order (no separators): what tests
    /// and invariants search for text that reached the page.
    pub fn text(&self) -> String {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// The part of a table a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPart {
    Head,
    Body,
    Foot,
}

/// A table row placed on a page. Backend-neutral bookkeeping that lets checks prove that
/// no row is lost or placed twice.
#[derive(Debug, Clone, PartialEq)]
pub struct RowMark {
    /// The table's order in the document, from 1 (every table, with or without caption).
    pub table: usize,
    pub part: RowPart,
    /// The row's index in its part (`Table::head`, `body` or `foot`), from 0.
    pub index: usize,
    /// A header row repeated on a continuation page, or a later piece of a row taller than
    /// a page: not a new placement of the row.
    pub repeat: bool,
    /// Top and bottom of the row, from the page's top edge (pt).
    pub top: f32,
    pub bottom: f32,
}

/// A heading's entry in the PDF outline.
#[derive(Debug, Clone)]
pub struct Bookmark {
    pub title: String,
    pub page: usize,
    pub level: u8,
    /// The heading's top, from the page's top edge (pt).
    pub top: f32,
}

pub struct Layout {
    pub pages: Vec<Page>,
    pub bookmarks: Vec<Bookmark>,
    /// Characters no font could draw, each with the text around its first occurrence.
    pub missing: Vec<(char, String)>,
}

/// Text shaped for one size: characters, their roles and advances, and footnote marks.
#[derive(Default)]
pub(super) struct Shaped {
    chars: Vec<char>,
    roles: Vec<Role>,
    widths: Vec<f32>,
    /// (character index, footnote number) of each footnote mark.
    marks: Vec<(usize, usize)>,
}

impl Shaped {
    pub(super) fn notes_in(&self, r: &Range<usize>) -> Vec<usize> {
        self.marks
            .iter()
            .filter(|(i, _)| r.contains(i))
            .map(|(_, n)| *n)
            .collect()
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum HAlign {
    Justify,
    Left,
    Center,
    Right,
}

/// How a paragraph is set.
#[derive(Clone, Copy)]
pub(super) struct Para {
    role: Role,
    size: f32,
    pitch: f32,
    /// First-line indent, from the left margin of the paragraph.
    first: f32,
    left: f32,
    right: f32,
    align: HAlign,
}

pub(super) struct Typesetter<'f> {
    fonts: &'f FontSet,
    p: Preset,
    pages: Vec<Page>,
    /// Distance of the cursor from the page top.
    y: f32,
    bookmarks: Vec<Bookmark>,
    missing: Vec<(char, String)>,
    /// The document's footnotes, shaped at the note size, with their line breaks.
    notes: Vec<(Shaped, Vec<Range<usize>>)>,
    /// Tables laid out so far (numbers the tables in [`RowMark::table`]).
    tables: usize,
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

    fn at_page_top(&self) -> bool {
        self.y <= self.p.top + 0.01
    }

    fn note_pitch(&self) -> f32 {
        self.p.note * 1.5
    }

    /// Height of the footnote area for `notes` (separator rule included).
    fn notes_height(&self, notes: &[usize]) -> f32 {
        if notes.is_empty() {
            return 0.0;
        }
        let lines: usize = notes
            .iter()
            .map(|n| self.notes.get(n - 1).map_or(0, |(_, r)| r.len().max(1)))
            .sum();
        self.note_pitch() * 0.75 + lines as f32 * self.note_pitch()
    }

    /// Space left on the page above the footnote area.
    fn room(&self) -> f32 {
        let notes = self.pages.last().map(|p| p.notes.as_slice()).unwrap_or(&[]);
        self.p.page_h - self.p.bottom - self.notes_height(notes) - self.y
    }

    /// Space left if the footnotes `extra` joined this page.
    /// Footnotes `notes` (marks just drawn on this page) go to this page's foot.
    pub(super) fn add_notes(&mut self, notes: Vec<usize>) {
        let page = self.page();
        for n in notes {
            if !page.notes.contains(&n) {
                page.notes.push(n);
            }
        }
    }

    fn room_with(&self, extra: &[usize]) -> f32 {
        let mut notes: Vec<usize> = self
            .pages
            .last()
            .map(|p| p.notes.clone())
            .unwrap_or_default();
        notes.extend(
            extra
                .iter()
                .filter(|n| !notes.contains(n))
                .copied()
                .collect::<Vec<_>>(),
        );
        self.p.page_h - self.p.bottom - self.notes_height(&notes) - self.y
    }

    pub(super) fn shape(&mut self, runs: &[Run], role: Role, size: f32) -> Shaped {
        let mut s = Shaped::default();
        for r in runs {
            if r.is_break() {
                // A forced line break: a zero-width '\n' that `break_forced` breaks at.
                s.chars.push('\n');
                s.roles.push(role);
                s.widths.push(0.0);
                continue;
            }
            let role = match (r.note(), r.bold) {
                (Some(_), _) => Role::Note,
                (None, true) if role == Role::Body => Role::Title,
                _ => role,
            };
            if let Some(n) = r.note() {
                s.marks.push((s.chars.len(), n));
            }
            let csize = if role == Role::Note {
                size * SUP_SCALE
            } else {
                size
            };
            let run: Vec<char> = r.text.chars().collect();
            for (i, &c) in run.iter().enumerate() {
                let c = if c == '\n' || c == '\t' { ' ' } else { c };
                // Default-ignorable characters (soft hyphen, zero-width space, BOM, …) are
                // neither drawn nor measured nor kept in the text layer.
                if super::fonts::is_ignorable(c) {
                    continue;
                }
                if c != ' '
                    && self.fonts.resolve(role, c).is_none()
                    && !self.missing.iter().any(|(m, _)| *m == c)
                {
                    let context: String = run[i.saturating_sub(8)..(i + 9).min(run.len())]
                        .iter()
                        .collect();
                    self.missing.push((c, context));
                }
                s.chars.push(c);
                s.roles.push(role);
                s.widths.push(if c == ' ' {
                    csize * 0.3
                } else {
                    self.fonts.advance(role, c, csize)
                });
            }
        }
        s
    }

    /// The items of one line: characters `range` of `s`, set from `x0` in `width` with
    /// the baseline at `base` (from the page top).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn line_items(
        &self,
        s: &Shaped,
        range: Range<usize>,
        x0: f32,
        width: f32,
        size: f32,
        base: f32,
        align: HAlign,
    ) -> Vec<Item> {
        let mut end = range.end;
        while end > range.start && s.chars[end - 1] == ' ' {
            end -= 1;
        }
        let mut natural: f32 = s.widths[range.start..end].iter().sum();
        let n = end - range.start;
        // A justified line ending in a full-width closing mark sets it at half width: its
        // empty right half hangs past the margin. So does any line that the line breaker
        // fitted only by measuring it so (a table cell set right or centred).
        if n > 1
            && super::linebreak::squeezable(s.chars[end - 1])
            && (align == HAlign::Justify || natural > width)
        {
            natural -= s.widths[end - 1] / 2.0;
        }
        let (mut x, tc) = match align {
            HAlign::Justify if n > 1 => (
                x0,
                ((width - natural) / (n - 1) as f32).clamp(-size * 0.1, size),
            ),
            HAlign::Center => (x0 + (width - natural) / 2.0, 0.0),
            HAlign::Right => (x0 + width - natural, 0.0),
            _ => (x0, 0.0),
        };
        let mut items = Vec::new();
        let mut i = range.start;
        while i < end {
            let key = |j: usize| {
                (
                    self.fonts.font_for(s.roles[j], s.chars[j]),
                    s.roles[j] == Role::Note,
                )
            };
            let k = key(i);
            let mut j = i + 1;
            while j < end && key(j) == k {
                j += 1;
            }
            let run_w: f32 = s.widths[i..j].iter().sum::<f32>() + tc * (j - i) as f32;
            if let (Some(font), sup) = k {
                let (csize, rise) = if sup {
                    (size * SUP_SCALE, size * SUP_RISE)
                } else {
                    (size, 0.0)
                };
                items.push(Item::Text {
                    x,
                    y: self.p.page_h - base + rise,
                    size: csize,
                    font,
                    tc,
                    text: s.chars[i..j].iter().collect(),
                });
            }
            x += run_w;
            i = j;
        }
        items
    }

    /// Baseline of a line box of height `pitch` starting at `top`, for type of `size`.
    pub(super) fn baseline(top: f32, pitch: f32, size: f32) -> f32 {
        top + (pitch - size) / 2.0 + size * 0.88
    }

    /// Lay out a paragraph line by line: footnotes go to the foot of the page that holds
    /// their mark; no single first line at a page's foot (orphan) and no single last line
    /// at the head of the next (widow).
    fn paragraph(&mut self, runs: &[Run], st: Para) {
        let s = self.shape(runs, st.role, st.size);
        if s.chars.is_empty() {
            return;
        }
        let w = self.p.text_width() - st.left - st.right;
        let ranges = break_forced(&s, w - st.first, w);
        self.set_paragraph(&s, &ranges, st);
    }

    /// A heading: one line, or two broken at a phrase boundary, never inside a word.
    fn heading(&mut self, runs: &[Run], st: Para) {
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
        self.set_paragraph(&s, &ranges, st);
    }

    /// Place the lines `ranges` of `s` as a paragraph.
    fn set_paragraph(&mut self, s: &Shaped, ranges: &[Range<usize>], st: Para) {
        let w = self.p.text_width() - st.left - st.right;
        let total = ranges.len();
        let mut on_this_page = 0;
        for (k, r) in ranges.iter().enumerate() {
            let notes = s.notes_in(r);
            let fits = |ts: &Self, lines: f32| ts.room_with(&notes) >= st.pitch * lines - 0.01;
            let mut new_page = !fits(self, 1.0);
            // Orphan: the first line alone at the foot, with more to come.
            if k == 0 && total > 1 && !fits(self, 2.0) {
                new_page = true;
            }
            // Widow: the last line alone on the next page; carry the one before with it.
            if k + 2 == total && on_this_page >= 2 && fits(self, 1.0) && !fits(self, 2.0) {
                new_page = true;
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

    fn body_para(&self) -> Para {
        Para {
            role: Role::Body,
            size: self.p.body,
            pitch: self.p.pitch,
            first: self.p.body * 2.0,
            left: 0.0,
            right: 0.0,
            align: HAlign::Justify,
        }
    }

    fn centred(&self, role: Role, size: f32, pitch: f32) -> Para {
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
    fn title(&mut self, doc: &Document) {
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

    fn block(&mut self, b: &Block) {
        let body = self.body_para();
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
                let title: String = all
                    .iter()
                    .filter(|r| r.note().is_none())
                    .map(|r| if r.is_break() { " " } else { r.text.as_str() })
                    .collect();
                // Keep with next: the heading and two lines of what follows.
                if self.room() < body.pitch * 3.0 && !self.at_page_top() {
                    self.new_page();
                }
                self.bookmarks.push(Bookmark {
                    title,
                    page: self.pages.len().max(1),
                    level: *level,
                    top: self.y,
                });
                self.heading(
                    &all,
                    Para {
                        role,
                        align: HAlign::Left,
                        ..body
                    },
                );
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
                            other => self.block(other),
                        }
                    }
                }
            }
            Block::Quote(inner) => {
                // A quotation: 楷体, indented two characters on both sides.
                let q = Para {
                    role: Role::Kai,
                    left: body.size * 2.0,
                    right: body.size * 2.0,
                    ..body
                };
                for b in inner {
                    match b {
                        Block::Paragraph(runs) => self.paragraph(runs, q),
                        other => self.block(other),
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

    /// A chart as vectors, full text width, its caption 图N below; the two stay together.
    fn chart(&mut self, c: &crate::doc::Chart) {
        use crate::render::chart::{scene, Shape};
        let width = self.p.text_width();
        let height = (width * 0.55).round();
        let caption = self.p.pitch;
        if self.room() < height + caption + 8.0 && !self.at_page_top() {
            self.new_page();
        }
        let fonts = self.fonts;
        let measure = |t: &str, size: f32| {
            t.chars()
                .map(|ch| fonts.advance(Role::Hei, ch, size))
                .sum::<f32>()
        };
        let sc = scene(c, width, height, &measure);
        let (ox, oy) = (self.p.left, self.y + 4.0);
        let ph = self.p.page_h;
        let at = |(x, y): (f32, f32)| (ox + x, ph - (oy + y));
        let mut items = Vec::new();
        for sh in sc.shapes {
            match sh {
                Shape::Fill {
                    points,
                    bezier,
                    color,
                } => items.push(Item::Fill {
                    points: points.into_iter().map(at).collect(),
                    bezier,
                    color,
                }),
                Shape::Line {
                    points,
                    width,
                    color,
                } => items.push(Item::Stroke {
                    points: points.into_iter().map(at).collect(),
                    width,
                    color,
                }),
                Shape::Text {
                    x,
                    y,
                    size,
                    text,
                    color,
                    ..
                } => {
                    let sh = self.shape(&[Run::plain(text)], Role::Hei, size);
                    items.push(Item::TextColor(color));
                    let w = sh.widths.iter().sum::<f32>();
                    items.extend(self.line_items(
                        &sh,
                        0..sh.chars.len(),
                        ox + x,
                        w,
                        size,
                        oy + y,
                        HAlign::Left,
                    ));
                    items.push(Item::TextColor([0, 0, 0]));
                }
            }
        }
        self.page().items.extend(items);
        self.y += height + 8.0;
        let st = self.centred(Role::Hei, 14.0, self.p.pitch);
        self.paragraph(&[Run::plain(c.label())], st);
        self.y += self.p.pitch * 0.5;
    }

    /// Footnotes at the foot of each page, above the folio, and the folio "— N —".
    fn finish(&mut self) {
        let size = self.p.folio;
        for i in 0..self.pages.len() {
            let mut items = Vec::new();
            let notes = self.pages[i].notes.clone();
            if !notes.is_empty() {
                let np = self.note_pitch();
                let mut top = self.p.page_h - self.p.bottom - self.notes_height(&notes);
                let y = self.p.page_h - top - np * 0.25;
                items.push(Item::Rule {
                    x1: self.p.left,
                    y1: y,
                    x2: self.p.left + self.p.text_width() / 4.0,
                    y2: y,
                    width: 0.5,
                });
                top += np * 0.75;
                for n in notes {
                    let mark = self.shape(&[Run::plain(format!("{n}"))], Role::Note, self.p.note);
                    let Some((s, ranges)) = self.notes.get(n - 1) else {
                        continue;
                    };
                    let base = Self::baseline(top, np, self.p.note);
                    items.extend(self.line_items(
                        &mark,
                        0..mark.chars.len(),
                        self.p.left,
                        self.p.note,
                        self.p.note,
                        base,
                        HAlign::Left,
                    ));
                    for r in ranges {
                        let base = Self::baseline(top, np, self.p.note);
                        let x0 = self.p.left + self.p.note;
                        let w = self.p.text_width() - self.p.note;
                        items.extend(self.line_items(
                            s,
                            r.clone(),
                            x0,
                            w,
                            self.p.note,
                            base,
                            HAlign::Left,
                        ));
                        top += np;
                    }
                }
            }
            self.pages[i].items.append(&mut items);
            self.pages[i].folio = Some(self.pages[i].items.len());
            let folio = self.shape(&[Run::plain(format!("— {} —", i + 1))], Role::Body, size);
            // 7 mm below the text block.
            let base = self.p.page_h - self.p.bottom + 7.0 * MM + size * 0.88;
            items.extend(self.line_items(
                &folio,
                0..folio.chars.len(),
                self.p.left,
                self.p.text_width(),
                size,
                base,
                HAlign::Center,
            ));
            self.pages[i].items.extend(items);
        }
    }
}

/// Line ranges of `s` (first line `first` wide, the others `rest`), broken at every
/// forced line break ('\n', which no range includes) and where the lines are full.
pub(super) fn break_forced(s: &Shaped, first: f32, rest: f32) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let n = s.chars.len();
    while start <= n {
        let end = s.chars[start..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(n, |i| start + i);
        let w = if out.is_empty() { first } else { rest };
        if end == start {
            out.push(start..start);
        } else {
            let lines = break_lines(&s.chars[start..end], &s.widths[start..end], w, rest);
            out.extend(lines.into_iter().map(|r| r.start + start..r.end + start));
        }
        start = end + 1;
    }
    // No empty line at the end of text that does not end in a break.
    if out.len() > 1 && out.last().is_some_and(|r| r.is_empty()) && s.chars.last() != Some(&'\n') {
        out.pop();
    }
    out
}

/// Break a long title into lines of similar length, preferring the spaces between its
/// phrases, so a word such as 现代化 is never split.
fn balanced_title_lines(chars: &[char], widths: &[f32], w: f32) -> Vec<Range<usize>> {
    let n = chars.len();
    let total: f32 = widths.iter().sum();
    match crate::render::phrase_break(chars, widths, w, w) {
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
        notes: Vec::new(),
        tables: 0,
    };
    let w = preset.text_width() - preset.note;
    ts.notes = doc
        .notes
        .iter()
        .map(|runs| {
            let s = ts.shape(runs, Role::Body, preset.note);
            let r = break_lines(&s.chars, &s.widths, w, w);
            (s, r)
        })
        .collect();
    ts.title(doc);
    for b in &doc.blocks {
        ts.block(b);
    }
    ts.closing(doc.closing.as_ref());
    ts.finish();
    let l = Layout {
        pages: ts.pages,
        bookmarks: ts.bookmarks,
        missing: ts.missing,
    };
    debug_assert!(
        l.strays(fonts, &preset).is_empty(),
        "items outside the text block: {:?}",
        l.strays(fonts, &preset)
    );
    l
}

impl Layout {
    /// The items drawn outside the text block of their page (page number, item), the folio
    /// excepted: the layout's invariant is that there are none. Text is measured with its
    /// fonts' advances; a line's last full-width closing mark may hang half an em into the
    /// right margin (`line_items`), and glyphs sit between 0.12 em below and 0.88 em above
    /// the baseline.
    pub fn strays(&self, fonts: &FontSet, p: &Preset) -> Vec<(usize, Item)> {
        const EPS: f32 = 0.5;
        let (left, right) = (p.left - EPS, p.page_w - p.right + EPS);
        let (bottom, top) = (p.bottom - EPS, p.page_h - p.top + EPS);
        let inside = |x: f32, y: f32| (left..=right).contains(&x) && (bottom..=top).contains(&y);
        let mut out = Vec::new();
        for (n, page) in self.pages.iter().enumerate() {
            let end = page.folio.unwrap_or(page.items.len());
            for item in &page.items[..end] {
                let ok = match item {
                    Item::Text {
                        x,
                        y,
                        size,
                        font,
                        tc,
                        text,
                    } => {
                        let file = fonts.files.get(*font);
                        let count = text.chars().count();
                        let w: f32 = text
                            .chars()
                            .map(|c| {
                                file.and_then(|f| f.glyph(c).map(|g| f.advance(g)))
                                    .unwrap_or(0.0)
                                    * size
                            })
                            .sum::<f32>()
                            + tc * count.saturating_sub(1) as f32;
                        *x >= left
                            && x + w <= right + size / 2.0
                            && y - 0.12 * size >= bottom
                            && y + 0.88 * size <= top
                    }
                    Item::Rule { x1, y1, x2, y2, .. } => inside(*x1, *y1) && inside(*x2, *y2),
                    Item::Fill { points, .. } | Item::Stroke { points, .. } => {
                        points.iter().all(|(x, y)| inside(*x, *y))
                    }
                    Item::TextColor(_) => true,
                };
                if !ok {
                    out.push((n + 1, item.clone()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Align, Table, TableCell};

    fn lay(blocks: Vec<Block>, notes: Vec<Vec<Run>>) -> Layout {
        let doc = Document {
            blocks,
            notes,
            ..Document::default()
        };
        layout(&doc, FontSet::bundled(), Preset::gbt9704())
    }

    #[test]
    fn long_tables_repeat_their_header_on_every_page() {
        let t = Table {
            caption: Some("长表".into()),
            number: Some(1),
            columns: 2,
            head: vec![vec![
                TableCell::new("表头甲", Align::Center),
                TableCell::new("表头乙", Align::Center),
            ]],
            body: (0..80)
                .map(|i| {
                    vec![
                        TableCell::new(format!("行{i}号"), Align::Left),
                        TableCell::new(i.to_string(), Align::Right),
                    ]
                })
                .collect(),
            ..Table::default()
        };
        let l = lay(vec![Block::Table(t)], Vec::new());
        assert!(l.pages.len() >= 3, "{} pages", l.pages.len());
        for (i, p) in l.pages.iter().enumerate() {
            assert!(
                p.text().contains("表头甲表头乙"),
                "page {} lacks the header",
                i + 1
            );
            assert!(p.text().contains(&format!("— {} —", i + 1)));
        }
        // The caption is printed once, and no row is lost or repeated.
        let all: String = l.pages.iter().map(Page::text).collect();
        assert_eq!(all.matches("表1　长表").count(), 1);
        for i in 0..80 {
            assert_eq!(all.matches(&format!("行{i}号")).count(), 1, "行{i}");
        }
    }

    /// The layout invariant on real reports: the seed, and the seed with a `pay_scale`
    /// group taller than a page (issue 14), whose rows are each placed once.
    #[test]
    fn reports_lie_inside_the_text_block() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for data in [
            "data/qingnianlu-2019.yaml",
            "tests/fixtures/long-group.yaml",
        ] {
            let report = crate::build(&root.join(data), None).expect("builds");
            let (fonts, p) = (FontSet::bundled(), Preset::gbt9704());
            let l = layout(&report.document, fonts, p);
            assert_eq!(l.strays(fonts, &p), Vec::new(), "{data}");
            let Some(pay) = report.document.blocks.iter().position(|b| {
                matches!(b, Block::Table(t) if t.caption.as_deref().is_some_and(|c| c.contains("平均月薪")))
            }) else {
                panic!("{data}: no pay_scale table");
            };
            let tid = report.document.blocks[..=pay]
                .iter()
                .filter(|b| matches!(b, Block::Table(_)))
                .count();
            let Block::Table(t) = &report.document.blocks[pay] else {
                unreachable!()
            };
            let placed: Vec<usize> = l
                .pages
                .iter()
                .flat_map(|p| &p.rows)
                .filter(|m| m.table == tid && m.part == RowPart::Body && !m.repeat)
                .map(|m| m.index)
                .collect();
            assert_eq!(placed, (0..t.body.len()).collect::<Vec<_>>(), "{data}");
        }
    }

    /// Issue 14: a `group_by` group taller than a page is split at row boundaries, the
    /// header and the label (with （续）) repeated on every page it continues on; no row is
    /// lost, and a very large group takes time in proportion to its rows.
    #[test]
    fn a_group_taller_than_a_page_continues_with_its_label() {
        let n = 1500;
        let mut label = TableCell::new("社区专职工作者", Align::Left);
        label.rowspan = n as u16;
        let body: Vec<Vec<TableCell>> = (0..n)
            .map(|i| {
                let mut row = vec![
                    TableCell::new(format!("岗位{i}号"), Align::Left),
                    TableCell::new(i.to_string(), Align::Right),
                ];
                if i == 0 {
                    row.insert(0, label.clone());
                }
                row
            })
            .collect();
        let t = Table {
            columns: 3,
            head: vec![vec![
                TableCell::new("类别", Align::Center),
                TableCell::new("岗位", Align::Center),
                TableCell::new("月薪", Align::Center),
            ]],
            body,
            ..Table::default()
        };
        let started = std::time::Instant::now();
        let l = lay(vec![Block::Table(t)], Vec::new());
        assert!(
            started.elapsed().as_secs_f32() < 5.0,
            "{:?}",
            started.elapsed()
        );
        assert!(l.pages.len() > 40, "{} pages", l.pages.len());
        let p = Preset::gbt9704();
        assert_eq!(l.strays(FontSet::bundled(), &p), Vec::new());
        let mut placed = Vec::new();
        for (k, page) in l.pages.iter().enumerate() {
            let text = page.text();
            assert!(text.starts_with("类别岗位月薪"), "page {}", k + 1);
            assert_eq!(
                text.contains("社区专职工作者（续）"),
                k > 0,
                "page {}",
                k + 1
            );
            assert!(text.contains("社区专职工作者"), "page {}", k + 1);
            for m in &page.rows {
                assert!(m.bottom <= p.page_h - p.bottom + 0.01, "{m:?}");
                if m.part == RowPart::Body && !m.repeat {
                    placed.push(m.index);
                }
            }
        }
        assert_eq!(placed, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn three_line_tables_have_only_horizontal_rules() {
        let t = Table {
            columns: 2,
            rules: crate::doc::TableRules::ThreeLine,
            head: vec![vec![
                TableCell::new("甲", Align::Center),
                TableCell::new("乙", Align::Center),
            ]],
            body: vec![
                vec![
                    TableCell::new("1", Align::Right),
                    TableCell::new("2", Align::Right)
                ];
                3
            ],
            ..Table::default()
        };
        let l = lay(vec![Block::Table(t)], Vec::new());
        let rules: Vec<(f32, f32, f32)> = l.pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Rule { y1, y2, width, .. } => Some((*y1, *y2, *width)),
                _ => None,
            })
            .collect();
        assert!(rules.iter().all(|(a, b, _)| a == b), "a vertical rule");
        let heavy = rules.iter().filter(|r| r.2 == 1.5).count();
        let light = rules.iter().filter(|r| r.2 == 0.75).count();
        assert_eq!((heavy, light), (2, 2), "{rules:?}"); // one light rule per header cell
    }

    #[test]
    fn a_footnote_sits_at_the_foot_of_the_page_of_its_mark() {
        let filler = || Block::Paragraph(vec![Run::plain("正文".repeat(60))]);
        let mut blocks: Vec<Block> = (0..5).map(|_| filler()).collect();
        blocks.push(Block::Paragraph(vec![
            Run::plain("有注释的句子"),
            Run::note_mark(1),
        ]));
        let l = lay(blocks, vec![vec![Run::plain("资料来源：街道统计")]]);
        let page = l
            .pages
            .iter()
            .position(|p| p.text().contains("有注释的句子"))
            .expect("mark");
        assert!(l.pages[page].text().contains("资料来源：街道统计"));
        assert_eq!(l.pages[page].notes, [1]);
        // The note is below every line of text on its page.
        let y_of = |needle: &str| {
            l.pages[page].items.iter().find_map(|i| match i {
                Item::Text { text, y, .. } if text.contains(needle) => Some(*y),
                _ => None,
            })
        };
        assert!(y_of("资料来源").expect("note") < y_of("有注释").expect("text"));
    }

    #[test]
    fn headings_keep_with_what_follows() {
        let mut blocks: Vec<Block> = (0..7)
            .map(|_| Block::Paragraph(vec![Run::plain("正文".repeat(40))]))
            .collect();
        blocks.push(Block::Heading {
            level: 1,
            numbered: true,
            number: Some("二、".into()),
            runs: vec![Run::plain("标题")],
        });
        blocks.push(Block::Paragraph(vec![Run::plain(
            "紧随其后的正文。".repeat(4),
        )]));
        let l = lay(blocks, Vec::new());
        let heading = l
            .pages
            .iter()
            .position(|p| p.text().contains("二、标题"))
            .expect("heading");
        let body = l
            .pages
            .iter()
            .position(|p| p.text().contains("紧随其后"))
            .expect("body");
        assert_eq!(heading, body);
    }

    /// Issue 14: a footnote mark in a table cell is a superscript mark (not digits in the
    /// cell's text size) and its note is printed at the foot of the page.
    #[test]
    fn a_footnote_in_a_table_cell_is_printed_at_the_foot() {
        let mut cell = TableCell::new("20000", Align::Right);
        cell.runs.push(Run::note_mark(1));
        let t = Table {
            columns: 1,
            head: vec![vec![TableCell::new("金额", Align::Center)]],
            body: vec![vec![cell]],
            ..Table::default()
        };
        let l = lay(vec![Block::Table(t)], vec![vec![Run::plain("含上级补助")]]);
        assert_eq!(l.pages[0].notes, [1]);
        assert!(l.pages[0].text().contains("含上级补助"));
        let sizes: Vec<(String, f32)> = l.pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, size, .. } => Some((text.clone(), *size)),
                _ => None,
            })
            .collect();
        let value = sizes.iter().find(|(t, _)| t == "20000").expect("value");
        let mark = sizes.iter().find(|(t, _)| t == "1").expect("mark");
        assert!(mark.1 < value.1, "{sizes:?}");
    }

    /// Issue 14: a typed line break ends the line; the next text starts a new one.
    #[test]
    fn a_line_break_forces_a_new_line() {
        let l = lay(
            vec![Block::Paragraph(vec![
                Run::plain("第一行"),
                Run::line_break(),
                Run::plain("第二行"),
            ])],
            Vec::new(),
        );
        let ys: Vec<(String, f32)> = l.pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, y, .. } => Some((text.clone(), *y)),
                _ => None,
            })
            .collect();
        let y = |t: &str| {
            ys.iter()
                .find(|(s, _)| s.contains(t))
                .map(|p| p.1)
                .expect(t)
        };
        assert!(y("第二行") < y("第一行"), "{ys:?}");
    }
}
