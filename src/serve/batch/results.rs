//! The results zip of a batch job: every report's DOCX and PDF and the failure list, in
//! name order, with fixed timestamps and permissions, so the same reports give the same
//! bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Write `path` (atomically: a temporary file beside it, then a rename) as a zip of the
/// `reports` files under their own names plus [`super::runner::FAILURE_LIST`] holding
/// `failure_list`; entries sorted by name. DOCX and PDF are stored (already compressed),
/// the text deflated. Streamed from the files: memory does not grow with the reports.
///
/// # Errors
/// The I/O or zip error, as text (no path of the server in it).
pub fn write_zip(path: &Path, reports: &[PathBuf], failure_list: &str) -> Result<(), String> {
    let mut entries: Vec<(String, Option<&Path>)> = reports
        .iter()
        .filter_map(|p| {
            Some((
                p.file_name()?.to_string_lossy().into_owned(),
                Some(p.as_path()),
            ))
        })
        .collect();
    entries.push((super::runner::FAILURE_LIST.to_string(), None));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|a, b| a.0 == b.0);
    let tmp = path.with_extension("zip.tmp");
    let build = || -> Result<(), String> {
        let file = std::fs::File::create(&tmp).map_err(|e| crate::fsio::io_reason(&e))?;
        let mut zip = ZipWriter::new(std::io::BufWriter::new(file));
        let base = SimpleFileOptions::default()
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644);
        for (name, source) in &entries {
            match source {
                Some(p) => {
                    let mut f = std::fs::File::open(p).map_err(|e| crate::fsio::io_reason(&e))?;
                    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                    let opts = base
                        .compression_method(CompressionMethod::Stored)
                        .large_file(len >= u32::MAX as u64);
                    zip.start_file(name.as_str(), opts)
                        .map_err(|e| e.to_string())?;
                    std::io::copy(&mut f, &mut zip).map_err(|e| crate::fsio::io_reason(&e))?;
                }
                None => {
                    let opts = base.compression_method(CompressionMethod::Deflated);
                    zip.start_file(name.as_str(), opts)
                        .map_err(|e| e.to_string())?;
                    zip.write_all(failure_list.as_bytes())
                        .map_err(|e| crate::fsio::io_reason(&e))?;
                }
            }
        }
        let mut out = zip.finish().map_err(|e| e.to_string())?;
        out.flush().map_err(|e| crate::fsio::io_reason(&e))?;
        Ok(())
    };
    let result =
        build().and_then(|()| std::fs::rename(&tmp, path).map_err(|e| crate::fsio::io_reason(&e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_reports_same_bytes_sorted_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("乙.pdf");
        let b = dir.path().join("甲.docx");
        std::fs::write(&a, b"%PDF-1").unwrap();
        std::fs::write(&b, b"PK..").unwrap();
        let z1 = dir.path().join("1.zip");
        let z2 = dir.path().join("2.zip");
        write_zip(&z1, &[a.clone(), b.clone()], "完成 2 份报告\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write_zip(&z2, &[b, a], "完成 2 份报告\n").unwrap();
        let (x, y) = (std::fs::read(&z1).unwrap(), std::fs::read(&z2).unwrap());
        assert_eq!(x, y);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(x)).unwrap();
        let names: Vec<&str> = zip.file_names().collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), 3);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("失败清单.txt").unwrap(), &mut text)
            .unwrap();
        assert_eq!(text, "完成 2 份报告\n");
    }
}
