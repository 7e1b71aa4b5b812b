//! Issue 18 (B): units matched across years by `id:` or name; units new this year or gone
//! since are warnings naming them and `previous.added` / `previous.removed` for templates.

mod common;
#[path = "yoy_common/mod.rs"]
mod yoy_common;

use common::diaoyan;
use yoy_common::{markdown, pack_with, two_years};

const SHOW: &str = "{% if previous %}period={{ previous.period }};count={{ previous.unit_count }};same={{ previous.same_units }};added={{ previous.added | join_cn }};removed={{ previous.removed | join_cn }};by={{ previous.matched_by }}{% else %}no previous{% endif %}\n";

#[test]
fn added_and_removed_units_are_warnings_naming_them_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = two_years(dir.path(), |t| t);
    let out = diaoyan(&["check", data.to_str().unwrap(), "--format", "docx"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    // 西北一路社区 is new in 2019 (line 125 of the seed, one more with `previous:`).
    assert!(
        err.contains("警告：")
            && err.contains("2019.yaml:126:11: 西北一路社区：上一期（2018）数据中没有这个社区"),
        "{err}"
    );
    // 青年路第四社区 was there in 2018 only: told at `previous:` (line 4).
    assert!(
        err.contains("2019.yaml:4:11: 青年路第四社区：是上一期（2018）的社区，本期数据中没有"),
        "{err}"
    );
}

#[test]
fn templates_see_previous_with_added_and_removed_units() {
    let dir = tempfile::tempdir().unwrap();
    let data = two_years(dir.path(), |t| t);
    let pack = pack_with(dir.path(), SHOW, &[]);
    let md = markdown(&data, Some(&pack), dir.path());
    assert!(
        md.contains(
            "period=2018;count=12;same=false;added=西北一路社区;removed=青年路第四社区;by=name"
        ),
        "{md}"
    );
}

#[test]
fn without_previous_templates_see_none() {
    let dir = tempfile::tempdir().unwrap();
    let pack = pack_with(dir.path(), SHOW, &[]);
    let md = markdown(&common::seed(), Some(&pack), dir.path());
    assert!(md.contains("no previous"), "{md}");
}

/// With an `id:` on every unit of both years, a renamed unit is the same unit: its growth
/// is computed against its own last year, and nothing is added or removed.
#[test]
fn units_with_ids_match_by_id_across_a_rename() {
    let dir = tempfile::tempdir().unwrap();
    // Same units in both years: 2018's 青年路第四社区 becomes 2019's 西北一路社区 by id.
    let data = two_years(dir.path(), |t| t);
    let with_ids = |text: &str| -> String {
        let mut n = 0;
        text.lines()
            .map(|l| {
                let mut l = l.to_string();
                if let Some(name) = l.strip_prefix("  - name: ") {
                    let id = if name == "青年路第四社区" || name == "西北一路社区" {
                        "xbyl".to_string()
                    } else {
                        n += 1;
                        format!("u-{name}")
                    };
                    l.push_str(&format!("\n    id: {id}"));
                }
                l
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let y18 = dir.path().join("2018.yaml");
    std::fs::write(&y18, with_ids(&std::fs::read_to_string(&y18).unwrap())).unwrap();
    std::fs::write(&data, with_ids(&std::fs::read_to_string(&data).unwrap())).unwrap();
    let pack = pack_with(
        dir.path(),
        &format!(
            "{SHOW}{{% for u in units %}}{{% if u.name == \"西北一路社区\" %}}growth={{{{ u.growth.caseload | growth }}}}{{% endif %}}{{% endfor %}}\n"
        ),
        &[],
    );
    let md = markdown(&data, Some(&pack), dir.path());
    assert!(
        md.contains("period=2018;count=12;same=true;added=;removed=;by=id"),
        "{md}"
    );
    // 4500 against 2600 (青年路第四社区 in 2018, the same id).
    let g = (4500.0 - 2600.0) / 2600.0 * 100.0;
    assert!(md.contains(&format!("growth=增长{g:.1}%")), "{md}");
    // No warning: the units are the same.
    let out = diaoyan(&["check", data.to_str().unwrap(), "--format", "docx"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("警告"));
}

#[test]
fn a_repeated_id_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = two_years(dir.path(), |t| t);
    let text = std::fs::read_to_string(&data).unwrap();
    let text = text
        .replacen("    short: 青一\n", "    short: 青一\n    id: q\n", 1)
        .replacen("    short: 青二\n", "    short: 青二\n    id: q\n", 1);
    std::fs::write(&data, text).unwrap();
    let out = diaoyan(&["check", data.to_str().unwrap(), "--format", "docx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("编号（id）“q”重复：与第 1 个社区相同"),
        "{err}"
    );
}
