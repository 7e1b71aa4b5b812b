//! Stage 4 — parse: report Markdown (CommonMark + GFM tables + directive blocks) into a
//! [`Document`].

use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{parse_document, Arena, Options};

use super::model::{Align, Block, Document, Meta, Run, Table, TableCell};
use crate::error::{Error, Result};

/// Info string of a fenced block that carries a resolved table (JSON).
pub const TABLE_DIRECTIVE: &str = "diaoyan-table";
/// A paragraph holding only this text becomes a page break.
pub const PAGE_BREAK: &str = "\\newpage";

/// Parse report Markdown into a Document with `meta`; headings are numbered.
pub fn parse(markdown: &str, meta: Meta) -> Result<Document> {
    let arena = Arena::new();
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = false;
    options.extension.cjk_friendly_emphasis = true;
    let root = parse_document(&arena, markdown, &options);
    let mut blocks = Vec::new();
    for child in root.children() {
        block(child, &mut blocks)?;
    }
    let mut doc = Document { meta, blocks };
    super::numbering::number_headings(&mut doc);
    Ok(doc)
}

fn block<'a>(node: &'a AstNode<'a>, out: &mut Vec<Block>) -> Result<()> {
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Heading(h) => {
            let mut runs = inlines(node);
            let numbered = !strip_unnumbered(&mut runs);
            out.push(Block::Heading {
                level: h.level.clamp(1, 4),
                numbered,
                number: None,
                runs,
            });
        }
        NodeValue::Paragraph => {
            let runs = inlines(node);
            let text: String = runs.iter().map(|r| r.text.as_str()).collect();
            if text.trim() == PAGE_BREAK.trim_start_matches('\\') || text.trim() == PAGE_BREAK {
                out.push(Block::PageBreak);
            } else if !text.trim().is_empty() {
                out.push(Block::Paragraph(runs));
            }
        }
        NodeValue::List(l) => {
            let mut items = Vec::new();
            for item in node.children() {
                let mut inner = Vec::new();
                for c in item.children() {
                    block(c, &mut inner)?;
                }
                items.push(inner);
            }
            out.push(Block::List {
                ordered: l.list_type == ListType::Ordered,
                items,
            });
        }
        NodeValue::BlockQuote => {
            let mut inner = Vec::new();
            for c in node.children() {
                block(c, &mut inner)?;
            }
            out.push(Block::Quote(inner));
        }
        NodeValue::CodeBlock(cb) => {
            if cb.info.trim() == TABLE_DIRECTIVE {
                let table: Table = serde_json::from_str(&cb.literal)
                    .map_err(|e| Error::Template(format!("表格指令无法解析：{e}")))?;
                out.push(Block::Table(table));
            } else {
                for line in cb.literal.lines() {
                    out.push(Block::Paragraph(vec![Run::plain(line)]));
                }
            }
        }
        NodeValue::Table(t) => out.push(Block::Table(gfm_table(node, &t.alignments))),
        NodeValue::ThematicBreak => out.push(Block::PageBreak),
        _ => {}
    }
    Ok(())
}

/// A heading ending in `{-}` is unnumbered; the marker is removed.
fn strip_unnumbered(runs: &mut [Run]) -> bool {
    if let Some(last) = runs.last_mut() {
        let t = last.text.trim_end();
        if let Some(stripped) = t.strip_suffix("{-}") {
            last.text = stripped.trim_end().to_string();
            return true;
        }
    }
    false
}

fn gfm_table<'a>(node: &'a AstNode<'a>, aligns: &[TableAlignment]) -> Table {
    let mut head = Vec::new();
    let mut body = Vec::new();
    for row in node.children() {
        let is_head = matches!(row.data.borrow().value, NodeValue::TableRow(true));
        let cells: Vec<TableCell> = row
            .children()
            .enumerate()
            .map(|(i, c)| {
                let text: String = inlines(c).into_iter().map(|r| r.text).collect();
                let align = match aligns.get(i) {
                    Some(TableAlignment::Right) => Align::Right,
                    Some(TableAlignment::Center) => Align::Center,
                    _ if is_head => Align::Center,
                    _ => Align::Left,
                };
                TableCell::new(text, align)
            })
            .collect();
        if is_head {
            head.push(cells);
        } else {
            body.push(cells);
        }
    }
    Table {
        columns: aligns.len() as u16,
        head,
        body,
        ..Table::default()
    }
}

/// The inline content of a node as styled runs, adjacent runs of one style merged.
fn inlines<'a>(node: &'a AstNode<'a>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    collect(node, false, false, &mut runs);
    runs
}

fn push(runs: &mut Vec<Run>, text: &str, bold: bool, italic: bool) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = runs.last_mut() {
        if last.bold == bold && last.italic == italic {
            last.text.push_str(text);
            return;
        }
    }
    runs.push(Run {
        text: text.to_string(),
        bold,
        italic,
    });
}

fn collect<'a>(node: &'a AstNode<'a>, bold: bool, italic: bool, runs: &mut Vec<Run>) {
    for child in node.children() {
        let value = child.data.borrow().value.clone();
        match value {
            NodeValue::Text(t) => push(runs, &t, bold, italic),
            NodeValue::Code(c) => push(runs, &c.literal, bold, italic),
            NodeValue::SoftBreak => {
                // A soft break between Chinese characters vanishes; between Latin words it is
                // a space.
                let prev = runs.last().and_then(|r| r.text.chars().next_back());
                let next = first_char(child.next_sibling());
                if !(prev.is_some_and(is_cjk) || next.is_some_and(is_cjk)) {
                    push(runs, " ", bold, italic);
                }
            }
            NodeValue::LineBreak => push(runs, "\n", bold, italic),
            NodeValue::Strong => collect(child, true, italic, runs),
            NodeValue::Emph => collect(child, bold, true, runs),
            _ => collect(child, bold, italic, runs),
        }
    }
}

fn first_char<'a>(node: Option<&'a AstNode<'a>>) -> Option<char> {
    let node = node?;
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Text(t) => t.chars().next(),
        _ => first_char(node.first_child()),
    }
}

/// Characters between which a line break is not a space: CJK ideographs, kana, full-width
/// punctuation and forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x2FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(md: &str) -> Document {
        parse(md, Meta::default()).expect("parses")
    }

    #[test]
    fn headings_are_numbered_by_level() {
        let d = parse_str("# 甲\n\n## 子\n\n## 丑\n\n# 乙\n\n## 寅\n\n# 附录 {-}\n");
        let nums: Vec<Option<String>> = d
            .blocks
            .iter()
            .map(|b| match b {
                Block::Heading { number, .. } => number.clone(),
                _ => None,
            })
            .collect();
        let want = [
            Some("一、"),
            Some("（一）"),
            Some("（二）"),
            Some("二、"),
            Some("（一）"),
            None,
        ];
        assert_eq!(nums, want.map(|s| s.map(String::from)));
    }

    #[test]
    fn soft_breaks_between_chinese_vanish() {
        let d = parse_str("第一行\n第二行 and\nmore");
        assert_eq!(
            d.blocks,
            vec![Block::Paragraph(vec![Run::plain("第一行第二行 and more")])]
        );
    }

    #[test]
    fn cjk_friendly_emphasis() {
        let d = parse_str("**重要的。**但");
        let Block::Paragraph(runs) = &d.blocks[0] else {
            panic!("not a paragraph")
        };
        assert!(runs[0].bold && runs[0].text == "重要的。");
    }
}
