//! Line breaking for Chinese text (clreq / GB/T 15834 rules on top of per-character
//! opportunities): closing punctuation never starts a line, opening punctuation never ends
//! one, —— and …… stay whole, Latin words and numbers stay whole, and a paragraph never
//! ends with one character alone on its last line.

use std::ops::Range;

/// Characters that must not start a line.
pub fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕〉〗”’…—·%‰℃,.;:?!)]}>".contains(c)
}

/// Characters that must not end a line.
pub fn no_line_end(c: char) -> bool {
    "（《「『【〔〈〖“‘([{<".contains(c)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '%' | '-' | '_' | '/' | '\'')
}

/// Whether a line may break between `chars[i - 1]` and `chars[i]`.
pub fn can_break_before(chars: &[char], i: usize) -> bool {
    if i == 0 || i >= chars.len() {
        return i >= chars.len();
    }
    let (a, b) = (chars[i - 1], chars[i]);
    if b == ' ' {
        return false; // break after the space instead
    }
    if a == ' ' {
        return true;
    }
    if no_line_start(b) || no_line_end(a) {
        return false;
    }
    if a == b && matches!(a, '—' | '…') {
        return false;
    }
    !(is_word(a) && is_word(b))
}

/// Break `chars` (with per-character advances `widths`) into lines no wider than
/// `first` (the first line) and `rest` (the others). Returns the character range of each
/// line; spaces at a line's end are not counted in its width.
pub fn break_lines(chars: &[char], widths: &[f32], first: f32, rest: f32) -> Vec<Range<usize>> {
    let n = chars.len();
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f32);
    for w in widths {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + w);
    }
    let width_of = |a: usize, b: usize| {
        let mut e = b;
        while e > a && chars[e - 1] == ' ' {
            e -= 1;
        }
        prefix[e] - prefix[a]
    };
    let mut lines = Vec::new();
    let mut start = 0;
    while start < n {
        let avail = if lines.is_empty() { first } else { rest };
        let mut best = None;
        let mut forced = start + 1;
        for end in start + 1..=n {
            let w = width_of(start, end);
            if w > avail + 0.01 {
                break;
            }
            forced = end;
            if can_break_before(chars, end) {
                best = Some(end);
            }
        }
        let end = best.unwrap_or(forced).max(start + 1);
        lines.push(start..end);
        start = end;
    }
    avoid_lone_last_char(chars, &mut lines);
    lines
}

/// If the last line holds a single character (ignoring nothing), pull one more from the
/// line before, at a legal break.
fn avoid_lone_last_char(chars: &[char], lines: &mut [Range<usize>]) {
    let k = lines.len();
    if k < 2 || lines[k - 1].len() != 1 {
        return;
    }
    let prev = lines[k - 2].clone();
    let mut cut = prev.end - 1;
    while cut > prev.start + 1 && !can_break_before(chars, cut) {
        cut -= 1;
    }
    if cut > prev.start + 1 && can_break_before(chars, cut) {
        lines[k - 2].end = cut;
        lines[k - 1].start = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(s: &str, per_line: usize) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        let widths: Vec<f32> = chars
            .iter()
            .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
            .collect();
        break_lines(&chars, &widths, per_line as f32, per_line as f32)
            .into_iter()
            .map(|r| chars[r].iter().collect())
            .collect()
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let got = lines_of("一二三四五，六七八九十", 5);
        assert!(got.iter().all(|l| !l.starts_with('，')), "{got:?}");
        assert_eq!(got.concat(), "一二三四五，六七八九十");
    }

    #[test]
    fn opening_quote_never_ends_a_line() {
        let got = lines_of("一二三四“五六七八”九", 5);
        assert!(got.iter().all(|l| !l.ends_with('“')), "{got:?}");
    }

    #[test]
    fn numbers_stay_whole() {
        let got = lines_of("共有人口10303人", 6);
        assert!(got.iter().any(|l| l.contains("10303")), "{got:?}");
    }

    #[test]
    fn no_lone_last_character() {
        let got = lines_of("一二三四五六七八九十甲", 5);
        assert!(
            got.last().is_some_and(|l| l.chars().count() >= 2),
            "{got:?}"
        );
    }

    #[test]
    fn dashes_stay_together() {
        let got = lines_of("一二三四——五六", 5);
        assert!(
            got.iter().all(|l| !l.ends_with("—") || l.ends_with("——")),
            "{got:?}"
        );
    }
}
