//! [`compute`]: every figure of one survey, one concern per function (fields, units'
//! shares and ranks, groups, standards, bands, other tables).

use indexmap::IndexMap;

use super::{
    largest_remainder, BandCount, BandStats, Change, Derived, FieldStats, Figures, GroupStats,
    PartChange, PartStats, PreviousInfo, Selection, StandardStats, TableStats, TagField, TagStats,
    TagValue, UnitFigures,
};
use crate::survey::schema::{Aggregate, AggregateKind};
use crate::survey::{Cell, Schema, Survey};

/// One value per field path, per unit (derived fields included).
type Values = IndexMap<String, f64>;

/// The units' names and short names, in data order (what a [`Selection`] lists).
struct Names<'a> {
    names: Vec<&'a str>,
    shorts: Vec<&'a str>,
}

/// Compute every figure of `survey` under `schema`: per-field aggregates (with the
/// previous period's change when the data has one), per-unit values, shares, ranks and
/// growth, group shares with largest-remainder percentages, standards met and unmet, band
/// counts, and aggregates of other tables' numeric columns.
///
/// Never fails and never produces NaN or infinity: a division by zero is `None`
/// ([`ratio`]). Shape: see [`Figures`].
///
/// ```
/// let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
/// let (survey, pack) = diaoyan::survey::load(&data, None)?;
/// let figures = diaoyan::stats::compute(&survey, &pack.schema);
/// // Largest-remainder shares of a group add up to exactly 100.0.
/// let total: f64 = figures.groups["education"].parts.iter().filter_map(|p| p.pct1).sum();
/// assert!((total - 100.0).abs() < 1e-9);
/// # Ok::<(), diaoyan::Error>(())
/// ```
pub fn compute(survey: &Survey, schema: &Schema) -> Figures {
    let who = Names {
        names: survey.units.iter().map(|u| u.name.as_str()).collect(),
        shorts: survey.units.iter().map(|u| u.short.as_str()).collect(),
    };
    let derived = Derived::new(schema);
    let values = derived.values(&survey.units, schema);
    // The previous period's values and its units matched to this period's (by id or name).
    let previous = survey.previous.as_ref().map(|p| Previous {
        values: derived.values(&p.units, schema),
        matching: crate::survey::match_units(&survey.units, &p.units),
    });
    let fields = field_figures(schema, &values, previous.as_ref(), &who);
    let mut units = unit_figures(survey, &values, previous.as_ref());
    rank_units(&mut units, &fields);
    let groups = group_figures(schema, &fields);
    let standards = standard_figures(schema, &values, &who);
    let bands = band_figures(schema, &values, &mut units, &who);
    let tables = table_figures(survey, schema);
    let tags = tag_figures(survey, schema, &values);
    let previous_info = survey
        .previous
        .as_ref()
        .zip(previous.as_ref())
        .map(|(p, prev)| {
            let m = &prev.matching;
            PreviousInfo {
                period: p.period.clone(),
                unit_count: p.units.len(),
                same_units: m.same_units(),
                added: m
                    .added
                    .iter()
                    .map(|i| survey.units[*i].name.clone())
                    .collect(),
                removed: m.removed.iter().map(|j| p.units[*j].name.clone()).collect(),
                matched_by: m.by.name().to_string(),
            }
        });
    Figures {
        unit_count: survey.units.len(),
        previous_period: survey.previous.as_ref().map(|p| p.period.clone()),
        previous: previous_info,
        units,
        fields,
        groups,
        standards,
        bands,
        tables,
        tags,
    }
}

/// The figure of field `path` over `rows` (each unit's values) by its aggregate rule
/// `rule`: the sum, the mean, k·ΣNUM/ΣDEN over the rows that have both, or `None`.
pub(super) fn aggregate_value(rule: &Aggregate, path: &str, rows: &[&Values]) -> Option<f64> {
    let present: Vec<f64> = rows.iter().filter_map(|v| v.get(path).copied()).collect();
    let sum = present.iter().sum::<f64>() + 0.0;
    match rule {
        Aggregate::Simple(AggregateKind::Sum) => Some(sum),
        Aggregate::Simple(AggregateKind::Mean) => ratio(sum, present.len() as f64),
        Aggregate::Simple(_) => None,
        Aggregate::Ratio(r) => {
            let [num, den] = &r.ratio;
            let (mut n, mut d) = (0.0, 0.0);
            for v in rows {
                if let (Some(a), Some(b)) = (v.get(num), v.get(den)) {
                    n += a;
                    d += b;
                }
            }
            ratio(n * r.scale.unwrap_or(1.0), d).map(|x| x + 0.0)
        }
    }
}

/// Each tag's values in order of first appearance, with their units and each field's
/// sum and figure over them.
fn tag_figures(survey: &Survey, schema: &Schema, values: &[Values]) -> IndexMap<String, TagStats> {
    let all = schema.all_fields();
    let mut tags = IndexMap::new();
    for (tag, def) in &schema.tags {
        let mut groups: IndexMap<&str, Vec<usize>> = IndexMap::new();
        for (i, u) in survey.units.iter().enumerate() {
            if let Some(v) = u.tags.get(tag) {
                groups.entry(v.as_str()).or_default().push(i);
            }
        }
        let values = groups
            .into_iter()
            .map(|(value, idx)| {
                let rows: Vec<&Values> = idx.iter().map(|i| &values[*i]).collect();
                let fields = all
                    .keys()
                    .map(|p| {
                        let sum = rows.iter().filter_map(|v| v.get(p)).sum::<f64>() + 0.0;
                        let value = schema
                            .aggregate(p)
                            .and_then(|rule| aggregate_value(&rule, p, &rows));
                        (p.clone(), TagField { sum, value })
                    })
                    .collect();
                TagValue {
                    value: value.to_string(),
                    count: idx.len(),
                    names: idx.iter().map(|i| survey.units[*i].name.clone()).collect(),
                    shorts: idx.iter().map(|i| survey.units[*i].short.clone()).collect(),
                    fields,
                }
            })
            .collect();
        tags.insert(
            tag.clone(),
            TagStats {
                label: def.label.clone(),
                values,
            },
        );
    }
    tags
}

/// The previous period as the computation needs it: every unit's values (derived fields
/// included) and the pairing of this period's units with those units.
struct Previous {
    values: Vec<Values>,
    matching: crate::survey::Matching,
}

/// `a / b`, or `None` when `b` is zero.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    if b == 0.0 {
        None
    } else {
        Some(a / b)
    }
}

/// Aggregates of every field (schema order), with the change against the previous
/// period's units when there are any.
fn field_figures(
    schema: &Schema,
    values: &[Values],
    previous: Option<&Previous>,
    who: &Names,
) -> IndexMap<String, FieldStats> {
    let mut fields = IndexMap::new();
    for (path, def) in &schema.all_fields() {
        let vals: Vec<Option<f64>> = values.iter().map(|v| v.get(path).copied()).collect();
        let mut st = field_stats(
            path,
            &def.label,
            def.unit.clone(),
            &vals,
            &who.names,
            &who.shorts,
        );
        // The field's aggregate rule, for this period's figure and the previous one's.
        let rule = schema.aggregate(path);
        if let Some(rule) = &rule {
            let rows: Vec<&Values> = values.iter().collect();
            st.aggregate = rule.kind();
            st.value = if st.count == 0 && rule.kind() != AggregateKind::Ratio {
                // No unit has a value: as the sum has always been, 0 for a sum.
                (rule.kind() == AggregateKind::Sum).then_some(0.0)
            } else {
                aggregate_value(rule, path, &rows)
            };
        }
        if let Some(prev) = previous {
            let pv: Vec<f64> = prev
                .values
                .iter()
                .filter_map(|v| v.get(path).copied())
                .collect();
            if !pv.is_empty() {
                let psum: f64 = pv.iter().sum();
                let pmean = ratio(psum, pv.len() as f64);
                let mean_change = st.mean.zip(pmean).map(|(m, p)| m - p);
                // The whole-survey figure by the field's aggregate rule, as `st.value` is
                // this period's (a ratio's is the ratio of the previous sums, never the
                // sum of the units' ratios: attacker finding F17).
                let prows: Vec<&Values> = prev.values.iter().collect();
                let (value, now) = match &rule {
                    Some(rule) => (aggregate_value(rule, path, &prows), st.value),
                    None => (Some(psum), (st.count > 0).then_some(st.sum)),
                };
                let value_change = now.zip(value).map(|(a, b)| a - b);
                st.previous = Some(Change {
                    sum: psum,
                    mean: pmean,
                    sum_change: st.sum - psum,
                    sum_growth: ratio(st.sum - psum, psum),
                    mean_change,
                    mean_growth: mean_change.zip(pmean).and_then(|(c, p)| ratio(c, p)),
                    count: pv.len(),
                    value,
                    value_change,
                    value_growth: value_change.zip(value).and_then(|(c, p)| ratio(c, p)),
                });
            }
        }
        fields.insert(path.clone(), st);
    }
    fields
}

/// One [`UnitFigures`] per unit: its values, and its growth against its matched unit of
/// the previous period (same id or name, [`crate::survey::match_units`]). Shares, ranks
/// and bands are filled in later.
fn unit_figures(
    survey: &Survey,
    values: &[Values],
    previous: Option<&Previous>,
) -> Vec<UnitFigures> {
    survey
        .units
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (u, v))| {
            let prev = previous
                .and_then(|p| {
                    let j = p.matching.pairs.get(i).copied().flatten()?;
                    p.values.get(j)
                })
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
                classes: IndexMap::new(),
                tags: u.tags.clone(),
            }
        })
        .collect()
}

/// Each unit's share of every field's total and its rank (competition ranking: 1 = the
/// largest; equal values share the best rank, 1, 2, 2, 4).
fn rank_units(units: &mut [UnitFigures], fields: &IndexMap<String, FieldStats>) {
    for (path, st) in fields {
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
}

/// Each group's parts: sums, shares, and whole and one-decimal percentages by largest
/// remainder (so the printed percentages add up to 100).
fn group_figures(
    schema: &Schema,
    fields: &IndexMap<String, FieldStats>,
) -> IndexMap<String, GroupStats> {
    let mut groups = IndexMap::new();
    for (gname, g) in &schema.groups {
        let sums: Vec<f64> = g.parts.iter().map(|p| fields[p].sum).collect();
        let total: f64 = sums.iter().sum();
        let pct0 = largest_remainder(&sums, 100);
        let pct1 = largest_remainder(&sums, 1000);
        let mut parts: Vec<PartStats> = g
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
                previous: None,
            })
            .collect();
        // 同比 of each part: previous sums, one-decimal shares and their change in points.
        let prev_sums: Option<Vec<f64>> = g
            .parts
            .iter()
            .map(|p| fields[p].previous.as_ref().map(|c| c.sum))
            .collect();
        if let Some(prev_sums) = prev_sums {
            let prev_total: f64 = prev_sums.iter().sum();
            let prev_pct1 = largest_remainder(&prev_sums, 1000);
            for (i, part) in parts.iter_mut().enumerate() {
                let p1 = prev_pct1.as_ref().map(|v| v[i] as f64 / 10.0);
                part.previous = Some(PartChange {
                    sum: prev_sums[i],
                    share: ratio(prev_sums[i], prev_total),
                    pct1: p1,
                    share_change: part.pct1.zip(p1).map(|(a, b)| {
                        // In tenths of a point, exact: no -0.0 and no 0.30000000000000004.
                        ((a * 10.0).round() - (b * 10.0).round()) / 1000.0
                    }),
                });
            }
        }
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
    groups
}

/// Each standard: the units whose field reaches its value, and those that fall short.
fn standard_figures(
    schema: &Schema,
    values: &[Values],
    who: &Names,
) -> IndexMap<String, StandardStats> {
    let mut standards = IndexMap::new();
    for (sname, s) in &schema.standards {
        let vals: Vec<Option<f64>> = values.iter().map(|v| v.get(&s.field).copied()).collect();
        let met = select(&vals, &who.names, &who.shorts, |x| x >= s.value);
        let unmet = select(&vals, &who.names, &who.shorts, |x| x < s.value);
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
    standards
}

/// Each band table: which band every unit falls in (written into `units`), the units per
/// band and the total of the bands' values.
fn band_figures(
    schema: &Schema,
    values: &[Values],
    units: &mut [UnitFigures],
    who: &Names,
) -> IndexMap<String, BandStats> {
    let mut bands = IndexMap::new();
    for (bname, b) in &schema.bands {
        let vals: Vec<Option<f64>> = values.iter().map(|v| v.get(&b.field).copied()).collect();
        let band_of = |x: f64| b.bands.iter().position(|band| band.admits(x));
        let valued = b.bands.iter().all(|x| x.value.is_some());
        let mut total = 0.0;
        for (i, u) in units.iter_mut().enumerate() {
            if let Some(bi) = vals[i].and_then(band_of) {
                u.classes.insert(bname.clone(), b.bands[bi].label.clone());
                if let Some(v) = b.bands[bi].value {
                    u.bands.insert(bname.clone(), v);
                    total += v;
                }
            }
        }
        let counts = b
            .bands
            .iter()
            .enumerate()
            .map(|(bi, band)| BandCount {
                label: band.label.clone(),
                value: band.value,
                units: select(&vals, &who.names, &who.shorts, |x| band_of(x) == Some(bi)),
            })
            .collect();
        bands.insert(
            bname.clone(),
            BandStats {
                label: b.label.clone(),
                field: b.field.clone(),
                unit: b.unit.clone(),
                bands: counts,
                total: valued.then_some(total),
            },
        );
    }
    bands
}

/// Each other table the schema defines: its rows and aggregates of its numeric columns
/// (a row is named by its text cells joined).
fn table_figures(survey: &Survey, schema: &Schema) -> IndexMap<String, TableStats> {
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
    tables
}

/// The units (of those with a value) whose value satisfies `pred`, with their share of
/// the units that have a value.
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

/// Aggregates of one column of values (`None` = no value), naming the units with the
/// largest and smallest value (the first of equals).
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
    // `+ 0.0`: the sum of no values is -0.0 in Rust; a report never prints "-0".
    let sum: f64 = present.iter().sum::<f64>() + 0.0;
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
        aggregate: AggregateKind::Sum,
        value: Some(sum),
    }
}
