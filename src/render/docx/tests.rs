//! DOCX writer tests on Documents built directly.

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
            Block::Paragraph(vec![Run::plain("正文"), Run::note_mark(1)]),
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
    assert!(xml.contains("SEQ 表"), "{xml}");
    assert!(xml.contains("　年龄"));
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

#[test]
fn three_line_tables_have_no_vertical_rules() {
    let t = Table {
        columns: 2,
        rules: crate::doc::TableRules::ThreeLine,
        head: vec![vec![cell("甲", 1, 1), cell("乙", 1, 1)]],
        body: vec![vec![cell("1", 1, 1), cell("2", 1, 1)]],
        ..Table::default()
    };
    let doc = Document {
        blocks: vec![Block::Table(t)],
        ..Document::default()
    };
    let xml = part(&super::render(&doc).expect("renders"), "word/document.xml");
    let borders = xml
        .split("<w:tblBorders>")
        .nth(1)
        .and_then(|s| s.split("</w:tblBorders>").next())
        .expect("borders");
    assert!(
        borders.contains(r#"<w:top w:val="single" w:sz="12""#),
        "{borders}"
    );
    assert!(
        !borders.contains("insideV") && !borders.contains("<w:left"),
        "{borders}"
    );
    assert!(
        xml.contains("<w:tcBorders><w:bottom"),
        "the rule under the header: {xml}"
    );
}

fn table_of(cells: Vec<TableCell>) -> Table {
    Table {
        columns: cells.len() as u16,
        body: vec![cells],
        ..Table::default()
    }
}

/// Issue 14: a footnote mark in a table cell is a real `w:footnoteReference` in the cell;
/// the note starts with `w:footnoteRef` (no typed number); a second mark of the same note
/// is a superscript number, never a second reference.
#[test]
fn footnotes_in_cells_are_real_footnotes() {
    let mut c = TableCell::new("20000", Align::Right);
    c.runs.push(Run::note_mark(1));
    let doc = Document {
        blocks: vec![
            Block::Table(table_of(vec![TableCell::new("党建经费", Align::Left), c])),
            Block::Paragraph(vec![Run::plain("再见"), Run::note_mark(1)]),
        ],
        notes: vec![vec![Run::plain("含上级补助")]],
        ..Document::default()
    };
    let bytes = super::render(&doc).expect("renders");
    let xml = part(&bytes, "word/document.xml");
    let cell = xml
        .split("<w:tc>")
        .nth(2)
        .and_then(|s| s.split("</w:tc>").next())
        .expect("second cell");
    assert!(cell.contains("20000"), "{cell}");
    assert!(
        cell.contains(r#"<w:footnoteReference w:id="1" />"#),
        "{cell}"
    );
    assert!(!cell.contains("200001"), "{cell}");
    assert_eq!(xml.matches("<w:footnoteReference").count(), 1, "{xml}");
    let notes = part(&bytes, "word/footnotes.xml");
    let note = notes
        .split(r#"<w:footnote w:id="1">"#)
        .nth(1)
        .expect("note 1");
    let first_run = note.split("</w:r>").next().expect("a run");
    assert!(first_run.contains("<w:footnoteRef />"), "{note}");
    assert!(!first_run.contains("<w:t"), "{note}");
    assert!(note.contains("含上级补助"), "{note}");
}

/// Issue 14: a typed line break is `w:br`.
#[test]
fn line_breaks_are_w_br() {
    let doc = Document {
        blocks: vec![Block::Paragraph(vec![
            Run::plain("甲"),
            Run::line_break(),
            Run::plain("乙"),
        ])],
        ..Document::default()
    };
    let xml = part(&super::render(&doc).expect("renders"), "word/document.xml");
    assert!(xml.contains("<w:br w:type=\"textWrapping\" />"), "{xml}");
}

fn chart() -> crate::doc::Chart {
    crate::doc::Chart {
        caption: Some("人口".into()),
        number: Some(1),
        categories: vec!["甲".into(), "乙".into()],
        series: vec![crate::doc::Series {
            name: "户数".into(),
            values: vec![Some(1.0), Some(2.0)],
        }],
        ..crate::doc::Chart::default()
    }
}

/// Issue 14: data text that looks like the old private-use chart anchor draws nothing;
/// a chart draws in its own paragraph.
#[test]
fn only_charts_draw_charts() {
    let fake = "\u{E000}diaoyan-chart-1\u{E001}";
    let doc = Document {
        blocks: vec![
            Block::Paragraph(vec![Run::plain(fake)]),
            Block::Table(table_of(vec![TableCell::new(fake, Align::Left)])),
            Block::Chart(chart()),
        ],
        ..Document::default()
    };
    let xml = part(&super::render(&doc).expect("renders"), "word/document.xml");
    assert_eq!(xml.matches("<c:chart ").count(), 1, "{xml}");
    assert_eq!(xml.matches(fake).count(), 2, "the data text stays: {xml}");
    let data_only = Document {
        blocks: vec![Block::Paragraph(vec![Run::plain(fake)])],
        ..Document::default()
    };
    let xml = part(
        &super::render(&data_only).expect("renders"),
        "word/document.xml",
    );
    assert!(!xml.contains("<c:chart"), "{xml}");
}

/// Issue 14: every XML writer refuses XML-illegal characters — in the body, a cell, a
/// note, a chart (its XML and its workbook) and the core properties.
#[test]
fn xml_illegal_characters_are_refused() {
    for bad in [
        '\u{0}', '\u{8}', '\u{B}', '\u{C}', '\u{1D}', '\u{FFFE}', '\u{FFFF}',
    ] {
        let s = format!("安定{bad}社区");
        let mut docs = vec![
            Document {
                blocks: vec![Block::Paragraph(vec![Run::plain(s.as_str())])],
                ..Document::default()
            },
            Document {
                blocks: vec![Block::Table(table_of(vec![TableCell::new(
                    s.as_str(),
                    Align::Left,
                )]))],
                ..Document::default()
            },
            Document {
                blocks: vec![Block::Paragraph(vec![Run::note_mark(1)])],
                notes: vec![vec![Run::plain(s.as_str())]],
                ..Document::default()
            },
        ];
        // A chart's categories and series names are refused in the chart part, which
        // comes before the workbook holding the same text.
        let mut c = chart();
        c.categories[0] = s.clone();
        let mut named = chart();
        named.series[0].name = s.clone();
        for c in [c, named] {
            let doc = Document {
                blocks: vec![Block::Chart(c)],
                ..Document::default()
            };
            let msg = super::render(&doc).expect_err("refused").to_string();
            assert!(
                msg.contains("word/charts/chart1.xml")
                    && msg.contains(&format!("U+{:04X}", bad as u32)),
                "{msg}"
            );
        }
        let mut d = Document::default();
        d.meta.title = s.clone();
        docs.push(d);
        let mut d = Document::default();
        d.meta.author = Some(s.clone());
        docs.push(d);
        for (i, doc) in docs.iter().enumerate() {
            let err = super::render(doc).expect_err(&format!("case {i} U+{:04X}", bad as u32));
            let msg = err.to_string();
            assert!(msg.contains(&format!("U+{:04X}", bad as u32)), "{msg}");
        }
    }
    assert!(super::package::check_xml_chars("x.xml", b"<a>&#12;</a>").is_err());
    assert!(super::package::check_xml_chars("x.xml", b"<a>&#x1D;</a>").is_err());
    assert!(super::package::check_xml_chars("x.xml", b"<a>&#10;&#x4E00;</a>").is_ok());
}
