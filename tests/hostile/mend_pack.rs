//! Issue 15, mend m3: a pack's inputs bounded before they are parsed (derived-field
//! expressions, `template.yaml` nesting), values built inside one template tag bounded
//! (`split`), and Tera's parse errors in Chinese — through the binary under the
//! address-space limit (see tests/hostile.rs).

use super::common::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(40);

/// A copy of the built-in pack in `dir/community-survey`, with `edit` applied to its
/// `template.yaml` and `report` (if given) as its `report.md`. Returns the pack folder.
fn pack(dir: &Path, edit: impl Fn(String) -> String, report: Option<&str>) -> PathBuf {
    let pack = copy_builtin_pack(dir);
    let y = std::fs::read_to_string(pack.join("template.yaml")).unwrap();
    std::fs::write(pack.join("template.yaml"), edit(y)).unwrap();
    if let Some(r) = report {
        std::fs::write(pack.join("report.md"), r).unwrap();
    }
    pack
}

/// `render` (and `check`) of the seed with `pack`: refused with exit 2, the `needles` in
/// the message, nothing written.
#[track_caller]
fn refused(dir: &Path, pack: &Path, needles: &[&str], also_check: bool) {
    let out = dir.join("out");
    let seed = seed();
    let mut cmds = vec!["render"];
    if also_check {
        cmds.push("check");
    }
    for cmd in cmds {
        let mut args = vec![
            cmd,
            seed.to_str().unwrap(),
            "--template",
            pack.to_str().unwrap(),
        ];
        if cmd == "render" {
            args.extend(["-o", out.to_str().unwrap(), "--no-system-fonts"]);
        }
        let r = diaoyan_confined(&args, &[], TIMEOUT);
        r.assert_refused(needles);
        assert_eq!(r.code, Some(2), "{cmd}: {r:#?}");
        assert!(r.elapsed < Duration::from_secs(20), "{cmd}: {r:#?}");
    }
    assert!(files_under(&out).is_empty(), "{:?}", files_under(&out));
}

const EXPR: &str = "expr: \"residents / staff.total\"";

/// Findings 10 and 11: 20,000 nested parentheses (stack overflow, exit 134), 200,000
/// unary `-` (quadratic, over 120 s), a 200,000-term sum: refused before evalexpr parses
/// them, at template.yaml's `derived.residents_per_staff` line.
#[test]
fn derived_expressions_are_bounded_before_parsing() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = format!(
        "expr: \"{}residents{} / staff.total\"",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    let unary = format!("expr: \"{}residents / staff.total\"", "-".repeat(200_000));
    let long = format!(
        "expr: \"{}residents / staff.total\"",
        "residents + ".repeat(200_000)
    );
    for (name, expr, needle) in [
        ("deep", deep, "嵌套过深"),
        ("unary", unary, "嵌套过深"),
        ("long", long, "过长"),
    ] {
        let dir = tmp.path().join(name);
        let p = pack(&dir, |y| y.replacen(EXPR, &expr, 1), None);
        refused(
            &dir,
            &p,
            &["template.yaml:37:", "derived.residents_per_staff", needle],
            true,
        );
    }
    // `batch` ran the expression on a worker thread: it killed every job (exit 134).
    let dir = tmp.path().join("batch");
    let deep = format!(
        "expr: \"{}residents{}\"",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    let p = pack(&dir, |y| y.replacen(EXPR, &deep, 1), None);
    let out = dir.join("out");
    let r = diaoyan_confined(
        &[
            "batch",
            seed().to_str().unwrap(),
            "--template",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-system-fonts",
        ],
        &[],
        TIMEOUT,
    );
    assert!(matches!(r.code, Some(1) | Some(2)), "{r:#?}");
    assert!(!r.timed_out && !r.stderr.contains("panicked"), "{r:#?}");
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("嵌套过深"),
        "{r:#?}"
    );
}

/// Finding 12: `description: [[[…100000…]]]` took 27 s (quadratic) before serde_yaml's
/// own refusal: now refused at once, at its line and column, as 模板定义.
#[test]
fn template_yaml_nesting_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, open, close) in [("flow", "[", "]"), ("map", "{a: ", "}")] {
        let dir = tmp.path().join(name);
        let desc = format!(
            "description: {}1{}",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let p = pack(
            &dir,
            |y| {
                let first = y.lines().find(|l| l.starts_with("description:")).unwrap();
                y.replacen(first, &desc, 1)
            },
            None,
        );
        refused(
            &dir,
            &p,
            &["template.yaml:4:", "模板定义嵌套层数过深"],
            true,
        );
    }
}

/// Finding 06: `{{ s | split(pat="") | length }}` on a 48 MiB `s` aborted (1.6 GB):
/// the list is measured before it is built (per element, not only its text).
#[test]
fn split_is_measured_before_building() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("split");
    // 48 MiB: 64 bytes doubled 19 times is 32 MiB, plus half of it.
    let mut body = String::from("{% set s = \"");
    body.push_str(&"a".repeat(64));
    body.push_str("\" %}");
    body.push_str(&"{% set s = s ~ s %}".repeat(18));
    body.push_str("{% set s = s ~ s ~ s %}\n\n{{ s | split(pat=\"\") | length }}\n");
    let p = pack(&dir, |y| y, Some(&body));
    refused(&dir, &p, &["report.md:3:", "超过 64 MiB"], false);
    // The other growing filters too: each a value past the limit from a 48 MiB string.
    for (name, filter) in [
        ("escape_xml", "escape_xml"),
        ("escape_html", "escape_html"),
        ("br", "newlines_to_br"),
    ] {
        let dir = tmp.path().join(name);
        // The string holds a line break: the tag is on line 4.
        let mut body = String::from("{% set s = \"&<\n\" %}");
        body.push_str(&"{% set s = s ~ s %}".repeat(24));
        body.push_str(&format!("\n\n{{{{ s | {filter} | length }}}}\n"));
        let p = pack(&dir, |y| y, Some(&body));
        refused(&dir, &p, &["report.md:4:", "超过 64 MiB", filter], false);
    }
}

/// Finding 09: `{% macro %}` gave "模板语法错误：Unknown tag" in English: now in Chinese,
/// naming the tag, and saying macros are not supported.
#[test]
fn parse_errors_are_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, body, needles) in [
        (
            "macro",
            "正文\n{% macro m() %}x{% endmacro %}\n",
            &["report.md:2:", "未知的标签 macro", "不支持宏"][..],
        ),
        (
            "end",
            "正文\n{% if true %}x\n",
            &["report.md:", "模板意外结束"][..],
        ),
        ("found", "正文\n{{ 1 + }}\n", &["report.md:2:", "应为"][..]),
    ] {
        let dir = tmp.path().join(name);
        let p = pack(&dir, |y| y, Some(body));
        refused(&dir, &p, needles, true);
    }
}

/// Finding 08: the output-size error named no template line ("模板输出超过 64 MiB…；最后输出的是
/// “aaaa…”"): now the `{{ }}` tag that was printing, as `report.md:line:col`.
#[test]
fn output_limit_names_the_printing_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out-limit");
    let mut body = String::from("{% set s = \"");
    body.push_str(&"a".repeat(64));
    body.push_str("\" %}");
    body.push_str(&"{% set s = s ~ s %}".repeat(19));
    body.push_str("\n{{ s }}{{ s }}{{ s }}\n");
    let p = pack(&dir, |y| y, Some(&body));
    refused(&dir, &p, &["report.md:2:", "模板输出超过 64 MiB"], false);
}
