//! Line breaking for Chinese text: break opportunities per UAX #14 (unicode-linebreak) with
//! the clreq / GB/T 15834 rules on top — closing punctuation never starts a line, opening
//! punctuation never ends one, —— and …… stay whole, Latin words and numbers stay whole, a
//! number stays on the line of the unit that follows it (`4000户`, `1.5万元`) — and a
//! paragraph never ends with a single character (with its punctuation) alone on its last
//! line. A full-width closing mark at a line's end may be squeezed to half width (its ink
//! is in the left half). A word longer than the space left goes to the next line; a word
//! longer than a whole line is broken where the line is full (never letter-spaced: see
//! `inline::glue`).

use std::ops::Range;

/// Characters that must not start a line.
pub fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】〕〉〗”’…—·%‰℃,.;:?!)]}>".contains(c)
}

/// Characters that must not end a line.
pub fn no_line_end(c: char) -> bool {
    "（《「『【〔〈〖“‘([{<".contains(c)
}

/// Full-width opening marks: their left half is empty.
pub fn opening(c: char) -> bool {
    "（《「『【〔〈〖“‘".contains(c)
}

/// Full-width closing marks whose right half is empty, so they can hang half outside.
pub fn squeezable(c: char) -> bool {
    "，。、；：？！）》」』】〕〉〗”’".contains(c)
}

/// Where a line may break before character `i` (index `chars.len()` is always allowed).
pub fn opportunities(chars: &[char]) -> Vec<bool> {
    let text: String = chars.iter().collect();
    // Byte offset → char index.
    let mut char_at = vec![0usize; text.len() + 1];
    for (ci, (bi, _)) in text.char_indices().enumerate() {
        char_at[bi] = ci;
    }
    char_at[text.len()] = chars.len();
    let mut ok = vec![false; chars.len() + 1];
    for (byte, _kind) in unicode_linebreak::linebreaks(&text) {
        ok[char_at[byte]] = true;
    }
    for i in 1..chars.len() {
        let (a, b) = (chars[i - 1], chars[i]);
        if ok[i] && (no_line_start(b) || no_line_end(a) || (a == b && matches!(a, '—' | '…'))) {
            ok[i] = false;
        }
        // Between Chinese characters UAX #14 always allows a break; keep Latin words and
        // numbers (with their decimal points and percent signs) whole.
        if is_word(a) && is_word(b) {
            ok[i] = false;
        }
        // A number stays on the line of its unit: no break between a digit and the
        // ideograph after it (4000户, 1.5万元, 2492平方米).
        if a.is_ascii_digit() && is_ideograph(b) {
            ok[i] = false;
        }
    }
    ok[0] = false;
    ok
}

/// Whether `c` belongs to a Latin word or a number ("GB/T", "43.3%", "10,303", "e-mail"):
/// letters and digits below the CJK blocks, and the marks that join them. Lines do not
/// break, and justification adds no space, between two such characters.
pub fn is_word(c: char) -> bool {
    (c.is_alphanumeric() && (c as u32) < 0x2E80)
        || matches!(c, '.' | ',' | '%' | '-' | '_' | '/' | '\'' | '’')
}

/// Whether `c` is a CJK ideograph (URO, Ext A–I, compatibility ideographs).
pub fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFD)
}

/// Whether `c` counts as a character of its own on a paragraph's last line: not
/// punctuation, not a space.
fn substantive(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether the line may break between `chars[i - 1]` and `chars[i]`.
pub fn can_break_before(chars: &[char], i: usize) -> bool {
    opportunities(chars).get(i).copied().unwrap_or(false)
}

/// Break `chars` (per-character advances `widths`) into lines no wider than `first` (the
/// first line) and `rest` (the others). Trailing spaces take no width; a trailing
/// full-width closing mark counts half its width. Returns each line's character range.
pub fn break_lines(chars: &[char], widths: &[f32], first: f32, rest: f32) -> Vec<Range<usize>> {
    let n = chars.len();
    let ok = opportunities(chars);
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0f32);
    for w in widths {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + w);
    }
    let mut lines = Vec::new();
    let mut start = 0;
    while start < n {
        let avail = if lines.is_empty() { first } else { rest };
        let mut best = None;
        let mut forced = start + 1;
        // An opening mark compressed after the one that ends the line before gets its
        // full box back at the line's start (`inline::line_items`).
        let lead = if start > 0 && opening(chars[start - 1]) && opening(chars[start]) {
            widths[start]
        } else {
            0.0
        };
        for (end, &allowed) in ok.iter().enumerate().skip(start + 1) {
            let w = lead + line_width(chars, widths, &prefix, start, end);
            if w > avail + 0.01 {
                break;
            }
            forced = end;
            if allowed {
                best = Some(end);
            }
        }
        let end = best.unwrap_or(forced).max(start + 1);
        lines.push(start..end);
        start = end;
    }
    avoid_lone_last_char(chars, widths, &prefix, rest, &ok, &mut lines);
    lines
}

/// The width a line occupies: trailing spaces are free, a trailing squeezable mark counts
/// half.
pub fn line_width(chars: &[char], widths: &[f32], prefix: &[f32], a: usize, b: usize) -> f32 {
    let mut e = b;
    while e > a && chars[e - 1] == ' ' {
        e -= 1;
    }
    let mut w = prefix[e] - prefix[a];
    if e > a && squeezable(chars[e - 1]) {
        w -= widths[e - 1] / 2.0;
    }
    w
}

/// If the last line of more than one holds fewer than two [`substantive`] characters ("题。",
/// "户。"), pull characters from the line before, at the latest legal break that gives the
/// last line two, as long as the line before keeps two characters and the last line still
/// fits `rest`.
fn avoid_lone_last_char(
    chars: &[char],
    widths: &[f32],
    prefix: &[f32],
    rest: f32,
    ok: &[bool],
    lines: &mut [Range<usize>],
) {
    let k = lines.len();
    let count = |r: Range<usize>| chars[r].iter().filter(|c| substantive(**c)).count();
    if k < 2 || count(lines[k - 1].clone()) >= 2 {
        return;
    }
    let (prev, end) = (lines[k - 2].clone(), lines[k - 1].end);
    let cut = (prev.start + 2..prev.end).rev().find(|&c| {
        ok[c] && count(c..end) >= 2 && line_width(chars, widths, prefix, c, end) <= rest + 0.01
    });
    if let Some(cut) = cut {
        lines[k - 2].end = cut;
        lines[k - 1].start = cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn width(c: char) -> f32 {
        if c.is_ascii() {
            0.5
        } else {
            1.0
        }
    }

    fn lines_of(s: &str, per_line: usize) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        let widths: Vec<f32> = chars.iter().map(|c| width(*c)).collect();
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
    fn a_closing_mark_squeezes_into_the_line_end() {
        // Five characters and a comma at half width fit 5.5 em; at full width they would
        // not, and 五 would be pushed to the next line with its comma.
        let chars: Vec<char> = "一二三四五，六七八九十".chars().collect();
        let widths = vec![1.0; chars.len()];
        let lines = break_lines(&chars, &widths, 5.5, 5.5);
        assert_eq!(lines[0], 0..6);
    }

    #[test]
    fn opening_quote_never_ends_a_line() {
        let got = lines_of("一二三四“五六七八”九", 5);
        assert!(got.iter().all(|l| !l.ends_with('“')), "{got:?}");
    }

    #[test]
    fn numbers_stay_whole() {
        let got = lines_of("共有人口10303人，占55.4%", 6);
        assert!(got.iter().any(|l| l.contains("10303")), "{got:?}");
        assert!(got.iter().any(|l| l.contains("55.4%")), "{got:?}");
    }

    #[test]
    fn no_lone_last_character() {
        let got = lines_of("一二三四五六七八九十甲", 5);
        assert!(
            got.last().is_some_and(|l| l.chars().count() >= 2),
            "{got:?}"
        );
    }

    /// Issue 16: "题。" and "户。" alone on a paragraph's last line.
    #[test]
    fn the_last_line_holds_two_characters_besides_punctuation() {
        for s in [
            "一二三四五六七八九十题。",
            "一二三四五六七八九十户。",
            "一二三四五六七八九十“题”。",
        ] {
            let got = lines_of(s, 5);
            let last = got.last().expect("lines");
            assert!(
                last.chars().filter(|c| c.is_alphanumeric()).count() >= 2,
                "{got:?}"
            );
            assert_eq!(got.concat(), s);
        }
    }

    /// A number stays on the line of its unit; a word longer than the line is broken
    /// where the line is full.
    #[test]
    fn numbers_keep_their_unit_and_long_words_break() {
        for (s, unit) in [
            ("甲乙丙丁戊4000户", "4000户"),
            ("甲乙丙丁戊1.5万元", "1.5万"),
            ("甲乙丙丁戊43.3%的", "43.3%"),
        ] {
            let got = lines_of(s, 7);
            assert!(
                got.len() > 1 && got.iter().any(|l| l.contains(unit)),
                "{got:?}"
            );
        }
        let got = lines_of("甲乙ABCDEFGHIJKLMNOPQRSTUVWXYZ", 5);
        assert_eq!(got[0], "甲乙");
        assert!(got[1..].iter().all(|l| l.len() <= 10), "{got:?}");
    }

    #[test]
    fn dashes_and_ellipses_stay_together() {
        for s in ["一二三四——五六", "一二三四……五六"] {
            let got = lines_of(s, 5);
            assert!(
                got.iter()
                    .all(|l| !l.ends_with(['—', '…']) || l.ends_with("——") || l.ends_with("……")),
                "{got:?}"
            );
        }
    }

    fn text() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            4 => proptest::sample::select(vec!["社区", "工作", "人员", "办公", "用房", "面积", "现代化", "调研"]).prop_map(String::from),
            2 => proptest::sample::select(vec!["，", "。", "、", "；", "：", "？", "！", "（", "）", "“", "”", "《", "》", "——", "……"]).prop_map(String::from),
            1 => "[0-9]{1,6}(\\.[0-9])?%?".prop_map(String::from),
            1 => "[A-Za-z]{1,8}".prop_map(String::from),
            1 => Just(" ".to_string()),
        ];
        proptest::collection::vec(pieces, 1..60).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn no_rule_is_broken_and_no_text_is_lost(s in text(), measure in 4usize..30) {
            let chars: Vec<char> = s.chars().collect();
            let widths: Vec<f32> = chars.iter().map(|c| width(*c)).collect();
            let m = measure as f32;
            let lines = break_lines(&chars, &widths, m, m);
            // Nothing lost, nothing duplicated, in order.
            let joined: String = lines.iter().map(|r| chars[r.clone()].iter().collect::<String>()).collect();
            prop_assert_eq!(&joined, &s);
            let mut prefix = vec![0.0f32];
            for w in &widths { prefix.push(prefix.last().unwrap() + w); }
            let ok = opportunities(&chars);
            for (k, r) in lines.iter().enumerate() {
                let line = &chars[r.clone()];
                // No line exceeds the measure, unless one unbreakable piece is wider.
                let w = line_width(&chars, &widths, &prefix, r.start, r.end);
                let single_piece = (r.start + 1..r.end).all(|i| !ok[i]);
                prop_assert!(w <= m + 0.01 || single_piece, "line {} is {} wide: {:?}", k, w, line);
                if k > 0 && ok[r.start] {
                    prop_assert!(!no_line_start(line[0]), "line starts with {:?}", line[0]);
                }
                if k + 1 < lines.len() && ok[r.end] {
                    let last = *line.last().unwrap();
                    prop_assert!(!no_line_end(last), "line ends with {:?}", last);
                }
            }
        }

        #[test]
        fn breaks_only_at_opportunities_when_possible(s in text()) {
            let chars: Vec<char> = s.chars().collect();
            let widths: Vec<f32> = chars.iter().map(|c| width(*c)).collect();
            let lines = break_lines(&chars, &widths, 12.0, 12.0);
            let ok = opportunities(&chars);
            let mut prefix = vec![0.0f32];
            for w in &widths { prefix.push(prefix.last().unwrap() + w); }
            for r in &lines[..lines.len() - 1] {
                // A forced break happens only when no opportunity fits the measure.
                if !ok[r.end] {
                    prop_assert!((r.start + 1..r.end).all(|i| !ok[i]) || line_width(&chars, &widths, &prefix, r.start, r.end + 1) > 12.0);
                }
            }
        }
    }
}
