//! Character classes shared by every stage: which characters are Chinese script (for
//! joining lines and telling Chinese text apart) and how wide a character is set.
//! Depends on nothing else in the crate; widths come from `unicode-width` (UAX #11).

use unicode_width::UnicodeWidthChar;

/// Whether `c` is CJK script: ideographs (URO, extensions A–G, compatibility), radicals,
/// CJK symbols and punctuation, kana, vertical and small forms, full-width and half-width
/// forms (Unicode blocks U+2E80–U+303F, U+3040–U+30FF, U+3400–U+4DBF, U+4E00–U+9FFF,
/// U+F900–U+FAFF, U+FE30–U+FE4F, U+FF00–U+FFEF, planes 2). A soft line break between
/// two such characters is dropped, not turned into a space (DESIGN §5); text holding one
/// is Chinese text (an OS error message of ours, a DOCX paragraph's language).
///
/// This is a script class, not a width: use [`is_full_width`] to measure.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x2FFFF)
}

/// Whether Chinese text sets `c` full width (one em, or one grid cell): East Asian Width W
/// or F (Unicode UAX #11, by `unicode-width`: ideographs, kana, Hangul, CJK and full-width
/// punctuation and forms), and the quotation marks, em dash and ellipsis that Chinese
/// fonts set full width though Unicode calls them ambiguous (GB/T 15834).
pub fn is_full_width(c: char) -> bool {
    matches!(c, '“' | '”' | '‘' | '’' | '—' | '…') || is_wide(c)
}

/// Whether a terminal shows `c` in two columns: East Asian Width W or F (UAX #11, by
/// `unicode-width`, ambiguous characters narrow as outside East Asian locales). Error
/// messages use it to put their caret under the right character.
pub fn is_wide(c: char) -> bool {
    c.width() == Some(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for c in ['中', '，', '。', '（', '𠮷', 'ア', '１'] {
            assert!(is_cjk(c) && is_full_width(c) && is_wide(c), "{c}");
        }
        for c in ['a', '1', ' ', '-'] {
            assert!(!is_cjk(c) && !is_full_width(c) && !is_wide(c), "{c}");
        }
        // Quotes, dash and ellipsis: full width in Chinese type, narrow on a terminal.
        for c in ['“', '”', '—', '…'] {
            assert!(is_full_width(c) && !is_wide(c) && !is_cjk(c), "{c}");
        }
        // Hangul is wide but not Chinese script.
        assert!(is_wide('한') && !is_cjk('한'));
    }
}
