//! A project's data file checked and its PDF rendered once per version, kept in a small
//! cache ([`Previews`]): `GET /api/projects/{id}` (its problems), the preview and the
//! preview PDF all use the same render.
//!
//! The render runs from the bytes read once (their hash is the version), through the same
//! functions as `diaoyan check`/`render` (`survey::load_bytes` = `survey::load` of those
//! bytes, then `build_from`, `render_formats`), so its verdict and its PDF are the CLI's.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::render::pdf::FontSet;
use crate::{Diagnostic, Error, Format, MissingGlyphs, Rendered, Report};

use super::Problem;

/// What one render of one version of a data file gave.
#[derive(Debug)]
pub struct Checked {
    /// The version rendered.
    pub version: String,
    /// The PDF, when the data file renders.
    pub pdf: Option<Arc<Vec<u8>>>,
    /// Why it does not, when it does not (paths relative to the workspace).
    pub problems: Vec<Problem>,
    /// Warnings of a successful render.
    pub warnings: Vec<Problem>,
    /// The report's file name stem (`output_name`), when the data loads.
    pub name: Option<String>,
    /// How many units, when the data loads.
    pub units: Option<usize>,
    /// The pack's unit label (`社区`), when the pack loads.
    pub unit_label: Option<String>,
    /// Whether the data file loads (so the filled workbook can be exported).
    pub loads: bool,
    /// How long the render took on the server, in milliseconds.
    pub server_ms: u64,
}

/// The report built from `bytes` (named `path` in messages) as [`crate::build`] builds it
/// from the file: load, compose, parse; with the pack's unit label.
///
/// # Errors
/// As [`crate::build`].
pub fn build_bytes(
    path: &Path,
    bytes: &[u8],
    template_dir: Option<&Path>,
) -> crate::Result<(Report, String)> {
    let (survey, pack) = crate::survey::load_bytes(path, bytes, template_dir)?;
    let composer = crate::compose::Composer::new(&pack)?;
    let mut report = crate::build_from(&survey, &pack.schema, &composer)?;
    report.inputs.extend(crate::pack_files(&pack));
    Ok((report, pack.schema.unit_label.clone()))
}

/// [`crate::prepare`] of `bytes` (named `path`): the report and its `formats` in memory.
///
/// # Errors
/// As [`crate::prepare`].
pub fn prepare_bytes(
    path: &Path,
    bytes: &[u8],
    template_dir: Option<&Path>,
    formats: &[Format],
    fonts: &FontSet,
    glyphs: MissingGlyphs,
) -> crate::Result<(Report, Rendered)> {
    let (report, _) = build_bytes(path, bytes, template_dir)?;
    let rendered = crate::render_formats(&report, formats, fonts, glyphs)?;
    Ok((report, rendered))
}

/// Check `bytes` (version `version`, the data file `path`) and render its PDF.
pub fn check(
    path: &Path,
    bytes: &[u8],
    version: String,
    template_dir: Option<&Path>,
    fonts: &FontSet,
    glyphs: MissingGlyphs,
    workspace: &Path,
) -> Checked {
    let t = std::time::Instant::now();
    let mut out = Checked {
        version,
        pdf: None,
        problems: Vec::new(),
        warnings: Vec::new(),
        name: None,
        units: None,
        unit_label: None,
        loads: false,
        server_ms: 0,
    };
    let problems = |e: &Error| Problem::from_error(e, workspace);
    match build_bytes(path, bytes, template_dir) {
        Err(e) => {
            out.problems = problems(&e);
            // Loads but does not compose (a template error): the workbook still exports.
            out.loads = crate::survey::load_bytes(path, bytes, template_dir).is_ok();
        }
        Ok((report, unit_label)) => {
            out.loads = true;
            out.name = Some(report.name.clone());
            out.units = Some(report.units.len());
            out.unit_label = Some(unit_label);
            match crate::render_formats(&report, &[Format::Pdf], fonts, glyphs) {
                Err(e) => out.problems = problems(&e),
                Ok(mut r) => {
                    out.warnings = r
                        .warnings
                        .iter()
                        .map(|d: &Diagnostic| Problem::from_diagnostic(d, workspace))
                        .collect();
                    out.pdf = r.outputs.pop().map(|(_, b)| Arc::new(b));
                }
            }
        }
    }
    out.server_ms = t.elapsed().as_millis() as u64;
    out
}

/// The cache of recent renders: at most [`Previews::PER_PROJECT`] versions per project and
/// [`Previews::TOTAL`] entries in all, the least recently used dropped first.
#[derive(Default)]
pub struct Previews {
    entries: Mutex<VecDeque<Entry>>,
    /// Renders under way, by project and key: a request for a version already being
    /// rendered waits for that render instead of starting another (issue 19, attacker F7:
    /// a render past the time limit went on while each reopening started a new one).
    running: Mutex<std::collections::HashMap<(String, String), Running>>,
}

/// A render under way: its result, once there is one.
pub type Running = tokio::sync::watch::Receiver<Option<Arc<Checked>>>;

struct Entry {
    project: String,
    key: String,
    checked: Arc<Checked>,
}

impl Previews {
    /// Versions kept per project.
    pub const PER_PROJECT: usize = 2;
    /// Entries kept in all.
    pub const TOTAL: usize = 64;

    /// The render of `project` under `key` (version and pack stamp), if kept; it becomes
    /// the most recently used.
    pub fn get(&self, project: &str, key: &str) -> Option<Arc<Checked>> {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let i = e
            .iter()
            .position(|x| x.project == project && x.key == key)?;
        let entry = e.remove(i)?;
        let c = entry.checked.clone();
        e.push_back(entry);
        Some(c)
    }

    /// The PDF of `project` at `version` (any pack stamp), if kept.
    pub fn pdf(&self, project: &str, version: &str) -> Option<Arc<Vec<u8>>> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.iter()
            .rev()
            .filter(|x| x.project == project && x.checked.version == version)
            .find_map(|x| x.checked.pdf.clone())
    }

    /// Keep `checked` for `project` under `key`.
    pub fn put(&self, project: &str, key: &str, checked: Arc<Checked>) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.retain(|x| !(x.project == project && x.key == key));
        e.push_back(Entry {
            project: project.to_string(),
            key: key.to_string(),
            checked,
        });
        while e.iter().filter(|x| x.project == project).count() > Self::PER_PROJECT {
            if let Some(i) = e.iter().position(|x| x.project == project) {
                e.remove(i);
            }
        }
        while e.len() > Self::TOTAL {
            e.pop_front();
        }
    }

    /// The render of `project` under `key` under way, or `None` after registering `start`'s
    /// as under way (the caller must then run it and call [`Previews::finish`]).
    pub fn join_or_start(
        &self,
        project: &str,
        key: &str,
        start: impl FnOnce() -> Running,
    ) -> Option<Running> {
        let mut r = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let k = (project.to_string(), key.to_string());
        if let Some(rx) = r.get(&k) {
            return Some(rx.clone());
        }
        r.insert(k, start());
        None
    }

    /// The render of `project` under `key` is done: keep it and stop listing it as under
    /// way.
    pub fn finish(&self, project: &str, key: &str, checked: Arc<Checked>) {
        self.put(project, key, checked);
        let mut r = self.running.lock().unwrap_or_else(|p| p.into_inner());
        r.remove(&(project.to_string(), key.to_string()));
    }

    /// A [`Checked`] standing for a render that did not finish in time: no PDF, one
    /// problem saying so (the render goes on; its result is kept when it ends).
    pub fn timed_out(version: &str, limit: std::time::Duration) -> Checked {
        Checked {
            version: version.to_string(),
            pdf: None,
            problems: vec![Problem::message(format!(
                "生成超时（超过 {} 秒）：报告仍在后台生成，稍后刷新即可看到结果；数据量过大时请减少单位数或拆分文件",
                limit.as_secs()
            ))],
            warnings: Vec::new(),
            name: None,
            units: None,
            unit_label: None,
            loads: false,
            server_ms: limit.as_millis() as u64,
        }
    }

    /// Forget every render of `project`.
    pub fn forget(&self, project: &str) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.retain(|x| x.project != project);
    }

    /// How many renders are kept.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A stamp of the workspace's template packs (each file's path, size and modification
/// time, one level under each pack): a render cached under one stamp is not reused once a
/// workspace pack changed.
pub fn packs_stamp(templates: Option<&Path>) -> String {
    let Some(dir) = templates else {
        return String::new();
    };
    let mut parts: Vec<(PathBuf, u64, u128)> = Vec::new();
    let walk = |d: &Path, depth: usize, parts: &mut Vec<(PathBuf, u64, u128)>| {
        let Ok(rd) = std::fs::read_dir(d) else {
            return Vec::new();
        };
        let mut sub = Vec::new();
        for ent in rd.flatten().take(10_000) {
            let Ok(md) = ent.metadata() else { continue };
            if md.is_dir() && depth == 0 {
                sub.push(ent.path());
            } else if md.is_file() {
                let mtime = md
                    .modified()
                    .ok()
                    .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                parts.push((ent.path(), md.len(), mtime));
            }
        }
        sub
    };
    for sub in walk(dir, 0, &mut parts) {
        walk(&sub, 1, &mut parts);
    }
    parts.sort();
    let text = format!("{parts:?}");
    super::projects::version_of(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(v: &str) -> Arc<Checked> {
        Arc::new(Checked {
            version: v.to_string(),
            pdf: Some(Arc::new(v.as_bytes().to_vec())),
            problems: Vec::new(),
            warnings: Vec::new(),
            name: None,
            units: None,
            unit_label: None,
            loads: true,
            server_ms: 0,
        })
    }

    #[test]
    fn the_cache_keeps_two_versions_per_project_and_64_in_all() {
        let c = Previews::default();
        for v in ["v1", "v2", "v3"] {
            c.put("p", v, checked(v));
        }
        assert!(c.get("p", "v1").is_none());
        assert_eq!(c.pdf("p", "v3").unwrap().as_slice(), b"v3");
        assert_eq!(c.len(), 2);
        for i in 0..100 {
            c.put(&format!("q{i}"), "v", checked("v"));
        }
        assert_eq!(c.len(), Previews::TOTAL);
        assert!(c.get("q99", "v").is_some());
        assert!(c.get("q0", "v").is_none());
        c.forget("q99");
        assert!(c.get("q99", "v").is_none());
    }
}
