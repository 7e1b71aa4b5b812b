//! Figures as one nested JSON object keyed by field path ([`to_json`], a library view;
//! `diaoyan stats --json` prints the templates' context instead, built by the compose
//! stage), and as plain text ([`to_text`], `diaoyan stats`).

use serde_json::{json, Map, Value};

use super::{FieldStats, Figures};

/// Insert `v` at the dotted `path` of `obj`, creating objects on the way.
fn insert_path(obj: &mut Map<String, Value>, path: &str, v: Value) {
    let mut cur = obj;
    let mut segs = path.split('.').peekable();
    while let Some(seg) = segs.next() {
        if segs.peek().is_none() {
            match cur.get_mut(seg) {
                // An object already holds children: merge the aggregates in.
                Some(Value::Object(existing)) => {
                    if let Value::Object(new) = v {
                        existing.extend(new);
                    }
                }
                _ => {
                    cur.insert(seg.to_string(), v);
                }
            }
            return;
        }
        let entry = cur.entry(seg.to_string()).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        let Value::Object(next) = entry else { return };
        cur = next;
    }
}

fn aggregates(f: &FieldStats) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("label".into(), json!(f.label));
    m.insert("unit".into(), json!(f.unit));
    m.insert("sum".into(), json!(f.sum));
    m.insert("mean".into(), json!(f.mean));
    m.insert("median".into(), json!(f.median));
    m.insert("min".into(), json!(f.min));
    m.insert("max".into(), json!(f.max));
    m.insert("std".into(), json!(f.std));
    m.insert("count".into(), json!(f.count));
    // Which units are above zero (for a yes/no field: the yeses).
    m.insert("positive".into(), json!(f.positive));
    if let Some(c) = &f.previous {
        m.insert("previous".into(), json!(c));
    }
    m
}

/// Every computed figure: `fields` (aggregates; a group part also has its `share` of the
/// group's whole), `units` (each value with its `share` of the total and `rank`), `groups`,
/// `standards`, `bands` and `tables`.
pub fn to_json(f: &Figures) -> Value {
    let mut fields = Map::new();
    for (path, st) in &f.fields {
        let mut m = aggregates(st);
        if let Some(part) = f
            .groups
            .values()
            .flat_map(|g| &g.parts)
            .find(|p| &p.path == path)
        {
            m.insert("share".into(), json!(part.share));
        }
        insert_path(&mut fields, path, Value::Object(m));
    }
    let mut units = Map::new();
    for u in &f.units {
        let mut m = Map::new();
        m.insert("short".into(), json!(u.short));
        for (path, v) in &u.values {
            let mut cell = Map::new();
            cell.insert("value".into(), json!(v));
            cell.insert("share".into(), json!(u.shares.get(path).copied().flatten()));
            cell.insert("rank".into(), json!(u.ranks.get(path)));
            if let Some(p) = u.previous.get(path) {
                cell.insert("previous".into(), json!(p));
                cell.insert(
                    "growth".into(),
                    json!(u.growth.get(path).copied().flatten()),
                );
            }
            insert_path(&mut m, path, Value::Object(cell));
        }
        for (b, v) in &u.bands {
            insert_path(&mut m, &format!("bands.{b}"), json!(v));
        }
        units.insert(u.name.clone(), Value::Object(m));
    }
    let mut tables = Map::new();
    for (name, t) in &f.tables {
        let mut m = Map::new();
        m.insert("label".into(), json!(t.label));
        m.insert("rows".into(), json!(t.rows));
        for (col, st) in &t.columns {
            m.insert(col.clone(), Value::Object(aggregates(st)));
        }
        tables.insert(name.clone(), Value::Object(m));
    }
    json!({
        "unit_count": f.unit_count,
        "previous_period": f.previous_period,
        "fields": fields,
        "units": units,
        "groups": f.groups,
        "standards": f.standards,
        "bands": f.bands,
        "tables": tables,
    })
}

/// Figures as aligned plain text, one field a line.
pub fn to_text(f: &Figures) -> String {
    use crate::number::fixed;
    let mut out = format!("单位数：{}\n", f.unit_count);
    out.push_str("字段\t合计\t平均\t中位数\t最小\t最大\t标准差\t个数\n");
    for (path, s) in &f.fields {
        out.push_str(&format!(
            "{}（{}）\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            s.label,
            path,
            fixed(Some(s.sum), 2),
            fixed(s.mean, 2),
            fixed(s.median, 2),
            fixed(s.min, 2),
            fixed(s.max, 2),
            fixed(s.std, 2),
            s.count
        ));
    }
    for g in f.groups.values() {
        let parts: Vec<String> = g
            .parts
            .iter()
            .map(|p| {
                format!(
                    "{} {}%",
                    p.label,
                    p.pct1.map_or("—".into(), |x| format!("{x:.1}"))
                )
            })
            .collect();
        out.push_str(&format!("{}构成：{}\n", g.label, parts.join("，")));
    }
    for s in f.standards.values() {
        out.push_str(&format!(
            "{}（{}）：达标 {} 个（{}）\n",
            s.label,
            fixed(Some(s.value), 0),
            s.met.count,
            s.met.shorts.join("、")
        ));
    }
    for (name, t) in &f.tables {
        for (col, s) in &t.columns {
            out.push_str(&format!(
                "{}.{}（{}）：合计 {}，平均 {}\n",
                name,
                col,
                s.label,
                fixed(Some(s.sum), 2),
                fixed(s.mean, 2)
            ));
        }
    }
    out
}
