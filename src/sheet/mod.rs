//! Spreadsheets: reading units from Excel/CSV (`diaoyan import`) and writing them out
//! (`diaoyan export`). A spreadsheet is read into plain [`Sheet`]s first, merged cells filled
//! in, so matching and parsing never see the file format.

mod cells;
mod datafile;
mod delimited;
mod export;
mod guard;
mod header;
mod import;
mod odsguard;
mod ooxml;
pub(crate) mod text;
mod workbook;
mod xls;
mod xmlscan;

pub use datafile::{checked_text, data_file};
pub use delimited::read_csv;
pub use export::{export, form_workbook};
pub use export::{REPORT_SHEET, STATS_SHEET};
pub use import::{import, Imported};

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};
use crate::survey::Pack;

/// A spreadsheet as a data file's text for `pack`, checked as `diaoyan check` would; the
/// problems name the spreadsheet's sheets, cells and rows. With `into` (an existing data
/// file and its text), only its units and tables are replaced; it must use the same pack.
pub fn import_file(
    file: &Path,
    pack: &Pack,
    into: Option<(&Path, &str)>,
) -> Result<(String, Imported)> {
    import_checked(file, pack, into, true)
}

/// A spreadsheet merged into a data file (`into`: its path and text, which must use the
/// same pack): the spreadsheet is checked alone, exactly as a new `import` checks it
/// (the same problems by sheet and cell), and on success `into`'s text is returned with
/// its `units:` (and the tables the spreadsheet has) replaced, everything else kept.
/// Unlike [`import_file`] with `into`, the rest of the data file is not checked: a fresh
/// `init` skeleton whose findings are still empty takes a spreadsheet.
///
/// # Errors
/// [`Error::Input`] naming `into` when its `template:` is another pack; the spreadsheet's
/// read errors and problems, as `import` gives them.
pub fn merge_file(file: &Path, pack: &Pack, into: (&Path, &str)) -> Result<(String, Imported)> {
    import_checked(file, pack, Some(into), false)
}

/// [`import_file`] (`whole`: a file imported into is checked whole) or [`merge_file`]
/// (the spreadsheet checked alone).
fn import_checked(
    file: &Path,
    pack: &Pack,
    into: Option<(&Path, &str)>,
    whole: bool,
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
    let into_text = into
        .map(|into| data_file(pack, &imported, file, Some(into)))
        .transpose()?;
    // Checked alone, the spreadsheet is told as a new import tells it.
    let into = into.filter(|_| whole);
    let as_file = into.map_or_else(|| file.with_extension("yaml"), |(p, _)| p.to_path_buf());
    // A new file is checked without its skeleton (what is left to fill is `check`'s to
    // list); a file imported into is checked whole. The survey loaded is dropped at once.
    let checked = match into_text.as_ref().filter(|_| whole) {
        Some(text) => {
            crate::survey::load_bytes(&as_file, text.as_bytes(), pack.dir.as_deref()).map(drop)
        }
        None => {
            let checked = datafile::checked_text(pack, &imported);
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
    let text = match into_text {
        Some(text) => text,
        None => data_file(pack, &imported, file, None)?,
    };
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
    /// No content.
    Empty,
    /// A number (Excel keeps every number as a double).
    Number(f64),
    /// Text, as written (trimmed only by [`Value::text`]).
    Text(String),
    /// A logical value (TRUE/FALSE), printed 是/否.
    Bool(bool),
    /// A date-formatted cell (Excel date serial, ODS date value).
    Date(crate::survey::Date),
}

impl Value {
    /// Empty, or text of whitespace only.
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
    /// The sheet's name in the workbook (a CSV's: its file stem).
    pub name: String,
    /// The cells, row by row from row 1; rows may differ in length (missing cells are
    /// empty, see [`Sheet::get`]).
    pub rows: Vec<Vec<Value>>,
    /// The sheet is hidden in the workbook (messages say so).
    pub hidden: bool,
    /// Rows hidden in the workbook (0-based, as `rows`): a writer does not see them, so
    /// `import` skips them and says which.
    pub hidden_rows: Vec<usize>,
}

impl Sheet {
    /// The cell at 0-based `row`, `col`; [`Value::Empty`] outside the grid.
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

    /// The number of columns: the longest row's length.
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
            Ok(vec![delimited::read_csv(path, &name, &bytes)?])
        }
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => workbook::read_workbook_guarded(path),
        _ => Err(Error::input(Diagnostic::new(
            path,
            "不支持的文件类型：请使用 .xlsx、.xls、.ods 或 .csv",
        ))),
    }
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
    fn csv_in_gbk_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("社区,居民户数\n青一,2219\n");
        let s = read_csv(Path::new("x.csv"), "x", &bytes).expect("gbk csv");
        assert_eq!(s.get(0, 0), &Value::Text("社区".into()));
        assert_eq!(s.get(1, 1), &Value::Text("2219".into()));
    }
}
