//! `diaoyan check` and `diaoyan stats`: the seed's figures, and generic mutations of the
//! seed file each caught with the unit's name and the exact line.

mod common;

use common::*;

#[test]
fn stats_json_has_the_seed_figures() {
    let out = diaoyan(&["stats", "--json", seed().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let f = &v["fields"];
    let num = |p: &serde_json::Value| p.as_f64().expect("a number");
    let close = |a: f64, b: f64| (a - b).abs() < 0.005;
    // Reference tables: column sums.
    assert_eq!(num(&f["households"]["sum"]), 30458.0);
    assert_eq!(num(&f["residents"]["sum"]), 81758.0);
    assert_eq!(num(&f["office.total"]["sum"]), 2492.0);
    assert_eq!(num(&f["office.rented"]["sum"]), 1380.0);
    assert_eq!(num(&f["staff.total"]["sum"]), 141.0);
    assert_eq!(num(&f["caseload"]["sum"]), 64800.0);
    // Means and shares.
    assert!(close(num(&f["households"]["mean"]), 2538.17));
    assert!(close(num(&f["office.total"]["mean"]), 207.67));
    // Shares of a group's whole are on the group's parts (as templates see them).
    assert!(close(
        num(&v["groups"]["office"]["parts"][1]["share"]),
        0.5538
    ));
    assert!(close(
        num(&v["groups"]["education"]["parts"][0]["share"]),
        0.3475
    ));
    assert!(close(
        num(&v["tables"]["pay_scale"]["columns"]["monthly"]["mean"]),
        2142.86
    ));
    // Every aggregate name is there.
    for k in ["sum", "mean", "median", "min", "max", "std", "count"] {
        assert!(f["residents"].get(k).is_some(), "{k}");
    }
    // Per unit (as templates see them): value, share, rank (1 = largest).
    let u = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "西药王洞社区")
        .unwrap();
    assert_eq!(num(&u["values"]["residents"]), 10303.0);
    assert_eq!(u["ranks"]["residents"], 1);
    // The derived yes/no field lists the communities that meet the 300 ㎡ standard.
    assert_eq!(
        f["office.meets_standard"]["positive"]["shorts"],
        serde_json::json!(["青二", "习武园"])
    );
}

#[test]
fn plain_stats_are_readable() {
    let out = diaoyan(&["stats", seed().to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("居民户数（households）\t30458.00\t2538.17"),
        "{text}"
    );
    assert!(
        text.contains("学历构成：本科及研究生 34.7%，大专 37.6%，高中及以下 27.7%"),
        "{text}"
    );
}

#[test]
fn check_passes_the_seed() {
    let out = diaoyan(&["check", seed().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("数据有效（12 个单位）"));
}

/// Apply `edit` to the line of `unit`'s block that contains `needle`; run `check`; return
/// the 1-based line edited and the error output.
fn mutate(unit: &str, needle: &str, edit: impl Fn(&str) -> Option<String>) -> (usize, String) {
    let text = std::fs::read_to_string(seed()).unwrap();
    let start = text
        .lines()
        .position(|l| l.contains(&format!("name: {unit}")))
        .expect("unit");
    let idx = start
        + text
            .lines()
            .skip(start)
            .position(|l| l.contains(needle))
            .expect("needle in unit");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    match edit(&lines[idx]) {
        Some(new) => lines[idx] = new,
        None => {
            lines.remove(idx);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mutant.yaml");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let out = diaoyan(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "mutation not caught");
    (idx + 1, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn first_line(err: &str) -> &str {
    err.lines().next().unwrap_or("")
}

#[test]
fn a_number_turned_into_text() {
    let (line, err) = mutate("青年路第三社区", "households:", |l| {
        Some(l.replace("3775", "三千七百"))
    });
    let head = first_line(&err);
    assert!(head.contains(&format!("mutant.yaml:{line}:")), "{err}");
    assert!(
        head.contains("青年路第三社区：居民户数（households）应为数字，实际为文字“三千七百”"),
        "{err}"
    );
}

#[test]
fn a_negative_count() {
    let (line, err) = mutate("莲湖路第一社区", "caseload:", |l| {
        Some(l.replace("6000", "-6000"))
    });
    let head = first_line(&err);
    assert!(head.contains(&format!("mutant.yaml:{line}:")), "{err}");
    assert!(
        head.contains("莲湖路第一社区：年办理各类业务量（caseload）为 -6000，不能小于 0"),
        "{err}"
    );
}

#[test]
fn a_deleted_field() {
    let (line, err) = mutate("糖坊街社区", "residents:", |_| None);
    let head = first_line(&err);
    // The field is gone: the message points at the unit's first line.
    assert!(
        head.contains(&format!("mutant.yaml:{}:", line - 3)),
        "{err}"
    );
    assert!(
        head.contains("糖坊街社区：缺少必填字段 常住人口（residents）"),
        "{err}"
    );
}

#[test]
fn a_group_part_that_no_longer_sums() {
    let (line, err) = mutate("习武园社区", "age:", |l| {
        Some(l.replace("under30: 4", "under30: 5"))
    });
    let head = first_line(&err);
    assert!(head.contains(&format!("mutant.yaml:{line}:")), "{err}");
    assert!(
        head.ends_with("习武园社区：年龄合计 12 人，与工作人员总数 11 人不一致"),
        "{err}"
    );
    // The offending line is shown under the message.
    assert!(err.contains("under30: 5"), "{err}");
}

#[test]
fn an_unknown_template() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.yaml");
    let text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(
        &p,
        text.replace("template: community-survey", "template: comunity-survey"),
    )
    .unwrap();
    let out = diaoyan(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("找不到模板“comunity-survey”"));
}

#[test]
fn previous_period_from_a_file_gives_year_on_year_change() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(seed()).unwrap();
    let last_year = text
        .replace("period: \"2019\"", "period: \"2018\"")
        .replace("caseload: 10500", "caseload: 9450");
    std::fs::write(dir.path().join("2018.yaml"), last_year).unwrap();
    let this_year = text.replace(
        "template: community-survey",
        "template: community-survey\nprevious: 2018.yaml",
    );
    let p = dir.path().join("2019.yaml");
    std::fs::write(&p, this_year).unwrap();
    let out = diaoyan(&["stats", "--json", p.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["figures"]["previous_period"], "2018");
    let c = &v["fields"]["caseload"]["previous"];
    assert_eq!(c["sum"], 63750.0);
    assert_eq!(c["sum_change"], 1050.0);
    let g = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "莲湖路第二社区")
        .unwrap()["growth"]["caseload"]
        .as_f64()
        .unwrap();
    assert!((g - 1050.0 / 9450.0).abs() < 1e-12);

    // A bad previous file is reported with its own name and line.
    std::fs::write(
        dir.path().join("2018.yaml"),
        text.replace("caseload: 300", "caseload: -1"),
    )
    .unwrap();
    let out = diaoyan(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2018.yaml:") && err.contains("安定社区：年办理各类业务量"),
        "{err}"
    );
}
