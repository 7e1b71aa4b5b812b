//! Issue 18 (B): the prose helpers a pack uses, through the binary — signed changes that
//! read right for negative and zero values, dates, numeric ranges, Tera macros in a pack
//! file, and every `report.*` field.

mod common;
#[path = "yoy_common/mod.rs"]
mod yoy_common;

use common::seed;
use yoy_common::{markdown, pack_with};

/// Render the seed with a pack whose report template is `report_md`; the report text.
fn render(report_md: &str, extra: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack_with(dir.path(), report_md, extra);
    markdown(&seed(), Some(&pack), dir.path())
}

#[test]
fn changes_read_increase_decrease_and_unchanged() {
    let md = render(
        "a={{ 12 | change(unit=\"户\") }};b={{ -5 | change(unit=\"户\") }};c={{ 0 | change(unit=\"户\") }};\
         d={{ 0.052 | growth }};e={{ -0.052 | growth }};f={{ 0 | growth }};\
         g={{ 0.052 | signed_percent }};h={{ -0.0521 | signed_percent(decimals=2) }};\
         i={{ 0.013 | points }};j={{ -0.013 | points }};k={{ 0 | points }};\
         l={{ -0.052 | percent }};m={{ 1.5 | change(unit=\"平方米\", decimals=1) }};\
         n={{ none | growth }}\n",
        &[],
    );
    for want in [
        "a=增加12户;",
        "b=减少5户;",
        "c=持平;",
        "d=增长5.2%;",
        "e=下降5.2%;",
        "f=持平;",
        "g=增长5.2%;",
        "h=下降5.21%;",
        "i=提高1.3个百分点;",
        "j=下降1.3个百分点;",
        "k=持平;",
        // `percent` is a number, not prose: a negative value keeps its sign.
        "l=-5.2%;",
        "m=增加1.5平方米;",
        "n=—",
    ] {
        assert!(md.contains(want), "{want} in {md}");
    }
    assert!(!md.contains("增长-") && !md.contains("下降-"), "{md}");
}

#[test]
fn dates_in_figures_and_in_hanzi() {
    let md = render(
        "a={{ report.date | date_cn }};b={{ report.date | date_hanzi }};c={{ \"2019-10-01\" | date_hanzi }};d={{ \"2021/1/31\" | date_cn }}\n",
        &[],
    );
    assert!(md.contains("a=2020年3月16日;"), "{md}");
    assert!(md.contains("b=二〇二〇年三月十六日;"), "{md}");
    assert!(md.contains("c=二〇一九年十月一日;"), "{md}");
    assert!(md.contains("d=2021年1月31日"), "{md}");
}

#[test]
fn a_date_filter_on_text_that_is_no_date_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack_with(dir.path(), "{{ report.region | date_cn }}\n", &[]);
    let out = common::diaoyan(&[
        "check",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "--format",
        "docx",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("date_cn：“青年路街道”不是日期"), "{err}");
}

#[test]
fn numeric_ranges_use_the_wave_dash_with_the_unit_once() {
    let md = render(
        "a={{ span_cn(a=5, b=10, unit=\"万元\") }};b={{ span_cn(a=fields.caseload.min, b=fields.caseload.max, unit=\"件\") }};c={{ span_cn(a=0.25, b=1.5, decimals=1) }}\n",
        &[],
    );
    assert!(md.contains("a=5～10万元;"), "{md}");
    assert!(md.contains("b=300～10500件;"), "{md}");
    assert!(md.contains("c=0.3～1.5"), "{md}");
}

/// Reusable snippets: Tera 2.4 has no macros (`{% macro %}` / `{% import %}`); it has
/// components, defined in any template of the pack (here `snippets.md`) and called by
/// name from any other: `{{<people field={fields.residents} label="…"/>}}` (a string attribute quoted,
/// an expression in braces).
#[test]
fn components_in_a_pack_file_are_reusable_snippets() {
    let snippets = "{% component people(field, label=\"\") %}{{ label }}{{ field.sum | fixed }}人，平均每个社区{{ field.mean | fixed }}人{% endcomponent people %}\n";
    let md = render(
        "共有{{<people field={fields.residents} label=\"常住人口\"/>}}；工作人员{{<people field={fields[\"staff.total\"]}/>}}。\n",
        &[("snippets.md", snippets)],
    );
    // The figures computed here from the seed, independently of diaoyan.
    let sum_mean = |path: &str| {
        let v = yoy_common::values(&seed(), path);
        let sum: f64 = v.iter().map(|(_, x)| x).sum();
        (sum, (sum / v.len() as f64).round())
    };
    let (r, rm) = sum_mean("residents");
    let (s, sm) = sum_mean("staff.total");
    let want =
        format!("共有常住人口{r}人，平均每个社区{rm}人；工作人员{s}人，平均每个社区{sm}人。");
    assert!(md.contains(&want), "{want} in {md}");
}

/// `{% import %}` (Tera 1's macros) is refused in Chinese, pointing at components.
#[test]
fn import_of_macros_says_to_use_components() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack_with(dir.path(), "{% import \"m.md\" as m %}\n", &[]);
    let out = common::diaoyan(&[
        "check",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "--format",
        "docx",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("report.md:1:") && err.contains("请改用组件 component"),
        "{err}"
    );
}

#[test]
fn every_report_field_is_reachable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.yaml");
    let text = std::fs::read_to_string(seed()).unwrap().replacen(
        "  organisation: 青年路街道办事处\n",
        "  organisation: 青年路街道办事处\n  author: 调研组\n",
        1,
    );
    std::fs::write(&data, text).unwrap();
    let pack = pack_with(
        dir.path(),
        "title={{ report.title }};subtitle={{ report.subtitle }};region={{ report.region }};period={{ report.period }};organisation={{ report.organisation }};author={{ report.author }};date={{ report.date }};output={{ report.output }}\n",
        &[],
    );
    let md = markdown(&data, Some(&pack), dir.path());
    for want in [
        "title=强化基层保障 理顺管理体制 推动社区治理能力现代化;",
        "subtitle=——青年路街道社区管理情况调研报告;",
        "region=青年路街道;",
        "period=2019;",
        "organisation=青年路街道办事处;",
        "author=调研组;",
        "date=2020-03-16;",
        "output=qingnianlu-2019",
    ] {
        assert!(md.contains(want), "{want} in {md}");
    }
}
