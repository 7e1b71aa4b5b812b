//! A pack's empty form workbook (`sheet::form_workbook`, `diaoyan init --template NAME
//! F.xlsx`, the download of `diaoyan serve`) and the spreadsheet merge the server uses
//! (`workflow::merge_spreadsheet`): the form is export's workbook with no units, it imports
//! back once filled, and a spreadsheet is checked alone exactly as a new `import`.

mod common;

use std::path::{Path, PathBuf};

use diaoyan::sheet::{read, Sheet, Value};
use diaoyan::workflow::{choose_pack, merge_spreadsheet, Import, ImportRequest};
use rust_xlsxwriter::Workbook;

/// The built-in packs with a data file of each.
const PACKS: [(&str, &str); 2] = [
    ("community-survey", "data/qingnianlu-2019.yaml"),
    ("township-villages", "data/township-2019.yaml"),
];

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
                    Value::Text(t) => {
                        ws.write_string(r, c, t).expect("text");
                    }
                    Value::Bool(_) | Value::Date(_) => {
                        ws.write_string(r, c, v.text()).expect("text");
                    }
                }
            }
        }
    }
    wb.save(path).expect("saved");
}

/// The form of `pack` filled with the units and tables of `data`: the form's own header
/// rows, and below them the rows `export` writes for `data`.
fn filled_form(dir: &Path, pack: &str, data: &Path) -> (PathBuf, Vec<Sheet>) {
    let form = dir.join(format!("{pack}-form.xlsx"));
    std::fs::write(
        &form,
        diaoyan::sheet::form_workbook(&choose_pack(Some(pack)).expect("pack")).expect("form"),
    )
    .expect("written");
    let full = dir.join(format!("{pack}-full.xlsx"));
    let out = common::diaoyan(&[
        "export",
        data.to_str().expect("utf-8"),
        "-o",
        full.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let form_sheets = read(&form).expect("form reads");
    let full_sheets = read(&full).expect("export reads");
    let mut filled = Vec::new();
    for s in &form_sheets {
        let full = full_sheets
            .iter()
            .find(|f| f.name == s.name)
            .unwrap_or_else(|| panic!("export has no sheet {}", s.name));
        // The form's header is export's header.
        let head = s.rows.len();
        assert!(head >= 1, "{}", s.name);
        if s.name == diaoyan::sheet::REPORT_SHEET {
            // The same items, to fill.
            let labels =
                |rows: &[Vec<Value>]| rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();
            assert_eq!(labels(&s.rows), labels(&full.rows[..head]));
        } else {
            assert_eq!(s.rows[..head], full.rows[..head], "header of {}", s.name);
        }
        filled.push(Sheet {
            name: s.name.clone(),
            rows: full.rows.clone(),
            hidden: false,
            hidden_rows: Vec::new(),
        });
    }
    let path = dir.join(format!("{pack}-filled.xlsx"));
    write_workbook(&path, &filled);
    (path, filled)
}

#[test]
fn the_form_is_export_without_units_or_statistics() {
    let dir = tempfile::tempdir().expect("tmp");
    for (pack, _) in PACKS {
        let p = choose_pack(Some(pack)).expect("pack");
        let bytes = diaoyan::sheet::form_workbook(&p).expect("form");
        // Same pack, same bytes; the CLI writes the same.
        assert_eq!(bytes, diaoyan::sheet::form_workbook(&p).expect("again"));
        let path = dir.path().join(format!("{pack}.xlsx"));
        let out = common::diaoyan(&["init", "--template", pack, path.to_str().expect("utf-8")]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read(&path).expect("written"), bytes);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!(
                "空白表格已生成：填好后运行 diaoyan import {} --template {pack}",
                path.display()
            )),
            "{stdout}"
        );
        let sheets = read(&path).expect("reads");
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names[0], format!("{}数据", p.schema.unit_label));
        assert!(!names.contains(&diaoyan::sheet::STATS_SHEET), "{names:?}");
        assert_eq!(names.last(), Some(&diaoyan::sheet::REPORT_SHEET));
        assert_eq!(names.len(), 2 + p.schema.tables.len(), "{names:?}");
        // No unit: the two header rows only.
        assert_eq!(sheets[0].rows.len(), 2, "{:?}", sheets[0].rows);
        // The report items to fill, all blank.
        let report = sheets.last().expect("report");
        assert_eq!(report.get(1, 0), &Value::Text("报告标题".into()));
        assert!(report
            .rows
            .iter()
            .skip(1)
            .all(|r| r.get(1).is_none_or(Value::is_empty)));
        // Input rules are written on the units sheet (data validation for new rows).
        let xml = zip_part(&path, "xl/worksheets/sheet1.xml");
        assert!(xml.contains("<dataValidations"), "no input rules");
        assert!(xml.contains("showInputMessage=\"1\""), "no prompts");
    }
}

fn zip_part(path: &Path, name: &str) -> String {
    let f = std::fs::File::open(path).expect("open");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name(name).expect("part"), &mut s).expect("read");
    s
}

/// Filled with a data file's units and tables, the form imports back to the same units
/// (merged into that data file, it loads to the same survey).
#[test]
fn the_filled_form_imports_back() {
    let dir = tempfile::tempdir().expect("tmp");
    for (pack, data) in PACKS {
        let data = common::root().join(data);
        let (filled, _) = filled_form(dir.path(), pack, &data);
        let p = choose_pack(Some(pack)).expect("pack");
        let text = std::fs::read_to_string(&data).expect("data");
        let (merged, notes) = merge_spreadsheet(&filled, &p, (&data, &text)).expect("merged");
        assert!(notes.is_empty(), "{notes:?}");
        let (before, _) = diaoyan::survey::load(&data, None).expect("loads");
        let (after, _) = diaoyan::survey::load_bytes(&data, merged.as_bytes(), None)
            .unwrap_or_else(|e| panic!("{pack}: {e:?}"));
        // Units as the workbook holds them (a unit's `id:` is not in the workbook).
        let units = |s: &diaoyan::survey::Survey| -> Vec<String> {
            s.units
                .iter()
                .map(|u| format!("{} {} {:?} {:?}", u.name, u.short, u.values, u.tags))
                .collect()
        };
        assert_eq!(units(&after), units(&before), "{pack}");
        assert_eq!(
            format!("{:?}", after.tables),
            format!("{:?}", before.tables),
            "{pack}"
        );
        assert_eq!(after.findings.len(), before.findings.len());
        // A new import through the binary reads it too.
        let out = common::diaoyan(&[
            "import",
            filled.to_str().expect("utf-8"),
            "--template",
            pack,
            "-o",
            dir.path()
                .join(format!("{pack}.yaml"))
                .to_str()
                .expect("utf-8"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Merged into a fresh `init` skeleton (findings still empty), the spreadsheet's units
/// replace the example unit; the skeleton's comments and sections stay.
#[test]
fn merge_into_a_fresh_skeleton() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = common::seed();
    let (filled, _) = filled_form(dir.path(), "community-survey", &data);
    let skeleton = dir.path().join("survey.yaml");
    let out = common::diaoyan(&[
        "init",
        "--template",
        "community-survey",
        skeleton.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&skeleton).expect("skeleton");
    let p = choose_pack(Some("community-survey")).expect("pack");
    // `import --into` refuses it (the skeleton is checked whole) …
    let whole = Import::prepare(&ImportRequest {
        file: filled.clone(),
        template: "community-survey".into(),
        output: None,
        into: Some(skeleton.clone()),
        force: false,
    });
    // (The spreadsheet now also fills the report items and facts, so whether the whole
    // skeleton passes depends only on what else it lacks.)
    drop(whole);
    // The merge takes it.
    let (merged, _) = merge_spreadsheet(&filled, &p, (&skeleton, &text)).expect("merged");
    for kept in [
        "# 调研发现的问题，每项一段：",
        "findings: []",
        "recommendations: []",
    ] {
        assert!(merged.lines().any(|l| l == kept), "{kept} lost");
    }
    assert!(!merged.contains("示例社区"));
    let v: serde_yaml::Value = serde_yaml::from_str(&merged).expect("yaml");
    let units = v["units"].as_sequence().expect("units");
    assert_eq!(units.len(), 12);
    // The report items of the 报告信息 sheet are merged too.
    let seed: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&data).expect("seed")).expect("yaml");
    assert_eq!(v["report"]["title"], seed["report"]["title"]);
    assert_eq!(units[0]["name"], serde_yaml::Value::from("青年路第一社区"));
    assert_eq!(units[0]["households"], serde_yaml::Value::from(2219));
    assert_eq!(
        v["tables"]["pay_scale"].as_sequence().map(Vec::len),
        Some(7)
    );
    // The form edits of the merged text still work.
    let form = diaoyan::survey::edit::read_form(&merged).expect("form");
    assert!(form.findings.is_empty());
}

/// A text in a number cell: the problem with its sheet and cell, the same diagnostics as
/// a new `import` of the same spreadsheet, and nothing merged.
#[test]
fn text_in_number_cell_is_told_by_sheet_and_cell() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = common::seed();
    let (_, mut sheets) = filled_form(dir.path(), "community-survey", &data);
    // Row 5 is the third unit (青年路第三社区); column D its households.
    assert_eq!(sheets[0].rows[0][3], Value::Text("居民户数（户）".into()));
    assert_eq!(sheets[0].rows[4][0], Value::Text("青年路第三社区".into()));
    assert_eq!(sheets[0].rows[4][3], Value::Number(3775.0));
    sheets[0].rows[4][3] = Value::Text("三千七".into());
    let bad = dir.path().join("bad.xlsx");
    write_workbook(&bad, &sheets);
    let skeleton = dir.path().join("survey.yaml");
    let out = common::diaoyan(&[
        "init",
        "--template",
        "community-survey",
        skeleton.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&skeleton).expect("skeleton");
    let p = choose_pack(Some("community-survey")).expect("pack");
    let e = merge_spreadsheet(&bad, &p, (&skeleton, &text)).expect_err("refused");
    let merged: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert!(merged[0].contains("工作表“社区数据”D5"), "{merged:?}");
    assert!(merged[0].contains("三千七"), "{merged:?}");
    assert!(
        merged[0].contains("青年路第三社区")
            || e.diagnostics()[0].unit.as_deref() == Some("青年路第三社区"),
        "{merged:?}"
    );
    // Exactly what a new import says.
    let new = Import::prepare(&ImportRequest {
        file: bad.clone(),
        template: "community-survey".into(),
        output: Some(dir.path().join("new.yaml")),
        into: None,
        force: false,
    })
    .expect_err("refused");
    let told: Vec<String> = new.diagnostics().iter().map(ToString::to_string).collect();
    assert_eq!(merged, told);
    // And what the CLI prints.
    let out = common::diaoyan(&[
        "import",
        bad.to_str().expect("utf-8"),
        "--template",
        "community-survey",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&merged[0]), "{stderr}\n{merged:?}");
}

/// The data file must use the pack the spreadsheet is read with.
#[test]
fn merge_refuses_another_pack() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = common::seed();
    let (filled, _) = filled_form(dir.path(), "community-survey", &data);
    let other = common::root().join("data/township-2019.yaml");
    let text = std::fs::read_to_string(&other).expect("data");
    let p = choose_pack(Some("community-survey")).expect("pack");
    let e = merge_spreadsheet(&filled, &p, (&other, &text)).expect_err("refused");
    let d = &e.diagnostics()[0];
    assert_eq!(d.file, other);
    assert_eq!(
        d.message,
        "此数据文件使用模板“township-villages”，与 --template community-survey 不同"
    );
}
