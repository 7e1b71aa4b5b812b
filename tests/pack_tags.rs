//! Issue 18: unit tags (所属片区) are visible to templates: `units[i].tags.area` and
//! `tags.area.values[…]` with their units and per-field figures.

mod common;
#[path = "common/packs.rs"]
mod packs;

use packs::*;

const UNITS: &str = concat!(
    "  - { name: 甲村, area: 东片, households: 300, grids: 2 }\n",
    "  - { name: 乙村, area: 西片, households: 500, grids: 4 }\n",
    "  - { name: 丙村, area: 东片, households: 100, grids: 2 }\n",
    "  - { name: 丁村, area: 北片, households: 200, grids: 1 }\n",
);

#[test]
fn tags_group_units_in_order_of_first_appearance() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "tags", UNITS);
    let raw = render_md(&pack("tags"), &data);
    let md = prose(&raw);
    // 东片: 300 + 100 households over 2 + 2 grids.
    assert!(
        md.contains("东片2个村（甲村、丙村），共400户，每网格100.0户；西片1个村（乙村），共500户，每网格125.0户；北片1个村（丁村），共200户，每网格200.0户；"),
        "{md}"
    );
    assert!(
        md.contains("甲村属东片；乙村属西片；丙村属东片；丁村属北片；"),
        "{md}"
    );
    let v = stats_json(&pack("tags"), &data);
    let east = &v["tags"]["area"]["values"][0];
    assert_eq!(v["tags"]["area"]["label"], "所属片区");
    assert_eq!(east["value"], "东片");
    assert_eq!(east["count"], 2);
    assert_eq!(east["names"], serde_json::json!(["甲村", "丙村"]));
    assert_eq!(east["fields"]["households"]["sum"], 400.0);
    assert_eq!(east["fields"]["per_grid"]["value"], 100.0);
    assert_eq!(v["units"][3]["tags"]["area"], "北片");
}
