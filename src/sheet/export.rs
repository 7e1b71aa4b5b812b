//! `diaoyan export`: a data file's units as a workbook an office can hand out to be filled
//! and read back with `diaoyan import` — two-row headers for groups, input rules and
//! prompts on every data cell — plus the computed statistics, the schema's other tables
//! and the report metadata on their own sheets. Same input, same bytes.

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::error::{Error, Result};
use crate::stats::Figures;
use crate::survey::emit::describe;
use crate::survey::schema::{Kind, Schema};
use crate::survey::skeleton::FactSlot;
use crate::survey::{Cell, Pack, Survey};

/// Rows below the data that still carry input rules, for units yet to be added.
const SPARE_ROWS: u32 = 200;

/// The sheet of figures `export` writes after the units (import passes over it).
pub const STATS_SHEET: &str = "统计";
/// The sheet of report items (title, region, period, …) `export` writes, followed by one
/// row per fact the report uses (label with unit, value); `import` reads the report items
/// and the facts back from it and takes no units from it.
pub const REPORT_SHEET: &str = "报告信息";

/// One column of the units sheet.
enum Col {
    Name,
    Short,
    Tag(String),
    Field(String),
}

/// The workbook bytes for `survey`.
pub fn export(survey: &Survey, pack: &Pack, figures: &Figures) -> Result<Vec<u8>> {
    build(survey, pack, Some(figures))
        .map_err(|e| Error::render_caused(format!("写 Excel 文件失败：{e}"), e))
}

/// The pack's empty form workbook: what `export` writes for a data file, with no units and
/// no statistics — the units sheet's two-row header with its input rules (data
/// validation) and prompts on 200 spare rows, a sheet with the header of each of the
/// pack's other tables, and the report items sheet with its items to fill. `import`
/// reads it back once filled (`diaoyan init --template NAME 表格.xlsx` writes it; `diaoyan
/// serve` offers it for download). Same pack, same bytes.
///
/// # Errors
/// [`Error::Render`] if the workbook cannot be built.
pub fn form_workbook(pack: &Pack) -> Result<Vec<u8>> {
    let empty = Survey {
        source: std::path::PathBuf::new(),
        template: pack.schema.name.clone(),
        report: crate::survey::ReportMeta::default(),
        units: Vec::new(),
        tables: Default::default(),
        facts: serde_json::Value::Null,
        findings: Vec::new(),
        recommendations: Vec::new(),
        closing: None,
        previous: None,
        warnings: Vec::new(),
    };
    build(&empty, pack, None)
        .map_err(|e| Error::render_caused(format!("写 Excel 文件失败：{e}"), e))
}

fn build(
    survey: &Survey,
    pack: &Pack,
    figures: Option<&Figures>,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let schema = &pack.schema;
    let mut wb = Workbook::new();
    // A fixed creation time: the same data gives the same bytes.
    let when = survey
        .report
        .date
        .and_then(|d| ExcelDateTime::from_ymd(d.year() as u16, d.month().into(), d.day()).ok())
        .map_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1), Ok)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&survey.report.title)
            .set_author("diaoyan")
            .set_creation_datetime(&when),
    );
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color("#E8EEF4");
    let int = Format::new()
        .set_num_format("0")
        .set_border(FormatBorder::Thin);
    let dec = Format::new()
        .set_num_format("0.##")
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_border(FormatBorder::Thin);

    let ws = wb.add_worksheet();
    ws.set_name(format!("{}数据", schema.unit_label))?;
    units_sheet(ws, survey, schema, &head, &int, &dec, &text)?;

    if let Some(figures) = figures {
        let ws = wb.add_worksheet();
        ws.set_name(STATS_SHEET)?;
        stats_sheet(ws, figures, schema, &head, &dec, &text)?;
    }

    for (key, def) in &schema.tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&def.label))?;
        let rows = survey.tables.get(key).map(Vec::as_slice).unwrap_or(&[]);
        for (c, (_, cdef)) in def.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, cdef.label_with_unit(), &head)?;
            ws.set_column_width(c as u16, 16)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, (ckey, cdef)) in def.columns.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match row.get(ckey) {
                    Some(Cell::Number(x)) => {
                        let f = if cdef.kind == Kind::Integer {
                            &int
                        } else {
                            &dec
                        };
                        ws.write_number_with_format(r, c, *x, f)?;
                    }
                    Some(Cell::Text(t)) => {
                        ws.write_string_with_format(r, c, t, &text)?;
                    }
                    _ => {
                        ws.write_blank(r, c, &text)?;
                    }
                }
            }
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name(REPORT_SHEET)?;
    ws.write_string_with_format(0, 0, "项目", &head)?;
    ws.write_string_with_format(0, 1, "内容", &head)?;
    let m = &survey.report;
    let date = m.date.map(crate::survey::date::ymd);
    let rows: [(&str, Option<&str>); 8] = [
        ("报告标题", Some(&m.title)),
        ("副标题", m.subtitle.as_deref()),
        ("调研地区", Some(&m.region)),
        ("调研期", Some(&m.period)),
        ("发文单位", m.organisation.as_deref()),
        ("执笔人", m.author.as_deref()),
        ("成文日期", date.as_deref()),
        ("输出文件名", m.output.as_deref()),
    ];
    for (r, (k, v)) in rows.iter().enumerate() {
        ws.write_string_with_format(r as u32 + 1, 0, *k, &text)?;
        ws.write_string_with_format(r as u32 + 1, 1, v.unwrap_or(""), &text)?;
    }
    fact_rows(ws, survey, pack, rows.len() as u32 + 1, &dec, &text)?;
    // Column A fits the longest item (a fact's label with its unit; a CJK character is
    // two units).
    let widest = crate::survey::skeleton::fact_slots(pack)
        .iter()
        .map(|s| {
            fact_label(s)
                .chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum::<usize>()
        })
        .max()
        .map_or(12.0, |w| (w as f64 + 2.0).clamp(12.0, 40.0));
    ws.set_column_width(0, widest)?;
    ws.set_column_width(1, 60)?;
    wb.save_to_buffer()
}

/// The label a fact's row shows in column A of the report sheet: the slot's label with
/// its unit (`每个社区每年的办公经费（元）`), as [`FieldDef::label_with_unit`] shows a
/// field's. `import` matches it (or the bare label, or the dotted path) back to the slot.
///
/// [`FieldDef::label_with_unit`]: crate::survey::schema::FieldDef::label_with_unit
pub(super) fn fact_label(slot: &FactSlot) -> String {
    match &slot.unit {
        Some(u) if !u.is_empty() => format!("{}（{u}）", slot.label),
        _ => slot.label.clone(),
    }
}

/// One row per fact slot of `pack` ([`crate::survey::skeleton::fact_slots`]) on the report
/// sheet from 0-based row `first`: its label with unit, its value from the data file (a
/// number; blank in the form or when the data file has none), and a number input rule
/// whose prompt names the fact's path in the data file (`facts.funding.office`).
fn fact_rows(
    ws: &mut Worksheet,
    survey: &Survey,
    pack: &Pack,
    first: u32,
    dec: &Format,
    text: &Format,
) -> std::result::Result<(), XlsxError> {
    for (i, slot) in crate::survey::skeleton::fact_slots(pack).iter().enumerate() {
        let r = first + i as u32;
        let label = fact_label(slot);
        ws.write_string_with_format(r, 0, &label, text)?;
        let value = slot
            .path
            .split('.')
            .try_fold(&survey.facts, |v, k| v.get(k));
        match value {
            Some(serde_json::Value::Number(n)) => match n.as_f64() {
                Some(x) => ws.write_number_with_format(r, 1, x, dec)?,
                None => ws.write_blank(r, 1, dec)?,
            },
            Some(serde_json::Value::String(t)) => ws.write_string_with_format(r, 1, t, text)?,
            _ => ws.write_blank(r, 1, dec)?,
        };
        let title: String = label.chars().take(30).collect();
        let prompt: String = format!("填写数字。数据文件中为 facts.{}", slot.path)
            .chars()
            .take(250)
            .collect();
        let rule = DataValidation::new()
            .allow_decimal_number(DataValidationRule::Between(f64::MIN, f64::MAX))
            .set_input_title(title)?
            .set_input_message(prompt)?
            .set_error_title("数据不符合要求")?
            .set_error_message(format!("{label}：请填写数字"))?;
        ws.add_data_validation(r, 1, r, 1, &rule)?;
    }
    Ok(())
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(label: &str) -> String {
    label
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

/// The group a field's column sits under: a group it is a part of, or the group whose total
/// it is when no other group shares that total.
fn column_group<'s>(schema: &'s Schema, path: &str) -> Option<&'s str> {
    let groups = || schema.groups.iter();
    if let Some((k, _)) = groups().find(|(_, g)| g.parts.iter().any(|p| p == path)) {
        return Some(k);
    }
    let totals: Vec<&str> = groups()
        .filter(|(_, g)| g.total.as_deref() == Some(path))
        .map(|(k, _)| k.as_str())
        .collect();
    (totals.len() == 1).then(|| totals[0])
}

#[allow(clippy::too_many_arguments)]
fn units_sheet(
    ws: &mut Worksheet,
    survey: &Survey,
    schema: &Schema,
    head: &Format,
    int: &Format,
    dec: &Format,
    text: &Format,
) -> std::result::Result<(), XlsxError> {
    let mut cols = vec![Col::Name, Col::Short];
    cols.extend(schema.tags.keys().map(|k| Col::Tag(k.clone())));
    cols.extend(schema.fields.keys().map(|p| Col::Field(p.clone())));
    // Header: one column alone spans both rows; a run of one group's fields shares a
    // group label over their own labels.
    // Column widths follow the header a column shows (a CJK character is two units).
    let mut widths = vec![11.0f64; cols.len()];
    let fit = |label: &str| {
        let w: usize = label
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum();
        (w as f64 + 2.0).clamp(9.0, 30.0)
    };
    let mut c = 0usize;
    while c < cols.len() {
        let group = match &cols[c] {
            Col::Field(p) => column_group(schema, p),
            _ => None,
        };
        let run = cols[c..]
            .iter()
            .take_while(|col| match col {
                Col::Field(p) => group.is_some() && column_group(schema, p) == group,
                _ => false,
            })
            .count()
            .max(1);
        let fields: Vec<&str> = cols[c..c + run]
            .iter()
            .filter_map(|col| match col {
                Col::Field(p) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        match (group.and_then(|g| schema.groups.get(g)), fields.len() > 1) {
            (Some(g), true) => {
                let units: Vec<Option<&str>> = fields
                    .iter()
                    .map(|p| schema.fields.get(*p).and_then(|d| d.unit.as_deref()))
                    .collect();
                let common = units
                    .iter()
                    .all(|u| *u == units[0])
                    .then_some(units[0])
                    .flatten();
                let label = match common {
                    Some(u) => format!("{}（{u}）", g.label),
                    None => g.label.clone(),
                };
                let (c0, c1) = (c as u16, (c + run - 1) as u16);
                ws.merge_range(0, c0, 0, c1, &label, head)?;
                for (i, p) in fields.iter().enumerate() {
                    let Some(d) = schema.fields.get(*p) else {
                        continue;
                    };
                    let sub = if common.is_some() {
                        d.column_label().to_string()
                    } else {
                        match &d.unit {
                            Some(u) => format!("{}（{u}）", d.column_label()),
                            None => d.column_label().to_string(),
                        }
                    };
                    widths[c + i] = fit(&sub);
                    ws.write_string_with_format(1, c0 + i as u16, sub, head)?;
                }
            }
            _ => {
                let label = match &cols[c] {
                    Col::Name => schema.unit_label.clone(),
                    Col::Short => "简称".into(),
                    Col::Tag(k) => schema
                        .tags
                        .get(k)
                        .map(|t| t.label.clone())
                        .unwrap_or_default(),
                    Col::Field(p) => schema
                        .fields
                        .get(p)
                        .map(|d| d.label_with_unit())
                        .unwrap_or_default(),
                };
                widths[c] = fit(&label);
                ws.merge_range(0, c as u16, 1, c as u16, &label, head)?;
            }
        }
        c += run;
    }
    ws.set_row_height(0, 30)?;
    ws.set_row_height(1, 30)?;
    for (r, u) in survey.units.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, col) in cols.iter().enumerate() {
            let c = c as u16;
            match col {
                Col::Name => {
                    ws.write_string_with_format(r, c, &u.name, text)?;
                }
                Col::Short => {
                    ws.write_string_with_format(r, c, &u.short, text)?;
                }
                Col::Tag(k) => {
                    ws.write_string_with_format(r, c, u.tags.get(k).map_or("", |s| s), text)?;
                }
                Col::Field(p) => {
                    let kind = schema.fields.get(p).map(|d| d.kind).unwrap_or_default();
                    match u.values.get(p) {
                        Some(x) if kind == Kind::Boolean => {
                            ws.write_string_with_format(
                                r,
                                c,
                                if *x != 0.0 { "是" } else { "否" },
                                text,
                            )?;
                        }
                        Some(x) => {
                            let f = if kind == Kind::Integer { int } else { dec };
                            ws.write_number_with_format(r, c, *x, f)?;
                        }
                        None => {
                            ws.write_blank(r, c, text)?;
                        }
                    }
                }
            }
        }
    }
    // Input rules and prompts down to spare rows, so new units can be added in place.
    let last = survey.units.len() as u32 + 1 + SPARE_ROWS;
    for (c, col) in cols.iter().enumerate() {
        let Col::Field(p) = col else { continue };
        let Some(d) = schema.fields.get(p) else {
            continue;
        };
        let rule = match d.kind {
            Kind::Integer => {
                let lo = d.lower_bound().unwrap_or(f64::from(i32::MIN)) as i32;
                let rule = match d.upper_bound() {
                    Some(hi) => DataValidationRule::Between(lo, hi as i32),
                    None => DataValidationRule::GreaterThanOrEqualTo(lo),
                };
                DataValidation::new().allow_whole_number(rule)
            }
            Kind::Decimal => {
                let lo = d.lower_bound().unwrap_or(f64::MIN);
                let rule = match d.upper_bound() {
                    Some(hi) => DataValidationRule::Between(lo, hi),
                    None => DataValidationRule::GreaterThanOrEqualTo(lo),
                };
                DataValidation::new().allow_decimal_number(rule)
            }
            Kind::Boolean => DataValidation::new().allow_list_strings(&["是", "否"])?,
            Kind::Text => continue,
        };
        let prompt: String = describe(schema, p, d).chars().take(250).collect();
        let title: String = d.label.chars().take(30).collect();
        let rule = rule
            .set_input_title(title)?
            .set_input_message(prompt)?
            .set_error_title("数据不符合要求")?
            .set_error_message(format!("{}：请填写符合要求的数字", d.label_with_unit()))?;
        ws.add_data_validation(2, c as u16, last, c as u16, &rule)?;
    }
    let longest = survey
        .units
        .iter()
        .map(|u| fit(&u.name))
        .fold(0.0, f64::max);
    widths[0] = widths[0].max(longest);
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(2, 1)?;
    Ok(())
}

fn stats_sheet(
    ws: &mut Worksheet,
    figures: &Figures,
    schema: &Schema,
    head: &Format,
    dec: &Format,
    text: &Format,
) -> std::result::Result<(), XlsxError> {
    let unit = &schema.unit_label;
    let heads = [
        "字段".to_string(),
        "单位".into(),
        format!("{unit}数"),
        "合计".into(),
        "平均".into(),
        "中位数".into(),
        "最小".into(),
        format!("最小的{unit}"),
        "最大".into(),
        format!("最大的{unit}"),
        "标准差".into(),
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, head)?;
    }
    let mut r = 1u32;
    for f in figures.fields.values() {
        ws.write_string_with_format(r, 0, &f.label, text)?;
        ws.write_string_with_format(r, 1, f.unit.as_deref().unwrap_or(""), text)?;
        ws.write_number_with_format(r, 2, f.count as f64, dec)?;
        ws.write_number_with_format(r, 3, f.sum, dec)?;
        let nums = [
            (4, f.mean),
            (5, f.median),
            (6, f.min),
            (8, f.max),
            (10, f.std),
        ];
        for (c, v) in nums {
            match v {
                Some(x) => ws.write_number_with_format(r, c, x, dec)?,
                None => ws.write_blank(r, c, text)?,
            };
        }
        ws.write_string_with_format(r, 7, f.min_unit.as_deref().unwrap_or(""), text)?;
        ws.write_string_with_format(r, 9, f.max_unit.as_deref().unwrap_or(""), text)?;
        r += 1;
    }
    r += 1;
    for (c, h) in ["构成", "项目", "合计", "占比（%）"].iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, head)?;
    }
    r += 1;
    for g in figures.groups.values() {
        for p in &g.parts {
            ws.write_string_with_format(r, 0, &g.label, text)?;
            ws.write_string_with_format(r, 1, &p.label, text)?;
            ws.write_number_with_format(r, 2, p.sum, dec)?;
            match p.pct1 {
                Some(x) => ws.write_number_with_format(r, 3, x, dec)?,
                None => ws.write_blank(r, 3, text)?,
            };
            r += 1;
        }
    }
    ws.set_column_width(0, 26)?;
    for c in 1..heads.len() as u16 {
        ws.set_column_width(c, 12)?;
    }
    ws.set_freeze_panes(1, 1)?;
    Ok(())
}
