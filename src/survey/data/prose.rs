//! The writer's prose is Markdown (issue 18): emphasis, strong, footnotes, numbered and
//! bulleted lists, block quotes. What would change the report's structure is refused
//! here, with its line, so `check` refuses exactly what `render` would not print as the
//! writer meant: a heading line, raw HTML, a code block or fenced directive, a link or an
//! image, a thematic break, a footnote that is used but not defined (or defined but not
//! used), a footnote inside a footnote. `compose` renders what passes (see
//! `compose::prose`).

use comrak::nodes::{AstNode, NodeValue};
use comrak::{parse_document, Arena, Options};

/// The comrak options prose is read with — the same as the report's parser
/// ([`crate::doc::parse()`]) minus GFM tables (a `|` in prose is text).
pub fn markdown_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = false;
    options.extension.footnotes = true;
    options.extension.strikethrough = false;
    options.extension.cjk_friendly_emphasis = true;
    options
}

/// The problems of one prose text: `(line within the text, 1-based; message in Chinese)`,
/// in text order. Empty when the text may be printed.
pub fn markdown_problems(text: &str) -> Vec<(usize, String)> {
    let arena = Arena::new();
    let options = markdown_options();
    let root = parse_document(&arena, text, &options);
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut defined: Vec<String> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    // Iterative: comrak's nesting is bounded by the data file's size only.
    let mut stack: Vec<(&AstNode<'_>, Option<String>)> = vec![(root, None)];
    while let Some((node, in_note)) = stack.pop() {
        let data = node.data.borrow();
        let line = data.sourcepos.start.line.max(1);
        let mut note = in_note.clone();
        match &data.value {
            NodeValue::Heading(_) => out.push((
                line,
                "这一行会成为标题（以 # 开头，或下一行是 === / ---）：正文中不能写标题，标题由模板和 title 给出；如需小标题，请用 points；如确要以 # 开头，请写作 \\#".into(),
            )),
            NodeValue::HtmlBlock(_) | NodeValue::HtmlInline(_) => out.push((
                line,
                "含 HTML 标记（<…>）：正文中不能写 HTML；如确要写 < 字符，请写作 \\<".into(),
            )),
            NodeValue::CodeBlock(cb) if cb.fenced => out.push((
                line,
                "代码块或指令（``` 或 ~~~ 开头）不能写在正文中，表格和图表由模板生成".into(),
            )),
            NodeValue::CodeBlock(_) => out.push((
                line,
                "这一行缩进了 4 个以上空格，会被当作代码块：请删除行首的空格".into(),
            )),
            NodeValue::Link(_) | NodeValue::Image(_) => out.push((
                line,
                "含链接或图片（[…](…)、<http…>）：报告正文中不能有链接或图片，请直接写出文字".into(),
            )),
            NodeValue::ThematicBreak => out.push((
                line,
                "分隔线（---、*** 或 ___ 单独一行）不能写在正文中".into(),
            )),
            NodeValue::FootnoteDefinition(def) => {
                defined.push(def.name.clone());
                note = Some(def.name.clone());
            }
            NodeValue::FootnoteReference(r) => {
                if let Some(outer) = &in_note {
                    out.push((
                        line,
                        format!(
                            "脚注 [^{outer}] 的文字引用了另一个脚注 [^{}]：脚注里不能再加脚注",
                            r.name
                        ),
                    ));
                }
                used.push(r.name.clone());
            }
            _ => {}
        }
        drop(data);
        let children: Vec<_> = node.children().collect();
        for c in children.into_iter().rev() {
            stack.push((c, note.clone()));
        }
    }
    // A reference comrak did not link is text reading `[^x]`: a footnote never defined.
    for (i, l) in text.lines().enumerate() {
        let mut rest = l;
        while let Some(at) = rest.find("[^") {
            let escaped = rest[..at].ends_with('\\');
            let tail = &rest[at + 2..];
            let Some(end) = tail.find(']') else { break };
            let name = &tail[..end];
            let is_def = tail[end + 1..].starts_with(':') && rest[..at].trim().is_empty();
            if !escaped
                && !is_def
                && !name.is_empty()
                && !name.contains(char::is_whitespace)
                && !defined.iter().any(|d| d.eq_ignore_ascii_case(name))
            {
                out.push((
                    i + 1,
                    format!("脚注 [^{name}] 没有定义：请在这段文字中加一行 [^{name}]: 脚注内容"),
                ));
            }
            rest = &tail[end..];
        }
    }
    // Definitions read from the text: comrak drops a definition nothing cites from its
    // tree, so the tree alone would never show an unused one.
    let written = text.lines().enumerate().filter_map(|(i, l)| {
        let tail = l.trim_start().strip_prefix("[^")?;
        let end = tail.find("]:")?;
        let name = &tail[..end];
        (!name.is_empty() && !name.contains(char::is_whitespace)).then_some((i + 1, name))
    });
    for (line, d) in written {
        if !used.iter().any(|u| u.eq_ignore_ascii_case(d)) {
            out.push((
                line,
                format!(
                    "脚注 [^{d}] 定义了但正文中没有引用：请在正文相应位置写 [^{d}]，或删除这一行"
                ),
            ));
        }
    }
    out.sort_by_key(|(l, _)| *l);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_markdown_passes() {
        let t = "多数村集体收入*不足*5万元[^a]，**问题突出**。\n\n1. 甲\n2. 乙\n   - 丙\n\n> 引文\n\n[^a]: 以2019年末账面数计。\n";
        assert_eq!(markdown_problems(t), Vec::<(usize, String)>::new());
    }

    #[test]
    fn structure_is_refused_with_its_line() {
        let t =
            "甲\n\n# 标题\n\n<b>乙</b>\n\n```diaoyan-table\n{}\n```\n\n见[文件](a.docx)。\n\n---\n";
        let lines: Vec<usize> = markdown_problems(t).iter().map(|p| p.0).collect();
        assert_eq!(lines, [3, 5, 5, 7, 11, 13]);
    }

    #[test]
    fn footnotes_must_be_defined_and_used() {
        let p = markdown_problems("甲[^x]。\n\n[^y]: 注\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].1.contains("[^x] 没有定义"));
        assert!(p[1].1.contains("[^y] 定义了但"));
        assert_eq!(p[1].0, 3);
        assert!(markdown_problems("甲\\[^x]。").is_empty());
    }
}
