//! Inline layout: shaping runs into characters with roles and advances, breaking them into
//! lines, and setting each line as positioned glyph runs (justification, alignment).

use std::ops::Range;

use super::linebreak::break_lines;
use super::{Item, Typesetter, SUP_RISE, SUP_SCALE};
use crate::doc::Run;
use crate::render::pdf::fonts::Role;

/// Text shaped for one size: characters, their roles and advances, and footnote marks.
#[derive(Default)]
pub(super) struct Shaped {
    pub(super) chars: Vec<char>,
    pub(super) roles: Vec<Role>,
    pub(super) widths: Vec<f32>,
    /// (character index, footnote number) of each footnote mark.
    pub(super) marks: Vec<(usize, usize)>,
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
    pub(super) role: Role,
    pub(super) size: f32,
    pub(super) pitch: f32,
    /// First-line indent, from the left margin of the paragraph.
    pub(super) first: f32,
    pub(super) left: f32,
    pub(super) right: f32,
    pub(super) align: HAlign,
}

impl Typesetter<'_> {
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
                if crate::render::pdf::fonts::is_ignorable(c) {
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
            // The space after a character belongs to the gap before the next one: the
            // line's last character ends at its own box.
            let advances: Vec<f32> = (i..j)
                .map(|g| s.widths[g] + if g + 1 < end { tc } else { 0.0 })
                .collect();
            let run_w: f32 = advances.iter().sum();
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
                    text: s.chars[i..j].iter().collect(),
                    advances,
                    bold: false,
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
pub(super) fn balanced_title_lines(chars: &[char], widths: &[f32], w: f32) -> Vec<Range<usize>> {
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
