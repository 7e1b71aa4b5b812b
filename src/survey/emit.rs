//! Writing data files: the YAML a person fills in (`diaoyan init`) or a spreadsheet becomes
//! (`diaoyan import`). Units are nested by field path in the schema's order, so the file
//! reads like the seed data file; with `comments`, every field says what it is.

use std::fmt::Write;

use indexmap::IndexMap;

use super::data::{Cell, ReportMeta};
use super::schema::{FieldDef, Kind, Schema};

/// One unit as it will be written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitRow {
    /// The unit's full name (`name:`).
    pub name: String,
    /// Its short name (`short:`), when it has one.
    pub short: Option<String>,
    /// Text attributes (`tags:`), by tag name.
    pub tags: IndexMap<String, String>,
    /// Values by field path (schema fields only; derived fields are computed, not written).
    pub values: IndexMap<String, f64>,
}

/// A string as a YAML scalar on one line: plain when that reads back as the same string,
/// else quoted. A string holding a line break (a spreadsheet cell with Alt+Enter) or a
/// control character is double-quoted with escapes (a JSON string is a valid YAML
/// double-quoted scalar): serde_yaml would write a block scalar, which breaks the
/// one-line `key: value` it is placed in.
pub fn scalar(s: &str) -> String {
    if s.chars().any(char::is_control) {
        return serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
    }
    serde_yaml::to_string(s)
        .map(|y| y.trim_end_matches('\n').to_string())
        .unwrap_or_else(|_| format!("{s:?}"))
}

/// A number as the field's kind writes it: integers without a decimal point, decimals in
/// their shortest form.
pub fn number(x: f64, kind: Kind) -> String {
    match kind {
        Kind::Boolean => if x != 0.0 { "true" } else { "false" }.to_string(),
        Kind::Integer => crate::number::shortest(x),
        _ => format!("{x}"),
    }
}

/// What a field is, for a comment: `居民户数（户），整数，≥ 0`.
pub fn describe(schema: &Schema, path: &str, f: &FieldDef) -> String {
    let mut s = f.label_with_unit();
    s.push_str(match f.kind {
        Kind::Integer => "，整数",
        Kind::Decimal => "，数字",
        Kind::Text => "，文字",
        Kind::Boolean => "，true（是）或 false（否）",
    });
    match (f.lower_bound(), f.upper_bound()) {
        (Some(lo), Some(hi)) => {
            let _ = write!(s, "，{lo}–{hi}");
        }
        (Some(lo), None) => {
            let _ = write!(s, "，≥ {lo}");
        }
        (None, Some(hi)) => {
            let _ = write!(s, "，≤ {hi}");
        }
        (None, None) => {}
    }
    if !f.required {
        s.push_str("，可不填");
    }
    for g in schema.groups.values() {
        if g.total.as_deref() == Some(path) {
            let parts: Vec<&str> = g
                .parts
                .iter()
                .filter_map(|p| schema.fields.get(p).map(|d| d.column_label()))
                .collect();
            let _ = write!(s, "；应等于{}之和", parts.join("、"));
            break;
        }
    }
    s
}

/// The field paths of a schema as a tree, in schema order: `office.total` is `total` under
/// `office`.
#[derive(Debug, Default)]
struct Tree {
    children: IndexMap<String, Tree>,
    /// The full path, for a leaf.
    leaf: Option<String>,
}

fn tree(schema: &Schema) -> Tree {
    let mut root = Tree::default();
    for path in schema.fields.keys() {
        let mut node = &mut root;
        for part in path.split('.') {
            node = node.children.entry(part.to_string()).or_default();
        }
        node.leaf = Some(path.clone());
    }
    root
}

/// Lines `key: value  # comment`, aligned per block.
struct Block<'a> {
    out: &'a mut String,
    comments: bool,
}

impl Block<'_> {
    /// A comment, built only when comments are written (`units` without comments runs
    /// once per imported unit and field: 100,000 units are 1.6 million comments unbuilt).
    fn note(&self, make: impl FnOnce() -> String) -> Option<String> {
        self.comments.then(make)
    }

    fn line(&mut self, indent: usize, text: &str, comment: Option<&str>) {
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(text);
        if let (true, Some(c)) = (self.comments, comment) {
            let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            let pad = 34usize.saturating_sub(indent + width).max(2);
            self.out.push_str(&" ".repeat(pad));
            self.out.push_str("# ");
            self.out.push_str(c);
        }
        self.out.push('\n');
    }
}

/// The `report:` section.
pub fn report(out: &mut String, meta: &ReportMeta, comments: bool) {
    let mut b = Block { out, comments };
    b.line(0, "report:", None);
    let opt = |v: &Option<String>| scalar(v.as_deref().unwrap_or(""));
    let rows: [(&str, String, &str); 8] = [
        ("title", scalar(&meta.title), "报告标题（必填）"),
        (
            "subtitle",
            opt(&meta.subtitle),
            "副标题，如“——××街道社区管理情况调研报告”（可不填）",
        ),
        (
            "region",
            scalar(&meta.region),
            "调研地区，如“青年路街道”（必填）",
        ),
        ("period", scalar(&meta.period), "调研期，如“2019”（必填）"),
        (
            "organisation",
            opt(&meta.organisation),
            "发文单位（可不填）",
        ),
        ("author", opt(&meta.author), "执笔人（可不填）"),
        (
            "date",
            opt(&meta.date.map(crate::date::ymd)),
            "成文日期，如 2020-03-16 或 2020年3月16日（可不填）",
        ),
        (
            "output",
            opt(&meta.output),
            "输出文件名，不含扩展名（可不填，默认同数据文件名）",
        ),
    ];
    for (key, value, comment) in rows {
        let optional = !matches!(key, "title" | "region" | "period");
        if optional && value == "''" && !comments {
            continue;
        }
        b.line(2, &format!("{key}: {value}"), Some(comment));
    }
}

/// The `units:` section.
pub fn units(out: &mut String, schema: &Schema, rows: &[UnitRow], comments: bool) {
    let t = tree(schema);
    let mut b = Block { out, comments };
    b.line(0, "units:", None);
    let unit = &schema.unit_label;
    for row in rows {
        let note = b.note(|| format!("{unit}名称（必填，各{unit}不重复）"));
        b.line(
            2,
            &format!("- name: {}", scalar(&row.name)),
            note.as_deref(),
        );
        if let Some(s) = &row.short {
            b.line(
                4,
                &format!("short: {}", scalar(s)),
                Some("简称，用于图表和窄表格（可不填）"),
            );
        }
        for (key, def) in &schema.tags {
            match row.tags.get(key) {
                Some(v) if !v.is_empty() => {
                    b.line(4, &format!("{key}: {}", scalar(v)), Some(&def.label));
                }
                // A blank to fill: commented out unless it must be given.
                Some(_) if comments => {
                    let (lead, note) = if def.required {
                        ("", "（必填）")
                    } else {
                        ("# ", "（可不填）")
                    };
                    let note = format!("{}{note}", def.label);
                    b.line(4, &format!("{lead}{key}: ''"), Some(&note));
                }
                _ => {}
            }
        }
        branch(&mut b, schema, &t, row, "", 4);
    }
}

fn branch(b: &mut Block, schema: &Schema, node: &Tree, row: &UnitRow, prefix: &str, indent: usize) {
    for (key, child) in &node.children {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match &child.leaf {
            Some(path) => {
                let Some(def) = schema.fields.get(path) else {
                    continue;
                };
                let Some(v) = row.values.get(path) else {
                    continue;
                };
                let note = b.note(|| describe(schema, path, def));
                b.line(
                    indent,
                    &format!("{key}: {}", number(*v, def.kind)),
                    note.as_deref(),
                );
            }
            None => {
                if !has_values(child, row) {
                    continue;
                }
                // The group whose parts sit directly under this key names it (学历 …).
                let label = if b.comments {
                    schema
                        .groups
                        .values()
                        .find(|g| {
                            g.parts.iter().all(|p| {
                                p.rsplit_once('.').is_some_and(|(parent, _)| parent == full)
                            })
                        })
                        .map(|g| g.label.as_str())
                } else {
                    None
                };
                b.line(indent, &format!("{key}:"), label);
                branch(b, schema, child, row, &full, indent + 2);
            }
        }
    }
}

fn has_values(node: &Tree, row: &UnitRow) -> bool {
    node.leaf
        .as_ref()
        .is_some_and(|p| row.values.contains_key(p))
        || node.children.values().any(|c| has_values(c, row))
}

/// The `tables:` section (omitted when there are no rows and no comments are wanted).
pub fn tables(
    out: &mut String,
    schema: &Schema,
    tables: &IndexMap<String, Vec<IndexMap<String, Cell>>>,
    comments: bool,
) {
    if schema.tables.is_empty() || (!comments && tables.values().all(Vec::is_empty)) {
        return;
    }
    let mut b = Block { out, comments };
    b.line(0, "tables:", None);
    for (key, def) in &schema.tables {
        let rows = tables.get(key).map(Vec::as_slice).unwrap_or(&[]);
        if rows.is_empty() {
            if comments {
                b.line(2, &format!("{key}: []"), Some(&def.label));
            }
            continue;
        }
        b.line(2, &format!("{key}:"), Some(&def.label));
        for row in rows {
            let mut first = true;
            for (col, cdef) in &def.columns {
                let value = match row.get(col) {
                    Some(Cell::Number(x)) => number(*x, cdef.kind),
                    Some(Cell::Text(t)) => scalar(t),
                    Some(Cell::Empty) | None => continue,
                };
                let lead = if first { "- " } else { "  " };
                first = false;
                let note = b.note(|| cdef.label_with_unit());
                b.line(4, &format!("{lead}{col}: {value}"), note.as_deref());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell with a line break (Alt+Enter) or a control character reads back unchanged
    /// from the one-line scalar import writes (found by a tester: import wrote YAML it could
    /// not read back).
    #[test]
    fn multi_line_and_control_strings_stay_one_readable_line() {
        for s in [
            "安定\n社区",
            "甲\r\n乙",
            "a\u{1b}[31m",
            "tab\there",
            "\"引号\" \\ 斜杠",
            "plain",
        ] {
            let y = scalar(s);
            assert!(!y.contains('\n'), "{y}");
            let back: std::collections::BTreeMap<String, String> =
                serde_yaml::from_str(&format!("name: {y}\n")).expect("reads back");
            assert_eq!(back["name"], s, "{y}");
        }
    }
}
