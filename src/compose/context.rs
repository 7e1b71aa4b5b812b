//! The one context every template of a pack sees, built by [`context`]: `Composer` renders
//! with it and `diaoyan stats --json` prints it, so the names a pack author finds there are
//! exactly the names a template can use.

use serde::Serialize;

use crate::stats::{
    BandStats, FieldStats, Figures, GroupStats, StandardStats, TableStats, TagStats, UnitFigures,
};
use crate::survey::{Prose, ReportMeta, Schema, Survey};
use indexmap::IndexMap;

/// The writer's prose, split into paragraphs for templates.
#[derive(Debug, Serialize)]
pub struct ProseView<'a> {
    /// The heading.
    pub title: &'a str,
    /// The topic it names, if any.
    pub topic: Option<&'a str>,
    /// Its paragraphs (split at blank lines, trimmed).
    pub paragraphs: Vec<&'a str>,
    /// Its points (`points:`), each `{title, text, points}`.
    pub points: &'a [crate::survey::Point],
}

/// Everything a template sees, by the name it sees it under (field order = the order
/// `stats --json` prints).
#[derive(Debug, Serialize)]
pub struct TemplateContext<'a> {
    /// All figures, as one object (what `table()` and `chart()` read).
    pub figures: &'a Figures,
    /// The data file's `report:` (title, subtitle, region, period, organisation, author,
    /// date as YYYY-MM-DD, output).
    pub report: &'a ReportMeta,
    /// What a unit is called (社区).
    pub unit_label: &'a str,
    /// How many units there are.
    pub unit_count: usize,
    /// Per-unit figures (values, shares, ranks, bands, classes, tags, previous, growth).
    pub units: &'a [UnitFigures],
    /// Aggregates per field path (`fields["office.total"].sum`).
    pub fields: &'a IndexMap<String, FieldStats>,
    /// Group shares per group name.
    pub groups: &'a IndexMap<String, GroupStats>,
    /// Standards met and unmet.
    pub standards: &'a IndexMap<String, StandardStats>,
    /// Band tables and their units.
    pub bands: &'a IndexMap<String, BandStats>,
    /// Other tables of the data file.
    pub tables: &'a IndexMap<String, TableStats>,
    /// Per tag: its values with their units and figures (`tags.area.values[0].names`).
    pub tags: &'a IndexMap<String, TagStats>,
    /// The data file's `facts:`.
    pub facts: &'a serde_json::Value,
    /// 同比: the previous period (its name, unit count, units added and removed, how they
    /// were matched); null without `previous:`.
    pub previous: &'a Option<crate::stats::PreviousInfo>,
    /// The writer's findings.
    pub findings: Vec<ProseView<'a>>,
    /// The writer's recommendations.
    pub recommendations: Vec<ProseView<'a>>,
    /// The closing text's paragraphs.
    pub closing: Vec<&'a str>,
    /// 因四舍五入，构成比之和可能不等于100%.
    pub rounding_note: &'static str,
}

fn prose_view(p: &Prose) -> ProseView<'_> {
    ProseView {
        title: p.title.trim(),
        topic: p.topic.as_deref(),
        paragraphs: split_paragraphs(&p.text),
        points: &p.points,
    }
}

pub(super) fn split_paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The context of one survey's templates: its figures and the data file's report, facts
/// and prose (see [`TemplateContext`] for each name).
pub fn context<'a>(
    survey: &'a Survey,
    figures: &'a Figures,
    schema: &'a Schema,
) -> TemplateContext<'a> {
    TemplateContext {
        figures,
        report: &survey.report,
        unit_label: &schema.unit_label,
        unit_count: figures.unit_count,
        units: &figures.units,
        fields: &figures.fields,
        groups: &figures.groups,
        standards: &figures.standards,
        bands: &figures.bands,
        tables: &figures.tables,
        tags: &figures.tags,
        facts: &survey.facts,
        previous: &figures.previous,
        findings: survey.findings.iter().map(prose_view).collect(),
        recommendations: survey.recommendations.iter().map(prose_view).collect(),
        closing: survey
            .closing
            .as_deref()
            .map(split_paragraphs)
            .unwrap_or_default(),
        rounding_note: crate::stats::ROUNDING_NOTE,
    }
}

/// Every leaf of `v` as `path = value`, one a line, keys in the order of `v`'s maps (a
/// `serde_json::Value` sorts them by name), list items in order; keys that are not plain
/// names written `["office.total"]`, list items `[0]`; numbers in their shortest spelling,
/// text JSON-quoted, `null` for no value, `{}`/`[]` for an empty map or list. What
/// `stats --names` prints.
pub fn names(v: &serde_json::Value) -> String {
    let mut out = String::new();
    let mut stack: Vec<(String, &serde_json::Value)> = vec![(String::new(), v)];
    while let Some((path, v)) = stack.pop() {
        match v {
            serde_json::Value::Object(m) if !m.is_empty() => {
                for (k, child) in m.iter().rev() {
                    let plain = !k.is_empty()
                        && !k.starts_with(|c: char| c.is_ascii_digit())
                        && k.chars().all(|c| c.is_alphanumeric() || c == '_');
                    let p = if plain && path.is_empty() {
                        k.clone()
                    } else if plain {
                        format!("{path}.{k}")
                    } else {
                        format!("{path}[{}]", serde_json::Value::String(k.clone()))
                    };
                    stack.push((p, child));
                }
            }
            serde_json::Value::Array(a) if !a.is_empty() => {
                for (i, child) in a.iter().enumerate().rev() {
                    stack.push((format!("{path}[{i}]"), child));
                }
            }
            leaf => {
                let shown = match leaf {
                    serde_json::Value::Number(n) => n
                        .as_f64()
                        .map_or_else(|| n.to_string(), crate::number::shortest),
                    serde_json::Value::Object(_) => "{}".to_string(),
                    serde_json::Value::Array(_) => "[]".to_string(),
                    other => other.to_string(),
                };
                out.push_str(&format!("{path} = {shown}\n"));
            }
        }
    }
    out
}
