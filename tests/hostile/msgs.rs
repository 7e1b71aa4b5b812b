//! Issue 15: every message Chinese and exact — through the binary (see tests/hostile.rs).
//!
//! A duplicated key is named with both its lines; a `previous:` in a form it cannot take
//! is told which forms it can; every YAML or serde error is Chinese with file:line:column;
//! I/O errors are told in Chinese with the path; a pack's report file outside the pack is
//! refused as such; output names cannot collide after Unicode normalisation or case
//! folding; an alias counts each time it is used. Each case runs under 1 GiB of address
//! space and a timeout, exits 2, and a refusal writes nothing.

use super::common::*;

use std::path::Path;
use std::time::Duration;

const QUICK: Duration = Duration::from_secs(30);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// English a message must not carry (the system's and the parsers' own words).
const ENGLISH: &[&str] = &[
    "os error",
    "No such",
    "Permission denied",
    "Is a directory",
    "Not a directory",
    "Too many levels",
    "Invalid argument",
    "did not",
    "found ",
    "expected",
    "invalid",
    "variant",
    "untagged",
    "duplicate",
    "while ",
    "error:",
    "Usage:",
    "unexpected",
];

#[track_caller]
fn assert_chinese_only(out: &Confined) {
    for e in ENGLISH {
        assert!(
            !out.stderr.contains(e),
            "English {e:?} in the message: {}",
            out.stderr
        );
    }
}

/// `render` the data file `bytes` (written as `name` in a fresh folder) with `envs`:
/// it must exit 2 with a Chinese message holding every needle (`{f}` stands for the
/// file's path), no English, and nothing written.
#[track_caller]
fn refused_with(name: &str, bytes: &[u8], envs: &[(&str, &str)], needles: &[&str]) -> Confined {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join(name);
    std::fs::write(&data, bytes).unwrap();
    let out_dir = dir.path().join("out");
    let out = diaoyan_confined(
        &["render", s(&data), "-o", s(&out_dir), "--no-system-fonts"],
        envs,
        QUICK,
    );
    let needles: Vec<String> = needles.iter().map(|n| n.replace("{f}", s(&data))).collect();
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    out.assert_refused(&needles);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_chinese_only(&out);
    assert!(files_under(&out_dir).is_empty(), "a refusal wrote files");
    out
}

#[track_caller]
fn refused(name: &str, bytes: &[u8], needles: &[&str]) -> Confined {
    refused_with(name, bytes, &[], needles)
}

fn seed_text() -> String {
    std::fs::read_to_string(seed()).unwrap()
}

/// The 1-based line number the next appended line of `text` gets.
fn next_line(text: &str) -> usize {
    text.lines().count() + 1
}

/// Issue 15: a duplicated top-level key printed an empty key name. It is named, with the
/// line of each of the two.
#[test]
fn a_duplicated_key_is_named_with_both_lines() {
    let mut text = seed_text();
    let n = next_line(&text);
    text.push_str("template: community-survey\n");
    refused(
        "dup.yaml",
        text.as_bytes(),
        &[
            &format!("{{f}}:{n}:1: "),
            "顶层的键 template 写了两次（第 3 行和第 ",
            &format!("第 {n} 行）"),
        ],
    );
    // Inside a unit, in a flow mapping, and with a BOM and CRLF line ends: the same
    // lines and columns as the file shows.
    let nested = seed_text().replacen(
        "office: { total: 200,",
        "office: { total: 200, total: 1,",
        1,
    );
    let line = nested
        .lines()
        .position(|l| l.contains("total: 1,"))
        .unwrap()
        + 1;
    refused(
        "nested.yaml",
        nested.as_bytes(),
        &[&format!("{{f}}:{line}:27: "), "中的键 total 写了两次"],
    );
    let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    refused("crlf.yaml", crlf.as_bytes(), &[&format!("{{f}}:{n}:1: ")]);
}

/// Issue 15: a `previous:` nested in an inline `previous:` gave serde's English message
/// for an untagged enum. Each wrong form says what is wrong and which forms are allowed,
/// at the line and column of the fault.
#[test]
fn a_previous_in_a_wrong_form_is_told_which_forms_are_allowed() {
    let text = seed_text();
    let n = next_line(&text);
    let nested = format!(
        "{text}previous:\n  period: \"2018\"\n  previous: {{period: \"2017\", units: []}}\n  units: []\n"
    );
    refused(
        "nested.yaml",
        nested.as_bytes(),
        &[
            &format!("{{f}}:{}:3: ", n + 2),
            "上一期（previous）写法不对：未知字段 previous（可用：period、units、tables）",
            "上一期里不能再写 previous",
        ],
    );
    let list = format!("{text}previous: [1, 2]\n");
    refused(
        "list.yaml",
        list.as_bytes(),
        &[
            &format!("{{f}}:{n}:11: "),
            "实际为列表",
            "previous 可写上一期数据文件的路径",
        ],
    );
    let number = format!("{text}previous: 2018\n");
    refused(
        "number.yaml",
        number.as_bytes(),
        &["实际为数字 2018（文件名请加引号）"],
    );
    let missing = format!("{text}previous:\n  units: []\n");
    refused("missing.yaml", missing.as_bytes(), &["缺少字段 period"]);
}

/// Issue 15: English I/O errors reached the user. Each is Chinese and names the path.
#[test]
fn io_errors_are_chinese_and_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let check = |p: &Path| diaoyan_confined(&["check", s(p)], &[], QUICK);

    let missing = d.join("无此文件.yaml");
    let out = check(&missing);
    out.assert_refused(&[&format!(
        "{}: 无法读写文件：文件或文件夹不存在",
        s(&missing)
    )]);
    assert_chinese_only(&out);

    let out = check(d);
    out.assert_refused(&[s(d), "是文件夹"]);
    assert_chinese_only(&out);

    #[cfg(unix)]
    {
        let a = d.join("a.yaml");
        std::os::unix::fs::symlink("b.yaml", &a).unwrap();
        std::os::unix::fs::symlink("a.yaml", d.join("b.yaml")).unwrap();
        let out = check(&a);
        out.assert_refused(&[s(&a), "符号链接层数过多"]);
        assert_chinese_only(&out);
    }

    // `previous:` naming a file that is not there: at its line, with its path.
    let text = seed_text();
    let n = next_line(&text);
    refused(
        "prev.yaml",
        format!("{text}previous: 2018.yaml\n").as_bytes(),
        &[
            &format!("{{f}}:{n}:11: 无法读取上一期数据 "),
            "2018.yaml：文件或文件夹不存在",
        ],
    );

    // An output folder below a file: named by the path asked for, not a temporary file.
    let file = d.join("file");
    std::fs::write(&file, "x").unwrap();
    let out_dir = file.join("out");
    let out = diaoyan_confined(
        &["render", s(&seed()), "-o", s(&out_dir), "--no-system-fonts"],
        &[],
        QUICK,
    );
    out.assert_refused(&[&format!("{}: 已存在同名的文件，不是文件夹", s(&file))]);
    assert_eq!(out.code, Some(2));
    assert_chinese_only(&out);
    let xlsx = file.join("x.xlsx");
    let out = diaoyan_confined(&["export", s(&seed()), "-o", s(&xlsx)], &[], QUICK);
    out.assert_refused(&[&format!("{}: 已存在同名的文件，不是文件夹", s(&file))]);
    assert!(!out.stderr.contains(".x.xlsx."), "{}", out.stderr);
    assert_chinese_only(&out);
}

/// Issue 15: `report: x.txt`, a symlink out of the pack, was reported as a missing report
/// template. It is refused as lying outside the pack, as an include is.
#[cfg(unix)]
#[test]
fn a_report_file_outside_the_pack_is_refused_as_outside() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    std::fs::create_dir(&pack).unwrap();
    let schema =
        std::fs::read_to_string(root().join("templates/community-survey/template.yaml")).unwrap();
    let schema = schema.replacen("report: report.md", "report: x.txt", 1);
    assert!(schema.contains("report: x.txt"));
    std::fs::write(pack.join("template.yaml"), schema).unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "秘密").unwrap();
    std::os::unix::fs::symlink(&secret, pack.join("x.txt")).unwrap();
    let out_dir = dir.path().join("out");
    let data = seed();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "render",
            s(&data),
            "--template",
            s(&pack),
            "-o",
            s(&out_dir),
        ];
        args.extend_from_slice(extra);
        diaoyan_confined(&args, &[], QUICK)
    };
    let out = run(&["--no-system-fonts"]);
    out.assert_refused(&["x.txt", "指向模板包文件夹之外"]);
    assert!(!out.stderr.contains("缺少报告模板文件"), "{}", out.stderr);
    assert!(files_under(&out_dir).is_empty());
    // A report file inside the pack, whatever its extension, is read.
    std::fs::remove_file(pack.join("x.txt")).unwrap();
    std::fs::copy(
        root().join("templates/community-survey/report.md"),
        pack.join("x.txt"),
    )
    .unwrap();
    let ok = diaoyan_confined(&["check", s(&seed()), "--template", s(&pack)], &[], QUICK);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
}

/// Issue 15: two data files whose names differ only by Unicode normalisation (café NFC
/// and NFD) or by case are one file on macOS or Windows. Planned names are distinct after
/// NFC and case folding, and every report is written.
#[test]
fn output_names_are_distinct_after_normalisation_and_case_folding() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // No `output:`, so the names come from the files'.
    let text: String = seed_text()
        .lines()
        .filter(|l| !l.trim_start().starts_with("output:"))
        .map(|l| format!("{l}\n"))
        .collect();
    for name in ["caf\u{e9}", "cafe\u{301}", "Q", "q"] {
        std::fs::write(input.join(format!("{name}.yaml")), &text).unwrap();
    }
    let out_dir = dir.path().join("out");
    let out = diaoyan_confined(
        &[
            "batch",
            s(&input),
            "-o",
            s(&out_dir),
            "--format",
            "docx",
            "--no-system-fonts",
        ],
        &[],
        Duration::from_secs(120),
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let names: Vec<String> = files_under(&out_dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let keys: std::collections::BTreeSet<String> =
        names.iter().map(|n| diaoyan::name_key(n)).collect();
    assert_eq!(
        keys.len(),
        4,
        "names that are one file somewhere: {names:?}"
    );
    // Names are written in NFC.
    assert!(names.iter().all(|n| !n.contains('\u{301}')), "{names:?}");
}

/// Issue 15: `units: &all [...]` then `previous: {units: *all}` was counted once, so 5,002
/// units passed the 5,000 limit. An alias counts each time it is used; the limit is for
/// the file's units and an inline previous period's together.
#[test]
fn an_alias_counts_each_time_it_is_used() {
    let mut text = String::from(
        "template: community-survey\nreport: {title: t, region: r, period: '2019'}\nunits: &all\n",
    );
    for i in 0..2501 {
        text.push_str(&format!("  - {{name: u{i}, households: 1}}\n"));
    }
    let n = next_line(&text);
    text.push_str("previous: {period: '2018', units: *all}\n");
    refused(
        "alias.yaml",
        text.as_bytes(),
        &[
            &format!("{{f}}:{n}:35: 单位过多：超过上限 5000 个"),
            "DIAOYAN_MAX_UNITS",
        ],
    );
    // An alias bomb is refused by the value budget at once, not expanded.
    let mut bomb =
        String::from("template: community-survey\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..30 {
        let prev = format!("*a{}", i - 1);
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 10].join(", ")
        ));
    }
    let out = refused(
        "bomb.yaml",
        bomb.as_bytes(),
        &["数据文件中的值过多", "DIAOYAN_MAX_NODES"],
    );
    assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
}

/// Bad inputs of every kind: each is refused with a Chinese message naming file:line:column,
/// exit 2, nothing written.
#[test]
fn bad_inputs_are_told_in_chinese_at_line_and_column() {
    let seed = seed_text();
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let head = "template: community-survey\nreport: {title: t, region: r, period: '2019'}\n";
    let cases: Vec<(&str, Vec<u8>, Vec<String>)> = vec![
        // Truncated in the middle of a unit.
        (
            "truncated",
            seed.as_bytes()[..3000].to_vec(),
            vec!["YAML 格式错误".into()],
        ),
        // Tab indentation.
        (
            "tab",
            seed.replacen("    short: 青一", "\tshort: 青一", 1)
                .into_bytes(),
            vec![":16:1: YAML 格式错误：不能用 Tab 缩进".into()],
        ),
        // A NUL byte: line and column.
        (
            "nul",
            seed.replacen("households: 2219", "households: 22\u{0}19", 1)
                .into_bytes(),
            vec![format!(
                ":{}:19: 这不是文本文件",
                line_of(&seed, "households: 2219")
            )],
        ),
        // Invalid UTF-8: line and column of the first bad byte.
        (
            "latin1",
            [
                &b"template: community-survey\nreport: {title: caf"[..],
                b"\xe9}\n",
            ]
            .concat(),
            vec![":2:20: 文件不是 UTF-8 编码".into()],
        ),
        (
            "utf16",
            "\u{feff}template: x\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
            vec![":1:1: 文件不是 UTF-8 编码".into()],
        ),
        (
            "top-list",
            b"- a\n- b\n".to_vec(),
            vec![":1:1: 文件顶层应为键值对".into()],
        ),
        // Wrong types everywhere: positioned at the value.
        (
            "report-number",
            b"template: community-survey\nreport: 5\nunits: []\n".to_vec(),
            vec![":2:9: 数据格式错误：类型不对：应为键值对，实际为数字 5".into()],
        ),
        (
            "units-number",
            format!("{head}units: 5\n").into_bytes(),
            vec![":3:8: 数据格式错误：类型不对：应为列表，实际为数字 5".into()],
        ),
        (
            "tables-list",
            format!("{head}units: [a]\ntables: [1]\n").into_bytes(),
            vec![":4:9: 数据格式错误：类型不对：应为键值对，实际为列表".into()],
        ),
        (
            "findings-map",
            format!("{head}units: [a]\nfindings: {{a: 1}}\n").into_bytes(),
            vec![":4:11: 数据格式错误：类型不对：应为列表，实际为键值对".into()],
        ),
        (
            "finding-missing-text",
            format!("{head}units: [a]\nfindings:\n  - {{title: a}}\n").into_bytes(),
            vec![":5:5: 数据格式错误：缺少字段 text".into()],
        ),
        // An unknown key: the caret at the key, not at its value.
        (
            "unknown-top-key",
            seed.replacen("report:\n  title", "report2:\n  title", 1)
                .into_bytes(),
            vec![":5:1: 数据格式错误：未知字段 report2".into()],
        ),
        (
            "huge-integer",
            seed.replacen("households: 2219", "households: 99999999999999999999999", 1)
                .into_bytes(),
            vec![format!(
                ":{}:17: YAML 格式错误：整数 99999999999999999999999 过大",
                line_of(&seed, "households: 2219")
            )],
        ),
        (
            "unclosed-quote",
            seed.replacen("title: 强化", "title: \"强化", 1)
                .into_bytes(),
            vec!["YAML 格式错误：".into()],
        ),
        (
            "bad-escape",
            seed.replacen("subtitle: ", "subtitle: \"\\q\"  #", 1)
                .into_bytes(),
            vec![":7:14: YAML 格式错误：双引号字符串中有无效的转义".into()],
        ),
        (
            "two-documents",
            format!("{seed}---\na: 1\n").into_bytes(),
            vec!["文件中有多个 YAML 文档".into()],
        ),
        (
            "undefined-alias",
            seed.replacen("households: 2219", "households: *nope", 1)
                .into_bytes(),
            vec![format!(
                ":{}:17: YAML 格式错误：引用了未定义的别名",
                line_of(&seed, "households: 2219")
            )],
        ),
        // A key holding a backtick (serde quotes keys with backticks).
        (
            "backtick-key",
            seed.replacen("  output:", "  ou`tput:", 1).into_bytes(),
            vec![":12:3: 数据格式错误：未知字段 ou`tput（可用：title、subtitle、".into()],
        ),
        // A pack that does not exist: at the `template:` line.
        (
            "no-such-pack",
            seed.replacen("template: community-survey", "template: comm@unity", 1)
                .into_bytes(),
            vec![":3:11: 找不到模板“comm@unity”".into()],
        ),
        (
            "directive",
            format!("%FOO bar\n---\n{seed}").into_bytes(),
            vec![":1:5: YAML 格式错误：以 % 开头的指令写法不对".into()],
        ),
        (
            "colon-in-value",
            seed.replacen("title: 强化", "title: a: b 强化", 1)
                .into_bytes(),
            vec![":6:11: YAML 格式错误：此处不能出现“:”".into()],
        ),
    ];
    for (name, bytes, needles) in cases {
        let mut all: Vec<&str> = vec!["{f}"];
        all.extend(needles.iter().map(String::as_str));
        let out = refused(&format!("{name}.yaml"), &bytes, &all);
        assert!(!out.stderr.contains("无法解析（"), "{name}: {}", out.stderr);
    }
}

/// Command-line mistakes are told in Chinese too (clap's own messages are English), exit 2.
#[test]
fn command_line_errors_are_chinese() {
    for (args, want) in [
        (&["check"][..], "缺少必需的参数：<DATA>"),
        (&["rendr", "x.yaml"][..], "没有“rendr”这个命令"),
        (
            &["render", "x.yaml", "--format", "doc"][..],
            "参数 --format <FORMAT> 的值“doc”无效",
        ),
        (&["batch", "x", "-j", "abc"][..], "（应为整数）"),
    ] {
        let out = diaoyan_confined(args, &[], QUICK);
        out.assert_refused(&[want]);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert_chinese_only(&out);
    }
}
