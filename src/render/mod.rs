//! Stage 5 — render: the Document into DOCX and PDF.

pub mod docx;
pub mod pdf;

/// Where to break a title that needs two lines: after the space between phrases that makes
/// the longer line shortest, if that line fits in `max`. Titles break only between their
/// phrases, never inside a word such as 现代化. Returns the index of the first character of
/// the second line.
pub fn phrase_break(chars: &[char], widths: &[f32], max: f32) -> Option<usize> {
    let total: f32 = widths.iter().sum();
    (1..chars.len())
        .filter(|&i| chars[i - 1] == ' ')
        .map(|i| {
            // The space ends the first line and takes no width there.
            let first: f32 = widths[..i - 1].iter().sum();
            (i, first.max(total - first - widths[i - 1]))
        })
        .filter(|(_, longest)| *longest <= max)
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
        let i = super::phrase_break(&t, &w, 20.0).expect("a break");
        assert_eq!(t[i..].iter().collect::<String>(), "推动社区治理能力现代化");
        assert_eq!(super::phrase_break(&t, &w, 5.0), None);
    }
}
