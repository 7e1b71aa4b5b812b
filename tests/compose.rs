//! Composition end to end: data cannot inject structure; numbering and captions; merged
//! table headers in the DOCX.

mod common;

use common::*;

const EVIL: &str = "安定*甲*社区 **乙** | 丙 # 丁 <b>戊</b> {{ 1+1 }} [链接](http://x) `代码`";

fn render_evil() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read_to_string(seed()).unwrap();
    let p = dir.path().join("evil.yaml");
    // A YAML double-quoted string: the backslash-free EVIL needs no escaping.
    std::fs::write(
        &p,
        data.replace("name: 安定社区", &format!("name: \"{EVIL}\"")),
    )
    .unwrap();
    let out = diaoyan(&[
        "render",
        p.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

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
    if have("pdftotext") {
        let pdf = dir.path().join("qingnianlu-2019.pdf");
        let out = std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = squeeze(&String::from_utf8_lossy(&out.stdout));
        assert!(
            text.contains(&format!("最少的是{}（215人）", squeeze(EVIL))),
            "PDF prose lacks the literal name"
        );
        assert!(
            text.contains("{{1+1}}"),
            "the braces in the data were evaluated"
        );
        assert!(!text.contains("安定甲社区"), "emphasis was interpreted");
    }
}

#[test]
fn pdf_headings_and_captions_are_numbered_in_order() {
    if !have("pdftotext") {
        return;
    }
    let dir = render_seed();
    let out = std::process::Command::new("pdftotext")
        .arg(dir.path().join("qingnianlu-2019.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert_eq!(heading_numbers(&text), ["一、", "二、", "三、", "四、"]);
    let captions: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with('表') && l.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    let want: Vec<String> = (1..=captions.len()).map(|i| format!("表{i}")).collect();
    assert!(captions.len() >= 6, "{captions:?}");
    assert_eq!(
        captions
            .iter()
            .map(|c| c.trim_end_matches(|c: char| !c.is_ascii_digit()))
            .collect::<Vec<_>>(),
        want
    );
    // The cross-reference in the prose names the office table.
    assert!(squeeze(&text).contains("（见表2）"));
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
