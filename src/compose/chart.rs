//! `chart(...)`: a resolved chart directive from the figures (what to draw, not how).

use serde::Deserialize;

use crate::doc::{Chart, ChartKind, Series};
use crate::stats::{largest_remainder, Figures};
use crate::survey::Schema;

/// The arguments a template passes to `chart()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartArgs {
    /// `bar` (default), `stacked`, `line` or `pie`.
    #[serde(default)]
    pub kind: ChartKind,
    /// Fields drawn per unit, one series each.
    #[serde(default)]
    pub columns: Vec<String>,
    /// A schema group: its parts become the series (stacked per unit), or for a pie the
    /// slices (the group's totals).
    #[serde(default)]
    pub group: Option<String>,
    /// Caption text; numbered 图N by the parser.
    #[serde(default)]
    pub caption: Option<String>,
    /// An id for cross-references (`[@id]`).
    #[serde(default)]
    pub id: Option<String>,
    /// Unit of the values (人), shown on the axis; defaults to the fields' shared unit.
    #[serde(default)]
    pub unit: Option<String>,
    /// Label units by their short names (default) or full names.
    #[serde(default = "yes")]
    pub short_names: bool,
    /// Alternative text for readers who cannot see the chart.
    #[serde(default)]
    pub alt: Option<String>,
}

fn yes() -> bool {
    true
}

/// Resolve `args` against the schema and figures into a [`Chart`].
pub fn build(args: &ChartArgs, schema: &Schema, figures: &Figures) -> Result<Chart, String> {
    let all = schema.all_fields();
    let columns: Vec<String> = match &args.group {
        Some(g) => schema
            .groups
            .get(g)
            .ok_or_else(|| format!("chart(): 未知的分组 {g}"))?
            .parts
            .clone(),
        None => args.columns.clone(),
    };
    if columns.is_empty() {
        return Err("chart(): 需要 columns 或 group".into());
    }
    let defs = columns
        .iter()
        .map(|c| all.get(c).ok_or_else(|| format!("chart(): 未知字段 {c}")))
        .collect::<Result<Vec<_>, _>>()?;
    let unit = args.unit.clone().or_else(|| defs[0].unit.clone());
    let (categories, series) = if args.kind == ChartKind::Pie {
        // One slice per part (or per column): the totals over all units.
        let cats = defs.iter().map(|d| d.column_label().to_string()).collect();
        let values = columns
            .iter()
            .map(|c| figures.fields.get(c).map(|f| f.sum))
            .collect();
        let name = match &args.group {
            Some(g) => schema.groups[g].label.clone(),
            None => defs[0].label.clone(),
        };
        (cats, vec![Series { name, values }])
    } else {
        let cats = figures
            .units
            .iter()
            .map(|u| {
                if args.short_names {
                    u.short.clone()
                } else {
                    u.name.clone()
                }
            })
            .collect();
        let series = columns
            .iter()
            .zip(&defs)
            .map(|(c, d)| Series {
                name: d.column_label().to_string(),
                values: figures
                    .units
                    .iter()
                    .map(|u| u.values.get(c).copied())
                    .collect(),
            })
            .collect();
        (cats, series)
    };
    let shares = if args.kind == ChartKind::Pie {
        series.first().map(pie_shares).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Chart {
        kind: args.kind,
        caption: args.caption.clone(),
        id: args.id.clone(),
        number: None,
        categories,
        series,
        unit,
        alt: args.alt.clone(),
        shares,
    })
}

/// A pie's shares, one per value of its series, in tenths of a percent: the values as
/// drawn (missing, negative or non-finite → 0) apportioned to 1000 by
/// [`largest_remainder`] (issue 14 §4). Empty when the values add up to nothing.
pub fn pie_shares(series: &Series) -> Vec<u32> {
    let drawn: Vec<f64> = series
        .values
        .iter()
        .map(|v| v.filter(|x| x.is_finite()).unwrap_or(0.0).max(0.0))
        .collect();
    largest_remainder(&drawn, 1000)
        .unwrap_or_default()
        .into_iter()
        .map(|p| u32::try_from(p).unwrap_or(0))
        .collect()
}
