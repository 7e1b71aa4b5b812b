//! Workbooks through calamine (xlsx, xlsm, xls, xlsb, ods): bounded before opening, a
//! reader panic or error turned into a Chinese message, cells into [`Value`]s, merged
//! cells filled in.

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};

use super::ooxml::{check_xlsx_parts, xlsx_hidden_rows, xlsx_sheet_parts};
use super::{guard, text, xls, Sheet, Value};

/// [`read_workbook`], with a panic inside the reader (calamine indexes some corrupt files
/// out of bounds, e.g. a shared-string index past the table or no `sharedStrings.xml`, and
/// its `.xls` (CFB) reader slices past the end of mutated files) turned into the Chinese
/// "damaged workbook" error instead of exit 101. The default panic message is silenced for
/// the call, so the user sees only the Chinese one. Every path into calamine goes through
/// here (`import`, and `import --into`; `batch` and `check` read no spreadsheets).
pub(super) fn read_workbook_guarded(path: &Path) -> Result<Vec<Sheet>> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| read_workbook(path));
    std::panic::set_hook(previous);
    result.unwrap_or_else(|_| Err(guard::damaged(path)))
}

/// A calamine error as the Chinese message the user sees: what is wrong with the file in
/// words (password, a number the file spells wrongly, broken XML, a missing part, a
/// damaged container), the sheet when the error came while reading one, and calamine's
/// English words only as a trailing `（详情：…）` for whoever reports the file.
pub(crate) fn reader_error(path: &Path, sheet: Option<&str>, e: &calamine::Error) -> Error {
    use calamine::{Error as E, OdsError as O, XlsError as Xs, XlsbError as B, XlsxError as X};
    let what = match e {
        E::Xlsx(X::Password) | E::Xls(Xs::Password) | E::Ods(O::Password) => {
            return Error::input(Diagnostic::new(
                path,
                "工作簿设有打开密码，无法读取：请在 Excel 或 WPS 中取消密码并另存后再导入",
            ));
        }
        E::Ods(O::ParseInt(_) | O::ParseFloat(_) | O::ParseBool(_) | O::Parse(_))
        | E::Xlsx(X::ParseInt(_) | X::ParseFloat(_) | X::Parse(_)) => {
            "文件中有一个数字、逻辑值或重复次数的写法无法识别（不是 Excel、WPS 或 LibreOffice 保存的格式）"
        }
        E::Xlsx(X::Xml(_) | X::XmlAttr(_) | X::XmlEof(_) | X::UnexpectedNode(_) | X::Unexpected(_))
        | E::Ods(O::Xml(_) | O::XmlAttr(_) | O::AttrError(_) | O::Eof(_) | O::Mismatch { .. })
        | E::Xlsb(B::Xml(_) | B::XmlAttr(_)) => "文件内部的 XML 结构已损坏",
        E::Xlsx(X::FileNotFound(_) | X::RelationshipNotFound)
        | E::Ods(O::FileNotFound(_) | O::InvalidMime(_))
        | E::Xlsb(B::FileNotFound(_)) => "文件缺少工作簿必需的部件",
        E::Xlsx(X::Zip(_)) | E::Ods(O::Zip(_)) | E::Xlsb(B::Zip(_)) => "压缩包已损坏",
        E::Xls(Xs::Cfb(_)) => "不是有效的 .xls 文件（复合文档结构已损坏）",
        E::Xlsx(
            X::CellError(_)
            | X::CellTAttribute(_)
            | X::Alphanumeric(_)
            | X::NumericColumn(_)
            | X::RangeWithoutColumnComponent
            | X::RangeWithoutRowComponent
            | X::DimensionCount(_),
        ) => "有单元格的位置或类型写法无效",
        _ => "文件已损坏或不是有效的工作簿",
    };
    let place = sheet
        .map(|s| format!("读工作表“{}”时：", crate::excerpt::quote(s)))
        .unwrap_or_default();
    let detail = crate::excerpt::quote_n(&e.to_string(), 160).into_owned();
    Error::input(Diagnostic::new(
        path,
        format!(
            "{place}不是可读的 Excel/ODS 电子表格：{what}，请用 Excel 或 WPS 打开后另存为 .xlsx 再试（详情：{detail}）"
        ),
    ))
}

/// One calamine cell as a [`Value`].
fn value(d: &calamine::Data) -> Value {
    use calamine::Data;
    match d {
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(x) => Value::Number(*x),
        Data::String(s) => Value::Text(s.clone()),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => excel_date(dt),
        Data::DateTimeIso(s) => {
            crate::survey::date::parse(s).map_or_else(|_| Value::Text(s.clone()), Value::Date)
        }
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Text(format!("#{e}")),
        Data::Empty => Value::Empty,
    }
}

/// The cells of one sheet read sparsely (xlsx, xlsb: calamine's cells reader, which never
/// builds the dense range calamine's `worksheet_range` would — 17 G cells for a sheet with
/// A1 and XFD1048576): each non-empty cell counted against the workbook's budget as it is
/// read, then the extent checked before anything dense is allocated. Returns the cells
/// (row, column, value) in file order.
macro_rules! sparse_rows {
    ($path:expr, $book:expr, $name:expr, $budget:expr, $bad:expr) => {{
        let mut reader = $book
            .worksheet_cells_reader($name)
            .map_err(|e| $bad(e.into(), $name))?;
        let mut cells: Vec<(u32, u32, Value)> = Vec::new();
        let (mut last_row, mut last_col) = (0u32, 0u32);
        let mut counted = 0u64;
        while let Some(cell) = reader.next_cell().map_err(|e| $bad(e.into(), $name))? {
            // The text is charged before it is copied: one shared string referred to by
            // every cell would otherwise be cloned into each.
            let text = match cell.get_value() {
                calamine::DataRef::String(s)
                | calamine::DataRef::DateTimeIso(s)
                | calamine::DataRef::DurationIso(s) => s.as_str(),
                calamine::DataRef::SharedString(s) => s,
                _ => "",
            };
            if !text.is_empty() {
                $budget.text($name, text.len() as u64)?;
                let (r, c) = cell.get_position();
                text::check_cell($path, $name, r, c, text)?;
            }
            let data: calamine::Data = cell.get_value().clone().into();
            let v = value(&data);
            if v == Value::Empty {
                continue;
            }
            let (r, c) = cell.get_position();
            counted += 1;
            if counted % 4096 == 0 {
                $budget.cells($name, 4096)?;
                $budget.extent($name, u64::from(last_row), u64::from(last_col))?;
            }
            last_row = last_row.max(r);
            last_col = last_col.max(c);
            cells.push((r, c, v));
        }
        $budget.cells($name, counted % 4096)?;
        drop(reader);
        if !cells.is_empty() {
            $budget.extent($name, u64::from(last_row), u64::from(last_col))?;
        }
        cells
    }};
}

/// One sheet as read: its non-empty cells (xlsx, xlsb) or calamine's dense range.
enum Grid {
    Sparse(Vec<(u32, u32, Value)>),
    Dense(calamine::Range<calamine::Data>),
}

fn read_workbook(path: &Path) -> Result<Vec<Sheet>> {
    use calamine::{open_workbook_from_rs, Ods, Reader, Sheets, Xls, Xlsb, Xlsx};
    use std::io::Cursor;
    let bytes = guard::read_file(path)?;
    let bad = |e: calamine::Error| reader_error(path, None, &e);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    // Every zip container is bounded before calamine opens it; an ODS's repeats before
    // calamine expands them (which it does while opening).
    if guard::is_zip(&bytes) {
        guard::check_zip(path, &bytes)?;
        if ext == "ods" {
            // Each cell's text first: check_ods's XML reader buffers every text node whole.
            text::check_ods(path, &bytes)?;
            guard::check_ods(path, &bytes)?;
        }
    } else if ext == "xls" {
        xls::check(path, &bytes)?;
    }
    let is_xlsx = !matches!(ext.as_str(), "xls" | "xlsb" | "ods");
    let mut budget = guard::Budget::new(path);
    let parts = if is_xlsx && guard::is_zip(&bytes) {
        let parts = xlsx_sheet_parts(&bytes);
        check_xlsx_parts(path, &parts)?;
        parts
    } else {
        Vec::new()
    };
    // Cell text bounded before calamine holds it (its shared strings are read whole while
    // opening; every text node is buffered whole by its XML reader).
    if guard::is_zip(&bytes) {
        match ext.as_str() {
            "ods" | "xls" => {}
            "xlsb" => text::check_xlsb(path, &bytes, &mut budget)?,
            _ => text::check_xlsx(path, &bytes, &parts, &mut budget)?,
        }
    }
    let rs = Cursor::new(&bytes[..]);
    let mut book: Sheets<Cursor<&[u8]>> = match ext.as_str() {
        "xls" => Sheets::Xls(open_workbook_from_rs::<Xls<_>, _>(rs).map_err(|e| bad(e.into()))?),
        "xlsb" => Sheets::Xlsb(open_workbook_from_rs::<Xlsb<_>, _>(rs).map_err(|e| bad(e.into()))?),
        "ods" => Sheets::Ods(open_workbook_from_rs::<Ods<_>, _>(rs).map_err(|e| bad(e.into()))?),
        _ => Sheets::Xlsx(open_workbook_from_rs::<Xlsx<_>, _>(rs).map_err(|e| bad(e.into()))?),
    };
    let names = book.sheet_names();
    guard::sheet_count(path, names.len())?;
    let bad_in = |e: calamine::Error, sheet: &str| reader_error(path, Some(sheet), &e);
    let mut sheets = Vec::new();
    for name in names {
        let read = match &mut book {
            Sheets::Xlsx(x) => Grid::Sparse(sparse_rows!(path, x, &name, budget, bad_in)),
            Sheets::Xlsb(x) => Grid::Sparse(sparse_rows!(path, x, &name, budget, bad_in)),
            // Already dense in calamine (xls and ods are parsed whole while opening, and
            // bounded before): bounded again before it is copied.
            _ => {
                let range = book.worksheet_range(&name).map_err(|e| bad_in(e, &name))?;
                if let Some((r1, c1)) = range.end() {
                    budget.extent(&name, u64::from(r1), u64::from(c1))?;
                }
                budget.cells(
                    &name,
                    range
                        .used_cells()
                        .filter(|(_, _, d)| **d != calamine::Data::Empty)
                        .count() as u64,
                )?;
                for (r, c, d) in range.used_cells() {
                    if let calamine::Data::String(s) = d {
                        let (r0, c0) = range.start().unwrap_or((0, 0));
                        text::check_cell(path, &name, r0 + r as u32, c0 + c as u32, s)?;
                    }
                }
                // Copied below: its text counts as the sparse readers' does.
                budget.text(
                    &name,
                    range
                        .used_cells()
                        .map(|(_, _, d)| match d {
                            calamine::Data::String(s)
                            | calamine::Data::DateTimeIso(s)
                            | calamine::Data::DurationIso(s) => s.len() as u64,
                            _ => 0,
                        })
                        .sum(),
                )?;
                Grid::Dense(range)
            }
        };
        let merged: Vec<calamine::Dimensions> = match &mut book {
            Sheets::Xlsx(x) => x
                .worksheet_merge_cells(&name)
                .and_then(|r| r.ok())
                .unwrap_or_default(),
            Sheets::Xls(x) => x.worksheet_merge_cells(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        budget.merges(&name, &merged)?;
        // The grid import works on: each row as wide as its last cell (or merge), from A1.
        // Its size is bounded before it is allocated: cells in one column at row 200,000
        // and in column ALL would otherwise make every row 1,000 cells wide.
        let mut widths: Vec<u32> = Vec::new();
        let mut widen = |r: u32, w: u32| {
            let r = r as usize;
            if widths.len() <= r {
                widths.resize(r + 1, 0);
            }
            widths[r] = widths[r].max(w);
        };
        match &read {
            Grid::Sparse(cells) => cells.iter().for_each(|&(r, c, _)| widen(r, c + 1)),
            Grid::Dense(range) => {
                if let (Some((r0, _)), Some((r1, c1))) = (range.start(), range.end()) {
                    (r0..=r1).for_each(|r| widen(r, c1 + 1));
                }
            }
        }
        for m in &merged {
            if m.end.0 >= m.start.0 && m.end.1 >= m.start.1 {
                (m.start.0..=m.end.0).for_each(|r| widen(r, m.end.1 + 1));
            }
        }
        budget.grid(&name, widths.iter().map(|&w| u64::from(w)).sum())?;
        let rows = match read {
            Grid::Sparse(cells) => {
                let mut rows: Vec<Vec<Value>> = widths
                    .iter()
                    .map(|&w| Vec::with_capacity(w as usize))
                    .collect();
                for (r, c, v) in cells {
                    let (r, c) = (r as usize, c as usize);
                    let row = &mut rows[r];
                    if row.len() <= c {
                        row.resize(c + 1, Value::Empty);
                    }
                    // A cell given twice: the last one wins, as in calamine.
                    row[c] = v;
                }
                rows
            }
            Grid::Dense(range) => {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                let mut rows: Vec<Vec<Value>> = vec![Vec::new(); r0 as usize];
                for row in range.rows() {
                    let mut cells = vec![Value::Empty; c0 as usize];
                    cells.extend(row.iter().map(value));
                    rows.push(cells);
                }
                rows
            }
        };
        let hidden = book
            .sheets_metadata()
            .iter()
            .any(|m| m.name == name && m.visible != calamine::SheetVisible::Visible);
        let hidden_rows = match &book {
            Sheets::Xlsx(_) => xlsx_hidden_rows(
                &bytes,
                parts
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, p)| p.as_str()),
            ),
            _ => Vec::new(),
        };
        let mut sheet = Sheet {
            name,
            rows,
            hidden,
            hidden_rows,
        };
        fill_merged(&mut sheet, &merged);
        sheets.push(sheet);
    }
    Ok(sheets)
}

/// A date-formatted cell as a date (the time of day dropped); a duration (`[h]:mm`) as
/// its number of days.
fn excel_date(dt: &calamine::ExcelDateTime) -> Value {
    use chrono::Datelike;
    let day = dt
        .is_datetime()
        .then(|| dt.as_datetime())
        .flatten()
        .and_then(|t| {
            let month = time::Month::try_from(u8::try_from(t.month()).ok()?).ok()?;
            let day = u8::try_from(t.day()).ok()?;
            crate::survey::Date::from_calendar_date(t.year(), month, day).ok()
        });
    match day {
        Some(d) => Value::Date(d),
        None => Value::Number(dt.as_f64()),
    }
}

/// Every cell of a merged region takes the value of its top-left cell (a region label over
/// several rows, a group header over several columns).
fn fill_merged(sheet: &mut Sheet, merged: &[calamine::Dimensions]) {
    for m in merged {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let (r1, c1) = (m.end.0 as usize, m.end.1 as usize);
        // Bounded before (guard::Budget::merges); a reversed region fills nothing.
        if r1 < r0 || c1 < c0 {
            continue;
        }
        let v = sheet.get(r0, c0).clone();
        for r in r0..=r1 {
            if sheet.rows.len() <= r {
                sheet.rows.resize(r + 1, Vec::new());
            }
            let row = &mut sheet.rows[r];
            if row.len() <= c1 {
                row.resize(c1 + 1, Value::Empty);
            }
            for cell in &mut row[c0..=c1] {
                *cell = v.clone();
            }
        }
    }
}
