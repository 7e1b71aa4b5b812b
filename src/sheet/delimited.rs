//! CSV files: UTF-8 (with or without BOM) or GBK, bounded, read into one [`Sheet`] of text
//! cells.

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};

use super::{guard, text, Sheet, Value};

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
pub(super) struct CsvShape {
    records: u64,
    fields: u64,
    full: u64,
}

/// [`CsvShape`] of `text`, by one pass over its bytes (RFC 4180 quoting: `""` inside a
/// quoted field is a quote), without splitting it.
pub(super) fn csv_shape(text: &str) -> CsvShape {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_shape_counts_records_fields_and_full_cells_with_quotes() {
        let s = csv_shape("a,b,,\r\n\n\"x,\n\"\"y\",c\n,,");
        // Records: `a,b,,`, the quoted one across a line break, `,,` (the blank line is none).
        assert_eq!((s.records, s.fields, s.full), (3, 4, 4));
        let s = csv_shape("");
        assert_eq!((s.records, s.fields, s.full), (0, 0, 0));
    }
}
