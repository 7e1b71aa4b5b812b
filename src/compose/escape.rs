//! Markdown escaping of interpolated values: data can never inject structure.

use std::io::Write;

/// Backslash-escape every ASCII punctuation character (CommonMark allows escaping all of
/// them), and turn line breaks into spaces, so a value is always literal inline text.
pub fn escape_markdown(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = [0u8; 4];
    for c in input.chars() {
        match c {
            '\n' | '\r' => out.write_all(b" ")?,
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
}
