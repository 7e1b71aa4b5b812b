//! `diaoyan import`: units from a spreadsheet become a data file. Every worksheet with a
//! unit-name column contributes the fields it has (one sheet per table, as offices keep
//! them, or everything on one sheet); a sheet named after a schema table fills that table;
//! a 报告信息 sheet fills the report metadata. Every problem is listed with its cell address.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use indexmap::IndexMap;

use super::cells::{cell_number, parse_number};
use super::header::{fold, Matcher, Target};
use super::{address, Sheet, Value};
use crate::error::{Diagnostic, Error, Result};
use crate::excerpt::quote;
use crate::survey::emit::{self, UnitRow};
use crate::survey::schema::{FieldDef, Kind, Schema, TableDef};
use crate::survey::{Cell, Pack, ReportMeta};

/// What a spreadsheet held.
#[derive(Debug, Default)]
pub struct Imported {
    /// The units, one per data row of the units sheet, in sheet order.
    pub units: Vec<UnitRow>,
    /// The pack's other tables found in the workbook: table name → rows, each a column
    /// key → cell (in the pack's column order).
    pub tables: IndexMap<String, Vec<IndexMap<String, Cell>>>,
    /// The report items of the [`super::REPORT_SHEET`] sheet, if the workbook has one with
    /// any item filled.
    pub report: Option<ReportMeta>,
    /// The facts the [`super::REPORT_SHEET`] sheet gives: dotted path under `facts:`
    /// (`funding.office`) → number, in the pack's slot order; a blank fact cell is not
    /// given.
    pub facts: IndexMap<String, f64>,
    /// Things passed over that the user should know about (unmatched columns, 合计 rows …).
    pub notes: Vec<String>,
    /// Where each unit's row is: `工作表“数据”第 7 行`.
    pub rows: IndexMap<String, String>,
}

/// The rows that are totals, not units.
const TOTAL_ROWS: &[&str] = &["合计", "总计", "小计", "平均", "平均值", "总数"];

/// Read the sheets of `path` against `pack`.
pub fn import(path: &Path, sheets: &[Sheet], pack: &Pack) -> Result<Imported> {
    let schema = &pack.schema;
    let mut st = State {
        path,
        schema,
        out: Imported::default(),
        problems: Vec::new(),
        index: HashMap::new(),
        sources: HashMap::new(),
        sheets: Vec::new(),
        max_units: crate::limits::current().units,
        too_many: None,
        refused: Default::default(),
    };
    for sheet in sheets {
        if sheet.rows.iter().all(|r| r.iter().all(Value::is_empty)) {
            continue;
        }
        let folded = fold(&sheet.name);
        if folded == fold(super::STATS_SHEET) || folded == fold("说明") {
            // Computed figures and instructions, written by `export`: nothing to read.
            continue;
        }
        if folded == fold(super::REPORT_SHEET) {
            st.report_sheet(sheet, pack);
        } else if let Some((key, def)) = schema
            .tables
            .iter()
            .find(|(k, d)| fold(k) == folded || fold(&d.label) == folded)
        {
            st.table_sheet(sheet, key, def);
        } else {
            st.unit_sheet(sheet);
        }
        if let Some(d) = st.too_many.take() {
            // Nothing more is read: the rest would only build what is refused.
            return Err(Error::input(d));
        }
    }
    st.missing();
    if st.problems.is_empty() {
        Ok(st.out)
    } else {
        Err(Error::Input(st.problems))
    }
}

struct State<'a> {
    path: &'a Path,
    schema: &'a Schema,
    out: Imported,
    problems: Vec<Diagnostic>,
    /// Each unit's position in `out.units`, by name: a row finds its unit in constant time
    /// (a linear search made import quadratic in rows — 100,000 rows took 44 s).
    index: HashMap<String, usize>,
    /// For each (unit position, field position in the schema): the cell it came from, to
    /// catch the same value twice. Kept as numbers (sheet position in `sheets`, row,
    /// column), not as text: it holds an entry per imported value.
    sources: HashMap<(usize, usize), (usize, usize, usize)>,
    /// The name and hidden flag of each unit sheet read so far, for `sources`.
    sheets: Vec<(String, bool)>,
    /// Most distinct units (the `units` limit, `DIAOYAN_MAX_UNITS`): checked as the rows
    /// are read, before any data file text is built.
    max_units: u64,
    /// The refusal of the first unit over `max_units`, which stops the import.
    too_many: Option<Diagnostic>,
    /// (unit position, field position) of each value whose cell was refused (text in a
    /// number cell …): the unit is not told again that it lacks the value.
    refused: std::collections::HashSet<(usize, usize)>,
}

/// A cell's place for messages: `工作表“数据”B7`, or `隐藏的工作表“旧数据”B7`.
fn at(sheet: &Sheet, row: usize, col: usize) -> String {
    place(&sheet.name, sheet.hidden, row, col)
}

/// [`at`] from a sheet's name and hidden flag.
fn place(name: &str, hidden: bool, row: usize, col: usize) -> String {
    let hidden = if hidden { "隐藏的" } else { "" };
    format!("{hidden}工作表“{}”{}", quote(name), address(row, col))
}

impl State<'_> {
    fn problem(&mut self, unit: Option<&str>, msg: String) {
        let mut d = Diagnostic::new(self.path, msg);
        if let Some(u) = unit {
            d = d.unit(u);
        }
        crate::error::push_capped(&mut self.problems, d);
    }

    fn unit_sheet(&mut self, sheet: &Sheet) {
        let matcher = Matcher::new(self.schema);
        let Some(h) = sheet.first_row() else {
            return;
        };
        let width = sheet.width();
        let name_col = (0..width)
            .find(|&c| matcher.resolve(None, &sheet.get(h, c).text()) == Ok(Target::Name));
        let Some(name_col) = name_col else {
            self.out.notes.push(format!(
                "工作表“{}”：第 {} 行没有“{}”（名称）列，整张表已跳过",
                quote(&sheet.name),
                h + 1,
                self.schema.unit_label
            ));
            return;
        };
        // A second header row: no name under the name header, and text (not numbers).
        let next = h + 1;
        let two_rows = next < sheet.rows.len()
            && {
                let n = sheet.get(next, name_col);
                n.is_empty() || n == sheet.get(h, name_col)
            }
            && (0..width).any(|c| {
                c != name_col && matches!(sheet.get(next, c), Value::Text(t) if parse_number(t).is_none() && !t.trim().is_empty())
            });
        let mut columns: Vec<(usize, Target)> = Vec::new();
        let mut carried = String::new();
        for c in 0..width {
            let top = sheet.get(h, c).text();
            let bottom = if two_rows {
                sheet.get(next, c).text()
            } else {
                String::new()
            };
            if !top.is_empty() {
                carried = top.clone();
            }
            // A group header spans its parts: empty cells to its right carry it.
            let top = if top.is_empty() && !bottom.is_empty() {
                carried.clone()
            } else {
                top
            };
            let resolved = match (top.is_empty(), bottom.is_empty() || bottom == top) {
                (true, true) => continue,
                (false, true) => matcher.resolve(None, &top),
                (true, false) => matcher.resolve(None, &bottom),
                (false, false) => matcher.resolve(Some(&top), &bottom),
            };
            let shown = if bottom.is_empty() || bottom == top {
                top.clone()
            } else {
                format!("{top} / {bottom}")
            };
            match resolved {
                Ok(Target::Skip) => {}
                Ok(t) => {
                    if let Some((c0, _)) = columns.iter().find(|(_, t0)| *t0 == t) {
                        let msg = format!(
                            "{}列“{}”与 {} 列指同一项，请删去其中一列",
                            at(sheet, h, c),
                            quote(&shown),
                            address(h, *c0)
                        );
                        self.problem(None, msg);
                        continue;
                    }
                    columns.push((c, t));
                }
                Err(why) => {
                    let msg = format!("{}：列“{}”未导入（{why}）", at(sheet, h, c), quote(&shown));
                    if why.contains("单位") || why.contains("任何一个") {
                        self.problem(None, msg);
                    } else {
                        self.out.notes.push(msg);
                    }
                }
            }
        }
        let first = if two_rows { next + 1 } else { next };
        let sheet_no = self.sheets.len();
        self.sheets.push((sheet.name.clone(), sheet.hidden));
        // Field columns with their field's position in the schema (the key of `sources`).
        let columns: Vec<(usize, Target, Option<usize>)> = columns
            .into_iter()
            .map(|(c, t)| {
                let field = match &t {
                    Target::Field(path) => self.schema.fields.get_index_of(path),
                    _ => None,
                };
                (c, t, field)
            })
            .collect();
        let hidden_rows: HashSet<usize> = sheet.hidden_rows.iter().copied().collect();
        let mut hidden: Vec<usize> = Vec::new();
        for r in first..sheet.rows.len() {
            if sheet.rows[r].iter().all(Value::is_empty) {
                continue;
            }
            // A hidden row is a row the writer does not see (a voided unit): skipped, told.
            if hidden_rows.contains(&r) {
                hidden.push(r + 1);
                continue;
            }
            let name = sheet.get(r, name_col).text();
            if name.is_empty() {
                let msg = format!(
                    "{}：这一行有数字，但没有{}名称",
                    at(sheet, r, name_col),
                    self.schema.unit_label
                );
                self.problem(None, msg);
                continue;
            }
            if TOTAL_ROWS.contains(&fold(&name).as_str()) {
                self.out.notes.push(format!(
                    "{}：“{}”行是汇总行，未作为{}导入",
                    at(sheet, r, name_col),
                    quote(&name),
                    self.schema.unit_label
                ));
                continue;
            }
            let idx = match self.index.get(&name) {
                Some(&i) => i,
                None if self.out.units.len() as u64 >= self.max_units => {
                    let msg = format!(
                        "{}：{unit}过多：超过上限 {max} 个（从此行起超出）。为免耗尽内存，导入前即拒绝；\
                         如确需处理，可设置环境变量 DIAOYAN_MAX_UNITS 调高上限",
                        at(sheet, r, name_col),
                        unit = self.schema.unit_label,
                        max = self.max_units,
                    );
                    self.too_many = Some(Diagnostic::new(self.path, msg));
                    return;
                }
                None => {
                    let i = self.out.units.len();
                    self.out.units.push(UnitRow {
                        name: name.clone(),
                        ..UnitRow::default()
                    });
                    self.out.rows.insert(
                        name.clone(),
                        format!("工作表“{}”第 {} 行", quote(&sheet.name), r + 1),
                    );
                    self.index.insert(name.clone(), i);
                    i
                }
            };
            for (c, target, field) in &columns {
                let v = sheet.get(r, *c);
                match target {
                    Target::Name | Target::Skip => {}
                    Target::Short => {
                        if !v.is_empty() {
                            self.out.units[idx].short = Some(v.text());
                        }
                    }
                    Target::Tag(key) => {
                        if !v.is_empty() {
                            self.out.units[idx].tags.insert(key.clone(), v.text());
                        }
                    }
                    Target::Field(path) => {
                        let (Some(def), Some(f)) = (self.schema.fields.get(path), *field) else {
                            continue;
                        };
                        match cell_number(v, def) {
                            Ok(None) => {}
                            Ok(Some(x)) => {
                                let key = (idx, f);
                                if let Some(&(s, pr, pc)) = self.sources.get(&key) {
                                    let old = self.out.units[idx].values.get(path).copied();
                                    if old != Some(x) {
                                        let (sname, shidden) = &self.sheets[s];
                                        let prev = place(sname, *shidden, pr, pc);
                                        let here = at(sheet, r, *c);
                                        let msg = format!(
                                            "{here}：{}是 {}，但 {prev} 是 {}",
                                            def.label,
                                            emit::number(x, def.kind),
                                            old.map(|o| emit::number(o, def.kind))
                                                .unwrap_or_default()
                                        );
                                        self.problem(Some(&name), msg);
                                    }
                                    continue;
                                }
                                self.sources.insert(key, (sheet_no, r, *c));
                                self.out.units[idx].values.insert(path.clone(), x);
                            }
                            Err(why) => {
                                let here = at(sheet, r, *c);
                                let msg = format!("{here}：{}{why}", def.label_with_unit());
                                self.problem(Some(&name), msg);
                                // Told once: not again as missing.
                                self.refused.insert((idx, f));
                            }
                        }
                    }
                }
            }
        }
        if !hidden.is_empty() {
            let rows: Vec<String> = hidden.iter().map(usize::to_string).collect();
            self.out.notes.push(format!(
                "工作表“{}”第 {} 行是隐藏行，未导入（如需导入，请在表格中取消隐藏）",
                quote(&sheet.name),
                rows.join("、")
            ));
        }
    }

    /// Required fields no sheet gave: one problem per field missing everywhere, else per unit.
    fn missing(&mut self) {
        if self.out.units.is_empty() {
            if self.problems.is_empty() {
                let mut msg = format!(
                    "没有找到任何{unit}：需要一张工作表，首行有“{unit}”（名称）列，下面每行一个{unit}",
                    unit = self.schema.unit_label
                );
                // Why each sheet was passed over.
                for note in &self.out.notes {
                    msg.push_str("\n  ");
                    msg.push_str(note);
                }
                self.problem(None, msg);
            }
            return;
        }
        let fields: Vec<(String, FieldDef)> = self
            .schema
            .fields
            .iter()
            .filter(|(_, d)| d.required)
            .map(|(p, d)| (p.clone(), d.clone()))
            .collect();
        for (path, def) in fields {
            let f = self.schema.fields.get_index_of(&path).unwrap_or(usize::MAX);
            let lacking =
                |(_, u): &(usize, &crate::survey::emit::UnitRow)| !u.values.contains_key(&path);
            let all = self.out.units.iter().enumerate().filter(lacking).count();
            let without: Vec<String> = self
                .out
                .units
                .iter()
                .enumerate()
                .filter(lacking)
                .filter(|(i, _)| !self.refused.contains(&(*i, f)))
                .map(|(_, u)| u.name.clone())
                .collect();
            if all == self.out.units.len() && without.len() == all {
                let msg = format!("没有找到“{}”列（字段 {path}）", def.label_with_unit());
                self.problem(None, msg);
            } else {
                for name in without {
                    let place = self.out.rows.get(&name).cloned().unwrap_or_default();
                    let msg = format!("{place}：缺少{}", def.label_with_unit());
                    self.problem(Some(&name), msg);
                }
            }
        }
    }

    fn table_sheet(&mut self, sheet: &Sheet, key: &str, def: &TableDef) {
        let Some(h) = sheet.first_row() else {
            return;
        };
        let mut cols: Vec<(usize, String)> = Vec::new();
        for c in 0..sheet.width() {
            let (label, _) = super::header::split_unit(&fold(&sheet.get(h, c).text()));
            if label.is_empty() {
                continue;
            }
            match def
                .columns
                .iter()
                .find(|(k, d)| fold(k) == label || fold(&d.label) == label)
            {
                Some((k, _)) => cols.push((c, k.clone())),
                None => self.out.notes.push(format!(
                    "{}：列“{}”不是表“{}”的列，未导入",
                    at(sheet, h, c),
                    quote(&sheet.get(h, c).text()),
                    def.label
                )),
            }
        }
        let mut rows = Vec::new();
        for r in h + 1..sheet.rows.len() {
            if sheet.rows[r].iter().all(Value::is_empty) {
                continue;
            }
            let mut row = IndexMap::new();
            for (c, k) in &cols {
                let Some(cdef) = def.columns.get(k) else {
                    continue;
                };
                let v = sheet.get(r, *c);
                let cell = match cdef.kind {
                    Kind::Text => {
                        if v.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(v.text())
                        }
                    }
                    _ => match cell_number(v, cdef) {
                        Ok(Some(x)) => Cell::Number(x),
                        Ok(None) => Cell::Empty,
                        Err(why) => {
                            let msg =
                                format!("{}：{}{why}", at(sheet, r, *c), cdef.label_with_unit());
                            self.problem(None, msg);
                            Cell::Empty
                        }
                    },
                };
                if cell != Cell::Empty {
                    row.insert(k.clone(), cell);
                }
            }
            rows.push(row);
        }
        self.out.tables.insert(key.to_string(), rows);
    }

    fn report_sheet(&mut self, sheet: &Sheet, pack: &Pack) {
        let mut meta = ReportMeta::default();
        let slots = crate::survey::skeleton::fact_slots(pack);
        for (r, row) in sheet.rows.iter().enumerate() {
            let key = fold(&row.first().map(Value::text).unwrap_or_default());
            let value = row.get(1).map(Value::text).unwrap_or_default();
            // A fact's row: its label with unit (as `export` writes it), its bare label, or
            // its path (`funding.office`, `facts.funding.office`).
            let fact = slots.iter().find(|s| {
                !key.is_empty()
                    && (key == fold(&super::export::fact_label(s))
                        || key == fold(&s.label)
                        || key == fold(&s.path)
                        || key == fold(&format!("facts.{}", s.path)))
            });
            if let Some(slot) = fact {
                self.fact_cell(sheet, r, slot);
                continue;
            }
            let slot = match key.as_str() {
                "报告标题" | "标题" | "title" => &mut meta.title,
                "调研地区" | "地区" | "region" => &mut meta.region,
                "调研期" | "period" => &mut meta.period,
                "副标题" | "subtitle" => meta.subtitle.get_or_insert_with(String::new),
                "发文单位" | "organisation" => {
                    meta.organisation.get_or_insert_with(String::new)
                }
                "执笔人" | "author" => meta.author.get_or_insert_with(String::new),
                "成文日期" | "date" => {
                    let cell = row.get(1).unwrap_or(&Value::Empty);
                    meta.date = self.date_cell(sheet, r, cell);
                    continue;
                }
                "输出文件名" | "output" => meta.output.get_or_insert_with(String::new),
                "项目" | "" => continue,
                _ => {
                    self.out.notes.push(format!(
                        "{}：“{}”不是报告信息的项目，未导入",
                        at(sheet, r, 0),
                        quote(&row.first().map(Value::text).unwrap_or_default())
                    ));
                    continue;
                }
            };
            *slot = value;
        }
        for opt in [
            &mut meta.subtitle,
            &mut meta.organisation,
            &mut meta.author,
            &mut meta.output,
        ] {
            if opt.as_deref() == Some("") {
                *opt = None;
            }
        }
        // A report sheet left as the empty form has it (every item blank) gives no
        // report items: the data file's own (or, new, placeholders) stand.
        let blank = meta.title.is_empty()
            && meta.region.is_empty()
            && meta.period.is_empty()
            && meta.date.is_none()
            && [
                &meta.subtitle,
                &meta.organisation,
                &meta.author,
                &meta.output,
            ]
            .iter()
            .all(|o| o.is_none());
        if !blank {
            self.out.report = Some(meta);
        }
    }
}

impl State<'_> {
    /// A fact's value from column B of row `r`: a number (also written as text, `1,234`),
    /// or nothing for a blank cell; anything else is a problem worded as a unit cell's
    /// (`工作表“报告信息”B10：每个社区每年的办公经费（元）应是数字，不是“约两万”`).
    fn fact_cell(&mut self, sheet: &Sheet, r: usize, slot: &crate::survey::skeleton::FactSlot) {
        let def = FieldDef {
            label: slot.label.clone(),
            short: None,
            unit: slot.unit.clone(),
            kind: Kind::Decimal,
            required: false,
            min: None,
            max: None,
            aggregate: None,
        };
        match cell_number(sheet.get(r, 1), &def) {
            Ok(Some(x)) => {
                if let Some(old) = self.out.facts.get(&slot.path).copied() {
                    if old != x {
                        let msg = format!(
                            "{}：{}填了两次（{} 与 {}），请只留一行",
                            at(sheet, r, 1),
                            def.label_with_unit(),
                            emit::number(old, Kind::Decimal),
                            emit::number(x, Kind::Decimal)
                        );
                        self.problem(None, msg);
                    }
                    return;
                }
                self.out.facts.insert(slot.path.clone(), x);
            }
            Ok(None) => {}
            Err(why) => {
                let msg = format!("{}：{}{why}", at(sheet, r, 1), def.label_with_unit());
                self.problem(None, msg);
            }
        }
    }

    /// The report date from its cell: a date-formatted cell, or text in a spelling
    /// [`crate::survey::date::parse`] accepts. A bare number (an Excel serial in a cell
    /// not formatted as a date, usually) and unreadable text are problems, never passed on.
    fn date_cell(&mut self, sheet: &Sheet, r: usize, cell: &Value) -> Option<crate::survey::Date> {
        use crate::survey::date;
        let place = at(sheet, r, 1);
        match cell {
            Value::Empty => None,
            Value::Date(d) => Some(*d),
            Value::Text(t) if t.trim().is_empty() => None,
            Value::Text(t) => match date::parse(t) {
                Ok(d) => Some(d),
                Err(_) => {
                    self.problem(
                        None,
                        format!(
                            "{place}：成文日期“{}”无法识别为日期，请写成 2020-03-16 或 2020年3月16日",
                            quote(t.trim())
                        ),
                    );
                    None
                }
            },
            Value::Number(x) => {
                let hint = date::from_excel_serial(*x)
                    .filter(|_| *x >= 3000.0)
                    .map(|d| format!("，像是未设日期格式的 Excel 日期序号（即 {}）", date::ymd(d)))
                    .unwrap_or_default();
                self.problem(
                    None,
                    format!(
                        "{place}：成文日期为数字 {}{hint}，请把单元格设为日期格式或写成 2020-03-16",
                        cell.text()
                    ),
                );
                None
            }
            Value::Bool(_) => {
                self.problem(None, format!("{place}：成文日期应为日期"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::edit::replace_section;

    #[test]
    fn numbers_written_as_text() {
        assert_eq!(parse_number("1,234"), Some(1234.0));
        assert_eq!(parse_number("１２３"), Some(123.0));
        assert_eq!(parse_number(" 12.5 "), Some(12.5));
        assert_eq!(parse_number("约200"), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn sections_are_replaced_in_place() {
        let text =
            "template: a\n# units\nunits:\n  - name: x\n    n: 1\n\n# the tables\ntables: {}\n";
        let out = replace_section(text, "units", Some("units:\n  - name: y\n"));
        assert_eq!(
            out,
            "template: a\n# units\nunits:\n  - name: y\n\n# the tables\ntables: {}\n"
        );
    }
}
