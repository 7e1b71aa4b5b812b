//! The writer's and the office's everyday path: `init`, `templates`, `import`, `export`,
//! `render --watch`, completions. Golden values come from the reference tables
//! (`tests/fixtures/seed-tables`), read independently of the code under test.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rust_xlsxwriter::{Format, Workbook};

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the diaoyan binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `diaoyan import SHEET --template community-survey -o DATA` in `dir`.
fn import(dir: &Path, sheet: &Path, data: &Path) -> std::process::Output {
    run(
        dir,
        &[
            "import",
            sheet.to_str().unwrap(),
            "--template",
            "community-survey",
            "-o",
            data.to_str().unwrap(),
        ],
    )
}

fn seed_tables() -> PathBuf {
    root().join("tests/fixtures/seed-tables")
}

/// A reference table: header and rows of cells.
fn table(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(seed_tables().join(name)).expect("reference table");
    let head = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect();
    (head, rows)
}

/// An imported data file with what `import` leaves to fill filled in: the report items
/// and the example row of a table the spreadsheet did not have.
fn fill_imported(data: &Path) {
    let t = std::fs::read_to_string(data).unwrap();
    let t = t
        .replace("  title: ''", "  title: 测试报告")
        .replace("  region: ''", "  region: 测试街道")
        .replace("  period: ''", "  period: '2020'")
        .replace("    - category: ''", "    - category: 居委会")
        .replace("      post: ''", "      post: 主任")
        .replace("      monthly: 0 ", "      monthly: 2000 ")
        .replace(": ~  # ", ": 100  # ");
    std::fs::write(data, t).unwrap();
}

/// `stats --json`: the template context (issue 18).
fn stats_json(dir: &Path, data: &Path) -> serde_json::Value {
    let out = run(dir, &["stats", "--json", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stats json")
}

/// The context's `units` list as an object by unit name.
fn units_by_name(stats: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    stats["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| (u["name"].as_str().unwrap().to_string(), u.clone()))
        .collect()
}

#[test]
fn export_then_import_gives_identical_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("units.xlsx");
    let out = run(
        dir.path(),
        &[
            "export",
            seed().to_str().unwrap(),
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Same data, same bytes.
    let again = dir.path().join("again.xlsx");
    run(
        dir.path(),
        &[
            "export",
            seed().to_str().unwrap(),
            "-o",
            again.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read(&xlsx).unwrap(),
        std::fs::read(&again).unwrap()
    );

    let back = dir.path().join("back.yaml");
    let out = import(dir.path(), &xlsx, &back);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The workbook holds no facts: import leaves them to fill (`check` lists them).
    fill_imported(&back);
    assert_eq!(
        stats_json(dir.path(), &seed())["figures"],
        stats_json(dir.path(), &back)["figures"]
    );
    // The workbook names what each sheet is for.
    let names: Vec<String> = {
        use calamine::Reader;
        let wb = calamine::open_workbook_auto(&xlsx).unwrap();
        wb.sheet_names()
    };
    assert_eq!(
        names,
        ["社区数据", "统计", "工作人员类别及平均月薪", "报告信息"]
    );
}

/// The seed's tables as an office keeps them: one sheet per table, two-row headers with
/// merged group cells for office space and for age and gender, a 合计 row.
fn seed_layout_workbook(path: &Path, bad_cell: Option<(u32, u16, &str)>) {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold();
    let plain = |wb: &mut Workbook, sheet: &str, file: &str| {
        let (h, rows) = table(file);
        let ws = wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        for (c, v) in h.iter().enumerate() {
            ws.write_string(0, c as u16, v).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(x) => ws.write_number(r as u32 + 1, c as u16, x).unwrap(),
                    Err(_) => ws.write_string(r as u32 + 1, c as u16, v).unwrap(),
                };
            }
        }
    };
    plain(&mut wb, "人口", "1-population.csv");
    // 办公用房: 社区 over two rows; 办公用房面积（平方米） over 总面积 / 自有 / 租赁.
    {
        let (_, rows) = table("2-office-space.csv");
        let ws = wb.add_worksheet();
        ws.set_name("办公用房").unwrap();
        ws.merge_range(0, 0, 1, 0, "社区", &head).unwrap();
        ws.merge_range(0, 1, 0, 3, "办公用房面积（平方米）", &head)
            .unwrap();
        for (c, v) in ["总面积", "自有", "租赁"].iter().enumerate() {
            ws.write_string_with_format(1, c as u16 + 1, *v, &head)
                .unwrap();
        }
        let mut sums = [0.0; 3];
        for (r, row) in rows.iter().enumerate() {
            ws.write_string(r as u32 + 2, 0, &row[0]).unwrap();
            for c in 1..4 {
                let x: f64 = row[c].parse().unwrap();
                sums[c - 1] += x;
                ws.write_number(r as u32 + 2, c as u16, x).unwrap();
            }
        }
        let total = rows.len() as u32 + 2;
        ws.write_string(total, 0, "合计").unwrap();
        for (c, s) in sums.iter().enumerate() {
            ws.write_number(total, c as u16 + 1, *s).unwrap();
        }
    }
    plain(&mut wb, "学历", "3-staff-education.csv");
    // 年龄性别: 年龄 over four bands, 性别 over 男 / 女.
    {
        let (h, rows) = table("4-staff-age-gender.csv");
        let ws = wb.add_worksheet();
        ws.set_name("年龄性别").unwrap();
        ws.merge_range(0, 0, 1, 0, "社区", &head).unwrap();
        ws.merge_range(0, 1, 0, 4, "年龄", &head).unwrap();
        ws.merge_range(0, 5, 0, 6, "性别", &head).unwrap();
        for (c, v) in h.iter().enumerate().skip(1) {
            ws.write_string_with_format(1, c as u16, v, &head).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            ws.write_string(r as u32 + 2, 0, &row[0]).unwrap();
            for (c, v) in row.iter().enumerate().skip(1) {
                ws.write_number(r as u32 + 2, c as u16, v.parse::<f64>().unwrap())
                    .unwrap();
            }
        }
    }
    plain(&mut wb, "业务量", "6-annual-caseload.csv");
    plain(&mut wb, "工作人员类别及平均月薪", "5-salary.csv");
    if let Some((r, c, v)) = bad_cell {
        let ws = wb.worksheet_from_name("人口").unwrap();
        ws.write_string(r, c, v).unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn a_workbook_in_the_seed_tables_layout_imports() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("社区统计.xlsx");
    seed_layout_workbook(&xlsx, None);
    let data = dir.path().join("imported.yaml");
    let out = import(dir.path(), &xlsx, &data);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let notes = text(&out.stderr);
    assert!(
        notes.contains("合计") && notes.contains("A15"),
        "the 合计 row is passed over: {notes}"
    );
    // What is left to fill is listed, then, filled in, the file checks; check and render
    // agree (issue 14 §2).
    let check = run(dir.path(), &["check", data.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(2));
    assert!(text(&check.stderr).contains("报告标题（report.title）不能为空"));
    fill_imported(&data);
    let check = run(dir.path(), &["check", data.to_str().unwrap()]);
    let render = run(
        dir.path(),
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            "out",
            "--no-system-fonts",
        ],
    );
    assert_eq!(
        check.status.code(),
        render.status.code(),
        "{}",
        text(&check.stderr)
    );
    assert!(check.status.success(), "{}", text(&check.stderr));

    // Every figure of the reference tables arrives in its field.
    let stats = stats_json(dir.path(), &data);
    let units = units_by_name(&stats);
    assert_eq!(units.len(), 12);
    let value = |name: &str, path: &str| -> f64 {
        units[name]["values"][path]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} {path}"))
    };
    let files: [(&str, &[&str]); 5] = [
        ("1-population.csv", &["households", "residents"]),
        (
            "2-office-space.csv",
            &["office.total", "office.owned", "office.rented"],
        ),
        (
            "3-staff-education.csv",
            &[
                "staff.total",
                "staff.education.graduate",
                "staff.education.college",
                "staff.education.secondary",
            ],
        ),
        (
            "4-staff-age-gender.csv",
            &[
                "staff.age.under30",
                "staff.age.from30",
                "staff.age.from40",
                "staff.age.over50",
                "staff.gender.male",
                "staff.gender.female",
            ],
        ),
        ("6-annual-caseload.csv", &["caseload"]),
    ];
    for (file, paths) in files {
        let (_, rows) = table(file);
        for row in rows {
            for (i, path) in paths.iter().enumerate() {
                let want: f64 = row[i + 1].parse().unwrap();
                assert_eq!(value(&row[0], path), want, "{file}: {} {path}", row[0]);
            }
        }
    }
    // The pay table came from its own sheet: 7 grades, 15000 元 in all (reference README).
    let pay = &stats["tables"]["pay_scale"]["columns"]["monthly"];
    assert_eq!(pay["count"], 7, "{pay}");
    assert_eq!(pay["sum"], 15000.0, "{pay}");
    // And the statistics of the fields equal those of the hand-kept seed data file (short
    // names aside: the reference tables have none).
    fn without_shorts(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => m
                .iter()
                .filter(|(k, _)| *k != "shorts")
                .map(|(k, v)| (k.clone(), without_shorts(v)))
                .collect(),
            serde_json::Value::Array(a) => a.iter().map(without_shorts).collect(),
            v => v.clone(),
        }
    }
    assert_eq!(
        without_shorts(&stats["fields"]),
        without_shorts(&stats_json(dir.path(), &seed())["fields"])
    );
}

#[test]
fn a_text_cell_where_a_number_belongs_is_reported_with_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("bad.xlsx");
    // 人口 sheet, row 7 (the 6th unit, 莲湖路第四社区), column C (常住人口).
    seed_layout_workbook(&xlsx, Some((6, 2, "约6000")));
    let data = dir.path().join("bad.yaml");
    let out = import(dir.path(), &xlsx, &data);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("工作表“人口”C7"), "{err}");
    assert!(err.contains("莲湖路第四社区"), "{err}");
    assert!(err.contains("约6000"), "{err}");
    assert!(!data.exists(), "nothing is written when a cell is wrong");
}

#[test]
fn csv_in_gbk_with_units_in_headers_imports_and_mismatched_units_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read_to_string(seed()).unwrap();
    // Build the one-sheet CSV an office would save from Excel (GBK, CRLF) from the seed.
    let out = run(
        dir.path(),
        &["export", seed().to_str().unwrap(), "-o", "u.xlsx"],
    );
    assert!(out.status.success());
    let sheets = diaoyan::sheet::read(&dir.path().join("u.xlsx")).unwrap();
    let mut csv = String::new();
    for row in &sheets[0].rows {
        let cells: Vec<String> = row.iter().map(|v| v.text()).collect();
        csv.push_str(&cells.join(","));
        csv.push_str("\r\n");
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    std::fs::write(dir.path().join("u.csv"), &gbk).unwrap();
    let out = run(
        dir.path(),
        &["import", "u.csv", "--template", "community-survey"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    fill_imported(&dir.path().join("u.yaml"));
    assert_eq!(
        stats_json(dir.path(), &dir.path().join("u.yaml"))["fields"],
        stats_json(dir.path(), &seed())["fields"]
    );
    // 常住人口 in 万人 is not 常住人口 in 人: refused, not silently imported.
    let wrong = csv.replace("常住人口（人）", "常住人口（万人）");
    std::fs::write(dir.path().join("w.csv"), wrong).unwrap();
    let out = run(
        dir.path(),
        &["import", "w.csv", "--template", "community-survey"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("万人"), "{}", text(&out.stderr));
    drop(data);
}

/// A CSV saved in GBK / GB 18030 (as Excel on a Chinese Windows saves it) imported
/// `--into` an existing data file keeps every Chinese character: a GBK hanzi (喆) and
/// GB 18030-only ones (䶮 U+4DAE; 𠮷 U+20BB7, four bytes) reach the data file as they were,
/// never as U+FFFD (issue 17: the command line once decoded user files lossily).
#[test]
fn a_gb18030_csv_imported_into_a_data_file_keeps_its_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(dir.path().join("q.yaml"), &original).unwrap();
    assert!(run(dir.path(), &["export", "q.yaml", "-o", "u.xlsx"])
        .status
        .success());
    let sheets = diaoyan::sheet::read(&dir.path().join("u.xlsx")).unwrap();
    let mut csv = String::new();
    for row in &sheets[0].rows {
        let cells: Vec<String> = row.iter().map(|v| v.text()).collect();
        csv.push_str(&cells.join(","));
        csv.push_str("\r\n");
    }
    let renamed = "青年路喆䶮𠮷社区";
    assert!(csv.contains("青年路第一社区"), "{csv}");
    let csv = csv.replace("青年路第一社区", renamed);
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&csv);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "the CSV is not UTF-8");
    // 𠮷 takes four bytes in GB 18030 (0x9534_B235).
    assert!(bytes.windows(4).any(|w| w == [0x95, 0x34, 0xB2, 0x35]));
    std::fs::write(dir.path().join("u.csv"), &bytes).unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            "u.csv",
            "--template",
            "community-survey",
            "--into",
            "q.yaml",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let data = std::fs::read_to_string(dir.path().join("q.yaml")).unwrap();
    assert!(data.contains(&format!("name: {renamed}")), "{data}");
    assert!(!data.contains('\u{fffd}'), "nothing decoded lossily");
    for kept in [
        "青年路第二社区",
        "莲湖路第一社区",
        "# 青年路街道 2019 年社区管理情况调研数据。",
    ] {
        assert!(data.contains(kept), "{kept}");
    }
    let units = units_by_name(&stats_json(dir.path(), &dir.path().join("q.yaml")));
    assert!(units.get(renamed).is_some(), "{units:?}");
}

#[test]
fn import_into_an_existing_file_keeps_everything_but_the_units() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(dir.path().join("q.yaml"), &original).unwrap();
    let xlsx = dir.path().join("u.xlsx");
    assert!(run(dir.path(), &["export", "q.yaml", "-o", "u.xlsx"])
        .status
        .success());
    let out = run(
        dir.path(),
        &[
            "import",
            xlsx.to_str().unwrap(),
            "--template",
            "community-survey",
            "--into",
            "q.yaml",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let updated = std::fs::read_to_string(dir.path().join("q.yaml")).unwrap();
    for kept in [
        "# 青年路街道 2019 年社区管理情况调研数据。",
        "findings:",
        "seniority_raise: 15",
        "closing: |",
    ] {
        assert!(updated.contains(kept), "{kept} is kept");
    }
    assert_eq!(
        stats_json(dir.path(), &dir.path().join("q.yaml")),
        stats_json(dir.path(), &seed())
    );
    // A data file of another template is not overwritten with this one's units.
    std::fs::write(
        dir.path().join("other.yaml"),
        original.replace("template: community-survey", "template: other-survey"),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "import",
            "u.xlsx",
            "--template",
            "community-survey",
            "--into",
            "other.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("other-survey"),
        "{}",
        text(&out.stderr)
    );
    // And the report still renders from it.
    let r = run(
        dir.path(),
        &["render", "q.yaml", "-o", "out", "--format", "docx"],
    );
    assert!(r.status.success(), "{}", text(&r.stderr));
}

/// Fill the blanks of an `init` file: report metadata, and plausible numbers that add up.
fn fill(skeleton: &str) -> String {
    skeleton
        .replace("  title: ''", "  title: 测试报告")
        .replace("  region: ''", "  region: 测试街道")
        .replace("  period: ''", "  period: '2020'")
        .replace("name: 示例", "name: 甲")
        .replace("area: ''", "area: 东片")
        .replace("households: 0", "households: 2000")
        .replace("residents: 0", "residents: 6000")
        .replace("total: 0 ", "total: 10 ")
        .replace("owned: 0", "owned: 10")
        .replace("graduate: 0", "graduate: 10")
        .replace("under30: 0", "under30: 10")
        .replace("  male: 0", "  male: 10")
        .replace("caseload: 0", "caseload: 100")
        .replace("category: ''", "category: 居委会")
        .replace("monthly: 0", "monthly: 2000")
        .replace(": ~  # ", ": 100  # ")
}

#[test]
fn init_writes_a_commented_file_that_checks_once_filled() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["init", "--template", "community-survey", "new.yaml"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let skeleton = std::fs::read_to_string(dir.path().join("new.yaml")).unwrap();
    // Every field is there with its label, unit and bounds.
    for line in [
        "households: 0",
        "# 居民户数（户），整数，≥ 0",
        "# 办公用房总面积（平方米），数字，≥ 0；应等于自有、租赁之和",
        "30—40岁（人）",
        "findings: []",
        "recommendations: []",
        "seniority_raise: ~  # 专职工作者每满一年次年起每月增加的报酬（元），待填写",
    ] {
        assert!(skeleton.contains(line), "{line} missing from:\n{skeleton}");
    }
    // As written it lists what to fill…
    let check = run(dir.path(), &["check", "new.yaml"]);
    assert_eq!(check.status.code(), Some(2));
    assert!(text(&check.stderr).contains("报告标题（report.title）不能为空"));
    assert!(text(&check.stderr).contains("facts.seniority_raise 尚未填写"));
    // …and does not overwrite a file.
    assert_eq!(
        run(
            dir.path(),
            &["init", "--template", "community-survey", "new.yaml"]
        )
        .status
        .code(),
        Some(2)
    );
    // Filled in, it checks and renders.
    std::fs::write(dir.path().join("new.yaml"), fill(&skeleton)).unwrap();
    let check = run(dir.path(), &["check", "new.yaml"]);
    assert!(
        check.status.success(),
        "{}\n{}",
        text(&check.stderr),
        fill(&skeleton)
    );
    let r = run(dir.path(), &["render", "new.yaml", "-o", "out"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
}

#[test]
fn a_scaffolded_pack_is_listed_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["init", "--pack", "templates/my-survey"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&run(dir.path(), &["templates"]).stdout);
    assert!(list.contains("my-survey\ttemplates/my-survey"), "{list}");
    assert!(list.contains("community-survey\t<内置>"), "{list}");
    let out = run(dir.path(), &["init", "--template", "my-survey", "d.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let filled = fill(&std::fs::read_to_string(dir.path().join("d.yaml")).unwrap());
    std::fs::write(dir.path().join("d.yaml"), filled).unwrap();
    let r = run(dir.path(), &["render", "d.yaml", "-o", "out"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(dir.path().join("out/d.pdf").is_file());
    // A second scaffold into the same folder refuses to overwrite.
    assert_eq!(
        run(dir.path(), &["init", "--pack", "templates/my-survey"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn watch_renders_again_after_a_save_and_survives_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("q.yaml");
    let original = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(&data, &original).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args([
            "render", "q.yaml", "-o", "out", "--format", "docx", "--watch",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("watch starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |what: &str| -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                if line.contains(what) {
                    return line;
                }
            }
        }
        panic!("no line with {what}");
    };
    wait_for("已生成");
    let docx = dir.path().join("out/qingnianlu-2019.docx");
    let first = std::fs::read(&docx).unwrap();
    // A bad save: reported, and the watcher keeps going.
    std::fs::write(
        &data,
        original.replace("households: 2219", "households: 多"),
    )
    .unwrap();
    wait_for("生成失败");
    // A good save with a new title: rendered again.
    std::fs::write(
        &data,
        original.replace("推动社区治理能力现代化", "推动社区治理现代化"),
    )
    .unwrap();
    wait_for("已生成");
    let _ = child.kill();
    let _ = child.wait();
    let second = std::fs::read(&docx).unwrap();
    assert_ne!(first, second, "the saved change reached the report");
    let xml = docx_part(&docx, "word/document.xml");
    assert!(xml.contains("推动社区治理现代化"));
}

#[test]
fn completions_version_and_help_examples() {
    let out = diaoyan(&["completions", "bash"]);
    assert!(out.status.success());
    let script = text(&out.stdout);
    assert!(script.contains("diaoyan") && script.contains("import") && script.contains("--watch"));
    let v = text(&diaoyan(&["--version"]).stdout);
    assert!(v.starts_with("diaoyan "), "{v}");
    let help = text(&diaoyan(&["import", "--help"]).stdout);
    assert!(
        help.contains("diaoyan import 社区统计.xlsx --template community-survey"),
        "{help}"
    );
}

#[test]
fn bad_spreadsheets_are_refused_in_chinese_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut noise = Vec::new();
    let mut x: u32 = 7;
    for _ in 0..4000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        noise.push((x >> 16) as u8 | 0x80);
    }
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "fake.xlsx",
            b"PK\x03\x04 not really a workbook",
            "不是可读的 Excel/ODS 电子表格",
        ),
        ("noise.csv", &noise, "无法识别 CSV 的编码"),
        (
            "header.csv",
            "社区,居民户数\n".as_bytes(),
            "没有找到任何社区",
        ),
        ("units.pdf", b"%PDF-1.7", "不支持的文件类型"),
        // Why nothing was found: the sheet without a 社区 column is named.
        (
            "other.csv",
            "名字,户数\n甲,1\n".as_bytes(),
            "工作表“other”：第 1 行没有“社区”",
        ),
    ];
    for (name, bytes, message) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = run(
            dir.path(),
            &["import", name, "--template", "community-survey"],
        );
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(
            text(&out.stderr).contains(message),
            "{name}: {}",
            text(&out.stderr)
        );
        let stem = name.rsplit_once('.').unwrap().0;
        assert!(!dir.path().join(format!("{stem}.yaml")).exists(), "{name}");
    }
    let out = run(
        dir.path(),
        &["import", "missing.xlsx", "--template", "community-survey"],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A workbook whose cells point into a shared-string table that is not there: calamine
/// panics on it (index out of bounds). The reader's panic is caught at the import boundary:
/// a Chinese message, exit 2, nothing written, no "panicked" (issue 14 §3, issue 15).
#[test]
fn a_workbook_that_crashes_the_reader_is_refused_in_chinese() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("units.xlsx");
    let out = run(
        dir.path(),
        &[
            "export",
            seed().to_str().unwrap(),
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Copy the package without xl/sharedStrings.xml.
    let mut zin = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let broken = dir.path().join("broken.xlsx");
    let mut zout = zip::ZipWriter::new(std::fs::File::create(&broken).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        if f.name() == "xl/sharedStrings.xml" {
            continue;
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        zout.start_file(f.name(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&bytes).unwrap();
    }
    zout.finish().unwrap();
    let data = dir.path().join("broken.yaml");
    let out = import(dir.path(), &broken, &data);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("文件已损坏或不是有效的工作簿"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!data.exists());
}

/// An `output:` name of 100 CJK characters (300 bytes of UTF-8, over the 255-byte limit of
/// file names) is shortened by bytes, so `render` writes what `check` passed.
#[test]
fn a_long_chinese_output_name_is_shortened_to_fit_the_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("long.yaml");
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(
        &data,
        seed_text.replace(
            "output: qingnianlu-2019",
            &format!("output: {}", "长".repeat(100)),
        ),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            "out",
            "--no-system-fonts",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stem = "长".repeat(diaoyan::MAX_NAME_BYTES / 3);
    assert!(dir.path().join(format!("out/{stem}.pdf")).exists());
    assert!(dir.path().join(format!("out/{stem}.docx")).exists());
}
