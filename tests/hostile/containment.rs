//! Issue 15: containment — hostile and huge input through the binary (see tests/hostile.rs).
//!
//! A pack reads only regular files inside its own folder; a data file, a `previous:` file
//! and a pack file are read only if regular and of bounded size; a `--template` that does
//! not exist, or a pack of another name, is an error; too many units are refused before
//! the YAML is parsed. Each case runs under 1 GiB of address space and a timeout, and a
//! refusal writes nothing.

use super::common::*;

use std::path::{Path, PathBuf};
use std::time::Duration;

const QUICK: Duration = Duration::from_secs(30);

/// A copy of the built-in pack in `dir/name` (its `name:` unchanged: community-survey).
fn copy_pack(dir: &Path, name: &str) -> PathBuf {
    let pack = dir.join(name);
    std::fs::create_dir_all(&pack).unwrap();
    for f in ["template.yaml", "report.md"] {
        std::fs::copy(
            root().join("templates/community-survey").join(f),
            pack.join(f),
        )
        .unwrap();
    }
    pack
}

/// Append `text` to the pack's report template.
fn append_to_report(pack: &Path, text: &str) {
    let p = pack.join("report.md");
    let mut s = std::fs::read_to_string(&p).unwrap();
    s.push_str(text);
    std::fs::write(p, s).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `render SEED --template PACK -o OUT` under the confinement, with `envs`.
fn render_with_pack(pack: &Path, out: &Path, envs: &[(&str, &str)]) -> Confined {
    diaoyan_confined(
        &[
            "render",
            s(&seed()),
            "--template",
            s(pack),
            "-o",
            s(out),
            "--no-system-fonts",
        ],
        envs,
        QUICK,
    )
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

#[cfg(unix)]
#[test]
fn a_pack_file_that_leads_out_of_the_pack_is_refused_and_nothing_leaks() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = "SECRET-MARKER-6f1c2e";
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, format!("{marker}\n")).unwrap();
    let pack = copy_pack(tmp.path(), "pack");
    std::os::unix::fs::symlink(&secret, pack.join("leak.md")).unwrap();
    append_to_report(&pack, "\n{% include \"leak.md\" %}\n");
    let out = tmp.path().join("out");
    let r = render_with_pack(&pack, &out, &[]);
    r.assert_refused(&["leak.md", "模板包文件夹之外"]);
    assert_eq!(r.code, Some(2));
    assert!(
        !r.stdout.contains(marker) && !r.stderr.contains(marker),
        "{r:#?}"
    );
    assert!(files_under(&out).is_empty(), "{:?}", files_under(&out));
    // `templates` lists the pack as unusable, naming the file, and reads nothing.
    let t = diaoyan(&["templates", "--template", s(&pack)]);
    let listed = String::from_utf8_lossy(&t.stdout);
    assert!(
        listed.contains("不可用") && listed.contains("leak.md") && !listed.contains(marker),
        "{listed}"
    );
}

#[cfg(unix)]
#[test]
fn a_pack_symlink_to_proc_self_environ_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = "ENV-SECRET-93be0d";
    let pack = copy_pack(tmp.path(), "pack");
    std::os::unix::fs::symlink("/proc/self/environ", pack.join("leak.md")).unwrap();
    append_to_report(&pack, "\n{% include \"leak.md\" %}\n");
    let out = tmp.path().join("out");
    let r = render_with_pack(&pack, &out, &[("DIAOYAN_TEST_SECRET", marker)]);
    r.assert_refused(&["leak.md"]);
    assert!(
        !r.stdout.contains(marker) && !r.stderr.contains(marker),
        "{r:#?}"
    );
    assert!(files_under(&out).is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_pack_is_allowed_and_a_fifo_in_it_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = copy_pack(tmp.path(), "pack");
    std::fs::write(pack.join("part.md"), "本包内的片段 INSIDE-PART\n").unwrap();
    std::os::unix::fs::symlink("part.md", pack.join("alias.md")).unwrap();
    append_to_report(&pack, "\n{% include \"alias.md\" %}\n");
    let out = tmp.path().join("out");
    let ok = diaoyan_confined(
        &[
            "render",
            s(&seed()),
            "--template",
            s(&pack),
            "-o",
            s(&out),
            "--format",
            "docx",
            "--markdown",
        ],
        &[],
        QUICK,
    );
    assert_eq!(ok.code, Some(0), "{ok:#?}");
    let md = std::fs::read_to_string(out.join("qingnianlu-2019.md")).unwrap();
    assert!(
        md.contains("INSIDE-PART"),
        "the included file is in the report"
    );

    // A FIFO among the pack's files: refused by name at once, not waited on.
    mkfifo(&pack.join("pipe.md"));
    let out2 = tmp.path().join("out2");
    let r = render_with_pack(&pack, &out2, &[]);
    r.assert_refused(&["pipe.md", "命名管道"]);
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    assert!(files_under(&out2).is_empty());
}

#[cfg(unix)]
#[test]
fn pack_discovery_skips_loops_and_does_not_block_on_fifos() {
    let tmp = tempfile::tempdir().unwrap();
    let packs = tmp.path().join("packs");
    copy_pack(&packs, "good");
    std::os::unix::fs::symlink(".", packs.join("loop")).unwrap();
    std::os::unix::fs::symlink("self", packs.join("self")).unwrap();
    let fifo_pack = packs.join("fifo");
    std::fs::create_dir_all(&fifo_pack).unwrap();
    mkfifo(&fifo_pack.join("template.yaml"));
    let r = diaoyan_confined(
        &["templates", "--template", s(&packs)],
        &[],
        Duration::from_secs(10),
    );
    assert!(!r.timed_out && r.code == Some(0), "{r:#?}");
    assert!(
        r.stdout.contains("不可用") && r.stdout.contains("命名管道"),
        "{r:#?}"
    );
    assert!(r.stdout.contains("community-survey"), "{r:#?}");
}

#[cfg(unix)]
#[test]
fn previous_dev_zero_is_refused_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d.yaml");
    let text = std::fs::read_to_string(seed()).unwrap().replacen(
        "\nunits:",
        "\nprevious: /dev/zero\nunits:",
        1,
    );
    std::fs::write(&data, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("previous:"))
        .unwrap()
        + 1;
    let out = tmp.path().join("out");
    for cmd in ["check", "render"] {
        let mut args = vec![cmd, s(&data)];
        if cmd == "render" {
            args.extend(["-o", s(&out)]);
        }
        let r = diaoyan_confined(&args, &[], QUICK);
        r.assert_refused(&[
            &format!("d.yaml:{line}:11"),
            "上一期数据 /dev/zero",
            "不是普通文件",
        ]);
        assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    }
    assert!(files_under(&out).is_empty());
}

/// `previous:` naming the data file itself is told at that file's `previous:` value, as
/// pointing at itself; a previous file's own `previous:` is not read.
#[test]
fn previous_naming_itself_is_told_at_its_line_and_a_chain_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    let with_previous =
        |target: &str| seed_text.replacen("\nunits:", &format!("\nprevious: {target}\nunits:"), 1);
    let line = with_previous("x")
        .lines()
        .position(|l| l.starts_with("previous:"))
        .unwrap()
        + 1;
    std::fs::write(tmp.path().join("self.yaml"), with_previous("self.yaml")).unwrap();
    std::fs::write(tmp.path().join("a.yaml"), with_previous("b.yaml")).unwrap();
    std::fs::write(tmp.path().join("b.yaml"), with_previous("a.yaml")).unwrap();
    let r = diaoyan_confined(&["check", s(&tmp.path().join("self.yaml"))], &[], QUICK);
    r.assert_refused(&[&format!("self.yaml:{line}:11"), "指向本文件自身"]);
    // A chain (a → b → a) is no loop: only the adjacent period is read, never the previous
    // file's own `previous:` (attacker finding F9: year two of `init --from` was refused).
    let out = diaoyan(&["check", s(&tmp.path().join("a.yaml"))]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_data_file_or_previous_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe.yaml");
    mkfifo(&fifo);
    let out = tmp.path().join("out");
    let quick = Duration::from_secs(10);
    for args in [
        vec!["check", s(&fifo)],
        vec!["render", s(&fifo), "-o", s(&out)],
        vec!["stats", s(&fifo)],
        vec!["render", s(&fifo), "-o", s(&out), "--watch"],
    ] {
        let r = diaoyan_confined(&args, &[], quick);
        r.assert_refused(&["pipe.yaml", "命名管道"]);
        assert!(
            r.elapsed < Duration::from_secs(5),
            "{args:?}: {:?}",
            r.elapsed
        );
    }
    // As `previous:` of a regular data file.
    let data = tmp.path().join("d.yaml");
    let text = std::fs::read_to_string(seed()).unwrap().replacen(
        "\nunits:",
        "\nprevious: pipe.yaml\nunits:",
        1,
    );
    std::fs::write(&data, text).unwrap();
    let r = diaoyan_confined(&["render", s(&data), "-o", s(&out)], &[], quick);
    r.assert_refused(&["pipe.yaml", "命名管道", "上一期数据"]);
    assert!(r.elapsed < Duration::from_secs(5), "{:?}", r.elapsed);
    assert!(files_under(&out).is_empty());
}

#[test]
fn a_data_file_over_the_size_limit_is_refused_by_size() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("big.yaml");
    // 2 MiB of comments after a valid file: refused by its size, not parsed.
    let mut text = std::fs::read_to_string(seed()).unwrap();
    let pad = "# 填充 ".repeat(60) + "\n";
    while text.len() < 2 << 20 {
        text.push_str(&pad);
    }
    std::fs::write(&data, &text).unwrap();
    let out = tmp.path().join("out");
    let env = [("DIAOYAN_MAX_FILE_MB", "1")];
    let r = diaoyan_confined(&["render", s(&data), "-o", s(&out)], &env, QUICK);
    r.assert_refused(&["big.yaml", "超过上限 1 MiB", "DIAOYAN_MAX_FILE_MB"]);
    assert_eq!(r.code, Some(2));
    assert!(files_under(&out).is_empty());
    // Raised, the same file is read (and checks).
    let ok = diaoyan_confined(&["check", s(&data)], &[("DIAOYAN_MAX_FILE_MB", "3")], QUICK);
    assert_eq!(ok.code, Some(0), "{ok:#?}");
}

#[test]
fn a_template_folder_that_does_not_exist_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-pack");
    let out = tmp.path().join("out");
    for args in [
        vec![
            "render",
            s(&seed()),
            "--template",
            s(&missing),
            "-o",
            s(&out),
        ],
        vec!["check", s(&seed()), "--template", s(&missing)],
        vec!["stats", s(&seed()), "--template", s(&missing)],
    ] {
        let r = diaoyan_confined(&args, &[], QUICK);
        r.assert_refused(&["no-such-pack", "--template", "不存在"]);
        assert_eq!(r.code, Some(2), "{args:?}");
    }
    // `templates --template` lists nothing silently without it.
    let r = diaoyan_confined(&["templates", "--template", s(&missing)], &[], QUICK);
    r.assert_refused(&["no-such-pack", "不存在"]);
    // `init` with a path: the folder must be a pack.
    let file = tmp.path().join("new.yaml");
    let r = diaoyan_confined(&["init", s(&file), "--template", s(&missing)], &[], QUICK);
    r.assert_refused(&["no-such-pack", "不存在"]);
    assert!(!file.exists());
    // A folder holding no pack at all is a mistaken path too.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let r = diaoyan_confined(&["check", s(&seed()), "--template", s(&empty)], &[], QUICK);
    r.assert_refused(&["empty", "缺少 template.yaml"]);
    assert!(files_under(&out).is_empty());
}

#[test]
fn a_pack_of_another_name_is_an_error_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = copy_pack(tmp.path(), "mine");
    let yaml = pack.join("template.yaml");
    let schema = std::fs::read_to_string(&yaml).unwrap();
    assert!(schema.contains("name: community-survey"));
    std::fs::write(
        &yaml,
        schema.replacen("name: community-survey", "name: my-survey", 1),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let r = render_with_pack(&pack, &out, &[]);
    r.assert_refused(&["community-survey", "my-survey"]);
    assert_eq!(r.code, Some(2));
    assert!(files_under(&out).is_empty());

    // What `init --template DIR` writes finds the pack from the data file's folder (issue
    // 18: a path relative to the data file when its name would not find it).
    let fresh = tmp.path().join("fresh.yaml");
    let init = diaoyan(&["init", s(&fresh), "--template", s(&pack)]);
    assert!(init.status.success(), "{init:?}");
    let written = std::fs::read_to_string(&fresh).unwrap();
    assert!(written.contains("template: ./mine\n"), "{written}");
    // The pack's `name:` with the same --template is accepted too.
    let data = tmp.path().join("d.yaml");
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(
        &data,
        seed_text.replacen("template: community-survey", "template: my-survey", 1),
    )
    .unwrap();
    let ok = diaoyan_confined(&["check", s(&data), "--template", s(&pack)], &[], QUICK);
    assert_eq!(ok.code, Some(0), "{ok:#?}");
    // Without --template the name is unknown: an error, never the built-in pack.
    let r = diaoyan_confined(&["check", s(&data)], &[], QUICK);
    r.assert_refused(&["my-survey"]);
}

#[test]
fn units_over_the_limit_are_refused_before_parsing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // The seed has 12 units; its 6th is the first over a limit of 5.
    let text = std::fs::read_to_string(seed()).unwrap();
    let sixth = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  - name:"))
        .nth(5)
        .unwrap()
        .0
        + 1;
    let env = [("DIAOYAN_MAX_UNITS", "5")];
    for args in [
        vec!["check", s(&seed())],
        vec!["render", s(&seed()), "-o", s(&out)],
    ] {
        let r = diaoyan_confined(&args, &env, QUICK);
        r.assert_refused(&[
            &format!("qingnianlu-2019.yaml:{sixth}:3"),
            "超过上限 5 个",
            "DIAOYAN_MAX_UNITS",
        ]);
    }
    assert!(files_under(&out).is_empty());
    let ok = diaoyan_confined(
        &["check", s(&seed())],
        &[("DIAOYAN_MAX_UNITS", "12")],
        QUICK,
    );
    assert_eq!(ok.code, Some(0), "{ok:#?}");
}

#[test]
fn a_million_tiny_units_are_refused_quickly_within_the_memory_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("million.yaml");
    let text = std::fs::read_to_string(seed()).unwrap();
    let head = &text[..text.find("\nunits:").unwrap()];
    let mut big = String::with_capacity(15 << 20);
    big.push_str(head);
    big.push_str("\nunits:\n");
    for _ in 0..1_000_000 {
        big.push_str("  - {name: a}\n");
    }
    std::fs::write(&data, big).unwrap();
    let out = tmp.path().join("out");
    for args in [
        vec!["check", s(&data)],
        vec!["render", s(&data), "-o", s(&out)],
    ] {
        let r = diaoyan_confined(&args, &[], QUICK);
        r.assert_refused(&["million.yaml", "超过上限 5000 个", "DIAOYAN_MAX_UNITS"]);
        assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    }
    assert!(files_under(&out).is_empty());
}

#[test]
fn a_file_of_millions_of_tiny_values_is_refused_before_the_loader_holds_them() {
    // 3,000,000 facts in 60 MiB (under the file limit): serde_yaml's loader alone would
    // need more than 1 GiB for its events; the streaming count refuses it first.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("facts.yaml");
    let text = std::fs::read_to_string(seed()).unwrap();
    let head = &text[..text.find("\nfacts:").unwrap()];
    let mut big = String::with_capacity(64 << 20);
    big.push_str(head);
    big.push_str("\nfacts:\n  big:\n");
    for n in 0..3_000_000u32 {
        big.push_str(&format!("    k{n}: {n}\n"));
    }
    std::fs::write(&data, big).unwrap();
    let r = diaoyan_confined(&["check", s(&data)], &[], QUICK);
    r.assert_refused(&["facts.yaml", "超过上限 1000000 个", "DIAOYAN_MAX_NODES"]);
    // And a small limit on the seed names its variable.
    let r = diaoyan_confined(
        &["check", s(&seed())],
        &[("DIAOYAN_MAX_NODES", "100")],
        QUICK,
    );
    r.assert_refused(&["超过上限 100 个", "DIAOYAN_MAX_NODES"]);
}

/// A symlink planted at the predictable temporary name (`.<name>.<pid>.tmp`) cannot make
/// a render write outside the output folder: the temporary file is created exclusively.
#[test]
fn a_symlink_at_the_temporary_name_cannot_redirect_a_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "victim content").unwrap();
    // The child's pid is unknown in advance: plant links for a range of likely pids.
    let next = std::process::id();
    for pid in next..next + 400 {
        let _ = std::os::unix::fs::symlink(
            &victim,
            out.join(format!(".qingnianlu-2019.docx.{pid}.tmp")),
        );
    }
    let r = diaoyan_confined(
        &[
            "render",
            s(&seed()),
            "-o",
            s(&out),
            "--format",
            "docx",
            "--no-system-fonts",
        ],
        &[],
        QUICK,
    );
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim content");
    let docx = out.join("qingnianlu-2019.docx");
    assert!(std::fs::symlink_metadata(&docx)
        .unwrap()
        .file_type()
        .is_file());
}

/// An output path that is a device (or FIFO) is refused, never replaced by a file.
#[test]
fn an_output_that_is_a_device_is_refused_not_replaced() {
    let r = diaoyan_confined(&["export", s(&seed()), "-o", "/dev/null"], &[], QUICK);
    r.assert_refused(&["/dev/null", "不是普通文件"]);
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// Rendering into a template pack's folder is refused: `--markdown` would overwrite the
/// pack's `report.md`.
#[test]
fn a_report_is_never_written_into_a_pack_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("wp");
    std::fs::create_dir(&pack).unwrap();
    let builtin = root().join("templates/community-survey");
    for e in std::fs::read_dir(&builtin).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, pack.join(p.file_name().unwrap())).unwrap();
    }
    let before = std::fs::read(pack.join("report.md")).unwrap();
    let data = tmp.path().join("d.yaml");
    let text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(
        &data,
        text.replacen("output: qingnianlu-2019", "output: report", 1),
    )
    .unwrap();
    let r = diaoyan_confined(
        &[
            "render",
            s(&data),
            "--template",
            s(&pack),
            "-o",
            s(&pack),
            "--markdown",
            "--no-system-fonts",
        ],
        &[],
        QUICK,
    );
    r.assert_refused(&["模板包文件夹", "拒绝写入"]);
    assert_eq!(std::fs::read(pack.join("report.md")).unwrap(), before);
}

/// A limit raised past its ceiling is an error (a size of 2^44 MiB overflowed into
/// "数据文件是空的"; a depth of 10,000 overflowed the stack).
#[test]
fn limits_have_ceilings() {
    for (var, value) in [
        ("DIAOYAN_MAX_FILE_MB", "17592186044416"),
        ("DIAOYAN_MAX_DEPTH", "10000"),
        // Too many digits for any integer type: still "over the ceiling", not "malformed".
        ("DIAOYAN_MAX_UNITS", "99999999999999999999"),
    ] {
        let r = diaoyan_confined(&["check", s(&seed())], &[(var, value)], QUICK);
        r.assert_refused(&[var, "超过允许的最大值"]);
    }
}

/// A symlink in a batch folder to a folder outside it (`root -> /`, `self -> /proc/self`)
/// is listed as a failure, not walked: the batch ends quickly with the good file rendered.
#[test]
fn a_batch_does_not_follow_folder_links_out_of_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bp");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(seed(), dir.join("a.yaml")).unwrap();
    std::os::unix::fs::symlink("/proc/self", dir.join("self")).unwrap();
    std::os::unix::fs::symlink("/", dir.join("root")).unwrap();
    let out = tmp.path().join("out");
    let r = diaoyan_confined(
        &["batch", s(&dir), "-o", s(&out), "--no-system-fonts"],
        &[],
        QUICK,
    );
    assert_eq!(r.code, Some(1), "{r:#?}");
    assert!(
        r.stderr.contains("批量目录之外") || r.stdout.contains("批量目录之外"),
        "{r:#?}"
    );
    assert!(out.join("qingnianlu-2019.pdf").is_file());
}

/// 200,000 nested `[` (400 KB) ran past two minutes in the YAML loader (quadratic in the
/// depth): refused by the streaming pass at once, with its line.
#[test]
fn deep_yaml_nesting_is_refused_before_the_loader() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("deep.yaml");
    let mut text = String::from("template: community-survey\nfacts: ");
    text.push_str(&"[".repeat(200_000));
    text.push_str(&"]".repeat(200_000));
    std::fs::write(&data, text).unwrap();
    let r = diaoyan_confined(&["check", s(&data)], &[], QUICK);
    r.assert_refused(&["deep.yaml:2:", "嵌套层数过深"]);
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    // Block nesting deeper than 128 too.
    let mut block = String::from("template: community-survey\nfacts:\n");
    for depth in 1..200 {
        block.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
    }
    std::fs::write(&data, block).unwrap();
    let r = diaoyan_confined(&["check", s(&data)], &[], QUICK);
    r.assert_refused(&["嵌套层数过深"]);
}
