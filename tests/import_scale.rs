//! Import at scale (issue 15: "import is quadratic in rows" — each row's unit was found by a
//! linear search, 100,000 rows took 44 s and 1.6 GB). Not timed assertions: these check
//! that every unit of a large import arrives exactly once, in order, with the right
//! values, when its fields are spread over two sheets in different row orders. They run
//! in a few seconds in release only because import is linear.

mod common;

use std::path::Path;

use diaoyan::sheet::{data_file, import, Sheet, Value};
use diaoyan::survey::Pack;

use common::*;

/// The field paths of the built-in community-survey pack, in its order.
const FIELDS: [&str; 16] = [
    "households",
    "residents",
    "office.total",
    "office.owned",
    "office.rented",
    "staff.total",
    "staff.education.graduate",
    "staff.education.college",
    "staff.education.secondary",
    "staff.age.under30",
    "staff.age.from30",
    "staff.age.from40",
    "staff.age.over50",
    "staff.gender.male",
    "staff.gender.female",
    "caseload",
];

/// Unit `i`'s name: fixed width, so names sort as their numbers.
fn name(i: usize) -> String {
    format!("社区{i:06}")
}

/// Unit `i`'s values in [`FIELDS`] order, consistent with the pack's group sums
/// (office.total = owned + rented; each staff breakdown sums to staff.total).
fn values(i: usize) -> [i64; 16] {
    let i = i as i64;
    let households = 1000 + i % 3000;
    let (owned, rented) = (100 + i % 200, i % 50);
    let (graduate, college, secondary) = (2 + i % 5, 3, 1);
    let total = graduate + college + secondary;
    let male = i % total;
    [
        households,
        households * 3 + i % 7,
        owned + rented,
        owned,
        rented,
        total,
        graduate,
        college,
        secondary,
        1,
        1,
        1,
        total - 3,
        male,
        total - male,
        i % 9000,
    ]
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// Two sheets: "基本" holds every field but `residents` for units 0..n in order; "人口"
/// holds `residents` for the same units in reverse order, plus a repeated `households`
/// that agrees with the first sheet.
fn sheets(n: usize) -> Vec<Sheet> {
    let mut head = vec![text("社区")];
    head.extend(
        FIELDS
            .iter()
            .filter(|f| **f != "residents")
            .map(|f| text(f)),
    );
    let mut basic = vec![head];
    for i in 0..n {
        let v = values(i);
        let mut row = vec![text(&name(i))];
        row.extend(
            FIELDS
                .iter()
                .zip(v)
                .filter(|(f, _)| **f != "residents")
                .map(|(_, x)| Value::Number(x as f64)),
        );
        basic.push(row);
    }
    let mut people = vec![vec![text("社区"), text("residents"), text("households")]];
    for i in (0..n).rev() {
        let v = values(i);
        people.push(vec![
            text(&name(i)),
            Value::Number(v[1] as f64),
            Value::Number(v[0] as f64),
        ]);
    }
    vec![
        Sheet {
            name: "基本".into(),
            rows: basic,
            ..Sheet::default()
        },
        Sheet {
            name: "人口".into(),
            rows: people,
            ..Sheet::default()
        },
    ]
}

/// The built-in pack, with the unit limit (`DIAOYAN_MAX_UNITS`, default 5,000: `import`
/// refuses more distinct units while it reads the rows) raised for this process so the
/// 50,000-unit import runs. Every test calls this before anything reads the limits.
fn pack() -> Pack {
    let _ = diaoyan::limits::set(diaoyan::limits::Limits {
        units: 1_000_000,
        ..diaoyan::limits::Limits::default()
    });
    Pack::builtin("community-survey")
        .expect("pack loads")
        .expect("built-in pack")
}

/// 50,000 units over two sheets: each once, in first-seen order, every value right, and
/// the data file lists them in the same order.
#[test]
fn fifty_thousand_units_over_two_sheets_arrive_once_in_order() {
    const N: usize = 50_000;
    let pack = pack();
    let file = Path::new("大表.xlsx");
    let imported = import(file, &sheets(N), &pack).expect("imports");
    assert_eq!(imported.units.len(), N);
    assert_eq!(imported.rows.len(), N);
    for (i, u) in imported.units.iter().enumerate() {
        assert_eq!(u.name, name(i));
        let v = values(i);
        assert_eq!(u.values.len(), FIELDS.len(), "{}", u.name);
        for (f, x) in FIELDS.iter().zip(v) {
            assert_eq!(u.values.get(*f), Some(&(x as f64)), "{} {f}", u.name);
        }
    }
    // Where each unit was first seen: its row on the first sheet (header on row 1).
    assert_eq!(imported.rows[&name(0)], "工作表“基本”第 2 行");
    assert_eq!(
        imported.rows[&name(N - 1)],
        format!("工作表“基本”第 {} 行", N + 1)
    );

    let yaml = data_file(&pack, &imported, file, None).expect("data file");
    let names: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- name: "))
        .collect();
    // The data file's skeleton has no other `- name:` lines for this pack's sections
    // beyond the units; the units come first and in order.
    assert!(names.len() >= N, "{}", names.len());
    for (i, n) in names.iter().take(N).enumerate() {
        assert_eq!(*n, name(i));
    }
}

/// The same field given twice with different values names both cells (the first cell is
/// remembered as a position, not as text, and must still be told right).
#[test]
fn a_conflicting_second_value_names_both_cells() {
    let pack = pack();
    let mut s = sheets(3);
    // "人口" lists units 2, 1, 0 on rows 2, 3, 4; change unit 1's households (column C).
    s[1].rows[2][2] = Value::Number(1.0);
    s[1].hidden = true;
    let Err(diaoyan::Error::Input(problems)) = import(Path::new("x.xlsx"), &s, &pack) else {
        panic!("a conflict must be refused");
    };
    let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        ["隐藏的工作表“人口”C3：居民户数是 1，但 工作表“基本”B3 是 1001"],
        "{messages:?}"
    );
    assert_eq!(problems[0].unit.as_deref(), Some("社区000001"));
}

/// Through the binary: a 5,000-row xlsx with two sheets becomes a data file that passes
/// `check`, with every unit once and in order.
#[test]
fn a_large_workbook_imports_through_the_binary() {
    const N: usize = 5_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let xlsx = dir.path().join("units.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    for sheet in sheets(N) {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).expect("sheet name");
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    Value::Text(t) => ws.write_string(r, c, t).map(|_| ()),
                    Value::Number(x) => ws.write_number(r, c, *x).map(|_| ()),
                    _ => Ok(()),
                }
                .expect("cell");
            }
        }
    }
    wb.save(&xlsx).expect("save");
    let out = dir.path().join("units.yaml");
    let o = diaoyan(&[
        "import",
        xlsx.to_str().expect("utf-8 path"),
        "--template",
        "community-survey",
        "-o",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let yaml = std::fs::read_to_string(&out).expect("data file written");
    let doc: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("YAML");
    let units = doc["units"].as_sequence().expect("units");
    assert_eq!(units.len(), N);
    for (i, u) in units.iter().enumerate() {
        assert_eq!(u["name"].as_str(), Some(name(i).as_str()));
        let v = values(i);
        assert_eq!(u["residents"].as_i64(), Some(v[1]), "{i}");
        assert_eq!(u["staff"]["gender"]["female"].as_i64(), Some(v[14]), "{i}");
        assert_eq!(u["caseload"].as_i64(), Some(v[15]), "{i}");
    }
}

/// Damaged `.xls` containers that made calamine ask for 1 GB to 2 TB and abort (exit 134,
/// found by mutating the seed's workbook; issue 15): sector numbers past the end of the
/// file in the DIFAT, a FAT chain or a mini FAT chain, a chain through a free sector, a
/// stream length of 4 GiB, a header sizing a 16 GiB table. Each is refused (exit 2, the
/// damaged-workbook message, which asks to save as .xlsx) under the 1 GiB address-space
/// limit, nothing written.
#[test]
fn damaged_xls_containers_are_refused_not_aborted() {
    let dir = root().join("fuzz/regressions/import_xls");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("regression inputs")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    let out = tempfile::tempdir().expect("tempdir");
    for f in files {
        let yaml = out.path().join("x.yaml");
        let run = diaoyan_confined(
            &[
                "import",
                f.to_str().expect("utf-8 path"),
                "--template",
                "community-survey",
                "-o",
                yaml.to_str().expect("utf-8 path"),
            ],
            &[],
            std::time::Duration::from_secs(60),
        );
        run.assert_refused(&["另存为 .xlsx"]);
        assert_eq!(run.code, Some(2), "{f:?}");
        assert!(!yaml.exists(), "{f:?}");
    }
}
