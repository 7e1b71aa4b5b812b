//! Issue 15: template work bounded without loops, values bounded in size, error messages
//! quoting the pack's own lines, and paragraphs bounded in length — through the binary
//! under the address-space limit (see tests/hostile.rs).

use super::common::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(40);

/// A copy of the built-in pack in `dir/community-survey` whose report includes `body.md`
/// (holding `body`) before its findings. Returns the pack folder.
fn pack(dir: &Path, body: &str) -> PathBuf {
    let pack = copy_builtin_pack(dir);
    let report = std::fs::read_to_string(pack.join("report.md")).unwrap();
    assert!(report.contains("# 存在的主要问题"));
    let report = report.replacen(
        "# 存在的主要问题",
        "{% include \"body.md\" %}\n\n# 存在的主要问题",
        1,
    );
    std::fs::write(pack.join("report.md"), report).unwrap();
    std::fs::write(pack.join("body.md"), body).unwrap();
    pack
}

/// The seed with `finding` (YAML block-scalar lines, indented) put before the first
/// finding's text.
fn data(dir: &Path, name: &str, finding: &str) -> PathBuf {
    let seed = std::fs::read_to_string(seed()).unwrap();
    let marker = "      居委会依法是";
    assert!(seed.contains(marker));
    let out = seed.replacen(marker, &format!("{finding}\n\n{marker}"), 1);
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

fn run(cmd: &str, data: &Path, pack: &Path, out: &Path, envs: &[(&str, &str)]) -> Confined {
    let mut args = vec![
        cmd,
        data.to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
    ];
    if cmd == "render" {
        args.extend(["-o", out.to_str().unwrap(), "--no-system-fonts"]);
    }
    diaoyan_confined(&args, envs, TIMEOUT)
}

/// Render `body` (in a fresh folder under `tmp`) and expect a refusal naming `needles`,
/// exit 2, nothing written, the injected calls never shown.
#[track_caller]
fn refused(
    tmp: &Path,
    name: &str,
    body: &str,
    envs: &[(&str, &str)],
    needles: &[&str],
) -> Confined {
    let dir = tmp.join(name);
    let pack = pack(&dir, body);
    let data = data(&dir, "d.yaml", "      正文");
    let out = dir.join("out");
    let r = run("render", &data, &pack, &out, envs);
    r.assert_refused(needles);
    assert_eq!(r.code, Some(2), "{name}: {r:#?}");
    assert!(!r.stderr.contains("diaoyan_"), "{name}: {}", r.stderr);
    assert!(
        files_under(&out).is_empty(),
        "{name}: {:?}",
        files_under(&out)
    );
    r
}

/// `{% set s = s ~ s %}` in straight-line code (no loop: no step is taken) doubles a
/// string past the limit; in a loop of 40 it aborted past 1 GiB before. Both end at the
/// first value past the output limit, naming the `set` tag.
#[test]
fn doubling_a_string_is_refused_at_the_set_past_the_output_limit() {
    let tmp = tempfile::tempdir().unwrap();
    // "社区x" is 7 bytes: after 18 doublings (line 20) it passes 1 MiB.
    let straight = format!(
        "第一行\n{{% set s = \"社区x\" %}}\n{}",
        "{% set s = s ~ s %}\n".repeat(60)
    );
    refused(
        tmp.path(),
        "straight",
        &straight,
        &[("DIAOYAN_MAX_OUTPUT_MB", "1")],
        &[
            "body.md:20:1：",
            "模板生成的值 s 超过 1 MiB",
            "DIAOYAN_MAX_OUTPUT_MB",
        ],
    );
    // The default limit (64 MiB): the same, under 1 GiB of address space.
    let r = refused(
        tmp.path(),
        "straight-default",
        &straight,
        &[],
        &["body.md:26:1：", "超过 64 MiB"],
    );
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
    let looped = "第一行\n{% set_global s = \"ab\" %}{% for i in range(end=40) %}{% set_global s = s ~ s %}{% endfor %}\n";
    refused(
        tmp.path(),
        "loop",
        looped,
        &[],
        &["body.md:2:54：", "模板生成的值 s 超过 64 MiB"],
    );
    // A list nested in itself prints twice as long each time while its memory stays
    // small: counted as printed.
    let nested = format!(
        "第一行\n{{% set l = [\"社区\"] %}}\n{}{{{{ l | length }}}}",
        "{% set l = [l, l] %}\n".repeat(40)
    );
    refused(
        tmp.path(),
        "nested",
        &nested,
        &[("DIAOYAN_MAX_OUTPUT_MB", "1")],
        &["body.md:", "模板生成的值 l 超过 1 MiB"],
    );
}

/// Filters that build strings check the size before building: a `replace` chain
/// doubling a string, an `indent` of 1,000 per line.
#[test]
fn string_filters_are_refused_before_building_past_the_limit() {
    let tmp = tempfile::tempdir().unwrap();
    // 6 + 2^n bytes after n replaces: past 1 MiB at the 20th (line 22, the filter's column).
    let chain = format!(
        "第一行\n{{% set s = \"社区x\" %}}\n{}",
        "{% set s = s | replace(from=\"x\", to=\"xx\") %}\n".repeat(60)
    );
    refused(
        tmp.path(),
        "replace",
        &chain,
        &[("DIAOYAN_MAX_OUTPUT_MB", "1")],
        &[
            "body.md:22:16：",
            "模板生成的值超过 1 MiB",
            "DIAOYAN_MAX_OUTPUT_MB",
        ],
    );
    let indent = "第一行\n{% set s = \"\n\" | indent(width=1000, blank=true) %}{% set s = s ~ s ~ s ~ s %}{% set s = s ~ s ~ s ~ s %}{% set s = s ~ s ~ s ~ s %}{% set s = s ~ s ~ s ~ s %}{% set s = s ~ s ~ s ~ s %}{% set s = s ~ s ~ s ~ s %}\n{{ s | indent(width=1000, blank=true) }}\n";
    refused(
        tmp.path(),
        "indent",
        indent,
        &[("DIAOYAN_MAX_OUTPUT_MB", "1")],
        &["body.md:4:8：", "模板生成的值超过 1 MiB"],
    );
}

/// Straight-line work on a 12 MiB string (no loop, no output): each `upper` is checked
/// against the deadline, so 5,000 of them end at 2 seconds, not minutes later.
#[test]
fn straight_line_filters_on_a_large_string_end_by_the_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let mut body = format!(
        "第一行\n{{% set s = \"社区\" %}}{}\n",
        "{% set s = s ~ s %}".repeat(21)
    );
    body.push_str(
        &"{% set b = s | upper %}{% set b = s | replace(from=\"社\", to=\"社\") %}\n".repeat(5000),
    );
    let r = refused(
        tmp.path(),
        "upper",
        &body,
        &[("DIAOYAN_MAX_TEMPLATE_SECONDS", "2")],
        &[
            "body.md:",
            "模板运行超过 2 秒",
            "DIAOYAN_MAX_TEMPLATE_SECONDS",
        ],
    );
    assert!(r.elapsed < Duration::from_secs(15), "{:?}", r.elapsed);
}

/// Tera's reports of an unknown filter, function or included template quote the source
/// line: the author's line (not the instrumented one), the column and carets on it.
#[test]
fn unknown_names_quote_the_authors_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, body, needles) in [
        (
            "filter",
            "第一行\n{% for u in units %}{{ u.name | nofilter }}{% endfor %}\n",
            [
                "body.md:2:33：",
                "未知的过滤器 `nofilter`",
                "2 | {% for u in units %}{{ u.name | nofilter }}{% endfor %}\n  |                                 ^^^^^^^^",
            ],
        ),
        (
            "function",
            "第一行\n{% for u in units %}{{ u.name }}{{ nofn() }}{% endfor %}\n",
            [
                "body.md:2:36：",
                "未知的函数 `nofn`",
                "2 | {% for u in units %}{{ u.name }}{{ nofn() }}{% endfor %}\n  |                                    ^^^^^^",
            ],
        ),
        (
            "include",
            "第一行\n{% for u in units %}{% include \"nope.md\" %}{% endfor %}\n",
            ["body.md:2:32：", "模板 `nope.md` 不在模板包中", "^^^^^^^^^"],
        ),
    ] {
        let r = refused(tmp.path(), name, body, &[], &needles);
        assert!(!r.stderr.contains("error:"), "{}", r.stderr);
    }
}

/// One 58 MiB finding (one paragraph): the PDF line breaker needed more than 1 GiB and
/// aborted; now refused before layout, by `check` as by `render`, naming the report line
/// and quoting the paragraph's start.
#[test]
fn a_huge_paragraph_is_refused_before_layout_by_check_and_render() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack(tmp.path(), "");
    let huge = format!(
        "      {}",
        "社区工作者待遇偏低，队伍不稳定。".repeat(1_270_000)
    );
    let data = data(tmp.path(), "huge.yaml", &huge);
    assert!(std::fs::metadata(&data).unwrap().len() > 58 << 20);
    let out = tmp.path().join("out");
    let needles = [
        "（“社区工作者待遇偏低，队伍不稳定。社区工作者待遇偏…”）",
        "这个段落超过 1000000 字",
        "DIAOYAN_MAX_PARAGRAPH_CHARS",
    ];
    let r = run("render", &data, &pack, &out, &[]);
    r.assert_refused(&needles);
    assert_eq!(r.code, Some(2));
    assert!(files_under(&out).is_empty());
    // `check` refuses exactly what render refuses (a smaller limit keeps this one fast).
    let small = data_with(tmp.path(), "small.yaml", 2_000);
    let envs = [("DIAOYAN_MAX_PARAGRAPH_CHARS", "30000")];
    for cmd in ["check", "render"] {
        let r = run(cmd, &small, &pack, &out, &envs);
        r.assert_refused(&["这个段落超过 30000 字"]);
        assert_eq!(r.code, Some(2), "{cmd}");
    }
    assert!(files_under(&out).is_empty());
    // Raised, it renders.
    let r = run(
        "render",
        &small,
        &pack,
        &out,
        &[("DIAOYAN_MAX_PARAGRAPH_CHARS", "40000")],
    );
    assert_eq!(r.code, Some(0), "{r:#?}");
}

/// A finding of `n` sixteen-character sentences.
fn data_with(dir: &Path, name: &str, n: usize) -> PathBuf {
    data(
        dir,
        name,
        &format!("      {}", "社区工作者待遇偏低，队伍不稳定。".repeat(n)),
    )
}

/// Headings and table cells count too: a template heading made of a long value, a table
/// whose cell holds one.
#[test]
fn huge_headings_and_table_cells_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let envs = [("DIAOYAN_MAX_PARAGRAPH_CHARS", "1000")];
    let long = "长".repeat(1200);
    refused(
        tmp.path(),
        "heading",
        &format!("第一行\n\n## 小标题{long}\n"),
        &envs,
        &["报告第", "（“小标题长长长", "这个标题超过 1000 字"],
    );
    refused(
        tmp.path(),
        "gfm-cell",
        &format!("第一行\n\n| 甲 | 乙 |\n|---|---|\n| {long} | 短 |\n"),
        &envs,
        &["这个表格单元格超过 1000 字"],
    );
    // The table directive (built by `table()`): its cells and notes.
    refused(
        tmp.path(),
        "directive",
        &format!("第一行\n\n{{{{ table(columns=[\"households\"], caption=\"{long}\") }}}}\n"),
        &envs,
        &["这个表格说明超过 1000 字"],
    );
    refused(
        tmp.path(),
        "code-line",
        &format!("第一行\n\n```\n{long}\n```\n"),
        &envs,
        &["这个代码块的一行超过 1000 字"],
    );
}
