//! The 落款 and 成文日期 at the end of the report (GB/T 9704-2012 §7.3.5.2), placed as
//! [`crate::doc::Closing::placed`] says with this layout's fonts as the measure.

use super::inline::{break_forced, HAlign};
use super::{Typesetter, FIT_EPS};
use crate::doc::{Closing, Run, CLOSING_BLANK_LINES};
use crate::render::pdf::fonts::{is_ignorable, Role};

impl Typesetter<'_> {
    /// Set `closing` after the last block: one blank line (§7.3.5.2 “空一行”), then each
    /// line in the body face and size, flush right at its right indent (the 署名 and the
    /// further lines 2 em in from the right margin; the date where the rule puts it), one
    /// line pitch apart. The block stays together: when it does not fit in what is left
    /// of the page it starts the next page, without the blank line. A line wider than its
    /// measure (a very long organisation name) wraps, each part flush right.
    pub(super) fn closing(&mut self, closing: Option<&Closing>) {
        let Some(closing) = closing else {
            return;
        };
        let size = self.p.body;
        let pitch = self.p.pitch;
        // Measured as the line sets it: full-width characters take their box (a grid
        // cell), the others their glyph's advance.
        let (fonts, cell) = (self.fonts, self.em_box(Role::Body, size));
        let em = |t: &str| -> f32 {
            t.chars()
                .filter(|c| !is_ignorable(*c))
                .map(|c| {
                    if crate::doc::is_full_width(c) {
                        cell
                    } else {
                        fonts.advance(Role::Body, c, size)
                    }
                })
                .sum::<f32>()
                / size
        };
        let placed = closing.placed_within(em, self.p.text_width() / size);
        if placed.is_empty() {
            return;
        }
        let shaped: Vec<_> = placed
            .iter()
            .map(|l| {
                let s = self.shape(&[Run::plain(l.text.clone())], Role::Body, size);
                let width = (self.p.text_width() - l.right_indent * size).max(size);
                let ranges = break_forced(&s, width, width);
                (s, ranges, width)
            })
            .collect();
        let lines: usize = shaped.iter().map(|(_, r, _)| r.len()).sum();
        let blank = CLOSING_BLANK_LINES as f32 * pitch;
        let block = lines as f32 * pitch;
        let page = self.p.page_h - self.p.top - self.p.bottom;
        if !self.at_page_top() {
            // After a paragraph the blank line is never closed up (the DOCX keeps its
            // empty paragraph, and both formats must give the same pages: attacker finding
            // F3, issue 18): the report's last paragraph has already carried its last
            // lines over when the 落款 would not fit after it (`Typesetter::tail`).
            if self.room() + FIT_EPS >= blank + block {
                self.y += blank;
            } else if self.room() + FIT_EPS >= block {
                // After a last block that is not a paragraph (a table, a list): GB/T
                // 9704-2012 §7.3.5.4, rather than carry the 落款 alone to a new page, close
                // up the space above it. (After a paragraph this never happens: the
                // paragraph has carried its last lines over.)
            } else if block <= page + FIT_EPS {
                self.new_page();
            } else {
                // Taller than a page (a pack's many extra lines): it runs on line by line.
                self.y += blank.min(self.room().max(0.0));
            }
        }
        for (s, ranges, width) in &shaped {
            for r in ranges {
                if self.room() + FIT_EPS < pitch && !self.at_page_top() {
                    self.new_page();
                }
                let base = Self::baseline(self.y, pitch, size);
                let items =
                    self.line_items(s, r.clone(), self.p.left, *width, size, base, HAlign::Right);
                self.page().items.extend(items);
                self.y += pitch;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{layout, Layout, Preset};
    use crate::doc::{Block, Closing, Document, Run};
    use crate::render::pdf::FontSet;

    fn lay(lines_of_text: usize) -> Layout {
        let date = time::Date::from_calendar_date(2020, time::Month::March, 16).expect("a date");
        let doc = Document {
            // Each paragraph is one full line (27 characters and the 2-character indent).
            blocks: (0..lines_of_text)
                .map(|_| Block::Paragraph(vec![Run::plain("正".repeat(24))]))
                .collect(),
            closing: Some(Closing {
                signature: Some("青年路街道办事处".into()),
                date: Some(date),
                lines: vec!["执笔人：张三".into()],
            }),
            ..Document::default()
        };
        layout(&doc, FontSet::bundled(), Preset::gbt9704())
    }

    /// (page, baseline from the top) of the line holding `needle`.
    fn find(l: &Layout, needle: &str) -> (usize, f32) {
        let p = Preset::gbt9704();
        for (n, page) in l.pages.iter().enumerate() {
            for item in &page.items {
                if let super::super::Item::Text { y, text, .. } = item {
                    if text.contains(needle) {
                        return (n, p.page_h - y);
                    }
                }
            }
        }
        panic!("{needle} not laid out")
    }

    #[test]
    fn the_closing_stays_together_and_one_line_below_the_text() {
        let pitch = Preset::gbt9704().pitch;
        let mut carried = 0;
        for n in 10..50 {
            let l = lay(n);
            let (sp, sy) = find(&l, "青年路街道办事处");
            let (dp, dy) = find(&l, "2020");
            let (ep, ey) = find(&l, "执笔人");
            assert_eq!((sp, sp), (dp, ep), "{n} lines: the block is split");
            assert!((dy - sy - pitch).abs() < 0.01 && (ey - dy - pitch).abs() < 0.01);
            let last_text = l.pages[sp]
                .items
                .iter()
                .filter_map(|i| match i {
                    super::super::Item::Text { y, text, .. } if text.starts_with('正') => {
                        Some(Preset::gbt9704().page_h - y)
                    }
                    _ => None,
                })
                .fold(f32::NAN, f32::max);
            // Never alone on a page (the last paragraph comes with it: F2) and never
            // closed up to the text (空一行 always: F3).
            assert!(
                !last_text.is_nan(),
                "{n} lines: the 落款 is alone on page {sp}"
            );
            assert!(
                (sy - last_text - 2.0 * pitch).abs() < 0.01,
                "{n}: {sy} {last_text}"
            );
            // Lines of text on the 落款's page (distinct baselines).
            let mut ys: Vec<i32> = l.pages[sp]
                .items
                .iter()
                .filter_map(|i| match i {
                    super::super::Item::Text { y, text, .. } if text.starts_with('正') => {
                        Some(*y as i32)
                    }
                    _ => None,
                })
                .collect();
            ys.dedup();
            if sp > 0 && ys.len() <= 2 {
                carried += 1;
            }
        }
        assert!(carried > 0, "some text length carries its paragraph over");
    }
}
