//! An xlsx file's own parts, read before calamine: which zip part is which worksheet,
//! the parts' bounds, and the rows a worksheet hides.

use std::path::Path;

use crate::error::{Diagnostic, Error, Result};
use crate::excerpt::quote;

/// The zip part of every worksheet of an xlsx/xlsm file (its bytes), in workbook order:
/// `(sheet name, part path)`, found through `xl/workbook.xml` and its relationships.
/// Anything unreadable yields what was found so far (calamine reports a broken workbook).
pub(super) fn xlsx_sheet_parts(bytes: &[u8]) -> Vec<(String, String)> {
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
/// decompression that [`super::guard::check_zip`]'s total, counted once per part, never sees).
pub(super) fn check_xlsx_parts(path: &Path, parts: &[(String, String)]) -> Result<()> {
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
pub(super) fn xlsx_hidden_rows(bytes: &[u8], target: Option<&str>) -> Vec<usize> {
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
