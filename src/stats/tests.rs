//! Each aggregate, on hand-checkable numbers.
use super::*;
use crate::survey::{Period, Schema, Survey, Unit};
use std::path::Path;

fn schema() -> Schema {
    serde_yaml::from_str(
        r#"
name: t
unit_label: 社区
fields:
  a: { label: 甲, unit: 人 }
  b: { label: 乙, unit: 人 }
groups:
  ab: { label: 甲乙, parts: [a, b] }
standards:
  big: { label: 大, field: a, value: 3 }
bands:
  size: { label: 规模, field: a, bands: [ { below: 2, value: 5, label: 小 }, { upto: 3, value: 7, label: 中 }, { value: 9, label: 大 } ] }
"#,
    )
    .expect("schema")
}

fn unit(name: &str, a: f64, b: f64) -> Unit {
    Unit {
        name: name.into(),
        short: name.chars().take(1).collect(),
        values: [("a".to_string(), a), ("b".to_string(), b)]
            .into_iter()
            .collect(),
        tags: Default::default(),
        id: None,
    }
}

fn survey(units: Vec<Unit>) -> Survey {
    Survey {
        source: "x".into(),
        template: "t".into(),
        report: Default::default(),
        units,
        tables: IndexMap::new(),
        facts: serde_json::Value::Null,
        findings: Vec::new(),
        recommendations: Vec::new(),
        closing: None,
        previous: None,
        warnings: Vec::new(),
    }
}

fn figs() -> Figures {
    compute(
        &survey(vec![
            unit("一", 1.0, 0.0),
            unit("二", 3.0, 0.0),
            unit("三", 3.0, 0.0),
            unit("四", 5.0, 0.0),
        ]),
        &schema(),
    )
}

#[test]
fn aggregates() {
    let f = &figs().fields["a"];
    assert_eq!(
        (f.count, f.sum, f.mean, f.median),
        (4, 12.0, Some(3.0), Some(3.0))
    );
    assert_eq!((f.min, f.max), (Some(1.0), Some(5.0)));
    assert_eq!(f.std, Some(2f64.sqrt())); // deviations −2, 0, 0, 2 → variance 2
    assert_eq!(
        (f.max_unit.as_deref(), f.min_unit.as_deref()),
        (Some("四"), Some("一"))
    );
}

#[test]
fn median_of_an_odd_count() {
    let f = compute(
        &survey(vec![
            unit("一", 1.0, 0.0),
            unit("二", 9.0, 0.0),
            unit("三", 4.0, 0.0),
        ]),
        &schema(),
    );
    assert_eq!(f.fields["a"].median, Some(4.0));
}

#[test]
fn shares_and_competition_ranks() {
    let f = figs();
    let ranks: Vec<usize> = f.units.iter().map(|u| u.ranks["a"]).collect();
    assert_eq!(ranks, [4, 2, 2, 1]);
    assert_eq!(f.units[3].shares["a"], Some(5.0 / 12.0));
    // A total of zero has no shares: "—", never NaN.
    assert_eq!(f.units[0].shares["b"], None);
    assert_eq!(f.fields["b"].positive.count, 0);
    assert_eq!(f.fields["b"].zero.shorts, ["一", "二", "三", "四"]);
}

#[test]
fn groups_without_a_total_field() {
    let g = &figs().groups["ab"];
    assert_eq!(g.total, 12.0);
    assert_eq!(g.parts[0].share, Some(1.0));
    assert_eq!(g.parts[1].pct0, Some(0));
    assert_eq!(g.parts[0].pct1, Some(100.0));
}

#[test]
fn equal_parts_print_equal_shares_and_flag_the_note() {
    // Issue 14 §4: 21, 21 and 15 of 57.
    let mut s = survey(vec![unit("一", 21.0, 21.0)]);
    s.units[0].values.insert("c".into(), 15.0);
    let schema: Schema = serde_yaml::from_str(
        "name: t\nunit_label: 社区\nfields:\n  a: { label: 甲 }\n  b: { label: 乙 }\n  c: { label: 丙 }\ngroups:\n  abc: { label: 甲乙丙, parts: [a, b, c] }\n",
    )
    .expect("schema");
    let g = &compute(&s, &schema).groups["abc"];
    let pct1: Vec<Option<f64>> = g.parts.iter().map(|p| p.pct1).collect();
    assert_eq!(pct1, [Some(36.8), Some(36.8), Some(26.3)]);
    assert_eq!((g.pct1_sum, g.rounding_note), (Some(99.9), true));
    let pct0: Vec<Option<i64>> = g.parts.iter().map(|p| p.pct0).collect();
    assert_eq!(pct0, [Some(37), Some(37), Some(26)]);
    assert_eq!(g.pct0_sum, Some(100));
    // The seed-like case adds up and needs no note.
    let g = &figs().groups["ab"];
    assert_eq!((g.pct1_sum, g.rounding_note), (Some(100.0), false));
}

#[test]
fn standards_and_bands() {
    let f = figs();
    let s = &f.standards["big"];
    assert_eq!((s.met.count, s.met.share), (3, Some(0.75)));
    assert_eq!(s.unmet.names, ["一"]);
    let b = &f.bands["size"];
    let counts: Vec<usize> = b.bands.iter().map(|x| x.units.count).collect();
    assert_eq!(counts, [1, 2, 1]);
    assert_eq!(b.total, Some(5.0 + 7.0 + 7.0 + 9.0));
    assert_eq!(f.units[3].bands["size"], 9.0);
}

#[test]
fn empty_survey_has_no_values_not_nan() {
    let f = compute(&survey(Vec::new()), &schema());
    assert_eq!(
        (f.fields["a"].mean, f.fields["a"].median, f.fields["a"].std),
        (None, None, None)
    );
    assert_eq!(f.groups["ab"].parts[0].share, None);
}

#[test]
fn change_against_the_previous_period() {
    let mut s = survey(vec![unit("一", 6.0, 0.0), unit("二", 6.0, 0.0)]);
    s.previous = Some(Period {
        file: None,
        period: "去年".into(),
        units: vec![unit("一", 4.0, 0.0), unit("二", 6.0, 0.0)],
        tables: IndexMap::new(),
    });
    let f = compute(&s, &schema());
    let c = f.fields["a"].previous.as_ref().expect("change");
    assert_eq!((c.sum, c.sum_change, c.sum_growth), (10.0, 2.0, Some(0.2)));
    assert_eq!(f.units[0].growth["a"], Some(0.5));
    assert_eq!(f.units[0].growth["b"], None); // 0 → 0: no growth rate
    assert_eq!(f.previous_period.as_deref(), Some("去年"));
}

/// What the `pack` fuzz target does, on its corpus: never a panic.
#[test]
fn the_pack_fuzz_corpus_loads_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/pack");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("corpus") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        seen += 1;
        let (schema_yaml, data_yaml) = text.split_once("\n---8<---\n").unwrap_or((text, ""));
        let Ok(schema) = crate::survey::parse_schema(Path::new("template.yaml"), schema_yaml)
        else {
            continue;
        };
        let pack = crate::survey::Pack {
            dir: None,
            schema,
            templates: Vec::new(),
            reference: None,
        };
        if let Ok(s) =
            crate::survey::load_bytes_with(Path::new("d.yaml"), data_yaml.as_bytes(), &pack)
        {
            let _ = compute(&s, &pack.schema);
        }
    }
    assert!(seen >= 2);
}
