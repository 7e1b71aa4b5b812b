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

pub use super::odsguard::check_ods;

/// `…；如确需处理，可设置环境变量 VAR 调高上限` — how every refusal ends.
fn raise(var: &str) -> String {
    format!("如确需导入，可设置环境变量 {var} 调高上限")
}

pub(super) fn refuse(path: &Path, message: String) -> Error {
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
    pub(super) path: &'a Path,
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
