//! Issue 18: how a field aggregates (`aggregate:` sum, mean, none, ratio with scale; a
//! derived `A / B` is a ratio by default), in `fields.X.value` and in tables' 合计 and 平均
//! rows — a ratio's 合计 is the ratio of the sums, never the sum of the ratios.

mod common;
#[path = "common/packs.rs"]
mod packs;

use common::*;
use packs::*;

const UNITS: &str = concat!(
    "  - { name: 甲社区, households: 2400, grids: 3, income: 12.5, residents: 5000, score: 80 }\n",
    "  - { name: 乙社区, households: 3600, grids: 4, income: 3.0, residents: 8000, score: 90 }\n",
    "  - { name: 丙社区, households: 1000, grids: 1, income: 0.5, residents: 2000, score: 70 }\n",
);

#[test]
fn figures_follow_each_fields_rule() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "aggregate", UNITS);
    let v = stats_json(&pack("aggregate"), &data);
    let f = &v["fields"];
    let close = |x: &serde_json::Value, y: f64| (x.as_f64().unwrap() - y).abs() < 1e-9;
    assert_eq!(f["households"]["aggregate"], "sum");
    assert_eq!(f["households"]["value"], 7000.0);
    // 7000 households / 8 grids, not 800 + 900 + 1000 = 2700 nor their mean 900.
    assert_eq!(f["households_per_grid"]["aggregate"], "ratio");
    assert!(close(&f["households_per_grid"]["value"], 875.0));
    assert!(close(&f["households_per_grid"]["sum"], 2700.0));
    // 16 万元 × 10000 / 15000 人.
    assert_eq!(f["income_per_capita"]["aggregate"], "ratio");
    assert!(close(
        &f["income_per_capita"]["value"],
        16.0 * 10000.0 / 15000.0
    ));
    assert_eq!(f["score"]["aggregate"], "mean");
    assert!(close(&f["score"]["value"], 80.0));
    assert_eq!(f["big"]["aggregate"], "none");
    assert!(f["big"]["value"].is_null());
}

/// Issue 18: a derived ratio (households per grid) got a 合计 row that was the sum of the
/// ratios (3546.11 in the city pack) and an unweighted 平均.
#[test]
fn total_and_average_rows_follow_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "aggregate", UNITS);
    let raw = render_md(&pack("aggregate"), &data);
    let md = prose(&raw);
    assert!(
        md.contains("全街道每网格875.00户，人均集体收入10.67元。"),
        "{md}"
    );
    let t = &tables(&raw)[0];
    let body = cells(t, "body");
    assert_eq!(body[0], ["甲社区", "2400", "3", "800", "25.00", "80", "0"]);
    assert_eq!(body[1], ["乙社区", "3600", "4", "900", "3.75", "90", "1"]);
    let foot = cells(t, "foot");
    // 合计: sums, ratios of sums; a mean field and a yes/no derived field have none.
    assert_eq!(foot[0], ["合计", "7000", "8", "875", "10.67", "—", "—"]);
    // 平均: means of sum and mean fields, the ratio of sums for ratios.
    assert_eq!(foot[1], ["平均", "2333", "3", "875", "10.67", "80", "—"]);
}

#[test]
fn the_flagship_ratio_is_the_ratio_of_sums() {
    let out = diaoyan(&["stats", "--json", seed().to_str().unwrap()]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["fields"]["residents_per_staff"];
    assert_eq!(r["aggregate"], "ratio");
    // 81758 residents / 141 staff.
    assert!((r["value"].as_f64().unwrap() - 81758.0 / 141.0).abs() < 1e-9);
    assert_eq!(v["fields"]["office.meets_standard"]["aggregate"], "none");
}

#[test]
fn a_ratio_naming_an_unknown_field_is_a_pack_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "aggregate",
        "ratio: [income, residents]",
        "ratio: [income, resident]",
    );
    let data = data(dir.path(), "aggregate", UNITS);
    let out = run(&p, &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "derived.income_per_capita.aggregate 引用了未定义的字段 resident，是否应为 residents？"
        ),
        "{err}"
    );
}
