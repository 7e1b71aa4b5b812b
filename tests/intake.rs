//! Issue 14, data intake: what a data file's strings, dates and leftovers become, through
//! the real binary. `check` and `render` give the same verdict; a refused file writes
//! nothing.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::*;

fn seed_text() -> String {
    std::fs::read_to_string(seed()).expect("seed")
}

/// `seed` with each `(from, to)` replaced once (each must occur).
fn edited(pairs: &[(&str, &str)]) -> String {
    let mut t = seed_text();
    for (from, to) in pairs {
        assert!(t.contains(from), "the seed has {from}");
        t = t.replacen(from, to, 1);
    }
    t
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Write `text` as `x.yaml` in a fresh folder.
fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("x.yaml");
    std::fs::write(&p, text).expect("write");
    (dir, p)
}

/// `check` and `render` both refuse `text` with exit 2, nothing is written, and every
/// `expect` line is in the message; returns the message.
fn refused(text: &str, expect: &[&str]) -> String {
    let (dir, p) = file(text);
    let out = dir.path().join("out");
    let c = diaoyan(&["check", p.to_str().unwrap()]);
    let r = diaoyan(&[
        "render",
        p.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-system-fonts",
    ]);
    let msg = stderr(&c);
    assert_eq!(c.status.code(), Some(2), "check: {msg}");
    assert_eq!(r.status.code(), Some(2), "render: {}", stderr(&r));
    assert!(!out.exists(), "render wrote {out:?}");
    for e in expect {
        assert!(msg.contains(e), "expected “{e}” in:\n{msg}");
    }
    assert!(!msg.contains("panicked"), "{msg}");
    msg
}

/// `check` passes and `render` writes both formats; returns the folder and the output stem.
fn renders(text: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, p) = file(text);
    let c = diaoyan(&["check", p.to_str().unwrap()]);
    assert!(c.status.success(), "check: {}", stderr(&c));
    let out = dir.path().join("out");
    let r = diaoyan(&[
        "render",
        p.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-system-fonts",
        "--markdown",
    ]);
    assert!(r.status.success(), "render: {}", stderr(&r));
    (dir, out.join("qingnianlu-2019"))
}

#[test]
fn control_characters_are_refused_with_place_unit_field_and_code_point() {
    // The three examples of issue 14, as YAML double-quoted escapes.
    let msg = refused(
        &edited(&[
            ("- name: 青年路第一社区", "- name: \"安定\\f社区\""),
            (
                "title: 行政事务挤占自治空间，居委会“自治”名不副实",
                "title: \"行政事务\\x1d挤占自治空间\"",
            ),
        ]),
        &[
            "x.yaml:15:11: 安定社区：名称含控制字符 U+000C",
            ":167:12: 第 1 个问题的标题含控制字符 U+001D",
        ],
    );
    assert_eq!(msg.matches("控制字符").count(), 2, "{msg}");
    // A finding's text with \v (a one-line double-quoted text).
    let seed = seed_text();
    let start = seed
        .find("    text: |\n      居委会依法")
        .expect("first finding text");
    let end = start
        + seed[start..]
            .find("  - title: 服务站")
            .expect("second finding");
    let text = format!(
        "{}    text: \"居委会\\v依法自治\"\n{}",
        &seed[..start],
        &seed[end..]
    );
    refused(&text, &["第 1 个问题的正文含控制字符 U+000B"]);
}

#[test]
fn control_characters_anywhere_in_the_file() {
    // Report fields, closing, a table cell, a fact, a key, and NUL.
    for (from, to, expect) in [
        (
            "  title: 强化基层保障 理顺管理体制 推动社区治理能力现代化",
            "  title: \"\\u0001强化基层保障\"",
            "x.yaml:6:10: 报告标题（report.title）含控制字符 U+0001",
        ),
        (
            "  region: 青年路街道",
            "  region: \"青年路\\uFFFF街道\"",
            "调研地区（report.region）含控制字符 U+FFFF",
        ),
        (
            "  organisation: 青年路街道办事处",
            "  organisation: \"青年路\\0街道办事处\"",
            "调研单位（report.organisation）含控制字符 U+0000",
        ),
        (
            "closing: |\n",
            "closing: \"\\uFFFE\"\nx_closing: |\n",
            "结束语（closing）含控制字符 U+FFFE",
        ),
        (
            "post: 书记兼主任",
            "post: \"书记\\e兼主任\"",
            "第 1 行岗位含控制字符 U+001B",
        ),
        (
            "  seniority_raise: 15",
            "  seniority_raise: 15\n  note: \"\\b\"",
            "facts.note含控制字符 U+0008",
        ),
        (
            "    caseload: 4000\n",
            "    caseload: 4000\n    \"case\\x07\": 1\n",
            "青年路第一社区：字段 case的键名含控制字符 U+0007",
        ),
    ] {
        // `x_closing` is an unknown key (a shape error): the control character is told too.
        refused(&edited(&[(from, to)]), &[expect]);
    }
}

#[test]
fn raw_control_characters_typed_into_the_file() {
    let msg = refused(
        &edited(&[("- name: 青年路第一社区", "- name: 青年路第一\u{c}社区")]),
        &["x.yaml:15:", "含控制字符 U+000C"],
    );
    assert!(!msg.contains("YAML 格式错误"), "{msg}");
}

#[test]
fn tab_cr_and_lf_are_legal() {
    let (_dir, stem) = renders(&edited(&[(
        "  region: 青年路街道",
        "  region: \"青年路街道\\t\\r\\n\"",
    )]));
    assert!(stem.with_extension("pdf").exists());
}

#[test]
fn default_ignorables_are_removed_from_every_output() {
    let (_dir, stem) = renders(&edited(&[
        (
            "- name: 青年路第一社区",
            "- name: \"青年路\\u200b第一\\u2060社区\\ufeff\\u200c\\u200d\\ufe0f\\u202a\\u202e\\u2066\\u2069\\u061c\\u200e\\u200f\"",
        ),
        ("    short: 青一", "    short: \"青\\u00ad一\""),
        (
            "title: 行政事务挤占自治空间",
            "title: 行政事务\u{ad}挤占自治空间",
        ),
    ]));
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("markdown");
    assert!(
        md.contains("青年路第一社区"),
        "the name, cleaned, is in the report"
    );
    assert!(md.contains("行政事务挤占自治空间"));
    for c in [
        '\u{ad}', '\u{200b}', '\u{2060}', '\u{feff}', '\u{fe0f}', '\u{202e}', '\u{200f}',
    ] {
        assert!(!md.contains(c), "U+{:04X} reached the Markdown", c as u32);
    }
    let xml = docx_part(&stem.with_extension("docx"), "word/document.xml");
    assert!(xml.contains("青年路第一社区"));
    assert!(!xml.contains('\u{ad}') && !xml.contains('\u{200b}'));
}

#[test]
fn line_and_paragraph_separators() {
    let seed = seed_text();
    let start = seed
        .find("    text: |\n      居委会依法")
        .expect("first finding text");
    let end = start
        + seed[start..]
            .find("  - title: 服务站")
            .expect("second finding");
    let text = format!(
        "{}    text: \"居委会依法是群众性自治组织，\\P但随着职能下移，\\L行政事务落到社区。\"\n{}",
        &seed[..start],
        &seed[end..]
    )
    .replacen("- name: 青年路第一社区", "- name: \"青年路\\L第一社区\"", 1);
    let (_dir, stem) = renders(&text);
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("markdown");
    assert!(
        md.contains("青年路 第一社区"),
        "U+2028 in a name is a space"
    );
    assert!(!md.contains('\u{2028}') && !md.contains('\u{2029}'));
    // U+2029 in prose is a paragraph break: the finding has one paragraph more.
    let at = md.find("居委会依法").expect("the finding");
    let finding = &md[at..at + md[at..].find("\n#").unwrap_or(md.len() - at)];
    let paragraphs: Vec<&str> = finding
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    assert_eq!(paragraphs[0], "居委会依法是群众性自治组织，", "{finding}");
    assert!(paragraphs[1].starts_with("但随着职能下移，"), "{finding}");
    // U+2028 reaches composition as a line break inside the paragraph.
    assert!(!finding.contains("\u{2028}"), "{finding}");
}

#[test]
fn dates_in_every_accepted_spelling_reach_both_backends() {
    for spelling in [
        "2020-03-16",
        "\"2020-03-16\"",
        "2020年3月16日",
        "2020/3/16",
        "2020-03-16T08:00:00Z",
    ] {
        let (_dir, stem) = renders(&edited(&[(
            "  date: \"2020-03-16\"",
            &format!("  date: {spelling}"),
        )]));
        let core = docx_part(&stem.with_extension("docx"), "docProps/core.xml");
        assert!(
            core.contains(">2020-03-16T00:00:00Z</dcterms:created>"),
            "{spelling}: {core}"
        );
        assert!(core.contains(">2020-03-16T00:00:00Z</dcterms:modified>"));
        let pdf = lopdf::Document::load(stem.with_extension("pdf")).expect("pdf");
        let info = pdf
            .trailer
            .get(b"Info")
            .and_then(|i| pdf.dereference(i))
            .and_then(|(_, o)| o.as_dict())
            .expect("an Info dictionary");
        for key in [&b"CreationDate"[..], b"ModDate"] {
            let d = info.get(key).and_then(|d| d.as_str()).expect("a date");
            assert!(
                d.starts_with(b"D:20200316000000"),
                "{spelling}: {}",
                String::from_utf8_lossy(d)
            );
        }
    }
}

#[test]
fn dates_that_are_not_dates_are_refused() {
    for (bad, expect) in [
        (
            "43906",
            "x.yaml:11:9: 成文日期（report.date）为数字 43906，像是 Excel 的日期序号（即 2020-03-16）",
        ),
        ("2020-02-30", "x.yaml:11:9: 成文日期（report.date）“2020-02-30”不是存在的日期"),
        // Issue 17: a day past the month's end, in each spelling a writer types, is refused
        // by the calendar (the `time` crate), not accepted by hand-written day counting.
        ("2019-02-31", "x.yaml:11:9: 成文日期（report.date）“2019-02-31”不是存在的日期"),
        ("2019/2/31", "x.yaml:11:9: 成文日期（report.date）“2019/2/31”不是存在的日期"),
        ("2019年2月31日", "x.yaml:11:9: 成文日期（report.date）“2019年2月31日”不是存在的日期"),
        ("2019-02-29", "x.yaml:11:9: 成文日期（report.date）“2019-02-29”不是存在的日期"),
        ("2019-04-31", "x.yaml:11:9: 成文日期（report.date）“2019-04-31”不是存在的日期"),
        ("16/3/2020", "x.yaml:11:9: 成文日期（report.date）“16/3/2020”无法识别为日期"),
        ("下周一", "无法识别为日期"),
        ("[2020, 3, 16]", "成文日期（report.date）应为文字，实际为列表"),
    ] {
        refused(
            &edited(&[("  date: \"2020-03-16\"", &format!("  date: {bad}"))]),
            &[expect],
        );
    }
}

#[test]
fn numbers_are_accepted_for_text_fields() {
    let (_dir, stem) = renders(&edited(&[("  period: \"2019\"", "  period: 2019")]));
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("markdown");
    assert!(md.contains("2019年"), "period 2019 printed");
}

#[test]
fn wrong_kinds_of_value_are_told_in_chinese_with_a_line() {
    let msg = refused(
        &edited(&[("  period: \"2019\"", "  period: [2019]")]),
        &["x.yaml:9:11: 调研期（report.period）应为文字，实际为列表"],
    );
    assert_eq!(
        msg.matches("x.yaml:").count(),
        1,
        "one problem, once: {msg}"
    );
    let msg = refused(
        &edited(&[("  title: 强化", "  title:\n    - 强化")]),
        &["报告标题（report.title）应为文字，实际为列表"],
    );
    assert!(msg.is_ascii() || !msg.contains("invalid type"), "{msg}");
    let msg = refused(
        &edited(&[("findings:\n", "findings: 3\nx_findings:\n")]),
        &["类型不对：应为列表，实际为数字 3"],
    );
    assert!(!msg.contains("invalid"), "{msg}");
}

/// Run the binary in `dir`.
fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs")
}

#[test]
fn import_into_a_gbk_file_refuses_like_check_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = seed_text();
    std::fs::write(dir.path().join("q.yaml"), &seed).expect("write");
    assert!(run_in(dir.path(), &["export", "q.yaml", "-o", "u.xlsx"])
        .status
        .success());
    let (gbk, _, _) = encoding_rs::GBK.encode(&seed);
    std::fs::write(dir.path().join("g.yaml"), &gbk).expect("write");
    let check = run_in(dir.path(), &["check", "g.yaml"]);
    assert_eq!(check.status.code(), Some(2));
    let into = run_in(
        dir.path(),
        &[
            "import",
            "u.xlsx",
            "--template",
            "community-survey",
            "--into",
            "g.yaml",
        ],
    );
    assert_eq!(into.status.code(), Some(2), "{}", stderr(&into));
    assert_eq!(stderr(&into), stderr(&check), "the same message as check");
    assert!(
        stderr(&into).contains("g.yaml:1:3: 文件不是 UTF-8 编码"),
        "{}",
        stderr(&into)
    );
    assert_eq!(
        std::fs::read(dir.path().join("g.yaml")).expect("read"),
        gbk.as_ref(),
        "the file is untouched"
    );
}

/// A copy of the built-in pack in `dir/p` with `from` replaced by `to` in template.yaml.
fn pack_with(dir: &std::path::Path, from: &str, to: &str) -> PathBuf {
    let src = root().join("templates/community-survey");
    let p = dir.join("p");
    std::fs::create_dir_all(&p).expect("mkdir");
    for f in ["template.yaml", "report.md"] {
        let mut t = std::fs::read_to_string(src.join(f)).expect("read");
        if f == "template.yaml" {
            assert!(t.contains(from), "{from}");
            t = t.replacen(from, to, 1);
        }
        std::fs::write(p.join(f), t).expect("write");
    }
    p
}

#[test]
fn pack_inconsistencies_are_messages_with_file_and_line() {
    for (from, to, expect) in [
        (
            "parts: [staff.gender.male, staff.gender.female]",
            "parts: []",
            "groups.gender.parts 为空：至少需要一个组成部分",
        ),
        (
            "parts: [staff.gender.male, staff.gender.female]",
            "parts: [staff.gender.male, staff.gender.mal]",
            "groups.gender 引用了未定义的字段 staff.gender.mal",
        ),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let pack = pack_with(dir.path(), from, to);
        let line = std::fs::read_to_string(pack.join("template.yaml"))
            .expect("read")
            .lines()
            .position(|l| l.contains(to))
            .expect("the edited line")
            + 1;
        let out = dir.path().join("out");
        for args in [
            vec![
                "check",
                seed().to_str().unwrap(),
                "--template",
                pack.to_str().unwrap(),
            ],
            vec![
                "render",
                seed().to_str().unwrap(),
                "--template",
                pack.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ],
        ] {
            let o = diaoyan(&args);
            let msg = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?}: {msg}");
            assert!(!msg.contains("panicked"), "{msg}");
            assert!(
                msg.contains(&format!("template.yaml:{line}:")),
                "file and line {line}: {msg}"
            );
            assert!(msg.contains(expect), "{expect}: {msg}");
        }
        assert!(!out.exists());
    }
}

#[test]
fn check_flags_what_init_left_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(run_in(
        dir.path(),
        &["init", "--template", "community-survey", "s.yaml"]
    )
    .status
    .success());
    let p = dir.path().join("s.yaml");
    let text = std::fs::read_to_string(&p)
        .expect("read")
        .replacen("  title: ''", "  title: 调研", 1)
        .replacen("  region: ''", "  region: 甲街道", 1)
        .replacen("  period: ''", "  period: 2020", 1);
    let example = text
        .lines()
        .position(|l| l.contains("- name: 示例社区"))
        .expect("the example unit")
        + 1;
    let blank = text
        .lines()
        .position(|l| l.trim_start().starts_with("- {") || l.trim_start().starts_with("- category"))
        .expect("the example row")
        + 1;
    let msg = refused(&text, &[]);
    assert!(
        msg.contains(&format!(
            "x.yaml:{example}:11: 示例社区：是 diaoyan init 写入的示例社区"
        )),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("x.yaml:{blank}:")) && msg.contains("第 1 行是空行"),
        "{msg}"
    );
    // A unit whose numbers are all 0 is flagged too, whatever its name.
    let msg = refused(
        &text.replace("示例社区", "安定社区"),
        &["安定社区：所有数字都是 0"],
    );
    assert!(!msg.contains("示例社区"));
}

#[test]
fn unknown_topics_are_refused_listing_the_valid_ones() {
    let msg = refused(
        &edited(&[("topic: admin", "topic: ofice")]),
        &[
            "x.yaml:168:12: 第 1 个问题的 topic “ofice”不是此模板认识的主题，是否应为 office？",
            "office（办公用房与经费）",
            "pay（薪酬待遇）",
            "staff（工作人员结构）",
        ],
    );
    assert_eq!(msg.matches("x.yaml:").count(), 1, "{msg}");
}

/// The seed's units as a workbook: one sheet headed by field paths, the third unit's row
/// hidden, and a hidden sheet giving the first unit's households again, differently.
fn workbook_with_hidden_parts(path: &std::path::Path) {
    let schema: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("templates/community-survey/template.yaml"))
            .expect("pack"),
    )
    .expect("yaml");
    let fields: Vec<String> = schema["fields"]
        .as_mapping()
        .expect("fields")
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let seed: serde_yaml::Value = serde_yaml::from_str(&seed_text()).expect("seed");
    let units = seed["units"].as_sequence().expect("units");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("社区").expect("name");
    ws.write_string(0, 0, "社区").expect("write");
    for (c, f) in fields.iter().enumerate() {
        ws.write_string(0, c as u16 + 1, f).expect("write");
    }
    for (r, u) in units.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, u["name"].as_str().expect("name"))
            .expect("write");
        for (c, f) in fields.iter().enumerate() {
            let v = f.split('.').fold(u, |v, k| &v[k]);
            ws.write_number(row, c as u16 + 1, v.as_f64().expect("number"))
                .expect("write");
        }
    }
    ws.set_row_hidden(3).expect("hide");
    let old = wb.add_worksheet().set_name("旧数据").expect("name");
    old.write_string(0, 0, "社区").expect("write");
    old.write_string(0, 1, "households").expect("write");
    old.write_string(1, 0, units[0]["name"].as_str().expect("name"))
        .expect("write");
    old.write_number(1, 1, 1.0).expect("write");
    old.set_hidden(true);
    wb.save(path).expect("save");
}

#[test]
fn hidden_rows_are_skipped_with_a_notice_and_hidden_sheets_are_named_hidden() {
    let dir = tempfile::tempdir().expect("temp dir");
    let book = dir.path().join("u.xlsx");
    workbook_with_hidden_parts(&book);
    let out = run_in(
        dir.path(),
        &[
            "import",
            "u.xlsx",
            "--template",
            "community-survey",
            "-o",
            "u.yaml",
        ],
    );
    let msg = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the hidden sheet conflicts: {msg}"
    );
    assert!(msg.contains("隐藏的工作表“旧数据”"), "{msg}");
    // Without the conflicting hidden sheet: 11 units, the hidden row told by number.
    let dir = tempfile::tempdir().expect("temp dir");
    let book = dir.path().join("u.xlsx");
    workbook_with_hidden_parts(&book);
    // Rebuild without the second sheet: read back and write the first sheet only.
    let seed_units = 12;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&book).expect("open");
    use calamine::Reader;
    let range = wb.worksheet_range("社区").expect("sheet");
    let mut out_wb = rust_xlsxwriter::Workbook::new();
    let ws = out_wb.add_worksheet().set_name("社区").expect("name");
    for (r, row) in range.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v {
                calamine::Data::String(s) => ws.write_string(r as u32, c as u16, s),
                calamine::Data::Float(x) => ws.write_number(r as u32, c as u16, *x),
                calamine::Data::Int(x) => ws.write_number(r as u32, c as u16, *x as f64),
                _ => continue,
            }
            .expect("write");
        }
    }
    ws.set_row_hidden(3).expect("hide");
    out_wb.save(&book).expect("save");
    let out = run_in(
        dir.path(),
        &[
            "import",
            "u.xlsx",
            "--template",
            "community-survey",
            "-o",
            "u.yaml",
        ],
    );
    let msg = stderr(&out);
    assert!(out.status.success(), "{msg}");
    assert!(msg.contains("工作表“社区”第 4 行是隐藏行，未导入"), "{msg}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{} 个社区", seed_units - 1)),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let data = std::fs::read_to_string(dir.path().join("u.yaml")).expect("data");
    let third = seed_text()
        .lines()
        .filter(|l| l.trim_start().starts_with("- name:"))
        .nth(2)
        .expect("third unit")
        .trim()
        .to_string();
    assert!(!data.contains(&third), "{third} was hidden");
    // The whole skeleton is written: check lists what is left to fill.
    for part in [
        "facts:",
        "findings:",
        "recommendations:",
        "closing:",
        "pay_scale:",
    ] {
        assert!(data.contains(part), "{part} in the imported file");
    }
    let check = run_in(dir.path(), &["check", "u.yaml"]);
    let told = stderr(&check);
    assert_eq!(check.status.code(), Some(2), "{told}");
    for left in ["报告标题（report.title）不能为空", "第 1 行是空行"] {
        assert!(told.contains(left), "{left}: {told}");
    }
}

#[test]
fn facts_that_json_cannot_hold_are_told_with_their_line() {
    refused(
        &edited(&[("  seniority_raise: 15", "  seniority_raise: .nan")]),
        &["x.yaml:162:20: facts.seniority_raise 为 .nan，不是有限数值（NaN 或无穷大）"],
    );
}

#[test]
fn raw_separators_pasted_into_the_file() {
    let (_dir, stem) = renders(&edited(&[
        ("- name: 青年路第一社区", "- name: 青年路\u{2028}第一社区"),
        (
            "自我服务的群众性自治组织，",
            "自我服务的群众性自治组织，\u{2029}",
        ),
    ]));
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("markdown");
    assert!(
        md.contains("青年路 第一社区"),
        "U+2028 in a name is a space"
    );
    assert!(
        md.contains("群众性自治组织，\n\n"),
        "U+2029 in prose is a paragraph break"
    );
    for c in ['\u{2028}', '\u{2029}', '\u{FDD0}', '\u{FDD1}'] {
        assert!(!md.contains(c), "U+{:04X} reached the Markdown", c as u32);
    }
}

#[test]
fn dates_outside_the_sane_years_are_refused() {
    for bad in [
        "\"0000-01-01\"",
        "\"1899-12-31\"",
        "\"2101-01-01\"",
        "9999-12-31",
    ] {
        refused(
            &edited(&[("  date: \"2020-03-16\"", &format!("  date: {bad}"))]),
            &[
                "x.yaml:11:9: 成文日期（report.date）",
                "年份超出范围（应在 1900 年至 2100 年之间）",
            ],
        );
    }
}

#[test]
fn an_undated_report_claims_no_date() {
    for none in ["\"\"", "null"] {
        let (_dir, stem) = renders(&edited(&[(
            "  date: \"2020-03-16\"",
            &format!("  date: {none}"),
        )]));
        let core = docx_part(&stem.with_extension("docx"), "docProps/core.xml");
        assert!(!core.contains("1970"), "{core}");
        assert!(!core.contains("dcterms:created"), "{core}");
        assert_eq!(pdf_info_dates(&stem.with_extension("pdf")), (false, false));
    }
    let (_dir, stem) = renders(&seed_text());
    let core = docx_part(&stem.with_extension("docx"), "docProps/core.xml");
    assert!(core.contains("2020-03-16"), "{core}");
    assert_eq!(pdf_info_dates(&stem.with_extension("pdf")), (true, true));
}

/// Whether the PDF's Info dictionary has `/CreationDate` and `/ModDate`.
fn pdf_info_dates(pdf: &std::path::Path) -> (bool, bool) {
    let doc = lopdf::Document::load(pdf).expect("pdf");
    let id = doc
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        .expect("info");
    let info = doc.get_dictionary(id).expect("info dictionary");
    (info.has(b"CreationDate"), info.has(b"ModDate"))
}

#[test]
fn numbers_in_text_fields_keep_their_spelling_or_are_refused() {
    for (field, bad, label) in [
        (
            "  period: \"2019\"",
            "  period: 2019.10",
            "调研期（report.period）写作 2019.10 会被读成数字 2019.1，请加引号：'2019.10'",
        ),
        (
            "  period: \"2019\"",
            "  period: 1e3",
            "写作 1e3 会被读成数字 1000.0",
        ),
        (
            "  period: \"2019\"",
            "  period: 0x10",
            "写作 0x10 会被读成数字 16",
        ),
        (
            "  organisation: 青年路街道办事处",
            "  organisation: 1e3",
            "调研单位（report.organisation）写作 1e3",
        ),
    ] {
        refused(&edited(&[(field, bad)]), &["x.yaml:", label]);
    }
    refused(
        &edited(&[("post: 副主任", "post: 0.10")]),
        &[
            "x.yaml:151:",
            "写作 0.10 会被读成数字 0.1，请加引号：'0.10'",
        ],
    );
    refused(
        &edited(&[("short: 青一", "short: 1.50")]),
        &["x.yaml:16:12:", "简称写作 1.50 会被读成数字 1.5"],
    );
    // A number written as it reads is still text.
    let (_dir, stem) = renders(&edited(&[("post: 副主任", "post: 2019")]));
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("markdown");
    assert!(md.contains("2019"), "post 2019 printed");
}

#[test]
fn numbers_beyond_two_to_the_53_are_refused() {
    for (from, to, expect) in [
        (
            "caseload: 4000",
            "caseload: 9007199254740993",
            "x.yaml:25:15:",
        ),
        ("caseload: 4000", "caseload: 1e300", "x.yaml:25:15:"),
        ("monthly: 2400", "monthly: -1e20", "x.yaml:150:"),
        ("admin_share: 0.6", "admin_share: 1e308", "x.yaml:164:"),
    ] {
        refused(
            &edited(&[(from, to)]),
            &[
                expect,
                "超出可精确保存的范围（绝对值不能超过 9007199254740992）",
            ],
        );
    }
    // A value of 2^53 is exact, but the field's sum over the units would not be: refused
    // for the sum (attacker finding F13); a large value whose sum stays exact renders.
    refused(
        &edited(&[("caseload: 4000", "caseload: 9007199254740992")]),
        &["字段 caseload 各社区之和超出可精确计算的范围"],
    );
    let (_dir, _stem) = renders(&edited(&[("caseload: 4000", "caseload: 9007199254000000")]));
}

#[test]
fn del_and_c1_controls_are_refused() {
    for (esc, cp) in [
        ("\\x7F", "U+007F"),
        ("\\x85", "U+0085"),
        ("\\x9F", "U+009F"),
    ] {
        refused(
            &edited(&[("short: 青一", &format!("short: \"青{esc}一\""))]),
            &["x.yaml:16:12:", &format!("简称含控制字符 {cp}")],
        );
    }
    // Typed raw into the file, in a finding's title: the field is named.
    refused(
        &edited(&[(
            "  - title: 服务站与居委会职责交叉",
            "  - title: 服务站\u{7F}与居委会职责交叉",
        )]),
        &["第 2 个问题的标题含控制字符 U+007F"],
    );
    refused(
        &edited(&[(
            "  - title: 服务站与居委会职责交叉",
            "  - title: 服务站\u{B}与居委会职责交叉",
        )]),
        &["第 2 个问题的标题含控制字符 U+000B"],
    );
}

#[test]
fn breaks_in_one_line_text_become_spaces() {
    let (_dir, stem) = renders(&edited(&[(
        "name: 青年路第一社区",
        "name: \"青年路\\r第一\\t社区\"",
    )]));
    let md = std::fs::read_to_string(stem.with_extension("md")).expect("markdown");
    assert!(md.contains("青年路 第一 社区"), "{md}");
    assert!(!md.contains('\r'), "CR kept");
}

#[test]
fn one_line_text_empty_after_cleaning_is_refused() {
    for t in ["\"\"", "\"  \"", "\"\\ufeff\""] {
        refused(
            &edited(&[(
                "  - title: 服务站与居委会职责交叉，“站居分设”未见实效",
                &format!("  - title: {t}"),
            )]),
            &["第 2 个问题的标题不能为空"],
        );
        refused(
            &edited(&[(
                "  - title: 转变街道职能，强化对社区的指导与服务",
                &format!("  - title: {t}"),
            )]),
            &["第 1 条建议的标题不能为空"],
        );
    }
    for t in ["\"\"", "\"\\u200b\""] {
        refused(
            &edited(&[(
                "category: 居委会, post: 副主任",
                &format!("category: {t}, post: 副主任"),
            )]),
            &["x.yaml:151:", "第 2 行", "不能为空"],
        );
    }
}
