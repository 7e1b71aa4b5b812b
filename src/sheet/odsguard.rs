//! The ODS bound of [`super::guard`]: an ODS's `content.xml` scanned for the extent
//! calamine would expand its repeated rows and cells to, before calamine opens it.

use std::io::{Cursor, Read};
use std::path::Path;

use crate::error::Result;
use crate::limits::{self, Limits};

use super::guard::{damaged, refuse, sheet_count, Budget};

/// Refuse an ODS whose `content.xml` would make calamine materialise more than the limits
/// allow: per table, the rows and columns up to the farthest non-empty cell (repeats
/// expanded), the dense area from the first to the last non-empty row, and the non-empty
/// cells of the workbook (each repeated one counted as often as it repeats). Repeated
/// EMPTY rows and cells — LibreOffice pads every sheet with them to the last row and
/// column — cost nothing and are accepted. Runs before calamine opens the file.
///
/// # Errors
/// [`crate::error::Error::Input`] naming the table and the limit; the "damaged workbook" error if
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
    /// Tables seen so far (bounded by [`super::guard::MAX_SHEETS`]).
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
