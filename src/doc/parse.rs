//! Stage 4 — parse: report Markdown (CommonMark + GFM tables + directive blocks) into a
//! [`Document`].

mod blocks;
mod bounds;
mod inlines;

use blocks::block;
use bounds::{check_depth, check_length, check_lengths, count_blocks, too_many_blocks};
use inlines::{inlines, is_br};

use comrak::nodes::{AstNode, ListType, NodeValue, TableAlignment};
use comrak::{parse_document, Arena, Options};

use std::collections::HashMap;

use super::model::{
    plain_text, Align, Block, Chart, Document, Inline, Meta, Run, Table, TableCell,
};
use crate::chars::is_cjk;
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
/// `MAX_HEADING_LEVEL` (naming its line), a directive that is not valid JSON, a chart
/// whose series do not have one value per category, nesting deeper than
/// [`crate::limits::Limits::depth`] (see `check_depth`).
///
/// ```
/// use diaoyan::doc::{parse, Block, Meta};
/// let doc = parse("# 基本情况\n\n全街道共有社区 8 个。\n", Meta::default())?;
/// assert_eq!(doc.blocks.len(), 2);
/// assert!(matches!(doc.blocks[0], Block::Heading { level: 1, .. }));
/// assert!(matches!(doc.blocks[1], Block::Paragraph(_)));
/// # Ok::<(), diaoyan::Error>(())
/// ```
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
/// run its label. An unknown id is an error, and so is an id given to two tables or charts
/// (attacker finding F11, issue 18: `[@x]` silently went to the second).
fn number_captions(doc: &mut Document) -> Result<()> {
    let mut labels: HashMap<String, String> = HashMap::new();
    let mut twice: Option<(String, String, String)> = None;
    let mut label = |labels: &mut HashMap<String, String>, id: &String, l: String| {
        if let Some(first) = labels.insert(id.clone(), l.clone()) {
            twice.get_or_insert((id.clone(), first, l));
        }
    };
    let (mut tables, mut charts) = (0, 0);
    visit_blocks(&mut doc.blocks, &mut |b| match b {
        Block::Table(t) if t.caption.is_some() => {
            tables += 1;
            t.number = Some(tables);
            if let Some(id) = &t.id {
                label(&mut labels, id, format!("表{tables}"));
            }
        }
        Block::Chart(c) => {
            charts += 1;
            c.number = Some(charts);
            if let Some(id) = &c.id {
                label(&mut labels, id, format!("图{charts}"));
            }
        }
        _ => {}
    });
    if let Some((id, first, second)) = twice {
        return Err(Error::template(format!(
            "表或图的 id “{id}” 用了两次（{first}与{second}）；每个 id 只能给一个表或图"
        )));
    }
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

#[cfg(test)]
mod tests;
