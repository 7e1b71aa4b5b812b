//! The 落款 and 成文日期 at the end of the report (GB/T 9704-2012 §7.3.5.2), placed as
//! [`crate::doc::Closing::placed`] says with this layout's fonts as the measure.

use super::super::fonts::{is_ignorable, Role};
use super::{break_forced, HAlign, Typesetter};
use crate::doc::{Closing, Run, CLOSING_BLANK_LINES};

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
        let fonts = self.fonts;
        let em = |t: &str| -> f32 {
            t.chars()
                .filter(|c| !is_ignorable(*c))
                .map(|c| fonts.advance(Role::Body, c, size))
                .sum::<f32>()
                / size
        };
        let placed = closing.placed(em);
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
        if self.room() < blank + lines as f32 * pitch - 0.01 && !self.at_page_top() {
            self.new_page();
        } else if !self.at_page_top() {
            self.y += blank;
        }
        for (s, ranges, width) in &shaped {
            for r in ranges {
                let base = Self::baseline(self.y, pitch, size);
                let items =
                    self.line_items(s, r.clone(), self.p.left, *width, size, base, HAlign::Right);
                self.page().items.extend(items);
                self.y += pitch;
            }
        }
    }
}
