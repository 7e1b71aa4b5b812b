//! Inline content: styled runs, footnote marks, cross-references and line breaks, from
//! Markdown structure only (never from run text).

use super::*;

/// The inline content of a node as styled runs, adjacent text runs of one style merged.
pub(super) fn inlines<'a>(node: &'a AstNode<'a>, cx: &mut Cx) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    collect(node, false, false, &mut runs, cx);
    runs
}

pub(super) fn push(runs: &mut Vec<Run>, text: &str, bold: bool, italic: bool) {
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
pub(super) fn is_br(html: &str) -> bool {
    let t = html.trim().to_ascii_lowercase();
    let t = t.split_whitespace().collect::<String>();
    matches!(t.as_str(), "<br>" | "<br/>")
}

pub(super) fn collect<'a>(
    node: &'a AstNode<'a>,
    bold: bool,
    italic: bool,
    runs: &mut Vec<Run>,
    cx: &mut Cx,
) {
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

pub(super) fn first_char<'a>(node: Option<&'a AstNode<'a>>) -> Option<char> {
    let node = node?;
    let value = node.data.borrow().value.clone();
    match value {
        NodeValue::Text(t) => t.chars().next(),
        _ => first_char(node.first_child()),
    }
}
