//! Issue 15: batch, names and signals — hostile folders, names and interrupts through the
//! binary (see tests/hostile.rs).

use super::common::*;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

/// `diaoyan batch --no-system-fonts ARGS`, confined.
fn batch(args: &[&str]) -> Confined {
    let mut all = vec!["batch", "--no-system-fonts", "-j", "2"];
    all.extend_from_slice(args);
    diaoyan_confined(&all, &[], TIMEOUT)
}

/// The seed data file with `output:` (and, if given, the title) replaced.
fn seed_with(output: Option<&str>, title: Option<&str>) -> String {
    let mut text = std::fs::read_to_string(seed()).unwrap();
    text = match output {
        Some(o) => text.replace("output: qingnianlu-2019", &format!("output: {o}")),
        None => text.replace("  output: qingnianlu-2019\n", ""),
    };
    if let Some(t) = title {
        text = text.replace(
            "title: 强化基层保障 理顺管理体制 推动社区治理能力现代化",
            &format!("title: {t}"),
        );
    }
    text
}

/// The names of the files in `dir` (not recursive), failing on a stray temporary file.
fn names_in(dir: &Path) -> BTreeSet<String> {
    let names: BTreeSet<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => BTreeSet::new(),
    };
    for n in &names {
        assert!(
            !n.starts_with('.') && !n.ends_with(".tmp"),
            "stray file {n} in {}: {names:?}",
            dir.display()
        );
    }
    names
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Two symlink loops (`loop -> .`, `sub/back -> ..`) and a second link to the data file:
/// before, the walk rendered the file dozens of times, and with two loops never ended.
/// Now each folder is walked once and each file rendered once.
#[cfg(unix)]
#[test]
fn symlink_loops_in_a_batch_folder_are_walked_once() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    std::fs::write(input.join("a.yaml"), seed_with(None, None)).unwrap();
    symlink(".", input.join("loop")).unwrap();
    symlink("..", input.join("sub/back")).unwrap();
    symlink("../a.yaml", input.join("sub/link.yaml")).unwrap();
    let out = dir.path().join("out");
    let r = batch(&[s(&input), "-o", s(&out)]);
    assert!(!r.timed_out && r.code == Some(0), "{r:#?}");
    assert!(
        r.stdout.contains("完成 1 份报告，失败 0 份，写出 2 个文件"),
        "{r:#?}"
    );
    assert_eq!(names_in(&out), set(&["a.docx", "a.pdf"]));
}

/// `report`, `report` and `report-2` in one batch: before, "3 done" and 2 files (a renamed
/// duplicate overwrote another job's report). Now three reports under three names, each
/// holding its own data file's report, and the summary counts the files on disk. Names
/// differing only in case are one file on Windows and macOS, so they are told apart too.
#[test]
fn duplicate_output_names_in_a_batch_stay_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (file, output, title) in [
        ("a.yaml", "report", "甲报告"),
        ("b.yaml", "report", "乙报告"),
        ("c.yaml", "report-2", "丙报告"),
        ("d.yaml", "REPORT", "丁报告"),
    ] {
        std::fs::write(input.join(file), seed_with(Some(output), Some(title))).unwrap();
    }
    let out = dir.path().join("out");
    let r = batch(&[s(&input), "-o", s(&out), "--format", "docx"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert!(
        r.stdout.contains("完成 4 份报告，失败 0 份，写出 4 个文件"),
        "{r:#?}"
    );
    assert_eq!(
        names_in(&out),
        set(&[
            "report.docx",
            "report-2.docx",
            "report-3.docx",
            "REPORT-4.docx"
        ])
    );
    // In path order: a keeps `report`, b takes the first free suffix, c keeps its own.
    for (name, title) in [
        ("report", "甲报告"),
        ("report-3", "乙报告"),
        ("report-2", "丙报告"),
        ("REPORT-4", "丁报告"),
    ] {
        let xml = docx_part(&out.join(format!("{name}.docx")), "word/document.xml");
        assert!(xml.contains(title), "{name}.docx lacks {title}");
    }
}

/// A FIFO, a socket, a link to a device and a broken link named like data files in a
/// batch folder: each fails alone with a Chinese reason (never opened: a FIFO would block
/// the batch for ever), the rest renders, exit 1.
#[cfg(unix)]
#[test]
fn special_files_in_a_batch_folder_fail_alone() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("a.yaml"), seed_with(None, None)).unwrap();
    let fifo = std::ffi::CString::new(s(&input.join("fifo.yaml"))).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let _socket = std::os::unix::net::UnixListener::bind(input.join("socket.yaml")).unwrap();
    symlink("/dev/zero", input.join("zero.yaml")).unwrap();
    symlink("nowhere.yaml", input.join("broken.yaml")).unwrap();
    let out = dir.path().join("out");
    let r = batch(&[s(&input), "-o", s(&out)]);
    r.assert_refused(&[]);
    assert_eq!(r.code, Some(1), "{r:#?}");
    assert!(
        r.stdout.contains("完成 1 份报告，失败 4 份，写出 2 个文件"),
        "{r:#?}"
    );
    for (file, why) in [
        ("fifo.yaml", "不是普通文件（是命名管道（FIFO）），拒绝读取"),
        ("socket.yaml", "不是普通文件（是套接字），拒绝读取"),
        ("zero.yaml", "不是普通文件（是设备文件），拒绝读取"),
        ("broken.yaml", "文件不存在（或是指向不存在之处的符号链接）"),
    ] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains("失败") && l.contains(file) && l.contains(why)),
            "{file}: {why}\n{r:#?}"
        );
    }
    assert_eq!(names_in(&out), set(&["a.docx", "a.pdf"]));
}

/// A subfolder and a data file without read permission: before, the whole batch stopped
/// (exit 2, nothing rendered). Now each fails alone, the rest renders, exit 1.
///
/// Root reads whatever the permissions say, so when the tests run as root (CI containers)
/// the binary runs as `nobody` (uid and gid 65534), for whom `chmod 000` holds.
#[cfg(unix)]
#[test]
fn an_unreadable_subfolder_fails_alone() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let root_user = unsafe { libc::geteuid() } == 0;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join("locked")).unwrap();
    std::fs::create_dir_all(input.join("open")).unwrap();
    std::fs::write(input.join("open/a.yaml"), seed_with(None, None)).unwrap();
    std::fs::write(input.join("locked/b.yaml"), seed_with(None, None)).unwrap();
    std::fs::write(input.join("c.yaml"), seed_with(None, None)).unwrap();
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(dir.path(), 0o777).unwrap();
    mode(&input.join("locked"), 0o000).unwrap();
    mode(&input.join("c.yaml"), 0o000).unwrap();
    let out = dir.path().join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_diaoyan"));
    cmd.args(["batch", "--no-system-fonts", s(&input), "-o", s(&out)])
        .current_dir(root());
    if root_user {
        cmd.uid(65534).gid(65534);
    }
    let o = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    mode(&input.join("locked"), 0o755).unwrap();
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stdout.contains("完成 1 份报告，失败 2 份，写出 2 个文件"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("locked") && l.contains("没有读取此文件夹的权限")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("c.yaml") && l.contains("没有读取此文件的权限")),
        "{stdout}"
    );
    assert_eq!(names_in(&out), set(&["a.docx", "a.pdf"]));
}

/// Names are cut by bytes at a character boundary, so a legal data file name of 83 CJK
/// characters (249 bytes + `.yaml`) renders, in `render` (with `--markdown`) and in a
/// `batch` whose second such name takes a `-2` suffix; every name written (and its
/// temporary `.<name>.<pid>.tmp`) fits the 255-byte limit.
#[test]
fn long_cjk_names_are_cut_to_fit_the_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let long = "长".repeat(83);
    let data = input.join(format!("{long}.yaml"));
    std::fs::write(&data, seed_with(None, None)).unwrap();
    std::fs::write(
        input.join("b.yaml"),
        seed_with(Some(&"长".repeat(100)), None),
    )
    .unwrap();
    let stem = "长".repeat(diaoyan::MAX_NAME_BYTES / 3);
    let out = dir.path().join("render");
    let r = diaoyan_confined(
        &[
            "render",
            s(&data),
            "-o",
            s(&out),
            "--markdown",
            "--format",
            "docx",
            "--no-system-fonts",
        ],
        &[],
        TIMEOUT,
    );
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(
        names_in(&out),
        set(&[&format!("{stem}.docx"), &format!("{stem}.md")])
    );
    let out = dir.path().join("batch");
    let r = batch(&[s(&input), "-o", s(&out), "--format", "docx"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
    let names = names_in(&out);
    assert_eq!(
        names,
        set(&[&format!("{stem}.docx"), &format!("{stem}-2.docx")])
    );
    let pid_max = ".4294967295.tmp".len();
    for n in names {
        assert!(1 + n.len() + pid_max <= 255, "{n}: {} bytes", n.len());
    }
}

/// Windows device names (`CON`, `aux`, `lpt1` — any case, with or without extension),
/// characters Windows forbids and format characters (U+202E turns `x<U+202E>fdp.exe` into what
/// reads as `xexe.pdf`) are mapped, so reports copied to a Windows share open.
#[test]
fn windows_reserved_names_and_format_characters_are_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // From the data file name (no `output:`): names the loader does not clean.
    for file in ["CON.yaml", "x\u{202E}fdp.yaml", "a\u{200B}b .yaml"] {
        std::fs::write(input.join(file), seed_with(None, None)).unwrap();
    }
    // From `output:`.
    for (file, output) in [
        ("o1.yaml", "aux"),
        ("o2.yaml", "lpt1.2020"),
        ("o3.yaml", "'甲<乙>:丙|丁?'"),
        ("o4.yaml", "'Nul '"),
    ] {
        std::fs::write(input.join(file), seed_with(Some(output), None)).unwrap();
    }
    let out = dir.path().join("out");
    let r = batch(&[s(&input), "-o", s(&out), "--format", "docx"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
    assert_eq!(
        names_in(&out),
        set(&[
            "CON_.docx",
            "x_fdp.docx",
            "a_b.docx",
            "aux_.docx",
            "lpt1_.2020.docx",
            "甲_乙__丙_丁_.docx",
            "Nul_.docx",
        ])
    );
}

/// Send SIGINT to `child` and wait for it.
#[cfg(unix)]
fn interrupt(child: &mut std::process::Child) -> std::process::ExitStatus {
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    child.wait().unwrap()
}

/// Ctrl-C during a plain `render` of a big report, at several moments from start to
/// finish: the output folder holds all of the report's files (DOCX, PDF, Markdown) or
/// none, and no temporary file. Before, it could hold the DOCX without the PDF and a stray
/// `.pdf.PID.tmp`.
#[cfg(unix)]
#[test]
fn ctrl_c_during_render_leaves_a_whole_report_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let r = diaoyan(&[
        "sample",
        "--districts",
        "25",
        "--one-file",
        "-o",
        s(dir.path()),
    ]);
    assert!(r.status.success());
    let data = dir.path().join("city.yaml");
    let render = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_diaoyan"))
            .args(["render", s(&data), "-o", s(out), "--markdown"])
            .arg("--no-system-fonts")
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let full = dir.path().join("full");
    let start = Instant::now();
    assert!(render(&full).wait().unwrap().success());
    let took = start.elapsed();
    let all = names_in(&full);
    assert_eq!(all.len(), 3, "{all:?}");
    let (mut whole, mut none) = (0, 0);
    for k in 0..=8u32 {
        let out = dir.path().join(format!("out-{k}"));
        let mut child = render(&out);
        std::thread::sleep(took * k / 7);
        let status = interrupt(&mut child);
        let names = names_in(&out);
        if names.is_empty() {
            none += 1;
        } else {
            assert_eq!(names, all, "after {:?}: a partial report", took * k / 7);
            whole += 1;
        }
        // Exit 130 from the handler, killed by SIGINT before it was installed, or 0
        // when the render had finished.
        use std::os::unix::process::ExitStatusExt;
        assert!(
            matches!(status.code(), Some(0) | Some(130)) || status.signal() == Some(2),
            "{status:?}"
        );
        if status.code() == Some(130) || status.signal() == Some(2) {
            assert!(names.is_empty() || names == all);
        }
    }
    // An interrupt at the start leaves nothing (the ones near the end may find it done).
    assert!(none >= 1, "{none} none, {whole} whole");
}

/// Ctrl-C in the middle of a batch: every report in the output folder is whole (both its
/// files), and no temporary file remains.
#[cfg(unix)]
#[test]
fn ctrl_c_during_batch_leaves_whole_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let r = diaoyan(&[
        "sample",
        "--districts",
        "12",
        "--seed",
        "3",
        "-o",
        s(&input),
    ]);
    assert!(r.status.success());
    for delay in [300, 800] {
        let out = dir.path().join(format!("out-{delay}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
            .args(["batch", "--no-system-fonts", "-j", "2", s(&input), "-o"])
            .arg(&out)
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        interrupt(&mut child);
        let names = names_in(&out);
        let stems: BTreeSet<&str> = names
            .iter()
            .map(|n| n.rsplit_once('.').unwrap().0)
            .collect();
        for stem in stems {
            assert!(
                names.contains(&format!("{stem}.docx")) && names.contains(&format!("{stem}.pdf")),
                "{stem} is partial: {names:?}"
            );
        }
    }
}

/// `render --watch --markdown -o <the data folder>`: before, it saw its own Markdown and
/// re-rendered about six times a second with no edit. Now one render at the start, none
/// while nothing changes, exactly one more after an edit.
#[cfg(unix)]
#[test]
fn watch_ignores_its_own_output() {
    use std::io::BufRead;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("qingnianlu-2019.yaml");
    std::fs::write(&data, seed_with(None, None)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["render", s(&data), "--watch", "--markdown", "-o"])
        .arg(dir.path())
        .arg("--no-system-fonts")
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(l);
        }
    });
    let renders = || {
        lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("已生成") || l.starts_with("生成失败"))
            .count()
    };
    let wait_for = |n: usize| {
        let start = Instant::now();
        while renders() < n && start.elapsed() < TIMEOUT {
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait_for(1);
    std::thread::sleep(Duration::from_secs(2));
    let idle = renders();
    let md = dir.path().join("qingnianlu-2019.md");
    assert!(md.is_file());
    // An edit, saved as editors do (a new file renamed over the old one).
    let tmp = dir.path().join(".edit.tmp");
    std::fs::write(&tmp, seed_with(None, Some("改过的标题"))).unwrap();
    std::fs::rename(&tmp, &data).unwrap();
    wait_for(2);
    std::thread::sleep(Duration::from_secs(2));
    let after = renders();
    let status = interrupt(&mut child);
    let all = lines.lock().unwrap().clone();
    assert_eq!(idle, 1, "renders with no edit: {all:#?}");
    assert_eq!(after, 2, "renders after one edit: {all:#?}");
    let docx = dir.path().join("qingnianlu-2019.docx");
    assert!(docx_part(&docx, "word/document.xml").contains("改过的标题"));
    assert_eq!(status.code(), Some(130), "{status:?}");
    names_in(dir.path());
}
