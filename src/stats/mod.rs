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

use crate::survey::Cell;

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

#[cfg(test)]
mod tests;
