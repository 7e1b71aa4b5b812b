use super::*;

fn parse_str(md: &str) -> Document {
    parse(md, Meta::default()).expect("parses")
}

#[test]
fn headings_are_numbered_by_level() {
    let d = parse_str("# 甲\n\n## 子\n\n## 丑\n\n# 乙\n\n## 寅\n\n# 附录 {-}\n");
    let nums: Vec<Option<String>> = d
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading { number, .. } => number.clone(),
            _ => None,
        })
        .collect();
    let want = [
        Some("一、"),
        Some("（一）"),
        Some("（二）"),
        Some("二、"),
        Some("（一）"),
        None,
    ];
    assert_eq!(nums, want.map(|s| s.map(String::from)));
}

#[test]
fn soft_breaks_between_chinese_vanish() {
    let d = parse_str("第一行\n第二行 and\nmore");
    assert_eq!(
        d.blocks,
        vec![Block::Paragraph(vec![Run::plain("第一行第二行 and more")])]
    );
}

#[test]
fn numbering_restarts_below_each_level() {
    let d = parse_str("# 甲\n\n## 子\n\n### 一\n\n#### 细\n\n#### 细\n\n### 二\n\n#### 细\n\n## 丑\n\n### 一\n\n# 乙 {.unnumbered}\n\n# 丙\n");
    let nums: Vec<String> = d
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading { number, .. } => number.clone().unwrap_or_default(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        nums,
        [
            "一、",
            "（一）",
            "1.",
            "（1）",
            "（2）",
            "2.",
            "（1）",
            "（二）",
            "1.",
            "",
            "二、"
        ]
    );
}

#[test]
fn footnotes_are_collected_in_reference_order() {
    let d = parse_str("甲[^b]乙[^a]。\n\n[^a]: 来源甲\n[^b]: 来源乙\n");
    let Block::Paragraph(runs) = &d.blocks[0] else {
        panic!("paragraph")
    };
    let marks: Vec<(String, Option<usize>)> =
        runs.iter().map(|r| (r.text.clone(), r.note())).collect();
    assert_eq!(
        marks,
        [
            ("甲".into(), None),
            ("1".into(), Some(1)),
            ("乙".into(), None),
            ("2".into(), Some(2)),
            ("。".into(), None)
        ]
    );
    let notes: Vec<String> = d
        .notes
        .iter()
        .map(|n| n.iter().map(|r| r.text.as_str()).collect())
        .collect();
    assert_eq!(notes, ["来源乙", "来源甲"]);
}

#[test]
fn quotes_lists_and_page_breaks() {
    let d = parse_str("> 引文\n\n1. 一\n2. 二\n\n\\newpage\n\n- 甲\n\n---\n");
    assert!(matches!(&d.blocks[0], Block::Quote(q) if q.len() == 1));
    assert!(matches!(&d.blocks[1], Block::List { ordered: true, items, .. } if items.len() == 2));
    assert_eq!(d.blocks[2], Block::PageBreak);
    assert!(matches!(&d.blocks[3], Block::List { ordered: false, .. }));
    assert_eq!(d.blocks[4], Block::PageBreak);
}

#[test]
fn a_list_keeps_its_start_number() {
    let d = parse_str("5. 五\n6. 六\n\n- 甲\n\n0. 零\n");
    let starts: Vec<(bool, usize)> = d
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::List { ordered, start, .. } => Some((*ordered, *start)),
            _ => None,
        })
        .collect();
    assert_eq!(starts, [(true, 5), (false, 1), (true, 0)]);
    assert_eq!(crate::doc::list_marker(true, 5, 1), "6. ");
    assert_eq!(crate::doc::list_marker(false, 1, 3), "• ");
}

#[test]
fn raw_html_is_text() {
    let d = parse_str("甲<b>乙</b>\n\n<div>丙</div>\n");
    let texts: Vec<String> = d
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(r) => r.iter().map(|r| r.text.as_str()).collect(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(texts, ["甲<b>乙</b>", "<div>丙</div>"]);
}

#[test]
fn captions_are_numbered_and_cross_references_resolve() {
    let t = |id: &str| {
        format!("```diaoyan-table\n{{\"caption\":\"表{id}\",\"id\":\"{id}\",\"columns\":1,\"head\":[],\"body\":[]}}\n```\n")
    };
    let md = format!("见[@b]和[@a]。\n\n{}\n{}", t("a"), t("b"));
    let d = parse_str(&md);
    assert!(matches!(&d.blocks[0], Block::Paragraph(r) if plain_text(r) == "见表2和表1。"));
    let err = parse("见[@nope]。", Meta::default()).expect_err("unknown id");
    assert!(err.to_string().contains("[@nope]"));
}

#[test]
fn cjk_friendly_emphasis() {
    let d = parse_str("**重要的。**但");
    let Block::Paragraph(runs) = &d.blocks[0] else {
        panic!("not a paragraph")
    };
    assert!(runs[0].bold && runs[0].text == "重要的。");
}

/// Issue 14: `{{ facts.funding.party | fixed }}[^p]` in a GFM table cell is 20000 and
/// footnote 1, not the text "200001"; the note is numbered with the others.
#[test]
fn a_footnote_in_a_table_cell_is_a_typed_mark() {
    let d = parse_str("正文[^a]。\n\n| 项目 | 金额 |\n|---|---:|\n| 党建经费 | 20000[^p] |\n\n[^a]: 甲注\n[^p]: 含上级补助\n");
    let Block::Table(t) = &d.blocks[1] else {
        panic!("table")
    };
    let cell = &t.body[0][1];
    assert_eq!(cell.runs, [Run::plain("20000"), Run::note_mark(2)]);
    assert_eq!(cell.align, Align::Right);
    let notes: Vec<String> = d.notes.iter().map(|n| plain_text(n)).collect();
    assert_eq!(notes, ["甲注", "含上级补助"]);
}

/// Issue 14: a footnote citing another footnote is refused, naming both.
#[test]
fn a_footnote_citing_a_footnote_is_refused() {
    let err =
        parse("甲[^a]。\n\n[^a]: 见[^b]\n[^b]: 乙\n", Meta::default()).expect_err("nested note");
    let msg = err.to_string();
    assert!(msg.contains("[^a]") && msg.contains("[^b]"), "{msg}");
}

/// Issue 14: a chart whose series has fewer or more values than categories is refused,
/// naming the chart and the series.
#[test]
fn a_chart_with_a_short_or_long_series_is_refused() {
    for values in ["[1]", "[1,2,3]"] {
        let md = format!("```diaoyan-chart\n{{\"kind\":\"bar\",\"caption\":\"人口\",\"categories\":[\"甲\",\"乙\"],\"series\":[{{\"name\":\"户数\",\"values\":{values}}}]}}\n```\n");
        let msg = parse(&md, Meta::default())
            .expect_err("refused")
            .to_string();
        assert!(msg.contains("人口") && msg.contains("户数"), "{msg}");
    }
}

/// Issue 17: a pie's shares travel in its directive; a directive whose shares do not
/// match its categories one for one is refused, naming the chart.
#[test]
fn a_pie_keeps_its_shares_and_refuses_a_wrong_count() {
    let md = |shares: &str| {
        format!("```diaoyan-chart\n{{\"kind\":\"pie\",\"caption\":\"性别\",\"categories\":[\"男\",\"女\"],\"series\":[{{\"name\":\"人数\",\"values\":[2,4]}}]{shares}}}\n```\n")
    };
    let doc = parse(&md(",\"shares\":[333,667]"), Meta::default()).expect("parses");
    let Block::Chart(c) = &doc.blocks[0] else {
        panic!("a chart")
    };
    assert_eq!(c.shares, [333, 667]);
    let msg = parse(&md(",\"shares\":[1000]"), Meta::default())
        .expect_err("refused")
        .to_string();
    assert!(msg.contains("性别") && msg.contains("占比"), "{msg}");
}

/// Issue 14: a fifth heading level is refused with its line, not drawn as the fourth.
#[test]
fn a_fifth_heading_level_is_refused_with_its_line() {
    let msg = parse("# 甲\n\n#### 丁\n\n##### 戊\n", Meta::default())
        .expect_err("level 5")
        .to_string();
    assert!(
        msg.contains("第5行") && msg.contains("戊") && msg.contains("5"),
        "{msg}"
    );
}

#[test]
fn nesting_past_the_depth_limit_is_refused_with_its_line() {
    let depth = crate::limits::current().depth as usize;
    let ok = format!("甲\n\n{}浅", "> ".repeat(depth));
    assert!(parse(&ok, Meta::default()).is_ok());
    // The line named is where the first level too many starts.
    for (md, kind, line) in [
        (
            format!("甲\n\n{}深", "> ".repeat(depth + 1)),
            "引用块和列表",
            3,
        ),
        (
            format!(
                "甲\n\n{}",
                (0..=depth)
                    .map(|i| format!("{}- 深\n", "  ".repeat(i)))
                    .collect::<String>()
            ),
            "引用块和列表",
            3 + depth,
        ),
        (
            format!(
                "甲\n\n{}深{}",
                "*乙 ".repeat(depth + 1),
                " 丙*".repeat(depth + 1)
            ),
            "强调、加粗和链接",
            3,
        ),
    ] {
        let err = parse(&md, Meta::default())
            .expect_err("too deep")
            .to_string();
        assert!(
            err.contains(&format!("报告第{line}行"))
                && err.contains(kind)
                && err.contains("DIAOYAN_MAX_DEPTH"),
            "{err}"
        );
    }
}

/// comrak builds 100,000 nested quotes or emphases without recursion and the depth
/// check reads them without recursion: an error, not a stack overflow, on a small stack.
#[test]
fn huge_nesting_is_refused_on_a_small_stack() {
    let run = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            for md in [
                format!("{}深", "> ".repeat(100_000)),
                format!("{}深{}", "*乙 ".repeat(100_000), " 丙*".repeat(100_000)),
                format!("{}深{}", "![".repeat(100_000), "](u)".repeat(100_000)),
            ] {
                assert!(parse(&md, Meta::default()).is_err());
            }
        })
        .expect("thread");
    assert!(run.join().is_ok());
}
