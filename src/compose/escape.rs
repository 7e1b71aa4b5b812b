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
/// `survey::text::clean`) is a hard break and becomes `LINE_BREAK`; a plain newline
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
                let cjk = |c: Option<char>| c.is_some_and(crate::chars::is_cjk);
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
    use crate::doc::{plain_text, Block, Document, Inline, Meta, Run};

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

    // The contract with the parser: escaped data never makes structure.

    fn parse_str(md: &str) -> Document {
        crate::doc::parse(md, Meta::default()).expect("parses")
    }

    fn paragraph_runs(d: &Document, i: usize) -> Vec<Run> {
        match &d.blocks[i] {
            Block::Paragraph(r) => r.clone(),
            other => panic!("not a paragraph: {other:?}"),
        }
    }

    /// Issue 14: escaped data never makes a cross-reference; template text does, also in a
    /// table cell and a footnote.
    #[test]
    fn only_template_text_makes_cross_references() {
        let esc = escape_markdown_string;
        let t = "```diaoyan-table\n{\"caption\":\"办公\",\"id\":\"office\",\"columns\":1,\"head\":[],\"body\":[]}\n```\n";
        let md = format!(
            "{}见[@office]。\n\n{}\n\n| 甲 |\n|---|\n| 见[@office] |\n\n{t}",
            esc("青年路[@office]社区"),
            esc("[@tab1]")
        );
        let d = parse_str(&md);
        assert_eq!(
            plain_text(&paragraph_runs(&d, 0)),
            "青年路[@office]社区见表1。"
        );
        assert_eq!(paragraph_runs(&d, 0)[1].kind, Inline::Ref("office".into()));
        assert_eq!(plain_text(&paragraph_runs(&d, 1)), "[@tab1]");
        let Block::Table(cells) = &d.blocks[2] else {
            panic!("table")
        };
        assert_eq!(cells.body[0][0].text(), "见表1");
    }

    /// Issue 14: a data paragraph reading `\newpage` or `newpage` is text; only the
    /// template's own `\newpage` line is a page break.
    #[test]
    fn only_template_text_makes_page_breaks() {
        let esc = escape_markdown_string;
        let md = format!(
            "{}\n\n{}\n\n\\newpage\n\n甲\n",
            esc("\\newpage"),
            esc("newpage")
        );
        let d = parse_str(&md);
        assert_eq!(plain_text(&paragraph_runs(&d, 0)), "\\newpage");
        assert_eq!(plain_text(&paragraph_runs(&d, 1)), "newpage");
        assert_eq!(d.blocks[2], Block::PageBreak);
        assert_eq!(d.blocks.len(), 4);
    }

    /// Issue 14: a heading from data ending in `{-}` keeps its number and its text.
    #[test]
    fn only_template_text_unnumbers_a_heading() {
        let esc = escape_markdown_string;
        let md = format!(
            "# {}\n\n# {}\n\n# 附录 {{-}}\n",
            esc("调查{-}"),
            esc("总结 {.unnumbered}")
        );
        let d = parse_str(&md);
        let heads: Vec<(Option<String>, String)> = d
            .blocks
            .iter()
            .map(|b| match b {
                Block::Heading { number, runs, .. } => (number.clone(), plain_text(runs)),
                _ => panic!("heading"),
            })
            .collect();
        assert_eq!(
            heads,
            [
                (Some("一、".to_string()), "调查{-}".to_string()),
                (Some("二、".to_string()), "总结 {.unnumbered}".to_string()),
                (None, "附录".to_string())
            ]
        );
    }

    /// Issue 14: a line break in data is a typed break, in a paragraph, a heading and a
    /// table cell (one Markdown line, so the table keeps its rows).
    #[test]
    fn line_breaks_in_data_are_typed() {
        let esc = escape_markdown_string;
        let v = esc("第一行\u{2028}第二行");
        let d = parse_str(&format!(
            "{v}\n\n## {v}\n\n| 甲 |\n|---|\n| {v} |\n| 乙 |\n"
        ));
        let want = vec![
            Run::plain("第一行"),
            Run::line_break(),
            Run::plain("第二行"),
        ];
        assert_eq!(paragraph_runs(&d, 0), want);
        assert!(matches!(&d.blocks[1], Block::Heading { runs, .. } if *runs == want));
        let Block::Table(t) = &d.blocks[2] else {
            panic!("table")
        };
        assert_eq!(t.body.len(), 2);
        assert_eq!(t.body[0][0].runs, want);
    }

    /// Issue 14: data reading like a footnote mark or a break tag stays text, even when the
    /// template defines that footnote.
    #[test]
    fn data_never_makes_notes_or_breaks() {
        let esc = escape_markdown_string;
        let md = format!("{}{}。\n\n[^1]: 注\n", esc("甲[^1]"), esc("<br>乙"));
        let d = parse_str(&md);
        assert_eq!(paragraph_runs(&d, 0), [Run::plain("甲[^1]<br>乙。")]);
        assert!(d.notes.is_empty());
    }
}
