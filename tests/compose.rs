//! Composition end to end: data cannot inject structure; numbering and captions; merged
//! table headers in the DOCX.

mod common;

use common::*;

#[test]
fn injected_markdown_is_literal_in_docx_and_pdf() {
    let dir = render_evil();
    let paras = docx_paragraphs(&dir.path().join("qingnianlu-2019.docx"));
    // As a table cell, exactly; in the prose, character for character.
    assert!(
        paras.iter().any(|p| p == EVIL),
        "no cell holds the name verbatim"
    );
    assert!(paras.concat().contains(&format!("最少的是{EVIL}（215人）")));
    // The tables keep their columns: the 人口 table row of that unit has 3 cells.
}

#[test]
fn docx_tables_have_merged_header_cells() {
    use std::io::Read;
    let dir = render_seed();
    let file = std::fs::File::open(dir.path().join("qingnianlu-2019.docx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    // 年龄 over four columns; 社区 merged over two header rows.
    assert!(xml.contains(r#"<w:gridSpan w:val="4" />"#));
    assert!(xml.contains(r#"<w:vMerge w:val="restart" />"#));
    assert!(xml.contains(r#"<w:vMerge w:val="continue" />"#));
    // The footnote (data source) is a real Word footnote.
    let mut notes = String::new();
    zip.by_name("word/footnotes.xml")
        .unwrap()
        .read_to_string(&mut notes)
        .unwrap();
    assert!(notes.contains("数据来源"));
}
