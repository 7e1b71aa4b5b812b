//! Heading numbers of Chinese official documents: 一、 （一） 1. （1）.

use super::model::{Block, Document};

/// Chinese numeral for 1..=99 (一 … 十 … 九十九); other values fall back to digits.
pub fn chinese_numeral(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0 => D[0].to_string(),
        1..=9 => D[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", D[n % 10]),
        20..=99 if n % 10 == 0 => format!("{}十", D[n / 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

/// The label of heading `level` (1–4) at position `n` (1-based).
pub fn label(level: u8, n: usize) -> String {
    match level {
        1 => format!("{}、", chinese_numeral(n)),
        2 => format!("（{}）", chinese_numeral(n)),
        3 => format!("{n}."),
        _ => format!("（{n}）"),
    }
}

/// Number every numbered heading of `doc`, restarting lower levels under each higher one.
pub fn number_headings(doc: &mut Document) {
    let mut counters = [0usize; 4];
    for block in &mut doc.blocks {
        if let Block::Heading {
            level,
            numbered,
            number,
            ..
        } = block
        {
            let l = (*level).clamp(1, 4) as usize;
            if !*numbered {
                *number = None;
                continue;
            }
            counters[l - 1] += 1;
            for c in counters.iter_mut().skip(l) {
                *c = 0;
            }
            *number = Some(label(l as u8, counters[l - 1]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        let got: Vec<String> = [1, 2, 10, 11, 20, 21, 99]
            .iter()
            .map(|n| chinese_numeral(*n))
            .collect();
        assert_eq!(got, ["一", "二", "十", "十一", "二十", "二十一", "九十九"]);
    }

    #[test]
    fn labels_per_level() {
        assert_eq!(label(1, 2), "二、");
        assert_eq!(label(2, 3), "（三）");
        assert_eq!(label(3, 4), "4.");
        assert_eq!(label(4, 5), "（5）");
    }
}
