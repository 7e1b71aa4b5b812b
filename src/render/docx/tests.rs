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
