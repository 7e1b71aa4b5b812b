//! Spreadsheets: reading units from Excel/CSV (`diaoyan import`) and writing them out
//! (`diaoyan export`). A spreadsheet is read into plain [`Sheet`]s first, merged cells filled
//! in, so matching and parsing never see the file format.

mod export;
mod guard;
mod header;
mod import;
pub(crate) mod text;
mod xls;

pub use export::export;
pub use export::{REPORT_SHEET, STATS_SHEET};
pub use import::{data_file, import, Imported};

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};
use crate::excerpt::quote;
use crate::survey::Pack;

/// A spreadsheet as a data file's text for `pack`, checked as `diaoyan check` would; the
/// problems name the spreadsheet's sheets, cells and rows. With `into` (an existing data
/// file and its text), only its units and tables are replaced; it must use the same pack.
pub fn import_file(
    file: &Path,
    pack: &Pack,
    into: Option<(&Path, &str)>,
) -> Result<(String, Imported)> {
    if let Some((path, text)) = into {
        let named = text
            .lines()
            .find_map(|l| l.strip_prefix("template:"))
            .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
            .unwrap_or_default();
        if named != pack.schema.name {
            return Err(Error::input(Diagnostic::new(
                path,
                format!(
                    "此数据文件使用模板“{}”，与 --template {} 不同",
                    crate::excerpt::quote(&named),
                    pack.schema.name
                ),
            )));
        }
    }
    // The cells are dropped once imported; only one text is held while it is checked.
    let imported = {
        let sheets = read(file)?;
        import(file, &sheets, pack)?
    };
    let into_text = into.map(|(_, t)| data_file(pack, &imported, file, Some(t)));
    let as_file = into.map_or_else(|| file.with_extension("yaml"), |(p, _)| p.to_path_buf());
    // A new file is checked without its skeleton (what is left to fill is `check`'s to
    // list); a file imported into is checked whole. The survey loaded is dropped at once.
    let checked = match &into_text {
        Some(text) => {
            crate::survey::load_bytes(&as_file, text.as_bytes(), pack.dir.as_deref()).map(drop)
        }
        None => {
            let checked = import::checked_text(pack, &imported);
            crate::survey::load_bytes(&as_file, checked.as_bytes(), pack.dir.as_deref()).map(drop)
        }
    };
    // With `into`, each line of the checked text comes either from the spreadsheet (the
    // sections it replaced) or from the data file (every other line, at a known line of it).
    let lines = into
        .zip(into_text.as_deref())
        .map(|((_, original), text)| Origins::new(original, text));
    if let Err(Error::Input(diags)) = checked {
        let mapped = diags
            .into_iter()
            .map(|mut d| {
                // A problem in another file (a `previous:` data file) keeps its own name.
                if d.file != as_file {
                    return d;
                }
                let from_sheet = d
                    .unit
                    .as_ref()
                    .is_some_and(|u| imported.rows.contains_key(u));
                if let (Some(origins), false) = (&lines, from_sheet) {
                    // The data file's own line, if the problem is in a line it gave.
                    match d.line.map(|l| origins.of(l)) {
                        Some(Some(original)) => {
                            d.line = Some(original);
                            return d;
                        }
                        None => return d,
                        Some(None) => {}
                    }
                }
                // Told against the spreadsheet: the generated file's lines mean nothing to
                // its user.
                d.file = file.to_path_buf();
                d.line = None;
                d.column = None;
                d.source_line = None;
                if let Some(place) = d.unit.as_ref().and_then(|u| imported.rows.get(u)) {
                    d.message = format!("{place}：{}", d.message);
                }
                d
            })
            .collect();
        return Err(Error::Input(mapped));
    }
    let text = into_text.unwrap_or_else(|| data_file(pack, &imported, file, None));
    Ok((text, imported))
}

/// Where the lines of a data file imported into come from: `generated` is `original` with
/// some top-level sections (`units:`, `tables:`) replaced by the spreadsheet's. Every other
/// top-level section, and whatever precedes the first, is copied line for line.
struct Origins {
    /// For each top-level key of `generated`: its first line (1-based), and the line of
    /// the same key in `original` if that section was copied unchanged.
    sections: Vec<(usize, Option<usize>)>,
}

impl Origins {
    fn new(original: &str, generated: &str) -> Self {
        // Top-level keys with their first line and section text, as `replace_section` sees
        // them.
        fn sections(text: &str) -> Vec<(String, usize, Vec<&str>)> {
            let mut out: Vec<(String, usize, Vec<&str>)> = vec![(String::new(), 1, Vec::new())];
            for (i, line) in text.lines().enumerate() {
                let top = line
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_whitespace() && c != '-' && c != '#');
                match line.split_once(':') {
                    Some((key, _)) if top => out.push((key.to_string(), i + 1, vec![line])),
                    _ => out.last_mut().expect("one section at least").2.push(line),
                }
            }
            out
        }
        let old = sections(original);
        let sections = sections(generated)
            .into_iter()
            .map(|(key, line, body)| {
                // The same key with the same lines (comments and blank lines that moved to
                // the next section aside): copied.
                let trim = |b: &[&str]| -> usize {
                    b.iter()
                        .rposition(|l| !(l.trim().is_empty() || l.starts_with('#')))
                        .map_or(0, |p| p + 1)
                };
                let same = old
                    .iter()
                    .find(|(k, _, b)| *k == key && b[..trim(b)] == body[..trim(&body)]);
                (line, same.map(|(_, l, _)| *l))
            })
            .collect();
        Origins { sections }
    }

    /// The line of the original data file that line `line` of the generated text is, or
    /// `None` if the spreadsheet gave it.
    fn of(&self, line: usize) -> Option<usize> {
        let (start, original) = self.sections.iter().rev().find(|(l, _)| *l <= line)?;
        original.map(|o| o + (line - start))
    }
}

/// One cell's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    /// A date-formatted cell (Excel date serial, ODS date value).
    Date(crate::survey::Date),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text (numbers without a trailing `.0`).
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Number(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            Value::Number(x) => format!("{x}"),
            Value::Text(t) => t.trim().to_string(),
            Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Value::Date(d) => crate::survey::date::ymd(*d),
        }
    }
}

/// A worksheet as a grid from A1: `rows[r][c]` is the cell at row `r + 1`, column `c`.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Value>>,
    /// The sheet is hidden in the workbook (messages say so).
    pub hidden: bool,
    /// Rows hidden in the workbook (0-based, as `rows`): a writer does not see them, so
    /// `import` skips them and says which.
    pub hidden_rows: Vec<usize>,
}

impl Sheet {
    pub fn get(&self, row: usize, col: usize) -> &Value {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&Value::Empty)
    }

    /// The first row with anything in it.
    pub fn first_row(&self) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| r.iter().any(|v| !v.is_empty()))
    }

    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// A cell's address as a spreadsheet shows it: `(6, 1)` is `B7`.
pub fn address(row: usize, col: usize) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push(b'A' + r as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Read every worksheet of `path`: xlsx, xlsm, xls, xlsb or ods (calamine), or CSV in UTF-8
/// or GBK.
pub fn read(path: &Path) -> Result<Vec<Sheet>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => {
            let bytes = guard::read_file(path)?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(vec![read_csv(path, &name, &bytes)?])
        }
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_workbook_guarded(path),
        _ => Err(Error::input(Diagnostic::new(
            path,
            "不支持的文件类型：请使用 .xlsx、.xls、.ods 或 .csv",
        ))),
    }
}

/// [`read_workbook`], with a panic inside the reader (calamine indexes some corrupt files
/// out of bounds, e.g. a shared-string index past the table or no `sharedStrings.xml`, and
/// its `.xls` (CFB) reader slices past the end of mutated files) turned into the Chinese
/// "damaged workbook" error instead of exit 101. The default panic message is silenced for
/// the call, so the user sees only the Chinese one. Every path into calamine goes through
/// here (`import`, and `import --into`; `batch` and `check` read no spreadsheets).
fn read_workbook_guarded(path: &Path) -> Result<Vec<Sheet>> {
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

/// CSV in UTF-8 (with or without BOM) or, failing that, GBK (GB 18030); cells stay text.
pub fn read_csv(path: &Path, name: &str, bytes: &[u8]) -> Result<Sheet> {
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(Error::input(Diagnostic::new(
                    path,
                    "无法识别 CSV 的编码：既不是 UTF-8 也不是 GBK",
                )));
            }
            s.into_owned()
        }
    };
    // Bounded before the text is split: every field of a record costs memory, empty or not.
    let shape = csv_shape(&text);
    let budget = guard::Budget::new(path);
    if shape.records > 0 {
        budget.extent(name, shape.records - 1, shape.fields.saturating_sub(1))?;
    }
    guard::Budget::new(path).cells(name, shape.full)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            Error::input(Diagnostic::new(path, format!("CSV 格式错误：{e}")).at(Some(i + 1), None))
        })?;
        // A field longer than a spreadsheet cell holds is refused as xlsx/ods cells are:
        // imported, it would make a data file the report cannot be written from.
        for (j, c) in rec.iter().enumerate() {
            if let Err(Error::Input(mut ds)) = text::check_cell(path, name, i as u32, j as u32, c) {
                let line = rec.position().map(|p| p.line() as usize);
                for d in &mut ds {
                    d.line = line;
                }
                return Err(Error::Input(ds));
            }
        }
        rows.push(
            rec.iter()
                .map(|c| {
                    if c.trim().is_empty() {
                        Value::Empty
                    } else {
                        Value::Text(c.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(Sheet {
        name: name.to_string(),
        rows,
        ..Sheet::default()
    })
}

/// What a CSV text holds: records (non-blank lines, quoted line breaks inside a field),
/// the most fields in one record, and the non-empty fields.
struct CsvShape {
    records: u64,
    fields: u64,
    full: u64,
}

/// [`CsvShape`] of `text`, by one pass over its bytes (RFC 4180 quoting: `""` inside a
/// quoted field is a quote), without splitting it.
fn csv_shape(text: &str) -> CsvShape {
    let mut shape = CsvShape {
        records: 0,
        fields: 0,
        full: 0,
    };
    let (mut quoted, mut fields, mut field_full, mut line_has) = (false, 1u64, false, false);
    for &b in text.as_bytes() {
        if quoted {
            if b == b'"' {
                quoted = false;
            } else {
                field_full = true;
            }
            continue;
        }
        match b {
            b'"' => {
                quoted = true;
                line_has = true;
            }
            b',' => {
                shape.full += u64::from(field_full);
                (fields, field_full, line_has) = (fields + 1, false, true);
            }
            b'\n' => {
                shape.full += u64::from(field_full);
                if line_has {
                    shape.records += 1;
                    shape.fields = shape.fields.max(fields);
                }
                (fields, field_full, line_has) = (1, false, false);
            }
            b'\r' => {}
            b' ' | b'\t' => line_has = true,
            _ => (field_full, line_has) = (true, true),
        }
    }
    shape.full += u64::from(field_full);
    if line_has {
        shape.records += 1;
        shape.fields = shape.fields.max(fields);
    }
    shape
}

/// The zip part of every worksheet of an xlsx/xlsm file (its bytes), in workbook order:
/// `(sheet name, part path)`, found through `xl/workbook.xml` and its relationships.
/// Anything unreadable yields what was found so far (calamine reports a broken workbook).
fn xlsx_sheet_parts(bytes: &[u8]) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let part_max = crate::limits::Limits::bytes(crate::limits::current().zip_part_mb);
    let mut part = |n: &str| -> Option<String> {
        let mut s = String::new();
        let f = zip.by_name(n).ok()?;
        // Bounded as every part was before calamine opened the file (guard::check_zip).
        f.take(part_max).read_to_string(&mut s).ok()?;
        Some(s)
    };
    let (Some(workbook), Some(rels)) =
        (part("xl/workbook.xml"), part("xl/_rels/workbook.xml.rels"))
    else {
        return Vec::new();
    };
    let mut sheets = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&workbook);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"sheet" => {
                if let (Some(name), Some(id)) = (xml_attr(&e, b"name"), xml_attr(&e, b"id")) {
                    sheets.push((name, id));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let mut targets = std::collections::HashMap::new();
    let mut reader = quick_xml::Reader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (xml_attr(&e, b"Id"), xml_attr(&e, b"Target")) {
                    let target = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{target}"),
                    };
                    targets.entry(id).or_insert(target);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    sheets
        .into_iter()
        .filter_map(|(name, id)| Some((name, targets.get(&id)?.clone())))
        .collect()
}

/// An attribute's unescaped value, by its full or local name.
fn xml_attr(e: &quick_xml::events::BytesStart, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key || a.key.local_name().as_ref() == key)
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value).into_owned();
            quick_xml::escape::unescape(&raw).map_or(raw.clone(), |v| v.into_owned())
        })
}

/// Refuse an xlsx whose worksheets share one zip part: no valid workbook does that, and
/// each sheet would decompress the part again (100 sheets on one 250 MB part: 25 GB of
/// decompression that [`guard::check_zip`]'s total, counted once per part, never sees).
fn check_xlsx_parts(path: &Path, parts: &[(String, String)]) -> Result<()> {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for (name, part) in parts {
        let key = part.to_lowercase();
        if let Some(first) = seen.get(&key) {
            return Err(Error::input(Diagnostic::new(
                path,
                format!(
                    "工作表“{}”与工作表“{}”指向同一个部件“{}”，不是有效的工作簿（每个工作表应有自己的部件），请用 Excel 或 WPS 打开后另存为 .xlsx 再试",
                    quote(name),
                    quote(first),
                    quote(part)
                ),
            )));
        }
        seen.insert(key, name);
    }
    Ok(())
}

/// The hidden rows (0-based) of the worksheet in zip part `target` of an xlsx file (its
/// bytes): `<row r="7" hidden="1">` (calamine does not expose row visibility). Anything
/// unreadable yields none: the rows are then imported.
fn xlsx_hidden_rows(bytes: &[u8], target: Option<&str>) -> Vec<usize> {
    use quick_xml::events::Event;
    use std::io::Read;
    let Some(target) = target else {
        return Vec::new();
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let part_max = crate::limits::Limits::bytes(crate::limits::current().zip_part_mb);
    let mut sheet = String::new();
    let Ok(f) = zip.by_name(target) else {
        return Vec::new();
    };
    // Bounded as every part was before calamine opened the file (guard::check_zip).
    if f.take(part_max).read_to_string(&mut sheet).is_err() {
        return Vec::new();
    }
    let mut hidden = Vec::new();
    let mut reader = quick_xml::Reader::from_str(&sheet);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"row" => {
                let is_hidden = matches!(xml_attr(&e, b"hidden").as_deref(), Some("1" | "true"));
                if let Some(r) = xml_attr(&e, b"r").and_then(|r| r.parse::<usize>().ok()) {
                    if is_hidden && r >= 1 {
                        hidden.push(r - 1);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(address(0, 0), "A1");
        assert_eq!(address(6, 1), "B7");
        assert_eq!(address(0, 25), "Z1");
        assert_eq!(address(9, 26), "AA10");
        assert_eq!(address(0, 701), "ZZ1");
        assert_eq!(address(0, 702), "AAA1");
    }

    #[test]
    fn csv_shape_counts_records_fields_and_full_cells_with_quotes() {
        let s = csv_shape("a,b,,\r\n\n\"x,\n\"\"y\",c\n,,");
        // Records: `a,b,,`, the quoted one across a line break, `,,` (the blank line is none).
        assert_eq!((s.records, s.fields, s.full), (3, 4, 4));
        let s = csv_shape("");
        assert_eq!((s.records, s.fields, s.full), (0, 0, 0));
    }

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("社区,居民户数\n青一,2219\n");
        let s = read_csv(Path::new("x.csv"), "x", &bytes).expect("gbk csv");
        assert_eq!(s.get(0, 0), &Value::Text("社区".into()));
        assert_eq!(s.get(1, 1), &Value::Text("2219".into()));
    }
}
