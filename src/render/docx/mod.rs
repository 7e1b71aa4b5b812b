//! Document → .docx with docx-rs, then a normalisation pass and a deterministic re-zip.

mod normalize;
mod package;

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrText, LineSpacing, LineSpacingType,
    PageMargin, Paragraph, Run as DRun, RunFonts, SpecialIndentType, Table as DTable,
    TableCell as DCell, TableRow, VAlignType, VMergeType, WidthType,
};

use crate::doc::{Align, Block, Document, Run, Table};
use crate::error::{Error, Result};

/// Fonts of the GB/T 9704 preset, per role: (East Asian, fallback Latin).
const FANGSONG: &str = "仿宋_GB2312";
const HEITI: &str = "黑体";
const KAITI: &str = "楷体_GB2312";
const TITLE: &str = "方正小标宋简体";
const LATIN: &str = "Times New Roman";

/// Half-points: 三号 16 pt, 二号 22 pt, 四号 14 pt, 小四 12 pt, 五号 10.5 pt.
const BODY: usize = 32;
const TITLE_SIZE: usize = 44;
const FOOTER_SIZE: usize = 28;
const TABLE_SIZE: usize = 24;
/// 小五 9 pt for footnotes.
const NOTE_SIZE: usize = 18;
/// Fixed line pitch for 22 lines on a 225 mm text block: 28.9 pt = 578 twips.
const LINE_PITCH: i32 = 578;
/// Text width: 210 − 28 − 26 = 156 mm in twips.
const TEXT_WIDTH: usize = 8844;

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN)
        .hi_ansi(LATIN)
        .cs(LATIN)
}

fn exact() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE_PITCH)
}

fn run(text: &str, font: &str, size: usize) -> DRun {
    DRun::new().add_text(text).fonts(fonts(font)).size(size)
}

/// The document's footnotes, for the runs that reference them.
type Notes<'a> = &'a [Vec<Run>];

fn runs(p: Paragraph, rs: &[Run], font: &str, size: usize, notes: Notes) -> Paragraph {
    rs.iter().fold(p, |p, r| {
        if let Some(n) = r.note {
            let body = notes.get(n - 1).map(Vec::as_slice).unwrap_or(&[]);
            let mut mark = DRun::new()
                .add_text(format!("{n} "))
                .fonts(fonts(FANGSONG))
                .size(NOTE_SIZE);
            mark.run_property = mark
                .run_property
                .vert_align(docx_rs::VertAlignType::SuperScript);
            let content = runs(
                Paragraph::new().add_run(mark),
                body,
                FANGSONG,
                NOTE_SIZE,
                &[],
            );
            // Our own id (docx-rs's comes from a process-wide counter).
            let note = docx_rs::Footnote {
                id: n,
                content: vec![content],
            };
            let mut dr = DRun::new().add_footnote_reference(note);
            dr.run_property = dr
                .run_property
                .vert_align(docx_rs::VertAlignType::SuperScript)
                .fonts(fonts(FANGSONG))
                .size(size);
            return p.add_run(dr);
        }
        let mut dr = run(&r.text, font, size);
        if r.bold {
            dr = dr.bold();
        }
        if r.italic {
            dr = dr.italic();
        }
        p.add_run(dr)
    })
}

/// Characters of 二号 type on one line of the 156 mm text block.
const TITLE_CHARS: usize = 20;

/// A long title as lines split between its phrases (see [`crate::render::phrase_break`]),
/// measured in em (CJK 1, other characters ½), so Word never breaks inside a word.
fn title_lines(title: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = title.chars().collect();
    let widths: Vec<f32> = chars
        .iter()
        .map(|c| if crate::doc::is_cjk(*c) { 1.0 } else { 0.5 })
        .collect();
    if widths.iter().sum::<f32>() <= max as f32 {
        return vec![title.to_string()];
    }
    match crate::render::phrase_break(&chars, &widths, max as f32) {
        Some(i) => vec![chars[..i - 1].iter().collect(), chars[i..].iter().collect()],
        None => vec![title.to_string()],
    }
}

/// Render `doc` to .docx bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let mut d = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .bottom(1984)
                .left(1588)
                .right(1474)
                .header(851)
                .footer(992),
        )
        .default_fonts(fonts(FANGSONG))
        .default_size(BODY)
        .footer(page_footer());
    if let Some(date) = &doc.meta.date {
        let stamp = format!("{date}T00:00:00Z");
        d = d.created_at(&stamp).updated_at(&stamp);
    }
    let mut title = Paragraph::new().align(AlignmentType::Center).line_spacing(
        LineSpacing::new()
            .line_rule(LineSpacingType::Auto)
            .line(240)
            .after(0),
    );
    for (i, line) in title_lines(&doc.meta.title, TITLE_CHARS).iter().enumerate() {
        let mut r = DRun::new();
        if i > 0 {
            r = r.add_break(docx_rs::BreakType::TextWrapping);
        }
        title = title.add_run(
            r.add_text(line.as_str())
                .fonts(fonts(TITLE))
                .size(TITLE_SIZE),
        );
    }
    d = d.add_paragraph(title);
    if let Some(sub) = &doc.meta.subtitle {
        d = d.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exact())
                .add_run(run(sub, KAITI, BODY)),
        );
    }
    d = d.add_paragraph(Paragraph::new().line_spacing(exact()));
    let mut footnote_style =
        docx_rs::Style::new("FootnoteReference", docx_rs::StyleType::Character)
            .name("footnote reference");
    footnote_style.run_property = footnote_style
        .run_property
        .vert_align(docx_rs::VertAlignType::SuperScript);
    d = d.add_style(footnote_style);
    for b in &doc.blocks {
        d = block(d, b, &doc.notes);
    }
    let xml = d.build();
    package::normalise_and_zip(xml, &doc.meta).map_err(|e| Error::Render(format!("DOCX: {e}")))
}

fn body_paragraph() -> Paragraph {
    Paragraph::new()
        .align(AlignmentType::Both)
        .line_spacing(exact())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .first_line_chars(200)
}

fn block(d: Docx, b: &Block, notes: Notes) -> Docx {
    match b {
        Block::Heading {
            level,
            number,
            runs: rs,
            ..
        } => {
            let (font, indent) = match level {
                1 => (HEITI, true),
                2 => (KAITI, true),
                _ => (FANGSONG, true),
            };
            let mut p = Paragraph::new()
                .line_spacing(exact())
                .keep_next(true)
                .outline_lvl((*level as usize).saturating_sub(1));
            if indent {
                p = p
                    .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                    .first_line_chars(200);
            }
            if let Some(n) = number {
                p = p.add_run(run(n, font, BODY));
            }
            let p = runs(p, rs, font, BODY, notes);
            d.add_paragraph(p)
        }
        Block::Paragraph(rs) => d.add_paragraph(runs(body_paragraph(), rs, FANGSONG, BODY, notes)),
        Block::List { ordered, items } => {
            let mut d = d;
            for (i, item) in items.iter().enumerate() {
                let marker = if *ordered {
                    format!("{}. ", i + 1)
                } else {
                    "• ".to_string()
                };
                for (j, inner) in item.iter().enumerate() {
                    if let Block::Paragraph(rs) = inner {
                        let mut p = body_paragraph();
                        if j == 0 {
                            p = p.add_run(run(&marker, FANGSONG, BODY));
                        }
                        d = d.add_paragraph(runs(p, rs, FANGSONG, BODY, notes));
                    } else {
                        d = block(d, inner, notes);
                    }
                }
            }
            d
        }
        Block::Quote(inner) => inner.iter().fold(d, |d, b| match b {
            // A quotation: 楷体, indented two characters on both sides.
            Block::Paragraph(rs) => d.add_paragraph(runs(
                body_paragraph().indent(
                    Some(640),
                    Some(SpecialIndentType::FirstLine(640)),
                    Some(640),
                    None,
                ),
                rs,
                KAITI,
                BODY,
                notes,
            )),
            other => block(d, other, notes),
        }),
        Block::Chart(c) => table(d, &c.data_table()).add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exact())
                .add_run(run(&c.label(), HEITI, 28)),
        ),
        Block::Table(t) => table(d, t),
        Block::PageBreak => d.add_paragraph(
            Paragraph::new().add_run(DRun::new().add_break(docx_rs::BreakType::Page)),
        ),
    }
}

fn small_paragraph(text: &str, align: AlignmentType, bold: bool, font: &str) -> Paragraph {
    let mut r = run(text, font, TABLE_SIZE);
    if bold {
        r = r.bold();
    }
    Paragraph::new()
        .align(align)
        .line_spacing(
            LineSpacing::new()
                .line_rule(LineSpacingType::Auto)
                .line(240),
        )
        .add_run(r)
}

fn table(d: Docx, t: &Table) -> Docx {
    let mut d = d;
    if let Some(label) = t.label() {
        d = d.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .keep_next(true)
                .line_spacing(exact())
                .add_run(run(&label, HEITI, 28)),
        );
    }
    if let Some(u) = &t.unit_note {
        d = d.add_paragraph(
            small_paragraph(u, AlignmentType::Right, false, FANGSONG).keep_next(true),
        );
    }
    let total: f32 = t.widths.iter().sum::<f32>().max(1.0);
    let grid: Vec<usize> = if t.widths.len() == t.columns as usize {
        t.widths
            .iter()
            .map(|w| (w / total * TEXT_WIDTH as f32) as usize)
            .collect()
    } else {
        vec![TEXT_WIDTH / t.columns.max(1) as usize; t.columns as usize]
    };
    let mut rows = Vec::new();
    for (part, is_head) in [(&t.head, true), (&t.body, false), (&t.foot, false)] {
        let placed = t.place(part);
        // Grid positions still covered by a row span from above: (remaining rows, colspan).
        let mut pending: Vec<(u16, u16)> = vec![(0, 1); t.columns as usize];
        for row in placed {
            let mut cells = Vec::new();
            let mut col = 0usize;
            let mut it = row.into_iter().peekable();
            while col < t.columns as usize {
                if pending[col].0 > 0 {
                    let span = pending[col].1 as usize;
                    pending[col].0 -= 1;
                    let mut c = DCell::new()
                        .vertical_merge(VMergeType::Continue)
                        .add_paragraph(Paragraph::new());
                    if span > 1 {
                        c = c.grid_span(span);
                    }
                    cells.push(c);
                    col += span;
                    continue;
                }
                let Some((pos, cell)) = it.next_if(|(p, _)| *p == col) else {
                    cells.push(DCell::new().add_paragraph(Paragraph::new()));
                    col += 1;
                    continue;
                };
                let span = (cell.colspan.max(1) as usize).min(t.columns as usize - pos);
                let align = match cell.align {
                    Align::Left => AlignmentType::Left,
                    Align::Center => AlignmentType::Center,
                    Align::Right => AlignmentType::Right,
                };
                let font = if is_head { HEITI } else { FANGSONG };
                let mut c = DCell::new()
                    .vertical_align(VAlignType::Center)
                    .width(grid[pos..pos + span].iter().sum(), WidthType::Dxa)
                    .add_paragraph(small_paragraph(&cell.text, align, cell.bold, font));
                if span > 1 {
                    c = c.grid_span(span);
                }
                if cell.rowspan > 1 {
                    c = c.vertical_merge(VMergeType::Restart);
                    pending[pos] = (cell.rowspan - 1, span as u16);
                }
                cells.push(c);
                col += span;
            }
            let mut r = TableRow::new(cells).cant_split();
            if is_head {
                r = r.row_height(0.0);
            }
            rows.push(r);
        }
    }
    d = d.add_table(
        DTable::new(rows)
            .set_grid(grid)
            .align(docx_rs::TableAlignmentType::Center)
            .width(TEXT_WIDTH, WidthType::Dxa),
    );
    if let Some(s) = &t.source_note {
        d = d.add_paragraph(small_paragraph(s, AlignmentType::Left, false, FANGSONG));
    }
    d.add_paragraph(Paragraph::new().line_spacing(exact()))
}

/// "— N —" centred, 四号 宋体, with a PAGE field.
fn page_footer() -> Footer {
    let f = |t: &str| run(t, "宋体", FOOTER_SIZE);
    Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(f("— "))
            .add_run(DRun::new().add_field_char(FieldCharType::Begin, false))
            .add_run(
                DRun::new()
                    .fonts(fonts("宋体"))
                    .size(FOOTER_SIZE)
                    .add_instr_text(InstrText::Unsupported("PAGE".to_string())),
            )
            .add_run(DRun::new().add_field_char(FieldCharType::Separate, false))
            .add_run(f("1"))
            .add_run(DRun::new().add_field_char(FieldCharType::End, false))
            .add_run(f(" —")),
    )
}

#[cfg(test)]
mod tests {
    use crate::doc::{Align, Block, Document, Run, Table, TableCell};
    use std::io::Read;

    fn part(docx: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("zip");
        let mut s = String::new();
        zip.by_name(name)
            .expect("part")
            .read_to_string(&mut s)
            .expect("utf-8");
        s
    }

    fn cell(t: &str, colspan: u16, rowspan: u16) -> TableCell {
        TableCell {
            colspan,
            rowspan,
            ..TableCell::new(t, Align::Center)
        }
    }

    #[test]
    fn merged_header_cells_and_footnotes() {
        let table = Table {
            caption: Some("年龄".into()),
            number: Some(1),
            columns: 5,
            head: vec![
                vec![cell("社区", 1, 2), cell("年龄", 4, 1)],
                vec![
                    cell("甲", 1, 1),
                    cell("乙", 1, 1),
                    cell("丙", 1, 1),
                    cell("丁", 1, 1),
                ],
            ],
            body: vec![(0..5).map(|i| cell(&i.to_string(), 1, 1)).collect()],
            ..Table::default()
        };
        let doc = Document {
            blocks: vec![
                Block::Paragraph(vec![
                    Run::plain("正文"),
                    Run {
                        text: "1".into(),
                        note: Some(1),
                        ..Run::default()
                    },
                ]),
                Block::Table(table),
            ],
            notes: vec![vec![Run::plain("资料来源：街道统计")]],
            ..Document::default()
        };
        let bytes = super::render(&doc).expect("renders");
        let xml = part(&bytes, "word/document.xml");
        assert!(xml.contains(r#"<w:gridSpan w:val="4" />"#), "{xml}");
        assert!(xml.contains(r#"<w:vMerge w:val="restart" />"#));
        assert!(xml.contains(r#"<w:vMerge w:val="continue" />"#));
        assert!(xml.contains("表1  年龄") || xml.contains("表1　年龄"));
        assert!(xml.contains(r#"<w:footnoteReference w:id="1" />"#), "{xml}");
        assert!(part(&bytes, "word/footnotes.xml").contains("资料来源：街道统计"));
    }

    #[test]
    fn long_titles_break_between_phrases() {
        let t = "强化基层保障 理顺管理体制 推动社区治理能力现代化";
        assert_eq!(
            super::title_lines(t, 20),
            ["强化基层保障 理顺管理体制", "推动社区治理能力现代化"]
        );
        assert_eq!(super::title_lines("短标题", 20), ["短标题"]);
    }
}
