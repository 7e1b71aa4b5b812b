//! Writing outputs so that a report's files appear together or not at all: temporary
//! files beside the targets, renamed under one process-wide lock an interrupt handler
//! takes ([`stop_writing`]).

use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};

/// Write `bytes` to `path` atomically, creating its folder first.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::fsio::create_dir_all(parent)?;
    }
    write_atomic(path, bytes)
}

/// Held while files are written: a group of files (one report's DOCX, PDF and Markdown)
/// is written to temporary files and renamed into place under this lock, and an
/// interrupt ([`stop_writing`]) takes it before the process exits. So an interrupt waits
/// for a group being written and stops any group not yet started: a report's files
/// appear together or not at all, and no temporary file is left behind.
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// For a Ctrl-C (SIGINT, SIGTERM, SIGHUP) handler, before it exits: wait until the group of
/// files being written (if any) is complete, then keep every other write from starting
/// (the lock is never released). Call `std::process::exit` next.
pub fn stop_writing() {
    let guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::forget(guard);
}

/// Write `bytes` to a temporary file beside `path` and rename it into place; see
/// [`write_group`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_group(&[(path.to_path_buf(), bytes)])
}

/// The temporary file `path` is written to first: `.<name>.<pid>.tmp` beside it (hidden,
/// and ignored by `--watch` and by the batch walk).
fn temporary(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fname = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{fname}.{}.tmp", std::process::id()))
}

/// Create `tmp` afresh and write `bytes` to it. The file is created exclusively
/// (`O_CREAT|O_EXCL`, which never follows a symlink): a symlink or file planted at the
/// predictable temporary name is removed (the link itself, not what it points to) and the
/// creation retried once, so a write can never land outside the output folder.
fn create_exclusive(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
    };
    let mut file = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            open()?
        }
        other => other?,
    };
    let written = file.write_all(bytes).and_then(|()| file.flush());
    if written.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    written
}

/// Write a group of files so that they appear together or not at all: every file to its
/// temporary file first, then every rename, all under one process-wide lock that an
/// interrupt handler takes ([`stop_writing`]). If a write or rename fails, the temporary
/// files and the files of this group already renamed are removed (a file the group
/// replaced is then gone too: the old set is not restored). Folders must exist.
///
/// The guarantee holds for Ctrl-C, SIGTERM and SIGHUP (handled), not for SIGKILL or a
/// power cut (which may leave a `.*.tmp` file or part of a group).
pub fn write_group(files: &[(PathBuf, &[u8])]) -> Result<()> {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let temps: Vec<PathBuf> = files.iter().map(|(p, _)| temporary(p)).collect();
    let remove = |paths: &[PathBuf]| {
        for p in paths {
            let _ = std::fs::remove_file(p);
        }
    };
    // A device, FIFO or folder where a report goes is refused, never replaced
    // (`-o /dev/full` would swap the device node for a file when run as root).
    for (path, _) in files {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let ft = meta.file_type();
            if !ft.is_file() && !ft.is_symlink() {
                return Err(Error::input(Diagnostic::new(
                    path,
                    "已存在且不是普通文件（如设备、命名管道或文件夹），拒绝覆盖；请换一个输出路径",
                )));
            }
        }
    }
    for (i, ((path, bytes), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = create_exclusive(tmp, bytes) {
            remove(&temps[..i]);
            // Named by the file the writer asked for, not the hidden temporary one.
            return Err(Error::io(path, e));
        }
    }
    let mut done: Vec<PathBuf> = Vec::new();
    for (i, ((path, _), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            remove(&temps[i..]);
            remove(&done);
            return Err(Error::io(path, e));
        }
        done.push(path.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{safe_name, NAME_MAX};

    /// A symlink planted at the temporary name is replaced, not followed: the file it
    /// points to (outside the folder) keeps its content.
    #[cfg(unix)]
    #[test]
    fn a_planted_temporary_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "victim").unwrap();
        let target = out.join("r.docx");
        std::os::unix::fs::symlink(&victim, temporary(&target)).unwrap();
        write_atomic(&target, b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
        assert_eq!(std::fs::read(&target).unwrap(), b"report");
        assert!(!temporary(&target).exists());
    }

    /// The longest name written — stem, batch suffix, `.docx`, and the temporary file's
    /// `.` and `.<pid>.tmp` — can be created on this file system.
    #[test]
    fn the_longest_temporary_name_fits() {
        let dir = tempfile::tempdir().unwrap();
        let stem = safe_name(&"长".repeat(200));
        let name = format!("{stem}-{}.docx", u64::MAX);
        let path = dir.path().join(&name);
        let tmp = temporary(&path);
        assert!(tmp.file_name().unwrap().len() <= NAME_MAX);
        write_atomic(&path, b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
        let long = dir.path().join(format!(".{name}.4294967295.tmp"));
        std::fs::write(long, b"x").unwrap();
    }

    /// A group whose second rename fails leaves neither file nor temporary file.
    #[test]
    fn a_failed_group_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("r.docx");
        let b = dir.path().join("r.pdf");
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("x"), b"x").unwrap();
        let e = write_group(&[(a.clone(), b"a"), (b.clone(), b"b")]);
        assert!(e.is_err());
        assert!(!a.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("r.pdf")]);
    }
}
