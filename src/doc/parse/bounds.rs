//! Bounds checked before the report Markdown is walked: nesting depth, paragraph length
//! and block count (the limits of [`crate::limits::Limits`]), each refusal naming its line.

use super::*;

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
pub(super) fn check_depth<'a>(root: &'a AstNode<'a>, markdown: &str, max: u64) -> Result<()> {
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
pub(super) fn check_lengths<'a>(root: &'a AstNode<'a>, markdown: &str, max: u64) -> Result<()> {
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
pub(super) fn count_blocks<'a>(root: &'a AstNode<'a>) -> Result<u64> {
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
pub(super) fn too_many_blocks(line: usize, max: u64) -> Error {
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
pub(super) fn check_length(text: &str, line: usize, kind: &str) -> Result<()> {
    let max = crate::limits::current().paragraph_chars;
    // Cheap first: bytes are at least characters.
    if (text.len() as u64) <= max || (text.chars().count() as u64) <= max {
        return Ok(());
    }
    Err(too_long(line, kind, text, max))
}

/// The error for a block past the paragraph limit.
pub(super) fn too_long(line: usize, kind: &str, text: &str, max: u64) -> Error {
    let excerpt: String = text.chars().take(24).collect();
    Error::template(format!(
        "报告第{line}行（“{excerpt}…”）：这个{kind}超过 {max} 字\
         （这段文字来自数据文件或模板；请分段，或设置环境变量 \
         DIAOYAN_MAX_PARAGRAPH_CHARS 提高上限）"
    ))
}
