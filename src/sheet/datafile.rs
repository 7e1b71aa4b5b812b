//! The data file an import becomes: a whole new one as `init` writes it, or an existing
//! one with only its `units:` and `tables:` sections replaced.

use std::path::Path;

use indexmap::IndexMap;

use super::import::Imported;
use crate::error::{Diagnostic, Error, Result};
use crate::survey::edit;
use crate::survey::edit::replace_section;
use crate::survey::emit;
use crate::survey::schema::Kind;
use crate::survey::skeleton;
use crate::survey::{Pack, ReportMeta};

/// The data file for what was imported. With `into` (an existing data file's path and
/// text), its `units:` section (and the tables the spreadsheet had) are replaced, the facts
/// the spreadsheet gives replace those of `facts:` (the others kept, the section written by
/// [`skeleton::facts_section`] with labels as comments), and the report items its report
/// sheet fills replace those of `report:` (edited in place by [`crate::survey::edit`]:
/// other report keys and comments kept); everything else, comments included, is kept.
/// A spreadsheet without facts or report items leaves those sections byte for byte.
///
/// Without `into`, the whole data file as `init` writes it — report items, units, every
/// table (an example row for each the spreadsheet lacks), the facts the report template
/// uses (with the spreadsheet's values), findings, recommendations and closing — so `check`
/// lists what is left to fill. Report items the spreadsheet does not give are left empty.
///
/// # Errors
/// With `into`: [`crate::error::Error::Input`] naming it when its text is not YAML or its
/// `report:` cannot be edited in place (as [`crate::survey::edit::write_form_named`]).
pub fn data_file(
    pack: &Pack,
    imported: &Imported,
    source: &Path,
    into: Option<(&Path, &str)>,
) -> Result<String> {
    let schema = &pack.schema;
    let mut units = String::new();
    emit::units(&mut units, schema, &imported.units, false);
    if let Some((path, text)) = into {
        // Read once, before any section is replaced: a data file that is not YAML is told
        // as `check` tells it, at its own line (the replaced sections do not touch facts).
        let top = if imported.facts.is_empty() && imported.report.is_none() {
            serde_yaml::Value::Null
        } else {
            match serde_yaml::from_str::<serde_yaml::Value>(text) {
                Ok(v) => v,
                Err(_) => {
                    crate::survey::load_bytes(path, text.as_bytes(), pack.dir.as_deref())?;
                    return Err(Error::input(Diagnostic::new(
                        path,
                        "数据文件不是有效的 YAML，无法写入表格中的数字",
                    )));
                }
            }
        };
        let mut out = replace_section(text, "units", Some(&units));
        if !imported.tables.is_empty() {
            let mut tables = String::new();
            emit::tables(&mut tables, schema, &imported.tables, false);
            out = replace_section(&out, "tables", Some(&tables));
        }
        if !imported.facts.is_empty() {
            out = merge_facts(pack, imported, &top, &out);
        }
        if let Some(meta) = &imported.report {
            out = merge_report(meta, path, &out)?;
        }
        return Ok(out);
    }
    let mut out = String::new();
    out.push_str(&format!(
        "# 由 diaoyan import 从 {} 生成（模板 {}）。\n",
        source.display(),
        schema.name
    ));
    out.push_str("# 填好 report、facts、findings 等各项后运行 diaoyan check 本文件：尚待填写的项目会一一列出。\n");
    let meta = imported.report.clone().unwrap_or_default();
    out.push_str(&format!("template: {}\n\n", emit::scalar(&schema.name)));
    emit::report(&mut out, &meta, true);
    out.push('\n');
    out.push_str(&units);
    // An example for each table the spreadsheet lacks; the imported tables are copied only
    // when an example must join them.
    let examples: Vec<_> = skeleton::example_tables(pack)
        .into_iter()
        .filter(|(k, _)| !imported.tables.contains_key(k))
        .collect();
    let joined;
    let tables = if examples.is_empty() {
        &imported.tables
    } else {
        joined = imported
            .tables
            .clone()
            .into_iter()
            .chain(examples)
            .collect();
        &joined
    };
    if !tables.is_empty() {
        out.push('\n');
        emit::tables(&mut out, schema, tables, true);
    }
    skeleton::rest_with_facts(&mut out, pack, &fact_texts(imported));
    Ok(out)
}

/// The text `import` checks: the spreadsheet's own content, with placeholders for the
/// report items it lacks and nothing of the skeleton, so only the spreadsheet's problems
/// are told against it.
pub fn checked_text(pack: &Pack, imported: &Imported) -> String {
    let schema = &pack.schema;
    let mut out = String::new();
    let meta = imported.report.clone().unwrap_or_else(|| ReportMeta {
        title: "-".into(),
        region: "-".into(),
        period: "-".into(),
        ..ReportMeta::default()
    });
    out.push_str(&format!("template: {}\n\n", emit::scalar(&schema.name)));
    emit::report(&mut out, &meta, false);
    out.push('\n');
    emit::units(&mut out, schema, &imported.units, false);
    if !imported.tables.is_empty() {
        out.push('\n');
        emit::tables(&mut out, schema, &imported.tables, false);
    }
    out
}

/// The imported facts as the YAML scalar texts [`skeleton::facts_section`] writes.
fn fact_texts(imported: &Imported) -> IndexMap<String, String> {
    imported
        .facts
        .iter()
        .map(|(p, x)| (p.clone(), emit::number(*x, Kind::Decimal)))
        .collect()
}

/// `text` (the data file whose parsed top level is `top`) with the imported facts written into `facts:`: each
/// slot keeps the file's value unless the spreadsheet gives one; facts that are not slots
/// are kept as they were.
fn merge_facts(pack: &Pack, imported: &Imported, top: &serde_yaml::Value, text: &str) -> String {
    let existing = top.get("facts").filter(|v| v.is_mapping());
    let slots = skeleton::fact_slots(pack);
    let mut values = IndexMap::new();
    for slot in &slots {
        let old = existing.and_then(|e| slot.path.split('.').try_fold(e, |v, k| v.get(k)));
        let old = match old {
            Some(serde_yaml::Value::Number(n)) => Some(n.to_string()),
            Some(serde_yaml::Value::String(t)) => Some(emit::scalar(t)),
            Some(serde_yaml::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        };
        if let Some(old) = old {
            values.insert(slot.path.clone(), old);
        }
    }
    // The same figures as the file's: the section is left as it was (comments and all).
    let given = fact_texts(imported);
    if given.iter().all(|(p, v)| {
        values
            .get(p)
            .and_then(|old| old.parse::<f64>().ok())
            .zip(v.parse::<f64>().ok())
            .is_some_and(|(a, b)| a == b)
    }) {
        return text.to_string();
    }
    values.extend(given);
    let section = skeleton::facts_section(&slots, &values, existing);
    replace_section(text, "facts", Some(&section))
}

/// `text` (the data file at `path`) with the report items `meta` fills (non-empty ones
/// only) written into `report:`, its other keys and comments kept.
fn merge_report(meta: &ReportMeta, path: &Path, text: &str) -> Result<String> {
    let mut form = edit::read_form_named(path, text)?;
    let r = &mut form.report;
    let given = [
        (&mut r.title, Some(meta.title.as_str())),
        (&mut r.region, Some(meta.region.as_str())),
        (&mut r.period, Some(meta.period.as_str())),
        (&mut r.subtitle, meta.subtitle.as_deref()),
        (&mut r.organisation, meta.organisation.as_deref()),
        (&mut r.author, meta.author.as_deref()),
        (&mut r.output, meta.output.as_deref()),
    ];
    for (slot, value) in given {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            *slot = v.to_string();
        }
    }
    if let Some(d) = meta.date {
        r.date = crate::survey::date::ymd(d);
    }
    edit::write_form_named(path, text, &form)
}
