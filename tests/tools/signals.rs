//! Issue 15: an interrupt that arrives between the renames of one report's files. `strace`
//! delays every rename by [`DELAY`], so the moment after the DOCX is in place and before
//! the PDF is renamed lasts long enough to send SIGINT into it — the moment that left a
//! DOCX without its PDF and a stray `.pdf.PID.tmp`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// How long strace holds each rename (microseconds).
const DELAY: &str = "400000";

/// The pid of the one child of `pid` (the process strace runs), once it exists.
fn child_of(pid: u32) -> Option<u32> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let path = format!("/proc/{pid}/task/{pid}/children");
        if let Some(c) = std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|c| c.parse().ok()))
        {
            return Some(c);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// SIGINT while the PDF's rename is held, after the DOCX's rename: the report is finished
/// whole (DOCX, PDF and Markdown), no temporary file remains, exit 130 (or 0 if the
/// render returned first).
pub fn an_interrupt_between_renames_leaves_the_whole_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let renames = "rename,renameat,renameat2";
    let strace = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e"])
        .arg(format!("trace={renames}"))
        .arg("-e")
        .arg(format!("inject={renames}:delay_enter={DELAY}"))
        .arg(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["render", seed().to_str().unwrap(), "--markdown", "-o"])
        .arg(&out)
        .arg("--no-system-fonts")
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("strace runs");
    let pid = child_of(strace.id()).expect("strace starts diaoyan");
    let docx = out.join("qingnianlu-2019.docx");
    let start = Instant::now();
    while !docx.exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(docx.exists(), "the DOCX never appeared");
    let between = names(&out);
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGINT);
    }
    let o = strace.wait_with_output().unwrap();
    let after = names(&out);
    assert_eq!(
        after,
        [
            "qingnianlu-2019.docx",
            "qingnianlu-2019.md",
            "qingnianlu-2019.pdf"
        ],
        "interrupted while {between:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The interrupt came while the group was being renamed (not after it).
    assert!(between.iter().any(|n| n.ends_with(".tmp")), "{between:?}");
    // 130 from the handler; 0 when the render's main thread, done renaming, returned
    // before the handler took the lock (the report is whole either way).
    assert!(matches!(o.status.code(), Some(0) | Some(130)), "{o:?}");
}
