//! Stage 4 — parse: report Markdown (CommonMark + GFM tables + directive blocks) into a
//! [`Document`].

use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{parse_document, Arena, Options};

use std::collections::HashMap;

use super::model::{Align, Block, Chart, Document, Meta, Run, Table, TableCell};
use crate::error::{Error, Result};

/// Info string of a fenced block that carries a resolved table (JSON).
pub const TABLE_DIRECTIVE: &str = "diaoyan-table";
/// Info string of a fenced block that carries a resolved chart (JSON).
pub const CHART_DIRECTIVE: &str = "diaoyan-chart";
/// A paragraph holding only this text becomes a page break.
pub const PAGE_BREAK: &str = "\\newpage";

/// Parse report Markdown into a Document with `meta`: headings numbered, tables and
/// charts numbered (表N, 图N), cross-references `[@id]` resolved, footnotes collected.
pub fn parse(markdown: &str, meta: Meta) -> Result<Document> {
    let arena = Arena::new();
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.footnotes = true;
    options.extension.strikethrough = false;
    options.extension.cjk_friendly_emphasis = true;
    let root = parse_document(&arena, markdown, &options);
    let mut cx = Cx::default();
    let mut blocks = Vec::new();
    for child in root.children() {
        block(child, &mut blocks, &mut cx)?;
    }
    // Footnotes in the order they are first referenced.
    let mut notes = Vec::new();
    for name in &cx.note_order {
        let runs = cx
            .note_bodies
            .remove(name)
            .ok_or_else(|| Error::Template(format!("脚注 [^{name}] 没有定义")))?;
        notes.push(runs);
    }
    let mut doc = Document {
        meta,
        blocks,
        notes,
    };
    super::numbering::number_headings(&mut doc);
    number_captions(&mut doc)?;
    Ok(doc)
}

/// Parse state: footnote references and definitions.
#[derive(Default)]
struct Cx {
    note_order: Vec<String>,
    note_bodies: HashMap<String, Vec<Run>>,
}

impl Cx {
    fn note_number(&mut self, name: &str) -> usize {
        match self.note_order.iter().position(|n| n == name) {
            Some(i) => i + 1,
            None => {
                self.note_order.push(name.to_string());
                self.note_order.len()
            }
        }
    }
}

/// Number tables (表N) and charts (图N) in document order and replace each `[@id]` in the
/// text with its label. An unknown id is an error.
fn number_captions(doc: &mut Document) -> Result<()> {
    let mut labels: HashMap<String, String> = HashMap::new();
    let (mut tables, mut charts) = (0, 0);
    visit_blocks(&mut doc.blocks, &mut |b| match b {
        Block::Table(t) if t.caption.is_some() => {
            tables += 1;
            t.number = Some(tables);
            if let Some(id) = &t.id {
                labels.insert(id.clone(), format!("表{tables}"));
            }
        }
        Block::Chart(c) => {
            charts += 1;
            c.number = Some(charts);
            if let Some(id) = &c.id {
                labels.insert(id.clone(), format!("图{charts}"));
            }
        }
        _ => {}
    });
    let mut missing = None;
    let mut fix = |runs: &mut Vec<Run>| {
        for r in runs.iter_mut() {
            while let Some(a) = r.text.find("[@") {
                let Some(len) = r.text[a..].find(']') else {
                    break;
                };
                let id = r.text[a + 2..a + len].to_string();
                match labels.get(&id) {
                    Some(l) => r.text.replace_range(a..a + len + 1, l),
                    None => {
                        missing.get_or_insert(id);
                        break;
                    }
                }
            }
        }
    };
    visit_blocks(&mut doc.blocks, &mut |b| match b {
        Block::Paragraph(runs) | Block::Heading { runs, .. } => fix(runs),
        _ => {}
    });
    for n in &mut doc.notes {
        fix(n);
    }
    match missing {
        Some(id) => Err(Error::Template(format!(
            "交叉引用 [@{id}] 找不到对应的表或图"
        ))),
        None => Ok(()),
    }
}

fn visit_blocks(blocks: &mut [Block], f: &mut dyn FnMut(&mut Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::List { items, .. } => {
                for item in items {
                    visit_blocks(item, f);
                }
            }
            Block::Quote(inner) => visit_blocks(inner, f),
            _ => {}
        }
    }
}

fn block<'a>(node: &'a AstNode<'a>, out: &mut Vec<Block>, cx: &mut Cx) -> Result<()> {
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Heading(h) => {
            let mut runs = inlines(node, cx);
            let numbered = !strip_unnumbered(&mut runs);
            out.push(Block::Heading {
                level: h.level.clamp(1, 4),
                numbered,
                number: None,
                runs,
            });
        }
        NodeValue::Paragraph => {
            let runs = inlines(node, cx);
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
                    block(c, &mut inner, cx)?;
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
                block(c, &mut inner, cx)?;
            }
            out.push(Block::Quote(inner));
        }
        NodeValue::CodeBlock(cb) => {
            if cb.info.trim() == TABLE_DIRECTIVE {
                let table: Table = serde_json::from_str(&cb.literal)
                    .map_err(|e| Error::Template(format!("表格指令无法解析：{e}")))?;
                out.push(Block::Table(table));
            } else if cb.info.trim() == CHART_DIRECTIVE {
                let chart: Chart = serde_json::from_str(&cb.literal)
                    .map_err(|e| Error::Template(format!("图表指令无法解析：{e}")))?;
                out.push(Block::Chart(chart));
            } else {
                for line in cb.literal.lines() {
                    out.push(Block::Paragraph(vec![Run::plain(line)]));
                }
            }
        }
        NodeValue::Table(t) => out.push(Block::Table(gfm_table(node, &t.alignments, cx))),
        NodeValue::FootnoteDefinition(def) => {
            let mut inner = Vec::new();
            for c in node.children() {
                block(c, &mut inner, cx)?;
            }
            let runs: Vec<Run> = inner
                .into_iter()
                .flat_map(|b| match b {
                    Block::Paragraph(r) => r,
                    _ => Vec::new(),
                })
                .collect();
            cx.note_bodies.insert(def.name.clone(), runs);
        }
        NodeValue::ThematicBreak => out.push(Block::PageBreak),
        // Raw HTML is shown as text, never interpreted.
        NodeValue::HtmlBlock(h) => {
            let text = h.literal.trim();
            if !text.is_empty() {
                out.push(Block::Paragraph(vec![Run::plain(text)]));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A heading ending in `{-}` or `{.unnumbered}` is unnumbered; the marker is removed.
fn strip_unnumbered(runs: &mut [Run]) -> bool {
    if let Some(last) = runs.last_mut() {
        let t = last.text.trim_end();
        for marker in ["{-}", "{.unnumbered}"] {
            if let Some(stripped) = t.strip_suffix(marker) {
                last.text = stripped.trim_end().to_string();
                return true;
            }
        }
    }
    false
}

fn gfm_table<'a>(node: &'a AstNode<'a>, aligns: &[TableAlignment], cx: &mut Cx) -> Table {
    let mut head = Vec::new();
    let mut body = Vec::new();
    for row in node.children() {
        let is_head = matches!(row.data.borrow().value, NodeValue::TableRow(true));
        let cells: Vec<TableCell> = row
            .children()
            .enumerate()
            .map(|(i, c)| {
                let text: String = inlines(c, cx).into_iter().map(|r| r.text).collect();
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
fn inlines<'a>(node: &'a AstNode<'a>, cx: &mut Cx) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    collect(node, false, false, &mut runs, cx);
    runs
}

fn push(runs: &mut Vec<Run>, text: &str, bold: bool, italic: bool) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = runs.last_mut() {
        if last.bold == bold && last.italic == italic && last.note.is_none() {
            last.text.push_str(text);
            return;
        }
    }
    runs.push(Run {
        text: text.to_string(),
        bold,
        italic,
        note: None,
    });
}

fn collect<'a>(node: &'a AstNode<'a>, bold: bool, italic: bool, runs: &mut Vec<Run>, cx: &mut Cx) {
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
            NodeValue::Strong => collect(child, true, italic, runs, cx),
            NodeValue::Emph => collect(child, bold, true, runs, cx),
            NodeValue::FootnoteReference(r) => {
                let n = cx.note_number(&r.name);
                runs.push(Run {
                    text: n.to_string(),
                    bold,
                    italic,
                    note: Some(n),
                });
            }
            // Raw HTML is shown as text, never interpreted.
            NodeValue::HtmlInline(h) => push(runs, &h, bold, italic),
            _ => collect(child, bold, italic, runs, cx),
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
    fn numbering_restarts_below_each_level() {
        let d = parse_str("# 甲\n\n## 子\n\n### 一\n\n#### 细\n\n#### 细\n\n### 二\n\n#### 细\n\n## 丑\n\n### 一\n\n# 乙 {.unnumbered}\n\n# 丙\n");
        let nums: Vec<String> = d
            .blocks
            .iter()
            .map(|b| match b {
                Block::Heading { number, .. } => number.clone().unwrap_or_default(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            nums,
            [
                "一、",
                "（一）",
                "1.",
                "（1）",
                "（2）",
                "2.",
                "（1）",
                "（二）",
                "1.",
                "",
                "二、"
            ]
        );
    }

    #[test]
    fn footnotes_are_collected_in_reference_order() {
        let d = parse_str("甲[^b]乙[^a]。\n\n[^a]: 来源甲\n[^b]: 来源乙\n");
        let Block::Paragraph(runs) = &d.blocks[0] else {
            panic!("paragraph")
        };
        let marks: Vec<(String, Option<usize>)> =
            runs.iter().map(|r| (r.text.clone(), r.note)).collect();
        assert_eq!(
            marks,
            [
                ("甲".into(), None),
                ("1".into(), Some(1)),
                ("乙".into(), None),
                ("2".into(), Some(2)),
                ("。".into(), None)
            ]
        );
        let notes: Vec<String> = d
            .notes
            .iter()
            .map(|n| n.iter().map(|r| r.text.as_str()).collect())
            .collect();
        assert_eq!(notes, ["来源乙", "来源甲"]);
    }

    #[test]
    fn quotes_lists_and_page_breaks() {
        let d = parse_str("> 引文\n\n1. 一\n2. 二\n\n\\newpage\n\n- 甲\n\n---\n");
        assert!(matches!(&d.blocks[0], Block::Quote(q) if q.len() == 1));
        assert!(matches!(&d.blocks[1], Block::List { ordered: true, items } if items.len() == 2));
        assert_eq!(d.blocks[2], Block::PageBreak);
        assert!(matches!(&d.blocks[3], Block::List { ordered: false, .. }));
        assert_eq!(d.blocks[4], Block::PageBreak);
    }

    #[test]
    fn raw_html_is_text() {
        let d = parse_str("甲<b>乙</b>\n\n<div>丙</div>\n");
        let texts: Vec<String> = d
            .blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(r) => r.iter().map(|r| r.text.as_str()).collect(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(texts, ["甲<b>乙</b>", "<div>丙</div>"]);
    }

    #[test]
    fn captions_are_numbered_and_cross_references_resolve() {
        let t = |id: &str| {
            format!("```diaoyan-table\n{{\"caption\":\"表{id}\",\"id\":\"{id}\",\"columns\":1,\"head\":[],\"body\":[]}}\n```\n")
        };
        let md = format!("见[@b]和[@a]。\n\n{}\n{}", t("a"), t("b"));
        let d = parse_str(&md);
        assert!(matches!(&d.blocks[0], Block::Paragraph(r) if r[0].text == "见表2和表1。"));
        let err = parse("见[@nope]。", Meta::default()).expect_err("unknown id");
        assert!(err.to_string().contains("[@nope]"));
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
