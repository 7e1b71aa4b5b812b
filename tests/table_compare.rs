//! Issue 18 (B): `table(..., compare="previous")` — 上年 / 本年 / 增减 / 增长率 under each
//! field's header, one row per unit of this year, totals of the whole years.

mod common;
#[path = "yoy_common/mod.rs"]
mod yoy_common;

use std::collections::HashMap;

use yoy_common::{pack_with, raw_markdown, table, two_years, values};

/// `x` with one decimal, half away from zero (as a report prints a percent).
fn pct(x: f64) -> String {
    format!("{:.1}%", (x * 1000.0).round() / 10.0)
}

#[test]
fn compare_previous_has_last_year_this_year_change_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    let data = two_years(dir.path(), |t| t);
    let pack = pack_with(
        dir.path(),
        "{{ table(columns=[\"households\", \"caseload\", \"residents_per_staff\"], compare=\"previous\", total=true, average=true, caption=\"各社区同比\") }}\n",
        &[],
    );
    let md = raw_markdown(&data, Some(&pack), dir.path());
    assert!(md.contains("\"caption\":\"各社区同比\""), "{md}");
    let (head, body, foot) = table(&md, 0);
    assert_eq!(
        head,
        vec![
            vec![
                "社区",
                "居民户数（户）",
                "年办理各类业务量（件）",
                "每名工作人员服务常住人口（人）"
            ],
            vec![
                "上年",
                "本年",
                "增减",
                "增长率",
                "上年",
                "本年",
                "增减",
                "增长率",
                "上年",
                "本年",
                "增减"
            ],
        ]
    );
    // Every figure computed here from the two YAML files.
    let y18 = dir.path().join("2018.yaml");
    for (col, path) in [(1, "households"), (5, "caseload")] {
        let now = values(&data, path);
        let before: HashMap<String, f64> = values(&y18, path).into_iter().collect();
        assert_eq!(body.len(), now.len());
        for ((name, n), row) in now.iter().zip(&body) {
            assert_eq!(&row[0], name);
            match before.get(name) {
                Some(p) => assert_eq!(
                    row[col..col + 4],
                    [
                        format!("{p}"),
                        format!("{n}"),
                        format!("{}", n - p),
                        pct((n - p) / p)
                    ],
                    "{name} {path}"
                ),
                // 西北一路社区 is new in 2019.
                None => assert_eq!(
                    row[col..col + 4],
                    ["—".to_string(), format!("{n}"), "—".into(), "—".into()],
                    "{name} {path}"
                ),
            }
        }
        // 合计: the whole years (2018's 青年路第四社区 included).
        let p: f64 = before.values().sum();
        let n: f64 = now.iter().map(|(_, x)| x).sum();
        assert_eq!(foot[0][0], "合计");
        assert_eq!(
            foot[0][col..col + 4],
            [
                format!("{p}"),
                format!("{n}"),
                format!("{}", n - p),
                pct((n - p) / p)
            ]
        );
        // 平均: each year's mean over its own units.
        let (pm, nm) = (p / before.len() as f64, n / now.len() as f64);
        assert_eq!(foot[1][0], "平均");
        assert_eq!(foot[1][col + 3], pct((nm - pm) / pm));
    }
    // A derived ratio has no 合计 (a sum of ratios means nothing) and no 增长率 column.
    assert_eq!(foot[0][9..12], ["—", "—", "—"]);
    let row = body.iter().find(|r| r[0] == "安定社区").unwrap();
    // 215 / 8 this year; 2018: 204 / 8 (from the fixture).
    let before = values(&y18, "residents")
        .into_iter()
        .find(|(n, _)| n == "安定社区")
        .unwrap()
        .1
        / values(&y18, "staff.total")
            .into_iter()
            .find(|(n, _)| n == "安定社区")
            .unwrap()
            .1;
    assert_eq!(row[9], format!("{:.2}", before));
    assert_eq!(row[10], format!("{:.2}", 215.0 / 8.0));
}

#[test]
fn compare_previous_without_a_previous_period_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack_with(
        dir.path(),
        "{{ table(columns=[\"households\"], compare=\"previous\") }}\n",
        &[],
    );
    let out = common::diaoyan(&[
        "check",
        common::seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "--format",
        "docx",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("report.md:1:") && err.contains("数据文件没有上一期数据（previous）"),
        "{err}"
    );
}

#[test]
fn compare_takes_only_previous() {
    let dir = tempfile::tempdir().unwrap();
    let data = two_years(dir.path(), |t| t);
    let pack = pack_with(
        dir.path(),
        "{{ table(columns=[\"households\"], compare=\"last\") }}\n",
        &[],
    );
    let out = common::diaoyan(&[
        "check",
        data.to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "--format",
        "docx",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("compare 只能是 \"previous\""), "{err}");
}
