//! Stage 1 — load: a data file and its template pack become a validated [`Survey`].

mod bounds;
mod data;
pub mod edit;
pub mod emit;
pub mod expr;
mod matching;
mod pack;
mod positions;
pub mod schema;
pub mod skeleton;
pub mod style;
pub mod text;

/// Calendar dates of data files (moved to [`crate::date`], shared with the Document model).
pub use crate::date::{self, Date};
pub use data::{
    prose_markdown_options, prose_markdown_problems, Cell, Period, Point, Prose, ReportMeta,
    Survey, Unit,
};
pub use matching::{match_units, MatchBy, Matching};
pub use pack::{builtin_names, list, not_a_pack, parse_schema, starter_files, Pack, PackInfo};
pub use positions::Positions;
pub use schema::Schema;

use std::path::Path;

use crate::error::{Error, Result};

/// Read a data file as text: the one decoding every command uses (UTF-8 with or without
/// BOM; CRLF read as LF). Any other encoding is refused with the line of the first bad
/// byte (the same message `check` gives) — never decoded lossily. Only a regular file of
/// at most [`crate::limits::Limits::file_mb`] MiB is read ([`crate::fsio::read_data`]):
/// a FIFO or device is refused before it is opened.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = crate::fsio::read_data(path)?;
    data::decode(path, &bytes)
}

/// Read `path`, find its template pack, and check the data against the pack's schema.
///
/// The file must be regular and at most [`crate::limits::Limits::file_mb`] MiB, and hold
/// at most [`crate::limits::Limits::units`] units (counted before the YAML is parsed).
///
/// ```
/// let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
/// let (survey, pack) = diaoyan::survey::load(&data, None)?;
/// assert_eq!(survey.template, "community-survey");
/// assert!(!survey.units.is_empty());
/// assert!(pack.schema.fields.contains_key("residents"));
/// # Ok::<(), diaoyan::Error>(())
/// ```
pub fn load(path: &Path, template_dir: Option<&Path>) -> Result<(Survey, Pack)> {
    let bytes = crate::fsio::read_data(path)?;
    load_bytes(path, &bytes, template_dir)
}

/// [`load`] for data already in memory; `path` names it in messages.
pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    template_dir: Option<&Path>,
) -> Result<(Survey, Pack)> {
    let text = text::protect_separators(data::decode(path, bytes)?);
    let raw = data::parse_raw(path, &text)?;
    let pack = match Pack::resolve(&raw.template, template_dir, path) {
        Ok(p) => p,
        Err(Error::Input(mut ds)) => {
            // A pack that cannot be found or used is about the `template:` line.
            if let Some(at) = positions::Positions::of(&text).find("template") {
                for d in ds.iter_mut().filter(|d| d.file == path && d.line.is_none()) {
                    *d = d.clone().at(Some(at.0), Some(at.1));
                    d.set_source(text.lines().nth(at.0 - 1));
                }
            }
            let mut all = data::early_diagnostics(path, &text, &raw);
            all.append(&mut ds);
            return Err(Error::Input(all));
        }
        Err(e) => return Err(e),
    };
    let survey = data::validate(path, &text, raw, &pack.schema)?;
    Ok((survey, pack))
}

/// Check a data file (`bytes`, named `path` in messages) against a pack already loaded,
/// whatever its `template:` says (for fuzzing and tools that hold the pack).
pub fn load_bytes_with(path: &Path, bytes: &[u8], pack: &Pack) -> Result<Survey> {
    let text = text::protect_separators(data::decode(path, bytes)?);
    let raw = data::parse_raw(path, &text)?;
    data::validate(path, &text, raw, &pack.schema)
}

/// Split a survey by the tag `tag` of its units: one survey per value, in order of first
/// appearance, each named after its value (`report.region`, and `-<value>` appended to the
/// output name). Units without the tag are left out of every part.
pub fn split(survey: &Survey, tag: &str) -> Vec<(String, Survey)> {
    split_values(survey, tag)
        .into_iter()
        .map(|v| {
            let part = split_part(survey, tag, &v);
            (v, part)
        })
        .collect()
}

/// The values of the tag `tag` among the units, in order of first appearance (one pass:
/// a search of the values so far for each unit made a city of many regions quadratic).
pub fn split_values(survey: &Survey, tag: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut values = Vec::new();
    for u in &survey.units {
        if let Some(v) = u.tags.get(tag) {
            if seen.insert(v.as_str()) {
                values.push(v.clone());
            }
        }
    }
    values
}

/// The part of `survey` for one value of `tag` (see [`split`]): only its units (and the
/// previous period's units of the same names) are copied, never the whole survey.
pub fn split_part(survey: &Survey, tag: &str, value: &str) -> Survey {
    let units: Vec<Unit> = survey
        .units
        .iter()
        .filter(|u| u.tags.get(tag).map(String::as_str) == Some(value))
        .cloned()
        .collect();
    let previous = survey.previous.as_ref().map(|prev| {
        // The previous units matched to this part's units (by id or name, as the whole),
        // and those of this part's tag value that are gone from the whole survey: a unit
        // removed since last year stays in its part's previous figures and is named as
        // removed there (attacker finding F33: it vanished, and the part's change was
        // wrong).
        let part: std::collections::HashSet<usize> = match_units(&units, &prev.units)
            .pairs
            .iter()
            .flatten()
            .copied()
            .collect();
        let whole: std::collections::HashSet<usize> = match_units(&survey.units, &prev.units)
            .pairs
            .iter()
            .flatten()
            .copied()
            .collect();
        Period {
            file: prev.file.clone(),
            period: prev.period.clone(),
            units: prev
                .units
                .iter()
                .enumerate()
                .filter(|(j, u)| {
                    part.contains(j)
                        || (!whole.contains(j)
                            && u.tags.get(tag).map(String::as_str) == Some(value))
                })
                .map(|(_, u)| u.clone())
                .collect(),
            tables: prev.tables.clone(),
        }
    });
    let stem = survey.report.output.clone().unwrap_or_else(|| {
        survey
            .source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut report = survey.report.clone();
    report.output = Some(format!("{stem}-{value}"));
    // The warnings about this part's units.
    let warnings = survey
        .warnings
        .iter()
        .filter(|d| {
            d.unit
                .as_deref()
                .is_none_or(|u| units.iter().any(|x| x.name == u))
        })
        .cloned()
        .collect();
    report.region = value.to_string();
    Survey {
        source: survey.source.clone(),
        template: survey.template.clone(),
        report,
        units,
        tables: survey.tables.clone(),
        facts: survey.facts.clone(),
        findings: survey.findings.clone(),
        recommendations: survey.recommendations.clone(),
        closing: survey.closing.clone(),
        previous,
        warnings,
    }
}
