//! The catalogue of bad and awkward input, through the real binary: every bad input ends
//! with exit code 2, a message a writer can act on, no panic, and nothing written; awkward
//! but valid input succeeds.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Run the binary with a deadline (a hang is a failure).
fn run(args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let start = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            panic!("diaoyan {args:?} hung for {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn seed_text() -> String {
    std::fs::read_to_string(seed()).unwrap()
}

/// Render `data` into a fresh folder; assert exit 2, `expect` in the message, no panic,
/// nothing written.
fn rejects(name: &str, data: &[u8], expect: &str) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    rejects_path(&p, &dir.path().join("out"), expect);
}

fn rejects_path(data: &Path, out: &Path, expect: &str) {
    let o = run(
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-system-fonts",
        ],
        60,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}: {err}", data.display());
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(expect),
        "{}: expected “{expect}” in: {err}",
        data.display()
    );
    let written = out.is_dir() && std::fs::read_dir(out).unwrap().next().is_some();
    assert!(!written, "something was written for {}", data.display());
    // `check` refuses what `render` refuses, with the same message.
    let c = check(data, &[]);
    let cerr = String::from_utf8_lossy(&c.stderr);
    assert_eq!(
        c.status.code(),
        Some(2),
        "check passed {}: {err}",
        data.display()
    );
    assert!(
        cerr.contains(expect),
        "check: expected “{expect}” in: {cerr}"
    );
}

/// `diaoyan check DATA EXTRA…` with the bundled fonts only, as the renders here use.
fn check(data: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", data.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args, 60)
}

#[test]
fn malformed_files() {
    rejects("empty.yaml", b"", "数据文件是空的");
    rejects(
        "garbage.yaml",
        &[0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0xff, 0xfe],
        "UTF-8",
    );
    rejects("nul.yaml", b"template: x\n\0\0\0", "二进制");
    rejects(
        "syntax.yaml",
        b"template: community-survey\nunits: [\n  - { name: a\n",
        "YAML 格式错误",
    );
    rejects(
        "tab.yaml",
        b"template: community-survey\nunits:\n\t- name: a\n",
        "Tab",
    );
    rejects("list.yaml", b"- a\n- b\n", "实际为列表");
    rejects("scalar.yaml", b"hello\n", "实际为单个值");
    let mut bomb = String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    let mut prev = 'a';
    for c in "bcdefghi".chars() {
        bomb.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
        prev = c;
    }
    rejects("bomb.yaml", bomb.as_bytes(), "别名");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    rejects("deep.yaml", deep.as_bytes(), "嵌套层数过深");
    let gbk = [
        &b"template: community-survey\nname: "[..],
        &[0xc9, 0xe7, 0xc7, 0xf8][..],
    ]
    .concat();
    rejects("gbk.yaml", &gbk, "请用 UTF-8 编码另存");
    rejects(
        "no-report.yaml",
        b"template: community-survey\nunits: []\n",
        "缺少字段 report",
    );
}

#[test]
fn bad_values() {
    let t = seed_text();
    let cases: [(&str, &str, &str, &str); 9] = [
        ("dup", "name: 安定社区", "name: 习武园社区", "名称重复"),
        ("huge", "caseload: 300", "caseload: 1e400", "NaN 或无穷大"),
        ("nan", "caseload: 300", "caseload: .nan", "NaN 或无穷大"),
        ("neg", "caseload: 300", "caseload: -300", "不能小于 0"),
        ("frac", "caseload: 300", "caseload: 300.5", "应为整数"),
        ("text", "caseload: 300", "caseload: 三百", "应为数字"),
        (
            "unknown",
            "caseload: 300",
            "caseload: 300\n    casload: 1",
            "未知字段 casload",
        ),
        (
            "template",
            "template: community-survey",
            "template: nope",
            "找不到模板“nope”",
        ),
        (
            "sum",
            "gender: { male: 4, female: 4 }",
            "gender: { male: 4, female: 5 }",
            "安定社区：性别合计 9 人",
        ),
    ];
    for (name, from, to, expect) in cases {
        assert!(t.contains(from), "{name}");
        rejects(
            &format!("{name}.yaml"),
            t.replacen(from, to, 1).as_bytes(),
            expect,
        );
    }
}

#[test]
fn bad_paths() {
    let dir = tempfile::tempdir().unwrap();
    rejects_path(
        &dir.path().join("missing.yaml"),
        &dir.path().join("o1"),
        "无法读写文件",
    );
    // A folder is refused before it is opened (issue 15: only regular files).
    rejects_path(
        dir.path(),
        &dir.path().join("o2"),
        "不是普通文件（是文件夹）",
    );
    // The output path is a file.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let o = run(
        &[
            "render",
            seed().to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
            "--no-system-fonts",
        ],
        60,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("已存在同名的文件，不是文件夹"));
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

fn pack_with(report: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("community-survey");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::copy(
        root().join("templates/community-survey/template.yaml"),
        pack.join("template.yaml"),
    )
    .unwrap();
    std::fs::write(pack.join("report.md"), report).unwrap();
    (dir, pack)
}

#[test]
fn bad_templates() {
    for (report, expect) in [
        ("# 标题\n\n{% if %}\n", "report.md:3:"),
        ("# 标题\n\n{{ fields.nope.sum | fixed }}\n", "report.md"),
        ("{{ table(columns=[\"nope\"]) }}", "未知字段 nope"),
    ] {
        let (dir, pack) = pack_with(report);
        let out = dir.path().join("out");
        let o = run(
            &[
                "render",
                seed().to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--template",
                pack.to_str().unwrap(),
                "--no-system-fonts",
            ],
            60,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("模板错误") && err.contains(expect),
            "{expect}: {err}"
        );
        assert!(!out.exists());
        let c = check(&seed(), &["--template", pack.to_str().unwrap()]);
        assert_eq!(
            c.status.code(),
            Some(2),
            "check passed a broken template: {expect}"
        );
    }
}

fn succeeds(name: &str, data: &str, secs: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, data).unwrap();
    let o = run(
        &[
            "render",
            p.to_str().unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
            "--no-system-fonts",
        ],
        secs,
    );
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let c = check(&p, &[]);
    assert!(
        c.status.success(),
        "check refused what render renders: {name}: {}",
        String::from_utf8_lossy(&c.stderr)
    );
    dir
}

#[test]
fn awkward_but_valid_input() {
    let t = seed_text();
    succeeds("bom.yaml", &format!("\u{feff}{t}"), 60);
    succeeds("crlf.yaml", &t.replace('\n', "\r\n"), 60);
    // A unit with all zeros: no NaN or inf anywhere, "—" instead.
    let zeros = t
        .replace(
            "households: 75\n    residents: 215",
            "households: 0\n    residents: 0",
        )
        .replace(
            "office: { total: 96, owned: 96, rented: 0 }",
            "office: { total: 0, owned: 0, rented: 0 }",
        )
        .replace("caseload: 300", "caseload: 0");
    let dir = succeeds("zeros.yaml", &zeros, 60);
    let paras = docx_paragraphs(&dir.path().join("qingnianlu-2019.docx")).concat();
    for bad in ["NaN", "nan", "inf"] {
        assert!(!paras.contains(bad), "{bad} in the report");
    }
}

#[test]
fn a_name_as_long_as_a_cell_allows_wraps_without_hanging() {
    // 32,767 characters: the most a spreadsheet cell holds (longer names are refused at
    // load, tests/hostile/mend_diag.rs), the chart workbook in the DOCX holds every name.
    let name = "很长的社区名称".repeat(4_681);
    assert_eq!(name.chars().count(), 32_767);
    let t = seed_text().replace("name: 安定社区", &format!("name: {name}"));
    succeeds("long.yaml", &t, 120);
}

#[test]
fn three_thousand_units() {
    let mut t = seed_text();
    let unit_start = t.find("  - name: 安定社区").unwrap();
    let unit_end = t.find("tables:").unwrap();
    let unit = t[unit_start..unit_end].to_string();
    let many: String = (0..2_988)
        .map(|i| unit.replace("name: 安定社区", &format!("name: 安定{i}社区")))
        .collect();
    t.insert_str(unit_end, &many);
    let dir = succeeds("many.yaml", &t, 240);
    let pdf = std::fs::metadata(dir.path().join("qingnianlu-2019.pdf"))
        .unwrap()
        .len();
    assert!(pdf > 100_000);
}

/// A control character in a pack file (a label in template.yaml, a heading in report.md)
/// is refused with the pack file's line and column, exit 2, by check and render alike —
/// not a render failure blaming the data (issue 14: a pack is user input too).
#[test]
fn control_characters_in_a_pack_name_the_pack_file_and_line() {
    let report = std::fs::read_to_string(root().join("templates/community-survey/report.md"))
        .unwrap()
        .replacen("# ", "# 调研\u{c}", 1);
    let (dir, pack) = pack_with(&report);
    let out = dir.path().join("out");
    let data = seed();
    for cmd in ["render", "check"] {
        let mut args = vec![cmd, data.to_str().unwrap()];
        if cmd == "render" {
            args.extend(["-o", out.to_str().unwrap()]);
        }
        args.extend(["--template", pack.to_str().unwrap(), "--no-system-fonts"]);
        let o = run(&args, 60);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("report.md:") && err.contains("模板文件含控制字符 U+000C"),
            "{cmd}: {err}"
        );
    }
    assert!(!out.exists());
}
