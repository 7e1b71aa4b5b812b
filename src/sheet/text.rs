//! Bounds on cell text, checked before calamine materialises it (issue 15).
//!
//! calamine reads a workbook's whole shared-string table while opening it (xlsx
//! `xl/sharedStrings.xml`, xlsb `xl/sharedStrings.bin`), and each inline string, formula
//! result or ODS cell text as one `String`; quick-xml buffers each text node whole first.
//! A 150 MB string, or many large ones, therefore costs several times its size before any
//! budget of ours sees it. Here the parts are scanned first, streaming (a few KiB of
//! memory whatever the text length), and refused when:
//!
//! - one string holds more than [`CELL_CHARS`] characters — Excel's own limit, so no
//!   workbook Excel or WPS wrote exceeds it;
//! - the shared-string table's text, in all, exceeds the workbook's text budget
//!   ([`crate::limits::Limits::sheet_text_mb`], charged to the same [`Budget`] the cells
//!   are then charged to: the table and the cells copied from it are both held in memory).

use std::io::{Cursor, Read};
use std::path::Path;

use super::guard::Budget;
use super::xmlscan::{attr, part, scan_xml, Tok};
use crate::error::{Diagnostic, Error, Result};

pub use crate::limits::CELL_CHARS;

/// The Chinese refusal for a string of `chars` characters at `place`.
fn too_long(path: &Path, place: &str, chars: u64) -> Error {
    Error::input(Diagnostic::new(
        path,
        format!(
            "{place}的文本至少有 {chars} 个字，超过单元格的上限 {CELL_CHARS} 个字（Excel 的单元格上限）；此文件不是 Excel 或 WPS 能保存的工作簿，请检查来源"
        ),
    ))
}

/// How many characters a string of `len` UTF-8 bytes, `s`, holds, counting only when it
/// may matter (a string of at most [`CELL_CHARS`] bytes is within the limit).
pub fn over_limit(s: &str) -> Option<u64> {
    if (s.len() as u64) <= CELL_CHARS {
        return None;
    }
    let n = s.chars().count() as u64;
    (n > CELL_CHARS).then_some(n)
}

/// Refuse a cell value read by calamine whose text exceeds [`CELL_CHARS`]: the last line
/// of defence for the formats not scanned before (`.xls`, whose file size bounds it).
///
/// # Errors
/// [`Error::Input`] naming the sheet and cell.
pub fn check_cell(path: &Path, sheet: &str, row: u32, col: u32, s: &str) -> Result<()> {
    match over_limit(s) {
        Some(n) => Err(too_long(
            path,
            &format!(
                "工作表“{}”{}",
                crate::excerpt::quote(sheet),
                super::address(row as usize, col as usize)
            ),
            n,
        )),
        None => Ok(()),
    }
}

/// Scan an xlsx/xlsm before calamine opens it: every string of the shared-string table
/// (`xl/sharedStrings.xml`) within [`CELL_CHARS`] and the table's text charged to
/// `budget`; every inline string and cell value of the worksheets `sheets` (`(name, part)`,
/// as [`super::ooxml::xlsx_sheet_parts`] finds them) within [`CELL_CHARS`].
///
/// # Errors
/// [`Error::Input`] naming the part and string number, or the sheet and cell; the
/// budget's error when the table's text exceeds `sheet_text_mb`.
pub fn check_xlsx(
    path: &Path,
    bytes: &[u8],
    sheets: &[(String, String)],
    budget: &mut Budget,
) -> Result<()> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let max = crate::limits::Limits::bytes(crate::limits::current().zip_part_mb) + 1;
    if let Some(sst) = part(&mut zip, "xl/sharedStrings.xml", max) {
        // In an `si`: its number, characters and bytes; inside phonetic runs (`rPh`,
        // which calamine skips) and inside a `t`.
        let (mut index, mut in_si, mut rph, mut in_t) = (0u64, false, 0u32, false);
        let (mut chars, mut text) = (0u64, 0u64);
        scan_xml(sst, |tok| {
            match tok {
                Tok::Start { local: b"si", .. } => {
                    index += 1;
                    (in_si, chars, text) = (true, 0, 0);
                }
                Tok::Start { local: b"rPh", .. } => rph += 1,
                Tok::End { local: b"rPh" } => rph = rph.saturating_sub(1),
                Tok::Start { local: b"t", .. } => in_t = true,
                Tok::End { local: b"t" } => in_t = false,
                Tok::End { local: b"si" } => {
                    in_si = false;
                    budget.shared_strings(text)?;
                }
                Tok::Text { chars: c, bytes: b } if in_si && in_t && rph == 0 => {
                    chars += c;
                    text += b;
                    if chars > CELL_CHARS {
                        return Err(too_long(
                            path,
                            &format!("共享字符串表（xl/sharedStrings.xml）第 {index} 个字符串"),
                            chars,
                        ));
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
    }
    for (name, target) in sheets {
        let Some(xml) = part(&mut zip, target, max) else {
            continue;
        };
        // The cell being read (its `r`, else its number in the sheet) and the text of
        // the value or inline string being read.
        let (mut cell, mut number, mut in_value, mut rph, mut chars) =
            (String::new(), 0u64, false, 0u32, 0u64);
        scan_xml(xml, |tok| {
            match tok {
                Tok::Start {
                    local: b"c", tag, ..
                } => {
                    number += 1;
                    cell = attr(tag, b"r").unwrap_or_default();
                    // calamine reads a row number modulo 2^32 (row 4294967299 as row 3):
                    // a reference beyond the limits is refused before it is read.
                    if let Some((row, col)) = cell_ref(&cell) {
                        budget.extent(name, row.saturating_sub(1), col.saturating_sub(1))?;
                    }
                }
                Tok::Start {
                    local: b"row", tag, ..
                } => {
                    let row = attr(tag, b"r").and_then(|r| cell_ref(&format!("A{r}")));
                    if let Some((row, _)) = row {
                        budget.extent(name, row.saturating_sub(1), 0)?;
                    }
                }
                Tok::Start {
                    local: b"v" | b"t", ..
                } => (in_value, chars) = (true, 0),
                Tok::End { local: b"v" | b"t" } => in_value = false,
                Tok::Start { local: b"rPh", .. } => rph += 1,
                Tok::End { local: b"rPh" } => rph = rph.saturating_sub(1),
                Tok::Text { chars: c, .. } if in_value && rph == 0 => {
                    chars += c;
                    if chars > CELL_CHARS {
                        let at = if cell.is_empty() {
                            format!("第 {number} 个单元格")
                        } else {
                            crate::excerpt::quote(&cell).into_owned()
                        };
                        return Err(too_long(
                            path,
                            &format!("工作表“{}”{at}", crate::excerpt::quote(name)),
                            chars,
                        ));
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// A cell reference `B7` as 1-based (row, column), numbers past `u64` saturated (so a
/// row that would wrap in a narrower type stays beyond every limit); `None` when `r` is
/// not letters followed by digits.
pub fn cell_ref(r: &str) -> Option<(u64, u64)> {
    let r = r.trim().replace('$', "");
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty()
        || !letters.bytes().all(|b| b.is_ascii_alphabetic())
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let col = letters.bytes().fold(0u64, |n, b| {
        n.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
    });
    let row = digits.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    Some((row, col))
}

/// Scan an ODS's `content.xml` before calamine (or [`super::guard::check_ods`], whose
/// XML reader buffers each text node whole) reads it: every cell's text — its paragraphs,
/// spans and `<text:s text:c>` spaces, annotations aside — within [`CELL_CHARS`].
///
/// # Errors
/// [`Error::Input`] naming the table and the cell (repeats counted).
pub fn check_ods(path: &Path, bytes: &[u8]) -> Result<()> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let max = crate::limits::Limits::bytes(crate::limits::current().zip_part_mb) + 1;
    let Some(content) = part(&mut zip, "content.xml", max) else {
        return Ok(());
    };
    let repeats = |tag: &[u8], key: &[u8]| -> u64 {
        attr(tag, key)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1u64)
            .max(1)
    };
    let (mut table, mut row, mut row_rep, mut col, mut col_rep) = (String::new(), 0u64, 1, 0u64, 1);
    // Inside a cell (and how deep in annotations); the cell's characters.
    let (mut in_cell, mut note, mut chars) = (false, 0u32, 0u64);
    scan_xml(content, |tok| {
        match tok {
            Tok::Start {
                local: b"table",
                tag,
                ..
            } => {
                table = attr(tag, b"name").unwrap_or_default();
                row = 0;
            }
            Tok::Start {
                local: b"table-row",
                tag,
                ..
            } => (col, row_rep) = (0, repeats(tag, b"number-rows-repeated")),
            Tok::End {
                local: b"table-row",
            } => row = row.saturating_add(row_rep),
            Tok::Start {
                local: b"table-cell" | b"covered-table-cell",
                tag,
                ..
            } => {
                col_rep = repeats(tag, b"number-columns-repeated");
                (in_cell, note, chars) = (true, 0, 0);
            }
            Tok::End {
                local: b"table-cell" | b"covered-table-cell",
            } => {
                in_cell = false;
                col = col.saturating_add(col_rep);
            }
            Tok::Start {
                local: b"annotation",
                ..
            } => note += 1,
            Tok::End {
                local: b"annotation",
            } => note = note.saturating_sub(1),
            Tok::Start {
                local: b"s", tag, ..
            } if in_cell && note == 0 => {
                chars = chars.saturating_add(repeats(tag, b"c"));
            }
            Tok::Start {
                local: b"tab" | b"line-break",
                ..
            } if in_cell && note == 0 => chars += 1,
            Tok::Text { chars: c, .. } if in_cell && note == 0 => chars += c,
            _ => {}
        }
        if in_cell && chars > CELL_CHARS {
            let at = super::address(
                usize::try_from(row).unwrap_or(usize::MAX / 2),
                usize::try_from(col).unwrap_or(usize::MAX / 2),
            );
            return Err(too_long(
                path,
                &format!("工作表“{}”{at}", crate::excerpt::quote(&table)),
                chars,
            ));
        }
        Ok(())
    })
}

/// Scan an xlsb before calamine opens it: every string record of the shared-string table
/// (`xl/sharedStrings.bin`, BrtSSTItem) and of the worksheets (BrtCellSt, BrtFmlaString;
/// MS-XLSB 2.4) within [`CELL_CHARS`], and the table's text charged to `budget`. Records
/// are read one at a time, only a string's own bytes held.
///
/// # Errors
/// As [`check_xlsx`].
pub fn check_xlsb(path: &Path, bytes: &[u8], budget: &mut Budget) -> Result<()> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let max = crate::limits::Limits::bytes(crate::limits::current().zip_part_mb) + 1;
    if let Some(sst) = part(&mut zip, "xl/sharedStrings.bin", max) {
        let mut index = 0u64;
        records(sst, |typ, head, rest| {
            if typ != 0x0013 {
                return Ok(());
            }
            index += 1;
            // BrtSSTItem: flags (1 byte), then the string's length in UTF-16 units.
            let Some(cch) = head.get(1..5).map(le_u32) else {
                return Ok(());
            };
            if cch > CELL_CHARS {
                return Err(too_long(
                    path,
                    &format!("共享字符串表（xl/sharedStrings.bin）第 {index} 个字符串"),
                    cch,
                ));
            }
            budget.shared_strings(utf8_len(rest, cch))
        })?;
    }
    // The worksheets: every relationship of the workbook of worksheet type.
    let mut targets = Vec::new();
    if let Some(mut rels) = part(&mut zip, "xl/_rels/workbook.bin.rels", max) {
        let mut xml = String::new();
        if rels.read_to_string(&mut xml).is_ok() {
            let mut reader = quick_xml::Reader::from_str(&xml);
            while let Ok(ev) = reader.read_event() {
                match ev {
                    quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                        let get = |k: &[u8]| {
                            e.attributes()
                                .flatten()
                                .find(|a| a.key.as_ref() == k)
                                .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        };
                        if let (Some(t), Some(target)) = (get(b"Type"), get(b"Target")) {
                            if t.ends_with("/worksheet") {
                                targets.push(format!("xl/{target}"));
                            }
                        }
                    }
                    quick_xml::events::Event::Eof => break,
                    _ => {}
                }
            }
        }
    }
    for target in targets {
        let Some(sheet) = part(&mut zip, &target, max) else {
            continue;
        };
        records(sheet, |typ, head, _| {
            // BrtCellSt, BrtFmlaString: column and style (8 bytes), then the length.
            if typ == 0x0006 || typ == 0x0008 {
                if let Some(cch) = head.get(8..12).map(le_u32) {
                    if cch > CELL_CHARS {
                        return Err(too_long(
                            path,
                            &format!("工作表部件“{}”的一个单元格", crate::excerpt::quote(&target)),
                            cch,
                        ));
                    }
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn le_u32(b: &[u8]) -> u64 {
    u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The UTF-8 length of a string of `cch` UTF-16 units whose bytes start `rest`: exact
/// for the units present, three bytes for each unit missing.
fn utf8_len(rest: &[u8], cch: u64) -> u64 {
    let units: Vec<u16> = rest
        .chunks_exact(2)
        .take(cch as usize)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let have = units.len() as u64;
    let exact: u64 = char::decode_utf16(units.iter().copied())
        .map(|c| c.map_or(3, |c| c.len_utf8() as u64))
        .sum();
    exact + 3 * cch.saturating_sub(have)
}

/// Read the MS-XLSB records of `r` one at a time: `f(type, first bytes, the string bytes
/// after them)` for each — the first 12 bytes of the record, then (for a record of at most
/// 64 KiB + 16) the rest; longer records are skipped unread past the first 12 bytes. A
/// truncated stream ends the walk.
fn records<R: Read>(mut r: R, mut f: impl FnMut(u16, &[u8], &[u8]) -> Result<()>) -> Result<()> {
    let mut head = [0u8; 12];
    let mut rest = Vec::new();
    loop {
        let mut b = [0u8; 1];
        // Type: one or two bytes, 7 bits each.
        if r.read_exact(&mut b).is_err() {
            return Ok(());
        }
        let mut typ = u16::from(b[0] & 0x7F);
        if b[0] & 0x80 != 0 {
            if r.read_exact(&mut b).is_err() {
                return Ok(());
            }
            typ += u16::from(b[0] & 0x7F) << 7;
        }
        // Length: up to four bytes, 7 bits each.
        let mut len = 0u64;
        for i in 0..4 {
            if r.read_exact(&mut b).is_err() {
                return Ok(());
            }
            len += u64::from(b[0] & 0x7F) << (7 * i);
            if b[0] & 0x80 == 0 {
                break;
            }
        }
        let first = len.min(12) as usize;
        if r.read_exact(&mut head[..first]).is_err() {
            return Ok(());
        }
        let left = len - first as u64;
        rest.clear();
        if left <= 64 * 1024 + 16 {
            if (&mut r).take(left).read_to_end(&mut rest).is_err() {
                return Ok(());
            }
        } else if std::io::copy(&mut (&mut r).take(left), &mut std::io::sink()).is_err() {
            return Ok(());
        }
        f(typ, &head[..first], &rest)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `xml`, text as `T(chars,bytes)`.
    fn toks(xml: &str) -> Vec<String> {
        let mut out = Vec::new();
        // Read one byte at a time: state must survive every chunk boundary.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.split_first() {
                    Some((b, rest)) if !buf.is_empty() => {
                        buf[0] = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        for chunked in [false, true] {
            let mut got = Vec::new();
            let push = |t: Tok, got: &mut Vec<String>| {
                got.push(match t {
                    Tok::Start { local, .. } => format!("<{}>", String::from_utf8_lossy(local)),
                    Tok::End { local } => format!("</{}>", String::from_utf8_lossy(local)),
                    Tok::Text { chars, bytes } => format!("T({chars},{bytes})"),
                });
            };
            if chunked {
                scan_xml(OneByte(xml.as_bytes()), |t| {
                    push(t, &mut got);
                    Ok(())
                })
                .unwrap();
            } else {
                scan_xml(xml.as_bytes(), |t| {
                    push(t, &mut got);
                    Ok(())
                })
                .unwrap();
            }
            if chunked {
                assert_eq!(got, out, "chunked scan differs");
            } else {
                out = got;
            }
        }
        out
    }

    #[test]
    fn the_scanner_counts_text_as_quick_xml_delivers_it() {
        let xml = r#"<?xml version="1.0"?><!-- a <t> in a comment --><x:sst a='>' b="/>"><si><t>社区&amp;&#x4E2D;</t></si><si><t><![CDATA[a]b<]]></t><br/></si></x:sst>"#;
        assert_eq!(
            toks(xml),
            [
                "<sst>", "<si>", "<t>", "T(4,10)", "</t>", "</si>", "<si>", "<t>", "T(4,4)",
                "</t>", "<br>", "</br>", "</si>", "</sst>"
            ]
        );
    }

    #[test]
    fn attributes_are_read_from_the_raw_tag() {
        assert_eq!(attr(br#"c r="B7" t="s""#, b"r").as_deref(), Some("B7"));
        assert_eq!(
            attr(
                br#"table:table-row table:number-rows-repeated="3""#,
                b"number-rows-repeated"
            )
            .as_deref(),
            Some("3")
        );
    }

    #[test]
    fn utf16_lengths_become_utf8_lengths() {
        let s: Vec<u8> = "a社😀".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(utf8_len(&s, 4), 1 + 3 + 4);
        assert_eq!(utf8_len(&s[..2], 3), 1 + 6);
    }
}
