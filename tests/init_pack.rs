//! The `init --pack` scaffold shows each feature of the pack language once (issue 18) and
//! renders: `init --pack`, `init --template` of it, numbers filled in, `check` and
//! `render --markdown`, with a figure of each feature asserted in the Markdown.

mod common;

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the diaoyan binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The skeleton of `init --template` with three units, their numbers, prose with points
/// and, when `previous`, an inline previous year (乙 kept, 丁 removed, 丙 added).
fn fill(skeleton: &str, previous: bool) -> String {
    let start = skeleton.find("  - name: 示例单位").expect("unit block");
    let end = skeleton.find("\nfacts:").expect("facts");
    let block = &skeleton[start..end];
    let unit = |name: &str, short: &str, area: &str, h: u32, r: u32, m: u32, f: u32| {
        block
            .replace("示例单位", name)
            .replace("short: 示例 ", &format!("short: {short} "))
            .replace("area: ''", &format!("area: {area}"))
            .replace("households: 0", &format!("households: {h}"))
            .replace("residents: 0", &format!("residents: {r}"))
            .replace("total: 0 ", &format!("total: {} ", m + f))
            .replace("  male: 0", &format!("  male: {m}"))
            .replace("female: 0", &format!("female: {f}"))
    };
    let units = [
        unit("甲社区", "甲", "东片", 2000, 6000, 3, 2),
        unit("乙社区", "乙", "西片", 800, 2500, 1, 3),
        unit("丙社区", "丙", "东片", 3000, 9000, 4, 4),
    ]
    .join("\n");
    let mut s = format!("{}{}{}", &skeleton[..start], units, &skeleton[end..]);
    for (a, b) in [
        ("  title: ''", "  title: 测试报告"),
        ("  region: ''", "  region: 测试街道"),
        ("  period: ''", "  period: '2020'"),
        ("  date: ''", "  date: '2021-03-16'"),
        ("  organisation: ''", "  organisation: 测试街道办事处"),
        (
            "findings: []",
            "findings:\n  - title: 人员不足\n    text: 工作人员**偏少**。\n    points:\n      - title: 招聘难\n        text: 待遇低。\n        points:\n          - title: 流失多\n            text: 三年流失一半。",
        ),
        (
            "recommendations: []",
            "recommendations:\n  - title: 充实队伍\n    text: 增加编制。\n    points:\n      - title: 提高待遇\n        text: 逐年提高。",
        ),
        ("closing: ''", "closing: 以上报告，请审阅。"),
    ] {
        assert!(s.contains(a), "skeleton lacks {a}");
        s = s.replace(a, b);
    }
    if previous {
        s = s.replacen(
            "\nreport:",
            "\nprevious:\n  period: '2019'\n  units:\n    - { name: 甲社区, area: 东片, households: 1900, residents: 5800, staff: { total: 5, gender: { male: 3, female: 2 } } }\n    - { name: 乙社区, area: 西片, households: 800, residents: 2600, staff: { total: 4, gender: { male: 1, female: 3 } } }\n    - { name: 丁社区, area: 西片, households: 700, residents: 2000, staff: { total: 3, gender: { male: 1, female: 2 } } }\nreport:",
            1,
        );
    }
    s
}

/// Scaffold, write the data file, `check` it and `render --markdown`; the Markdown text.
fn scaffold_and_render(previous: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["init", "--pack", "templates/my-survey"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for f in ["template.yaml", "report.md", "components.md"] {
        assert!(
            dir.path().join("templates/my-survey").join(f).is_file(),
            "{f}"
        );
    }
    let out = run(dir.path(), &["init", "--template", "my-survey", "d.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let skeleton = std::fs::read_to_string(dir.path().join("d.yaml")).unwrap();
    std::fs::write(dir.path().join("d.yaml"), fill(&skeleton, previous)).unwrap();
    let out = run(dir.path(), &["check", "d.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        dir.path(),
        &[
            "render",
            "d.yaml",
            "-o",
            "out",
            "--format",
            "pdf",
            "--markdown",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("out/d.pdf").is_file());
    std::fs::read_to_string(dir.path().join("out/d.md"))
        .unwrap()
        .replace('\\', "")
}

#[test]
fn the_scaffold_shows_each_feature_once_and_renders() {
    let md = scaffold_and_render(false);
    // Fields and their statistics.
    assert!(md.contains("三个单位共有5800户、常住人口17500人。"), "{md}");
    assert!(md.contains("人口最多的是丙社区（9000人），最少的是乙社区（2500人）"));
    // A tag used in the report: tags.area.values in order of first appearance.
    assert!(
        md.contains("按所属片区看，东片两个单位常住人口15000人，西片一个单位常住人口2500人。"),
        "{md}"
    );
    // A classification band: the counts per band, and the band's label as a table column.
    assert!(md.contains("按常住人口规模分，小型一个，中型一个，大型一个。"));
    assert!(md.contains(r#""text":"规模""#) && md.contains(r#""text":"中型""#));
    // A component from components.md, with a group's shares.
    assert!(
        md.contains("其中男性8人、占47.1%，女性9人、占52.9%"),
        "{md}"
    );
    // The aggregate of a ratio: ratio of sums 17500 / 17 = 1029 (not the mean of 1200,
    // 625, 1125, nor their sum), in the prose and the table's 合计 row.
    assert!(md.contains("平均每名工作人员服务常住人口1029人"), "{md}");
    assert!(md.contains(r#"{"text":"1029","#));
    // Prose with points: outline() makes the next heading levels.
    assert!(
        md.contains("## 人员不足\n\n工作人员**偏少**。\n\n### 招聘难\n\n待遇低。\n\n#### 流失多")
    );
    assert!(md.contains("### 提高待遇\n\n逐年提高。"));
    // date_cn in the footnote.
    assert!(md.contains("[^source]: 数据来源：测试街道办事处调研统计，2021年3月16日汇总。"));
    // Without a previous year there is no 同比 sentence.
    assert!(!md.contains("比上年") && !md.contains("说明："), "{md}");
}

#[test]
fn the_scaffold_states_changes_with_a_previous_year() {
    let md = scaffold_and_render(true);
    // change / growth guarded by {% if previous %}: 17500 − 10400 = 7100, +68.3%.
    assert!(md.contains("常住人口比上年增加7100人（增长68.3%）"), "{md}");
    assert!(
        md.contains("说明：与2019年相比，新增丙社区，减少丁社区；"),
        "{md}"
    );
}

#[test]
fn the_scaffold_check_refuses_a_broken_rule_and_bound() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["init", "--pack", "templates/my-survey"])
        .status
        .success());
    assert!(
        run(dir.path(), &["init", "--template", "my-survey", "d.yaml"])
            .status
            .success()
    );
    let skeleton = std::fs::read_to_string(dir.path().join("d.yaml")).unwrap();
    // 乙: more households than residents (the check) and more staff than residents (the
    // bound naming a field).
    let bad = fill(&skeleton, false)
        .replacen("households: 800", "households: 8000", 1)
        .replacen("residents: 2500", "residents: 3", 1);
    std::fs::write(dir.path().join("d.yaml"), bad).unwrap();
    let out = run(dir.path(), &["check", "d.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("乙社区：户数不能多于常住人口"), "{err}");
    assert!(err.contains("乙社区：工作人员总数"), "{err}");
}
