//! `diaoyan render --watch`: re-run a job whenever the data file or its template pack
//! changes on disk (notify: inotify, FSEvents, ReadDirectoryChangesW). Editors save by
//! writing a new file and renaming it, so folders are watched, not files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use crate::error::{Diagnostic, Error, Result};

/// Quiet time after a change before the job runs: one save is often several events.
const SETTLE: Duration = Duration::from_millis(150);

/// Whether a changed path can affect a report: data files, schemas and templates, not the
/// outputs or an editor's swap and temporary files.
fn relevant(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `~$x.docx` is Word's lock file beside an open document.
    if name.starts_with('.')
        || name.starts_with('~')
        || name.ends_with('~')
        || name.contains(".tmp")
    {
        return false;
    }
    // A pack's reference DOCX is read by the render too.
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "md" | "docx")
    )
}

/// Watch `dirs()` (recomputed after every run, so a changed `template:` is followed), run
/// `job` once the watch is in place, then again after each relevant change. `job` returns
/// the files it wrote: changes to them (and to every file it wrote before) are its own and
/// never start a run — `render --watch --markdown -o <the data folder>` writes a `.md`
/// where it watches. Returns only when watching itself fails.
pub fn watch(
    mut dirs: impl FnMut() -> Vec<PathBuf>,
    mut job: impl FnMut() -> Vec<PathBuf>,
) -> Result<()> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |ev| {
        let _ = tx.send(ev);
    })
    .map_err(|e| watch_error(Path::new("."), e))?;
    let mut watched: BTreeSet<PathBuf> = BTreeSet::new();
    let mut update = |watcher: &mut notify::RecommendedWatcher, watched: &mut BTreeSet<PathBuf>| {
        for d in dirs() {
            if watched.contains(&d) {
                continue;
            }
            watcher
                .watch(&d, RecursiveMode::NonRecursive)
                .map_err(|e| watch_error(&d, e))?;
            watched.insert(d);
        }
        Ok::<(), Error>(())
    };
    update(&mut watcher, &mut watched)?;
    let mut own: BTreeSet<PathBuf> = BTreeSet::new();
    own.extend(job().iter().map(|p| identity(p)));
    update(&mut watcher, &mut watched)?;
    loop {
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        let mut changed = matters(&first, &own);
        // Let the save finish: take every event until the folder is quiet.
        while let Ok(ev) = rx.recv_timeout(SETTLE) {
            changed |= matters(&ev, &own);
        }
        if changed {
            own.extend(job().iter().map(|p| identity(p)));
            update(&mut watcher, &mut watched)?;
        }
    }
}

/// The folders a `render --watch` of `data` watches: the data file's folder, the
/// `--template` folder, and the folder of the pack the data file names now (it is read
/// again before every wait, so a save that changes `template:` is followed). Only existing
/// folders are returned; a data file that does not load adds no pack folder.
pub fn folders_for(data: &Path, template: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let dir = data
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dirs.push(dir.to_path_buf());
    if let Some(t) = template {
        dirs.push(t.to_path_buf());
    }
    if let Ok(bytes) = crate::fsio::read_data(data) {
        if let Ok((_, pack)) = crate::survey::load_bytes(data, &bytes, template) {
            dirs.extend(pack.dir);
        }
    }
    dirs.retain(|d| d.is_dir());
    dirs
}

/// `render --watch`: run `render` (which returns the files it wrote), then again after
/// every save of `data` or its template pack ([`folders_for`], [`watch`]) until the process
/// is interrupted.
///
/// # Errors
/// Before watching, a `data` that is not a regular file (a FIFO or device would block
/// every render and the watcher: [`crate::fsio::check_regular`]); later, only a failure
/// of watching itself.
pub fn watch_report(
    data: &Path,
    template: Option<&Path>,
    render: impl FnMut() -> Vec<PathBuf>,
) -> Result<()> {
    crate::fsio::check_regular(data)?;
    watch(|| folders_for(data, template), render)
}

/// `path` made comparable whatever way it was spelled (relative, through a symlinked
/// folder): its folder's real path joined with its name. The file itself need not exist.
fn identity(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (dir.canonicalize(), path.file_name()) {
        (Ok(d), Some(n)) => d.join(n),
        _ => path.to_path_buf(),
    }
}

/// Whether an event may change a report: a creation, change or removal of a relevant
/// path that is not one of `own` (the job's outputs, as [`identity`]).
fn matters(ev: &notify::Result<notify::Event>, own: &BTreeSet<PathBuf>) -> bool {
    match ev {
        Ok(ev) => {
            matches!(
                ev.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            ) && ev
                .paths
                .iter()
                .any(|p| relevant(p) && !own.contains(&identity(p)))
        }
        Err(_) => false,
    }
}

fn watch_error(path: &Path, e: notify::Error) -> Error {
    use notify::ErrorKind as K;
    let why = match &e.kind {
        K::Io(io) => crate::fsio::io_reason(io),
        K::PathNotFound => "文件或文件夹不存在".to_string(),
        K::MaxFilesWatch => {
            "监视的文件数超过系统上限（可调高 fs.inotify.max_user_watches）".to_string()
        }
        K::WatchNotFound => "监视已失效".to_string(),
        K::InvalidConfig(_) => "监视设置无效".to_string(),
        K::Generic(_) => "系统的文件监视服务出错".to_string(),
    };
    Error::input(Diagnostic::new(path, format!("无法监视文件变化：{why}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_matter() {
        assert!(relevant(Path::new("data/a.yaml")));
        assert!(relevant(Path::new("templates/x/report.md")));
        assert!(relevant(Path::new("templates/x/reference.docx")));
        assert!(!relevant(Path::new("templates/x/~$reference.docx")));
        assert!(!relevant(Path::new("output/a.pdf")));
        assert!(!relevant(Path::new("data/.a.yaml.swp")));
        assert!(!relevant(Path::new("data/a.yaml~")));
        assert!(!relevant(Path::new("output/.a.pdf.tmp123")));
    }
}
