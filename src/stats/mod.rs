//! Stage 2 — compute: every figure the report prints, computed once, reachable by a stable
//! path (`fields["office.total"].mean`, `groups.education.parts[0].share`, …).
//!
//! Shares are `None` (printed "—") when the whole is zero; nothing here is NaN or infinite.

mod rounding;

pub use rounding::largest_remainder;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::survey::{Cell, Schema, Survey};

/// All computed figures of one survey.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figures {
    /// How many units were surveyed.
    pub unit_count: usize,
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
    /// Units whose value is above zero, and those at zero.
    pub positive: Selection,
    pub zero: Selection,
}

/// One part of a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartStats {
    pub path: String,
    pub label: String,
    pub sum: f64,
    /// Share of the whole, 0..1.
    pub share: Option<f64>,
    /// Whole-number percent, largest-remainder rounded so the parts add to 100.
    pub pct0: Option<i64>,
    /// One-decimal percent, largest-remainder rounded so the parts add to 100.0.
    pub pct1: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupStats {
    pub label: String,
    pub total: f64,
    pub parts: Vec<PartStats>,
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

    let mut fields = IndexMap::new();
    for (path, def) in &schema.fields {
        let vals: Vec<Option<f64>> = survey
            .units
            .iter()
            .map(|u| u.values.get(path).copied())
            .collect();
        let st = field_stats(path, &def.label, def.unit.clone(), &vals, &names, &shorts);
        fields.insert(path.clone(), st);
    }

    let mut units: Vec<UnitFigures> = survey
        .units
        .iter()
        .map(|u| UnitFigures {
            name: u.name.clone(),
            short: u.short.clone(),
            values: u.values.clone(),
            shares: IndexMap::new(),
            ranks: IndexMap::new(),
            bands: IndexMap::new(),
        })
        .collect();
    for (path, st) in &fields {
        let col: Vec<Option<f64>> = units.iter().map(|u| u.values.get(path).copied()).collect();
        for (i, u) in units.iter_mut().enumerate() {
            let Some(v) = col[i] else { continue };
            u.shares.insert(path.clone(), ratio(v, st.sum));
            let rank = 1 + col.iter().flatten().filter(|x| **x > v).count();
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
        groups.insert(
            gname.clone(),
            GroupStats {
                label: g.label.clone(),
                total,
                parts,
            },
        );
    }

    let mut standards = IndexMap::new();
    for (sname, s) in &schema.standards {
        let vals: Vec<Option<f64>> = survey
            .units
            .iter()
            .map(|u| u.values.get(&s.field).copied())
            .collect();
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
        let vals: Vec<Option<f64>> = survey
            .units
            .iter()
            .map(|u| u.values.get(&b.field).copied())
            .collect();
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
    }
}
