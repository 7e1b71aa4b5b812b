//! Markdown escaping of interpolated values: data can never inject structure.

use std::io::Write;

/// What a line break inside a value becomes: inline HTML that [`crate::doc::parse`] reads
/// as a typed line break. It is one line, so it is safe in table rows and headings, and data
/// cannot write it itself (`<` is escaped).
pub const LINE_BREAK: &str = "<br>";

/// Backslash-escape every ASCII punctuation character (CommonMark allows escaping all of
/// them), so a value is always literal inline text. A line break inside the value (`\n`,
/// `\r\n` or `\r`; "intake" turns U+2028 into `\n`) becomes [`LINE_BREAK`], a hard line
/// break in the Document; line breaks at the value's start or end are dropped.
pub fn escape_markdown(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = [0u8; 4];
    let input = input.trim_matches(['\n', '\r']);
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' => {
                if c == '\r' {
                    chars.next_if_eq(&'\n');
                }
                out.write_all(LINE_BREAK.as_bytes())?;
            }
            c if c.is_ascii_punctuation() => {
                out.write_all(b"\\")?;
                out.write_all(c.encode_utf8(&mut buf).as_bytes())?;
            }
            c => out.write_all(c.encode_utf8(&mut buf).as_bytes())?,
        }
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
            escape_markdown_string("甲\n乙\r\n丙\r丁\n"),
            "甲<br>乙<br>丙<br>丁"
        );
        assert_eq!(escape_markdown_string("\n甲"), "甲");
    }
}
