//! Markdown escaping of interpolated values: data can never inject structure.

use std::io::Write;

/// What a hard line break inside a value becomes: inline HTML that [`crate::doc::parse`]
/// reads as a typed line break. It is one line, so it is safe in table rows and headings,
/// and data cannot write it itself (`<` is escaped).
pub const LINE_BREAK: &str = "<br>";

/// Backslash-escape every ASCII punctuation character (CommonMark allows escaping all of
/// them), so a value is always literal inline text.
///
/// Line breaks follow Markdown's two kinds: U+2028 LINE SEPARATOR (kept in prose by
/// `survey::text::clean`) is a hard break and becomes [`LINE_BREAK`]; a plain newline
/// (`\n`, `\r\n`, `\r` — a writer wrapping a long line in a YAML `|` block) is a soft
/// break: dropped between two CJK characters, a space otherwise (DESIGN §5). Breaks at the
/// value's start or end are dropped.
pub fn escape_markdown(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = [0u8; 4];
    let input = input.trim_matches(['\n', '\r', '\u{2028}']);
    let mut prev: Option<char> = None;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{2028}' => out.write_all(LINE_BREAK.as_bytes())?,
            '\r' | '\n' => {
                if c == '\r' {
                    chars.next_if_eq(&'\n');
                }
                let next = chars.peek().copied();
                let cjk = |c: Option<char>| c.is_some_and(crate::doc::is_cjk);
                if !(cjk(prev) && cjk(next)) {
                    out.write_all(b" ")?;
                }
            }
            c if c.is_ascii_punctuation() => {
                out.write_all(b"\\")?;
                out.write_all(c.encode_utf8(&mut buf).as_bytes())?;
            }
            c => out.write_all(c.encode_utf8(&mut buf).as_bytes())?,
        }
        prev = Some(c);
    }
    Ok(())
}

/// [`escape_markdown`] into a String.
pub fn escape_markdown_string(input: &str) -> String {
    let mut out = Vec::with_capacity(input.len() + 8);
    // Writing to a Vec cannot fail.
    let _ = escape_markdown(input, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_characters_are_escaped() {
        assert_eq!(escape_markdown_string("*甲* | #1"), "\\*甲\\* \\| \\#1");
        assert_eq!(escape_markdown_string("55.4%"), "55\\.4\\%");
    }

    #[test]
    fn line_breaks_become_typed_breaks() {
        assert_eq!(
            escape_markdown_string("甲\u{2028}乙\u{2028}丙\n"),
            "甲<br>乙<br>丙"
        );
        assert_eq!(escape_markdown_string("\n甲"), "甲");
        // Newlines are soft breaks: gone between CJK, a space elsewhere.
        assert_eq!(escape_markdown_string("甲\n乙\r\n丙\r丁"), "甲乙丙丁");
        assert_eq!(
            escape_markdown_string("one\ntwo 三\nfour"),
            "one two 三 four"
        );
    }
}
