//! Finding the data files of a batch: folders walked once whatever links lead to them,
//! files taken once, and every path that cannot be read a failure of its own.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What [`collect_inputs`] found: the data files to render, and the paths that cannot be
/// (each with its reason, in Chinese), together in path order so every shard sees the
/// same list.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Inputs {
    /// `(path, None)` for a data file, `(path, Some(reason))` for a path that fails.
    pub entries: Vec<(PathBuf, Option<String>)>,
}

impl Inputs {
    /// The data files to render.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.entries
            .iter()
            .filter(|(_, e)| e.is_none())
            .map(|(p, _)| p.as_path())
    }
}

/// What makes two paths the same file or folder: (device, inode) on Unix; elsewhere the
/// canonical path.
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

#[cfg(unix)]
fn identity(_path: &Path, meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &std::fs::Metadata) -> Identity {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// State of one walk: what has been reached, and what was found.
#[derive(Default)]
struct Walk {
    /// The real path of the folder given on the command line being walked: a symlinked
    /// folder inside it is entered only if it leads to somewhere inside it too.
    root: Option<PathBuf>,
    folders: HashSet<Identity>,
    files: HashSet<Identity>,
    entries: Vec<(PathBuf, Option<String>)>,
}

impl Walk {
    fn fail(&mut self, path: &Path, reason: String) {
        self.entries.push((path.to_path_buf(), Some(reason)));
    }

    /// A data file (explicit, or found in a folder): refused unless regular (a FIFO,
    /// socket or device is never opened); taken once however many links reach it.
    fn file(&mut self, path: &Path, meta: &std::fs::Metadata) {
        if let Err(e) = crate::fsio::check_regular(path) {
            let reason = match e {
                Error::Input(ds) if !ds.is_empty() => ds[0].message.clone(),
                Error::Io { source, .. } => unreadable("文件", &source),
                e => e.to_string(),
            };
            return self.fail(path, reason);
        }
        // A regular file may be opened safely; one that cannot be read fails here, with a
        // reason in Chinese, rather than as an I/O error of the loader.
        if let Err(e) = std::fs::File::open(path) {
            return self.fail(path, unreadable("文件", &e));
        }
        if self.files.insert(identity(path, meta)) {
            self.entries.push((path.to_path_buf(), None));
        }
    }

    /// Whether the folder `dir` (reached through a symlink or not) really lies inside the
    /// folder the walk started from: a link such as `root -> /` or `self -> /proc/self`
    /// must not turn one district's folder into a walk of the whole file system.
    fn inside_root(&self, dir: &Path) -> bool {
        match (&self.root, dir.canonicalize()) {
            (Some(root), Ok(real)) => real.starts_with(root),
            _ => true,
        }
    }

    /// Every data file under `dir`, in name order; a folder reached again (a symlink loop,
    /// a second link to it) is walked once; one that cannot be read fails alone.
    fn folder(&mut self, dir: &Path, meta: &std::fs::Metadata) {
        if !self.folders.insert(identity(dir, meta)) {
            return;
        }
        let read = match std::fs::read_dir(dir) {
            Ok(r) => r,
            Err(e) => return self.fail(dir, unreadable("文件夹", &e)),
        };
        let mut paths = Vec::new();
        for entry in read {
            match entry {
                Ok(e) => paths.push(e.path()),
                Err(e) => return self.fail(dir, unreadable("文件夹", &e)),
            }
        }
        paths.sort();
        for p in paths {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Hidden files and folders, and our own temporary files (`.x.pdf.123.tmp`).
            if name.starts_with('.') {
                continue;
            }
            let data = p.extension().is_some_and(|x| x == "yaml" || x == "yml");
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() && !self.inside_root(&p) => self.fail(
                    &p,
                    "是指向批量目录之外的文件夹链接，未进入（如需处理，请把该文件夹直接写在命令行上）"
                        .to_string(),
                ),
                Ok(m) if m.is_dir() => self.folder(&p, &m),
                Ok(m) if data => self.file(&p, &m),
                Ok(_) => {}
                // A broken link or an unreadable entry: a failure if it names a data file.
                Err(e) if data => self.fail(&p, unreadable("文件", &e)),
                Err(_) => {}
            }
        }
    }
}

/// A reason in Chinese for a path that cannot be read.
fn unreadable(what: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::PermissionDenied => format!("没有读取此{what}的权限"),
        K::NotFound => format!("{what}不存在（或是指向不存在之处的符号链接）"),
        _ => match e.raw_os_error() {
            Some(40) if cfg!(target_os = "linux") => "符号链接层数过多（链接成环）".to_string(),
            Some(36) if cfg!(target_os = "linux") => "路径过长，无法读取".to_string(),
            _ => format!("无法读取此{what}：{}", crate::fsio::io_reason(e)),
        },
    }
}

/// Every data file under `inputs` (files, and folders searched recursively for `*.yaml`
/// and `*.yml`, hidden ones skipped), and every path that cannot be rendered, sorted by
/// path, each file once.
///
/// A folder is walked once however many times it is reached (symlink loops such as
/// `loop -> .` end); a file reached through several links is taken once. A folder or file
/// that cannot be read, and a FIFO, socket or device named like a data file, become
/// failures of their own (the rest is still rendered); they are never opened.
///
/// # Errors
/// [`Error::Io`] (exit 2) when an input given on the command line does not exist.
pub fn collect_inputs(inputs: &[PathBuf]) -> Result<Inputs> {
    let mut walk = Walk::default();
    for p in inputs {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                walk.root = p.canonicalize().ok();
                walk.folder(p, &m)
            }
            Ok(m) => walk.file(p, &m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::io(
                    p,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "文件或目录不存在"),
                ))
            }
            Err(e) => walk.fail(p, unreadable("文件", &e)),
        }
    }
    let mut entries = walk.entries;
    entries.sort();
    entries.dedup();
    Ok(Inputs { entries })
}
