//! Issue 14 §2 (first bullet) and §4, through the binary: `check` gives the verdict
//! `render` gives, data problems found while composing are reported in Chinese as data
//! problems, division by zero prints "—", equal counts print equal shares, and the share
//! of a union of parts is the sum of the printed parts.

mod common;

use std::path::Path;
use std::process::Output;

use common::{diaoyan, seed};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Run `check` and `render --markdown` on `data`; assert both give the same verdict (exit
/// code and, on failure, the same message) and that a failing render writes nothing.
/// Returns (render's output, the report Markdown when it rendered).
fn check_and_render(dir: &Path, data: &Path) -> (Output, Option<String>) {
    let check = diaoyan(&["check", data.to_str().unwrap(), "--no-system-fonts"]);
    let out = dir.join("out");
    let render = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--markdown",
        "--no-system-fonts",
    ]);
    assert_eq!(
        check.status.code(),
        render.status.code(),
        "check and render disagree on {}:\ncheck: {}\nrender: {}",
        data.display(),
        text(&check.stderr),
        text(&render.stderr)
    );
    if !render.status.success() {
        assert_eq!(text(&check.stderr), text(&render.stderr));
        let written = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(written, 0, "a failed render wrote files");
        return (render, None);
    }
    let stem = data.file_stem().unwrap().to_str().unwrap();
    let md = std::fs::read_to_string(out.join(format!("{stem}.md"))).expect("markdown");
    (render, Some(md.replace('\\', "")))
}

/// A one-community data file for the built-in pack with the given staff figures
/// (education, age, gender parts).
fn one_unit(staff: u32, edu: [u32; 3], age: [u32; 4], gender: [u32; 2]) -> String {
    format!(
        r#"template: community-survey
report:
  title: 测试调研报告
  region: 测试街道
  period: '2020'
units:
  - name: 甲社区
    households: 1000
    residents: 3000
    office: {{ total: 100, owned: 100, rented: 0 }}
    staff:
      total: {staff}
      education: {{ graduate: {}, college: {}, secondary: {} }}
      age: {{ under30: {}, from30: {}, from40: {}, over50: {} }}
      gender: {{ male: {}, female: {} }}
    caseload: 10
tables:
  pay_scale:
    - {{ category: 居委会, post: 主任, monthly: 3000 }}
facts:
  seniority_raise: 50
  funding: {{ office: 10000, party: 20000 }}
findings:
  - title: 队伍结构
    topic: staff
    text: 正文。
recommendations: []
"#,
        edu[0], edu[1], edu[2], age[0], age[1], age[2], age[3], gender[0], gender[1]
    )
}

#[test]
fn division_by_zero_in_the_builtin_report_prints_a_dash() {
    // No staff at all: residents per staff member is 3000 / 0. The built-in report printed
    // "Cannot divide by 0 --> report.md:38:49" from render after check had passed.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("zero.yaml");
    std::fs::write(&data, one_unit(0, [0; 3], [0; 4], [0; 2])).unwrap();
    let (render, md) = check_and_render(dir.path(), &data);
    assert!(render.status.success(), "{}", text(&render.stderr));
    let md = md.unwrap();
    // No unit has a value of residents per staff member: the clause naming one is left out.
    assert!(md.contains("平均每名工作人员服务常住人口—人。"), "{md}");
    // Shares of a zero whole are no value too, never "—%" or NaN.
    assert!(md.contains("本科及研究生学历0人，占—；"), "{md}");
    assert!(md.contains("40岁以上的工作人员占—；"), "{md}");
    assert!(!md.contains("NaN") && !md.contains("—%"), "{md}");
}

#[test]
fn a_file_from_init_with_title_region_and_period_gets_one_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new.yaml");
    let out = diaoyan(&[
        "init",
        "--template",
        "community-survey",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let filled = std::fs::read_to_string(&data)
        .unwrap()
        .replacen("title: ''", "title: 测试报告", 1)
        .replacen("region: ''", "region: 青年路街道", 1)
        .replacen("period: ''", "period: '2020'", 1);
    std::fs::write(&data, filled).unwrap();
    let (render, md) = check_and_render(dir.path(), &data);
    let err = text(&render.stderr);
    assert!(!err.contains("divide") && !err.contains("Cannot"), "{err}");
    if let Some(md) = md {
        assert!(md.contains("平均每名工作人员服务常住人口—人"), "{md}");
    }
}

#[test]
fn an_imported_workbook_without_facts_is_refused_by_check_naming_the_missing_value() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("u.xlsx");
    let out = diaoyan(&[
        "export",
        seed().to_str().unwrap(),
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let data = dir.path().join("imported.yaml");
    let out = diaoyan(&[
        "import",
        xlsx.to_str().unwrap(),
        "--template",
        "community-survey",
        "-o",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The workbook carries the facts (报告信息 sheet): empty them, as a writer who left
    // those cells blank would have them, and check lists them as left to fill, with their
    // lines; render refuses identically (asserted by the helper).
    let imported = std::fs::read_to_string(&data).unwrap();
    let emptied: Vec<String> = imported
        .lines()
        .map(|l| match (l.find(": "), l.find("  # ")) {
            (Some(a), Some(b)) if a < b && (l.contains("经费") || l.contains("报酬")) => {
                format!("{}: ~{}", &l[..a], &l[b..])
            }
            _ => l.to_string(),
        })
        .collect();
    std::fs::write(&data, emptied.join("\n") + "\n").unwrap();
    let (render, _) = check_and_render(dir.path(), &data);
    let err = text(&render.stderr);
    assert_eq!(render.status.code(), Some(2), "{err}");
    for fact in [
        "facts.seniority_raise",
        "facts.funding.office",
        "facts.funding.party",
    ] {
        assert!(err.contains(&format!("{fact} 尚未填写")), "{fact}: {err}");
    }
    assert!(err.contains("imported.yaml:"), "{err}");
    assert!(!err.contains("not defined"), "{err}");
}

#[test]
fn a_data_file_without_the_pay_scale_table_is_refused_naming_it() {
    // As a workbook without the pay-scale sheet imports: units, no tables.
    let dir = tempfile::tempdir().unwrap();
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    let start = seed_text.find("\ntables:").unwrap();
    let end = start + seed_text[start..].find("\nfacts:").unwrap();
    let data = dir.path().join("nopay.yaml");
    std::fs::write(
        &data,
        format!("{}{}", &seed_text[..start], &seed_text[end..]),
    )
    .unwrap();
    let (render, _) = check_and_render(dir.path(), &data);
    let err = text(&render.stderr);
    assert_eq!(render.status.code(), Some(2), "{err}");
    assert!(
        err.contains("缺少 tables.pay_scale（模板 report.md 第7行用到）"),
        "{err}"
    );
    assert!(!err.contains("not defined"), "{err}");
}

#[test]
fn the_seed_checks_and_renders_alike() {
    let dir = tempfile::tempdir().unwrap();
    let (render, md) = check_and_render(dir.path(), &seed());
    assert!(render.status.success(), "{}", text(&render.stderr));
    assert!(md.is_some());
}

/// The percentage printed right after `label` (e.g. "40—50岁占" → 31.9).
fn percent_after(md: &str, label: &str) -> f64 {
    let at = md
        .find(label)
        .unwrap_or_else(|| panic!("{label} not in {md}"));
    let rest = &md[at + label.len()..];
    let num: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    assert!(rest[num.len()..].starts_with('%'), "{label}: {rest:.40}");
    num.parse()
        .unwrap_or_else(|_| panic!("{label}: {}", &rest[..20]))
}

#[test]
fn the_share_of_a_union_is_the_sum_of_the_printed_parts() {
    // Issue 14 §4: the flagship printed 40—50岁 31.9% and 50岁以上 11.3%, then
    // "40岁以上的工作人员占43.3%".
    let dir = tempfile::tempdir().unwrap();
    let (_, md) = check_and_render(dir.path(), &seed());
    let md = md.expect("the seed renders");
    let from40 = percent_after(&md, "40—50岁占");
    let over50 = percent_after(&md, "50岁以上占");
    let union = percent_after(&md, "40岁以上的工作人员占");
    assert_eq!((from40, over50), (31.9, 11.3));
    assert_eq!(union, 43.2);
    assert_eq!(((from40 + over50) * 10.0).round(), (union * 10.0).round());
    // 大专及以下 = 大专 + 高中及以下 as printed.
    let college = percent_after(&md, "大专53人，占");
    let secondary = percent_after(&md, "高中及以下39人，占");
    let below = percent_after(&md, "大专及以下学历占");
    assert_eq!(
        ((college + secondary) * 10.0).round(),
        (below * 10.0).round()
    );
}

#[test]
fn equal_counts_print_equal_shares_with_the_rounding_note() {
    // Issue 14 §4: 21, 21 and 15 of 57 printed 36.9% and 36.8%.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("tie.yaml");
    std::fs::write(&data, one_unit(57, [21, 21, 15], [21, 21, 15, 0], [21, 36])).unwrap();
    let (render, md) = check_and_render(dir.path(), &data);
    assert!(render.status.success(), "{}", text(&render.stderr));
    let md = md.unwrap();
    assert!(
        md.contains(
            "本科及研究生学历21人，占36.8%；大专21人，占36.8%；高中及以下15人，占26.3%。\
             （因四舍五入，构成比之和可能不等于100%。）"
        ),
        "{md}"
    );
    assert!(
        md.contains("30岁以下的占36.8%，30—40岁占36.8%，40—50岁占26.3%，50岁以上占0.0%"),
        "{md}"
    );
    // No note where the shares add up (the seed).
    let dir = tempfile::tempdir().unwrap();
    let (_, md) = check_and_render(dir.path(), &seed());
    assert!(!md.unwrap().contains("四舍五入"));
    // The stats carry the flag for templates, tables and charts.
    let out = diaoyan(&["stats", data.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let g = &v["groups"]["education"];
    assert_eq!(g["rounding_note"], true);
    assert_eq!(g["pct1_sum"], 99.9);
    // Donut percentages follow the same rule.
    assert_eq!(
        diaoyan::render::chart::pie_percents(&diaoyan::compose::pie_shares(
            &diaoyan::doc::Series {
                name: "学历".into(),
                values: vec![Some(21.0), Some(21.0), Some(15.0)],
            }
        )),
        ["36.8%", "36.8%", "26.3%"]
    );
}
