//! `table(...)`: a fully resolved table directive from a dataset and a column list.

use indexmap::IndexMap;
use serde::Deserialize;

use crate::doc::{Align, Table, TableCell, TableRules};
use crate::number::{fixed, NO_VALUE};
use crate::stats::Figures;
use crate::survey::schema::{FieldDef, Kind};
use crate::survey::{Cell, Schema};

/// The arguments a template passes to `table()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableArgs {
    /// `units` (default) or the name of another table of the data file.
    #[serde(default = "units")]
    pub rows: String,
    /// Field paths (or other-table columns) shown, one column each; a group name expands
    /// to its parts under a two-level header.
    pub columns: Vec<String>,
    /// Caption text; numbered 表N by the parser.
    #[serde(default)]
    pub caption: Option<String>,
    /// An id for cross-references (`[@id]`).
    #[serde(default)]
    pub id: Option<String>,
    /// Add a 合计 row.
    #[serde(default)]
    pub total: bool,
    /// Add a 平均 row.
    #[serde(default)]
    pub average: bool,
    /// Decimals of the 平均 row.
    #[serde(default)]
    pub average_decimals: usize,
    /// `单位：…` above the table; defaults to the columns' shared unit.
    #[serde(default)]
    pub unit_note: Option<String>,
    /// `资料来源：…` printed below the table.
    #[serde(default)]
    pub source: Option<String>,
    /// Refused when given: a report has one table style, the pack's `style.table_rules`
    /// (a per-table override would bring back reports with mixed styles). Accepted as
    /// any value only to say so in Chinese rather than "unknown argument".
    #[serde(default)]
    pub rules: Option<serde_json::Value>,
    /// For other tables: merge equal consecutive values of this column.
    #[serde(default)]
    pub group_by: Option<String>,
    /// `"previous"`: 同比 columns for each field (上年, 本年, 增减, and 增长率 for a
    /// summed field) under the field's header; units' rows only, and only when the data
    /// has a previous period.
    #[serde(default)]
    pub compare: Option<String>,
}

fn units() -> String {
    "units".to_string()
}

/// The Document's ruling for the pack's `style.table_rules`.
pub(super) fn rules(r: crate::survey::style::TableRules) -> TableRules {
    match r {
        crate::survey::style::TableRules::Grid => TableRules::Grid,
        crate::survey::style::TableRules::ThreeLine => TableRules::ThreeLine,
    }
}

/// Resolve `args` against the schema and figures into a [`Table`], or say what is wrong.
///
/// Every number of a column shows the same decimals (body, 合计 and 平均 rows: the most
/// any of them needs, see `column_decimals`) and is right-aligned, so the decimal points
/// line up; a missing value is a centred "—". The table is ruled as the pack's
/// `style.table_rules` says; `rules=` is an error (one table style per report).
pub fn build(args: &TableArgs, schema: &Schema, figures: &Figures) -> Result<Table, String> {
    // group_by names one of the table's columns (attacker finding F11, issue 18: an
    // unknown one printed the table ungrouped without a word).
    if let Some(g) = &args.group_by {
        if !args.columns.contains(g) {
            return Err(format!(
                "table(): group_by 的列 {g} 不在 columns 中（可用：{}）",
                args.columns.join("、")
            ));
        }
    }
    if args.rules.is_some() {
        return Err(format!(
            "table() 不能按表设置 rules：一份报告的表格统一用一种样式，请在模板包 template.yaml 的 style.table_rules 中设置（grid 或 three-line，当前为 {}）",
            schema.style.table_rules.name()
        ));
    }
    let mut table = if let Some(compare) = &args.compare {
        if compare != "previous" {
            return Err(format!(
                "table(): compare 只能是 \"previous\"（与上一期比较），实际为 \"{compare}\""
            ));
        }
        if args.rows != "units" {
            return Err(format!(
                "table(): compare=\"previous\" 只用于各{}的表（rows=\"units\"），不用于表 {}",
                schema.unit_label, args.rows
            ));
        }
        build_compare(args, schema, figures)
    } else if args.rows == "units" {
        build_units(args, schema, figures)
    } else {
        build_other(args, schema, figures)
    }?;
    table.rules = rules(schema.style.table_rules);
    Ok(table)
}

/// The decimals every number of a column shows: the most its body needs (`body`, see
/// [`decimals`]) or, with a 平均 row, `average_decimals` if more — one count for the whole
/// column, so 43.3 and 5.0 line up and a 平均 row never shows more decimals than the rows.
fn column_decimals(body: usize, average: bool, average_decimals: usize) -> usize {
    if average {
        body.max(average_decimals)
    } else {
        body
    }
}

/// A `bands.NAME` column: the band table's label as a text column's definition.
fn band_column(schema: &Schema, col: &str) -> Option<FieldDef> {
    let b = schema.bands.get(col.strip_prefix("bands.")?)?;
    Some(FieldDef {
        label: b.label.clone(),
        short: None,
        unit: None,
        kind: Kind::Text,
        required: false,
        min: None,
        max: None,
        aggregate: None,
    })
}

/// The cell of a 合计 (`average` false) or 平均 row for column `col`, by the field's
/// aggregate rule: 合计 prints the figure (`value`: the sum, or the ratio of sums) of sum
/// and ratio fields; 平均 the mean of sum and mean fields and the ratio of sums of ratio
/// fields (never an unweighted mean of ratios); anything else "—" (a text column: empty).
fn footer_cell(figures: &Figures, col: &str, average: bool, dec: usize) -> TableCell {
    use crate::survey::schema::AggregateKind as A;
    let Some(f) = figures.fields.get(col) else {
        return TableCell::new("", Align::Center);
    };
    let x = match (f.aggregate, average) {
        (A::Sum | A::Ratio, false) => f.value,
        (A::Sum | A::Mean, true) => f.mean,
        (A::Ratio, true) => f.value,
        _ => None,
    };
    num_cell(x, dec)
}

fn build_units(args: &TableArgs, schema: &Schema, figures: &Figures) -> Result<Table, String> {
    let all = schema.all_fields();
    let owned: Vec<FieldDef> = args
        .columns
        .iter()
        .map(|c| {
            all.get(c)
                .cloned()
                .or_else(|| band_column(schema, c))
                .ok_or_else(|| format!("table(): 未知字段 {c}"))
        })
        .collect::<Result<_, _>>()?;
    let defs: Vec<&FieldDef> = owned.iter().collect();
    let note = unit_note(args, &defs);
    // Which schema group each column's header sits under.
    let group_of: Vec<Option<&str>> = (0..args.columns.len())
        .map(|i| {
            let col = &args.columns[i];
            schema.groups.values().find_map(|g| {
                let is_part = g.parts.contains(col);
                // A total heads its group only when it totals no other group (办公用房总面积
                // does; 工作人员总数, the total of 学历, 年龄 and 性别, stands alone).
                let sole_total = schema
                    .groups
                    .values()
                    .filter(|h| h.total.as_deref() == Some(col.as_str()))
                    .count()
                    == 1;
                let leads = sole_total
                    && g.total.as_deref() == Some(col.as_str())
                    && args.columns.get(i + 1).is_some_and(|n| g.parts.contains(n));
                (is_part || leads).then_some(g.label.as_str())
            })
        })
        .collect();
    let two_level = group_of.iter().any(Option::is_some);
    let header_text = |d: &FieldDef| {
        if note.is_some() {
            d.label.clone()
        } else {
            d.label_with_unit()
        }
    };
    let mut head: Vec<Vec<TableCell>> = vec![Vec::new()];
    let depth = if two_level { 2 } else { 1 };
    let mut first = TableCell::new(schema.unit_label.clone(), Align::Center);
    first.rowspan = depth;
    head[0].push(first);
    if two_level {
        head.push(Vec::new());
    }
    let mut i = 0;
    while i < args.columns.len() {
        match group_of[i] {
            Some(g) if two_level => {
                let run = group_of[i..].iter().take_while(|x| **x == Some(g)).count();
                let mut top = TableCell::new(g, Align::Center);
                top.colspan = run as u16;
                head[0].push(top);
                for d in &defs[i..i + run] {
                    let t = if note.is_some() {
                        d.column_label().to_string()
                    } else {
                        format!(
                            "{}（{}）",
                            d.column_label(),
                            d.unit.as_deref().unwrap_or("")
                        )
                    };
                    head[1].push(TableCell::new(t, Align::Center));
                }
                i += run;
            }
            _ => {
                let mut c = TableCell::new(header_text(defs[i]), Align::Center);
                c.rowspan = depth;
                head[0].push(c);
                i += 1;
            }
        }
    }
    let decs: Vec<usize> = args
        .columns
        .iter()
        .zip(&defs)
        .map(|(c, d)| {
            decimals(
                d,
                figures
                    .units
                    .iter()
                    .filter_map(|u| u.values.get(c).copied()),
            )
        })
        .map(|d| column_decimals(d, args.average, args.average_decimals))
        .collect();
    let body = figures
        .units
        .iter()
        .map(|u| {
            let mut row = vec![TableCell::new(u.name.clone(), Align::Left)];
            for (c, dec) in args.columns.iter().zip(&decs) {
                match c.strip_prefix("bands.").filter(|_| !all.contains_key(c)) {
                    Some(b) => row.push(match u.classes.get(b) {
                        Some(label) => TableCell::new(label.clone(), Align::Left),
                        None => TableCell::new(NO_VALUE, Align::Center),
                    }),
                    None => row.push(num_cell(u.values.get(c).copied(), *dec)),
                }
            }
            row
        })
        .collect();
    let mut foot = Vec::new();
    if args.total {
        let mut row = vec![label_cell("合计")];
        for (c, dec) in args.columns.iter().zip(&decs) {
            row.push(footer_cell(figures, c, false, *dec));
        }
        foot.push(row);
    }
    if args.average {
        let mut row = vec![label_cell("平均")];
        for (c, dec) in args.columns.iter().zip(&decs) {
            row.push(footer_cell(figures, c, true, *dec));
        }
        foot.push(row);
    }
    Ok(finish(
        args,
        note,
        args.columns.len() as u16 + 1,
        head,
        body,
        foot,
    ))
}

/// `table(compare="previous")`: per field column, 上年, 本年, 增减 and (for a field the
/// survey sums: every data field, not a derived one) 增长率 under the field's header; one
/// row per unit of this period (上年 "—" for a unit new this period, matched by id or name
/// as [`crate::survey::match_units`] does); with `total`, a 合计 row of the whole
/// periods' figures (the previous period's over all its units, gone ones included), "—"
/// for a derived field; with `average`, a 平均 row of both periods' means.
fn build_compare(args: &TableArgs, schema: &Schema, figures: &Figures) -> Result<Table, String> {
    if figures.previous.is_none() {
        return Err(
            "table(compare=\"previous\")：数据文件没有上一期数据（previous），无法比较；请在模板中用 {% if previous %} 判断"
                .to_string(),
        );
    }
    let all = schema.all_fields();
    let defs: Vec<&FieldDef> = args
        .columns
        .iter()
        .map(|c| all.get(c).ok_or_else(|| format!("table(): 未知字段 {c}")))
        .collect::<Result<_, _>>()?;
    let note = unit_note(args, &defs);
    let summed: Vec<bool> = args
        .columns
        .iter()
        .map(|c| schema.fields.contains_key(c))
        .collect();
    let mut head = vec![Vec::new(), Vec::new()];
    let mut first = TableCell::new(schema.unit_label.clone(), Align::Center);
    first.rowspan = 2;
    head[0].push(first);
    for (d, sum) in defs.iter().zip(&summed) {
        let text = if note.is_some() {
            d.label.clone()
        } else {
            d.label_with_unit()
        };
        let mut top = TableCell::new(text, Align::Center);
        let subs: &[&str] = if *sum {
            &["上年", "本年", "增减", "增长率"]
        } else {
            &["上年", "本年", "增减"]
        };
        top.colspan = subs.len() as u16;
        head[0].push(top);
        for sub in subs {
            head[1].push(TableCell::new(*sub, Align::Center));
        }
    }
    // One count of decimals per field, for both years and the change.
    let decs: Vec<usize> = args
        .columns
        .iter()
        .zip(&defs)
        .map(|(c, d)| {
            let vals = figures
                .units
                .iter()
                .flat_map(|u| [u.values.get(c), u.previous.get(c)])
                .flatten()
                .copied();
            column_decimals(decimals(d, vals), args.average, args.average_decimals)
        })
        .collect();
    let cells = |prev: Option<f64>, now: Option<f64>, dec: usize, sum: bool| {
        let change = prev.zip(now).map(|(p, n)| n - p);
        let mut out = vec![
            num_cell(prev, dec),
            num_cell(now, dec),
            num_cell(change, dec),
        ];
        if sum {
            let rate = change
                .zip(prev)
                .and_then(|(c, p)| crate::stats::ratio(c, p));
            out.push(match rate {
                Some(r) => TableCell::new(crate::number::percent(Some(r), 1), Align::Right),
                None => TableCell::new(NO_VALUE, Align::Center),
            });
        }
        out
    };
    let body = figures
        .units
        .iter()
        .map(|u| {
            let mut row = vec![TableCell::new(u.name.clone(), Align::Left)];
            for ((c, dec), sum) in args.columns.iter().zip(&decs).zip(&summed) {
                row.extend(cells(
                    u.previous.get(c).copied(),
                    u.values.get(c).copied(),
                    *dec,
                    *sum,
                ));
            }
            row
        })
        .collect();
    let mut foot = Vec::new();
    if args.total {
        let mut row = vec![label_cell("合计")];
        for ((c, dec), sum) in args.columns.iter().zip(&decs).zip(&summed) {
            let f = figures.fields.get(c);
            let (prev, now) = if *sum {
                (
                    f.and_then(|f| f.previous.as_ref()).and_then(|p| p.value),
                    f.filter(|f| f.count > 0).map(|f| f.sum),
                )
            } else {
                (None, None)
            };
            row.extend(cells(prev, now, *dec, *sum));
        }
        foot.push(row);
    }
    if args.average {
        let mut row = vec![label_cell("平均")];
        for ((c, dec), sum) in args.columns.iter().zip(&decs).zip(&summed) {
            let f = figures.fields.get(c);
            let prev = f.and_then(|f| f.previous.as_ref()).and_then(|p| p.mean);
            row.extend(cells(prev, f.and_then(|f| f.mean), *dec, *sum));
        }
        foot.push(row);
    }
    let columns = 1 + summed.iter().map(|s| if *s { 4 } else { 3 }).sum::<u16>();
    Ok(finish(args, note, columns, head, body, foot))
}

fn build_other(args: &TableArgs, schema: &Schema, figures: &Figures) -> Result<Table, String> {
    let tdef = schema
        .tables
        .get(&args.rows)
        .ok_or_else(|| format!("table(): 未知的数据集 {}", args.rows))?;
    let stats = figures
        .tables
        .get(&args.rows)
        .ok_or_else(|| format!("table(): 数据文件中没有表 {}", args.rows))?;
    let defs: Vec<&FieldDef> = args
        .columns
        .iter()
        .map(|c| {
            tdef.columns
                .get(c)
                .ok_or_else(|| format!("table(): 表 {} 没有列 {c}", args.rows))
        })
        .collect::<Result<_, _>>()?;
    let note = unit_note(args, &defs);
    let head = vec![defs
        .iter()
        .map(|d| {
            let t = if note.is_some() {
                d.label.clone()
            } else {
                d.label_with_unit()
            };
            TableCell::new(t, Align::Center)
        })
        .collect::<Vec<_>>()];
    let decs: Vec<usize> = args
        .columns
        .iter()
        .zip(&defs)
        .map(|(c, d)| {
            let vals = stats.rows.iter().filter_map(|r| match r.get(c) {
                Some(Cell::Number(x)) => Some(*x),
                _ => None,
            });
            column_decimals(decimals(d, vals), args.average, args.average_decimals)
        })
        .collect();
    let group_col = args
        .group_by
        .as_ref()
        .and_then(|g| args.columns.iter().position(|c| c == g));
    let mut body: Vec<Vec<TableCell>> = Vec::new();
    let mut group_start: Option<(usize, String)> = None;
    for row in &stats.rows {
        let mut cells: Vec<TableCell> = Vec::new();
        for (ci, (c, d)) in args.columns.iter().zip(&defs).enumerate() {
            let cell = row.get(c).cloned().unwrap_or(Cell::Empty);
            let tc = match (&cell, d.kind) {
                (Cell::Number(x), _) => num_cell(Some(*x), decs[ci]),
                (Cell::Text(t), _) => TableCell::new(t.clone(), Align::Left),
                (Cell::Empty, Kind::Text) => {
                    // An empty text cell widens the text cell before it.
                    if let Some(prev) = cells.last_mut() {
                        if prev.align == Align::Left && ci > 0 {
                            prev.colspan += 1;
                            continue;
                        }
                    }
                    TableCell::new("", Align::Left)
                }
                (Cell::Empty, _) => TableCell::new(NO_VALUE, Align::Center),
            };
            cells.push(tc);
        }
        if let Some(gc) = group_col {
            let key = match row.get(&args.columns[gc]) {
                Some(Cell::Text(t)) => t.clone(),
                _ => String::new(),
            };
            let continues = matches!(&group_start, Some((_, k)) if *k == key && !key.is_empty())
                && cells.first().is_some_and(|c| c.colspan == 1);
            if continues {
                if let Some((start, _)) = &group_start {
                    body[*start][0].rowspan += 1;
                }
                cells.remove(0);
            } else {
                group_start = Some((body.len(), key));
            }
        }
        body.push(cells);
    }
    let text_cols = defs
        .iter()
        .take_while(|d| d.kind == Kind::Text)
        .count()
        .max(1);
    let mut foot = Vec::new();
    if args.total || args.average {
        for (flag, label) in [(args.total, "合计"), (args.average, "平均")] {
            if !flag {
                continue;
            }
            let mut lc = label_cell(label);
            lc.colspan = text_cols as u16;
            let mut row = vec![lc];
            for (ci, c) in args.columns.iter().enumerate().skip(text_cols) {
                let st = stats.columns.get(c);
                let v = if label == "合计" {
                    st.map(|s| s.sum)
                } else {
                    st.and_then(|s| s.mean)
                };
                row.push(num_cell(v, decs[ci]));
            }
            foot.push(row);
        }
    }
    Ok(finish(
        args,
        note,
        args.columns.len() as u16,
        head,
        body,
        foot,
    ))
}

fn finish(
    args: &TableArgs,
    unit_note: Option<String>,
    columns: u16,
    head: Vec<Vec<TableCell>>,
    body: Vec<Vec<TableCell>>,
    foot: Vec<Vec<TableCell>>,
) -> Table {
    let mut t = Table {
        caption: args.caption.clone(),
        id: args.id.clone(),
        number: None,
        rules: crate::doc::TableRules::default(),
        unit_note,
        source_note: args.source.clone(),
        columns,
        widths: Vec::new(),
        head,
        body,
        foot,
    };
    t.widths = content_widths(&t);
    t
}

/// `单位：人` when every numeric column shares one unit (or as the template says).
fn unit_note(args: &TableArgs, defs: &[&FieldDef]) -> Option<String> {
    if let Some(n) = &args.unit_note {
        return (!n.is_empty()).then(|| n.clone());
    }
    let mut units: IndexMap<&str, ()> = IndexMap::new();
    for d in defs.iter().filter(|d| d.kind != Kind::Text) {
        units.insert(d.unit.as_deref().unwrap_or(""), ());
    }
    match units.keys().collect::<Vec<_>>().as_slice() {
        [u] if !u.is_empty() => Some(format!("单位：{u}")),
        _ => None,
    }
}

/// Decimals a column shows: 0 for counts; for decimal fields as many as the data needs
/// (at most 2), the same for every row.
fn decimals(d: &FieldDef, values: impl Iterator<Item = f64>) -> usize {
    match d.kind {
        Kind::Decimal => values
            .map(|x| {
                (0..2)
                    .find(|k| ((x * 10f64.powi(*k)).fract()).abs() < 1e-9)
                    .unwrap_or(2) as usize
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

fn num_cell(x: Option<f64>, decimals: usize) -> TableCell {
    match x {
        Some(_) => TableCell::new(fixed(x, decimals), Align::Right),
        None => TableCell::new(NO_VALUE, Align::Center),
    }
}

fn label_cell(text: &str) -> TableCell {
    let mut c = TableCell::new(text, Align::Center);
    c.bold = true;
    c
}

/// Relative column widths from content: the widest single-column cell, in half-em units
/// (a wide character, East Asian Width W or F by `unicode-width` ([`crate::chars::is_wide`]),
/// counts 2; others, the ambiguous —, “” and … included, count 1), at least 4 and at most
/// 20 CJK characters: a longer cell wraps rather than squeezing the other columns to nothing.
/// These are proportions only; the backends measure the text they set.
fn content_widths(t: &Table) -> Vec<f32> {
    /// 20 CJK characters.
    const MAX_WIDTH: f32 = 42.0;
    let mut w = vec![4f32; t.columns as usize];
    for rows in [&t.head, &t.body, &t.foot] {
        for row in t.place(rows) {
            for (col, cell) in row {
                if cell.colspan == 1 {
                    let width: f32 = cell
                        .text()
                        .chars()
                        .map(|c| if crate::chars::is_wide(c) { 2.0 } else { 1.0 })
                        .sum();
                    w[col] = w[col].max((width + 2.0).min(MAX_WIDTH));
                }
            }
        }
    }
    w
}
