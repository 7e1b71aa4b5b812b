//! Stage 2 — compute: every figure the report prints, computed once, reachable by a stable
//! path (`fields["office.total"].mean`, `groups.education.parts[0].share`, …).
//!
//! Shares are `None` (printed "—") when the whole is zero; nothing here is NaN or infinite.

mod derive;
mod json;
mod rounding;

pub use derive::Derived;
pub use json::{to_json, to_text};

pub use rounding::{largest_remainder, ROUNDING_NOTE};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::survey::{Cell, Schema, Survey};

/// All computed figures of one survey.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figures {
    /// How many units were surveyed.
    pub unit_count: usize,
    /// The previous period's name, when the data carries one.
    pub previous_period: Option<String>,
    pub units: Vec<UnitFigures>,
    pub fields: IndexMap<String, FieldStats>,
    pub groups: IndexMap<String, GroupStats>,
    pub standards: IndexMap<String, StandardStats>,
    pub bands: IndexMap<String, BandStats>,
    pub tables: IndexMap<String, TableStats>,
}

/// One unit's values plus per-field share of the total and rank.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitFigures {
    pub name: String,
    pub short: String,
    pub values: IndexMap<String, f64>,
    /// Share of the all-units total per field (`None` when the total is 0).
    pub shares: IndexMap<String, Option<f64>>,
    /// Rank per field, 1 = largest; ties share the best rank (competition ranking 1, 2, 2, 4).
    pub ranks: IndexMap<String, usize>,
    /// Band values by band name (committee size).
    pub bands: IndexMap<String, f64>,
    /// Values in the previous period (units matched by name).
    pub previous: IndexMap<String, f64>,
    /// Growth against the previous period per field (`None` when that value was 0).
    pub growth: IndexMap<String, Option<f64>>,
}

/// Units picked by a condition: how many, which share, their names.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Selection {
    pub count: usize,
    pub share: Option<f64>,
    pub names: Vec<String>,
    pub shorts: Vec<String>,
}

/// Aggregates of one numeric field over all units.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldStats {
    pub path: String,
    pub label: String,
    pub unit: Option<String>,
    pub count: usize,
    pub sum: f64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Population standard deviation.
    pub std: Option<f64>,
    pub max_unit: Option<String>,
    pub min_unit: Option<String>,
    /// Units whose value is above zero (for yes/no fields: the yeses), and those at zero.
    pub positive: Selection,
    pub zero: Selection,
    /// Change against the previous period, when the data carries one.
    pub previous: Option<Change>,
}

/// 同比: a field's total and mean in the previous period, and how they changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub sum: f64,
    pub mean: Option<f64>,
    /// `sum − previous sum`.
    pub sum_change: f64,
    /// `sum_change / previous sum` (`None` when the previous sum is 0).
    pub sum_growth: Option<f64>,
    pub mean_change: Option<f64>,
    pub mean_growth: Option<f64>,
}

/// One part of a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartStats {
    pub path: String,
    pub label: String,
    pub sum: f64,
    /// Share of the whole, 0..1.
    pub share: Option<f64>,
    /// Whole-number percent, largest-remainder rounded so the parts add to 100 (equal
    /// parts always equal; see [`largest_remainder`] for the tie rule).
    pub pct0: Option<i64>,
    /// One-decimal percent, largest-remainder rounded so the parts add to 100.0 (equal
    /// parts always equal; see [`largest_remainder`] for the tie rule).
    pub pct1: Option<f64>,
}

/// A group's parts with their shares of the whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupStats {
    pub label: String,
    pub total: f64,
    pub parts: Vec<PartStats>,
    /// Sum of the parts' `pct0`: 100 unless a tie forbade it (`None` when the total is 0).
    #[serde(default)]
    pub pct0_sum: Option<i64>,
    /// Sum of the parts' `pct1`: 100.0 unless a tie forbade it (`None` when the total is 0).
    #[serde(default)]
    pub pct1_sum: Option<f64>,
    /// `true` when the one-decimal shares (`pct1`) do not add up to 100.0: print
    /// [`ROUNDING_NOTE`] (因四舍五入，构成比之和可能不等于100%) where they are shown.
    #[serde(default)]
    pub rounding_note: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StandardStats {
    pub label: String,
    pub field: String,
    pub value: f64,
    pub unit: Option<String>,
    pub source: Option<String>,
    /// Units at or above the standard, and those below it.
    pub met: Selection,
    pub unmet: Selection,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BandCount {
    pub label: String,
    pub value: f64,
    pub units: Selection,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BandStats {
    pub label: String,
    pub field: String,
    pub unit: Option<String>,
    pub bands: Vec<BandCount>,
    /// Sum of the band values over all units (e.g. committee seats in the area).
    pub total: f64,
}

/// Another table's rows plus aggregates of its numeric columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableStats {
    pub label: String,
    pub rows: Vec<IndexMap<String, Cell>>,
    pub columns: IndexMap<String, FieldStats>,
}

/// Compute every figure of `survey` under `schema`.
pub fn compute(survey: &Survey, schema: &Schema) -> Figures {
    let n = survey.units.len();
    let names: Vec<&str> = survey.units.iter().map(|u| u.name.as_str()).collect();
    let shorts: Vec<&str> = survey.units.iter().map(|u| u.short.as_str()).collect();
    let derived = Derived::new(schema);
    let values = derived.values(&survey.units, schema);
    let previous = survey.previous.as_ref().map(|p| {
        let vals = derived.values(&p.units, schema);
        let by_name: IndexMap<&str, IndexMap<String, f64>> =
            p.units.iter().map(|u| u.name.as_str()).zip(vals).collect();
        by_name
    });
    let all = schema.all_fields();

    let mut fields = IndexMap::new();
    for (path, def) in &all {
        let vals: Vec<Option<f64>> = values.iter().map(|v| v.get(path).copied()).collect();
        let mut st = field_stats(path, &def.label, def.unit.clone(), &vals, &names, &shorts);
        if let Some(prev) = &previous {
            let pv: Vec<f64> = prev.values().filter_map(|v| v.get(path).copied()).collect();
            if !pv.is_empty() {
                let psum: f64 = pv.iter().sum();
                let pmean = ratio(psum, pv.len() as f64);
                let mean_change = st.mean.zip(pmean).map(|(m, p)| m - p);
                st.previous = Some(Change {
                    sum: psum,
                    mean: pmean,
                    sum_change: st.sum - psum,
                    sum_growth: ratio(st.sum - psum, psum),
                    mean_change,
                    mean_growth: mean_change.zip(pmean).and_then(|(c, p)| ratio(c, p)),
                });
            }
        }
        fields.insert(path.clone(), st);
    }

    let mut units: Vec<UnitFigures> = survey
        .units
        .iter()
        .zip(&values)
        .map(|(u, v)| {
            let prev = previous
                .as_ref()
                .and_then(|p| p.get(u.name.as_str()))
                .cloned()
                .unwrap_or_default();
            let growth = v
                .iter()
                .filter_map(|(k, x)| prev.get(k).map(|p| (k.clone(), ratio(x - p, *p))))
                .collect();
            UnitFigures {
                name: u.name.clone(),
                short: u.short.clone(),
                values: v.clone(),
                shares: IndexMap::new(),
                ranks: IndexMap::new(),
                bands: IndexMap::new(),
                previous: prev,
                growth,
            }
        })
        .collect();
    for (path, st) in &fields {
        let col: Vec<Option<f64>> = units.iter().map(|u| u.values.get(path).copied()).collect();
        // The column sorted once, so each rank is a binary search (a count per unit made
        // this quadratic in the number of units).
        let mut sorted: Vec<f64> = col
            .iter()
            .flatten()
            .copied()
            .filter(|x| !x.is_nan())
            .collect();
        sorted.sort_by(f64::total_cmp);
        for (i, u) in units.iter_mut().enumerate() {
            let Some(v) = col[i] else { continue };
            u.shares.insert(path.clone(), ratio(v, st.sum));
            // Competition ranking: 1 = largest; equal values share the best rank (1, 2, 2, 4):
            // 1 + how many values are greater than `v`.
            let greater = if v.is_nan() {
                0
            } else {
                sorted.len() - sorted.partition_point(|x| *x <= v)
            };
            let rank = 1 + greater;
            u.ranks.insert(path.clone(), rank);
        }
    }

    let mut groups = IndexMap::new();
    for (gname, g) in &schema.groups {
        let sums: Vec<f64> = g.parts.iter().map(|p| fields[p].sum).collect();
        let total: f64 = sums.iter().sum();
        let pct0 = largest_remainder(&sums, 100);
        let pct1 = largest_remainder(&sums, 1000);
        let parts = g
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| PartStats {
                path: p.clone(),
                label: schema.fields[p].label.clone(),
                sum: sums[i],
                share: ratio(sums[i], total),
                pct0: pct0.as_ref().map(|v| v[i]),
                pct1: pct1.as_ref().map(|v| v[i] as f64 / 10.0),
            })
            .collect();
        let pct0_sum = pct0.as_ref().map(|v| v.iter().sum::<i64>());
        let pct1_sum = pct1.as_ref().map(|v| v.iter().sum::<i64>());
        groups.insert(
            gname.clone(),
            GroupStats {
                label: g.label.clone(),
                total,
                parts,
                pct0_sum,
                pct1_sum: pct1_sum.map(|s| s as f64 / 10.0),
                rounding_note: pct1_sum.is_some_and(|s| s != 1000),
            },
        );
    }

    let mut standards = IndexMap::new();
    for (sname, s) in &schema.standards {
        let vals: Vec<Option<f64>> = values.iter().map(|v| v.get(&s.field).copied()).collect();
        let met = select(&vals, &names, &shorts, |x| x >= s.value);
        let unmet = select(&vals, &names, &shorts, |x| x < s.value);
        standards.insert(
            sname.clone(),
            StandardStats {
                label: s.label.clone(),
                field: s.field.clone(),
                value: s.value,
                unit: s.unit.clone(),
                source: s.source.clone(),
                met,
                unmet,
            },
        );
    }

    let mut bands = IndexMap::new();
    for (bname, b) in &schema.bands {
        let vals: Vec<Option<f64>> = values.iter().map(|v| v.get(&b.field).copied()).collect();
        let band_of = |x: f64| b.bands.iter().position(|band| band.admits(x));
        let mut total = 0.0;
        for (i, u) in units.iter_mut().enumerate() {
            if let Some(bi) = vals[i].and_then(band_of) {
                u.bands.insert(bname.clone(), b.bands[bi].value);
                total += b.bands[bi].value;
            }
        }
        let counts = b
            .bands
            .iter()
            .enumerate()
            .map(|(bi, band)| BandCount {
                label: band.label.clone(),
                value: band.value,
                units: select(&vals, &names, &shorts, |x| band_of(x) == Some(bi)),
            })
            .collect();
        bands.insert(
            bname.clone(),
            BandStats {
                label: b.label.clone(),
                field: b.field.clone(),
                unit: b.unit.clone(),
                bands: counts,
                total,
            },
        );
    }

    let mut tables = IndexMap::new();
    for (tname, rows) in &survey.tables {
        let Some(tdef) = schema.tables.get(tname) else {
            continue;
        };
        let mut columns = IndexMap::new();
        let row_names: Vec<String> = rows
            .iter()
            .map(|r| {
                r.values()
                    .filter_map(|c| match c {
                        Cell::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("")
            })
            .collect();
        let row_refs: Vec<&str> = row_names.iter().map(String::as_str).collect();
        for (cname, cdef) in &tdef.columns {
            if cdef.kind == crate::survey::schema::Kind::Text {
                continue;
            }
            let vals: Vec<Option<f64>> = rows
                .iter()
                .map(|r| match r.get(cname) {
                    Some(Cell::Number(x)) => Some(*x),
                    _ => None,
                })
                .collect();
            columns.insert(
                cname.clone(),
                field_stats(
                    cname,
                    &cdef.label,
                    cdef.unit.clone(),
                    &vals,
                    &row_refs,
                    &row_refs,
                ),
            );
        }
        tables.insert(
            tname.clone(),
            TableStats {
                label: tdef.label.clone(),
                rows: rows.clone(),
                columns,
            },
        );
    }

    Figures {
        unit_count: n,
        previous_period: survey.previous.as_ref().map(|p| p.period.clone()),
        units,
        fields,
        groups,
        standards,
        bands,
        tables,
    }
}

/// `a / b`, or `None` when `b` is zero.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    if b == 0.0 {
        None
    } else {
        Some(a / b)
    }
}

fn select(
    vals: &[Option<f64>],
    names: &[&str],
    shorts: &[&str],
    pred: impl Fn(f64) -> bool,
) -> Selection {
    let mut s = Selection::default();
    let present = vals.iter().flatten().count();
    for (i, v) in vals.iter().enumerate() {
        if let Some(x) = v {
            if pred(*x) {
                s.count += 1;
                s.names.push(names[i].to_string());
                s.shorts.push(shorts[i].to_string());
            }
        }
    }
    s.share = ratio(s.count as f64, present as f64);
    s
}

fn field_stats(
    path: &str,
    label: &str,
    unit: Option<String>,
    vals: &[Option<f64>],
    names: &[&str],
    shorts: &[&str],
) -> FieldStats {
    let present: Vec<f64> = vals.iter().flatten().copied().collect();
    let count = present.len();
    let sum: f64 = present.iter().sum();
    let mean = ratio(sum, count as f64);
    let mut sorted = present.clone();
    sorted.sort_by(f64::total_cmp);
    let median = match count {
        0 => None,
        c if c % 2 == 1 => Some(sorted[c / 2]),
        c => Some((sorted[c / 2 - 1] + sorted[c / 2]) / 2.0),
    };
    let std =
        mean.map(|m| (present.iter().map(|x| (x - m).powi(2)).sum::<f64>() / count as f64).sqrt());
    let pick = |better: fn(f64, f64) -> bool| -> Option<(f64, String)> {
        let mut best: Option<(f64, String)> = None;
        for (i, v) in vals.iter().enumerate() {
            if let Some(x) = *v {
                if best.as_ref().is_none_or(|(b, _)| better(x, *b)) {
                    best = Some((x, names[i].to_string()));
                }
            }
        }
        best
    };
    let max = pick(|a, b| a > b);
    let min = pick(|a, b| a < b);
    FieldStats {
        path: path.to_string(),
        label: label.to_string(),
        unit,
        count,
        sum,
        mean,
        median,
        min: min.as_ref().map(|m| m.0),
        max: max.as_ref().map(|m| m.0),
        std,
        max_unit: max.map(|m| m.1),
        min_unit: min.map(|m| m.1),
        positive: select(vals, names, shorts, |x| x > 0.0),
        zero: select(vals, names, shorts, |x| x == 0.0),
        previous: None,
    }
}

#[cfg(test)]
mod tests {
    //! Each aggregate, on hand-checkable numbers.
    use super::*;
    use crate::survey::{Period, Unit};

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
        assert_eq!(b.total, 5.0 + 7.0 + 7.0 + 9.0);
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
}
