//! Rules for the characters a data string may hold.
//!
//! Every string of a data file (keys too) passes through here at load, so what reaches the
//! later stages is text every output can carry:
//!
//! - characters XML 1.0 forbids (§2.2 `Char`: U+0000–U+0008, U+000B, U+000C,
//!   U+000E–U+001F, U+FFFE, U+FFFF) are refused — a DOCX holding one cannot be opened;
//! - default-ignorable code points (invisible formatting pasted from the web: soft hyphen,
//!   zero-width space and joiners, word joiner, byte-order mark, variation selectors, bidi
//!   controls …) are removed silently;
//! - U+2028 LINE SEPARATOR stays in prose (composition makes it a hard line break) and
//!   U+2029 PARAGRAPH SEPARATOR becomes a paragraph break (`\n\n`); in one-line text both become a
//!   paragraph break (`\n\n`) in prose, and a space in one-line text (names, titles);
//! - DEL and the C1 controls (U+007F–U+009F) are refused like the XML-illegal ones;
//! - in one-line text (names, titles, cells, keys) a tab, CR or LF becomes a space.

use std::borrow::Cow;

/// `Default_Ignorable_Code_Point`, from Unicode 15.0's DerivedCoreProperties.txt
/// (<https://www.unicode.org/Public/15.0.0/ucd/DerivedCoreProperties.txt>), as inclusive
/// ranges in code-point order.
const DEFAULT_IGNORABLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` has the Unicode property `Default_Ignorable_Code_Point`.
pub fn is_default_ignorable(c: char) -> bool {
    let c = c as u32;
    DEFAULT_IGNORABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Whether XML 1.0 forbids `c` in a document (tab, LF and CR are allowed; surrogates
/// cannot occur in a Rust string).
pub fn is_xml_illegal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Whether a data string may not hold `c`: what XML forbids ([`is_xml_illegal`]), plus
/// DEL (U+007F) and the C1 controls (U+0080–U+009F, NEL included). XML allows the latter
/// but they are invisible garbage in a report (and YAML 1.2 does not count them printable).
pub fn is_refused(c: char) -> bool {
    is_xml_illegal(c) || matches!(c, '\u{7F}'..='\u{9F}')
}

/// The first character of `s` a data string may not hold ([`is_refused`]), if any.
pub fn first_illegal(s: &str) -> Option<char> {
    s.chars().find(|&c| is_refused(c))
}

/// What a string is used as, which decides what U+2028/U+2029 become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Paragraphs of the writer's prose (findings, recommendations, closing).
    Prose,
    /// One line of text: names, titles, cells, keys.
    Line,
}

/// `s` without default-ignorable characters, with U+2028/U+2029 turned into breaks
/// (prose) or spaces (one-line text). XML-illegal characters are left for the caller to
/// refuse. Borrowed when nothing changes.
pub fn clean(s: &str, usage: Use) -> Cow<'_, str> {
    let separator = |c: char| matches!(c, '\u{2028}' | '\u{2029}' | LS_STAND_IN | PS_STAND_IN);
    // In one-line text a tab, CR or LF is a space too: a name or cell has no lines.
    let line_break = |c: char| usage == Use::Line && matches!(c, '\t' | '\r' | '\n');
    if !s
        .chars()
        .any(|c| is_default_ignorable(c) || separator(c) || line_break(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (c, usage) {
            _ if is_default_ignorable(c) => {}
            // Kept: composition turns it into a typed hard line break.
            ('\u{2028}' | LS_STAND_IN, Use::Prose) => out.push('\u{2028}'),
            ('\u{2029}' | PS_STAND_IN, Use::Prose) => out.push_str("\n\n"),
            (c, Use::Line) if separator(c) || line_break(c) => out.push(' '),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Stand-ins for U+2028/U+2029 typed raw into a data file: YAML parsers read those as line
/// breaks, which would break the file's structure (a name with a pasted U+2028 would end
/// mid-line). [`protect_separators`] swaps them for these noncharacters before parsing;
/// [`clean`] treats them as the separators they stand for.
const LS_STAND_IN: char = '\u{FDD0}';
const PS_STAND_IN: char = '\u{FDD1}';

/// `text` with raw U+2028/U+2029 replaced by stand-ins YAML reads as ordinary characters
/// (one character for one, so lines and columns are unchanged). Only for parsing: never
/// written back to a user's file.
pub fn protect_separators(text: String) -> String {
    if !text.contains(['\u{2028}', '\u{2029}']) {
        return text;
    }
    text.chars()
        .map(|c| match c {
            '\u{2028}' => LS_STAND_IN,
            '\u{2029}' => PS_STAND_IN,
            c => c,
        })
        .collect()
}

/// `U+000C` style name of a code point.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for w in DEFAULT_IGNORABLE.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:?}");
        }
    }

    #[test]
    fn ignorables_named_in_issue_14() {
        for c in [
            '\u{AD}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{061C}',
            '\u{200E}',
            '\u{200F}',
            '\u{E0001}',
        ] {
            assert!(is_default_ignorable(c), "{}", code_point(c));
        }
        for c in [
            'a',
            '社',
            '\u{2028}',
            ' ',
            '\u{3000}',
            '\u{20BB7}',
            '\u{1F600}',
        ] {
            assert!(!is_default_ignorable(c), "{}", code_point(c));
        }
    }

    #[test]
    fn xml_illegal_characters() {
        for c in [
            '\0', '\u{8}', '\u{B}', '\u{C}', '\u{E}', '\u{1D}', '\u{1F}', '\u{FFFE}', '\u{FFFF}',
        ] {
            assert!(is_xml_illegal(c), "{}", code_point(c));
        }
        for c in ['\t', '\n', '\r', ' ', '\u{7F}', '\u{FFFD}'] {
            assert!(!is_xml_illegal(c), "{}", code_point(c));
        }
        assert_eq!(first_illegal("安定\u{C}社区"), Some('\u{C}'));
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("人数\u{AD}不足", Use::Line), "人数不足");
        assert_eq!(clean("安\u{200B}定\u{FEFF}", Use::Line), "安定");
        assert_eq!(
            clean("甲\u{2028}乙\u{2029}丙", Use::Prose),
            "甲\u{2028}乙\n\n丙"
        );
        assert_eq!(clean("甲\u{2028}乙\u{2029}丙", Use::Line), "甲 乙 丙");
        assert!(matches!(clean("不变", Use::Line), Cow::Borrowed(_)));
        assert_eq!(clean("安定\r社区\n甲\t乙", Use::Line), "安定 社区 甲 乙");
        assert_eq!(clean("甲\n乙", Use::Prose), "甲\n乙");
        assert_eq!(first_illegal("a\u{7F}"), Some('\u{7F}'));
        assert_eq!(first_illegal("a\u{85}"), Some('\u{85}'));
        assert_eq!(first_illegal("a\u{A0}"), None);
    }

    proptest::proptest! {
        #[test]
        fn cleaned_text_has_no_ignorable_or_separator_and_is_stable(s in "\\PC*|[\\u{0}-\\u{3000}]*", prose: bool) {
            let usage = if prose { Use::Prose } else { Use::Line };
            let once = clean(&s, usage).into_owned();
            // In prose U+2028 stays (a hard line break, one per LS in the input); nothing
            // else of the separators and no ignorable is left.
            let left_over = once.chars().any(|c| {
                is_default_ignorable(c)
                    || matches!(c, '\u{2029}' | LS_STAND_IN | PS_STAND_IN)
                    || (c == '\u{2028}' && !prose)
            });
            proptest::prop_assert!(!left_over, "left over in {:?}", once);
            proptest::prop_assert_eq!(clean(&once, usage).into_owned(), once.clone());
            // Every other character is kept, in order.
            let kept: String = s.chars().filter_map(|c| match c {
                '\u{2028}' | LS_STAND_IN if prose => Some('\u{2028}'),
                c if is_default_ignorable(c)
                    || matches!(c, '\u{2028}' | '\u{2029}' | LS_STAND_IN | PS_STAND_IN) => None,
                c => Some(c),
            }).collect();
            let blank = |c: &char| matches!(c, '\n' | ' ' | '\r' | '\t');
            let once_kept: String = once.chars().filter(|c| !blank(c)).collect();
            let kept: String = kept.chars().filter(|c| !blank(c)).collect();
            proptest::prop_assert_eq!(once_kept, kept);
        }
    }
}
