//! The workbook carries the report's facts and report items (issue 19): the 报告信息
//! sheet of `export` and of the pack's empty form has one row per fact slot (label with
//! unit, value, a number input rule naming the path); `import` reads them back, a new
//! import writes them into `facts:`, and `import --into` / `workflow::merge_spreadsheet`
//! replace the facts and the report items the sheet gives, keeping everything else.

mod common;

use std::path::{Path, PathBuf};

use diaoyan::sheet::{read, Sheet, Value, REPORT_SHEET};
use diaoyan::workflow::{choose_pack, merge_spreadsheet};
use rust_xlsxwriter::Workbook;

/// A workbook with `sheets`' cells as plain values (what a writer's filled form holds).
fn write_workbook(path: &Path, sheets: &[Sheet]) {
    let mut wb = Workbook::new();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name).expect("name");
        for (r, row) in s.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    Value::Empty => {}
                    Value::Number(x) => {
                        ws.write_number(r, c, *x).expect("number");
                    }
                    other => {
                        ws.write_string(r, c, other.text()).expect("text");
                    }
                }
            }
        }
    }
    wb.save(path).expect("saved");
}

fn run_ok(args: &[&str]) -> String {
    let out = common::diaoyan(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

/// The seed's export, read back.
fn seed_export(dir: &Path) -> (PathBuf, Vec<Sheet>) {
    let path = dir.join("seed.xlsx");
    run_ok(&["export", s(&common::seed()), "-o", s(&path)]);
    let sheets = read(&path).expect("reads");
    (path, sheets)
}

/// Set column B of the report sheet's row whose column A is `label`.
fn fill(sheet: &mut Sheet, label: &str, value: Value) {
    let row = sheet
        .rows
        .iter_mut()
        .find(|r| r.first().map(Value::text).as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no row {label}"));
    if row.len() < 2 {
        row.resize(2, Value::Empty);
    }
    row[1] = value;
}

/// The flagship's form: the report sheet has the eight items, then one row per fact with
/// its label and unit, blank, each with an input rule whose prompt names the path.
#[test]
fn the_form_has_a_row_per_fact() {
    let pack = choose_pack(Some("community-survey")).expect("pack");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("form.xlsx");
    std::fs::write(&path, diaoyan::sheet::form_workbook(&pack).expect("form")).expect("w");
    let sheets = read(&path).expect("reads");
    let report = sheets.last().expect("report");
    assert_eq!(report.name, REPORT_SHEET);
    let labels: Vec<String> = report.rows.iter().map(|r| r[0].text()).collect();
    assert_eq!(
        labels[9..],
        [
            "每个社区每年的办公经费（元）",
            "每个社区每年的党建经费（元）",
            "专职工作者每满一年次年起每月增加的报酬（元）",
        ]
    );
    assert!(report.rows[9..]
        .iter()
        .all(|r| r.get(1).is_none_or(Value::is_empty)));
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let n = names.len();
    let xml = zip_part(&path, &format!("xl/worksheets/sheet{n}.xml"));
    for (cell, path) in [
        ("B10", "facts.funding.office"),
        ("B11", "facts.funding.party"),
        ("B12", "facts.seniority_raise"),
    ] {
        let at = xml
            .find(&format!("sqref=\"{cell}\""))
            .unwrap_or_else(|| panic!("no input rule on {cell}: {xml}"));
        let rule = &xml[xml[..at].rfind("<dataValidation ").expect("rule")..];
        let rule = &rule[..rule.find("</dataValidation>").expect("end")];
        assert!(rule.contains("type=\"decimal\""), "{rule}");
        assert!(rule.contains(path), "{rule}");
    }
    // The township pack has no facts: its report sheet is the eight items only.
    let township = choose_pack(Some("township-villages")).expect("pack");
    let path = dir.path().join("township.xlsx");
    std::fs::write(
        &path,
        diaoyan::sheet::form_workbook(&township).expect("form"),
    )
    .expect("w");
    let sheets = read(&path).expect("reads");
    assert_eq!(sheets.last().expect("report").rows.len(), 9);
}

fn zip_part(path: &Path, name: &str) -> String {
    let f = std::fs::File::open(path).expect("open");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name(name).expect("part"), &mut s).expect("read");
    s
}

/// The flagship's empty form filled (units and tables, facts, report items) and merged
/// into a fresh `init` skeleton: with findings added, `check` passes and the report's
/// funding sentence shows the workbook's figures.
#[test]
fn filled_form_merged_into_a_skeleton_renders_the_facts() {
    let dir = tempfile::tempdir().expect("tmp");
    let pack = choose_pack(Some("community-survey")).expect("pack");
    let form = dir.path().join("form.xlsx");
    std::fs::write(&form, diaoyan::sheet::form_workbook(&pack).expect("form")).expect("w");
    let (_, full) = seed_export(dir.path());
    let mut filled: Vec<Sheet> = Vec::new();
    for sheet in read(&form).expect("form reads") {
        if sheet.name == REPORT_SHEET {
            let mut report = sheet.clone();
            fill(
                &mut report,
                "报告标题",
                Value::Text("测试街道社区调研报告".into()),
            );
            fill(&mut report, "调研地区", Value::Text("测试街道".into()));
            fill(&mut report, "调研期", Value::Text("2021".into()));
            fill(&mut report, "执笔人", Value::Text("王五".into()));
            fill(
                &mut report,
                "每个社区每年的办公经费（元）",
                Value::Number(12000.0),
            );
            // A number written as text is a number.
            fill(
                &mut report,
                "每个社区每年的党建经费（元）",
                Value::Text("30,000".into()),
            );
            fill(
                &mut report,
                "专职工作者每满一年次年起每月增加的报酬（元）",
                Value::Number(20.0),
            );
            filled.push(report);
        } else {
            let rows = full
                .iter()
                .find(|f| f.name == sheet.name)
                .expect("export has the sheet")
                .rows
                .clone();
            filled.push(Sheet { rows, ..sheet });
        }
    }
    let xlsx = dir.path().join("filled.xlsx");
    write_workbook(&xlsx, &filled);

    let data = dir.path().join("survey.yaml");
    run_ok(&["init", "--template", "community-survey", s(&data)]);
    let text = std::fs::read_to_string(&data).expect("skeleton");
    let (merged, _) = merge_spreadsheet(&xlsx, &pack, (&data, &text)).expect("merged");
    let v: serde_yaml::Value = serde_yaml::from_str(&merged).expect("yaml");
    assert_eq!(
        v["facts"]["funding"]["office"],
        serde_yaml::Value::from(12000)
    );
    assert_eq!(
        v["facts"]["funding"]["party"],
        serde_yaml::Value::from(30000)
    );
    assert_eq!(v["facts"]["seniority_raise"], serde_yaml::Value::from(20));
    assert_eq!(
        v["report"]["title"],
        serde_yaml::Value::from("测试街道社区调研报告")
    );
    assert_eq!(v["report"]["region"], serde_yaml::Value::from("测试街道"));
    assert_eq!(v["report"]["period"], serde_yaml::Value::from("2021"));
    assert_eq!(v["report"]["author"], serde_yaml::Value::from("王五"));
    // The labels stay as comments; the skeleton's other lines too.
    assert!(
        merged.contains("    office: 12000  # 每个社区每年的办公经费（元）"),
        "{merged}"
    );
    assert!(merged.contains("# 调研发现的问题，每项一段："));
    // Findings and recommendations are the writer's (the page's form): added here.
    let mut form = diaoyan::survey::edit::read_form(&merged).expect("form");
    for list in [&mut form.findings, &mut form.recommendations] {
        list.push(diaoyan::survey::edit::FormItem {
            title: "办公经费不足".into(),
            // The funding sentence is the office topic's evidence.
            topic: "office".into(),
            text: "社区反映经费紧张。".into(),
            ..Default::default()
        });
    }
    let merged = diaoyan::survey::edit::write_form(&merged, &form).expect("written");
    std::fs::write(&data, &merged).expect("w");
    run_ok(&["check", s(&data)]);
    let out = dir.path().join("out");
    run_ok(&[
        "render",
        s(&data),
        "-o",
        s(&out),
        "--format",
        "docx",
        "--markdown",
    ]);
    let md = std::fs::read_dir(&out)
        .expect("out")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .expect("markdown written");
    let md = std::fs::read_to_string(md).expect("md");
    assert!(
        md.replace(r"\.", ".")
            .contains("每个社区每年经费合计4.2万元（办公经费1.2万元、党建经费3万元）"),
        "{md}"
    );
}

/// Export of the seed, imported as a new file and into a copy of the seed: the same
/// facts; the copy is unchanged outside its units and tables (which import rewrites).
#[test]
fn seed_export_round_trips_the_facts() {
    let dir = tempfile::tempdir().expect("tmp");
    let (xlsx, _) = seed_export(dir.path());
    let new = dir.path().join("new.yaml");
    run_ok(&[
        "import",
        s(&xlsx),
        "--template",
        "community-survey",
        "-o",
        s(&new),
    ]);
    let text = std::fs::read_to_string(&new).expect("new");
    let v: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
    assert_eq!(
        v["facts"]["funding"]["office"],
        serde_yaml::Value::from(15000)
    );
    assert_eq!(
        v["facts"]["funding"]["party"],
        serde_yaml::Value::from(20000)
    );
    assert_eq!(v["facts"]["seniority_raise"], serde_yaml::Value::from(15));
    let seed = std::fs::read_to_string(common::seed()).expect("seed");
    let sv: serde_yaml::Value = serde_yaml::from_str(&seed).expect("yaml");
    for key in [
        "title",
        "subtitle",
        "region",
        "period",
        "organisation",
        "date",
    ] {
        assert_eq!(v["report"][key], sv["report"][key], "{key}");
    }

    let copy = dir.path().join("copy.yaml");
    std::fs::write(&copy, &seed).expect("w");
    run_ok(&[
        "import",
        s(&xlsx),
        "--template",
        "community-survey",
        "--into",
        s(&copy),
        "--force",
    ]);
    let after = std::fs::read_to_string(&copy).expect("copy");
    // Units and tables are rewritten by every import; the rest is byte for byte.
    let outside_units = |t: &str| -> String {
        let start = t.find("\nunits:").expect("units");
        let end = t.find("\nfacts:").expect("facts");
        format!("{}{}", &t[..start], &t[end..])
    };
    assert_eq!(outside_units(&after), outside_units(&seed));
}

/// A text in a fact cell: the problem by sheet and cell, in a unit cell's words; nothing
/// written. A blank fact cell is simply not given.
#[test]
fn text_in_a_fact_cell_is_told_by_sheet_and_cell() {
    let dir = tempfile::tempdir().expect("tmp");
    let (_, mut sheets) = seed_export(dir.path());
    let report = sheets
        .iter_mut()
        .find(|s| s.name == REPORT_SHEET)
        .expect("report");
    assert_eq!(report.get(9, 0).text(), "每个社区每年的办公经费（元）");
    fill(
        report,
        "每个社区每年的办公经费（元）",
        Value::Text("约两万".into()),
    );
    fill(report, "每个社区每年的党建经费（元）", Value::Empty);
    let bad = dir.path().join("bad.xlsx");
    write_workbook(&bad, &sheets);
    let out_file = dir.path().join("bad.yaml");
    let out = common::diaoyan(&[
        "import",
        s(&bad),
        "--template",
        "community-survey",
        "-o",
        s(&out_file),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("工作表“报告信息”B10：每个社区每年的办公经费（元）应是数字，不是“约两万”"),
        "{stderr}"
    );
    assert!(!out_file.exists());
    // The same words as a unit cell's text.
    let units = &mut sheets[0];
    units.rows[4][3] = Value::Text("三千七".into());
    write_workbook(&bad, &sheets);
    let out = common::diaoyan(&["import", s(&bad), "--template", "community-survey"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("工作表“社区数据”D5：居民户数（户）应是数字，不是“三千七”"),
        "{stderr}"
    );

    // A blank fact cell is not given: merged into the seed, its value stays.
    let (_, mut sheets) = seed_export(dir.path());
    let report = sheets
        .iter_mut()
        .find(|s| s.name == REPORT_SHEET)
        .expect("report");
    fill(
        report,
        "每个社区每年的办公经费（元）",
        Value::Number(16000.0),
    );
    fill(report, "每个社区每年的党建经费（元）", Value::Empty);
    let part = dir.path().join("part.xlsx");
    write_workbook(&part, &sheets);
    let pack = choose_pack(Some("community-survey")).expect("pack");
    let seed = std::fs::read_to_string(common::seed()).expect("seed");
    let (merged, _) = merge_spreadsheet(&part, &pack, (&common::seed(), &seed)).expect("merged");
    let v: serde_yaml::Value = serde_yaml::from_str(&merged).expect("yaml");
    assert_eq!(
        v["facts"]["funding"]["office"],
        serde_yaml::Value::from(16000)
    );
    assert_eq!(
        v["facts"]["funding"]["party"],
        serde_yaml::Value::from(20000)
    );
    assert_eq!(v["facts"]["seniority_raise"], serde_yaml::Value::from(15));
    // A fact the pack does not ask for stays.
    assert_eq!(v["facts"]["admin_share"], serde_yaml::Value::from(0.6));
}

/// The township pack has no facts: its export round trip is as before.
#[test]
fn township_round_trip_unchanged() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = common::root().join("data/township-2019.yaml");
    let xlsx = dir.path().join("t.xlsx");
    run_ok(&["export", s(&data), "-o", s(&xlsx)]);
    let sheets = read(&xlsx).expect("reads");
    assert_eq!(sheets.last().expect("report").rows.len(), 9);
    let text = std::fs::read_to_string(&data).expect("data");
    let copy = dir.path().join("t.yaml");
    std::fs::write(&copy, &text).expect("w");
    run_ok(&[
        "import",
        s(&xlsx),
        "--template",
        "township-villages",
        "--into",
        s(&copy),
        "--force",
    ]);
    let after = std::fs::read_to_string(&copy).expect("copy");
    let from_facts = |t: &str| t[t.find("\nfacts:").unwrap_or(t.len())..].to_string();
    assert_eq!(from_facts(&after), from_facts(&text));
    let head = |t: &str| t[..t.find("\nunits:").expect("units")].to_string();
    assert_eq!(head(&after), head(&text));
}
