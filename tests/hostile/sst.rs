//! Issue 15: cell text — shared strings, inline strings, ODS and xlsb text, reader errors,
//! `import --into` attribution and bounded quotations of user text in messages. Every
//! file is built here, under a temporary folder, and run through the binary under an
//! address-space limit of 1 GiB and a timeout (see tests/hostile.rs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::common::*;

const TIMEOUT: Duration = Duration::from_secs(20);

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

/// A part's content: text pieces, a piece repeated (`(piece, times)`) written without ever
/// building the whole text.
type Pieces<'a> = &'a [(&'a str, u64)];

/// A zip archive of `parts` (name, pieces), deflated at the fastest level.
fn zip(parts: &[(&str, Pieces)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (name, pieces) in parts {
        w.start_file(*name, opts).unwrap();
        for (piece, times) in *pieces {
            // Repeated in blocks of about 1 MiB.
            let per = (1 << 20) / piece.len().max(1) + 1;
            let block = piece.repeat(per.min(*times as usize));
            let mut left = *times;
            while left >= per as u64 {
                w.write_all(block.as_bytes()).unwrap();
                left -= per as u64;
            }
            w.write_all(piece.repeat(left as usize).as_bytes()).unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

/// An xlsx with one sheet “数据” whose `sheetData` is `cells`, and a shared-string table
/// `sst` (the content of `<sst>`) if given.
fn xlsx(sst: Option<Pieces>, cells: Pieces) -> Vec<u8> {
    let mut sheet: Vec<(&str, u64)> = vec![(SHEET_HEAD, 1)];
    sheet.extend_from_slice(cells);
    sheet.push(("</sheetData></worksheet>", 1));
    let mut parts: Vec<(&str, Pieces)> = vec![
        ("[Content_Types].xml", &[(CONTENT_TYPES, 1)]),
        ("_rels/.rels", &[(RELS, 1)]),
        ("xl/workbook.xml", &[(WORKBOOK, 1)]),
        ("xl/_rels/workbook.xml.rels", &[(WORKBOOK_RELS, 1)]),
        ("xl/worksheets/sheet1.xml", &sheet),
    ];
    let table: Vec<(&str, u64)>;
    if let Some(sst) = sst {
        let mut t = vec![(
            r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            1,
        )];
        t.extend_from_slice(sst);
        t.push(("</sst>", 1));
        table = t;
        parts.push(("xl/sharedStrings.xml", &table));
    }
    zip(&parts)
}

/// `bytes` written as `name` in a fresh temporary folder.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// [`import_confined`] with this file's timeout.
fn import(path: &Path, envs: &[(&str, &str)], extra: &[&str]) -> (Confined, PathBuf) {
    import_confined(path, envs, extra, TIMEOUT)
}

/// Refused with exit 2, the file's name and the needles in the message, nothing written.
#[track_caller]
fn assert_refused(path: &Path, envs: &[(&str, &str)], needles: &[&str]) -> Confined {
    let (run, out) = import(path, envs, &[]);
    let name = path.file_name().unwrap().to_str().unwrap();
    let mut all = vec![name];
    all.extend(needles);
    run.assert_refused(&all);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(!out.exists(), "a refused import wrote {}", out.display());
    run
}

/// One 150 MB shared string: refused by the scan before calamine reads the table (which
/// holds it several times over while parsing it), naming the table and the string.
#[test]
fn a_150_mb_shared_string_is_refused_by_excels_cell_limit_before_calamine_reads_it() {
    let bytes = xlsx(
        Some(&[
            ("<si><t>社区</t></si><si><t>", 1),
            ("x", 150_000_000),
            ("</t></si>", 1),
        ]),
        &[(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, 1)],
    );
    let (_d, path) = file("big-sst.xlsx", &bytes);
    let run = assert_refused(
        &path,
        &[],
        &["共享字符串表（xl/sharedStrings.xml）第 2 个字符串", "32767"],
    );
    assert!(run.elapsed < Duration::from_secs(10), "{run:#?}");
    // Just within the limit, in a rich-text run with phonetic hints (not counted): imports.
    let name = "社".repeat(32_767);
    let cells = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>居民户数</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>5</v></c></row>"#;
    let sst = format!("<si><t>社区</t></si><si><r><t>{name}</t></r><rPh><t>she</t></rPh></si>");
    let (_d, path) = file("edge.xlsx", &xlsx(Some(&[(&sst, 1)]), &[(cells, 1)]));
    let (run, _) = import(&path, &[], &[]);
    assert!(!run.stderr.contains("32767"), "{run:#?}");
}

/// Many strings, each within the cell limit, together past the workbook's text budget:
/// refused while the table is scanned, naming the variable that raises it.
#[test]
fn many_large_shared_strings_are_charged_to_the_text_budget_before_calamine_runs() {
    let one = format!("<si><t>{}</t></si>", "y".repeat(30_000));
    let bytes = xlsx(
        Some(&[("<si><t>社区</t></si>", 1), (&one, 400)]),
        &[(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, 1)],
    );
    let (_d, path) = file("many-sst.xlsx", &bytes);
    assert_refused(
        &path,
        &[("DIAOYAN_MAX_SHEET_TEXT_MB", "8")],
        &["共享字符串表", "DIAOYAN_MAX_SHEET_TEXT_MB"],
    );
}

/// An inline string of 150 MB (calamine materialises each whole): refused by the scan of
/// the worksheet, naming the sheet and the cell.
#[test]
fn a_150_mb_inline_string_is_refused_naming_its_cell() {
    let bytes = xlsx(
        None,
        &[
            (
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t>社区</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>"#,
                1,
            ),
            ("x", 150_000_000),
            ("</t></is></c></row>", 1),
        ],
    );
    let (_d, path) = file("inline.xlsx", &bytes);
    let run = assert_refused(&path, &[], &["工作表“数据”A2", "32767"]);
    assert!(run.elapsed < Duration::from_secs(10), "{run:#?}");
}

const ODS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet>"#;
const ODS_TAIL: &str = "</office:spreadsheet></office:body></office:document-content>";

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

fn ods(content: Pieces) -> Vec<u8> {
    let mut c: Vec<(&str, u64)> = vec![(ODS_HEAD, 1)];
    c.extend_from_slice(content);
    c.push((ODS_TAIL, 1));
    zip(&[
        (
            "mimetype",
            &[("application/vnd.oasis.opendocument.spreadsheet", 1)],
        ),
        ("META-INF/manifest.xml", &[(MANIFEST, 1)]),
        ("content.xml", &c),
    ])
}

/// An ODS cell of 150 MB of text (one text node, which calamine and the repeat scan would
/// each buffer whole): refused naming the table and the cell, repeats counted.
#[test]
fn a_150_mb_ods_text_cell_is_refused_naming_its_cell() {
    let bytes = ods(&[
        (
            r#"<table:table table:name="数据"><table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="string"><text:p>社区</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string"><text:p>"#,
            1,
        ),
        ("x", 150_000_000),
        (
            "</text:p></table:table-cell></table:table-row></table:table>",
            1,
        ),
    ]);
    let (_d, path) = file("big.ods", &bytes);
    assert_refused(&path, &[], &["工作表“数据”C3", "32767"]);
}

/// An ODS whose repeat count is not a number: calamine's "Parse integer error" becomes a
/// Chinese message; its English words only follow as 详情.
#[test]
fn a_bad_ods_number_attribute_is_told_in_chinese() {
    let bytes = ods(&[(
        r#"<table:table table:name="数据"><table:table-row><table:table-cell office:value-type="string"><text:p>社区</text:p></table:table-cell></table:table-row><table:table-row><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="abc"><text:p>1</text:p></table:table-cell></table:table-row></table:table>"#,
        1,
    )]);
    let (_d, path) = file("bad-number.ods", &bytes);
    // Refused before calamine reads it (mend m1: a repeat count is a positive integer).
    let run = assert_refused(
        &path,
        &[],
        &["table:number-columns-repeated=\"abc\" 不是正整数"],
    );
    assert!(!run.stderr.contains("Parse integer"), "{}", run.stderr);
}

/// MS-XLSB record: type and length (7 bits a byte, the high bit: more follows), payload.
fn record(typ: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = if typ < 0x80 {
        vec![typ as u8]
    } else {
        vec![(typ & 0x7F) as u8 | 0x80, (typ >> 7) as u8]
    };
    let mut len = payload.len();
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend(payload);
    out
}

/// An xlsb whose shared-string table declares a string of 150 million characters (calamine
/// would allocate the record and decode it whole): refused from the record's length field.
#[test]
fn an_xlsb_shared_string_past_the_cell_limit_is_refused_from_its_length() {
    let mut item = vec![0u8];
    item.extend(150_000_000u32.to_le_bytes());
    item.extend("社区".encode_utf16().flat_map(u16::to_le_bytes));
    let mut sst = record(0x9F, &[0; 8]);
    sst.extend(record(0x13, &item));
    let bytes = {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file("xl/sharedStrings.bin", opts).unwrap();
        w.write_all(&sst).unwrap();
        w.finish().unwrap().into_inner()
    };
    let (_d, path) = file("big.xlsb", &bytes);
    assert_refused(
        &path,
        &[],
        &["共享字符串表（xl/sharedStrings.bin）第 1 个字符串", "32767"],
    );
}

/// `import x.xlsx --into data.yaml`: a problem of data.yaml (bad YAML after the units, a
/// FIFO) is told against data.yaml with its own line, not against the spreadsheet; data.yaml
/// is left as it was.
#[test]
fn import_into_tells_the_data_files_problems_against_the_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("seed.xlsx");
    let out = diaoyan(&[
        "export",
        seed().to_str().unwrap(),
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let mut text = std::fs::read_to_string(seed()).unwrap();
    text.push_str("\nextra: \"unterminated\n");
    let lines = text.lines().count();
    let data = dir.path().join("data.yaml");
    std::fs::write(&data, &text).unwrap();
    let (run, _) = import(&xlsx, &[], &["--into", data.to_str().unwrap()]);
    run.assert_refused(&["data.yaml:", "引号或括号未闭合"]);
    // At the data file's own last line (the generated file's lines mean nothing).
    let line: usize = run
        .stderr
        .split("data.yaml:")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (lines..=lines + 1).contains(&line),
        "line {line} of {lines}: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("seed.xlsx"), "{run:#?}");
    assert_eq!(std::fs::read_to_string(&data).unwrap(), text);
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo.yaml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let (run, _) = import(&xlsx, &[], &["--into", fifo.to_str().unwrap()]);
        run.assert_refused(&["fifo.yaml"]);
        assert!(!run.stderr.contains("seed.xlsx"), "{run:#?}");
    }
}

/// Huge CSV fields — a 30 MB unit name, a 30 MB number cell (the file's size limit is
/// 64 MiB) — are quoted as their first 40 characters and their length, never whole.
#[test]
fn a_60_mb_csv_field_is_quoted_as_an_excerpt() {
    let name = "名".repeat(10_000_000);
    let number = "9".repeat(30_000_000);
    let csv = format!("社区,居民户数\n{name},abc\n青一,{number}x\n");
    let (_d, path) = file("huge.csv", csv.as_bytes());
    let run = assert_refused(
        &path,
        &[],
        &[
            // Mend m1: a CSV field longer than a cell is refused, naming its cell.
            "工作表“huge”A2",
            "10000000 个字",
        ],
    );
    assert!(run.stderr.len() < 20_000, "{} bytes", run.stderr.len());
}
