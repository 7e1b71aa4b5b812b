//! Issue 15 mend m1: error lists are bounded (a window of a long source line, at most
//! `LISTED` diagnostics told, the rest counted); a text longer than a spreadsheet cell is
//! refused at load, so check == render; sheet row/column numbers and ODS repeat counts
//! are read without wrapping. Every run under 1 GiB and a timeout.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use super::common::*;

const TIMEOUT: Duration = Duration::from_secs(30);

/// The seed data file with its `units:` block replaced by `units`.
fn seed_with_units(units: &str) -> String {
    let seed = std::fs::read_to_string(seed()).unwrap();
    let mut out = String::new();
    let mut skipping = false;
    for line in seed.lines() {
        if line.starts_with("units:") {
            skipping = true;
            out.push_str(units);
            out.push('\n');
            continue;
        }
        if skipping && !line.is_empty() && !line.starts_with(' ') && !line.starts_with('#') {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn nothing_written(dir: &Path) {
    assert!(
        !dir.exists() || std::fs::read_dir(dir).unwrap().next().is_none(),
        "files written in {}",
        dir.display()
    );
}

#[test]
fn a_one_line_file_with_tens_of_thousands_of_faults_is_refused_with_a_capped_list() {
    let d = tempfile::tempdir().unwrap();
    let units: Vec<String> = (0..4000)
        .map(|i| format!("{{name: 社{i}, households: x, residents: y}}"))
        .collect();
    let data = d.path().join("oneline.yaml");
    std::fs::write(
        &data,
        seed_with_units(&format!("units: [{}]", units.join(","))),
    )
    .unwrap();
    let out = d.path().join("out");
    for cmd in ["check", "render"] {
        let mut args = vec![cmd, data.to_str().unwrap()];
        if cmd == "render" {
            args.extend(["-o", out.to_str().unwrap()]);
        }
        let r = diaoyan_confined(&args, &[], TIMEOUT);
        assert_eq!(r.code, Some(2), "{cmd}: {r:#?}");
        r.assert_refused(&[
            "oneline.yaml:14:",
            "社0：居民户数",
            "处问题未列出",
            "（本行共",
        ]);
        // 200 diagnostics of a few lines each, plus the summary: never the whole line.
        assert!(r.stderr.len() < 200_000, "{cmd}: {} bytes", r.stderr.len());
        let told = r
            .stderr
            .lines()
            .filter(|l| l.contains("oneline.yaml:14:"))
            .count();
        assert_eq!(told, 200, "{cmd}");
        let more: usize = r
            .stderr
            .split("……另有 ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .expect("a count of the unlisted problems");
        assert!(more > 60_000, "{more}");
    }
    nothing_written(&out);
}

#[test]
fn an_import_with_hundreds_of_thousands_of_faults_is_refused_with_a_capped_list() {
    let d = tempfile::tempdir().unwrap();
    let hdr = "社区,households,residents,office.total,office.owned,office.rented,staff.total,\
               staff.education.graduate,staff.education.college,staff.education.secondary,\
               staff.age.under30,staff.age.from30,staff.age.from40,staff.age.over50,\
               staff.gender.male,staff.gender.female,caseload";
    let name = "名".repeat(1500);
    let mut csv = String::from(hdr);
    csv.push('\n');
    for i in 0..4000 {
        csv.push_str(&format!("{name}{}{}\n", i, ",约".repeat(16)));
    }
    let path = d.path().join("errbomb.csv");
    std::fs::write(&path, csv).unwrap();
    let r = import(&path);
    assert_eq!(r.code, Some(2), "{r:#?}");
    r.assert_refused(&["应是数字，不是“约”", "处问题未列出"]);
    // 4,000 rows × 16 bad cells: 200 told, the rest counted.
    let more: usize = r
        .stderr
        .split("……另有 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count of the unlisted problems");
    assert!(more >= 63_800, "{more}");
    assert!(r.stderr.len() < 200_000, "{} bytes", r.stderr.len());
}

#[test]
fn a_unit_text_longer_than_a_cell_is_refused_at_load_by_check_and_render() {
    let d = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(seed()).unwrap();
    let long = "短".repeat(32_768);
    let data = d.path().join("short.yaml");
    std::fs::write(
        &data,
        seed.replacen("short: 青一", &format!("short: {long}"), 1),
    )
    .unwrap();
    let out = d.path().join("out");
    let check = diaoyan_confined(&["check", data.to_str().unwrap()], &[], TIMEOUT);
    let render = diaoyan_confined(
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
        TIMEOUT,
    );
    for r in [&check, &render] {
        assert_eq!(r.code, Some(2), "{r:#?}");
        r.assert_refused(&[
            "short.yaml:16:12: 青年路第一社区：简称有 32768 个字",
            "32767",
        ]);
    }
    nothing_written(&out);
    // 32,767 characters fit a cell: accepted.
    let fits = "短".repeat(32_767);
    std::fs::write(
        &data,
        seed.replacen("short: 青一", &format!("short: {fits}"), 1),
    )
    .unwrap();
    let ok = diaoyan_confined(&["check", data.to_str().unwrap()], &[], TIMEOUT);
    assert_eq!(ok.code, Some(0), "{ok:#?}");
}

#[test]
fn a_csv_field_longer_than_a_cell_is_refused_by_import() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("field40k.csv");
    std::fs::write(
        &path,
        format!("社区,households,residents\n{},1,2\n", "名".repeat(40_000)),
    )
    .unwrap();
    let into = d.path().join("into.yaml");
    std::fs::copy(seed(), &into).unwrap();
    let before = std::fs::read(&into).unwrap();
    let r = diaoyan_confined(
        &[
            "import",
            path.to_str().unwrap(),
            "--template",
            "community-survey",
            "--into",
            into.to_str().unwrap(),
        ],
        &[],
        TIMEOUT,
    );
    assert_eq!(r.code, Some(2), "{r:#?}");
    r.assert_refused(&["field40k.csv:2:", "A2", "40000 个字", "32767"]);
    assert_eq!(std::fs::read(&into).unwrap(), before);
}

/// [`import_confined`], asserting it wrote nothing.
fn import(file: &Path) -> Confined {
    let (r, out) = import_confined(file, &[], &[], TIMEOUT);
    assert!(!out.exists(), "{r:#?}");
    r
}

#[test]
fn an_xlsx_row_past_2_to_the_32_is_refused_not_wrapped() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("wrap.xlsx");
    std::fs::copy(
        root().join("tests/fixtures/sheets/row-wrap-4294967299.xlsx"),
        &path,
    )
    .unwrap();
    let r = import(&path);
    assert_eq!(r.code, Some(2), "{r:#?}");
    r.assert_refused(&["数据延伸到第 4294967299 行", "DIAOYAN_MAX_SHEET_ROWS"]);
}

/// The fixture ODS with its `number-columns-repeated` value replaced by `rep`.
fn ods_with_repeat(dir: &Path, rep: &str) -> std::path::PathBuf {
    let bytes = std::fs::read(root().join("tests/fixtures/sheets/repeat-u64-max.ods")).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let path = dir.join(format!("rep{}.ods", rep.replace('-', "neg")));
    let mut zout = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "content.xml" {
            data = String::from_utf8(data)
                .unwrap()
                .replace("18446744073709551615", rep)
                .into_bytes();
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap();
    path
}

#[test]
fn ods_repeat_counts_are_read_exactly_or_refused() {
    let d = tempfile::tempdir().unwrap();
    let r = import(&ods_with_repeat(d.path(), "18446744073709551615"));
    assert_eq!(r.code, Some(2), "{r:#?}");
    r.assert_refused(&["DIAOYAN_MAX_SHEET_COLUMNS"]);
    assert!(
        !r.stderr.contains("第 0 列") && !r.stderr.contains("延伸到  列"),
        "{}",
        r.stderr
    );
    for bad in ["-5", "0", "99999999999999999999", "x"] {
        let r = import(&ods_with_repeat(d.path(), bad));
        assert_eq!(r.code, Some(2), "{bad}: {r:#?}");
        r.assert_refused(&[&format!(
            "table:number-columns-repeated=\"{bad}\" 不是正整数"
        )]);
    }
}
