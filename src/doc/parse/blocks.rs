//! Block structure: headings, paragraphs, lists, quotes, directive blocks and GFM tables
//! from the comrak tree into [`Block`]s.

use super::*;

pub(super) fn block<'a>(node: &'a AstNode<'a>, out: &mut Vec<Block>, cx: &mut Cx) -> Result<()> {
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
pub(super) fn check_chart(c: &Chart) -> Result<()> {
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
    if !c.shares.is_empty() && c.shares.len() != c.categories.len() {
        return Err(Error::template(format!(
            "图表「{name}」有{}个占比（shares），但图表有{}个类别：每个类别须有一个占比",
            c.shares.len(),
            c.categories.len()
        )));
    }
    Ok(())
}

/// A heading whose source line ends in an unescaped `{-}` or `{.unnumbered}` is
/// unnumbered; the marker is removed from its text. Escaped data (`\{\-\}`) never is.
pub(super) fn strip_unnumbered(runs: &mut [Run], source_line: &str) -> bool {
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

pub(super) fn gfm_table<'a>(
    node: &'a AstNode<'a>,
    aligns: &[TableAlignment],
    cx: &mut Cx,
) -> Table {
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
