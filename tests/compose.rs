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

/// Tera's `trim`, `trim_start` and `trim_end` (one budgeted implementation), with and
/// without `pat`, as the report prints them.
#[test]
fn trim_filters_trim_the_ends_they_name() {
    let dir = tempfile::tempdir().unwrap();
    let pack = copy_builtin_pack(dir.path());
    std::fs::write(
        pack.join("report.md"),
        concat!(
            "T1=[{{ \"  甲乙  \" | trim }}]\n\n",
            "T2=[{{ \"  甲乙  \" | trim_start }}]\n\n",
            "T3=[{{ \"  甲乙  \" | trim_end }}]\n\n",
            "T4=[{{ \"--甲乙--\" | trim(pat=\"-\") }}]\n\n",
            "T5=[{{ \"--甲乙--\" | trim_start(pat=\"-\") }}]\n\n",
            "T6=[{{ \"--甲乙--\" | trim_end(pat=\"-\") }}]\n",
        ),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--format",
        "pdf",
        "--markdown",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(out_dir.join("qingnianlu-2019.md")).unwrap();
    for want in [
        "T1=[甲乙]",
        "T2=[甲乙  ]",
        "T3=[  甲乙]",
        "T4=[甲乙]",
        "T5=[甲乙--]",
        "T6=[--甲乙]",
    ] {
        let key = &want[..3];
        let got = md.lines().find(|l| l.starts_with(key)).unwrap_or("");
        assert_eq!(got.replace('\\', ""), want);
    }
}
