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
    rest_with_facts(out, pack, &IndexMap::new());
}

/// [`rest`] with the facts already known: `facts` maps a dotted path to the YAML scalar
/// text to write (as [`facts_section`]'s `values`); the other slots are left to fill.
pub fn rest_with_facts(out: &mut String, pack: &Pack, facts: &IndexMap<String, String>) {
    let slots = fact_slots(pack);
    out.push('\n');
    if !slots.is_empty() {
        out.push_str("# 报告模板用到的其他数字（不属于任何单位），请按实际填写：\n");
    }
    out.push_str(&facts_section(&slots, facts, None));
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

/// One figure of a data file's `facts:` the writer must give: the pack's declared facts
/// (`facts:` in `template.yaml`, in their order), then any other `facts.*` name its
/// templates use (labelled by its path).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FactSlot {
    /// Dotted path under `facts:` (`funding.office`).
    pub path: String,
    /// What it is, for the writer (the declared label, else the path).
    pub label: String,
    /// Its unit (元), if declared.
    pub unit: Option<String>,
}

/// The facts a data file of `pack` needs ([`FactSlot`]), declared ones first.
pub fn fact_slots(pack: &Pack) -> Vec<FactSlot> {
    let mut out: Vec<FactSlot> = pack
        .schema
        .facts
        .iter()
        .map(|(path, d)| FactSlot {
            path: path.clone(),
            label: d.label.clone(),
            unit: d.unit.clone(),
        })
        .collect();
    for path in facts_used(pack) {
        // A used name that is a prefix of declared ones (`funding` of `funding.office`)
        // is a map, not a figure.
        let prefix = format!("{path}.");
        if out
            .iter()
            .any(|s| s.path == path || s.path.starts_with(&prefix))
        {
            continue;
        }
        out.push(FactSlot {
            label: path.clone(),
            path,
            unit: None,
        });
    }
    out
}

/// The dotted `facts.*` names the pack's templates refer to, in the order they appear;
/// a name that only prefixes a longer one (`funding` of `funding.office`) is left out.
fn facts_used(pack: &Pack) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
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
            let name = rest[..end]
                .split('.')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(".");
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let all = names.clone();
    names.retain(|n| {
        let prefix = format!("{n}.");
        !all.iter().any(|m| m.starts_with(&prefix))
    });
    names
}

/// The `facts:` section of a data file (ending in a newline): every slot in `slots`
/// with its label as a comment and its value from `values` (dotted path → the YAML
/// scalar text to write, e.g. `15000`; a slot without one is `~  # …待填写`, which `check`
/// reports as left to fill), then every other fact `existing` (a data file's current
/// `facts:` mapping) holds, kept as it was. `values` for paths that are not slots are
/// written as well (after the slots). A path that is a prefix of another is written as
/// the map.
pub fn facts_section(
    slots: &[FactSlot],
    values: &IndexMap<String, String>,
    existing: Option<&serde_yaml::Value>,
) -> String {
    let mut leaves: Vec<(FactSlot, Option<String>)> = slots
        .iter()
        .map(|s| (s.clone(), values.get(&s.path).cloned()))
        .collect();
    let known = |leaves: &[(FactSlot, Option<String>)], p: &str| {
        leaves.iter().any(|(s, _)| {
            s.path == p
                || s.path.starts_with(&format!("{p}."))
                || p.starts_with(&format!("{}.", s.path))
        })
    };
    for (path, v) in values {
        if !known(&leaves, path) {
            leaves.push((plain_slot(path), Some(v.clone())));
        }
    }
    let mut others = Vec::new();
    if let Some(v) = existing {
        flatten_yaml("", v, &mut others);
    }
    for (path, text) in others {
        if !known(&leaves, &path) {
            leaves.push((plain_slot(&path), Some(text)));
        }
    }
    if leaves.is_empty() {
        return "facts: {}\n".into();
    }
    let mut out = String::from("facts:\n");
    write_facts(&mut out, &facts_tree(&leaves), 2);
    out
}

fn plain_slot(path: &str) -> FactSlot {
    FactSlot {
        path: path.to_string(),
        label: path.to_string(),
        unit: None,
    }
}

/// The leaves of a YAML mapping as (dotted path, scalar text); a sequence or other
/// non-mapping value is one leaf written in YAML's flow style.
fn flatten_yaml(prefix: &str, v: &serde_yaml::Value, out: &mut Vec<(String, String)>) {
    use serde_yaml::Value;
    match v {
        Value::Mapping(m) if !m.is_empty() || prefix.is_empty() => {
            for (k, v) in m {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .map(|t| t.trim_end().to_string())
                        .unwrap_or_default(),
                };
                let path = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_yaml(&path, v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), "~".into())),
        Value::String(s) => out.push((prefix.to_string(), super::emit::scalar(s))),
        other => {
            let text = serde_json::to_string(other)
                .ok()
                .filter(|_| !matches!(other, Value::Tagged(_)))
                .or_else(|| {
                    serde_yaml::to_string(other)
                        .ok()
                        .map(|t| t.trim_end().to_string())
                })
                .unwrap_or_default();
            out.push((prefix.to_string(), text));
        }
    }
}

/// A nested map of fact paths, each leaf with its slot and value, in first-seen order.
#[derive(Debug, Default)]
struct Facts(IndexMap<String, (Option<FactLeaf>, Facts)>);

/// A fact slot with the value text to write, if any.
type FactLeaf = (FactSlot, Option<String>);

fn facts_tree(leaves: &[(FactSlot, Option<String>)]) -> Facts {
    let mut root = Facts::default();
    for (slot, value) in leaves {
        let mut node = &mut root;
        let parts: Vec<&str> = slot.path.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let entry = node.0.entry(part.to_string()).or_default();
            if i + 1 == parts.len() {
                entry.0 = Some((slot.clone(), value.clone()));
            }
            node = &mut entry.1;
        }
    }
    root
}

fn write_facts(out: &mut String, facts: &Facts, indent: usize) {
    let pad = " ".repeat(indent);
    for (k, (leaf, children)) in &facts.0 {
        let key = super::emit::scalar(k);
        if !children.0.is_empty() {
            let _ = writeln!(out, "{pad}{key}:");
            write_facts(out, children, indent + 2);
            continue;
        }
        let (slot, value) = match leaf {
            Some((s, v)) => (
                Some(s),
                v.as_deref().filter(|v| !v.trim().is_empty() && *v != "~"),
            ),
            None => (None, None),
        };
        let what = slot.filter(|s| s.label != s.path).map(|s| match &s.unit {
            Some(u) => format!("{}（{u}）", s.label),
            None => s.label.clone(),
        });
        match (value, what) {
            (Some(v), Some(w)) => {
                let _ = writeln!(out, "{pad}{key}: {v}  # {w}");
            }
            (Some(v), None) => {
                let _ = writeln!(out, "{pad}{key}: {v}");
            }
            // Empty: `check` lists it as left to fill (a 0 would pass for a real figure).
            (None, Some(w)) => {
                let _ = writeln!(out, "{pad}{key}: ~  # {w}，待填写");
            }
            (None, None) => {
                let _ = writeln!(out, "{pad}{key}: ~  # 待填写");
            }
        }
    }
}
