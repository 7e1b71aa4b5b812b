//! A batch upload taken into a job's folder: every file under a name the server chose,
//! zips opened one level deep within limits, and every file that cannot be a report kept
//! as a failure of its own (one bad file never stops the others).
//!
//! Rules (SPEC19, "Security" 5):
//! - a file's name is its last path component (`/` and `\` both separate; `..`, drive
//!   letters and absolute prefixes thereby vanish), made portable by
//!   [`crate::safe_name`] (the stem) and a lower-case extension; two names that are one
//!   file on some system ([`crate::name_key`] of the stem, so `a.yaml` and `A.xlsx` too,
//!   whose data files would both be `a.yaml`) are made distinct as `a-2`, `a-3`, … in
//!   upload order;
//! - inside a zip, folders are flattened the same way; hidden entries (a component
//!   starting with `.`) and macOS resource folders (`__MACOSX`) are skipped; a zip inside
//!   a zip is not opened (a failure naming it); symbolic links and encrypted entries are
//!   failures; nothing is ever created but regular files in the job's own folders;
//! - every entry is read through a bounded reader: the upload's total expanded size is at
//!   most [`Limits::max_expanded`] bytes (declared sizes checked first, then the bytes
//!   actually inflated), and it holds at most [`Limits::max_files`] files (zip entries
//!   counted from the raw central-directory headers before the archive is parsed). Past a
//!   limit the whole upload is refused ([`Refusal::TooLarge`], HTTP 413).

use std::collections::HashSet;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// The bounds of one upload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files one batch may hold: uploaded files plus zip entries (`--max-files`).
    pub max_files: usize,
    /// Total bytes the upload's files may take once unzipped: 8 × `--max-upload-mb`.
    pub max_expanded: u64,
}

/// Why an upload is refused as a whole (nothing of it is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Past a limit (files, expanded size): HTTP 413, with the Chinese reason.
    TooLarge(String),
    /// An I/O failure writing into the job's folder: HTTP 500.
    Internal(String),
}

/// What a file is to a batch, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A data file (`.yaml`, `.yml`), rendered as it is.
    Data,
    /// A spreadsheet (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`, `.csv`), imported with the
    /// chosen pack first.
    Sheet,
}

/// A file taken in, written under `path`.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name the writer sees (flattened, safe, distinct), e.g. `东城区.xlsx`.
    pub name: String,
    /// Its stem, the data file's stem (`东城区`).
    pub stem: String,
    /// Data file or spreadsheet.
    pub kind: Kind,
    /// Where it was written (`<job>/data/<name>` or `<job>/sheets/<name>`).
    pub path: PathBuf,
}

/// A file that cannot become a report, with the reason (Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The name the writer sees (as [`Input::name`]).
    pub name: String,
    /// Why.
    pub reason: String,
}

/// The files of one upload, as they are taken in.
#[derive(Debug)]
pub struct Intake {
    data_dir: PathBuf,
    sheet_dir: PathBuf,
    limits: Limits,
    /// [`crate::name_key`]s of the stems given out.
    stems: HashSet<String>,
    expanded: u64,
    /// The data files and spreadsheets, in upload order.
    pub inputs: Vec<Input>,
    /// The files refused one by one, in upload order.
    pub rejected: Vec<Rejected>,
    /// Zip entries skipped without a word (hidden files, `__MACOSX`, folders).
    pub skipped: usize,
}

/// The extensions a batch takes, as the page lists them.
pub const ACCEPTED: &str = ".yaml、.yml、.xlsx、.xls、.ods、.csv 或 .zip";

/// Whether a name's extension (lower case) is a data file or a spreadsheet.
pub fn kind_of(ext: &str) -> Option<Kind> {
    match ext {
        "yaml" | "yml" => Some(Kind::Data),
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "csv" => Some(Kind::Sheet),
        _ => None,
    }
}

/// A file name from an upload or a zip entry, flattened: the last component (after `/`
/// or `\`), split into its stem (before the last dot) and lower-case extension. `None`
/// for no name at all (a folder entry `a/`).
pub fn split_name(raw: &str) -> Option<(String, String)> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    if last.is_empty() || last == "." || last == ".." {
        return None;
    }
    Some(match last.rfind('.') {
        Some(i) if i > 0 => (last[..i].to_string(), last[i + 1..].to_lowercase()),
        _ => (last.to_string(), String::new()),
    })
}

/// Whether a zip entry is one the writer never meant to send: a component starting with
/// `.` (`.DS_Store`, `._x.xlsx`, `.git/…`; not `.` or `..` themselves) or `__MACOSX`.
pub fn hidden_entry(raw: &str) -> bool {
    raw.split(['/', '\\'])
        .any(|c| c == "__MACOSX" || (c.starts_with('.') && c != "." && c != ".."))
}

impl Intake {
    /// An intake writing data files into `job/data/` and spreadsheets into `job/sheets/`
    /// (created when the first one arrives).
    pub fn new(job: &Path, limits: Limits) -> Self {
        Intake {
            data_dir: job.join("data"),
            sheet_dir: job.join("sheets"),
            limits,
            stems: HashSet::new(),
            expanded: 0,
            inputs: Vec::new(),
            rejected: Vec::new(),
            skipped: 0,
        }
    }

    /// The folder the data files are in (what `batch::run` is given).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Files counted against [`Limits::max_files`] so far.
    pub fn files(&self) -> usize {
        self.inputs.len() + self.rejected.len()
    }

    /// Take one uploaded file: a zip is opened, anything else taken as one file.
    ///
    /// # Errors
    /// A [`Refusal`] when a limit is passed (the caller drops the whole job).
    pub fn add(&mut self, raw_name: &str, bytes: &[u8]) -> Result<(), Refusal> {
        let Some((stem, ext)) = split_name(raw_name) else {
            return self.file_count(1).map(|_| {
                self.rejected.push(Rejected {
                    name: "（无文件名）".into(),
                    reason: "上传的文件没有文件名".into(),
                })
            });
        };
        if ext == "zip" {
            let name = self.display_name(&stem, &ext, false);
            return self.add_zip(&name, bytes);
        }
        self.file_count(1)?;
        self.charge(bytes.len() as u64)?;
        self.take(&stem, &ext, &mut Cursor::new(bytes)).map(|_| ())
    }

    /// The zip's files, one level deep.
    fn add_zip(&mut self, zip_name: &str, bytes: &[u8]) -> Result<(), Refusal> {
        // Entries counted from the raw bytes before the archive is parsed: the parser keeps
        // every central-directory entry in memory. A folder entry is one too, hence the slack.
        let headers = memchr::memmem::find_iter(bytes, b"PK\x01\x02").count();
        let max = self.limits.max_files;
        if headers > max.saturating_mul(2).saturating_add(64) {
            return Err(Refusal::TooLarge(format!(
                "压缩包 {zip_name} 中的条目太多（约 {headers} 个），一次批量最多 {max} 个文件"
            )));
        }
        let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => {
                self.file_count(1)?;
                self.rejected.push(Rejected {
                    name: zip_name.to_string(),
                    reason: format!("不是有效的 zip 压缩包，无法打开（{e}）"),
                });
                return Ok(());
            }
        };
        // First the declared sizes and the count, so an upload over a limit is refused before
        // anything is inflated.
        let mut declared: u64 = 0;
        let mut files = 0usize;
        for i in 0..zip.len() {
            let Ok(f) = zip.by_index_raw(i) else { continue };
            if f.is_dir() || hidden_entry(f.name()) {
                continue;
            }
            files += 1;
            declared = declared.saturating_add(f.size());
        }
        self.file_count(files)?;
        let left = self.limits.max_expanded.saturating_sub(self.expanded);
        if declared > left {
            return Err(self.too_big());
        }
        for i in 0..zip.len() {
            let (raw, dir, symlink, encrypted) = match zip.by_index_raw(i) {
                Ok(f) => (
                    f.name().to_string(),
                    f.is_dir(),
                    f.is_symlink(),
                    f.encrypted(),
                ),
                Err(_) => continue,
            };
            if dir || hidden_entry(&raw) {
                self.skipped += 1;
                continue;
            }
            let Some((stem, ext)) = split_name(&raw) else {
                self.skipped += 1;
                continue;
            };
            let refuse = |reason: &str| Some(reason.to_string());
            let reason = if ext == "zip" {
                refuse("压缩包中的压缩包不会被打开：请先解压，再上传其中的文件")
            } else if symlink {
                refuse("是符号链接，不会被打开")
            } else if encrypted {
                refuse("已加密，无法读取：请上传未加密的压缩包")
            } else if kind_of(&ext).is_none() {
                Some(format!("不支持的文件类型：应为 {ACCEPTED}"))
            } else {
                None
            };
            if let Some(reason) = reason {
                let name = self.display_name(&stem, &ext, true);
                self.rejected.push(Rejected { name, reason });
                continue;
            }
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    let name = self.display_name(&stem, &ext, true);
                    self.rejected.push(Rejected {
                        name,
                        reason: format!("无法解压（{e}）"),
                    });
                    continue;
                }
            };
            self.take(&stem, &ext, &mut entry)?;
        }
        Ok(())
    }

    /// Write one file read from `reader` (at most what is left of the expanded budget) as
    /// `stem.ext` made distinct; a file of no accepted kind is rejected instead.
    fn take(&mut self, stem: &str, ext: &str, reader: &mut dyn Read) -> Result<(), Refusal> {
        let Some(kind) = kind_of(ext) else {
            let name = self.display_name(stem, ext, true);
            self.rejected.push(Rejected {
                name,
                reason: format!("不支持的文件类型：应为 {ACCEPTED}"),
            });
            return Ok(());
        };
        let name = self.display_name(stem, ext, true);
        let stem = name
            .strip_suffix(&format!(".{ext}"))
            .unwrap_or(&name)
            .to_string();
        let dir = match kind {
            Kind::Data => &self.data_dir,
            Kind::Sheet => &self.sheet_dir,
        };
        let internal =
            |e: std::io::Error| Refusal::Internal(format!("无法写入批量任务的文件夹：{e}"));
        std::fs::create_dir_all(dir).map_err(internal)?;
        let path = dir.join(&name);
        let mut file = std::fs::File::create_new(&path).map_err(internal)?;
        // Zip entries are charged here, as they inflate (a top-level file was charged
        // before); one byte more than what is left shows the budget is passed.
        let left = self.limits.max_expanded.saturating_sub(self.expanded);
        let mut bounded = reader.take(left.saturating_add(1));
        let copied = std::io::copy(&mut bounded, &mut file);
        drop(file);
        match copied {
            Ok(n) if n > left => {
                let _ = std::fs::remove_file(&path);
                return Err(self.too_big());
            }
            Ok(n) => self.expanded += n,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                // A failed inflate (corrupt data, wrong checksum) is this file's failure; a
                // failed write is the server's.
                if e.kind() == std::io::ErrorKind::Other
                    || e.kind() == std::io::ErrorKind::InvalidData
                    || e.kind() == std::io::ErrorKind::UnexpectedEof
                {
                    self.rejected.push(Rejected {
                        name,
                        reason: format!("无法解压（{e}）"),
                    });
                    return Ok(());
                }
                return Err(internal(e));
            }
        }
        self.inputs.push(Input {
            name,
            stem,
            kind,
            path,
        });
        Ok(())
    }

    /// `safe_name(stem).ext`, with `-2`, `-3`, … added to the stem when `claim` and the
    /// stem is taken already (the name is then reserved).
    fn display_name(&mut self, stem: &str, ext: &str, claim: bool) -> String {
        let base = crate::safe_name(stem);
        let dotted = |s: &str| {
            if ext.is_empty() {
                s.to_string()
            } else {
                format!("{s}.{ext}")
            }
        };
        if !claim {
            return dotted(&base);
        }
        let mut stem = base.clone();
        let mut n = 2u64;
        while !self.stems.insert(crate::name_key(&stem)) {
            stem = format!("{base}-{n}");
            n += 1;
        }
        dotted(&stem)
    }

    /// Count `n` more files against the limit.
    fn file_count(&self, n: usize) -> Result<(), Refusal> {
        let max = self.limits.max_files;
        let total = self.files().saturating_add(n);
        if total > max {
            return Err(Refusal::TooLarge(format!(
                "文件太多：这次上传含 {total} 个文件，一次批量最多 {max} 个（--max-files）"
            )));
        }
        Ok(())
    }

    /// Charge `n` bytes of a top-level file against the expanded budget.
    fn charge(&mut self, n: u64) -> Result<(), Refusal> {
        if self.expanded.saturating_add(n) > self.limits.max_expanded {
            return Err(self.too_big());
        }
        Ok(())
    }

    fn too_big(&self) -> Refusal {
        Refusal::TooLarge(format!(
            "解压后的总大小超过上限 {}（上传大小上限的 8 倍）：请分几次上传",
            size(self.limits.max_expanded)
        ))
    }
}

/// `n` bytes as whole MiB when it is a whole number of them (limits are), else
/// [`crate::fsio::human_size`].
pub fn size(n: u64) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else {
        crate::fsio::human_size(n)
    }
}

/// A zip of `entries` (a name ending in `/` is a folder), for tests.
#[cfg(test)]
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        if name.ends_with('/') {
            z.add_directory(*name, opts).unwrap();
        } else {
            z.start_file(*name, opts).unwrap();
            z.write_all(bytes).unwrap();
        }
    }
    z.finish().unwrap().into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_files: 10,
            max_expanded: 1 << 20,
        }
    }

    fn names(i: &Intake) -> Vec<&str> {
        i.inputs.iter().map(|x| x.name.as_str()).collect()
    }

    #[test]
    fn names_are_flattened_and_distinct() {
        let dir = tempfile::tempdir().unwrap();
        let mut i = Intake::new(dir.path(), limits());
        i.add("../x.yaml", b"a").unwrap();
        i.add("/etc/x.YAML", b"b").unwrap();
        i.add("C:\\dir\\..\\X.xlsx", b"c").unwrap();
        i.add("con.yml", b"d").unwrap();
        assert_eq!(names(&i), ["x.yaml", "x-2.yaml", "X-3.xlsx", "con_.yml"]);
        assert_eq!(i.inputs[2].kind, Kind::Sheet);
        assert_eq!(i.inputs[2].stem, "X-3");
        assert_eq!(
            std::fs::read(dir.path().join("data/x-2.yaml")).unwrap(),
            b"b"
        );
        assert_eq!(
            std::fs::read(dir.path().join("sheets/X-3.xlsx")).unwrap(),
            b"c"
        );
        // Nothing outside the job's folders.
        let mut all: Vec<_> = walk(dir.path());
        all.sort();
        assert_eq!(all.len(), 4);
    }

    fn walk(d: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn zips_are_opened_one_level_and_hidden_entries_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut i = Intake::new(dir.path(), limits());
        let inner = zip_of(&[("a.yaml", b"x")]);
        let z = zip_of(&[
            ("东城/", b""),
            ("东城/a.yaml", b"1"),
            ("西城/a.yaml", b"2"),
            ("__MACOSX/东城/._a.yaml", b"junk"),
            (".DS_Store", b"junk"),
            ("inner.zip", &inner),
            ("readme.txt", b"hi"),
            ("..\\..\\evil.csv", b"3"),
        ]);
        i.add("上传.zip", &z).unwrap();
        assert_eq!(names(&i), ["a.yaml", "a-2.yaml", "evil.csv"]);
        assert_eq!(
            i.rejected,
            [
                Rejected {
                    name: "inner.zip".into(),
                    reason: "压缩包中的压缩包不会被打开：请先解压，再上传其中的文件".into()
                },
                Rejected {
                    name: "readme.txt".into(),
                    reason: format!("不支持的文件类型：应为 {ACCEPTED}")
                },
            ]
        );
        assert_eq!(i.skipped, 3);
        assert_eq!(walk(dir.path()).len(), 3);
    }

    #[test]
    fn a_zip_bomb_is_refused_before_much_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut i = Intake::new(dir.path(), limits());
        let zeros = vec![0u8; 3 << 20];
        let z = zip_of(&[("a.yaml", &zeros)]);
        assert!(z.len() < 64 << 10);
        let err = i.add("bomb.zip", &z).unwrap_err();
        assert_eq!(
            err,
            Refusal::TooLarge(
                "解压后的总大小超过上限 1 MiB（上传大小上限的 8 倍）：请分几次上传".into()
            )
        );
        assert!(walk(dir.path()).is_empty());
    }

    #[test]
    fn declared_sizes_that_lie_are_caught_while_inflating() {
        // 3 MiB of zeros declared as 10 bytes, in the local and the central header.
        let dir = tempfile::tempdir().unwrap();
        let mut z = zip_of(&[("a.yaml", &vec![0u8; 3 << 20])]);
        let mut patched = 0;
        for (sig, at) in [(&b"PK\x03\x04"[..], 22), (&b"PK\x01\x02"[..], 24)] {
            let i = memchr::memmem::find(&z, sig).unwrap();
            z[i + at..i + at + 4].copy_from_slice(&10u32.to_le_bytes());
            patched += 1;
        }
        assert_eq!(patched, 2);
        let mut i = Intake::new(dir.path(), limits());
        match i.add("liar.zip", &z) {
            Err(Refusal::TooLarge(_)) => {}
            // Read only as far as declared, or refused as corrupt: never past the budget.
            Ok(()) => assert!(walk(dir.path())
                .iter()
                .all(|p| std::fs::metadata(p).unwrap().len() <= 10)),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn entries_over_the_budget_together_are_refused() {
        // Several entries, each under the budget on its own, over it together.
        let dir = tempfile::tempdir().unwrap();
        let mut i = Intake::new(dir.path(), limits());
        let part = vec![b'a'; 400 << 10];
        let z = zip_of(&[("a.yaml", &part), ("b.yaml", &part), ("c.yaml", &part)]);
        assert!(matches!(i.add("z.zip", &z), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn too_many_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut i = Intake::new(dir.path(), limits());
        let names: Vec<String> = (0..11).map(|k| format!("{k}.yaml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let err = i.add("many.zip", &zip_of(&entries)).unwrap_err();
        assert_eq!(
            err,
            Refusal::TooLarge(
                "文件太多：这次上传含 11 个文件，一次批量最多 10 个（--max-files）".into()
            )
        );
        // Top-level files count too.
        let mut i = Intake::new(dir.path(), limits());
        for k in 0..10 {
            i.add(&format!("{k}.csv"), b"x").unwrap();
        }
        assert!(matches!(i.add("x.yaml", b"x"), Err(Refusal::TooLarge(_))));
    }

    #[test]
    fn a_broken_zip_is_one_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mut i = Intake::new(dir.path(), limits());
        i.add("坏.zip", b"PK\x03\x04 not really").unwrap();
        i.add("ok.yaml", b"x").unwrap();
        assert_eq!(i.rejected.len(), 1);
        assert_eq!(i.rejected[0].name, "坏.zip");
        assert!(i.rejected[0].reason.starts_with("不是有效的 zip 压缩包"));
        assert_eq!(names(&i), ["ok.yaml"]);
    }
}
