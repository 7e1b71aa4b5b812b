//! Stage 5 — render: the Document into DOCX and PDF.

/// Charts as backend-neutral vector scenes and the decisions both backends share.
pub mod chart;
/// Document → DOCX.
pub mod docx;
/// The backend-neutral typesetter: Document → positioned pages.
pub mod layout;
/// Layout → PDF bytes, and the fonts it draws with.
pub mod pdf;

/// Table geometry both backends share, so a row is as tall in the PDF as in Word, WPS and
/// LibreOffice and a table takes the same room in both (pt): the line pitch of 小四
/// (12 pt) cell text (exact line spacing in the DOCX), the padding above and below the
/// text in a cell and beside it (cell margins in the DOCX), and the space after a table's
/// last line before the next block.
pub const TABLE_LINE: f32 = 15.0;
/// See [`TABLE_LINE`].
pub const TABLE_PAD_Y: f32 = 2.0;
/// See [`TABLE_LINE`].
pub const TABLE_PAD_X: f32 = 4.0;
/// See [`TABLE_LINE`].
pub const TABLE_AFTER: f32 = 14.5;

/// Where to break a title or heading that needs two lines: at a phrase boundary — after a
/// space between phrases (the space is dropped) or after ，、；： — choosing the break that
/// makes the longer line shortest, with the first line within `first` and the second within
/// `rest`. Titles and headings never break inside a word such as 现代化. Returns the index
/// of the second line's first character.
pub fn phrase_break(chars: &[char], widths: &[f32], first: f32, rest: f32) -> Option<usize> {
    let total: f32 = widths.iter().sum();
    // `before` is the width of `chars[..i]`, summed as it goes (one pass: linear in the
    // heading's length; summing each prefix afresh was quadratic).
    let mut before = 0.0f32;
    (1..chars.len())
        .filter_map(|i| {
            before += widths.get(i - 1).copied().unwrap_or(0.0);
            let (a, b) = match chars[i - 1] {
                ' ' => (before - widths[i - 1], total - before),
                '，' | '、' | '；' | '：' => (before, total - before),
                _ => return None,
            };
            (a <= first + 0.01 && b <= rest + 0.01).then_some((i, a.max(b)))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_break_between_phrases() {
        let t: Vec<char> = "强化基层保障 理顺管理体制 推动社区治理能力现代化"
            .chars()
            .collect();
        let w: Vec<f32> = t
            .iter()
            .map(|c| if *c == ' ' { 0.3 } else { 1.0 })
            .collect();
        let i = super::phrase_break(&t, &w, 20.0, 20.0).expect("a break");
        assert_eq!(t[i..].iter().collect::<String>(), "推动社区治理能力现代化");
        assert_eq!(super::phrase_break(&t, &w, 5.0, 5.0), None);
        let h: Vec<char> = "厘清职责分工，构建三位一体的社区治理格局".chars().collect();
        let i = super::phrase_break(&h, &vec![1.0; h.len()], 16.0, 18.0).expect("a break");
        assert_eq!(h[..i].iter().collect::<String>(), "厘清职责分工，");
    }
}
