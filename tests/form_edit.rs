//! The writer's form of a data file (`survey::edit`, used by `diaoyan serve`): read
//! leniently, written back with every other line kept, round trips for any text.

mod common;

use std::path::Path;

use diaoyan::survey::edit::{read_form, write_form, Form, FormItem};
use proptest::prelude::*;
use serde_yaml::Value as Yaml;

fn seed_text() -> String {
    std::fs::read_to_string(common::seed()).expect("seed")
}

/// The survey `text` loads to (the seed's pack).
fn load(text: &str) -> diaoyan::survey::Survey {
    let path = common::root().join("data/edited.yaml");
    match diaoyan::survey::load_bytes(&path, text.as_bytes(), None) {
        Ok((s, _)) => s,
        Err(e) => panic!("does not load: {e:?}\n{text}"),
    }
}

#[test]
fn seed_reads_as_its_report_and_prose() {
    let form = read_form(&seed_text()).expect("form");
    assert_eq!(
        form.report.title,
        "强化基层保障 理顺管理体制 推动社区治理能力现代化"
    );
    assert_eq!(form.report.subtitle, "——青年路街道社区管理情况调研报告");
    assert_eq!(form.report.period, "2019");
    assert_eq!(form.report.date, "2020-03-16");
    assert_eq!(form.report.output, "qingnianlu-2019");
    assert_eq!(form.report.author, "");
    assert!(form.report.extra.is_empty());
    assert_eq!(form.findings.len(), 7);
    assert_eq!(form.recommendations.len(), 8);
    assert_eq!(form.findings[0].topic, "admin");
    assert_eq!(form.recommendations[0].topic, "");
    assert!(form.findings[0]
        .text
        .starts_with("居委会依法是居民自我管理"));
    assert!(form.findings[0].text.ends_with("明显弱化。\n"));
    assert!(form.closing.starts_with("社区是基层治理的基础单元。"));
    // What the loader reads, exactly.
    let s = load(&seed_text());
    for (f, p) in form.findings.iter().zip(&s.findings) {
        assert_eq!(f.title, p.title);
        assert_eq!(f.text, p.text);
        assert_eq!(
            Some(f.topic.as_str()).filter(|t| !t.is_empty()),
            p.topic.as_deref()
        );
    }
}

#[test]
fn seed_unchanged_is_the_same_bytes() {
    let text = seed_text();
    let form = read_form(&text).expect("form");
    assert_eq!(write_form(&text, &form).expect("written"), text);
}

/// Changing one finding rewrites only that finding: every other line of the file,
/// other findings included, stays byte for byte; the file loads with the change.
#[test]
fn one_changed_finding_changes_only_its_lines() {
    let text = seed_text();
    let mut form = read_form(&text).expect("form");
    form.findings[3].text = "薪酬偏低。\n\n第二段：工作量大。".into();
    let out = write_form(&text, &form).expect("written");
    let old: Vec<&str> = text.lines().collect();
    let new: Vec<&str> = out.lines().collect();
    // The finding's four lines (title, topic, `text: |`, one paragraph) became six.
    let at = old
        .iter()
        .position(|l| l.contains("社区工作人员承担的任务重"))
        .expect("old text");
    assert_eq!(new[..at - 1], old[..at - 1]);
    assert_eq!(
        new[at - 1..at + 4],
        [
            "    text: |-",
            "      薪酬偏低。",
            "",
            "      第二段：工作量大。",
            "  - title: 队伍结构不够合理，能力素质有待提升"
        ]
    );
    assert_eq!(new[at + 3..], old[at + 1..]);
    let s = load(&out);
    assert_eq!(s.findings[3].text, "薪酬偏低。\n\n第二段：工作量大。");
    assert_eq!(s.findings[3].topic.as_deref(), Some("pay"));
}

/// Comments outside the edited sections and inside unchanged items survive; keys the
/// form does not know (`points`, a custom key, a report key beyond the eight) round-trip.
#[test]
fn comments_and_unknown_keys_are_kept() {
    let text = "\
# 头部注释
template: community-survey
report:
  title: 标题   # 标题注释
  region: 某街道
  period: '2020'
  sponsor: 某单位   # 未知键
units: []   # 单位注释
# findings 之前的注释
findings:
  # 第一项之前
  - title: 甲
    text: 正文甲
    points:
      - title: 要点
        text: 要点正文
    kind: custom
  - title: 乙   # 乙的注释
    text: |
      正文乙
# closing 之前的注释
closing: 结束
";
    let mut form = read_form(text).expect("form");
    assert_eq!(form.report.extra.len(), 1);
    assert_eq!(form.report.extra["sponsor"], Yaml::from("某单位"));
    assert_eq!(
        form.findings[0].extra.keys().collect::<Vec<_>>(),
        ["points", "kind"]
    );
    // A new finding, the first one's text changed: the second keeps its comment; the
    // first keeps its points and custom key; everything outside findings is unchanged.
    form.findings[0].text = "新的正文甲".into();
    form.findings.push(FormItem {
        title: "丙".into(),
        text: "正文丙".into(),
        ..FormItem::default()
    });
    let out = write_form(text, &form).expect("written");
    assert_eq!(read_form(&out).expect("reads back"), form);
    for kept in [
        "# 头部注释",
        "  title: 标题   # 标题注释",
        "  sponsor: 某单位   # 未知键",
        "units: []   # 单位注释",
        "# findings 之前的注释",
        "  # 第一项之前",
        "  - title: 乙   # 乙的注释",
        "# closing 之前的注释",
        "closing: 结束",
    ] {
        assert!(out.lines().any(|l| l == kept), "{kept} lost:\n{out}");
    }
    assert!(out.contains("  - title: 丙\n    text: 正文丙\n"), "{out}");
    assert!(
        out.contains("    points:\n    - title: 要点\n      text: 要点正文\n    kind: custom\n"),
        "{out}"
    );
}

/// A data file `check` refuses (empty findings, a text in a number) is still read, and
/// the form written into it changes only its sections.
#[test]
fn a_file_check_refuses_is_read_and_written() {
    let text = seed_text()
        .replace("households: 2219", "households: 两千")
        .replace(
            "findings:\n  - title: 行政事务挤占自治空间",
            "findings: []\nold_findings:\n  - title: 行政事务挤占自治空间",
        );
    let form = read_form(&text).expect("lenient");
    assert!(form.findings.is_empty());
    let mut form2 = form.clone();
    form2.findings.push(FormItem {
        title: "新问题".into(),
        text: "正文".into(),
        ..FormItem::default()
    });
    let out = write_form(&text, &form2).expect("written");
    assert!(out.contains("households: 两千"));
    assert!(
        out.contains("findings:\n  - title: 新问题\n    text: 正文\n\nold_findings:"),
        "{out}"
    );
}

#[test]
fn yaml_syntax_error_has_its_line() {
    let text = "template: community-survey\nreport:\n  title: [未闭合\nunits: []\n";
    let e = read_form(text).expect_err("refused");
    let d = &e.diagnostics()[0];
    assert!(d.message.starts_with("YAML 格式错误"), "{}", d.message);
    assert!(d.line.is_some_and(|l| (3..=4).contains(&l)), "{d:?}");
    let e = read_form("template: x\nfindings: 一段文字\n").expect_err("refused");
    let d = &e.diagnostics()[0];
    assert_eq!(d.line, Some(2));
    assert!(d.message.contains("findings 应为列表"), "{}", d.message);
}

/// An emptied text removes its key; an emptied closing removes `closing:`.
#[test]
fn empty_strings_omit_the_key() {
    let text = seed_text();
    let mut form = read_form(&text).expect("form");
    form.report.subtitle.clear();
    form.closing.clear();
    form.findings[0].topic.clear();
    let out = write_form(&text, &form).expect("written");
    assert!(!out.contains("subtitle"));
    assert!(!out.contains("closing"));
    assert!(!out.contains("topic: admin"));
    assert!(out.ends_with("营造和谐互助的社区氛围。\n"), "{out}");
    let s = load(&out);
    assert_eq!(s.report.subtitle, None);
    assert_eq!(s.closing, None);
    assert_eq!(s.findings[0].topic, None);
}

/// The texts an issue names as hostile, in every field the form writes: each reads back
/// exactly.
#[test]
fn hostile_strings_round_trip() {
    let hostile = [
        "含 \"双引号\" 和 'single' 引号",
        "# 以井号开头",
        "key: value 冒号",
        "   三个前导空格",
        "\t前导 Tab\t中间 Tab",
        "---",
        "...",
        "- 像列表项",
        "结尾换行\n",
        "结尾两个换行\n\n",
        "\n以换行开头",
        "  \n  空格行\n",
        "😀 emoji 👨‍👩‍👧",
        "，。、；：？！“”‘’（）《》【】…—",
        "@&*!|>%`{}[]",
        "null",
        "~",
        "true",
        "2019",
        "0x1F",
        "\u{2028}行分隔符\u{2029}段分隔符\u{85}",
        "控制\u{1}字符\u{7f}",
        "\r\n回车\r",
        &"很长的一行".repeat(2000),
        "第一段\n\n第二段\n  缩进行\n\n",
        "\\反斜杠\\n",
        "|\n>",
        " ",
    ];
    let base = seed_text();
    for h in hostile {
        let mut form = read_form(&base).expect("form");
        form.report.title = h.to_string();
        form.report.author = h.to_string();
        form.findings[0].title = h.to_string();
        form.findings[1].text = h.to_string();
        form.recommendations[2].topic = h.to_string();
        form.closing = h.to_string();
        let out = write_form(&base, &form).unwrap_or_else(|e| panic!("{h:?}: {e:?}"));
        assert_eq!(read_form(&out).expect("reads back"), form, "{h:?}\n{out}");
    }
}

/// What the form says is what `survey::load` reads.
#[test]
fn loader_reads_what_the_form_says() {
    let base = seed_text();
    let mut form = read_form(&base).expect("form");
    form.report.title = "标题：含冒号 # 与井号".into();
    form.report.author = "  张三  ".into();
    form.report.date = "2021年5月6日".into();
    form.findings[0].text = "第一段 *强调*。\n\n第二段：含“引号”与 'quote'。\n".into();
    form.findings.push(FormItem {
        title: "新增".into(),
        topic: "pay".into(),
        text: "一段。".into(),
        extra: Default::default(),
    });
    form.recommendations.remove(0);
    form.closing = "结束语。\n\n第二段。".into();
    let out = write_form(&base, &form).expect("written");
    let s = load(&out);
    assert_eq!(s.report.title, form.report.title);
    assert_eq!(s.report.author.as_deref(), Some("  张三  "));
    assert_eq!(
        s.report.date.map(diaoyan::date::ymd).as_deref(),
        Some("2021-05-06")
    );
    assert_eq!(s.findings.len(), 8);
    assert_eq!(s.findings[0].text, form.findings[0].text);
    assert_eq!(s.findings[7].title, "新增");
    assert_eq!(s.recommendations.len(), 7);
    assert_eq!(s.closing.as_deref(), Some("结束语。\n\n第二段。"));
    // Units, tables and facts are untouched.
    let before = load(&base);
    assert_eq!(format!("{:?}", s.units), format!("{:?}", before.units));
    assert_eq!(s.facts, before.facts);
}

/// An empty text gets the sections appended; a JSON form (as the page sends it) reads.
#[test]
fn form_json_shape() {
    let json = r#"{"report":{"title":"T","region":"R","period":"2020"},
        "findings":[{"title":"F","text":"x","extra":{"points":[{"text":"p"}]}}],
        "closing":"c"}"#;
    let form: Form = serde_json::from_str(json).expect("json");
    assert_eq!(form.findings[0].extra["points"][0]["text"], Yaml::from("p"));
    let out = write_form("template: community-survey\n", &form).expect("written");
    assert_eq!(read_form(&out).expect("back"), form);
    let v = serde_json::to_value(&form).expect("to json");
    assert_eq!(v["report"]["subtitle"], "");
    assert_eq!(v["findings"][0]["topic"], "");
    assert_eq!(v["recommendations"], serde_json::json!([]));
    assert!(Path::new(&common::root()).exists());
}

fn text_strategy() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", " ", "  ", "\t", "\n", "\n\n", "#", ": ", "'", "\"", "\\", "-", "---", "...", "|",
        ">", "{", "}", "[", "]", ",", "&", "*", "!", "%", "@", "`", "?", "调研", "，", "。", "“",
        "”", "😀", "null", "true", "0", "1.5", "~", "\r", "\u{1}", "\u{85}", "\u{2028}",
        "\u{feff}", "\u{a0}", "\u{3000}",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

fn item_strategy() -> impl Strategy<Value = FormItem> {
    (text_strategy(), text_strategy(), text_strategy()).prop_map(|(title, topic, text)| FormItem {
        title,
        topic,
        text,
        extra: Default::default(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// write_form then read_form gives the same form, for any text in any field.
    #[test]
    fn any_form_round_trips(
        title in text_strategy(),
        region in text_strategy(),
        date in text_strategy(),
        findings in prop::collection::vec(item_strategy(), 0..4),
        recommendations in prop::collection::vec(item_strategy(), 0..3),
        closing in text_strategy(),
    ) {
        let base = seed_text();
        let mut form = read_form(&base).expect("form");
        form.report.title = title;
        form.report.region = region;
        form.report.date = date;
        form.findings = findings;
        form.recommendations = recommendations;
        form.closing = closing;
        let out = write_form(&base, &form).expect("written");
        prop_assert_eq!(read_form(&out).expect("reads back"), form);
        // Units, tables, facts: the same lines.
        let units = |t: &str| t[t.find("units:").unwrap_or(0)..t.find("findings").unwrap_or(0)].to_string();
        prop_assert_eq!(units(&out), units(&base));
    }
}

fn prose_line() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "调研", "社区", "，", "。", "：", "“", "”", "😀", "'", "\"", ": ", " # ", "a b", "%", "@",
        "&", "!", "?", "{", "}", "|", ">", "——", "2019", "null",
    ]);
    prop::collection::vec(pieces, 0..8).prop_map(|v| format!("段{}", v.concat()))
}

fn prose_strategy() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((prose_line(), prop::bool::ANY), 1..5),
        prop::sample::select(vec!["", "\n"]),
    )
        .prop_map(|(lines, end)| {
            let mut s = String::new();
            for (i, (l, para)) in lines.iter().enumerate() {
                if i > 0 {
                    s.push_str(if *para { "\n\n" } else { "\n" });
                }
                s.push_str(l);
            }
            s.push_str(end);
            s
        })
}

fn loadable_item() -> impl Strategy<Value = FormItem> {
    (
        prose_line(),
        prop::sample::select(vec!["", "office", "pay", "staff", "admin"]),
        prose_strategy(),
    )
        .prop_map(|(title, topic, text)| FormItem {
            title,
            topic: topic.to_string(),
            text,
            extra: Default::default(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `survey::load_bytes` of what write_form wrote reads the report and prose the form
    /// says (texts the report accepts: no headings, links, HTML).
    #[test]
    fn the_loader_reads_the_form(
        title in prose_line(),
        author in prose_line(),
        date in prop::sample::select(vec!["", "2020-03-16", "2021年5月6日"]),
        findings in prop::collection::vec(loadable_item(), 1..4),
        recommendations in prop::collection::vec(loadable_item(), 1..3),
        closing in prop::option::of(prose_strategy()),
    ) {
        let base = seed_text();
        let mut form = read_form(&base).expect("form");
        form.report.title = title;
        form.report.author = author;
        form.report.date = date.to_string();
        form.findings = findings;
        form.recommendations = recommendations;
        form.closing = closing.unwrap_or_default();
        let out = write_form(&base, &form).expect("written");
        let s = load(&out);
        prop_assert_eq!(&s.report.title, &form.report.title);
        prop_assert_eq!(s.report.author.as_deref(), Some(form.report.author.as_str()));
        prop_assert_eq!(
            s.report.date.map(diaoyan::date::ymd),
            (!date.is_empty()).then(|| "2020-03-16".to_string()).map(|d| if date.contains('年') { "2021-05-06".to_string() } else { d })
        );
        let prose = |p: &[diaoyan::survey::Prose]| -> Vec<(String, String, String)> {
            p.iter().map(|p| (p.title.clone(), p.topic.clone().unwrap_or_default(), p.text.clone())).collect()
        };
        let items = |f: &[FormItem]| -> Vec<(String, String, String)> {
            f.iter().map(|f| (f.title.clone(), f.topic.clone(), f.text.clone())).collect()
        };
        prop_assert_eq!(prose(&s.findings), items(&form.findings));
        prop_assert_eq!(prose(&s.recommendations), items(&form.recommendations));
        prop_assert_eq!(s.closing.unwrap_or_default(), form.closing);
    }
}

/// A fresh `init` skeleton: filling the report in the form keeps each item's line
/// comment (at its column) and the placeholders left empty; the rest is unchanged.
#[test]
fn skeleton_report_keeps_its_comments() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("survey.yaml");
    let out = common::diaoyan(&[
        "init",
        "--template",
        "community-survey",
        file.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&file).expect("skeleton");
    let mut form = read_form(&text).expect("form");
    assert_eq!(form.report.title, "");
    form.report.title = "青年路街道社区调研".into();
    form.report.period = "2020".into();
    form.report
        .extra
        .insert("sponsor".into(), Yaml::from("某单位"));
    let written = write_form(&text, &form).expect("written");
    assert_eq!(read_form(&written).expect("back"), form);
    let old: Vec<&str> = text.lines().collect();
    let new: Vec<&str> = written.lines().collect();
    let title = old
        .iter()
        .position(|l| l.starts_with("  title:"))
        .expect("title");
    assert_eq!(
        new[title],
        "  title: 青年路街道社区调研       # 报告标题（必填）"
    );
    assert_eq!(new[title + 1], old[title + 1]); // subtitle: '' kept
    assert_eq!(
        new[title + 3],
        "  period: '2020'                  # 调研期，如“2019”（必填）"
    );
    assert_eq!(new[title + 7], old[title + 7]); // output: '' kept
    assert_eq!(new[title + 8], "  sponsor: 某单位");
    assert_eq!(new[..title], old[..title]);
    assert_eq!(new[title + 9..], old[title + 8..]);
}

/// The flagship pack's fact slots.
fn slots() -> Vec<diaoyan::survey::skeleton::FactSlot> {
    let pack =
        diaoyan::survey::Pack::resolve("community-survey", None, &common::seed()).expect("pack");
    diaoyan::survey::skeleton::fact_slots(&pack)
}

/// The seed with its three declared facts left to fill.
fn blank_facts() -> String {
    let seed = seed_text();
    let out = seed
        .replace(
            "funding: { office: 15000, party: 20000 }",
            "funding: { office: ~, party: ~ }",
        )
        .replace("seniority_raise: 15", "seniority_raise: ~");
    assert_ne!(out, seed);
    out
}

fn read_facts(text: &str) -> Form {
    diaoyan::survey::edit::read_form_facts(Path::new("survey.yaml"), text, &slots()).expect("form")
}

fn with_values(form: &Form, values: &[&str]) -> Form {
    let mut f = form.clone();
    for (fact, v) in f.facts.iter_mut().zip(values) {
        fact.value = v.to_string();
    }
    f
}

#[test]
fn facts_read_as_the_packs_slots_with_the_files_values() {
    let form = read_facts(&seed_text());
    let got: Vec<(&str, &str, Option<&str>)> = form
        .facts
        .iter()
        .map(|f| (f.path.as_str(), f.value.as_str(), f.unit.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("funding.office", "15000", Some("元")),
            ("funding.party", "20000", Some("元")),
            ("seniority_raise", "15", Some("元")),
        ]
    );
    assert!(form
        .facts
        .iter()
        .all(|f| !f.label.is_empty() && f.label != f.path));
    let blank = read_facts(&blank_facts());
    assert!(blank.facts.iter().all(|f| f.value.is_empty()));
    // Unchanged facts (and an unchanged form) keep the file's bytes.
    assert_eq!(write_form(&seed_text(), &form).unwrap(), seed_text());
    let mut retitled = form.clone();
    retitled.report.title = "新标题".into();
    let out = write_form(&seed_text(), &retitled).unwrap();
    let facts_of = |t: &str| {
        let i = t.find("\nfacts:").unwrap();
        t[i..].lines().take(8).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(facts_of(&out), facts_of(&seed_text()));
}

#[test]
fn facts_round_trip_with_labels_as_comments_and_other_facts_kept() {
    let text = blank_facts();
    let form = with_values(&read_facts(&text), &["15000", "20000", "15"]);
    let out = write_form(&text, &form).expect("written");
    // Labels are the comments; the other fact (admin_share) is kept.
    for f in &form.facts {
        let leaf = f.path.rsplit('.').next().unwrap();
        let facts = &out[out.find("\nfacts:").expect("facts")..];
        let line = facts
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{leaf}: ")))
            .unwrap_or_else(|| panic!("{leaf} in\n{out}"));
        assert!(line.contains(&format!("# {}（元）", f.label)), "{line}");
        assert!(line.contains(&format!("{leaf}: {}  #", f.value)), "{line}");
    }
    let survey = load(&out);
    let facts = serde_json::to_value(&survey.facts).unwrap();
    assert_eq!(facts["funding"]["office"], 15000.0);
    assert_eq!(facts["seniority_raise"], 15.0);
    assert_eq!(facts["admin_share"], 0.6);
    assert_eq!(read_facts(&out), form);
    // Every other section is as it was.
    let before: Yaml = serde_yaml::from_str(&text).unwrap();
    let after: Yaml = serde_yaml::from_str(&out).unwrap();
    for key in [
        "template",
        "report",
        "units",
        "findings",
        "recommendations",
        "closing",
    ] {
        assert_eq!(before.get(key), after.get(key), "{key}");
    }
    // Emptied again: `~` (left to fill), which `check` reports.
    let emptied = with_values(&form, &["", "20000", "15"]);
    let out2 = write_form(&out, &emptied).unwrap();
    assert!(out2.contains("office: ~  # "), "{out2}");
    assert_eq!(read_facts(&out2), emptied);
}

#[test]
fn hostile_fact_values_are_written_as_quoted_text_and_read_back() {
    let text = blank_facts();
    let base = read_facts(&text);
    for v in [
        "1.5万",
        "15,000",
        "~",
        "true",
        "- 1",
        "a: b",
        "\"引号\" 与 \\ 反斜杠",
        "两行\n# 注释",
        "\u{2028}分隔\u{85}",
        "{x: 1}",
        "#",
        "  ",
        "1e400",
    ] {
        let form = with_values(&base, &[v, "20000", " 15 "]);
        let out = write_form(&text, &form).unwrap_or_else(|e| panic!("{v:?}: {e:?}"));
        let back = read_facts(&out);
        let want = if v.trim().is_empty() { "" } else { v };
        if v != "1e400" {
            assert_eq!(back.facts[0].value, want, "{v:?}\n{out}");
        }
        assert_eq!(back.facts[2].value, "15", "{out}");
        let top: Yaml = serde_yaml::from_str(&out).unwrap();
        assert_eq!(top["facts"]["admin_share"], Yaml::from(0.6), "{out}");
        assert_eq!(
            top.get("units"),
            serde_yaml::from_str::<Yaml>(&text).unwrap().get("units")
        );
        // `check` names the fact at its line (a text is not a figure), never panics.
        let path = common::root().join("data/edited.yaml");
        if let Err(e) = diaoyan::survey::load_bytes(&path, out.as_bytes(), None) {
            let msg = format!("{e:?}");
            assert!(msg.contains("line") || msg.contains("facts"), "{msg}");
        }
    }
}

#[test]
fn bad_fact_paths_are_refused() {
    let text = blank_facts();
    let mut form = read_facts(&text);
    form.facts[0].path = "funding..office".into();
    form.facts[0].value = "1".into();
    assert!(write_form(&text, &form).is_err());
    let mut form = read_facts(&text);
    form.facts[1].path = "funding".into();
    form.facts[1].value = "1".into();
    assert!(write_form(&text, &form).is_err());
}
