//! Helpers shared by the integration tests: run the real binary, read outputs, find tools.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn seed() -> PathBuf {
    root().join("data/qingnianlu-2019.yaml")
}

/// Run `diaoyan ARGS` from the crate root.
pub fn diaoyan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the diaoyan binary runs")
}

/// Render the seed into a fresh temporary folder; returns the folder.
pub fn render_seed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    // The bundled fonts only: the same bytes on every machine.
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// One part of a .docx as text.
pub fn docx_part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).expect("docx exists");
    let mut zip = zip::ZipArchive::new(file).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name(name)
        .expect("part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml
}

/// Convert `docx` to PDF with LibreOffice into `dir` (created), with a LibreOffice profile
/// of its own there (tests run in parallel, and two instances sharing one profile fail),
/// and return the PDF's path. `dir` must not be the DOCX's folder: LibreOffice's PDF would
/// replace diaoyan's PDF of the same name. Panics when LibreOffice fails.
pub fn libreoffice_pdf(docx: &Path, dir: &Path) -> PathBuf {
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let out = Command::new("soffice")
        .arg(profile)
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(docx)
        .env("HOME", dir)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(docx.file_stem().expect("a file name"))
        .with_extension("pdf")
}

/// Convert a .docx to PDF with LibreOffice and return the PDF's text (`None` when the
/// tools are missing and not required).
pub fn libreoffice_text(docx: &Path) -> Option<String> {
    if !have("soffice") || !have("pdftotext") {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = libreoffice_pdf(docx, dir.path());
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    Some(String::from_utf8_lossy(&text.stdout).into_owned())
}

/// The text of each paragraph of a .docx, in order.
pub fn docx_paragraphs(path: &Path) -> Vec<String> {
    let xml = docx_part(path, "word/document.xml");
    xml.split("</w:p>")
        .map(|p| {
            let mut text = String::new();
            let mut rest = p;
            while let Some(i) = rest.find("<w:t") {
                rest = &rest[i + 4..];
                // Only <w:t> and <w:t attr…>, not <w:tab/>, <w:tbl>, <w:tc>, …
                if !(rest.starts_with('>') || rest.starts_with(' ')) {
                    continue;
                }
                let Some(open_end) = rest.find('>') else {
                    break;
                };
                if rest[..open_end].ends_with('/') {
                    continue;
                }
                rest = &rest[open_end + 1..];
                if let Some(close) = rest.find("</w:t>") {
                    text.push_str(&rest[..close]);
                    rest = &rest[close..];
                }
            }
            text.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
        })
        .collect()
}

/// Whether an external tool is on PATH. Tests that need one live in the `tools` harness
/// (`tests/tools/main.rs`), which reports them ignored when it is missing.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    found
}

/// The level-1 heading numbers that begin lines of `text`, in order.
pub fn heading_numbers(text: &str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| {
            ["一、", "二、", "三、", "四、", "五、"]
                .into_iter()
                .find(|n| l.starts_with(n))
        })
        .collect()
}

/// Markdown, HTML and Tera syntax in a unit name: it must print literally.
pub const EVIL: &str = "安定*甲*社区 **乙** | 丙 # 丁 <b>戊</b> {{ 1+1 }} [链接](http://x) `代码`";

pub fn render_evil() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read_to_string(seed()).unwrap();
    let p = dir.path().join("evil.yaml");
    // A YAML double-quoted string: the backslash-free EVIL needs no escaping.
    std::fs::write(
        &p,
        data.replace("name: 安定社区", &format!("name: \"{EVIL}\"")),
    )
    .unwrap();
    let out = diaoyan(&[
        "render",
        p.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Figures the seed's PDF and DOCX must print (the corrected values).
pub const MUST_HAVE: [&str; 9] = [
    "2538", "6813", "2492", "1380", "208", "55.4%", "141", "2143", "5400",
];
pub const MUST_NOT: [&str; 2] = ["2230", "55.3%"];

/// The ECMA-376 validator, from `DIAOYAN_VALIDATE_DOCX` (`.ci/run` points it at
/// `shared/tools/ooxml/validate-docx` beside the checkout). Unset, the checks that need it
/// are reported ignored: the tests read nothing outside the repository.
pub fn validator() -> Option<PathBuf> {
    std::env::var_os("DIAOYAN_VALIDATE_DOCX")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
}

/// A Python with lxml: the one on PATH, else Debian's (python3-lxml).
pub fn python_with_lxml() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import lxml"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

/// Whether a tool the `tools` harness knows is usable: `validate-docx` (the validator
/// beside the checkout and a Python with lxml) or a command on PATH.
pub fn available(tool: &str) -> bool {
    match tool {
        "validate-docx" => validator().is_some() && python_with_lxml().is_some(),
        _ => have(tool),
    }
}

/// Run validate-docx on `docx` and return its report (the last line is "N problems").
pub fn validate_docx(docx: &Path) -> String {
    validate_docx_all(&[docx.to_path_buf()])
}

/// Run validate-docx once over many files; the last line counts the problems of all.
pub fn validate_docx_all(docx: &[PathBuf]) -> String {
    let python = python_with_lxml().expect("a python3 with lxml");
    let out = Command::new(python)
        .arg(validator().expect("DIAOYAN_VALIDATE_DOCX"))
        .args(docx)
        .output()
        .expect("validate-docx runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
pub mod hostile;
pub mod http;
pub mod refdocx;

/// Run a poppler/qpdf tool on `pdf` (pdftotext writes to stdout) and return its output;
/// a failing tool fails the test.
pub fn tool(cmd: &str, args: &[&str], pdf: &Path) -> String {
    let mut c = Command::new(cmd);
    c.args(args).arg(pdf);
    if cmd == "pdftotext" {
        c.arg("-");
    }
    let out = c.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Render the seed with each `(from, to)` replaced once (each must occur), bundled fonts
/// only, into `dir` with `extra` arguments; render must succeed. Returns the outputs'
/// path without extension (`dir/qingnianlu-2019`).
pub fn render_seed_edited(dir: &Path, edits: &[(&str, &str)], extra: &[&str]) -> PathBuf {
    let mut data = std::fs::read_to_string(seed()).unwrap();
    for (from, to) in edits {
        assert!(data.contains(from), "the seed has no {from}");
        data = data.replacen(from, to, 1);
    }
    let p = dir.join("data.yaml");
    std::fs::write(&p, data).unwrap();
    let mut args = vec![
        "render",
        p.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--no-system-fonts",
    ];
    args.extend_from_slice(extra);
    let out = diaoyan(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("qingnianlu-2019")
}

/// How one confined run of the binary ended.
#[derive(Debug)]
pub struct Confined {
    /// The exit code, `None` if killed by a signal (a stack overflow, an abort, the timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: std::time::Duration,
}

impl Confined {
    /// Assert the run was refused the way issue 15 asks: exit 1 or 2 within the timeout,
    /// no panic, a Chinese message on stderr that contains every `needles` entry.
    #[track_caller]
    pub fn assert_refused(&self, needles: &[&str]) {
        assert!(
            !self.timed_out,
            "timed out after {:?}: {self:#?}",
            self.elapsed
        );
        assert!(
            matches!(self.code, Some(1) | Some(2)),
            "exit {:?}, not 1 or 2: {self:#?}",
            self.code
        );
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "panic: {}",
            self.stderr
        );
        assert!(
            self.stderr
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "no Chinese message: {}",
            self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}: {}",
                self.stderr
            );
        }
    }
}

/// The address-space limit hostile inputs run under (issue 15: 1 GiB).
pub const ADDRESS_SPACE: u64 = 1 << 30;

/// Run `diaoyan ARGS` from the crate root with `envs` set, under an address-space limit of
/// [`ADDRESS_SPACE`] (setrlimit RLIMIT_AS in the child) and killed after `timeout`.
pub fn diaoyan_confined(
    args: &[&str],
    envs: &[(&str, &str)],
    timeout: std::time::Duration,
) -> Confined {
    use std::process::Stdio;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_diaoyan"));
    cmd.args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit {
                    rlim_cur: ADDRESS_SPACE as libc::rlim_t,
                    rlim_max: ADDRESS_SPACE as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let start = std::time::Instant::now();
    let mut child = cmd.spawn().expect("the diaoyan binary runs");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    Confined {
        code: status.code(),
        stdout: String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned(),
        timed_out,
        elapsed,
    }
}

/// `diaoyan import PATH --template community-survey -o PATH.yaml [extra]` under
/// [`diaoyan_confined`]; returns the run and the output path it was told to write.
pub fn import_confined(
    path: &Path,
    envs: &[(&str, &str)],
    extra: &[&str],
    timeout: std::time::Duration,
) -> (Confined, PathBuf) {
    let out = path.with_extension("yaml");
    let mut args = vec![
        "import",
        path.to_str().unwrap(),
        "--template",
        "community-survey",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    (diaoyan_confined(&args, envs, timeout), out)
}

/// A copy of every file of the built-in `community-survey` pack in `dir/community-survey`;
/// returns that folder.
pub fn copy_builtin_pack(dir: &Path) -> PathBuf {
    let pack = dir.join("community-survey");
    std::fs::create_dir_all(&pack).unwrap();
    for e in std::fs::read_dir(root().join("templates/community-survey")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), pack.join(e.file_name())).unwrap();
    }
    pack
}

/// Every file under `dir` (recursively), sorted: to assert nothing was written outside
/// the output folder, or nothing at all.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                _ => out.push(p),
            }
        }
    }
    out.sort();
    out
}

/// The Markdown of [`render_with_lists`]: an ordered list from 5, a bullet list, and a
/// loose ordered list from 1 whose item 4. starts with a nested bullet list.
pub const LISTS_MD: &str =
    "5. 第五项“甲”\n6. 第六项\n\n- 要点一\n- 要点二\n\n1. 第一项\n2. 第二项\n\n3. 第三项\n4.\n   - 嵌套要点\n\n";

/// Render the seed (DOCX + PDF, bundled fonts) with a copy of its template pack whose
/// report has [`LISTS_MD`] before the closing paragraphs; returns the output path without
/// its extension.
pub fn render_with_lists(dir: &Path) -> PathBuf {
    render_with_report_md(dir, LISTS_MD)
}

/// Render the seed (DOCX + PDF, bundled fonts) with a copy of its template pack whose
/// report has the Markdown `md` before the closing paragraphs (the pack's Markdown, so
/// `*强调*` and `**粗体**` are formatting, not data); returns the output path without its
/// extension.
pub fn render_with_report_md(dir: &Path, md: &str) -> PathBuf {
    let pack = dir.join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    let src = root().join("templates/community-survey");
    for f in ["report.md", "template.yaml"] {
        std::fs::copy(src.join(f), pack.join(f)).unwrap();
    }
    let report = std::fs::read_to_string(pack.join("report.md")).unwrap();
    let anchor = "{% for p in closing %}";
    assert!(report.contains(anchor), "the pack's report has no {anchor}");
    std::fs::write(
        pack.join("report.md"),
        report.replacen(anchor, &format!("{md}{anchor}"), 1),
    )
    .unwrap();
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("qingnianlu-2019")
}
