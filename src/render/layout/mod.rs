//! Page layout: the Document as positioned glyph runs, rules and paths on A4 pages (the
//! GB/T 9704 preset), independent of any output format — the PDF writer only serialises the
//! `Layout` (as typst-layout's frames are serialised by typst-pdf).
//!
//! One module per concern: `inline` (shaping, line breaking, justification), `flow`
//! (blocks down the pages: keep-with-next, widows and orphans), `pages` (footnotes, folios),
//! `tables`, `charts`; `linebreak` holds the clreq line-breaking rules.

mod charts;
mod closing;
mod flow;
pub(crate) mod inline;
pub mod linebreak;
mod pages;
#[cfg(test)]
mod proptests;
mod tables;

use std::ops::Range;

use crate::doc::{Block, Document};
use crate::render::pdf::fonts::{FontIdx, FontSet, Glyphs, Role};
use inline::Shaped;
use linebreak::break_lines;

/// 1 mm in points.
pub const MM: f32 = 72.0 / 25.4;
/// Tolerance of every "does it fit" comparison (pt): heights are sums of f32 and must not
/// push a block to the next page over a rounding difference (86.971985 pt of room against
/// 86.972084 pt needed did, before issue 16).
pub(crate) const FIT_EPS: f32 = 0.01;
/// Size of a footnote mark relative to its text.
pub(crate) const SUP_SCALE: f32 = 0.6;
/// How far a footnote mark is raised, relative to its text size.
pub(crate) const SUP_RISE: f32 = 0.38;

/// The page geometry and type sizes of the `gbt9704` preset.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// Page width, pt.
    pub page_w: f32,
    /// Page height, pt.
    pub page_h: f32,
    /// Top margin (page edge to the text block), pt.
    pub top: f32,
    /// Bottom margin, pt.
    pub bottom: f32,
    /// Left margin (订口, the binding side), pt.
    pub left: f32,
    /// Right margin, pt.
    pub right: f32,
    /// Body type size (三号 仿宋), pt.
    pub body: f32,
    /// Line pitch of the body grid (22 lines on the text block), pt.
    pub pitch: f32,
    /// Title type size (二号), pt.
    pub title: f32,
    /// Table text size, pt.
    pub table: f32,
    /// Footnote and note text size, pt.
    pub note: f32,
    /// Folio (page number) size (四号), pt.
    pub folio: f32,
}

impl Preset {
    /// GB/T 9704-2012 (党政机关公文格式) on A4: margins 37/35/28/26 mm, 三号 body on
    /// 22 lines of the 225 mm text block, 二号 title, 四号 folio.
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

    /// The text block's width (page width less both side margins), pt.
    pub fn text_width(&self) -> f32 {
        self.page_w - self.left - self.right
    }
}

/// Something drawn on a page. `y` is the baseline, measured from the page's bottom edge.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A positioned glyph run in one font and size: `text`'s characters drawn from `x` on
    /// baseline `y`, character `i` advancing the pen by `advances[i]` pt (one entry per
    /// character: justification, full-width boxes and glyph offsets are all in these, so
    /// a writer needs no font metrics to place a glyph). `bold` asks the writer to
    /// synthesise a bold weight (fill and stroke, as Word does for faces without one).
    Text {
        /// Pen start, pt from the page's left edge.
        x: f32,
        /// Baseline, pt from the page's bottom edge.
        y: f32,
        /// Type size, pt.
        size: f32,
        /// The font, an index into the layout's [`FontSet`].
        font: FontIdx,
        /// The characters drawn.
        text: String,
        /// Pen advance after each character, pt (one per character of `text`).
        advances: Vec<f32>,
        /// Synthesise a bold weight.
        bold: bool,
    },
    /// A straight black rule (table lines, the footnote separator) from (x1, y1) to
    /// (x2, y2), pt from the page's bottom left.
    Rule {
        /// Start x, pt.
        x1: f32,
        /// Start y, pt.
        y1: f32,
        /// End x, pt.
        x2: f32,
        /// End y, pt.
        y2: f32,
        /// Stroke width, pt.
        width: f32,
    },
    /// A filled closed path (charts); `bezier` marks cubic control points.
    Fill {
        /// The path's points (x, y), pt from the page's bottom left.
        points: Vec<(f32, f32)>,
        /// One per point: whether it belongs to a cubic Bézier segment.
        bezier: Vec<bool>,
        /// Fill colour, sRGB 0–255.
        color: [u8; 3],
    },
    /// A coloured polyline (charts).
    Stroke {
        /// The line's points (x, y), pt from the page's bottom left.
        points: Vec<(f32, f32)>,
        /// Stroke width, pt.
        width: f32,
        /// Stroke colour, sRGB 0–255.
        color: [u8; 3],
    },
    /// The colour of the text items that follow (charts), until the next one.
    TextColor([u8; 3]),
}

/// One laid-out page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// What is drawn on the page, in drawing order.
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
    /// A header row (`Table::head`), repeated on continuation pages.
    Head,
    /// A body row (`Table::body`).
    Body,
    /// A footer row (`Table::foot`, e.g. 合计).
    Foot,
}

/// A table row placed on a page. Backend-neutral bookkeeping that lets checks prove that
/// no row is lost or placed twice.
#[derive(Debug, Clone, PartialEq)]
pub struct RowMark {
    /// The table's order in the document, from 1 (every table, with or without caption).
    pub table: usize,
    /// The part of the table the row is in.
    pub part: RowPart,
    /// The row's index in its part (`Table::head`, `body` or `foot`), from 0.
    pub index: usize,
    /// A header row repeated on a continuation page, or a later piece of a row taller than
    /// a page: not a new placement of the row.
    pub repeat: bool,
    /// Top and bottom of the row, from the page's top edge (pt).
    pub top: f32,
    /// The row's bottom, from the page's top edge (pt).
    pub bottom: f32,
}

/// A heading's entry in the PDF outline.
#[derive(Debug, Clone)]
pub struct Bookmark {
    /// The heading's text as the outline shows it.
    pub title: String,
    /// The page the heading is on, from 1.
    pub page: usize,
    /// The heading's level (1 for a chapter); the outline nests by it.
    pub level: u8,
    /// The heading's top, from the page's top edge (pt).
    pub top: f32,
}

/// A typeset document: its pages and its outline, ready for a writer (the PDF today).
pub struct Layout {
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// The outline: one entry per heading, in document order.
    pub bookmarks: Vec<Bookmark>,
    /// Characters no font could draw, each with the text around its first occurrence.
    pub missing: Vec<(char, String)>,
}

/// The typesetter's state while it lays a Document out: the fonts, the preset, the pages
/// so far and the pen position.
pub(crate) struct Typesetter<'f> {
    fonts: &'f FontSet,
    /// This layout's memo of `fonts`' glyph lookups (shaping asks for the same characters
    /// over and over).
    glyphs: Glyphs<'f>,
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
    /// The block just placed was a heading (what follows is kept with it).
    after_heading: bool,
    /// Height of the 落款 block that ends the report (pt; 0 without one).
    closing_h: f32,
    /// Height (pt) the paragraph being set must keep its last lines with: the 落款 block
    /// (its blank line included) while the report's last block is set, else 0.
    tail: f32,
}

impl<'f> Typesetter<'f> {
    pub(super) fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.p.top;
    }

    pub(super) fn at_page_top(&self) -> bool {
        self.y <= self.p.top + 0.01
    }

    pub(super) fn note_pitch(&self) -> f32 {
        self.p.note * 1.5
    }

    /// Height of the footnote area for `notes` (separator rule included).
    pub(super) fn notes_height(&self, notes: &[usize]) -> f32 {
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
    pub(super) fn room(&self) -> f32 {
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

    pub(super) fn room_with(&self, extra: &[usize]) -> f32 {
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
}

/// Lay out `doc` on pages.
pub fn layout(doc: &Document, fonts: &FontSet, preset: Preset) -> Layout {
    let mut ts = Typesetter {
        fonts,
        glyphs: Glyphs::new(fonts),
        p: preset,
        pages: vec![Page::default()],
        y: preset.top,
        bookmarks: Vec::new(),
        missing: Vec::new(),
        notes: Vec::new(),
        tables: 0,
        after_heading: false,
        closing_h: doc.closing.as_ref().map_or(0.0, |c| {
            let lines = c.placed(|_| 0.0).len();
            if lines == 0 {
                0.0
            } else {
                (crate::doc::CLOSING_BLANK_LINES + lines) as f32 * preset.pitch
            }
        }),
        tail: 0.0,
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
    // The title keeps with what follows as a heading does: the first block is never
    // carried away from it whole (a table then starts on page 1 and splits; F22).
    ts.after_heading = true;
    for (i, b) in doc.blocks.iter().enumerate() {
        // The report's last paragraph keeps its last lines with the 落款 (as the DOCX's
        // `w:keepNext` does): the 落款 never stands alone on a page after text, and keeps
        // its blank line (attacker findings F2/F3, issue 18).
        if i + 1 == doc.blocks.len() && matches!(b, Block::Paragraph(_)) {
            ts.tail = ts.closing_h;
        }
        ts.block(b, &doc.blocks[i + 1..]);
        ts.tail = 0.0;
    }
    ts.closing(doc.closing.as_ref());
    ts.finish();
    let l = Layout {
        pages: ts.pages,
        bookmarks: ts.bookmarks,
        missing: ts.missing,
    };
    debug_assert!(
        l.strays(&preset).is_empty(),
        "items outside the text block: {:?}",
        l.strays(&preset)
    );
    l
}

impl Layout {
    /// The items drawn outside the text block of their page (page number, item), the folio
    /// excepted: the layout's invariant is that there are none. Text is measured with its
    /// fonts' advances; a line's last full-width closing mark may hang half an em into the
    /// right margin (`line_items`), and glyphs sit between 0.12 em below and 0.88 em above
    /// the baseline.
    pub fn strays(&self, p: &Preset) -> Vec<(usize, Item)> {
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
                        advances,
                        ..
                    } => {
                        // The pen's travel to the last character's origin, plus that
                        // character's box.
                        let w: f32 = advances.iter().sum();
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
mod tests;
