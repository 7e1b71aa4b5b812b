use super::*;
use errors::{chinese_message, syntax_in_chinese};

/// Tera's parse errors in Chinese, naming the unknown tag (finding 09: `{% macro %}`).
#[test]
fn parse_errors_are_translated() {
    let m = syntax_in_chinese("Unknown tag", "macro");
    assert!(
        m.contains("未知的标签 macro") && m.contains("不支持宏"),
        "{m}"
    );
    assert!(syntax_in_chinese("Unexpected end of input", "").contains("模板意外结束"));
    let m = syntax_in_chinese("Found `}}` but expected `=` or `%}`.", "");
    assert_eq!(m, "此处是 `}}`，应为 `=` 或 `%}`");
    let m = syntax_in_chinese("break can only be used in a for loop", "");
    assert_eq!(m, "break 只能用在 for 循环中");
    assert!(syntax_in_chinese("Something new", "").starts_with("无法解析"));
}

/// Facts of the wrong type reach Tera's arithmetic: the message is Chinese and says what
/// was found (found by a tester: `party: "两万"` and a missing `party`).
#[test]
fn arithmetic_on_text_or_missing_values_is_explained_in_chinese() {
    let m = chinese_message("`+` requires both operands to be numbers, found `u64` and `string`");
    assert!(
        m.contains("运算 + 需要两个数值") && m.contains("数值和文字"),
        "{m}"
    );
    let m =
        chinese_message("`+` requires both operands to be numbers, found `u64` and `undefined`");
    assert!(m.contains("没有值"), "{m}");
    assert!(!m.contains("requires"), "{m}");
}
use crate::doc::{parse, Block, Meta};
use crate::survey::{Survey, Unit};

const SCHEMA: &str = r#"
name: t
unit_label: 社区
fields:
  staff.total: { label: 工作人员总数, unit: 人 }
  staff.age.young: { label: 30岁以下, unit: 人 }
  staff.age.old: { label: 30岁以上, unit: 人 }
  staff.gender.male: { label: 男, unit: 人 }
  staff.gender.female: { label: 女, unit: 人 }
  office.total: { label: 办公用房总面积, short: 总面积, unit: 平方米 }
  office.owned: { label: 自有, unit: 平方米 }
  office.rented: { label: 租赁, unit: 平方米 }
groups:
  age: { label: 年龄, total: staff.total, parts: [staff.age.young, staff.age.old] }
  gender: { label: 性别, total: staff.total, parts: [staff.gender.male, staff.gender.female] }
  office: { label: 办公用房面积, total: office.total, parts: [office.owned, office.rented] }
"#;

fn pack(templates: &[(&str, &str)]) -> Pack {
    Pack {
        reference: None,
        dir: None,
        schema: serde_yaml::from_str(SCHEMA).expect("schema"),
        templates: templates
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect(),
    }
}

fn survey(names: &[&str]) -> Survey {
    let units = names
        .iter()
        .map(|n| Unit {
            name: n.to_string(),
            short: n.to_string(),
            values: [
                ("staff.total", 3.0),
                ("staff.age.young", 1.0),
                ("staff.age.old", 2.0),
                ("staff.gender.male", 1.0),
                ("staff.gender.female", 2.0),
                ("office.total", 100.0),
                ("office.owned", 40.0),
                ("office.rented", 60.0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            tags: Default::default(),
            id: None,
        })
        .collect();
    Survey {
        source: "x.yaml".into(),
        template: "t".into(),
        report: Default::default(),
        units,
        tables: Default::default(),
        facts: serde_json::json!({ "zero": 0, "neg": -0.05 }),
        findings: Vec::new(),
        recommendations: Vec::new(),
        closing: None,
        previous: None,
        warnings: Vec::new(),
    }
}

fn render(tpl: &str, names: &[&str]) -> Result<String> {
    let p = pack(&[("report.md", tpl)]);
    let s = survey(names);
    let f = crate::stats::compute(&s, &p.schema);
    Composer::new(&p)?.render(&s, &f)
}

fn paragraphs(md: &str) -> Vec<String> {
    parse(md, Meta::default())
        .expect("parses")
        .blocks
        .into_iter()
        .filter_map(|b| match b {
            Block::Paragraph(r) => Some(r.into_iter().map(|r| r.text).collect()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_markdown_metacharacter_in_data_stays_literal() {
    for c in (0x21u8..0x7f)
        .map(char::from)
        .filter(char::is_ascii_punctuation)
    {
        let name = format!("甲{c}乙{c}{c}丙");
        let md = render("名称：{{ units[0].name }}。", &[&name]).expect("renders");
        assert_eq!(
            paragraphs(&md),
            [format!("名称：{name}。")],
            "metacharacter {c:?}"
        );
    }
}

#[test]
fn the_injection_string_stays_literal_and_tables_keep_their_columns() {
    let evil = "安定*甲*社区 **乙** | 丙 # 丁 <b>戊</b> {{ 1+1 }} [链接](http://x) `代码`";
    let md = render(
        "# 标题\n\n{{ units[0].name }}\n\n{{ table(columns=[\"staff.total\"]) }}",
        &[evil],
    )
    .expect("renders");
    let doc = parse(&md, Meta::default()).expect("parses");
    assert!(matches!(&doc.blocks[1], Block::Paragraph(r) if r.len() == 1 && r[0].text == evil));
    let Block::Table(t) = &doc.blocks[2] else {
        panic!("a table")
    };
    assert_eq!(t.columns, 2);
    assert_eq!(t.body[0][0].text(), evil);
    // Only the template's own heading is a heading.
    assert_eq!(
        doc.blocks
            .iter()
            .filter(|b| matches!(b, Block::Heading { .. }))
            .count(),
        1
    );
}

#[test]
fn safe_is_the_explicit_opt_out() {
    let md = render("{{ units[0].name | safe }}", &["**粗**"]).expect("renders");
    assert_eq!(md, "**粗**");
}

#[test]
fn filters() {
    let md = render(
        "{{ 0.554 | percent }} {{ 0.554 | percent(decimals=0) }} {{ none | percent }} \
         {{ 207.666 | fixed }} {{ 35000 | wan }} {{ 12 | cn }} {{ 2 | cn_qty }} {{ 2 | cn }} \
         {{ facts.neg | growth }} {{ facts.zero | growth }} {{ 0.012 | points }} \
         {{ -3 | change(unit=\"人\") }} {{ units | join_cn(attribute=\"name\") }} \
         {{ share(part=1, whole=0) | percent }}",
        &["甲", "乙"],
    )
    .expect("renders");
    assert_eq!(
        paragraphs(&md),
        ["55.4% 55% — 208 3.5万 十二 两 二 下降5.0% 持平 提高1.2个百分点 减少3人 甲、乙 —"]
    );
}

#[test]
fn table_headers_merge_from_groups() {
    let md = render(
        "{{ table(columns=[\"staff.age.young\", \"staff.age.old\", \"staff.gender.male\", \"staff.gender.female\"], total=true) }}\n\n\
         {{ table(columns=[\"office.total\", \"office.owned\", \"office.rented\"]) }}\n\n\
         {{ table(columns=[\"staff.total\", \"staff.gender.male\", \"staff.gender.female\"]) }}",
        &["甲", "乙"],
    )
    .expect("renders");
    let doc = parse(&md, Meta::default()).expect("parses");
    let tables: Vec<&crate::doc::Table> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    let heads = |t: &crate::doc::Table| -> Vec<Vec<(String, u16, u16)>> {
        t.head
            .iter()
            .map(|r| r.iter().map(|c| (c.text(), c.colspan, c.rowspan)).collect())
            .collect()
    };
    let h = |s: &str, c: u16, r: u16| (s.to_string(), c, r);
    assert_eq!(
        heads(tables[0]),
        [
            vec![h("社区", 1, 2), h("年龄", 2, 1), h("性别", 2, 1)],
            vec![
                h("30岁以下", 1, 1),
                h("30岁以上", 1, 1),
                h("男", 1, 1),
                h("女", 1, 1)
            ],
        ]
    );
    assert_eq!(tables[0].unit_note.as_deref(), Some("单位：人"));
    assert_eq!(tables[0].foot[0][1].text(), "2"); // 合计 of 30岁以下
                                                  // A group's total heads the group when it totals nothing else.
    assert_eq!(
        heads(tables[1])[0],
        [h("社区", 1, 2), h("办公用房面积", 3, 1)]
    );
    assert_eq!(heads(tables[1])[1][0], h("总面积", 1, 1));
    // 工作人员总数 totals two groups: it stands alone over two header rows.
    assert_eq!(
        heads(tables[2])[0],
        [h("社区", 1, 2), h("工作人员总数", 1, 2), h("性别", 2, 1)]
    );
}

#[test]
fn charts_resolve_to_directives() {
    let md = render(
        "{{ chart(kind=\"pie\", group=\"gender\", caption=\"性别\", id=\"g\") }}\n\n见[@g]。\n\n\
         {{ chart(kind=\"stacked\", group=\"age\", caption=\"年龄\") }}",
        &["甲", "乙"],
    )
    .expect("renders");
    let doc = parse(&md, Meta::default()).expect("parses");
    let Block::Chart(pie) = &doc.blocks[0] else {
        panic!("a chart")
    };
    assert_eq!(pie.categories, ["男", "女"]);
    assert_eq!(pie.series[0].values, [Some(2.0), Some(4.0)]);
    assert_eq!(pie.number, Some(1));
    // Issue 17: the pie's shares are apportioned here (2 : 4 → 33.3% and 66.7%, adding up
    // to 100.0%) and travel in the Document; other charts carry none.
    assert_eq!(pie.shares, [333, 667]);
    assert!(
        matches!(&doc.blocks[1], Block::Paragraph(r) if crate::doc::plain_text(r) == "见图1。")
    );
    let Block::Chart(st) = &doc.blocks[2] else {
        panic!("a chart")
    };
    assert_eq!((st.categories.len(), st.series.len()), (2, 2));
    assert_eq!(st.label(), "图2　年龄");
    assert!(st.shares.is_empty());
}

#[test]
fn includes_stay_inside_the_pack() {
    let p = pack(&[
        ("report.md", "{% include \"part.md\" %}"),
        ("part.md", "部分"),
    ]);
    let s = survey(&["甲"]);
    let f = crate::stats::compute(&s, &p.schema);
    assert_eq!(
        Composer::new(&p)
            .expect("compiles")
            .render(&s, &f)
            .expect("renders"),
        "部分"
    );
    let p = pack(&[("report.md", "{% include \"../../../etc/passwd\" %}")]);
    let err = match Composer::new(&p) {
        Err(e) => e.to_string(),
        Ok(c) => c.render(&s, &f).expect_err("outside the pack").to_string(),
    };
    assert!(err.contains("passwd"), "{err}");
}

#[test]
fn range_is_teras_and_loops_render_as_written() {
    let md = render(
        "{% for i in range(end=4) %}{{ i }}{% endfor %} {% for i in range(start=1, end=8, step_by=3) %}{{ i }}{% endfor %} \
         {% for i in range(start=5, end=0, step_by=-2) -%}\n {{ i }}{% endfor %} {% for u in units %}{{ loop.index }}{% else %}无{% endfor %}",
        &["甲", "乙"],
    )
    .expect("renders");
    assert_eq!(paragraphs(&md), ["0123 147 531 12"]);
    let err = render(
        "{% for i in range(end=3, step_by=0) %}{% endfor %}",
        &["甲"],
    )
    .expect_err("step 0")
    .to_string();
    assert!(
        err.contains("report.md:1:") && err.contains("step_by 不能为 0"),
        "{err}"
    );
}

#[test]
fn errors_after_a_loop_tag_keep_the_pack_files_column() {
    // Tera points at the filter (`fixed`, column 32) or at the missing name (`nme`, 26).
    let err = render(
        "{% for u in units %}{{ u.nme | fixed }}{% endfor %}",
        &["甲"],
    )
    .expect_err("fails")
    .to_string();
    assert!(err.contains("report.md:1:32："), "{err}");
    let err = render(
        "{% for u in units %}\n{% for v in units %}{{ v.nme }}{% endfor %}{% endfor %}",
        &["甲"],
    )
    .expect_err("fails")
    .to_string();
    assert!(err.contains("report.md:2:26："), "{err}");
}

#[test]
fn ratio_gives_no_value_for_a_zero_divisor() {
    let md = render(
        "{{ ratio(a=1, b=0) | fixed }} {{ ratio(a=3, b=2) | fixed(decimals=1) }} \
         {{ ratio(a=facts.zero, b=facts.zero) | percent }} {{ share(part=1, whole=facts.zero) | percent }}",
        &["甲"],
    )
    .expect("renders");
    assert_eq!(paragraphs(&md), ["— 1.5 — —"]);
}

#[test]
fn share_of_a_union_is_the_sum_of_the_printed_parts() {
    // 30岁以下 3 and 30岁以上 6 of 9 staff: 33.3% and 66.7%.
    let md = render(
        "{{ share_of(group=\"age\", parts=[\"staff.age.young\"]) | percent }} \
         {{ share_of(group=\"age\", parts=[\"30岁以上\"]) | percent }} \
         {{ share_of(group=\"age\", parts=[\"staff.age.young\", \"staff.age.old\"]) | percent }} \
         {{ share_of(group=\"age\", parts=[\"staff.age.young\"], decimals=0) | percent(decimals=0) }}",
        &["甲", "乙", "丙"],
    )
    .expect("renders");
    assert_eq!(paragraphs(&md), ["33.3% 66.7% 100.0% 33%"]);
    let err = render("{{ share_of(group=\"age\", parts=[\"x\"]) }}", &["甲"])
        .expect_err("unknown part")
        .to_string();
    assert!(err.contains("分组 age 没有 x 这一项"), "{err}");
}

#[test]
fn a_value_missing_from_the_data_is_a_data_problem_naming_path_and_line() {
    for (tpl, want) in [
        (
            "第一行\n每年增加{{ facts.seniority_raise }}元。",
            "缺少 facts.seniority_raise（模板 report.md 第2行用到）",
        ),
        (
            "{{ facts.funding.office | wan }}",
            "缺少 facts.funding（模板 report.md 第1行用到）",
        ),
        (
            "{{ facts.party | fixed }}",
            "缺少 facts.party（模板 report.md 第1行用到）",
        ),
        (
            "{%- set pay = tables.pay_scale.columns.monthly -%}\n{{ pay.mean }}",
            "缺少 tables.pay_scale（模板 report.md 第1行用到）",
        ),
    ] {
        match render(tpl, &["甲"]) {
            Err(Error::Input(d)) => {
                assert_eq!(d[0].message, want);
                assert_eq!(d[0].file, std::path::Path::new("x.yaml"));
            }
            other => panic!("{tpl}: {:?}", other.map_err(|e| e.to_string())),
        }
    }
}

#[test]
fn other_template_errors_are_chinese_with_file_and_line() {
    let err = render("第一行\n{{ 1 / facts.zero }}", &["甲"])
        .expect_err("fails")
        .to_string();
    assert!(
        err.contains("report.md:2:") && err.contains("除数为零"),
        "{err}"
    );
    assert!(!err.contains("Cannot"), "{err}");
    let err = render("{{ fields.nope.sum }}", &["甲"])
        .expect_err("fails")
        .to_string();
    assert!(
        err.contains("fields.nope") && err.contains("未定义"),
        "{err}"
    );
}

#[test]
fn template_errors_name_file_line_and_column() {
    let err = render("第一行\n{{ units[0].nme | fixed }}", &["甲"])
        .expect_err("fails")
        .to_string();
    assert!(err.contains("report.md"), "{err}");
    assert!(err.contains(":2:"), "{err}");
    let err = render("{% if %}", &["甲"]).expect_err("fails").to_string();
    assert!(err.contains("report.md:1:"), "{err}");
}
