//! Inline layout: shaping runs into characters with roles, boxes and glyph offsets,
//! breaking them into lines, and setting each line as positioned glyph runs
//! (justification, alignment).
//!
//! # The character grid (GB/T 9704-2012 §5.2.1: 22 lines × 28 characters)
//! Text at the body size (三号, [`Preset::body`](super::Preset)) in the Body (仿宋), Hei
//! (黑体) and Kai (楷体) roles — body paragraphs, headings, quotations, the subtitle, list
//! items — is on a 28-per-line grid: every full-width character ([`crate::doc::is_full_width`]) takes a
//! box of `text_width / 28` pt (15.79 pt on A4: 0.987 em), its glyph centred in it (closing
//! marks at the box's left, opening marks at its right), so a full line of CJK holds exactly
//! 28 characters and the 2-character first-line indent is two pitches. Word's
//! `w:docGrid w:type="linesAndChars"` with its `w:charSpace` does the same in the DOCX. The
//! title (二号), tables, footnotes, charts and the folio are not on the grid: their
//! full-width characters take a 1-em box.
//!
//! # Spacing rules (clreq §3.1.6, §3.2; issue 16 "Lines")
//! * CJK–Latin spacing: **0** extra space between CJK and Latin letters or digits, in both
//!   formats (the DOCX turns off Word's automatic ¼-em `w:autoSpaceDE`/`w:autoSpaceDN`).
//! * Justification spreads the line's slack only at [`glue`] points: between CJK
//!   characters, at CJK–Latin/digit boundaries and after spaces — never inside a number or
//!   a Latin word ("43.3%", "GB/T", "10303"), never inside —— or ……, never before a
//!   footnote mark.
//! * Quotation marks “ ” ‘ ’ take a full-width box in every role whatever their glyph's
//!   advance (楷体's are 0.35 em): an opening mark's glyph sits at the box's right, a
//!   closing mark's at its left.
//! * —— is one joined 2-em dash: two 1-em boxes whose glyphs are placed so their ink
//!   touches (overlapping if needed) and spans the 2 em when the ink is long enough, else
//!   joined and centred; …… is 2 em with the dots centred in each box.
//! * Adjacent full-width punctuation is compressed: a closing mark followed by another
//!   mark loses the empty right half of its box (`）。` `”；` `），` `。”` take 1.5 em), and
//!   an opening mark after an opening mark loses the empty left half of its box (`（“`).
//! * `**bold**` keeps its role; the glyph run is marked `bold` and the writer synthesises
//!   the weight (the title role has a real bold face and needs none). `*emphasis*` is set
//!   in the 楷体 role at the same size, upright: the one Chinese treatment both formats use.

use std::ops::Range;

use super::linebreak::break_lines;
use super::{Item, Typesetter, SUP_RISE, SUP_SCALE};
use crate::doc::Run;
use crate::render::pdf::fonts::Role;

/// Text shaped for one size: characters, their roles, boxes and glyph offsets, and
/// footnote marks. All vectors have one entry per character.
#[derive(Default)]
pub(super) struct Shaped {
    pub(super) chars: Vec<char>,
    pub(super) roles: Vec<Role>,
    /// The width (pt) each character occupies on the line: its box. For a full-width
    /// character the grid pitch or 1 em (less any punctuation compression), else the
    /// glyph's advance.
    pub(super) widths: Vec<f32>,
    /// Where the glyph's origin lies from the start of its box (pt; may be negative).
    pub(super) offsets: Vec<f32>,
    /// Whether the character is set in a synthesised bold weight.
    pub(super) bold: Vec<bool>,
    /// (character index, footnote number) of each footnote mark.
    pub(super) marks: Vec<(usize, usize)>,
}

/// Characters per line of the body grid (GB/T 9704-2012 §5.2.1).
pub const GRID_CHARS: f32 = 28.0;

/// Full-width closing marks: their ink is in the left half of the box (GB/T 15834 /
/// clreq placement for simplified Chinese), the right half empty.
fn closing(c: char) -> bool {
    super::linebreak::squeezable(c)
}

/// Full-width opening marks: their ink is in the right half of the box.
fn opening(c: char) -> bool {
    super::linebreak::opening(c)
}

/// Whether justification may add space between characters `g` and `g + 1` of `s`: between
/// CJK characters, at CJK–Latin/digit boundaries and after a space; never inside a number
/// or a Latin word, inside —— or ……, before a space or before a footnote mark.
pub(super) fn glue(s: &Shaped, g: usize) -> bool {
    let (a, b) = (s.chars[g], s.chars[g + 1]);
    if s.roles[g + 1] == Role::Note && s.roles[g] != Role::Note {
        return false;
    }
    if b == ' ' {
        return false;
    }
    if a == ' ' {
        return true;
    }
    let word = super::linebreak::is_word;
    let inside_word = word(a) && word(b);
    let inside_pair = a == b && matches!(a, '—' | '…');
    !(inside_word || inside_pair)
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
    /// The grid pitch: `text_width / 28` pt, the box of a full-width character on the grid.
    pub(super) fn grid_pitch(&self) -> f32 {
        self.p.text_width() / GRID_CHARS
    }

    /// The box of a full-width character in `role` at `size` pt: the grid pitch for the
    /// body size in the Body, Hei and Kai roles (see the module docs), else 1 em.
    pub(super) fn em_box(&self, role: Role, size: f32) -> f32 {
        let on_grid =
            matches!(role, Role::Body | Role::Hei | Role::Kai) && (size - self.p.body).abs() < 0.01;
        if on_grid {
            self.grid_pitch()
        } else {
            size
        }
    }

    /// Shape `runs` in paragraph role `role` at `size` pt: per character its role (footnote
    /// marks [`Role::Note`], `*emphasis*` [`Role::Kai`]), synthetic bold, box and glyph
    /// offset. Full-width characters get full-width boxes (on the grid at the body size),
    /// adjacent punctuation is compressed and dash pairs joined (module docs).
    pub(super) fn shape(&mut self, runs: &[Run], role: Role, size: f32) -> Shaped {
        let mut s = Shaped::default();
        for r in runs {
            if r.is_break() {
                // A forced line break: a zero-width '\n' that `break_forced` breaks at.
                s.chars.push('\n');
                s.roles.push(role);
                s.widths.push(0.0);
                s.offsets.push(0.0);
                s.bold.push(false);
                continue;
            }
            // Bold keeps the role (the writer synthesises the weight; the title's face is
            // bold already); emphasis is 楷体 at the same size.
            let (role, bold) = match r.note() {
                Some(_) => (Role::Note, false),
                None if r.italic && role != Role::Title => (Role::Kai, r.bold),
                None => (role, r.bold && role != Role::Title),
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
                    && self.glyphs.resolve(role, c).is_none()
                    && !self.missing.iter().any(|(m, _)| *m == c)
                {
                    let context: String = run[i.saturating_sub(8)..(i + 9).min(run.len())]
                        .iter()
                        .collect();
                    self.missing.push((c, context));
                }
                let glyph = if c == ' ' {
                    csize * 0.3
                } else {
                    self.glyphs.advance(role, c, csize)
                };
                // An apostrophe inside a Latin word stays proportional.
                let apostrophe = c == '’'
                    && i > 0
                    && run[i - 1].is_ascii_alphabetic()
                    && run.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic());
                let (w, off) = if role != Role::Note && crate::doc::is_full_width(c) && !apostrophe
                {
                    let b = self.em_box(role, csize);
                    let off = if closing(c) {
                        0.0
                    } else if opening(c) {
                        b - glyph
                    } else {
                        (b - glyph) / 2.0
                    };
                    (b, off)
                } else {
                    (glyph, 0.0)
                };
                s.chars.push(c);
                s.roles.push(role);
                s.widths.push(w);
                s.offsets.push(off);
                s.bold.push(bold);
            }
        }
        compress_punctuation(&mut s);
        self.join_dashes(&mut s, size);
        s
    }

    /// Place each run of em dashes (—— and longer) so their glyphs' ink touches: it spans
    /// the run's boxes exactly when the glyphs are long enough (overlapping as needed),
    /// else it is joined and centred in them. A single dash is centred in its box. A run
    /// of ellipses (……) keeps the font's own spacing between its glyphs, centred in the
    /// run's boxes, so the six dots are evenly spaced.
    fn join_dashes(&self, s: &mut Shaped, size: f32) {
        let n = s.chars.len();
        let mut i = 0;
        while i < n {
            let c = s.chars[i];
            if !matches!(c, '—' | '…') || s.roles[i] == Role::Note {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < n && s.chars[j] == c && s.roles[j] == s.roles[i] {
                j += 1;
            }
            let k = (j - i) as f32;
            let b = s.widths[i];
            if c == '…' {
                // The dots evenly spaced as the font spaces two ellipses, centred in
                // the boxes.
                let g = self.glyphs.advance(s.roles[i], c, size);
                let start = (b * k - g * k) / 2.0;
                for m in 0..j - i {
                    s.offsets[i + m] = start + m as f32 * (g - b);
                }
            } else if let Some((l, r)) = self.glyphs.ink(s.roles[i], c, size) {
                let w = r - l;
                let total = b * k;
                let (start, step) = if j - i == 1 {
                    ((b - w) / 2.0, 0.0)
                } else if w * k >= total {
                    (0.0, (total - w) / (k - 1.0))
                } else {
                    ((total - w * k) / 2.0, w)
                };
                for m in 0..j - i {
                    let ink_start = start + m as f32 * step;
                    s.offsets[i + m] = ink_start - l - m as f32 * b;
                }
            }
            i = j;
        }
    }

    /// The items of one line: characters `range` of `s`, set from `x0` in `width` with
    /// the baseline at `base` (from the page top). A justified line spreads its slack
    /// evenly over its [`glue`] points; a line with none is set flush left.
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
        let start = range.start;
        let mut end = range.end;
        while end > start && s.chars[end - 1] == ' ' {
            end -= 1;
        }
        // This line's boxes and offsets: an opening mark compressed against one that ends
        // the line before (a forced break between two marks) gets its full box back. (A
        // closing mark compressed before a mark on the next line stays half: its ink is in
        // the left half, and the line breaker measured it so.)
        let mut widths = s.widths[start..end].to_vec();
        let mut offsets = s.offsets[start..end].to_vec();
        if end > start
            && start > 0
            && opening(s.chars[start - 1])
            && opening(s.chars[start])
            && s.roles[start - 1] != Role::Note
            && s.roles[start] != Role::Note
        {
            widths[0] *= 2.0;
            offsets[0] += widths[0] / 2.0;
        }
        let mut natural: f32 = widths.iter().sum();
        let n = end - start;
        // A justified line ending in a full-width closing mark sets it at half width: its
        // empty right half hangs past the margin. So does any line that the line breaker
        // fitted only by measuring it so (a table cell set right or centred).
        if n > 1
            && super::linebreak::squeezable(s.chars[end - 1])
            && (align == HAlign::Justify || natural > width)
        {
            natural -= widths[n - 1] / 2.0;
        }
        let gaps = (start..end.saturating_sub(1))
            .filter(|&g| glue(s, g))
            .count();
        let (x, tc) = match align {
            HAlign::Justify if gaps > 0 => (
                x0,
                ((width - natural) / gaps as f32).clamp(-size * 0.1, size),
            ),
            HAlign::Center => (x0 + (width - natural) / 2.0, 0.0),
            HAlign::Right => (x0 + width - natural, 0.0),
            _ => (x0, 0.0),
        };
        // Where each character's box starts (and, last, where the line ends).
        let mut bx = Vec::with_capacity(n + 1);
        let mut cur = x;
        for g in start..end {
            bx.push(cur);
            cur += widths[g - start];
            // The space after a character belongs to the gap before the next one: the
            // line's last character ends at its own box.
            if g + 1 < end && glue(s, g) {
                cur += tc;
            }
        }
        bx.push(cur);
        let pen = |g: usize| bx[g - start] + offsets[g - start];
        let mut items = Vec::new();
        let mut i = start;
        while i < end {
            let key = |j: usize| {
                (
                    self.glyphs.font_for(s.roles[j], s.chars[j]),
                    s.roles[j] == Role::Note,
                    s.bold[j],
                )
            };
            let k = key(i);
            let mut j = i + 1;
            while j < end && key(j) == k {
                j += 1;
            }
            // Pen to pen; the run's last character advances to the end of its box.
            let advances: Vec<f32> = (i..j)
                .map(|g| {
                    if g + 1 < j {
                        pen(g + 1) - pen(g)
                    } else {
                        bx[j - start] - pen(g)
                    }
                })
                .collect();
            if let (Some(font), sup, bold) = k {
                let (csize, rise) = if sup {
                    (size * SUP_SCALE, size * SUP_RISE)
                } else {
                    (size, 0.0)
                };
                items.push(Item::Text {
                    x: pen(i),
                    y: self.p.page_h - base + rise,
                    size: csize,
                    font,
                    text: s.chars[i..j].iter().collect(),
                    advances,
                    bold,
                });
            }
            i = j;
        }
        items
    }

    /// Baseline of a line box of height `pitch` starting at `top`, for type of `size`.
    pub(super) fn baseline(top: f32, pitch: f32, size: f32) -> f32 {
        top + (pitch - size) / 2.0 + size * 0.88
    }
}

/// Compress adjacent full-width punctuation (clreq §3.1.6): a closing mark followed by a
/// closing or opening mark loses the empty right half of its box (`）。` `”；` `），` `。”`
/// `）（` take 1.5 em); an opening mark after an opening mark loses the empty left half of
/// its box, its glyph moving left with it (`（“`).
fn compress_punctuation(s: &mut Shaped) {
    for i in 1..s.chars.len() {
        let (a, b) = (s.chars[i - 1], s.chars[i]);
        if s.roles[i - 1] == Role::Note || s.roles[i] == Role::Note {
            continue;
        }
        if closing(a) && (closing(b) || opening(b)) {
            s.widths[i - 1] /= 2.0;
        } else if opening(a) && opening(b) {
            let half = s.widths[i] / 2.0;
            s.widths[i] -= half;
            s.offsets[i] -= half;
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

#[cfg(test)]
mod tests;
