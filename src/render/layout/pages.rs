//! Pages: what is drawn on each finished page outside the flow — footnotes at the foot and
//! the folio (GB/T 9704-2012 §7.5).

use super::inline::HAlign;
use super::{Item, Typesetter, MM};
use crate::doc::Run;
use crate::render::pdf::fonts::Role;

impl Typesetter<'_> {
    /// Footnotes at the foot of each page, above the folio, and the folio "— N —"
    /// (GB/T 9704-2012 §7.5: 4号 Arabic numerals between 一字线, 7 mm below the text block,
    /// odd pages right and even pages left, one character in from the block's edge).
    pub(super) fn finish(&mut self) {
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
            let folio = self.shape(&[Run::plain(format!("— {} —", i + 1))], Role::Song, size);
            // GB/T 9704-2012 §7.5: the 一字线 7 mm below the text block; odd pages right and
            // even pages left, each set in one character (one em of the folio's size).
            let base = self.p.page_h - self.p.bottom + 7.0 * MM + size * 0.88;
            let odd = (i + 1) % 2 == 1;
            items.extend(self.line_items(
                &folio,
                0..folio.chars.len(),
                self.p.left + size,
                self.p.text_width() - 2.0 * size,
                size,
                base,
                if odd { HAlign::Right } else { HAlign::Left },
            ));
            self.pages[i].items.extend(items);
        }
    }
}
