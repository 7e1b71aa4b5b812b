//! Issue 15: scale — import refuses too many units before it builds anything, and `batch -j N`
//! admits jobs by memory, so large legal files do not take the batch down together (see
//! tests/hostile.rs).

use super::common::*;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Unit `i`'s values for the built-in community-survey pack, consistent with its group
/// sums: households, residents, office (total, owned, rented), staff total, education
/// (graduate, college, secondary), age (under30, from30, from40, over50), gender (male,
/// female), caseload.
fn values(i: usize) -> [usize; 16] {
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

/// A CSV of `n` distinct units (names 社区000000 …), one header row.
fn units_csv(n: usize) -> String {
    let mut out = String::from(
        "社区,households,residents,office.total,office.owned,office.rented,staff.total,\
         staff.education.graduate,staff.education.college,staff.education.secondary,\
         staff.age.under30,staff.age.from30,staff.age.from40,staff.age.over50,\
         staff.gender.male,staff.gender.female,caseload\n",
    );
    for i in 0..n {
        write!(out, "社区{i:06}").unwrap();
        for v in values(i) {
            write!(out, ",{v}").unwrap();
        }
        out.push('\n');
    }
    out
}

/// The seed data file with its units replaced by `n` generated ones and its output name
/// set to `output`.
fn seed_with_units(n: usize, output: &str) -> String {
    let seed = std::fs::read_to_string(seed()).unwrap();
    let start = seed.find("\nunits:\n").unwrap() + 1;
    let end = seed.find("\ntables:\n").unwrap() + 1;
    let mut out = seed[..start].replace("output: qingnianlu-2019", &format!("output: {output}"));
    out.push_str("units:\n");
    for i in 0..n {
        let v = values(i);
        writeln!(
            out,
            "  - {{name: 社区{i:06}, short: 区{i:06}, households: {}, residents: {}, \
             office: {{total: {}, owned: {}, rented: {}}}, staff: {{total: {}, \
             education: {{graduate: {}, college: {}, secondary: {}}}, \
             age: {{under30: {}, from30: {}, from40: {}, over50: {}}}, \
             gender: {{male: {}, female: {}}}}}, caseload: {}}}",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
            v[8],
            v[9],
            v[10],
            v[11],
            v[12],
            v[13],
            v[14],
            v[15]
        )
        .unwrap();
    }
    out.push('\n');
    out.push_str(&seed[end..]);
    out
}

/// 5,001 distinct units under the default limit (5,000): refused while the rows are read,
/// before any data file text is built — exit 2, a Chinese message naming the spreadsheet,
/// the cell of the first unit over the limit, the limit and `DIAOYAN_MAX_UNITS` — and no
/// data file written. Before, the import built the whole YAML and the loader refused it
/// afterwards, naming a line of a file the user never saw.
#[test]
fn import_refuses_units_over_the_limit_while_reading_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("全市.csv");
    std::fs::write(&csv, units_csv(5_001)).unwrap();
    let out = dir.path().join("全市.yaml");
    let r = diaoyan_confined(
        &["import", s(&csv), "--template", "community-survey"],
        &[],
        TIMEOUT,
    );
    r.assert_refused(&[
        "全市.csv",
        "工作表“全市”A5002",
        "社区过多：超过上限 5000 个",
        "DIAOYAN_MAX_UNITS",
    ]);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(!out.exists(), "a refused import wrote {}", out.display());
    // The limit counts distinct units, not rows: 5,000 units given twice (the same values
    // on a second sheet would do the same) import, and every unit arrives once.
    let twice = units_csv(5_000) + units_csv(5_000).split_once('\n').unwrap().1;
    std::fs::write(&csv, twice).unwrap();
    let r = diaoyan_confined(
        &["import", s(&csv), "--template", "community-survey"],
        &[],
        TIMEOUT,
    );
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(r.stdout.contains("5000 个社区"), "{r:#?}");
    // Raised with the variable the message names, the same 5,001 units import.
    std::fs::write(&csv, units_csv(5_001)).unwrap();
    let r = diaoyan_confined(
        &[
            "import",
            s(&csv),
            "--template",
            "community-survey",
            "--force",
        ],
        &[("DIAOYAN_MAX_UNITS", "5001")],
        TIMEOUT,
    );
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(r.stdout.contains("5001 个社区"), "{r:#?}");
}

/// Three legal files of 2,500 units each with `-j 3` under a 1 GiB address space: before,
/// the three reports were built at once (about 320 MB each) and an allocation failure
/// aborted the whole batch (SIGABRT, nothing rendered). Now a job starts only when its
/// estimated memory fits beside the running ones, so all three are rendered, exit 0.
#[test]
fn batch_admits_large_jobs_by_memory_and_renders_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for k in 1..=3 {
        let text = seed_with_units(2_500, &format!("r{k}"));
        std::fs::write(input.join(format!("d{k}.yaml")), text).unwrap();
    }
    let out = dir.path().join("out");
    let r = diaoyan_confined(
        &[
            "batch",
            "--no-system-fonts",
            "-j",
            "3",
            "--format",
            "docx",
            s(&input),
            "-o",
            s(&out),
        ],
        &[],
        TIMEOUT,
    );
    assert!(!r.timed_out, "{r:#?}");
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(
        r.stdout.contains("完成 3 份报告，失败 0 份，写出 3 个文件"),
        "{r:#?}"
    );
    let written: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["r1.docx", "r2.docx", "r3.docx"], "{r:#?}");
}
