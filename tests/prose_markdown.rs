//! Issue 18 (C): the writer's prose is Markdown — emphasis, strong, footnotes, lists and
//! nested points reach the report; what would change its structure (a heading, raw HTML, a
//! directive or code block, a link) is refused with the data file's line. Unit data stays
//! escaped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{diaoyan, docx_part, seed};

const FIRST_TEXT: &str = "      居委会依法是居民自我管理、自我教育、自我服务的群众性自治组织，";

/// The seed with the first finding's text replaced by `text` (lines indented as in the
/// file) and `extra` lines after it (points), written into `dir`.
fn seed_with(dir: &Path, text: &str, extra: &str) -> PathBuf {
    let src = std::fs::read_to_string(seed()).unwrap();
    let start = src.find(FIRST_TEXT).expect("the first finding's text");
    // The first finding's text runs to the next item (`  - title:`).
    let end = start + src[start..].find("  - title:").unwrap();
    let indented: String = text
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("      {l}\n")
            }
        })
        .collect();
    let out = format!("{}{indented}{extra}{}", &src[..start], &src[end..]);
    let path = dir.join("prose.yaml");
    std::fs::write(&path, out).unwrap();
    path
}

/// The line of `data` that holds `needle` (1-based).
fn line_of(data: &Path, needle: &str) -> usize {
    std::fs::read_to_string(data)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in the data")
        + 1
}

fn render(data: &Path, out: &Path) -> Output {
    diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--markdown",
        "--no-system-fonts",
    ])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const RICH: &str = "社区承接的行政事务*名目繁多*，其中**临时性工作**占六成以上[^a]。\n\n1. 统计报表多\n2. 检查考核多\n   - 其中专项检查最多\n\n[^a]: 据各社区座谈记录统计。\n";

const POINTS: &str = "    points:\n      - title: 台账报表繁多\n        text: 各类台账*数十种*。\n        points:\n          - text: 仅民政一项就有十余种。\n          - text: 多数需要重复填报。\n      - title: 考核名目繁多\n        text: 考核**层层加码**。\n";

/// Emphasis and strong become 楷体 (emphasis) and bold runs in the DOCX; the footnote is a real
/// footnote; the list is a list; points are numbered 1. / （1）.
#[test]
fn markdown_prose_reaches_docx_and_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let data = seed_with(tmp.path(), RICH, POINTS);
    let out = tmp.path().join("out");
    let r = render(&data, &out);
    assert!(r.status.success(), "{}", stderr(&r));
    let md = std::fs::read_to_string(out.join("qingnianlu-2019.md")).unwrap();
    // The report Markdown: emphasis kept, the footnote renamed for the report, the list, the
    // points as level-3 headings with their own numbered paragraphs under them.
    assert!(
        md.contains(
            "社区承接的行政事务*名目繁多*，其中**临时性工作**占六成以上[^diaoyan-prose-1-a]。"
        ),
        "{md}"
    );
    assert!(
        md.contains("[^diaoyan-prose-1-a]: 据各社区座谈记录统计。"),
        "{md}"
    );
    assert!(
        md.contains("1. 统计报表多\n2. 检查考核多\n   - 其中专项检查最多"),
        "{md}"
    );
    assert!(
        md.contains("### 台账报表繁多\n\n各类台账*数十种*。"),
        "{md}"
    );
    assert!(
        md.contains("（1）仅民政一项就有十余种。\n\n（2）多数需要重复填报。"),
        "{md}"
    );
    assert!(
        md.contains("### 考核名目繁多\n\n考核**层层加码**。"),
        "{md}"
    );

    let doc = docx_part(&out.join("qingnianlu-2019.docx"), "word/document.xml");
    let run_with = |text: &str| -> String {
        let at = doc
            .find(&format!(">{text}</w:t>"))
            .unwrap_or_else(|| panic!("{text}"));
        let start = doc[..at]
            .rfind("<w:r>")
            .or_else(|| doc[..at].rfind("<w:r "))
            .unwrap();
        doc[start..at].to_string()
    };
    // Emphasis on Chinese text is 楷体 (the 公文 convention diaoyan follows), not slanted.
    assert!(
        run_with("名目繁多").contains("楷体"),
        "{}",
        run_with("名目繁多")
    );
    assert!(
        run_with("临时性工作").contains("<w:b />"),
        "{}",
        run_with("临时性工作")
    );
    assert!(!run_with("临时性工作").contains("<w:i />"));
    let notes = docx_part(&out.join("qingnianlu-2019.docx"), "word/footnotes.xml");
    assert!(notes.contains("据各社区座谈记录统计。"), "{notes}");
    // The points' headings are numbered headings after the finding's （一）.
    assert!(doc.contains("台账报表繁多"));
    assert!(
        doc.contains("（1）</w:t>") || doc.contains(">（1）"),
        "numbered sub-point"
    );

    // The printed pages: tests/tools/prose.rs.
}

/// Points without titles, or deeper than four heading levels, are numbered paragraphs; a
/// title is run into the paragraph in bold.
#[test]
fn untitled_points_are_numbered_paragraphs() {
    let tmp = tempfile::tempdir().unwrap();
    let points =
        "    points:\n      - text: 第一点。\n      - title: 第二点\n        text: 说明。\n";
    let data = seed_with(tmp.path(), "正文。\n", points);
    let out = tmp.path().join("out");
    let r = render(&data, &out);
    assert!(r.status.success(), "{}", stderr(&r));
    let md = std::fs::read_to_string(out.join("qingnianlu-2019.md")).unwrap();
    assert!(
        md.contains("1\\.第一点。\n\n2\\.**第二点。**说明。"),
        "{md}"
    );
}

/// What would change the report's structure is refused, at its line, by `check` and
/// `render` alike; nothing is written.
#[test]
fn structure_in_prose_is_refused_with_its_line() {
    let cases: &[(&str, &str, &str)] = &[
        ("甲。\n\n# 冒充的标题\n", "# 冒充的标题", "正文中不能写标题"),
        ("甲<b>乙</b>。\n", "甲<b>乙</b>", "不能写 HTML"),
        (
            "甲。\n\n```diaoyan-table\n{}\n```\n",
            "```diaoyan-table",
            "代码块或指令",
        ),
        ("见[附件](附件.docx)。\n", "见[附件]", "不能有链接或图片"),
        ("甲[^x]。\n", "甲[^x]", "脚注 [^x] 没有定义"),
    ];
    for (text, needle, msg) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let data = seed_with(tmp.path(), text, "");
        let line = line_of(&data, needle);
        for cmd in ["check", "render"] {
            let out = tmp.path().join("out");
            let r = if cmd == "check" {
                diaoyan(&["check", data.to_str().unwrap()])
            } else {
                diaoyan(&[
                    "render",
                    data.to_str().unwrap(),
                    "-o",
                    out.to_str().unwrap(),
                ])
            };
            assert_eq!(r.status.code(), Some(2), "{cmd} {text}: {}", stderr(&r));
            let err = stderr(&r);
            let want = format!("prose.yaml:{line}:");
            assert!(err.contains(&want), "{text}\n{err}\nwant {want}");
            let want = "第 1 个问题的正文：";
            assert!(err.contains(want), "{text}\n{err}\nwant {want}");
            assert!(err.contains(msg), "{text}\n{err}");
            assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
        }
    }
}

/// Points deeper than the pack allows (two levels by default) are refused at their line.
#[test]
fn points_deeper_than_allowed_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let points = "    points:\n      - text: 一\n        points:\n          - text: 二\n            points:\n              - text: 三\n";
    let data = seed_with(tmp.path(), "正文。\n", points);
    let r = diaoyan(&["check", data.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    let line = line_of(&data, "              - text: 三");
    assert!(
        err.contains(&format!(
            "prose.yaml:{line}:15: 第 1 个问题的第 1 个要点的第 1 个要点的要点（points）最多 2 层，这里是第 3 层"
        )),
        "{err}"
    );
}

/// Markdown characters in the writer's text that make no allowed construct stay text:
/// `55.4%`, a `|`, an escaped `\*`.
#[test]
fn other_markdown_characters_stay_text() {
    let tmp = tempfile::tempdir().unwrap();
    let data = seed_with(tmp.path(), "占55.4% | 见\\*号。\n", "");
    let out = tmp.path().join("out");
    let r = render(&data, &out);
    assert!(r.status.success(), "{}", stderr(&r));
    let doc = docx_part(&out.join("qingnianlu-2019.docx"), "word/document.xml");
    assert!(doc.contains("占55.4% | 见*号。"), "escaped text kept");
}
