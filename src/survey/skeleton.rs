//! `diaoyan init`: a data file ready to fill for a template pack — every field present
//! with a comment giving its label, unit and bounds, one example unit, the metadata keys,
//! the facts the report template refers to, and empty findings and recommendations.

use std::fmt::Write;

use indexmap::IndexMap;

use super::data::{Cell, ReportMeta};
use super::emit::{self, UnitRow};
use super::pack::Pack;
use super::schema::Kind;

/// The text of a new data file for `pack`, naming it by its `name:`.
pub fn data_file(pack: &Pack) -> String {
    data_file_naming(pack, &pack.schema.name)
}

/// The text of a new data file for `pack`, its `template:` line reading `reference` (what
/// [`Pack::reference_from`] gives for the file's place, so `check` finds the same pack).
pub fn data_file_naming(pack: &Pack, reference: &str) -> String {
    let schema = &pack.schema;
    let unit = &schema.unit_label;
    let mut out = String::new();
    let _ = writeln!(out, "# {}", schema.description);
    let _ = writeln!(
        out,
        "# 数据文件（模板 {}），由 diaoyan init 生成。填写说明：",
        schema.name
    );
    let _ = writeln!(
        out,
        "#   * 每个{unit}一项：复制从“- name:”开始的整段，改成该{unit}的数字；"
    );
    let _ = writeln!(out, "#   * 数字只写数字，不带单位，不加千位分隔符；");
    let _ = writeln!(
        out,
        "#   * 填好后运行 diaoyan check 本文件：所有问题一次列出，并指明行号。"
    );
    let _ = writeln!(out, "template: {}\n", emit::scalar(reference));
    emit::report(&mut out, &ReportMeta::default(), true);
    out.push('\n');
    let example = UnitRow {
        name: format!("示例{unit}"),
        short: Some("示例".into()),
        tags: schema
            .tags
            .keys()
            .map(|k| (k.clone(), String::new()))
            .collect(),
        values: schema
            .fields
            .iter()
            .map(|(p, f)| (p.clone(), f.lower_bound().unwrap_or(0.0).max(0.0)))
            .collect(),
    };
    emit::units(&mut out, schema, &[example], true);
    if !schema.tables.is_empty() {
        out.push('\n');
        emit::tables(&mut out, schema, &example_tables(pack), true);
    }
    rest(&mut out, pack);
    out
}

/// The tables as `init` writes them: one example row per table of the pack (text '',
/// numbers at their lower bound), for the writer to fill in or delete.
pub fn example_tables(pack: &Pack) -> IndexMap<String, Vec<IndexMap<String, Cell>>> {
    pack.schema
        .tables
        .iter()
        .map(|(k, t)| {
            let row: IndexMap<String, Cell> = t
                .columns
                .iter()
                .map(|(c, def)| {
                    let cell = match def.kind {
                        Kind::Text => Cell::Text(String::new()),
                        _ => Cell::Number(def.lower_bound().unwrap_or(0.0)),
                    };
                    (c.clone(), cell)
                })
                .collect();
            (k.clone(), vec![row])
        })
        .collect()
}

/// What follows the units and tables in a new data file: the facts the report template
/// refers to (0, to be filled in), then empty findings, recommendations and closing, each
/// with a comment on how to fill it.
pub fn rest(out: &mut String, pack: &Pack) {
    let facts = facts_used(pack);
    out.push('\n');
    if facts.0.is_empty() {
        out.push_str("facts: {}\n");
    } else {
        out.push_str("# 报告模板用到的其他数字（不属于任何单位），请按实际填写：\n");
        out.push_str("facts:\n");
        write_facts(out, &facts, 2);
    }
    out.push_str("\n# 调研发现的问题，每项一段：\n");
    if !pack.schema.topics.is_empty() {
        let names: Vec<&str> = pack.schema.topics.keys().map(String::as_str).collect();
        let _ = writeln!(out, "#   （topic 可用：{}）", names.join("、"));
    }
    out.push_str(
        "#   - title: 问题的标题\n\
         #     topic: office      # 可不填；报告模板据此在该问题下附上相关数字\n\
         #     text: |\n\
         #       正文。段落之间空一行。\n\
         findings: []\n\
         \n# 对策建议，格式同上（title、text）：\n\
         recommendations: []\n\
         \n# 结束语（可不填）：\n\
         closing: ''\n",
    );
}

/// A nested map of the `facts.*` names the pack's templates refer to.
#[derive(Debug, Default)]
struct Facts(IndexMap<String, Facts>);

fn facts_used(pack: &Pack) -> Facts {
    let mut root = Facts::default();
    for (_, text) in &pack.templates {
        let mut rest = text.as_str();
        while let Some(i) = rest.find("facts.") {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + "facts.".len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            let mut node = &mut root;
            for part in rest[..end].split('.').filter(|p| !p.is_empty()) {
                node = node.0.entry(part.to_string()).or_default();
            }
        }
    }
    root
}

fn write_facts(out: &mut String, facts: &Facts, indent: usize) {
    for (k, v) in &facts.0 {
        if v.0.is_empty() {
            // Empty: `check` lists it as left to fill (a 0 would pass for a real figure).
            let _ = writeln!(out, "{}{k}: ~  # 待填写", " ".repeat(indent));
        } else {
            let _ = writeln!(out, "{}{k}:", " ".repeat(indent));
            write_facts(out, v, indent + 2);
        }
    }
}
