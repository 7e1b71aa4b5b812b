//! Issue 15: sheets — hostile and huge spreadsheets through `diaoyan import`, each under
//! an address-space limit of 1 GiB and a timeout (see tests/hostile.rs). Every hostile file
//! is built here, small on disk; each must end with exit 2 and a Chinese message naming the
//! file, the sheet or part, and the environment variable that raises the limit it hit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::common::*;

const TIMEOUT: Duration = Duration::from_secs(20);

/// One zip entry for [`zip_raw`]: name, data as stored in the archive, method (0 stored, 8
/// deflate), CRC-32 and the uncompressed size the archive declares.
struct Entry {
    name: String,
    data: Vec<u8>,
    method: u16,
    crc: u32,
    declared: u64,
}

fn stored(name: &str, data: &[u8]) -> Entry {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    Entry {
        name: name.to_string(),
        data: data.to_vec(),
        method: 0,
        crc: crc.sum(),
        declared: data.len() as u64,
    }
}

/// A zip archive written by hand, so that a test can declare any size (a lying header).
/// Sizes over 4 GiB are not needed here: the fields are 32-bit.
fn zip_raw(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central_dir: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central_dir {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(e.method.to_le_bytes());
            h.extend(0u32.to_le_bytes()); // time, date
            h.extend(e.crc.to_le_bytes());
            h.extend((e.data.len() as u32).to_le_bytes());
            h.extend((e.declared.min(u32::MAX as u64) as u32).to_le_bytes());
            h.extend((e.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central_dir {
                h.extend(0u16.to_le_bytes()); // comment
                h.extend(0u16.to_le_bytes()); // disk
                h.extend(0u16.to_le_bytes()); // internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(e.name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend(&e.data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// `head`, then `unit` repeated `count` times, then `tail`, deflated without ever holding
/// the whole text: one deflate block of `unit`s is made once (after a window full of them)
/// and repeated, which is valid because its back-references only reach `unit`s. Returns the
/// entry with its true uncompressed size and CRC declared.
fn deflated_repeat(name: &str, head: &[u8], unit: &[u8], count: u64, tail: &[u8]) -> Entry {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::best(), false);
    let mut emit = |input: &[u8], flush: FlushCompress| -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() + 1024);
        let mut pos = 0;
        loop {
            let before_in = c.total_in();
            out.reserve(64 * 1024);
            c.compress_vec(&input[pos..], &mut out, flush).unwrap();
            pos += (c.total_in() - before_in) as usize;
            if pos >= input.len() && out.len() < out.capacity() {
                break;
            }
        }
        out
    };
    let per_block = (1 << 20) / unit.len();
    let window = unit.repeat(32 * 1024 / unit.len() + 1);
    let block_text = unit.repeat(per_block);
    let mut data = emit(head, FlushCompress::Sync);
    data.extend(emit(&window, FlushCompress::Sync));
    let block = emit(&block_text, FlushCompress::Sync);
    let done = (window.len() / unit.len()) as u64;
    let blocks = count.saturating_sub(done) / per_block as u64;
    for _ in 0..blocks {
        data.extend(&block);
    }
    let rest = count - done - blocks * per_block as u64;
    let mut last = unit.repeat(rest as usize);
    last.extend(tail);
    data.extend(emit(&last, FlushCompress::Finish));
    let mut crc = flate2::Crc::new();
    crc.update(head);
    crc.update(&window);
    for _ in 0..blocks {
        crc.update(&block_text);
    }
    crc.update(&last);
    Entry {
        name: name.to_string(),
        data,
        method: 8,
        crc: crc.sum(),
        declared: head.len() as u64 + unit.len() as u64 * count + tail.len() as u64,
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

/// An xlsx with one sheet “数据”, whose part `xl/worksheets/sheet1.xml` is `sheet`.
fn xlsx(sheet: Entry) -> Vec<u8> {
    zip_raw(&[
        stored("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        stored("_rels/.rels", RELS.as_bytes()),
        stored("xl/workbook.xml", WORKBOOK.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        sheet,
    ])
}

/// An xlsx whose sheet holds `cells` (sheetData's content) and then `after` (merges …).
fn xlsx_cells(cells: &str, after: &str) -> Vec<u8> {
    let xml = format!("{SHEET_HEAD}{cells}</sheetData>{after}</worksheet>");
    xlsx(stored("xl/worksheets/sheet1.xml", xml.as_bytes()))
}

/// `bytes` written as `name` in a fresh temporary folder.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// `diaoyan import PATH --template community-survey -o DIR/out.yaml` confined, with `envs`.
fn import_confined(path: &Path, envs: &[(&str, &str)]) -> (Confined, PathBuf) {
    super::common::import_confined(path, envs, &[], TIMEOUT)
}

/// Refused with exit 2, the needles in the message, nothing written.
#[track_caller]
fn assert_refused_sheet(path: &Path, envs: &[(&str, &str)], needles: &[&str]) {
    let (run, out) = import_confined(path, envs);
    let name = path.file_name().unwrap().to_str().unwrap();
    let mut all = vec![name];
    all.extend(needles);
    run.assert_refused(&all);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(!out.exists(), "a refused import wrote {}", out.display());
}

#[test]
fn a_cell_at_a1_and_one_at_xfd1048576_is_refused_by_rows_not_allocated() {
    let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>社区</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    let (_d, path) = file("corner.xlsx", &xlsx_cells(cells, ""));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "第 1048576 行", "DIAOYAN_MAX_SHEET_ROWS"],
    );
    // Within the rows, the same corner far right is refused by columns.
    let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>社区</t></is></c></row><row r="100"><c r="XFD100"><v>1</v></c></row>"#;
    let (_d, path) = file("corner.xlsx", &xlsx_cells(cells, ""));
    assert_refused_sheet(
        &path,
        &[],
        &["XFD 列", "第 16384 列", "DIAOYAN_MAX_SHEET_COLUMNS"],
    );
}

#[test]
fn cells_only_in_column_xfd_are_refused_by_columns() {
    let mut cells = String::new();
    for r in 1..=2000 {
        cells.push_str(&format!(
            r#"<row r="{r}"><c r="XFD{r}"><v>{r}</v></c></row>"#
        ));
    }
    let (_d, path) = file("xfd.xlsx", &xlsx_cells(&cells, ""));
    assert_refused_sheet(&path, &[], &["XFD 列", "DIAOYAN_MAX_SHEET_COLUMNS"]);
    // Raising the column limit alone is not enough: 2,000 rows each padded to column XFD
    // would be a grid of 32 million cells, refused by the cell limit before allocation.
    assert_refused_sheet(
        &path,
        &[("DIAOYAN_MAX_SHEET_COLUMNS", "20000")],
        &["按行展开", "DIAOYAN_MAX_SHEET_CELLS"],
    );
}

/// A sheet's name and its cells, rows from A1.
type Cells = (String, Vec<Vec<calamine::Data>>);

/// The seed exported to `dir/seed.xlsx`, and its sheets' cells.
fn seed_sheets(dir: &Path) -> (PathBuf, Vec<Cells>) {
    use calamine::Reader;
    let xlsx = dir.join("seed.xlsx");
    let out = diaoyan(&[
        "export",
        seed().to_str().unwrap(),
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut rows = vec![Vec::new(); r0 as usize];
        for row in range.rows() {
            let mut cells = vec![calamine::Data::Empty; c0 as usize];
            cells.extend(row.iter().cloned());
            rows.push(cells);
        }
        sheets.push((name, rows));
    }
    (xlsx, sheets)
}

/// Import `a` and `b` (confined): both succeed with the same data file (file names aside).
#[track_caller]
fn assert_same_import(a: &Path, b: &Path) {
    let (ra, oa) = import_confined(a, &[]);
    let (rb, ob) = import_confined(b, &[]);
    assert_eq!(ra.code, Some(0), "{ra:#?}");
    assert_eq!(rb.code, Some(0), "{rb:#?}");
    let (ta, tb) = (
        std::fs::read_to_string(oa).unwrap(),
        std::fs::read_to_string(ob).unwrap(),
    );
    let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_string();
    assert!(ta.contains("青"), "{ta}");
    assert_eq!(ta.replace(&name(a), "X"), tb.replace(&name(b), "X"));
}

/// The seed's units exported, then every unit and table sheet's cells shifted two columns
/// right (data starting at column C, as offices often lay it out): imports exactly as the
/// original. (The report-metadata sheet keeps its fixed label/value layout.)
#[test]
fn a_sheet_whose_data_starts_at_column_c_imports_as_before() {
    use calamine::Data;
    let dir = tempfile::tempdir().unwrap();
    let (xlsx, sheets) = seed_sheets(dir.path());
    let mut shifted = rust_xlsxwriter::Workbook::new();
    for (name, rows) in &sheets {
        let ws = shifted.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, d) in row.iter().enumerate() {
                let shift = if name == diaoyan::sheet::REPORT_SHEET {
                    0
                } else {
                    2
                };
                let (r, c) = (r as u32, c as u16 + shift);
                match d {
                    Data::String(s) => ws.write_string(r, c, s).map(|_| ()),
                    Data::Float(x) => ws.write_number(r, c, *x).map(|_| ()),
                    Data::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ()),
                    Data::Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
                    Data::Empty => Ok(()),
                    other => ws.write_string(r, c, other.to_string()).map(|_| ()),
                }
                .unwrap();
            }
        }
    }
    let moved = dir.path().join("moved.xlsx");
    shifted.save(&moved).unwrap();
    assert_same_import(&xlsx, &moved);
}

#[test]
fn a_merge_a2_all100001_is_refused_before_it_is_filled() {
    let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>社区</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>青一</t></is></c></row>"#;
    let merges = r#"<mergeCells count="1"><mergeCell ref="A2:ALL100001"/></mergeCells>"#;
    let (_d, path) = file("merge.xlsx", &xlsx_cells(cells, merges));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "A2:ALL100001", "DIAOYAN_MAX_SHEET_CELLS"],
    );
}

/// Few cells, each limit kept, yet every row as wide as the sheet allows: cells in columns A
/// and ALL on 10,000 rows (or one merge down column ALL) would make a grid of 10 million
/// cells; it is refused before it is allocated.
#[test]
fn cells_far_apart_on_every_row_are_refused_by_the_grid_they_make() {
    let mut cells = String::new();
    for r in 1..=10_000 {
        cells.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}"><v>1</v></c><c r="ALL{r}"><v>1</v></c></row>"#
        ));
    }
    let (_d, path) = file("apart.xlsx", &xlsx_cells(&cells, ""));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "按行展开", "DIAOYAN_MAX_SHEET_CELLS"],
    );
    let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>社区</t></is></c></row>"#;
    let merges = r#"<mergeCells count="1"><mergeCell ref="ALL1:ALL200000"/></mergeCells>"#;
    let (_d, path) = file("column-merge.xlsx", &xlsx_cells(cells, merges));
    assert_refused_sheet(&path, &[], &["按行展开", "DIAOYAN_MAX_SHEET_CELLS"]);
}

const ODS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet>"#;
const ODS_TAIL: &str = "</office:spreadsheet></office:body></office:document-content>";

fn ods(tables: &str) -> Vec<u8> {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_raw(&[
        stored(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        stored("META-INF/manifest.xml", manifest.as_bytes()),
        stored(
            "content.xml",
            format!("{ODS_HEAD}{tables}{ODS_TAIL}").as_bytes(),
        ),
    ])
}

fn ods_text(s: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
    )
}

#[test]
fn an_ods_whose_repeats_fill_the_sheet_is_refused_before_calamine_expands_them() {
    // 1,048,576 rows × 1,000 columns of one number: 1 G cells from a few hundred bytes.
    let fill = r#"<table:table table:name="数据"><table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"><text:p>1</text:p></table:table-cell></table:table-row></table:table>"#;
    let (_d, path) = file("repeats.ods", &ods(fill));
    assert_refused_sheet(&path, &[], &["工作表“数据”", "DIAOYAN_MAX_SHEET_CELLS"]);
    // The whole sheet wide: refused by columns.
    let wide = fill.replace("\"1000\"", "\"16384\"");
    let (_d, path) = file("repeats.ods", &ods(&wide));
    assert_refused_sheet(&path, &[], &["XFD 列", "DIAOYAN_MAX_SHEET_COLUMNS"]);
}

/// LibreOffice pads every sheet with repeated EMPTY rows and cells to its last row and
/// column; that costs nothing and must import: the seed's export written as such an ODS
/// imports exactly as the xlsx does.
#[test]
fn an_ods_padded_with_empty_repeats_like_libreoffice_imports() {
    use calamine::Data;
    let dir = tempfile::tempdir().unwrap();
    let (xlsx, sheets) = seed_sheets(dir.path());
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut tables = String::new();
    for (name, rows) in &sheets {
        tables.push_str(&format!(r#"<table:table table:name="{}">"#, esc(name)));
        for row in rows {
            tables.push_str("<table:table-row>");
            for d in row {
                tables.push_str(&match d {
                    Data::Empty => "<table:table-cell/>".to_string(),
                    Data::Float(x) => format!(
                        r#"<table:table-cell office:value-type="float" office:value="{x}"><text:p>{x}</text:p></table:table-cell>"#
                    ),
                    Data::Int(i) => format!(
                        r#"<table:table-cell office:value-type="float" office:value="{i}"><text:p>{i}</text:p></table:table-cell>"#
                    ),
                    other => ods_text(&esc(&other.to_string())),
                });
            }
            let pad = 16384 - row.len();
            tables.push_str(&format!(
                r#"<table:table-cell table:number-columns-repeated="{pad}"/></table:table-row>"#
            ));
        }
        let rest = 1_048_576 - rows.len();
        tables.push_str(&format!(
            r#"<table:table-row table:number-rows-repeated="{rest}"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#
        ));
    }
    let padded = dir.path().join("padded.ods");
    std::fs::write(&padded, ods(&tables)).unwrap();
    assert_same_import(&xlsx, &padded);
}

#[test]
fn two_gib_of_whitespace_in_sheet1_xml_is_refused_by_the_part_limit() {
    let head = format!("{SHEET_HEAD}<row r=\"1\">");
    let tail = "</row></sheetData></worksheet>";
    let space = deflated_repeat(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        b"                ",
        (2u64 << 30) / 16,
        tail.as_bytes(),
    );
    let bytes = xlsx(space);
    assert!(bytes.len() < 8 << 20, "{} bytes", bytes.len());
    let (_d, path) = file("spaces.xlsx", &bytes);
    assert_refused_sheet(
        &path,
        &[],
        &["xl/worksheets/sheet1.xml", "DIAOYAN_MAX_ZIP_PART_MB"],
    );
}

#[test]
fn a_zip_header_that_lies_about_the_size_is_caught_by_counting() {
    let head = format!("{SHEET_HEAD}<row r=\"1\">");
    let mut space = deflated_repeat(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        b"                ",
        (300u64 << 20) / 16,
        b"</row></sheetData></worksheet>",
    );
    space.declared = 1000;
    let (_d, path) = file("liar.xlsx", &xlsx(space));
    assert_refused_sheet(
        &path,
        &[],
        &[
            "xl/worksheets/sheet1.xml",
            "超过单个部件上限",
            "DIAOYAN_MAX_ZIP_PART_MB",
        ],
    );
}

#[test]
fn parts_each_under_the_part_limit_but_over_the_total_are_refused() {
    // Three extra parts of 200 MiB of spaces each: 600 MiB > 512 MiB in all.
    let mut entries = vec![
        stored("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        stored("_rels/.rels", RELS.as_bytes()),
        stored("xl/workbook.xml", WORKBOOK.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        stored(
            "xl/worksheets/sheet1.xml",
            format!("{SHEET_HEAD}</sheetData></worksheet>").as_bytes(),
        ),
    ];
    for i in 0..3 {
        let mut e = deflated_repeat(
            &format!("xl/media/pad{i}.xml"),
            b"",
            b"                ",
            (200u64 << 20) / 16,
            b"",
        );
        // Declared small, so the declared total passes and the count must catch it.
        e.declared = 10;
        entries.push(e);
    }
    let (_d, path) = file("total.xlsx", &zip_raw(&entries));
    assert_refused_sheet(&path, &[], &["超过总上限", "DIAOYAN_MAX_ZIP_TOTAL_MB"]);
}

#[test]
fn duplicate_cells_are_counted_as_they_are_read() {
    // The same cell 6 million times (120 MB of XML in the part, under its limit): refused
    // by the cell limit while reading, not after building anything.
    let head = format!("{SHEET_HEAD}<row r=\"1\">");
    let cells = deflated_repeat(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        br#"<c r="A1"><v>1</v></c>"#,
        6_000_000,
        b"</row></sheetData></worksheet>",
    );
    let (_d, path) = file("dups.xlsx", &xlsx(cells));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "非空单元格", "DIAOYAN_MAX_SHEET_CELLS"],
    );
    // 52 million of them (the issue's file): over 1 GB of XML, refused by the part limit.
    let head = format!("{SHEET_HEAD}<row r=\"1\">");
    let cells = deflated_repeat(
        "xl/worksheets/sheet1.xml",
        head.as_bytes(),
        br#"<c r="A1"><v>1</v></c>"#,
        52_000_000,
        b"</row></sheetData></worksheet>",
    );
    let (_d, path) = file("dups52.xlsx", &xlsx(cells));
    assert_refused_sheet(&path, &[], &["DIAOYAN_MAX_ZIP_PART_MB"]);
}

#[test]
fn a_spreadsheet_over_the_file_limit_or_not_a_regular_file_is_refused() {
    let mut big = vec![b'a'; (2 << 20) + 10];
    big.extend(b"\n");
    let (_d, path) = file("big.csv", &big);
    assert_refused_sheet(
        &path,
        &[("DIAOYAN_MAX_SHEET_FILE_MB", "1")],
        &["超过上限 1 MiB", "DIAOYAN_MAX_SHEET_FILE_MB"],
    );
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.xlsx");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_refused_sheet(&link, &[], &["不是普通文件"]);
        let fifo = dir.path().join("pipe.csv");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_refused_sheet(&fifo, &[], &["不是普通文件", "命名管道"]);
    }
}

#[test]
fn a_csv_too_wide_or_too_long_is_refused_before_it_is_split() {
    // One line of 3 million commas: 3 million empty cells.
    let wide = ",".repeat(3_000_000);
    let (_d, path) = file("wide.csv", wide.as_bytes());
    assert_refused_sheet(&path, &[], &["DIAOYAN_MAX_SHEET_COLUMNS"]);
    let long = "a\n".repeat(300_000);
    let (_d, path) = file("long.csv", long.as_bytes());
    assert_refused_sheet(&path, &[], &["第 300000 行", "DIAOYAN_MAX_SHEET_ROWS"]);
}

#[test]
fn a_shared_string_index_out_of_range_is_a_damaged_workbook_not_a_panic() {
    // t="s" with index 5 and no sharedStrings.xml: calamine indexes past its table.
    let cells = r#"<row r="1"><c r="A1" t="s"><v>5</v></c></row>"#;
    let (_d, path) = file("sst.xlsx", &xlsx_cells(cells, ""));
    assert_refused_sheet(&path, &[], &["文件已损坏或不是有效的工作簿"]);
    let (run, _) = import_confined(&path, &[]);
    assert!(!run.stderr.contains("index out of bounds"), "{run:#?}");
}

/// Real LibreOffice-saved files (the seed's export converted with `soffice --convert-to xls`
/// and `ods`, padded with LibreOffice's repeated empty rows and columns): both import, to
/// the same data file, through the bounded readers.
#[test]
fn libreoffice_saved_xls_and_ods_import_alike() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = root().join("tests/fixtures/sheets");
    let (xls, ods) = (dir.path().join("a.xls"), dir.path().join("b.ods"));
    std::fs::copy(fixtures.join("seed.xls"), &xls).unwrap();
    std::fs::copy(fixtures.join("seed.ods"), &ods).unwrap();
    assert_same_import(&xls, &ods);
}

/// The crashing inputs kept for upstream (tests/fixtures/upstream/README.md): each ends as
/// the damaged-workbook error or a sheet limit, exit 2, with no panic text.
#[test]
fn every_upstream_crashing_input_is_a_damaged_workbook() {
    let dir = root().join("tests/fixtures/upstream");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        seen += 1;
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join(path.file_name().unwrap());
        std::fs::copy(&path, &copy).unwrap();
        // A corrupt structure is a damaged workbook; cells out of bounds hit a sheet limit.
        let (run, out) = import_confined(&copy, &[]);
        run.assert_refused(&[copy.file_name().unwrap().to_str().unwrap()]);
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert!(
            run.stderr.contains("文件已损坏或不是有效的工作簿")
                || run.stderr.contains("DIAOYAN_MAX_SHEET_"),
            "{run:#?}"
        );
        assert!(!out.exists());
    }
    assert!(seen >= 2, "{seen} crashing inputs under {}", dir.display());
}

/// A 7.5 KB `.xls` whose 3.6 KB workbook stream lives in the mini stream (streams under
/// 4096 bytes do) and holds cells from column A to column XSA over 11 778 rows: calamine's
/// `Range::from_sparse` asked for 11 778 × 16 719 cells × 32 bytes = 6.3 GB while opening
/// and aborted. The pre-flight used to check the BIFF records only of a workbook in
/// ordinary sectors; it now reads it wherever calamine does and names the column limit.
#[test]
fn a_workbook_stream_in_the_mini_stream_is_checked_like_any_other() {
    let src = root().join("tests/fixtures/upstream/xls-mini-stream-workbook-extent-6.3gb.xls");
    let (_tmp, path) = file("small.xls", &std::fs::read(src).unwrap());
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“small”", "XSA 列", "DIAOYAN_MAX_SHEET_COLUMNS"],
    );
}

/// An xlsx whose `xl/sharedStrings.xml` holds `strings` (each one `<si>`), and whose
/// sheet “数据” holds `cells` (sheetData's content).
fn xlsx_shared(strings: &[String], cells: &str) -> Vec<u8> {
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{sst}</sst>"#,
        n = strings.len()
    );
    let sheet = format!("{SHEET_HEAD}{cells}</sheetData></worksheet>");
    zip_raw(&[
        stored("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        stored("_rels/.rels", RELS.as_bytes()),
        stored("xl/workbook.xml", WORKBOOK.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        stored("xl/sharedStrings.xml", sst.as_bytes()),
        stored("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

#[test]
fn cells_sharing_one_big_string_are_charged_each_before_it_is_copied() {
    // 10,000 cells all referring to one shared string of 30,000 characters (within Excel's
    // cell limit): 300 MB of text from a small file (each cell would clone it). Refused by
    // the text limit while reading.
    let cells: String = (1..=1000)
        .map(|r| {
            let row: String = "BCDEFGHIJK"
                .chars()
                .map(|c| format!(r#"<c r="{c}{r}" t="s"><v>1</v></c>"#))
                .collect();
            format!(r#"<row r="{r}">{row}</row>"#)
        })
        .collect();
    let strings = ["社区".to_string(), "y".repeat(30_000)];
    let (_d, path) = file("sstrefs.xlsx", &xlsx_shared(&strings, &cells));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "256 MiB", "DIAOYAN_MAX_SHEET_TEXT_MB"],
    );
    // The limit is the workbook's text: the table (30 KB) and each reference to it. 35
    // references (1.08 MB in all) pass 1 MiB; 33 (1.02 MB) do not.
    let refs = |n: usize| -> String {
        let row: String = (0..n)
            .map(|c| {
                format!(
                    r#"<c r="{}1" t="s"><v>1</v></c>"#,
                    diaoyan::sheet::address(0, c + 1).trim_end_matches('1')
                )
            })
            .collect();
        format!(r#"<row r="1">{row}</row>"#)
    };
    let (_d, path) = file("refs.xlsx", &xlsx_shared(&strings, &refs(35)));
    assert_refused_sheet(
        &path,
        &[("DIAOYAN_MAX_SHEET_TEXT_MB", "1")],
        &["1 MiB", "DIAOYAN_MAX_SHEET_TEXT_MB"],
    );
    let (_d, path) = file("refs.xlsx", &xlsx_shared(&strings, &refs(33)));
    let (run, _) = import_confined(&path, &[("DIAOYAN_MAX_SHEET_TEXT_MB", "1")]);
    assert!(
        !run.stderr.contains("DIAOYAN_MAX_SHEET_TEXT_MB"),
        "1 MiB holds the table and 33 references: {run:#?}"
    );
}

#[test]
fn ods_text_spaces_and_repeated_text_are_charged_before_calamine_expands_them() {
    // `<text:s text:c="2000000000"/>`: 2 G spaces from an 800-byte file, in one cell:
    // refused by Excel's cell limit of 32,767 characters (sheet/text.rs).
    let spaces = r#"<table:table table:name="数据"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row></table:table>"#;
    let (_d, path) = file("spaces.ods", &ods(spaces));
    assert_refused_sheet(&path, &[], &["工作表“数据”A1", "32767"]);
    // 30,000 spaces repeated 999 across and 10 down: 300 MB of text, within the cell
    // limit: refused by the text limit.
    let spaces = spaces
        .replace("2000000000", "30000")
        .replace(
            "<table:table-row>",
            r#"<table:table-row table:number-rows-repeated="10">"#,
        )
        .replace(
            "<table:table-cell ",
            r#"<table:table-cell table:number-columns-repeated="999" "#,
        );
    let (_d, path) = file("spaces.ods", &ods(&spaces));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "256 MiB", "DIAOYAN_MAX_SHEET_TEXT_MB"],
    );
    // One 1,000-byte text repeated 999 across and 300 down: 300 MB, 299,700 cells (under
    // the cell limit): refused by the text limit.
    let repeated = format!(
        r#"<table:table table:name="数据"><table:table-row table:number-rows-repeated="300"><table:table-cell table:number-columns-repeated="999" office:value-type="string"><text:p>{}</text:p></table:table-cell></table:table-row></table:table>"#,
        "x".repeat(1000)
    );
    let (_d, path) = file("reptext.ods", &ods(&repeated));
    assert_refused_sheet(&path, &[], &["工作表“数据”", "DIAOYAN_MAX_SHEET_TEXT_MB"]);
    // 5,000 rows × 999 cells of "x": 4,995,000 dense string cells, which need over 1 GiB
    // in calamine and here: refused by the cell limit (2,000,000 by default).
    let cells = r#"<table:table table:name="数据"><table:table-row table:number-rows-repeated="5000"><table:table-cell table:number-columns-repeated="999" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
    let (_d, path) = file("cells.ods", &ods(cells));
    assert_refused_sheet(
        &path,
        &[],
        &["工作表“数据”", "2000000", "DIAOYAN_MAX_SHEET_CELLS"],
    );
}

#[test]
fn sheets_sharing_one_part_are_refused_before_it_is_decompressed_again() {
    // 100 sheets whose relationships all point at one 250 MB (whitespace) part: each
    // would decompress it anew (25 GB, minutes), the zip total counting it once.
    let n = 100;
    let sheets: String = (0..n)
        .map(|i| {
            format!(
                r#"<sheet name="表{i}" sheetId="{}" r:id="rId{}"/>"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    let rels: String = (0..n)
        .map(|i| format!(r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#, i + 1))
        .collect();
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
    );
    let part = deflated_repeat(
        "xl/worksheets/sheet1.xml",
        SHEET_HEAD.as_bytes(),
        b" ",
        250_000_000,
        b"</sheetData></worksheet>",
    );
    let bytes = zip_raw(&[
        stored("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        stored("_rels/.rels", RELS.as_bytes()),
        stored("xl/workbook.xml", workbook.as_bytes()),
        stored("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        part,
    ]);
    let (_d, path) = file("same.xlsx", &bytes);
    let start = std::time::Instant::now();
    assert_refused_sheet(
        &path,
        &[],
        &[
            "工作表“表1”",
            "工作表“表0”",
            "xl/worksheets/sheet1.xml",
            "同一个部件",
        ],
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

/// A workbook with more than 1,000 worksheets (the attacker's 20,000-sheet xlsx ran past
/// two minutes: calamine finds sheets by name) is refused by counting its parts before
/// calamine opens it; 1,000 sheets are still read.
#[test]
fn more_than_a_thousand_sheets_are_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    for (n, refused) in [(1001, true), (1000, false)] {
        let mut book = rust_xlsxwriter::Workbook::new();
        for i in 0..n {
            book.add_worksheet()
                .set_name(format!("S{i}"))
                .unwrap()
                .write_string(0, 0, "社区名称")
                .unwrap();
        }
        let path = tmp.path().join(format!("many{n}.xlsx"));
        book.save(&path).unwrap();
        if refused {
            assert_refused_sheet(&path, &[], &["工作表超过上限 1000 张"]);
        } else {
            let (run, _) = import_confined(&path, &[]);
            assert!(!run.stderr.contains("超过上限 1000 张"), "{run:#?}");
            assert!(run.elapsed < TIMEOUT, "{run:#?}");
        }
    }
}
