//! The writer's prose into the report Markdown (issue 18).
//!
//! Prose is Markdown the writer wrote: its emphasis, strong text, footnotes, lists and
//! quotes reach the report; its text is escaped character by character as any other data
//! ([`escape_markdown`](super::escape_markdown)), so nothing but these constructs is
//! structure. What `survey` refuses (headings, HTML, code blocks and directives, links,
//! thematic breaks: `survey::data::prose`) never gets here; if it did, it would print as
//! text.
//!
//! Templates see each prose text as its top-level blocks (`paragraphs`), each a *safe*
//! string of Markdown (printed by `{{ p }}` without escaping), a footnote's definition
//! following the block that first cites it. Footnote labels are renamed per text
//! (`diaoyan-prose-N-name`), so two findings may both use `[^a]`.
//!
//! Points (`points:`) are printed by the `points` filter ([`points_markdown`]).

use comrak::nodes::{AstNode, ListType, NodeValue};
use comrak::{parse_document, Arena};

use tera::value::Key;
use tera::Value;

use super::escape::escape_markdown_string as esc;
use crate::survey::{Point, Prose};

/// The blocks of one prose `text` as safe report Markdown (see the module docs); `piece`
/// makes its footnote labels unique in the report.
pub fn blocks(text: &str, piece: usize) -> Vec<String> {
    let arena = Arena::new();
    let options = crate::survey::prose_markdown_options();
    let root = parse_document(&arena, text, &options);
    let mut cx = Cx {
        piece,
        notes: Vec::new(),
        printed: 0,
        depth: 0,
    };
    // Footnote bodies first, by name, so each can follow the block citing it.
    let mut bodies: Vec<(String, String)> = Vec::new();
    for child in root.children() {
        if let NodeValue::FootnoteDefinition(def) = &child.data.borrow().value {
            let mut lines = Vec::new();
            let mut inner = Cx {
                piece,
                notes: Vec::new(),
                printed: 0,
                depth: 0,
            };
            for c in child.children() {
                if !lines.is_empty() {
                    lines.push(String::new());
                }
                lines.extend(block_lines(c, &mut inner));
            }
            bodies.push((def.name.clone(), lines.join("\n    ")));
        }
    }
    let mut out = Vec::new();
    for child in root.children() {
        if matches!(child.data.borrow().value, NodeValue::FootnoteDefinition(_)) {
            continue;
        }
        let mut md = block_lines(child, &mut cx).join("\n");
        if md.trim().is_empty() {
            continue;
        }
        // The definitions of the notes this block cites first.
        for name in &cx.notes[cx.printed..] {
            if let Some((_, body)) = bodies.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                md.push_str(&format!("\n\n[^{}]: {body}", cx.label(name)));
            }
        }
        cx.printed = cx.notes.len();
        out.push(md);
    }
    out
}

/// Per-text state: the footnotes cited so far (in order) and how many were printed.
struct Cx {
    piece: usize,
    notes: Vec<String>,
    printed: usize,
    /// How deep the walk is: past [`MAX_NEST`] the rest of a node is printed as plain
    /// text, so no writer's nesting overflows the stack (the report's parser refuses
    /// anything past `DIAOYAN_MAX_DEPTH` levels, far fewer, with its line).
    depth: usize,
}

/// The deepest nesting printed as structure (see [`Cx::depth`]).
const MAX_NEST: usize = 200;

/// The text of `node` and everything under it, escaped, without structure (iterative).
fn flat_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        match &d.data.borrow().value {
            NodeValue::Text(t) => out.push_str(&esc(t)),
            NodeValue::Code(c) => out.push_str(&esc(&c.literal)),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

impl Cx {
    /// The report-wide label of the text's footnote `name`.
    fn label(&self, name: &str) -> String {
        let clean: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("diaoyan-prose-{}-{}", self.piece, clean.to_lowercase())
    }
}

/// One block as lines of report Markdown.
fn block_lines<'a>(node: &'a AstNode<'a>, cx: &mut Cx) -> Vec<String> {
    if cx.depth > MAX_NEST {
        return vec![flat_text(node)];
    }
    cx.depth += 1;
    let lines = block_lines_at(node, cx);
    cx.depth -= 1;
    lines
}

fn block_lines_at<'a>(node: &'a AstNode<'a>, cx: &mut Cx) -> Vec<String> {
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Paragraph => vec![inline_md(node, cx)],
        NodeValue::List(l) => {
            let mut lines = Vec::new();
            for (i, item) in node.children().enumerate() {
                let marker = match l.list_type {
                    // `1)` is written `1.`: the report's lists are numbered so.
                    ListType::Ordered => format!("{}. ", l.start + i),
                    ListType::Bullet => "- ".to_string(),
                };
                let pad = " ".repeat(marker.chars().count());
                let mut item_lines: Vec<String> = Vec::new();
                for c in item.children() {
                    // A tight list stays tight (no blank line before a nested list).
                    if !item_lines.is_empty() && !l.tight {
                        item_lines.push(String::new());
                    }
                    item_lines.extend(block_lines(c, cx));
                }
                if item_lines.is_empty() {
                    item_lines.push(String::new());
                }
                for (k, line) in item_lines.into_iter().enumerate() {
                    if k == 0 {
                        lines.push(format!("{marker}{line}"));
                    } else if line.is_empty() {
                        lines.push(String::new());
                    } else {
                        lines.push(format!("{pad}{line}"));
                    }
                }
            }
            lines
        }
        NodeValue::BlockQuote => {
            let mut inner: Vec<String> = Vec::new();
            for c in node.children() {
                if !inner.is_empty() {
                    inner.push(String::new());
                }
                inner.extend(block_lines(c, cx));
            }
            inner
                .into_iter()
                .map(|l| {
                    if l.is_empty() {
                        ">".into()
                    } else {
                        format!("> {l}")
                    }
                })
                .collect()
        }
        // Refused by `survey`; printed as text should it ever come here.
        NodeValue::CodeBlock(cb) => cb.literal.lines().map(esc).collect(),
        NodeValue::HtmlBlock(h) => h.literal.lines().map(esc).collect(),
        NodeValue::Heading(_) => vec![inline_md(node, cx)],
        _ => vec![inline_md(node, cx)],
    }
}

/// The inline content of `node` as one line of report Markdown: text escaped, emphasis
/// and strong as `*` and `**`, footnote marks renamed; a soft break dropped between two
/// CJK characters and a space otherwise (as [`escape_markdown`](super::escape_markdown)
/// does), a hard break `<br>`.
fn inline_md<'a>(node: &'a AstNode<'a>, cx: &mut Cx) -> String {
    if cx.depth > MAX_NEST {
        return flat_text(node);
    }
    cx.depth += 1;
    let out = inline_md_at(node, cx);
    cx.depth -= 1;
    out
}

fn inline_md_at<'a>(node: &'a AstNode<'a>, cx: &mut Cx) -> String {
    let mut out = String::new();
    for child in node.children() {
        let value = child.data.borrow().value.clone();
        match value {
            NodeValue::Text(t) => out.push_str(&esc(&t)),
            NodeValue::Code(c) => out.push_str(&esc(&c.literal)),
            NodeValue::SoftBreak => {
                let prev = out.chars().next_back();
                let next = first_char(child.next_sibling());
                let cjk = |c: Option<char>| c.is_some_and(crate::chars::is_cjk);
                if !(cjk(prev) && cjk(next)) {
                    out.push(' ');
                }
            }
            NodeValue::LineBreak => out.push_str(super::escape::LINE_BREAK),
            NodeValue::Emph => {
                let inner = inline_md(child, cx);
                if !inner.is_empty() {
                    out.push_str(&format!("*{inner}*"));
                }
            }
            NodeValue::Strong => {
                let inner = inline_md(child, cx);
                if !inner.is_empty() {
                    out.push_str(&format!("**{inner}**"));
                }
            }
            NodeValue::FootnoteReference(r) => {
                if !cx.notes.iter().any(|n| n.eq_ignore_ascii_case(&r.name)) {
                    cx.notes.push(r.name.clone());
                }
                out.push_str(&format!("[^{}]", cx.label(&r.name)));
            }
            NodeValue::HtmlInline(h) => out.push_str(&esc(&h)),
            _ => out.push_str(&inline_md(child, cx)),
        }
    }
    out
}

fn first_char<'a>(node: Option<&'a AstNode<'a>>) -> Option<char> {
    let node = node?;
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Text(t) => t.chars().next(),
        _ => first_char(node.first_child()),
    }
}

/// A finding or recommendation as templates see it: `title` (text, escaped when printed),
/// `topic`, `paragraphs` (safe Markdown blocks, [`blocks`]) and `points` (each `title`,
/// `paragraphs`, `points`). `next` numbers the texts for footnote labels.
pub fn item_value(p: &Prose, next: &mut usize) -> Value {
    let mut m = tera::Map::new();
    m.insert("title".into(), Value::from(p.title.trim()));
    m.insert(
        "topic".into(),
        p.topic.as_deref().map_or_else(Value::none, Value::from),
    );
    m.insert("paragraphs".into(), paragraphs_value(&p.text, next));
    m.insert("points".into(), points_value(&p.points, next));
    Value::from(m)
}

/// A prose text's blocks as a list of safe strings.
pub fn paragraphs_value(text: &str, next: &mut usize) -> Value {
    *next += 1;
    let list: Vec<Value> = blocks(text, *next)
        .iter()
        .map(|b| Value::safe_string(b))
        .collect();
    Value::from(list)
}

fn points_value(points: &[Point], next: &mut usize) -> Value {
    let list: Vec<Value> = points
        .iter()
        .map(|p| {
            let mut m = tera::Map::new();
            m.insert(
                "title".into(),
                p.title
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map_or_else(Value::none, Value::from),
            );
            let paragraphs = paragraphs_value(&p.text, next);
            // `text` as the data file names it (and `stats --json` shows it): the same
            // blocks, joined as paragraphs, safe (attacker finding F3: it was undefined).
            let text: Vec<String> = paragraphs
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|b| b.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            m.insert("text".into(), Value::safe_string(&text.join("\n\n")));
            m.insert("paragraphs".into(), paragraphs);
            m.insert("points".into(), points_value(&p.points, next));
            Value::from(m)
        })
        .collect();
    Value::from(list)
}

/// The `points` filter: a finding's `points` (as [`item_value`] gives them) as report
/// Markdown, the first level at heading level `level` (3 under a `##` finding).
///
/// When every point of a list has a title and the level is at most 4, the points are
/// numbered headings (diaoyan numbers them 1. and （1）, as any heading of that level),
/// each followed by its paragraphs and its own points one level down. Otherwise (a point
/// without a title, or deeper than four levels) the points are paragraphs numbered in
/// the style of their level — `1.`, `（1）`, then `①` — the title, if any, in bold and run
/// into the first paragraph (1.**收入来源单一。**主要依靠……), as GB/T 9704 numbers the third
/// and fourth levels.
pub fn points_markdown(points: &Value, level: usize) -> String {
    let mut out = String::new();
    write_points(points, level, &mut out);
    out
}

/// The deepest numbered heading level (as `doc::parse`'s: 一、 （一） 1. （1））.
const MAX_HEADING_LEVEL: usize = 4;

fn write_points(points: &Value, level: usize, out: &mut String) {
    let Some(list) = points.as_array() else {
        return;
    };
    if list.is_empty() {
        return;
    }
    let titled = |p: &Value| {
        p.as_map()
            .and_then(|m| m.get(&Key::from("title")))
            .and_then(|t| t.as_str())
            .is_some_and(|t| !t.trim().is_empty())
    };
    let as_headings = level <= MAX_HEADING_LEVEL && list.iter().all(titled);
    for (i, p) in list.iter().enumerate() {
        let Some(m) = p.as_map() else { continue };
        let title = m
            .get(&Key::from("title"))
            .and_then(|t| t.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let paras: Vec<String> = m
            .get(&Key::from("paragraphs"))
            .and_then(|v| v.as_array())
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if as_headings {
            let t = title.unwrap_or_default();
            out.push_str(&format!("{} {}\n\n", "#".repeat(level), esc(t)));
            for para in &paras {
                out.push_str(para);
                out.push_str("\n\n");
            }
        } else {
            let number = esc(&number_of(level, i + 1));
            let head = match title {
                Some(t) => {
                    let ends = t.chars().next_back().is_some_and(|c| {
                        c.is_ascii_punctuation() || "。！？；：，、”）".contains(c)
                    });
                    format!("{number}**{}{}**", esc(t), if ends { "" } else { "。" })
                }
                None => number,
            };
            let mut rest = paras.iter();
            match paras.first() {
                Some(first) if is_paragraph(first) => {
                    rest.next();
                    out.push_str(&head);
                    out.push_str(first);
                    out.push_str("\n\n");
                }
                _ => {
                    out.push_str(&head);
                    out.push_str("\n\n");
                }
            }
            for para in rest {
                out.push_str(para);
                out.push_str("\n\n");
            }
        }
        if let Some(sub) = m.get(&Key::from("points")) {
            write_points(sub, level + 1, out);
        }
    }
}

/// Whether a block of [`blocks`] is a paragraph (not a list or a quote): one of those
/// starts with its marker, and a paragraph never does (its punctuation is escaped).
fn is_paragraph(md: &str) -> bool {
    let digits = md.chars().take_while(char::is_ascii_digit).count();
    !(md.starts_with("- ") || md.starts_with('>') || (digits > 0 && md[digits..].starts_with(". ")))
}

/// The number of point `n` (1-based) at heading level `level`: 一、 （一） 1. （1） ①.
fn number_of(level: usize, n: usize) -> String {
    match level {
        0 | 1 => format!("{}、", crate::doc::chinese_numeral(n)),
        2 => format!("（{}）", crate::doc::chinese_numeral(n)),
        3 => format!("{n}."),
        4 => format!("（{n}）"),
        _ => match char::from_u32(0x2460 + n as u32 - 1).filter(|_| n <= 20) {
            Some(c) => c.to_string(),
            None => format!("{n})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_notes_and_lists_become_report_markdown() {
        let b = blocks(
            "收入*不足*5万元[^a]，**问题突出**。\n第二行\n\n1. 甲\n2. 乙\n\n[^a]: 以2019年末计。\n",
            3,
        );
        assert_eq!(
            b,
            [
                "收入*不足*5万元[^diaoyan-prose-3-a]，**问题突出**。第二行\n\n[^diaoyan-prose-3-a]: 以2019年末计。",
                "1. 甲\n2. 乙"
            ]
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            blocks("55.4% | #1 \\*x\\*", 1),
            ["55\\.4\\% \\| \\#1 \\*x\\*"]
        );
    }

    #[test]
    fn numbers_by_level() {
        assert_eq!(number_of(3, 2), "2.");
        assert_eq!(number_of(4, 2), "（2）");
        assert_eq!(number_of(2, 12), "（十二）");
        assert_eq!(number_of(5, 1), "①");
    }
}
