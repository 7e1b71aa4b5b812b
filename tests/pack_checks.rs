//! Issue 18: cross-field `checks:` and bounds naming another field, reported with file,
//! line, unit and field; unknown paths in them are pack errors with suggestions.

mod common;
#[path = "common/packs.rs"]
mod packs;

use packs::*;

/// Each unit six lines from line 7: name, population, party, grids, grid, committee.
fn unit(
    name: &str,
    resident: u32,
    party: u32,
    grids: u32,
    staff: Option<u32>,
    size: u32,
) -> String {
    let staff = staff.map_or("grid: {}".to_string(), |s| {
        format!("grid: {{ staff: {s} }}")
    });
    format!(
        "  - name: {name}\n    population: {{ resident: {resident} }}\n    party: {{ members: {party} }}\n    grids: {grids}\n    {staff}\n    committee: {{ size: {size} }}\n"
    )
}

#[test]
fn broken_rules_and_field_bounds_name_file_line_unit_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let units = [
        unit("张村", 1000, 50, 4, Some(4), 7),
        unit("李村", 200, 250, 5, Some(5), 5),
        unit("王村", 6, 3, 2, None, 9),
    ]
    .concat();
    let data = data(dir.path(), "checks", &units);
    let out = run(&pack("checks"), &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    // 李村 (lines 13–18): its party line.
    assert!(
        err.contains("data.yaml:15:")
            && err.contains(
                "李村：党员数不能多于常住人口（规则 party.members <= population.resident：party.members=250，population.resident=200）"
            ),
        "{err}"
    );
    // 王村 (lines 19–24): its committee line, the bound naming 常住人口.
    assert!(
        err.contains("data.yaml:24:")
            && err.contains(
                "王村：村两委成员（committee.size）为 9，不能大于常住人口（population.resident）6"
            ),
        "{err}"
    );
    assert!(!err.contains("张村"), "{err}");
    // 王村 has no grid staff: the warning rule is skipped, not an error.
    assert!(!err.contains("王村：每个网格"), "{err}");
}

#[test]
fn a_warning_rule_reports_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let units = [
        unit("张村", 1000, 50, 4, Some(4), 7),
        unit("李村", 200, 20, 5, Some(3), 5),
    ]
    .concat();
    let data = data(dir.path(), "checks", &units);
    let out = run(&pack("checks"), &["check", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("data.yaml:17:")
            && err.contains("李村：每个网格至少应有一名网格员（规则 grid.staff >= grids：grid.staff=3，grids=5）"),
        "{err}"
    );
    let raw = render_md(&pack("checks"), &data);
    let md = prose(&raw);
    assert!(md.contains("共2个村。"), "{md}");
}

#[test]
fn unknown_paths_in_rules_and_bounds_are_pack_errors_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "checks", &unit("张村", 1000, 50, 4, Some(4), 7));
    let p = pack_variant(
        dir.path(),
        "checks",
        "rule: \"party.members <= population.resident\"",
        "rule: \"party.member <= population.resident\"",
    );
    let out = run(&p, &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("template.yaml:11:")
            && err.contains("checks 第 1 条规则“party.member <= population.resident”引用了未定义的字段 party.member，是否应为 party.members？"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let data = packs::data(dir.path(), "checks", &unit("张村", 1000, 50, 4, Some(4), 7));
    let p = pack_variant(
        dir.path(),
        "checks",
        "max: population.resident",
        "max: population.resdent",
    );
    let err = stderr(&run(&p, &["check", data.to_str().unwrap()]));
    assert!(
        err.contains("template.yaml:9:")
            && err.contains("fields.committee.size.max 引用了未定义的字段 population.resdent，是否应为 population.resident？"),
        "{err}"
    );
}

#[test]
fn a_rule_that_is_not_true_or_false_is_a_pack_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "checks", &unit("张村", 1000, 50, 4, Some(4), 7));
    let p = pack_variant(
        dir.path(),
        "checks",
        "rule: \"party.members <= population.resident\"",
        "rule: \"party.members + population.resident\"",
    );
    let out = run(&p, &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("template.yaml:11:") && err.contains("规则的结果应为真/假（比较）"),
        "{err}"
    );
}
