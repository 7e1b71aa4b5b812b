//! Stage 4 — parse: report Markdown (CommonMark + GFM tables + directive blocks) into a
//! [`Document`].

use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{parse_document, Arena, Options};

use std::collections::HashMap;

use super::model::{
    plain_text, Align, Block, Chart, Document, Inline, Meta, Run, Table, TableCell,
};
use crate::error::{Error, Result};

/// Info string of a fenced block that carries a resolved table (JSON).
pub const TABLE_DIRECTIVE: &str = "diaoyan-table";
/// Info string of a fenced block that carries a resolved chart (JSON).
pub const CHART_DIRECTIVE: &str = "diaoyan-chart";
/// A paragraph whose source line is exactly this (unescaped) becomes a page break.
pub const PAGE_BREAK: &str = "\\newpage";
/// Link destination the parser gives the `[@id]` reference definitions it appends: a link
/// with it is a cross-reference. Escaped data (`\[\@id\]`) can never form a link.
const REF_URL: &str = "diaoyan-ref:";
/// Deepest heading level: the four levels of GB/T 9704 numbering (一、 （一） 1. （1））.
pub const MAX_HEADING_LEVEL: u8 = 4;

/// Parse report Markdown into a Document with `meta`: headings numbered, tables and
/// charts numbered (表N, 图N), cross-references `[@id]` resolved, footnotes collected.
///
/// Structure comes only from Markdown syntax, never from text, so escaped data (compose
/// backslash-escapes every ASCII punctuation character of an interpolated value) cannot
/// make a footnote, a cross-reference, a page break, an unnumbered heading or a break.
///
/// Errors ([`Error::Template`]): an undefined footnote or cross-reference target, a
/// footnote whose text cites another footnote, a heading deeper than
/// [`MAX_HEADING_LEVEL`] (naming its line), a directive that is not valid JSON, a chart
/// whose series do not have one value per category, nesting deeper than
/// [`crate::limits::Limits::depth`] (see [`check_depth`]).
pub fn parse(markdown: &str, meta: Meta) -> Result<Document> {
    let arena = Arena::new();
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.footnotes = true;
    options.extension.strikethrough = false;
    options.extension.cjk_friendly_emphasis = true;
    let source = with_reference_definitions(markdown);
    let root = parse_document(&arena, &source, &options);
    // Before any recursive walk: every walk below (and in the writers) follows nesting.
    check_depth(root, markdown, crate::limits::current().depth)?;
    check_lengths(root, markdown, crate::limits::current().paragraph_chars)?;
    let mut cx = Cx {
        lines: markdown.lines().collect(),
        blocks: count_blocks(root)?,
        ..Cx::default()
    };
    let mut blocks = Vec::new();
    for child in root.children() {
        block(child, &mut blocks, &mut cx)?;
    }
    if let Some(e) = cx.error.take() {
        return Err(e);
    }
    // Footnotes in the order they are first referenced.
    let mut notes = Vec::new();
    for name in &cx.note_order {
        let runs = cx
            .note_bodies
            .remove(name)
            .ok_or_else(|| Error::template(format!("脚注 [^{name}] 没有定义")))?;
        notes.push(runs);
    }
    let mut doc = Document {
        meta,
        blocks,
        notes,
        closing: None,
    };
    super::numbering::number_headings(&mut doc);
    number_captions(&mut doc)?;
    Ok(doc)
}

/// Refuse Markdown nested deeper than `max` levels, without recursion.
///
/// Two kinds of nesting are counted separately: block containers (block quotes and lists;
/// a list item's own nesting is its list's) and inline containers (emphasis, strong
/// emphasis, links, images). comrak itself builds such trees iteratively (measured: 100,000
/// `>` on one line, 100,000 nested `*…*` or `![` parse on a 2 MiB stack; it stops nesting
/// lists at 100 levels), but every walk after it — ours, the DOCX and PDF writers, even
/// dropping the [`Document`] — follows the nesting, so the limit is checked here, first.
///
/// Errors ([`Error::Template`]): the first node past the limit, naming the report
/// Markdown's line, a quote of that line's text (the writer's prose or the template line
/// that made it) and `DIAOYAN_MAX_DEPTH`.
fn check_depth<'a>(root: &'a AstNode<'a>, markdown: &str, max: u64) -> Result<()> {
    use comrak::arena_tree::NodeEdge;
    let is_block = |v: &NodeValue| matches!(v, NodeValue::BlockQuote | NodeValue::List(_));
    let is_inline = |v: &NodeValue| {
        matches!(
            v,
            NodeValue::Emph | NodeValue::Strong | NodeValue::Link(_) | NodeValue::Image(_)
        )
    };
    let (mut blocks, mut inline) = (0u64, 0u64);
    // `traverse` walks by sibling and parent links: no recursion.
    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) => {
                let data = node.data.borrow();
                let kind = if is_block(&data.value) {
                    blocks += 1;
                    (blocks > max).then_some("引用块和列表")
                } else if is_inline(&data.value) {
                    inline += 1;
                    (inline > max).then_some("强调、加粗和链接")
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let line = data.sourcepos.start.line;
                    let text = markdown
                        .lines()
                        .nth(line.saturating_sub(1))
                        .unwrap_or("")
                        .trim_start_matches(|c: char| {
                            c.is_whitespace() || matches!(c, '>' | '-' | '*' | '+')
                        });
                    let excerpt: String = text.chars().take(24).collect();
                    let more = if text.chars().count() > 24 { "…" } else { "" };
                    return Err(Error::template(format!(
                        "报告第{line}行（“{excerpt}{more}”）：{kind}嵌套超过{max}层\
                         （这一行来自数据文件中的文字或模板；减少嵌套，或设置环境变量 \
                         DIAOYAN_MAX_DEPTH 提高上限）"
                    )));
                }
            }
            NodeEdge::End(node) => {
                let data = node.data.borrow();
                if is_block(&data.value) {
                    blocks -= 1;
                } else if is_inline(&data.value) {
                    inline -= 1;
                }
            }
        }
    }
    Ok(())
}

/// Refuse a paragraph, heading or table cell longer than `max` characters (its text,
/// inline code and links' text counted; markup not), without recursion: the layout of one
/// block (line breaking, glyph runs) holds a few dozen bytes per character at once, so a
/// single 58 MiB paragraph needed over a gigabyte (issue 15).
///
/// Errors ([`Error::Template`]): the first block past the limit, naming the report
/// Markdown's line where it starts, a quote of its start (the writer's prose or the
/// template line that made it), its length and `DIAOYAN_MAX_PARAGRAPH_CHARS`.
fn check_lengths<'a>(root: &'a AstNode<'a>, markdown: &str, max: u64) -> Result<()> {
    use comrak::arena_tree::NodeEdge;
    let is_block = |v: &NodeValue| {
        matches!(
            v,
            NodeValue::Paragraph | NodeValue::Heading(_) | NodeValue::TableCell
        )
    };
    // The innermost open block's start line and its characters so far.
    let mut open: Option<(usize, &'static str, u64)> = None;
    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) => {
                let data = node.data.borrow();
                match &data.value {
                    v if is_block(v) => {
                        let kind = match v {
                            NodeValue::Heading(_) => "标题",
                            NodeValue::TableCell => "表格单元格",
                            _ => "段落",
                        };
                        open = Some((data.sourcepos.start.line, kind, 0));
                    }
                    NodeValue::Text(_) | NodeValue::Code(_) => {
                        let chars = match &data.value {
                            NodeValue::Text(t) => t.chars().count(),
                            NodeValue::Code(c) => c.literal.chars().count(),
                            _ => 0,
                        };
                        if let Some((line, kind, n)) = open.as_mut() {
                            *n += chars as u64;
                            if *n > max {
                                let text = markdown
                                    .lines()
                                    .nth(line.saturating_sub(1))
                                    .unwrap_or("")
                                    .trim_start_matches(|c: char| {
                                        c.is_whitespace()
                                            || matches!(c, '>' | '-' | '*' | '+' | '#' | '|')
                                    });
                                return Err(too_long(*line, kind, text, max));
                            }
                        }
                    }
                    _ => {}
                }
            }
            NodeEdge::End(node) => {
                if is_block(&node.data.borrow().value) {
                    open = None;
                }
            }
        }
    }
    Ok(())
}

/// The number of blocks comrak made of the report — paragraphs, headings, list items and
/// table cells — refused past [`crate::limits::Limits::report_blocks`] before any
/// [`Document`] is built (the table and chart directives and code blocks add theirs as
/// they are read, see [`Cx::add_blocks`]). Counted without recursion.
///
/// Errors ([`Error::Template`]): the block past the limit, naming its report line and
/// `DIAOYAN_MAX_REPORT_BLOCKS`.
fn count_blocks<'a>(root: &'a AstNode<'a>) -> Result<u64> {
    let max = crate::limits::current().report_blocks;
    let mut n = 0u64;
    for node in root.descendants() {
        let data = node.data.borrow();
        if matches!(
            data.value,
            NodeValue::Paragraph
                | NodeValue::Heading(_)
                | NodeValue::Item(_)
                | NodeValue::TableCell
        ) {
            n += 1;
            if n > max {
                return Err(too_many_blocks(data.sourcepos.start.line, max));
            }
        }
    }
    Ok(n)
}

/// The error for a report past the block limit, at report line `line`.
fn too_many_blocks(line: usize, max: u64) -> Error {
    Error::template(format!(
        "报告第{line}行：报告的段落、标题、列表项、表格单元格合计超过 {max} 个\
         （多半是数据表的行数或发现条数过多；请精简数据或分册，\
         或设置环境变量 DIAOYAN_MAX_REPORT_BLOCKS 提高上限）"
    ))
}

/// Refuse one block's `text` (a table cell, a chart label, a code line: what the table
/// and chart directives and code blocks carry outside comrak's paragraphs) longer than
/// [`crate::limits::Limits::paragraph_chars`], naming the report line `line` where its
/// block starts (see [`check_lengths`]).
fn check_length(text: &str, line: usize, kind: &str) -> Result<()> {
    let max = crate::limits::current().paragraph_chars;
    // Cheap first: bytes are at least characters.
    if (text.len() as u64) <= max || (text.chars().count() as u64) <= max {
        return Ok(());
    }
    Err(too_long(line, kind, text, max))
}

/// The error for a block past the paragraph limit.
fn too_long(line: usize, kind: &str, text: &str, max: u64) -> Error {
    let excerpt: String = text.chars().take(24).collect();
    Error::template(format!(
        "报告第{line}行（“{excerpt}…”）：这个{kind}超过 {max} 字\
         （这段文字来自数据文件或模板；请分段，或设置环境变量 \
         DIAOYAN_MAX_PARAGRAPH_CHARS 提高上限）"
    ))
}

/// `markdown` with a link reference definition `[@id]: diaoyan-ref:` appended for every
/// `[@id]` written in it, so CommonMark itself makes each unescaped `[@id]` a link (a
/// shortcut reference) and leaves escaped ones as text.
fn with_reference_definitions(markdown: &str) -> String {
    let mut ids: Vec<&str> = Vec::new();
    let mut rest = markdown;
    while let Some(a) = rest.find("[@") {
        let after = &rest[a + 2..];
        let len = after
            .find(|c: char| c == ']' || c == '[' || c == '\\' || c.is_whitespace())
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with(']') && !ids.contains(&&after[..len]) {
            ids.push(&after[..len]);
        }
        rest = &after[len..];
    }
    if ids.is_empty() {
        return markdown.to_string();
    }
    let mut out = String::with_capacity(markdown.len() + ids.len() * 24);
    out.push_str(markdown);
    out.push_str("\n\n");
    for id in ids {
        out.push_str(&format!("[@{id}]: {REF_URL}\n"));
    }
    out
}

/// Parse state: source lines, footnote references and definitions, the first error.
#[derive(Default)]
struct Cx<'s> {
    /// The report Markdown's lines (for structural checks against the unescaped source).
    lines: Vec<&'s str>,
    note_order: Vec<String>,
    note_bodies: HashMap<String, Vec<Run>>,
    /// The footnote definition being read, if any.
    in_note: Option<String>,
    error: Option<Error>,
    /// Blocks counted so far against [`crate::limits::Limits::report_blocks`].
    blocks: u64,
}

impl Cx<'_> {
    /// Count `n` more blocks (a table directive's cells, a code block's lines) made at
    /// report line `line`.
    ///
    /// Errors ([`Error::Template`]): past [`crate::limits::Limits::report_blocks`].
    fn add_blocks(&mut self, n: u64, line: usize) -> Result<()> {
        let max = crate::limits::current().report_blocks;
        self.blocks = self.blocks.saturating_add(n);
        if self.blocks > max {
            return Err(too_many_blocks(line, max));
        }
        Ok(())
    }

    fn note_number(&mut self, name: &str) -> usize {
        match self.note_order.iter().position(|n| n == name) {
            Some(i) => i + 1,
            None => {
                self.note_order.push(name.to_string());
                self.note_order.len()
            }
        }
    }

    /// Source line `n` (1-based).
    fn line(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.lines.get(i))
            .copied()
            .unwrap_or("")
    }

    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }
}

/// Number tables (表N) and charts (图N) in document order and give each cross-reference
/// run its label. An unknown id is an error.
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
            if let Inline::Ref(id) = &r.kind {
                match labels.get(id) {
                    Some(l) => r.text = l.clone(),
                    None => {
                        missing.get_or_insert(id.clone());
                    }
                }
            }
        }
    };
    visit_blocks(&mut doc.blocks, &mut |b| match b {
        Block::Paragraph(runs) | Block::Heading { runs, .. } => fix(runs),
        Block::Table(t) => {
            for row in t.head.iter_mut().chain(&mut t.body).chain(&mut t.foot) {
                for cell in row {
                    fix(&mut cell.runs);
                }
            }
        }
        _ => {}
    });
    for n in &mut doc.notes {
        fix(n);
    }
    match missing {
        Some(id) => Err(Error::template(format!(
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
    let pos = node.data.borrow().sourcepos;
    match value {
        NodeValue::Heading(h) => {
            let mut runs = inlines(node, cx);
            if h.level > MAX_HEADING_LEVEL {
                return Err(Error::template(format!(
                    "报告第{}行：标题「{}」是第{}级标题，最多支持{}级（一、（一）1.（1））",
                    pos.start.line,
                    plain_text(&runs).trim(),
                    h.level,
                    MAX_HEADING_LEVEL
                )));
            }
            // The heading's last content line (a setext heading's underline follows it).
            let last = if h.setext {
                pos.end.line.saturating_sub(1)
            } else {
                pos.end.line
            };
            let numbered = !strip_unnumbered(&mut runs, cx.line(last));
            out.push(Block::Heading {
                level: h.level.max(1),
                numbered,
                number: None,
                runs,
            });
        }
        NodeValue::Paragraph => {
            let runs = inlines(node, cx);
            let single = pos.start.line == pos.end.line;
            if single && cx.line(pos.start.line).trim() == PAGE_BREAK {
                out.push(Block::PageBreak);
            } else if runs
                .iter()
                .any(|r| !r.is_break() && !r.text.trim().is_empty())
            {
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
            let ordered = l.list_type == ListType::Ordered;
            out.push(Block::List {
                ordered,
                start: if ordered { l.start } else { 1 },
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
                    .map_err(|e| Error::template(format!("表格指令无法解析：{e}")))?;
                let cells = table.head.iter().chain(&table.body).chain(&table.foot);
                let count: usize = cells.clone().map(|row| row.len()).sum();
                cx.add_blocks(count as u64, pos.start.line)?;
                for cell in cells.flatten() {
                    let text: String = cell.runs.iter().map(|r| r.text.as_str()).collect();
                    check_length(&text, pos.start.line, "表格单元格")?;
                }
                for note in [&table.caption, &table.unit_note, &table.source_note] {
                    check_length(note.as_deref().unwrap_or(""), pos.start.line, "表格说明")?;
                }
                out.push(Block::Table(table));
            } else if cb.info.trim() == CHART_DIRECTIVE {
                let chart: Chart = serde_json::from_str(&cb.literal)
                    .map_err(|e| Error::template(format!("图表指令无法解析：{e}")))?;
                check_chart(&chart)?;
                let names = chart.series.iter().map(|s| s.name.as_str());
                let texts = [&chart.caption, &chart.unit, &chart.alt]
                    .into_iter()
                    .map(|t| t.as_deref().unwrap_or(""));
                for text in chart
                    .categories
                    .iter()
                    .map(String::as_str)
                    .chain(names)
                    .chain(texts)
                {
                    check_length(text, pos.start.line, "图表文字")?;
                }
                out.push(Block::Chart(chart));
            } else {
                for line in cb.literal.lines() {
                    cx.add_blocks(1, pos.start.line)?;
                    check_length(line, pos.start.line, "代码块的一行")?;
                    out.push(Block::Paragraph(vec![Run::plain(line)]));
                }
            }
        }
        NodeValue::Table(t) => out.push(Block::Table(gfm_table(node, &t.alignments, cx))),
        NodeValue::FootnoteDefinition(def) => {
            let mut inner = Vec::new();
            cx.in_note = Some(def.name.clone());
            for c in node.children() {
                block(c, &mut inner, cx)?;
            }
            cx.in_note = None;
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
            if !text.is_empty() && !is_br(text) {
                out.push(Block::Paragraph(vec![Run::plain(text)]));
            }
        }
        _ => {}
    }
    Ok(())
}

/// A chart a reader can open: every series has one value per category.
fn check_chart(c: &Chart) -> Result<()> {
    let name = c
        .caption
        .clone()
        .or_else(|| c.id.clone())
        .unwrap_or_else(|| "（无标题）".to_string());
    for s in &c.series {
        if s.values.len() != c.categories.len() {
            return Err(Error::template(format!(
                "图表「{name}」的数据系列「{}」有{}个值，但图表有{}个类别：每个类别须有一个值",
                s.name,
                s.values.len(),
                c.categories.len()
            )));
        }
    }
    Ok(())
}

/// A heading whose source line ends in an unescaped `{-}` or `{.unnumbered}` is
/// unnumbered; the marker is removed from its text. Escaped data (`\{\-\}`) never is.
fn strip_unnumbered(runs: &mut [Run], source_line: &str) -> bool {
    let src = source_line.trim_end();
    let src = if src.ends_with('#') {
        // An ATX heading's closing sequence.
        src.trim_end_matches('#').trim_end()
    } else {
        src
    };
    for marker in ["{-}", "{.unnumbered}"] {
        let Some(before) = src.strip_suffix(marker) else {
            continue;
        };
        if before.ends_with('\\') {
            continue;
        }
        if let Some(last) = runs.last_mut().filter(|r| r.kind == Inline::Text) {
            if let Some(stripped) = last.text.trim_end().strip_suffix(marker) {
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
                let align = match aligns.get(i) {
                    Some(TableAlignment::Right) => Align::Right,
                    Some(TableAlignment::Center) => Align::Center,
                    _ if is_head => Align::Center,
                    _ => Align::Left,
                };
                let mut cell = TableCell::new("", align);
                cell.runs = inlines(c, cx);
                cell
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

/// The inline content of a node as styled runs, adjacent text runs of one style merged.
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
        if last.bold == bold && last.italic == italic && last.kind == Inline::Text {
            last.text.push_str(text);
            return;
        }
    }
    runs.push(Run {
        text: text.to_string(),
        bold,
        italic,
        kind: Inline::Text,
    });
}

/// `<br>`, `<br/>` or `<br />` (what compose writes for a line break in data).
fn is_br(html: &str) -> bool {
    let t = html.trim().to_ascii_lowercase();
    let t = t.split_whitespace().collect::<String>();
    matches!(t.as_str(), "<br>" | "<br/>")
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
            NodeValue::LineBreak => runs.push(Run {
                bold,
                italic,
                ..Run::line_break()
            }),
            NodeValue::HtmlInline(h) if is_br(&h) => runs.push(Run {
                bold,
                italic,
                ..Run::line_break()
            }),
            NodeValue::Strong => collect(child, true, italic, runs, cx),
            NodeValue::Emph => collect(child, bold, true, runs, cx),
            NodeValue::Link(l) if l.url == REF_URL => {
                let mut label = Vec::new();
                collect(child, false, false, &mut label, cx);
                let id = plain_text(&label);
                let id = id.trim().trim_start_matches('@').to_string();
                runs.push(Run {
                    text: String::new(),
                    bold,
                    italic,
                    kind: Inline::Ref(id),
                });
            }
            NodeValue::FootnoteReference(r) => {
                if let Some(outer) = cx.in_note.clone() {
                    cx.fail(Error::template(format!(
                        "脚注 [^{outer}] 的文字引用了另一个脚注 [^{}]：脚注里不能再加脚注",
                        r.name
                    )));
                    continue;
                }
                let n = cx.note_number(&r.name);
                runs.push(Run {
                    bold,
                    italic,
                    ..Run::note_mark(n)
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
            runs.iter().map(|r| (r.text.clone(), r.note())).collect();
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
        assert!(
            matches!(&d.blocks[1], Block::List { ordered: true, items, .. } if items.len() == 2)
        );
        assert_eq!(d.blocks[2], Block::PageBreak);
        assert!(matches!(&d.blocks[3], Block::List { ordered: false, .. }));
        assert_eq!(d.blocks[4], Block::PageBreak);
    }

    #[test]
    fn a_list_keeps_its_start_number() {
        let d = parse_str("5. 五\n6. 六\n\n- 甲\n\n0. 零\n");
        let starts: Vec<(bool, usize)> = d
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::List { ordered, start, .. } => Some((*ordered, *start)),
                _ => None,
            })
            .collect();
        assert_eq!(starts, [(true, 5), (false, 1), (true, 0)]);
        assert_eq!(crate::doc::list_marker(true, 5, 1), "6. ");
        assert_eq!(crate::doc::list_marker(false, 1, 3), "• ");
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
        assert!(matches!(&d.blocks[0], Block::Paragraph(r) if plain_text(r) == "见表2和表1。"));
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

    fn paragraph_runs(d: &Document, i: usize) -> Vec<Run> {
        match &d.blocks[i] {
            Block::Paragraph(r) => r.clone(),
            other => panic!("not a paragraph: {other:?}"),
        }
    }

    /// Issue 14: `{{ facts.funding.party | fixed }}[^p]` in a GFM table cell is 20000 and
    /// footnote 1, not the text "200001"; the note is numbered with the others.
    #[test]
    fn a_footnote_in_a_table_cell_is_a_typed_mark() {
        let d = parse_str("正文[^a]。\n\n| 项目 | 金额 |\n|---|---:|\n| 党建经费 | 20000[^p] |\n\n[^a]: 甲注\n[^p]: 含上级补助\n");
        let Block::Table(t) = &d.blocks[1] else {
            panic!("table")
        };
        let cell = &t.body[0][1];
        assert_eq!(cell.runs, [Run::plain("20000"), Run::note_mark(2)]);
        assert_eq!(cell.align, Align::Right);
        let notes: Vec<String> = d.notes.iter().map(|n| plain_text(n)).collect();
        assert_eq!(notes, ["甲注", "含上级补助"]);
    }

    /// Issue 14: escaped data never makes a cross-reference; template text does, also in a
    /// table cell and a footnote.
    #[test]
    fn only_template_text_makes_cross_references() {
        let esc = crate::compose::escape_markdown_string;
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
        let esc = crate::compose::escape_markdown_string;
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
        let esc = crate::compose::escape_markdown_string;
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
        let esc = crate::compose::escape_markdown_string;
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

    /// Issue 14: a footnote citing another footnote is refused, naming both.
    #[test]
    fn a_footnote_citing_a_footnote_is_refused() {
        let err = parse("甲[^a]。\n\n[^a]: 见[^b]\n[^b]: 乙\n", Meta::default())
            .expect_err("nested note");
        let msg = err.to_string();
        assert!(msg.contains("[^a]") && msg.contains("[^b]"), "{msg}");
    }

    /// Issue 14: a chart whose series has fewer or more values than categories is refused,
    /// naming the chart and the series.
    #[test]
    fn a_chart_with_a_short_or_long_series_is_refused() {
        for values in ["[1]", "[1,2,3]"] {
            let md = format!("```diaoyan-chart\n{{\"kind\":\"bar\",\"caption\":\"人口\",\"categories\":[\"甲\",\"乙\"],\"series\":[{{\"name\":\"户数\",\"values\":{values}}}]}}\n```\n");
            let msg = parse(&md, Meta::default())
                .expect_err("refused")
                .to_string();
            assert!(msg.contains("人口") && msg.contains("户数"), "{msg}");
        }
    }

    /// Issue 14: a fifth heading level is refused with its line, not drawn as the fourth.
    #[test]
    fn a_fifth_heading_level_is_refused_with_its_line() {
        let msg = parse("# 甲\n\n#### 丁\n\n##### 戊\n", Meta::default())
            .expect_err("level 5")
            .to_string();
        assert!(
            msg.contains("第5行") && msg.contains("戊") && msg.contains("5"),
            "{msg}"
        );
    }

    /// Issue 14: data reading like a footnote mark or a break tag stays text, even when the
    /// template defines that footnote.
    #[test]
    fn data_never_makes_notes_or_breaks() {
        let esc = crate::compose::escape_markdown_string;
        let md = format!("{}{}。\n\n[^1]: 注\n", esc("甲[^1]"), esc("<br>乙"));
        let d = parse_str(&md);
        assert_eq!(paragraph_runs(&d, 0), [Run::plain("甲[^1]<br>乙。")]);
        assert!(d.notes.is_empty());
    }

    #[test]
    fn nesting_past_the_depth_limit_is_refused_with_its_line() {
        let depth = crate::limits::current().depth as usize;
        let ok = format!("甲\n\n{}浅", "> ".repeat(depth));
        assert!(parse(&ok, Meta::default()).is_ok());
        // The line named is where the first level too many starts.
        for (md, kind, line) in [
            (
                format!("甲\n\n{}深", "> ".repeat(depth + 1)),
                "引用块和列表",
                3,
            ),
            (
                format!(
                    "甲\n\n{}",
                    (0..=depth)
                        .map(|i| format!("{}- 深\n", "  ".repeat(i)))
                        .collect::<String>()
                ),
                "引用块和列表",
                3 + depth,
            ),
            (
                format!(
                    "甲\n\n{}深{}",
                    "*乙 ".repeat(depth + 1),
                    " 丙*".repeat(depth + 1)
                ),
                "强调、加粗和链接",
                3,
            ),
        ] {
            let err = parse(&md, Meta::default())
                .expect_err("too deep")
                .to_string();
            assert!(
                err.contains(&format!("报告第{line}行"))
                    && err.contains(kind)
                    && err.contains("DIAOYAN_MAX_DEPTH"),
                "{err}"
            );
        }
    }

    /// comrak builds 100,000 nested quotes or emphases without recursion and the depth
    /// check reads them without recursion: an error, not a stack overflow, on a small stack.
    #[test]
    fn huge_nesting_is_refused_on_a_small_stack() {
        let run = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                for md in [
                    format!("{}深", "> ".repeat(100_000)),
                    format!("{}深{}", "*乙 ".repeat(100_000), " 丙*".repeat(100_000)),
                    format!("{}深{}", "![".repeat(100_000), "](u)".repeat(100_000)),
                ] {
                    assert!(parse(&md, Meta::default()).is_err());
                }
            })
            .expect("thread");
        assert!(run.join().is_ok());
    }
}
