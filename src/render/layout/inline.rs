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
                    && self.fonts.resolve(role, c).is_none()
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
                    self.fonts.advance(role, c, csize)
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
                let g = self.fonts.advance(s.roles[i], c, size);
                let start = (b * k - g * k) / 2.0;
                for m in 0..j - i {
                    s.offsets[i + m] = start + m as f32 * (g - b);
                }
            } else if let Some((l, r)) = self.fonts.ink(s.roles[i], c, size) {
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
                    self.fonts.font_for(s.roles[j], s.chars[j]),
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
mod tests {
    use super::super::tests::lay;
    use super::super::{Item, Layout, Preset};
    use crate::doc::{Block, Run};
    use crate::render::pdf::fonts::{FontSet, Role};

    /// One drawn glyph: page (from 0), character, pen x, baseline y, size, font, bold.
    #[derive(Debug, Clone)]
    struct G {
        page: usize,
        /// The index of its glyph run in the layout.
        run: usize,
        c: char,
        x: f32,
        y: f32,
        size: f32,
        font: usize,
        bold: bool,
    }

    fn glyphs(l: &Layout) -> Vec<G> {
        let mut out = Vec::new();
        let mut run = 0;
        for (page, p) in l.pages.iter().enumerate() {
            let end = p.folio.unwrap_or(p.items.len());
            for item in &p.items[..end] {
                if let Item::Text {
                    x,
                    y,
                    size,
                    font,
                    text,
                    advances,
                    bold,
                } = item
                {
                    let mut pen = *x;
                    run += 1;
                    for (c, a) in text.chars().zip(advances) {
                        out.push(G {
                            page,
                            run,
                            c,
                            x: pen,
                            y: *y,
                            size: *size,
                            font: *font,
                            bold: *bold,
                        });
                        pen += a;
                    }
                }
            }
        }
        out
    }

    fn pitch() -> f32 {
        Preset::gbt9704().text_width() / super::GRID_CHARS
    }

    /// The glyph's own advance in its font (pt).
    fn natural(g: &G) -> f32 {
        let f = &FontSet::bundled().files[g.font];
        f.glyph(g.c).map_or(0.0, |id| f.advance(id) * g.size)
    }

    fn para(text: &str) -> Block {
        Block::Paragraph(vec![Run::plain(text)])
    }

    fn heading(level: u8, text: &str) -> Block {
        Block::Heading {
            level,
            numbered: false,
            number: None,
            runs: vec![Run::plain(text)],
        }
    }

    /// The pen x of the first `c` in `gs`.
    fn x_of(gs: &[G], c: char) -> f32 {
        gs.iter().find(|g| g.c == c).map(|g| g.x).expect("glyph")
    }

    /// Lines of the first page: glyph counts by baseline, top to bottom.
    fn line_counts(gs: &[G]) -> Vec<usize> {
        let mut ys: Vec<(f32, usize)> = Vec::new();
        for g in gs.iter().filter(|g| g.page == 0) {
            match ys.iter_mut().find(|(y, _)| (y - g.y).abs() < 0.01) {
                Some(e) => e.1 += 1,
                None => ys.push((g.y, 1)),
            }
        }
        ys.into_iter().map(|(_, n)| n).collect()
    }

    /// GB/T 9704 §5.2.1: 28 characters per line; the indent is two characters.
    #[test]
    fn a_full_body_line_holds_28_characters_on_the_grid() {
        let l = lay(vec![para(&"调研".repeat(60))], Vec::new());
        let gs = glyphs(&l);
        assert_eq!(line_counts(&gs), [26, 28, 28, 28, 10]);
        let p = Preset::gbt9704();
        assert!((gs[0].x - (p.left + 2.0 * pitch() + (pitch() - 16.0) / 2.0)).abs() < 0.01);
        for w in gs.windows(2).filter(|w| (w[0].y - w[1].y).abs() < 0.01) {
            assert!((w[1].x - w[0].x - pitch()).abs() < 0.01, "{w:?}");
        }
        // Headings at the body size are on the same grid.
        for level in [1, 2, 3] {
            let gs = glyphs(&lay(vec![heading(level, "社区基本情况")], Vec::new()));
            for w in gs.windows(2) {
                assert!((w[1].x - w[0].x - pitch()).abs() < 0.01, "{level}: {w:?}");
            }
        }
    }

    /// Asserts that no two adjacent characters of a number or a Latin word are spread
    /// apart; returns how many pairs it checked.
    fn assert_words_unspaced(gs: &[G]) -> usize {
        let mut pairs = 0;
        for w in gs.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            // One run, or a run that continues the line in another font (table cells
            // on one baseline are runs far apart).
            let same_line = a.page == b.page
                && (a.y - b.y).abs() < 0.01
                && a.size == b.size
                && (a.run == b.run || (b.x - a.x - natural(a)).abs() < a.size);
            if same_line
                && super::super::linebreak::is_word(a.c)
                && super::super::linebreak::is_word(b.c)
            {
                let gap = b.x - a.x - natural(a);
                assert!(gap.abs() < 0.01, "{gap} pt between {} and {}", a.c, b.c);
                pairs += 1;
            }
        }
        pairs
    }

    #[test]
    fn justification_never_spreads_numbers_or_words() {
        let text = "辖区十二个社区共有居民30458户、常住人口81758人，占43.3%，按GB/T 9704排版。"
            .repeat(6)
            + "甲乙"
            + &"Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2)
            + "。";
        let l = lay(vec![para(&text)], Vec::new());
        let gs = glyphs(&l);
        assert!(assert_words_unspaced(&gs) > 100);
        // The lines are justified: some CJK pairs are spread.
        assert!(gs
            .windows(2)
            .any(|w| w[0].c == '区' && w[1].c == '共' && w[1].x - w[0].x > pitch() + 0.1));
        let all: String = gs.iter().map(|g| g.c).collect();
        assert!(all.contains(&"Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2)));
    }

    /// Issue 16: 22 justified lines of the seed spread digits apart ("4 3 . 3 %").
    #[test]
    fn the_seed_has_no_gap_inside_a_number() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let report = crate::build(&root.join("data/qingnianlu-2019.yaml"), None).expect("seed");
        let l = super::super::layout(&report.document, FontSet::bundled(), Preset::gbt9704());
        let pairs = assert_words_unspaced(&glyphs(&l));
        assert!(pairs > 300, "{pairs} pairs");
    }

    #[test]
    fn quotes_take_a_full_width_box_in_every_role() {
        for block in [
            para("居委会“自治”名不副实"),
            heading(1, "居委会“自治”名不副实"),
            heading(2, "居委会“自治”名不副实"),
        ] {
            let gs = glyphs(&lay(vec![block.clone()], Vec::new()));
            let d1 = x_of(&gs, '自') - x_of(&gs, '会');
            let d2 = x_of(&gs, '名') - x_of(&gs, '治');
            assert!((d1 - 2.0 * pitch()).abs() < 0.01, "{block:?}: {d1}");
            assert!((d2 - 2.0 * pitch()).abs() < 0.01, "{block:?}: {d2}");
            // The opening mark's glyph ends at its box's right edge; the closing mark's
            // starts at its box's left edge.
            let open = gs.iter().find(|g| g.c == '“').expect("“");
            let box_end = x_of(&gs, '会') - (pitch() - 16.0) / 2.0 + 2.0 * pitch();
            assert!((open.x + natural(open) - box_end).abs() < 0.3, "{block:?}");
            let close = x_of(&gs, '”');
            let box_start = x_of(&gs, '治') - (pitch() - 16.0) / 2.0 + pitch();
            assert!((close - box_start).abs() < 0.3, "{block:?}");
        }
    }

    /// A font with proportional (Latin) quotes, as many installed fonts have: the layout
    /// still gives each quote a full-width box (a grid cell in a level-1 heading), the
    /// opening mark's glyph at the box's right edge, the closing mark's at its left —
    /// measured from the glyph's own advance, not from the box.
    #[test]
    fn proportional_quotes_are_set_in_a_full_width_box() {
        use crate::render::pdf::fonts::FontFile;
        let bytes: &'static [u8] =
            include_bytes!("../../../tests/fixtures/fonts-quotes/DiaoyanTestQuotes.ttf");
        let file = FontFile::load("DiaoyanTestQuotes", "test".into(), bytes, 0).expect("font");
        let fonts = FontSet::bundled_with(Role::Hei, file);
        let doc = crate::doc::Document {
            blocks: vec![heading(1, "居委会“自治”名不副实")],
            ..Default::default()
        };
        let gs = glyphs(&super::super::layout(&doc, &fonts, Preset::gbt9704()));
        let natural = |g: &G| {
            let f = &fonts.files[g.font];
            f.glyph(g.c).map_or(0.0, |id| f.advance(id) * g.size)
        };
        let open = gs.iter().find(|g| g.c == '“').expect("“");
        assert!(natural(open) < 10.0, "the fixture's quote is proportional");
        let d1 = x_of(&gs, '自') - x_of(&gs, '会');
        assert!((d1 - 2.0 * pitch()).abs() < 0.01, "{d1}");
        let box_end = x_of(&gs, '会') - (pitch() - 16.0) / 2.0 + 2.0 * pitch();
        assert!((open.x + natural(open) - box_end).abs() < 0.3, "{open:?}");
        let box_start = x_of(&gs, '治') - (pitch() - 16.0) / 2.0 + pitch();
        assert!((x_of(&gs, '”') - box_start).abs() < 0.3);
    }

    #[test]
    fn dashes_are_one_joined_two_em_rule_and_ellipses_two_em() {
        for block in [
            para("社区——街道"),
            heading(2, "社区——街道"),
            para("社区……街道"),
            heading(2, "社区……街道"),
        ] {
            let gs = glyphs(&lay(vec![block.clone()], Vec::new()));
            let d = x_of(&gs, '街') - x_of(&gs, '区');
            assert!((d - 3.0 * pitch()).abs() < 0.01, "{block:?}: {d}");
            let dashes: Vec<&G> = gs.iter().filter(|g| g.c == '—').collect();
            if let [a, b] = dashes[..] {
                let f = &FontSet::bundled().files[a.font];
                let bb = f
                    .face
                    .glyph_bounding_box(ttf_parser::GlyphId(f.glyph('—').expect("dash")))
                    .expect("outline");
                let em = f.face.units_per_em() as f32;
                let a_right = a.x + bb.x_max as f32 / em * a.size;
                let b_left = b.x + bb.x_min as f32 / em * b.size;
                assert!(
                    b_left <= a_right + 0.01,
                    "{block:?}: a gap between the dashes"
                );
            }
        }
    }

    #[test]
    fn adjacent_punctuation_takes_one_and_a_half_em() {
        let p = pitch();
        for (text, from, to, ems) in [
            ("甲（乙）。丙", '乙', '丙', 2.5),
            ("甲，“乙”；丙", '甲', '乙', 2.5),
            ("甲，“乙”；丙", '乙', '丙', 2.5),
            ("甲（“乙”）丙", '甲', '乙', 2.5),
            ("甲（“乙”）丙", '乙', '丙', 2.5),
            ("甲。”乙", '甲', '乙', 2.5),
        ] {
            let gs = glyphs(&lay(vec![heading(3, text)], Vec::new()));
            let d = x_of(&gs, to) - x_of(&gs, from);
            assert!((d - ems * p).abs() < 0.01, "{text}: {d} vs {}", ems * p);
        }
    }

    /// Bold keeps the role's face and is synthesised; emphasis is 楷体, upright.
    #[test]
    fn bold_is_synthesised_and_emphasis_is_kai() {
        let runs = vec![
            Run::plain("正文"),
            Run {
                text: "加粗".into(),
                bold: true,
                ..Run::default()
            },
            Run {
                text: "强调".into(),
                italic: true,
                ..Run::default()
            },
        ];
        for block in [
            Block::Paragraph(runs.clone()),
            Block::Quote(vec![Block::Paragraph(runs)]),
        ] {
            let gs = glyphs(&lay(vec![block], Vec::new()));
            let g = |c: char| gs.iter().find(|g| g.c == c).cloned().expect("glyph");
            assert!(g('加').bold && !g('正').bold && !g('强').bold);
            assert_eq!(g('加').font, g('文').font);
            let kai = FontSet::bundled().font_for(Role::Kai, '强');
            assert_eq!(Some(g('强').font), kai);
            assert_eq!(g('强').size, g('正').size);
        }
    }

    /// A paragraph never ends with one character (with its punctuation) alone: "题。".
    #[test]
    fn no_single_character_on_a_last_line() {
        for tail in ["题。", "户。", "题", "题”。"] {
            // Fill the first line (26 characters after the indent) and the second exactly.
            let text = "调".repeat(26 + 28) + tail;
            let gs = glyphs(&lay(vec![para(&text)], Vec::new()));
            let counts = line_counts(&gs);
            let last_line_y = gs.last().expect("glyphs").y;
            let last: String = gs
                .iter()
                .filter(|g| (g.y - last_line_y).abs() < 0.01)
                .map(|g| g.c)
                .collect();
            assert!(
                last.chars().filter(|c| c.is_alphanumeric()).count() >= 2,
                "{tail}: {counts:?} {last}"
            );
        }
    }
}
