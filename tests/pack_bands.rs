//! Issue 18: a band table without values classifies units (空壳村 / 薄弱村 / 一般村 /
//! 强村): `bands.X.bands[i].units`, `units[i].classes`, and the label as a table column.

mod common;
#[path = "common/packs.rs"]
mod packs;

use packs::*;

const UNITS: &str = concat!(
    "  - { name: 甲村, income: { collective: 3 } }\n",
    "  - { name: 乙村, income: { collective: 7.5 } }\n",
    "  - { name: 丙村, income: { collective: 20 } }\n",
    "  - { name: 丁村, income: { collective: 80 } }\n",
    "  - { name: 戊村, income: { collective: 4.99 } }\n",
    "  - { name: 己村 }\n",
);

#[test]
fn units_are_classified_in_prose_tables_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "bands", UNITS);
    let raw = render_md(&pack("bands"), &data);
    let md = prose(&raw);
    assert!(
        md.contains(
            "空壳村2个（甲村、戊村）；薄弱村1个（乙村）；一般村1个（丙村）；强村1个（丁村）；"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "甲村：空壳村；乙村：薄弱村；丙村：一般村；丁村：强村；戊村：空壳村；己村：未分类；"
        ),
        "{md}"
    );
    let t = &tables(&raw)[0];
    let labels: Vec<String> = cells(t, "body").iter().map(|r| r[2].clone()).collect();
    assert_eq!(
        labels,
        ["空壳村", "薄弱村", "一般村", "强村", "空壳村", "—"]
    );
    assert_eq!(cells(t, "head")[0][2], "村集体经济类型");
    let v = stats_json(&pack("bands"), &data);
    let b = &v["bands"]["village_class"];
    assert!(b["total"].is_null() && b["bands"][0]["value"].is_null());
    assert_eq!(b["bands"][0]["units"]["count"], 2);
    assert_eq!(v["units"][1]["classes"]["village_class"], "薄弱村");
    assert!(v["units"][5]["classes"].get("village_class").is_none());
}

#[test]
fn bands_with_and_without_values_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "bands",
        "{ below: 5, label: 空壳村 }",
        "{ below: 5, label: 空壳村, value: 1 }",
    );
    let data = data(dir.path(), "bands", UNITS);
    let out = run(&p, &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "bands.village_class 的各档要么都有 value（按档取值），要么都没有（只分类），不能混用"
        ),
        "{err}"
    );
}
