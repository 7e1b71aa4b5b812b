//! The data file an import becomes: a whole new one as `init` writes it, or an existing
//! one with only its `units:` and `tables:` sections replaced.

use std::path::Path;

use super::import::Imported;
use crate::survey::edit::replace_section;
use crate::survey::emit;
use crate::survey::skeleton;
use crate::survey::{Pack, ReportMeta};

/// The data file for what was imported. With `into` (an existing data file's text), only its
/// `units:` section (and tables the spreadsheet had) are replaced; everything else, comments
/// included, is kept.
///
/// Without `into`, the whole data file as `init` writes it — report items, units, every
/// table (an example row for each the spreadsheet lacks), the facts the report template
/// uses, findings, recommendations and closing — so `check` lists what is left to fill.
/// Report items the spreadsheet does not give are left empty.
pub fn data_file(pack: &Pack, imported: &Imported, source: &Path, into: Option<&str>) -> String {
    let schema = &pack.schema;
    let mut units = String::new();
    emit::units(&mut units, schema, &imported.units, false);
    if let Some(text) = into {
        let mut out = replace_section(text, "units", Some(&units));
        if !imported.tables.is_empty() {
            let mut tables = String::new();
            emit::tables(&mut tables, schema, &imported.tables, false);
            out = replace_section(&out, "tables", Some(&tables));
        }
        return out;
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
    skeleton::rest(&mut out, pack);
    out
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
