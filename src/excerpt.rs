//! Bounded quotations of user text in messages (issue 15): a cell, unit name, field value
//! or key quoted in an error or warning is cut to its first [`HEAD`] characters and told
//! its length, so a 60 MB CSV field or a 150 MB cell never travels whole to stderr.

/// Characters of a long text a message shows.
pub const HEAD: usize = 40;

use std::borrow::Cow;

/// `text` as a message quotes it: whole when it has at most [`HEAD`] characters (plus a few
/// of slack, so a text is never cut by less than it takes to say so), else its first
/// [`HEAD`] characters followed by `…（共 N 字）`, N its length in characters. Characters
/// are kept as they are (the message's printer shows control characters safely).
pub fn quote(text: &str) -> Cow<'_, str> {
    quote_n(text, HEAD)
}

/// [`quote`] keeping `head` characters (for a reader's error detail, which may quote the
/// file's bytes but is worth more of its words).
pub fn quote_n(text: &str, head: usize) -> Cow<'_, str> {
    // Short texts (the usual case) are returned as they are, after one cheap look.
    let keep = head + head / 4;
    if text.len() <= keep || text.chars().nth(keep).is_none() {
        return Cow::Borrowed(text);
    }
    let cut: String = text.chars().take(head).collect();
    let total = text.chars().count();
    Cow::Owned(format!("{cut}…（共 {total} 字）"))
}

/// A window of at most `width` characters of `line` around the 1-based character column
/// `column` (the line's start without one), for showing an offending source line under a
/// message: `…` marks what is cut on either side, the line's length is told when cut.
/// Returns the window and the column within it.
pub fn window(line: &str, column: Option<usize>, width: usize) -> (Cow<'_, str>, Option<usize>) {
    if line.len() <= width || line.chars().nth(width).is_none() {
        return (Cow::Borrowed(line), column);
    }
    let total = line.chars().count();
    let col = column.unwrap_or(1).max(1);
    // Start a third of the width before the column.
    let skip = (col - 1)
        .saturating_sub(width / 3)
        .min(total.saturating_sub(width));
    let mut out = String::new();
    if skip > 0 {
        out.push('…');
    }
    out.extend(line.chars().skip(skip).take(width));
    if skip + width < total {
        out.push_str(&format!("…（本行共 {total} 字）"));
    }
    let col = column.map(|_| col - skip + usize::from(skip > 0));
    (Cow::Owned(out), col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_quoted_whole_long_ones_cut_with_their_length() {
        assert_eq!(quote("青年路社区"), "青年路社区");
        let fifty = "字".repeat(HEAD + 10);
        assert_eq!(quote(&fifty), fifty);
        let long = "社".repeat(60_000_000 / 3);
        let q = quote(&long);
        assert_eq!(q, format!("{}…（共 20000000 字）", "社".repeat(HEAD)));
        let line = format!("{}x{}", "a".repeat(1000), "b".repeat(1000));
        let (w, col) = window(&line, Some(1001), 90);
        assert_eq!(w.chars().nth(col.unwrap() - 1), Some('x'));
        assert!(w.ends_with("…（本行共 2001 字）"), "{w}");
        assert_eq!(window("short", Some(3), 90), ("short".into(), Some(3)));
    }
}
