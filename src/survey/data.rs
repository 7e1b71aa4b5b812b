//! The data file a writer fills in, loaded and checked against the pack's schema.

mod messages;
mod prose;
mod raw;
mod rules;
mod sanitise;
mod suggest;
mod tables;
mod units;
mod validate;
mod values;

pub use messages::early_diagnostics;
pub(super) use messages::yaml_message;
use messages::{label_of, problem_diagnostics};
pub use prose::markdown_options as prose_markdown_options;
pub use prose::markdown_problems as prose_markdown_problems;
pub(super) use raw::duplicate_key;
pub use raw::parse_raw;
use raw::quoted_field;
use sanitise::{normalise_text_fields, sanitise};
use suggest::{known_paths, lookup, nearest, unknown_keys};
pub use validate::validate;
use values::{long_texts, number, too_large};

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_yaml::Value as Yaml;

use super::positions::{Pos, Positions};
use super::schema::{FieldDef, Kind, Schema};
use super::text::{self, Use};
use crate::date::{self, Date, DateError};
use crate::error::{Diagnostic, Error, Result};
use crate::number::shortest;

/// Report metadata: title, region, period, organisation, date.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMeta {
    /// The report title.
    pub title: String,
    /// A second title line, if any.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// The region surveyed (青年路街道).
    pub region: String,
    /// The period surveyed (2019), as text.
    pub period: String,
    /// The issuing organisation: the 落款's 署名.
    #[serde(default)]
    pub organisation: Option<String>,
    /// The author for the file properties, if any.
    #[serde(default)]
    pub author: Option<String>,
    /// Publication date (成文日期). Read from any spelling [`crate::date::parse`] accepts;
    /// stored and serialised (to templates, `stats --json`) as `YYYY-MM-DD`.
    #[serde(default, with = "crate::date::opt_ymd")]
    pub date: Option<Date>,
    /// Output file name (without extension); defaults to the data file's name.
    #[serde(default)]
    pub output: Option<String>,
}

/// A piece of the writer's own prose: a finding or a recommendation.
///
/// `text` is Markdown (issue 18): paragraphs separated by blank lines, `*emphasis*`,
/// `**strong**`, footnotes (`[^a]` with `[^a]: …`), numbered and bulleted lists. What
/// would change the report's structure — a heading line, raw HTML, a code block or
/// directive, a link or image, a thematic break — is refused with its line by
/// [`validate()`] (see `data/prose.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prose {
    /// The finding's or recommendation's heading.
    pub title: String,
    /// The writer's Markdown: paragraphs separated by blank lines.
    pub text: String,
    /// Lets the template attach computed evidence (e.g. `office`, `pay`, `staff`).
    #[serde(default)]
    pub topic: Option<String>,
    /// Sub-points under the heading (numbered 1. and （1） in the report), each with an
    /// optional title, its own Markdown text and its own sub-points; how deep they may go
    /// is the pack's `prose.<section>.points` (default 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<Point>,
}

/// A sub-point of a finding or recommendation (`points:`), see [`Prose::points`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// The point's own short heading, if any.
    #[serde(default)]
    pub title: Option<String>,
    /// The point's Markdown text (as [`Prose::text`]); may be empty when the point has a
    /// title.
    #[serde(default)]
    pub text: String,
    /// Its own sub-points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<Point>,
}

/// The raw shape of a data file, before schema checks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    pub template: String,
    pub report: ReportMeta,
    pub units: Vec<Yaml>,
    #[serde(default)]
    pub tables: IndexMap<String, Vec<IndexMap<String, Yaml>>>,
    #[serde(default)]
    pub facts: IndexMap<String, Yaml>,
    #[serde(default)]
    pub findings: Vec<Prose>,
    #[serde(default)]
    pub recommendations: Vec<Prose>,
    #[serde(default)]
    pub closing: Option<String>,
    /// The previous period, for 同比 figures: a data file's path (relative to this file) or
    /// inline `period`, `units` and `tables`.
    #[serde(default)]
    pub previous: Option<RawPrevious>,
    /// Problems with strings found while reading (control characters, dates, values that
    /// should be text), reported with the schema's labels by [`validate()`].
    #[serde(skip)]
    pub problems: Vec<TextProblem>,
    /// Where each value of the text starts, read once by [`parse_raw`] and used by
    /// [`validate()`] (empty for a value built otherwise: [`validate()`] then reads them).
    #[serde(skip)]
    pub positions: Positions,
}

/// A problem with one string of a data file, found before the schema is known.
#[derive(Debug, Clone, PartialEq)]
pub struct TextProblem {
    /// Dotted path of the value (`units.3.name`); a key's problem is at its value's path.
    pub path: String,
    pub kind: TextProblemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TextProblemKind {
    /// A character XML forbids (in the value, or in its key when `in_key`).
    Illegal { ch: char, in_key: bool },
    /// A list, mapping or true/false where text belongs (the kind, in Chinese).
    NotText(&'static str),
    /// `report.date` that is no date (the text as written).
    BadDate(String, DateError),
    /// `report.date` given as a bare number (an Excel serial, usually).
    DateNumber(String),
    /// A number in a text field whose spelling the number would not keep (`2019.10` read
    /// as 2019.1): the text as written, and the number read.
    NumberSpelling { written: String, read: String },
}

/// The plain scalar written at `at` (1-based line and column) in `lines`: up to the end of
/// the line, a comment, or a flow indicator (`,` `]` `}`), without trailing blanks.
fn written_at(lines: &[&str], at: Option<(usize, usize)>) -> Option<String> {
    let (line, col) = at?;
    let src = lines.get(line.checked_sub(1)?)?;
    let rest: String = src.chars().skip(col.saturating_sub(1)).collect();
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if matches!(c, ',' | ']' | '}') || (c == '#' && rest[..i].ends_with([' ', '\t'])) {
            end = i;
            break;
        }
    }
    Some(rest[..end].trim_end().to_string())
}

/// A number given where text belongs, as text: its canonical spelling when that is how it
/// is written in the source (`period: 2020`); otherwise `Err((written, read))`, for the
/// writer to quote it (`2019.10` would print 2019.1, `1e3` 1000.0, `0x10` 16). Accepted as
/// read when the source cannot be found (an alias, say, resolved by the parser).
fn number_as_text(
    n: &serde_yaml::Number,
    written: Option<String>,
) -> std::result::Result<String, (String, String)> {
    let read = n.to_string();
    match written {
        Some(w) if w != read && !w.starts_with(['*', '&', '!']) => Err((w, read)),
        _ => Ok(read),
    }
}

/// The message for a number whose spelling would be lost ([`number_as_text`]).
fn spelling_message(written: &str, read: &str) -> String {
    format!("写作 {written} 会被读成数字 {read}，请加引号：'{written}'")
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawPrevious {
    Path(String),
    Inline(RawPeriod),
}

/// A previous period given inline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeriod {
    pub period: String,
    pub units: Vec<Yaml>,
    #[serde(default)]
    pub tables: IndexMap<String, Vec<IndexMap<String, Yaml>>>,
}

/// The previous period's data, checked against the same schema.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// The previous period's name (2018).
    pub period: String,
    /// Its units, checked against the schema.
    pub units: Vec<Unit>,
    /// Its other tables, by table name.
    pub tables: IndexMap<String, Vec<IndexMap<String, Cell>>>,
    /// The file it was read from (`previous: FILE`), `None` when written inline: an input
    /// no output may replace.
    #[serde(skip)]
    pub file: Option<std::path::PathBuf>,
}

/// One surveyed unit with its numeric values by dotted path.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// The unit's full name (unique in the file).
    pub name: String,
    /// Its short name for charts and lists (the name when none is given).
    pub short: String,
    /// Its stable id (`id:`), for matching units across years when names change
    /// ([`crate::survey::match_units`]); unique in the file when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Numeric values by dotted field path (booleans as 1 or 0); a missing optional value
    /// is absent.
    pub values: IndexMap<String, f64>,
    /// Text attributes declared as `tags` in the schema (所属街道 …).
    #[serde(default)]
    pub tags: IndexMap<String, String>,
}

/// A cell of another table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
    /// No value (printed "—").
    Empty,
}

/// A validated survey: what the statistics stage sees.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    /// The data file read.
    pub source: PathBuf,
    /// The template pack's name (`template:`).
    pub template: String,
    /// Title, region, period, organisation, date.
    pub report: ReportMeta,
    /// The surveyed units, in file order.
    pub units: Vec<Unit>,
    /// Other tables (a salary scale …), by table name: rows of cells by column name.
    pub tables: IndexMap<String, Vec<IndexMap<String, Cell>>>,
    /// Scalar facts for the templates (`facts:`), as JSON.
    pub facts: serde_json::Value,
    /// The writer's findings (`findings:`).
    pub findings: Vec<Prose>,
    /// The writer's recommendations (`recommendations:`).
    pub recommendations: Vec<Prose>,
    /// The closing paragraph, if any (`closing:`).
    pub closing: Option<String>,
    /// The previous period (同比), from `previous:`.
    pub previous: Option<Period>,
    /// Problems found that do not stop the report (a `checks:` rule of `level: warning`
    /// that a unit breaks; a unit new this year or gone since the previous period), in
    /// Chinese, each at its place in the data file; printed by `check` and `render`.
    #[serde(skip)]
    pub warnings: Vec<crate::error::Diagnostic>,
}

/// Decode a data file's bytes: UTF-8 (with or without BOM, LF or CRLF) only.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.replace("\r\n", "\n")),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            // The column of the first bad byte, in characters of the valid text before it.
            let col =
                std::str::from_utf8(&valid[line_start..]).map_or(1, |s| s.chars().count() + 1);
            Err(Error::input(
                Diagnostic::new(
                    path,
                    "文件不是 UTF-8 编码（可能是 GBK/ANSI），请用 UTF-8 编码另存后重试",
                )
                .at(Some(line), Some(col)),
            ))
        }
    }
}

/// The positions of a text's values, read on first use: reading them is a second parse of
/// the whole text (a sixth of `check`'s time, and a path string per value held at once),
/// needed only to place a problem, so a file without problems never pays for it.
struct LazyPositions<'a> {
    text: &'a str,
    pos: std::cell::OnceCell<Positions>,
}

/// Collects diagnostics for one data file, with positions and the offending lines.
struct Checker<'a> {
    path: &'a Path,
    lines: Vec<&'a str>,
    pos: LazyPositions<'a>,
    schema: &'a Schema,
    diags: Vec<Diagnostic>,
    /// Problems that do not stop the report (`checks:` with `level: warning`).
    warnings: Vec<Diagnostic>,
}

#[cfg(test)]
mod tests;
