//! Bounds on reading a spreadsheet (issue 15): every check here runs BEFORE the work it
//! guards, so a small hostile file cannot drive memory or time past the limits of
//! [`crate::limits`].
//!
//! - the file itself: regular, at most `sheet_file_mb` ([`read_file`]);
//! - a zip container (xlsx, xlsm, xlsb, ods): each part's and all parts' uncompressed size,
//!   declared and actually decompressed ([`check_zip`]), before calamine opens it;
//! - an ODS's `content.xml`: calamine expands `number-rows-repeated` ×
//!   `number-columns-repeated` into a dense grid while opening, so the extent and the
//!   number of non-empty cells are computed from the XML first ([`check_ods`]), and the
//!   text the cells expand to (repeats and `<text:s text:c>` spaces included);
//! - every sheet: rows and columns of the cells that exist, non-empty cells of the whole
//!   workbook (counted while reading, so duplicates count), merged areas ([`Budget`]).

use std::io::{Cursor, Read};
use std::path::Path;

use crate::error::{Diagnostic, Error, Result};
use crate::excerpt::quote;
use crate::fsio::human_size;
use crate::limits::{self, Limits};

/// `…；如确需处理，可设置环境变量 VAR 调高上限` — how every refusal ends.
fn raise(var: &str) -> String {
    format!("如确需导入，可设置环境变量 {var} 调高上限")
}

fn refuse(path: &Path, message: String) -> Error {
    Error::input(Diagnostic::new(path, message))
}

/// At most this many worksheets in one workbook. A survey workbook has a handful; calamine
/// looks sheets up by name, so reading grows with the square of their number (20,000 sheets
/// in a 12 MB xlsx ran past two minutes). Fixed, not raisable: no survey needs more.
pub const MAX_SHEETS: usize = 1000;

/// The "too many sheets" refusal when `n` passes [`MAX_SHEETS`].
///
/// # Errors
/// The Chinese refusal naming the count and the limit.
pub fn sheet_count(path: &Path, n: usize) -> Result<()> {
    if n > MAX_SHEETS {
        return Err(refuse(
            path,
            format!("工作簿的工作表超过上限 {MAX_SHEETS} 张（数到第 {n} 张）"),
        ));
    }
    Ok(())
}

/// The spreadsheet's bytes: a regular file of at most [`Limits::sheet_file_mb`] MiB (a
/// FIFO, device or folder is refused before it is opened).
///
/// # Errors
/// [`crate::fsio::read_bounded`]'s, naming `DIAOYAN_MAX_SHEET_FILE_MB`.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    crate::fsio::read_bounded(
        path,
        limits::current().sheet_file_mb,
        "DIAOYAN_MAX_SHEET_FILE_MB",
    )
}

/// Whether `bytes` look like a zip archive (local header or an empty archive's end record).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Refuse a zip container whose parts expand past [`Limits::zip_part_mb`] each or
/// [`Limits::zip_total_mb`] together. The sizes the archive declares are checked first,
/// then every part is decompressed (into nothing) counting the bytes that actually come
/// out, so a header that lies about its size is caught too. A part that cannot be
/// decompressed is passed over here (the reader reports it, if it needs it).
///
/// # Errors
/// [`Error::Input`] naming the part, its size and the variable that raises the limit. An
/// archive the zip reader cannot open passes (calamine then refuses it).
pub fn check_zip(path: &Path, bytes: &[u8]) -> Result<()> {
    let lim = limits::current();
    let (part_max, total_max) = (
        Limits::bytes(lim.zip_part_mb),
        Limits::bytes(lim.zip_total_mb),
    );
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a zip archive after all: calamine says so in its own words.
        return Ok(());
    };
    let part_too_big = |name: &str, size: u64| {
        refuse(
            path,
            format!(
                "压缩部件“{}”解压后为 {}，超过单个部件上限 {} MiB（疑似压缩炸弹）；{}",
                quote(name),
                human_size(size),
                lim.zip_part_mb,
                raise("DIAOYAN_MAX_ZIP_PART_MB")
            ),
        )
    };
    let total_too_big = |size: u64| {
        refuse(
            path,
            format!(
                "工作簿全部部件解压后至少 {}，超过总上限 {} MiB（疑似压缩炸弹）；{}",
                human_size(size),
                lim.zip_total_mb,
                raise("DIAOYAN_MAX_ZIP_TOTAL_MB")
            ),
        )
    };
    // Declared sizes: free to check, and most bombs stop here.
    let mut declared_total = 0u64;
    let mut worksheets = 0;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            continue;
        };
        // xlsx and xlsb worksheet parts (their relationships aside).
        let name = entry.name();
        if name.starts_with("xl/worksheets/") && !name.contains("_rels") {
            worksheets += 1;
            sheet_count(path, worksheets)?;
        }
        if entry.size() > part_max {
            return Err(part_too_big(entry.name(), entry.size()));
        }
        declared_total = declared_total.saturating_add(entry.size());
        if declared_total > total_max {
            return Err(total_too_big(declared_total));
        }
    }
    // Actual sizes: at most the limit plus one byte is decompressed per part.
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let name = entry.name().to_string();
        // Every byte that comes out counts, even if the part then fails (bad CRC,
        // truncated data: the reader reports that).
        let mut counted = entry.take(part_max + 1);
        let mut n = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match counted.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k as u64,
            }
        }
        if n > part_max {
            return Err(part_too_big(&name, n));
        }
        total = total.saturating_add(n);
        if total > total_max {
            return Err(total_too_big(total));
        }
    }
    Ok(())
}

/// The Chinese "damaged workbook" error.
pub fn damaged(path: &Path) -> Error {
    refuse(
        path,
        "文件已损坏或不是有效的工作簿，请用 Excel 或 WPS 打开后另存为 .xlsx 再试".to_string(),
    )
}

/// What one sheet may hold, and what the whole workbook has used: rows and columns are
/// counted from A1 to the farthest non-empty cell (the grid import works on starts at A1,
/// so a sheet whose data starts at column C imports as before, while cells only in column
/// XFD are refused), cells are every non-empty cell read (duplicates included) plus every
/// cell a merge fills.
pub struct Budget<'a> {
    path: &'a Path,
    rows: u64,
    columns: u64,
    cells: u64,
    used: u64,
    text: u64,
    text_used: u64,
}

impl<'a> Budget<'a> {
    /// The limits in force, nothing used yet.
    pub fn new(path: &'a Path) -> Self {
        let lim = limits::current();
        Budget {
            path,
            rows: lim.sheet_rows,
            columns: lim.sheet_columns,
            cells: lim.sheet_cells,
            used: 0,
            text: Limits::bytes(lim.sheet_text_mb),
            text_used: 0,
        }
    }

    /// Count `n` more bytes of cell text read (or about to be expanded) from `sheet`:
    /// called before the text is copied, so a shared string referred to by many cells, or
    /// an ODS cell repeated many times, is refused before it fills memory.
    ///
    /// # Errors
    /// [`Error::Input`] once the workbook's text exceeds `sheet_text_mb` MiB.
    pub fn text(&mut self, sheet: &str, n: u64) -> Result<()> {
        self.text_used = self.text_used.saturating_add(n);
        if self.text_used > self.text {
            return Err(refuse(
                self.path,
                format!(
                    "读到工作表“{}”时，工作簿单元格的文本展开后已超过上限 {} MiB（共享字符串每被引用一次、重复单元格每重复一次都计入）；{}",
                    quote(sheet),
                    self.text / (1024 * 1024),
                    raise("DIAOYAN_MAX_SHEET_TEXT_MB")
                ),
            ));
        }
        Ok(())
    }

    /// Count `n` more bytes of the shared-string table, which calamine holds whole while
    /// the workbook is open (the cells copied from it are counted again by [`Self::text`]:
    /// both are in memory). Called by the scan that runs before calamine opens the file.
    ///
    /// # Errors
    /// [`Error::Input`] once the workbook's text exceeds `sheet_text_mb` MiB.
    pub fn shared_strings(&mut self, n: u64) -> Result<()> {
        self.text_used = self.text_used.saturating_add(n);
        if self.text_used > self.text {
            return Err(refuse(
                self.path,
                format!(
                    "工作簿的共享字符串表的文本超过上限 {} MiB（共享字符串表与单元格文本合计）；{}",
                    self.text / (1024 * 1024),
                    raise("DIAOYAN_MAX_SHEET_TEXT_MB")
                ),
            ));
        }
        Ok(())
    }

    /// Count `n` more non-empty cells read from `sheet`.
    ///
    /// # Errors
    /// [`Error::Input`] once the workbook holds more than `sheet_cells`.
    pub fn cells(&mut self, sheet: &str, n: u64) -> Result<()> {
        self.used = self.used.saturating_add(n);
        if self.used > self.cells {
            return Err(refuse(
                self.path,
                format!(
                    "读到工作表“{}”时，工作簿的非空单元格已超过上限 {} 个；{}",
                    quote(sheet),
                    self.cells,
                    raise("DIAOYAN_MAX_SHEET_CELLS")
                ),
            ));
        }
        Ok(())
    }

    /// Check that a sheet whose farthest non-empty cell is at 0-based `(last_row,
    /// last_col)` fits.
    ///
    /// # Errors
    /// [`Error::Input`] naming the sheet, the cell and the variable to raise.
    pub fn extent(&self, sheet: &str, last_row: u64, last_col: u64) -> Result<()> {
        if last_row.saturating_add(1) > self.rows {
            return Err(refuse(
                self.path,
                format!(
                    "工作表“{}”的数据延伸到第 {} 行，超过上限 {} 行；{}",
                    quote(sheet),
                    u128::from(last_row) + 1,
                    self.rows,
                    raise("DIAOYAN_MAX_SHEET_ROWS")
                ),
            ));
        }
        if last_col.saturating_add(1) > self.columns {
            return Err(refuse(
                self.path,
                format!(
                    "工作表“{}”的数据延伸到 {} 列（第 {} 列），超过上限 {} 列；{}",
                    quote(sheet),
                    column_name(last_col),
                    u128::from(last_col) + 1,
                    self.columns,
                    raise("DIAOYAN_MAX_SHEET_COLUMNS")
                ),
            ));
        }
        Ok(())
    }

    /// Check a dense area a reader materialises: `rows` × `columns` cells of `sheet`.
    ///
    /// # Errors
    /// [`Error::Input`] if the area exceeds `sheet_cells`.
    pub fn area(&self, sheet: &str, rows: u64, columns: u64) -> Result<()> {
        let area = rows.saturating_mul(columns);
        if area > self.cells {
            return Err(refuse(
                self.path,
                format!(
                    "工作表“{}”的数据区域为 {rows} 行 × {columns} 列，共 {area} 个单元格，超过上限 {} 个；{}",
                    quote(sheet),
                    self.cells,
                    raise("DIAOYAN_MAX_SHEET_CELLS")
                ),
            ));
        }
        Ok(())
    }

    /// Check the grid a sheet becomes — `cells` in all, each row as wide as its last
    /// non-empty or merged cell, from column A — before it is allocated.
    ///
    /// # Errors
    /// [`Error::Input`] if it exceeds `sheet_cells`.
    pub fn grid(&self, sheet: &str, cells: u64) -> Result<()> {
        if cells > self.cells {
            return Err(refuse(
                self.path,
                format!(
                    "工作表“{}”按行展开（含行内空白单元格）共 {cells} 个单元格，超过上限 {} 个；{}",
                    quote(sheet),
                    self.cells,
                    raise("DIAOYAN_MAX_SHEET_CELLS")
                ),
            ));
        }
        Ok(())
    }

    /// Check the merged regions of `sheet` before they are filled in: each one's extent,
    /// and the cells they fill counted against the workbook's cells.
    ///
    /// # Errors
    /// [`Error::Input`] naming the first region over a limit.
    pub fn merges(&mut self, sheet: &str, merged: &[calamine::Dimensions]) -> Result<()> {
        for m in merged {
            let (r0, c0) = (u64::from(m.start.0), u64::from(m.start.1));
            let (r1, c1) = (u64::from(m.end.0), u64::from(m.end.1));
            if r1 < r0 || c1 < c0 {
                continue;
            }
            let name = format!(
                "{}:{}",
                super::address(r0 as usize, c0 as usize),
                super::address(r1 as usize, c1 as usize)
            );
            let area = (r1 - r0 + 1).saturating_mul(c1 - c0 + 1);
            if r1 + 1 > self.rows || c1 + 1 > self.columns || area > self.cells {
                return Err(refuse(
                    self.path,
                    format!(
                        "工作表“{}”的合并单元格 {name} 覆盖 {area} 个单元格，超出上限（{} 行、{} 列、{} 个单元格）；{}",
                        quote(sheet),
                        self.rows,
                        self.columns,
                        self.cells,
                        raise("DIAOYAN_MAX_SHEET_CELLS / DIAOYAN_MAX_SHEET_ROWS / DIAOYAN_MAX_SHEET_COLUMNS")
                    ),
                ));
            }
            self.cells(sheet, area)?;
        }
        Ok(())
    }
}

/// A 0-based column index as its letters: 0 is `A`, 16383 is `XFD`.
fn column_name(col: u64) -> String {
    // By hand on u128: `col + 1` must not wrap for the largest u64.
    let mut letters = Vec::new();
    let mut c = u128::from(col) + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Refuse an ODS whose `content.xml` would make calamine materialise more than the limits
/// allow: per table, the rows and columns up to the farthest non-empty cell (repeats
/// expanded), the dense area from the first to the last non-empty row, and the non-empty
/// cells of the workbook (each repeated one counted as often as it repeats). Repeated
/// EMPTY rows and cells — LibreOffice pads every sheet with them to the last row and
/// column — cost nothing and are accepted. Runs before calamine opens the file.
///
/// # Errors
/// [`Error::Input`] naming the table and the limit; the "damaged workbook" error if
/// `content.xml` cannot be read.
pub fn check_ods(path: &Path, bytes: &[u8]) -> Result<()> {
    use quick_xml::events::{BytesStart, Event};
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        // calamine reports the missing part.
        return Ok(());
    };
    let part_max = Limits::bytes(limits::current().zip_part_mb);
    let mut reader =
        quick_xml::Reader::from_reader(std::io::BufReader::new(content.take(part_max + 1)));
    // A repeat count is a positive integer (ODF 1.2 §19.615, §19.678): anything else —
    // negative, zero, past u64, not a number — is refused, not read as 1.
    let repeats = |e: &BytesStart, key: &[u8]| -> Result<u64> {
        let Some(a) = e.try_get_attribute(key).ok().flatten() else {
            return Ok(1);
        };
        let raw = String::from_utf8_lossy(&a.value);
        match raw.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(refuse(
                path,
                format!(
                    "content.xml 中 {}=\"{}\" 不是正整数（重复次数应为 1 或更大的整数）；此文件已损坏或不是 LibreOffice/WPS 保存的工作簿",
                    String::from_utf8_lossy(key),
                    crate::excerpt::quote(&raw)
                ),
            )),
        }
    };
    let has = |e: &BytesStart, key: &[u8]| e.try_get_attribute(key).ok().flatten().is_some();
    // The text an element inside a cell expands to: `text:s` is `text:c` spaces (default
    // one), a tab or line break one character; anything else none of its own.
    let spaces = |e: &BytesStart| -> Result<u64> {
        match e.name().as_ref() {
            b"text:s" => repeats(e, b"text:c"),
            b"text:tab" | b"text:line-break" => Ok(1),
            _ => Ok(0),
        }
    };
    let mut scan = OdsScan {
        budget: Budget::new(path),
        table: String::new(),
        row: 0,
        row_repeats: 1,
        col: 0,
        row_has: false,
        first_row: None,
        last_row: 0,
        last_col: 0,
        tables: 0,
    };
    // The cell being scanned: its repeats, whether it holds anything, its nesting depth,
    // the bytes of text it expands to (`<text:s text:c="n"/>` is n spaces).
    let mut cell: Option<(u64, bool, usize, u64)> = None;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| damaged(path))?;
        if let Some((rep, full, depth, text)) = cell.as_mut() {
            match &event {
                Event::Start(e) => {
                    *full = true;
                    *depth += 1;
                    *text = text.saturating_add(spaces(e)?);
                }
                Event::Empty(e) => {
                    *full = true;
                    *text = text.saturating_add(spaces(e)?);
                }
                Event::Text(t) => {
                    if !t.iter().all(u8::is_ascii_whitespace) {
                        *full = true;
                    }
                    *text = text.saturating_add(t.len() as u64);
                }
                Event::CData(t) => *text = text.saturating_add(t.len() as u64),
                Event::End(_) if *depth > 0 => *depth -= 1,
                Event::End(_) => {
                    let (rep, full, text) = (*rep, *full, *text);
                    cell = None;
                    scan.cell(rep, full)?;
                    scan.text(rep, text)?;
                }
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        let (start, e) = match event {
            Event::Start(e) => (true, e),
            Event::Empty(e) => (false, e),
            Event::End(e) => {
                match e.name().as_ref() {
                    b"table:table" => scan.end_table()?,
                    b"table:table-row" => scan.end_row(),
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().as_ref() {
            b"table:table" => {
                let name = e
                    .try_get_attribute(b"table:name")
                    .ok()
                    .flatten()
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
                scan.start_table(name);
            }
            b"table:table-row" => {
                scan.start_row(repeats(&e, b"table:number-rows-repeated")?);
                if !start {
                    scan.end_row();
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                let rep = repeats(&e, b"table:number-columns-repeated")?;
                let full = has(&e, b"office:value-type") || has(&e, b"table:formula");
                if start {
                    cell = Some((rep, full, 0, 0));
                } else {
                    scan.cell(rep, full)?;
                }
            }
            _ => {}
        }
    }
    if reader.buffer_position() > part_max {
        return Err(damaged(path));
    }
    Ok(())
}

/// [`check_ods`]'s position in `content.xml`: 0-based row and column, repeats expanded.
struct OdsScan<'a> {
    budget: Budget<'a>,
    table: String,
    row: u64,
    row_repeats: u64,
    col: u64,
    row_has: bool,
    first_row: Option<u64>,
    last_row: u64,
    last_col: u64,
    /// Tables seen so far (bounded by [`MAX_SHEETS`]).
    tables: usize,
}

impl OdsScan<'_> {
    fn start_table(&mut self, name: String) {
        self.tables += 1;
        self.table = name;
        (self.row, self.first_row, self.last_row, self.last_col) = (0, None, 0, 0);
    }

    fn end_table(&mut self) -> Result<()> {
        sheet_count(self.budget.path, self.tables)?;
        if let Some(first) = self.first_row {
            self.budget
                .extent(&self.table, self.last_row, self.last_col)?;
            self.budget
                .area(&self.table, self.last_row - first + 1, self.last_col + 1)?;
        }
        Ok(())
    }

    fn start_row(&mut self, repeats: u64) {
        (self.row_repeats, self.col, self.row_has) = (repeats, 0, false);
    }

    fn end_row(&mut self) {
        if self.row_has {
            self.first_row.get_or_insert(self.row);
            self.last_row = self.row.saturating_add(self.row_repeats - 1);
        }
        self.row = self.row.saturating_add(self.row_repeats);
    }

    /// The text of a cell repeated `repeats` times across (in a row repeated too), counted
    /// as calamine expands it: once per copy.
    fn text(&mut self, repeats: u64, bytes: u64) -> Result<()> {
        if bytes == 0 {
            return Ok(());
        }
        let copies = repeats.saturating_mul(self.row_repeats);
        self.budget.text(&self.table, bytes.saturating_mul(copies))
    }

    /// A cell repeated `repeats` times across, holding something if `full`.
    fn cell(&mut self, repeats: u64, full: bool) -> Result<()> {
        if full {
            self.last_col = self.last_col.max(self.col.saturating_add(repeats - 1));
            self.row_has = true;
            // Fail early on a row far wider than allowed.
            self.budget.extent(&self.table, self.row, self.last_col)?;
            self.budget
                .cells(&self.table, repeats.saturating_mul(self.row_repeats))?;
        }
        self.col = self.col.saturating_add(repeats);
        Ok(())
    }
}
