//! Stage 2 — compute: every figure the report prints, computed once, reachable by a stable
//! path (`fields["office.total"].mean`, `groups.education.parts[0].share`, …).
//!
//! Shares are `None` (printed "—") when the whole is zero; nothing here is NaN or infinite.

mod compute;
mod derive;
mod json;
mod rounding;

pub use compute::{compute, ratio};
pub use derive::Derived;
pub use json::{to_json, to_text};

pub use rounding::{largest_remainder, ROUNDING_NOTE};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::survey::schema::AggregateKind;
use crate::survey::Cell;

/// All computed figures of one survey.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figures {
    /// How many units were surveyed.
    pub unit_count: usize,
    /// The previous period's name, when the data carries one.
    pub previous_period: Option<String>,
    /// The previous period as templates see it (`previous`): `None` without `previous:`.
    pub previous: Option<PreviousInfo>,
    /// Per-unit figures, in data order.
    pub units: Vec<UnitFigures>,
    /// Aggregates per field path (schema and derived fields).
    pub fields: IndexMap<String, FieldStats>,
    /// Group shares per group name.
    pub groups: IndexMap<String, GroupStats>,
    /// Standards met and unmet per standard name.
    pub standards: IndexMap<String, StandardStats>,
    /// Band counts per band table name.
    pub bands: IndexMap<String, BandStats>,
    /// Other tables' rows and column aggregates per table name.
    pub tables: IndexMap<String, TableStats>,
    /// Per tag (所属片区), its values in order of first appearance with their units and
    /// per-field figures.
    #[serde(default)]
    pub tags: IndexMap<String, TagStats>,
}

/// One tag (`tags:` of the pack) over the units: `tags.area.values[0].names`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagStats {
    /// The tag's label (所属片区).
    pub label: String,
    /// Each value the units give, in order of first appearance (units without one are
    /// left out).
    pub values: Vec<TagValue>,
}

/// The units that share one value of a tag, and their figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagValue {
    /// The tag's value (东片).
    pub value: String,
    /// How many units have it.
    pub count: usize,
    /// Their names, in data order.
    pub names: Vec<String>,
    /// Their short names, in data order.
    pub shorts: Vec<String>,
    /// Per field path: the sum over these units and the figure by the field's aggregate
    /// rule (`value`, as [`FieldStats::value`]).
    pub fields: IndexMap<String, TagField>,
}

/// A field's figures over the units of one tag value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagField {
    /// The sum of the values.
    pub sum: f64,
    /// The figure by the field's aggregate rule (sum, mean, ratio of sums, or `None`).
    pub value: Option<f64>,
}

/// One unit's values plus per-field share of the total and rank.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitFigures {
    /// The unit's name.
    pub name: String,
    /// Its short name.
    pub short: String,
    /// Its values by field path (derived fields included).
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
    /// The band label each unit falls in, by band name (for every band table, valued or
    /// a classification; absent when the unit has no value of the band's field).
    #[serde(default)]
    pub classes: IndexMap<String, String>,
    /// Its tags (所属片区 …), by tag name.
    #[serde(default)]
    pub tags: IndexMap<String, String>,
}

/// Units picked by a condition: how many, which share, their names.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Selection {
    /// How many units were picked.
    pub count: usize,
    /// Their share of the units that have a value (`None` when none has).
    pub share: Option<f64>,
    /// Their names, in data order.
    pub names: Vec<String>,
    /// Their short names, in data order.
    pub shorts: Vec<String>,
}

/// Aggregates of one numeric field over all units.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldStats {
    /// The field's dotted path.
    pub path: String,
    /// Its label.
    pub label: String,
    /// Its unit, if any.
    pub unit: Option<String>,
    /// How many units have a value.
    pub count: usize,
    /// Sum of the values.
    pub sum: f64,
    /// Arithmetic mean (`None` without values).
    pub mean: Option<f64>,
    /// Median (the mean of the middle two for an even count).
    pub median: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Population standard deviation.
    pub std: Option<f64>,
    /// The unit with the largest value (the first of equals).
    pub max_unit: Option<String>,
    /// The unit with the smallest value (the first of equals).
    pub min_unit: Option<String>,
    /// Units whose value is above zero (for yes/no fields: the yeses), and those at zero.
    pub positive: Selection,
    /// Units whose value is zero.
    pub zero: Selection,
    /// Change against the previous period, when the data carries one.
    pub previous: Option<Change>,
    /// How the field aggregates (`sum`, `mean`, `none`, `ratio`; the pack's `aggregate:`
    /// or its default, see [`crate::survey::Schema::aggregate`]).
    pub aggregate: AggregateKind,
    /// The whole-survey figure by that rule: the sum, the mean, the ratio of the two
    /// fields' sums (times the scale; `None` when the denominator's sum is 0), or `None`
    /// for `none`. What a table's 合计 row prints.
    pub value: Option<f64>,
}

/// The previous period (同比) as templates see it (`previous.…`): which period, how many
/// units, and which units are new this period or gone since.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviousInfo {
    /// The previous period's name (2018).
    pub period: String,
    /// How many units it had.
    pub unit_count: usize,
    /// `true` when both periods hold the same units: changes of totals compare like with
    /// like; otherwise a report should compare averages (`mean_change`, `mean_growth`).
    pub same_units: bool,
    /// Units of this period not in the previous one (names, data order).
    pub added: Vec<String>,
    /// Units of the previous period not in this one (names, their data order).
    pub removed: Vec<String>,
    /// How units were matched: `"id"` (every unit of both periods has an `id:`) or `"name"`.
    pub matched_by: String,
}

/// 同比: a field's total and mean in the previous period, and how they changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    /// The previous period's sum.
    pub sum: f64,
    /// The previous period's mean.
    pub mean: Option<f64>,
    /// `sum − previous sum`.
    pub sum_change: f64,
    /// `sum_change / previous sum` (`None` when the previous sum is 0).
    pub sum_growth: Option<f64>,
    /// `mean − previous mean`.
    pub mean_change: Option<f64>,
    /// `mean_change / previous mean` (`None` when the previous mean is 0).
    pub mean_growth: Option<f64>,
    /// How many units had a value in the previous period.
    #[serde(default)]
    pub count: usize,
    /// The previous period's whole-survey figure of the field (its sum; `None` without
    /// values). Follows the field's aggregate rule once fields declare one (issue 18 A).
    #[serde(default)]
    pub value: Option<f64>,
    /// This period's figure minus `value`.
    #[serde(default)]
    pub value_change: Option<f64>,
    /// `value_change / value` (`None` when `value` is 0 or missing).
    #[serde(default)]
    pub value_growth: Option<f64>,
}

/// 同比 of one part of a group: its sum and share in the previous period, and the change of
/// its share in percentage points as printed (one-decimal shares, so the prose agrees with
/// the printed percents: 45.2% against 43.9% is 1.3 个百分点).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartChange {
    /// The part's sum in the previous period.
    pub sum: f64,
    /// Its share of the previous whole, 0..1 (`None` when that whole was 0).
    pub share: Option<f64>,
    /// Its one-decimal percent in the previous period (largest remainder, as `pct1`).
    pub pct1: Option<f64>,
    /// `(pct1 − previous pct1) / 100`: a fraction for the `points` filter (0.013 reads
    /// 提高1.3个百分点); `None` when either whole is 0.
    pub share_change: Option<f64>,
}

/// One part of a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartStats {
    /// The part's field path.
    pub path: String,
    /// Its label.
    pub label: String,
    /// Its sum over the units.
    pub sum: f64,
    /// Share of the whole, 0..1.
    pub share: Option<f64>,
    /// Whole-number percent, largest-remainder rounded so the parts add to 100 (equal
    /// parts always equal; see [`largest_remainder`] for the tie rule).
    pub pct0: Option<i64>,
    /// One-decimal percent, largest-remainder rounded so the parts add to 100.0 (equal
    /// parts always equal; see [`largest_remainder`] for the tie rule).
    pub pct1: Option<f64>,
    /// 同比 of the part, when the data has a previous period.
    #[serde(default)]
    pub previous: Option<PartChange>,
}

/// A group's parts with their shares of the whole.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupStats {
    /// The group's label.
    pub label: String,
    /// The sum of its parts.
    pub total: f64,
    /// Each part, in schema order.
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

/// A standard and the units that meet it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StandardStats {
    /// The standard's label.
    pub label: String,
    /// The field it applies to.
    pub field: String,
    /// The threshold.
    pub value: f64,
    /// The threshold's unit.
    pub unit: Option<String>,
    /// Where the standard comes from.
    pub source: Option<String>,
    /// Units at or above the standard, and those below it.
    pub met: Selection,
    /// Units below the standard.
    pub unmet: Selection,
}

/// One band and the units in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BandCount {
    /// The band's label (2000户以下).
    pub label: String,
    /// The value it gives (`None` for a classification).
    pub value: Option<f64>,
    /// The units in the band.
    pub units: Selection,
}

/// A band table's counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BandStats {
    /// The band table's label.
    pub label: String,
    /// The field whose value picks the band.
    pub field: String,
    /// The unit of the bands' values.
    pub unit: Option<String>,
    /// Each band, in schema order.
    pub bands: Vec<BandCount>,
    /// Sum of the band values over all units (e.g. committee seats in the area); `None`
    /// for a classification.
    pub total: Option<f64>,
}

/// Another table's rows plus aggregates of its numeric columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableStats {
    /// The table's label.
    pub label: String,
    /// Its rows as loaded: cells by column name.
    pub rows: Vec<IndexMap<String, Cell>>,
    /// Aggregates of its numeric columns, by column name (rows named by their text cells).
    pub columns: IndexMap<String, FieldStats>,
}

#[cfg(test)]
mod tests;
