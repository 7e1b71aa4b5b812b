//! Issue 15: templates — hostile and huge input through the binary (see tests/hostile.rs).
//!
//! A pack's templates run under a time budget (`DIAOYAN_MAX_TEMPLATE_SECONDS`), an output
//! limit (`DIAOYAN_MAX_OUTPUT_MB`) and a step budget — loop iterations plus `range()`
//! numbers (`DIAOYAN_MAX_TEMPLATE_STEPS`);
//! report Markdown nested deeper than `DIAOYAN_MAX_DEPTH` is refused at parse time. Each
//! refusal is exit 2 with a Chinese message naming where, and writes nothing.

use super::common::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Generous: a refusal comes within the limit (2 s here) plus start-up and the render.
const TIMEOUT: Duration = Duration::from_secs(40);

/// A copy of the built-in pack in `dir/community-survey` whose report includes `body.md`
/// (holding `body`) before its findings; `safe` prints the findings' paragraphs unescaped
/// (a pack author's choice: the writer's prose is then Markdown). Returns the pack folder.
fn pack(dir: &Path, body: &str, safe: bool) -> PathBuf {
    let src = root().join("templates/community-survey");
    let pack = dir.join("community-survey");
    std::fs::create_dir_all(&pack).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), pack.join(e.file_name())).unwrap();
    }
    let report = std::fs::read_to_string(pack.join("report.md")).unwrap();
    assert!(report.contains("# 存在的主要问题") && report.contains("\n{{ p }}\n"));
    let mut report = report.replacen(
        "# 存在的主要问题",
        "{% include \"body.md\" %}\n\n# 存在的主要问题",
        1,
    );
    if safe {
        report = report.replace("\n{{ p }}\n", "\n{{ p | safe }}\n");
    }
    std::fs::write(pack.join("report.md"), report).unwrap();
    std::fs::write(pack.join("body.md"), body).unwrap();
    pack
}

/// The seed with `units` extra copies of its first unit (renamed), and `finding` (YAML
/// block-scalar lines, already indented) put before the first finding's text.
fn data(dir: &Path, name: &str, extra_units: usize, finding: &str) -> PathBuf {
    let seed = std::fs::read_to_string(seed()).unwrap();
    let lines: Vec<&str> = seed.lines().collect();
    let u = lines.iter().position(|l| *l == "units:").unwrap();
    let end = u
        + 1
        + lines[u + 2..]
            .iter()
            .position(|l| l.starts_with("  - name:"))
            .unwrap()
        + 1;
    let unit = lines[u + 1..end].join("\n");
    assert!(unit.starts_with("  - name: 青年路第一社区"), "{unit}");
    let mut out = lines[..=u].join("\n");
    out.push('\n');
    for i in 0..extra_units {
        out.push_str(
            &unit
                .replace("青年路第一社区", &format!("测试{i:05}社区"))
                .replace("short: 青一", &format!("short: 测{i:05}")),
        );
        out.push('\n');
    }
    out.push_str(&lines[u + 1..].join("\n"));
    out.push('\n');
    let marker = "      居委会依法是";
    assert!(out.contains(marker));
    let out = out.replacen(marker, &format!("{finding}\n\n{marker}"), 1);
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn render(data: &Path, pack: &Path, out: &Path, envs: &[(&str, &str)]) -> Confined {
    diaoyan_confined(
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--template",
            pack.to_str().unwrap(),
            "--no-system-fonts",
        ],
        envs,
        TIMEOUT,
    )
}

#[track_caller]
fn assert_nothing_written(out: &Path) {
    assert!(files_under(out).is_empty(), "{:?}", files_under(out));
}

/// The refusal names `file` at `line` (with a column when Tera gave one).
#[track_caller]
fn assert_names_line(r: &Confined, file: &str, line: usize) {
    assert!(
        r.stderr.contains(&format!("{file}:{line}:"))
            || r.stderr.contains(&format!("{file}:{line}：")),
        "not {file} line {line}: {}",
        r.stderr
    );
}

#[test]
fn nested_range_loops_are_refused_quickly_naming_the_template_line() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(
        tmp.path(),
        "第一行\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}\n",
        false,
    );
    let data = data(tmp.path(), "d.yaml", 0, "      正文");
    let out = tmp.path().join("out");
    // The defaults: steps or time, whichever comes first.
    let r = render(&data, &pack, &out, &[("DIAOYAN_MAX_TEMPLATE_SECONDS", "2")]);
    r.assert_refused(&["body.md:2:"]);
    assert_eq!(r.code, Some(2));
    assert!(r.elapsed < Duration::from_secs(15), "{:?}", r.elapsed);
    assert_nothing_written(&out);

    // By steps.
    let r = render(
        &data,
        &pack,
        &out,
        &[("DIAOYAN_MAX_TEMPLATE_STEPS", "300000")],
    );
    r.assert_refused(&["body.md:2:", "超过 300000", "DIAOYAN_MAX_TEMPLATE_STEPS"]);
    assert_nothing_written(&out);

    // With the steps raised out of the way, by time, naming line 2 (the inner loop's tag,
    // column 33, or its range() call, column 45: whichever checks the clock first).
    let r = render(
        &data,
        &pack,
        &out,
        &[
            ("DIAOYAN_MAX_TEMPLATE_SECONDS", "2"),
            ("DIAOYAN_MAX_TEMPLATE_STEPS", "100000000000"),
        ],
    );
    r.assert_refused(&[
        "body.md:2:",
        "模板运行超过 2 秒",
        "DIAOYAN_MAX_TEMPLATE_SECONDS",
    ]);
    assert!(r.elapsed < Duration::from_secs(15), "{:?}", r.elapsed);
    assert_nothing_written(&out);
}

/// Loops that print nothing, and loops whose output is captured (`{% set %}` blocks,
/// `{% filter %}` sections: not through the output limit), over a list bound once: each
/// loop step is counted and timed, so they end too: by steps, or (steps raised) by time.
#[test]
fn silent_and_captured_loops_are_refused_by_steps_or_time() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data(tmp.path(), "d.yaml", 0, "      正文");
    for (name, body) in [
        (
            "silent",
            "{% set r = range(end=100000) %}\n{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
        ),
        (
            "set-block",
            "{% set r = range(end=100000) %}\n{% set big %}{% for i in r %}{% for j in r %}反复{% endfor %}{% endfor %}{% endset %}{{ big }}",
        ),
        (
            "filter",
            "{% set r = range(end=100000) %}\n{% filter upper %}{% for i in r %}{% for j in r %}反复{% endfor %}{% endfor %}{% endfilter %}",
        ),
    ] {
        let dir = tmp.path().join(name);
        let pack = pack(&dir, body, false);
        let out = dir.join("out");
        let r = render(&data, &pack, &out, &[("DIAOYAN_MAX_TEMPLATE_STEPS", "1000000")]);
        r.assert_refused(&["body.md:2:", "DIAOYAN_MAX_TEMPLATE_STEPS"]);
        assert_nothing_written(&out);
        if name != "silent" {
            continue;
        }
        // Steps raised: the deadline ends the silent loop. (Not tried for the captures:
        // their output, held in memory, grows ~1 GiB/s, so the steps are what bound them.)
        let r = render(
            &data,
            &pack,
            &out,
            &[
                ("DIAOYAN_MAX_TEMPLATE_SECONDS", "2"),
                ("DIAOYAN_MAX_TEMPLATE_STEPS", "100000000000"),
            ],
        );
        r.assert_refused(&["body.md:2:", "模板运行超过 2 秒"]);
        assert!(r.elapsed < Duration::from_secs(15), "{name}: {:?}", r.elapsed);
        assert_nothing_written(&out);
    }
}

#[test]
fn a_printing_loop_is_refused_by_output_size_naming_the_template_line() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(
        tmp.path(),
        "第一行\n第二行\n{% for i in range(end=100000) %}{% for j in range(end=9) %}反复打印的一句话{% endfor %}{% endfor %}\n",
        false,
    );
    let data = data(tmp.path(), "d.yaml", 0, "      正文");
    let out = tmp.path().join("out");
    let r = render(
        &data,
        &pack,
        &out,
        &[
            ("DIAOYAN_MAX_TEMPLATE_SECONDS", "2"),
            ("DIAOYAN_MAX_OUTPUT_MB", "1"),
        ],
    );
    r.assert_refused(&["body.md:3：", "模板输出超过 1 MiB", "DIAOYAN_MAX_OUTPUT_MB"]);
    assert_eq!(r.code, Some(2));
    assert_nothing_written(&out);
}

/// Loops over the data itself (no `range()`, none of our functions): stopped by the output
/// limit (the line found from the loop's literal text) or by time.
#[test]
fn nested_loops_over_the_units_are_refused_by_output_or_time() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(
        tmp.path(),
        "第一行\n{% for a in units %}{% for b in units %}{% for c in units %}{{ a.name }}与{{ b.name }}{% endfor %}{% endfor %}{% endfor %}\n",
        false,
    );
    let data = data(tmp.path(), "d.yaml", 300, "      正文");
    let out = tmp.path().join("out");
    let r = render(
        &data,
        &pack,
        &out,
        &[
            ("DIAOYAN_MAX_TEMPLATE_SECONDS", "2"),
            ("DIAOYAN_MAX_OUTPUT_MB", "4"),
        ],
    );
    // The line of the loop's literal text, or (mend m3) the `{{ }}` tag printing when the
    // limit tripped, with its column: `body.md:2：` or `body.md:2:61：`.
    r.assert_refused(&["body.md:2", "模板输出超过 4 MiB"]);
    assert_nothing_written(&out);
    let r = render(
        &data,
        &pack,
        &out,
        &[
            ("DIAOYAN_MAX_TEMPLATE_SECONDS", "2"),
            ("DIAOYAN_MAX_OUTPUT_MB", "100000"),
        ],
    );
    r.assert_refused(&["模板运行超过 2 秒"]);
    assert_names_line(&r, "body.md", 2);
    assert!(r.elapsed < Duration::from_secs(15), "{:?}", r.elapsed);
    assert_nothing_written(&out);
}

#[test]
fn a_template_including_itself_is_refused_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(tmp.path(), "第一行\n{% include \"body.md\" %}\n", false);
    let data = data(tmp.path(), "d.yaml", 0, "      正文");
    let out = tmp.path().join("out");
    let r = render(&data, &pack, &out, &[]);
    r.assert_refused(&["body.md", "循环包含"]);
    assert!(!r.stderr.contains("Circular"), "{}", r.stderr);
    assert_nothing_written(&out);
}

/// 500 nested quotes, then 500 list levels, then 10,000 nested emphases in a finding
/// printed `| safe`: refused at parse time with the report line (exit 2), where the DOCX
/// writer overflowed its stack (exit 134) before.
#[test]
fn deep_nesting_in_the_writers_prose_is_refused_not_a_stack_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(tmp.path(), "", true);
    let quotes = format!("      {}深引用", "> ".repeat(500));
    let lists: String = (0..500)
        .map(|i| format!("      {}- 深列表\n", "  ".repeat(i)))
        .collect();
    let emphasis = format!(
        "      {}深强调{}",
        "*甲 ".repeat(10_000),
        " 乙*".repeat(10_000)
    );
    for (name, finding, kind) in [
        ("quotes.yaml", quotes.as_str(), "引用块和列表嵌套超过32层"),
        ("lists.yaml", lists.trim_end(), "引用块和列表嵌套超过32层"),
        (
            "emphasis.yaml",
            emphasis.as_str(),
            "强调、加粗和链接嵌套超过32层",
        ),
    ] {
        let data = data(tmp.path(), name, 0, finding);
        let out = tmp.path().join(format!("out-{name}"));
        let r = render(&data, &pack, &out, &[]);
        r.assert_refused(&[kind, "报告第", "DIAOYAN_MAX_DEPTH"]);
        assert_eq!(r.code, Some(2), "{name}: {r:#?}");
        assert_nothing_written(&out);
        // `check` accepts exactly what `render` renders.
        let c = diaoyan_confined(
            &[
                "check",
                data.to_str().unwrap(),
                "--template",
                pack.to_str().unwrap(),
            ],
            &[],
            TIMEOUT,
        );
        assert_eq!(c.code, Some(2), "{name}: check {c:#?}");
    }
    // Within the limit it renders, quotes and all.
    let data = data(
        tmp.path(),
        "ok.yaml",
        0,
        &format!("      {}浅引用", "> ".repeat(30)),
    );
    let out = tmp.path().join("out-ok");
    let r = render(&data, &pack, &out, &[]);
    assert_eq!(r.code, Some(0), "{r:#?}");
}

/// In `batch`, one file too deep fails alone: the good file renders, exit 1 (a stack
/// overflow used to abort every job).
#[test]
fn batch_renders_the_good_file_beside_a_too_deep_one() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(tmp.path(), "", true);
    let folder = tmp.path().join("in");
    std::fs::create_dir_all(&folder).unwrap();
    let deep = data(
        &folder,
        "deep.yaml",
        0,
        &format!("      {}深", "> ".repeat(500)),
    );
    let good = data(&folder, "good.yaml", 0, "      正文");
    // Distinct output names (both would be the seed's `output:`).
    for (path, stem) in [(&deep, "deep"), (&good, "good")] {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(
            path,
            text.replacen("output: qingnianlu-2019", &format!("output: {stem}"), 1),
        )
        .unwrap();
    }
    let out = tmp.path().join("out");
    let r = diaoyan_confined(
        &[
            "batch",
            folder.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--template",
            pack.to_str().unwrap(),
            "--no-system-fonts",
            "-j",
            "2",
        ],
        &[],
        TIMEOUT,
    );
    assert_eq!(r.code, Some(1), "{r:#?}");
    // The summary (stdout) names the failed file and why.
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        said.contains("deep.yaml") && said.contains("嵌套超过32层"),
        "{said}"
    );
    assert!(!said.contains("overflow"), "{said}");
    let names: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"good.docx".to_string()) && names.contains(&"good.pdf".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("deep")), "{names:?}");
}

/// A component calling itself: unconditionally (Tera stops at 20 levels: our words), or
/// four times per level to depth 19 (4^19 calls, printing nothing: each call is a step).
#[test]
fn recursive_components_end_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data(tmp.path(), "d.yaml", 0, "      正文");
    let deep = tmp.path().join("deep");
    let pack_deep = pack(
        &deep,
        "第一行\n{% component boom(n=0) %}{{<boom n={1}/>}}{% endcomponent boom %}{{<boom n={0}/>}}",
        false,
    );
    let r = render(&data, &pack_deep, &deep.join("out"), &[]);
    r.assert_refused(&["组件（component）嵌套调用超过 20 层"]);
    assert_nothing_written(&deep.join("out"));
    let wide = tmp.path().join("wide");
    let call = "{{<fan n={n+1}/>}}".repeat(4);
    let pack_wide = pack(
        &wide,
        &format!("第一行\n{{% component fan(n=0) %}}{{% if n < 19 %}}{call}{{% endif %}}{{% endcomponent fan %}}{{{{<fan n={{0}}/>}}}}"),
        false,
    );
    let r = render(
        &data,
        &pack_wide,
        &wide.join("out"),
        &[("DIAOYAN_MAX_TEMPLATE_SECONDS", "2")],
    );
    // Line 2: the component's tag (column 1) or, since every tag is followed by a check
    // of the deadline, the tag within it that was running (`{% endif %}`, column 112).
    r.assert_refused(&["body.md:2:"]);
    assert!(r.elapsed < Duration::from_secs(15), "{:?}", r.elapsed);
    assert_nothing_written(&wide.join("out"));
}
