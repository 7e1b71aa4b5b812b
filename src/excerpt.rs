//! Bounded quotations of user text in messages (issue 15): a cell, unit name, field value
//! or key quoted in an error or warning is cut to its first [`HEAD`] characters and told
//! its length, so a 60 MB CSV field or a 150 MB cell never travels whole to stderr.

/// Characters of a long text a message shows.
pub const HEAD: usize = 40;

use std::borrow::Cow;

/// `text` as a message quotes it: whole when it has at most [`HEAD`] characters (plus a few
/// of slack, so a text is never cut by less than it takes to say so), else its first
/// [`HEAD`] characters followed by `…（共 N 字）`, N its length in characters. Line breaks
/// and other control characters in the head are shown as spaces, so a quotation stays on
/// its line.
pub fn quote(text: &str) -> Cow<'_, str> {
    quote_n(text, HEAD)
}

/// [`quote`] keeping `head` characters (for a reader's error detail, which may quote the
/// file's bytes but is worth more of its words).
pub fn quote_n(text: &str, head: usize) -> Cow<'_, str> {
    // Short texts (the usual case) are returned as they are, after one cheap look.
    let keep = head + head / 4;
    let short = text.len() <= keep || text.chars().nth(keep).is_none();
    if short && !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let clean = |c: char| if c.is_control() { ' ' } else { c };
    if short {
        return Cow::Owned(text.chars().map(clean).collect());
    }
    let cut: String = text.chars().take(head).map(clean).collect();
    let total = text.chars().count();
    Cow::Owned(format!("{cut}…（共 {total} 字）"))
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
        assert_eq!(quote("a\nb"), "a b");
    }
}
