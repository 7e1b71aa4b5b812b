//! Running one batch job: spreadsheets imported with the chosen pack (as `diaoyan import`),
//! then every data file rendered by [`crate::batch::run`] (as `diaoyan batch`), the progress
//! told to a shared state as each file finishes, and every failure kept with its problems.
//! One bad file never stops the others. Paths in what the writer sees are the names the
//! files were uploaded under, never the server's folders.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::intake::{Intake, Kind};
use crate::error::{Diagnostic, Error};
use crate::render::pdf::FontSet;

/// A file that gave no report.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The name it was uploaded under (flattened and made distinct), e.g. `东城区.xlsx`.
    pub file: String,
    /// The first line of the error, as the CLI's batch summary prints it after `失败：`.
    pub error: String,
    /// Every problem, with file (the uploaded name), line, column, unit and field as the
    /// CLI reports them; for an error that is not about the data (a template, a backend),
    /// one problem without a file holding the whole text.
    pub problems: Vec<Diagnostic>,
}

/// How far a job is; shared between the worker and the status requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Files in the job (each gives one report or one failure).
    pub total: usize,
    /// Files finished (rendered or failed).
    pub done: usize,
    /// Reports rendered.
    pub ok: usize,
    /// Failures so far, sorted by file name once the job is done.
    pub failures: Vec<Failure>,
    /// Whether the job has finished (the results zip is written, or could not be).
    pub finished: bool,
    /// The results zip, once written.
    pub zip: Option<PathBuf>,
    /// A failure of the job as a whole (the results zip could not be written), in Chinese.
    pub error: Option<String>,
}

/// What a job needs besides its files.
pub struct Work<'a> {
    /// The job's folder (`WORKSPACE/.batch/<id>`); the intake wrote under it.
    pub dir: &'a Path,
    /// The workspace (paths under it are shown relative to it).
    pub workspace: &'a Path,
    /// The pack spreadsheets are imported with: a built-in pack's name or a pack folder
    /// (as `import --template`); `None` when no spreadsheet was uploaded.
    pub pack: Option<String>,
    /// The folder of workspace packs, looked in first for every data file's `template:`
    /// (as `render --template`), when it holds packs.
    pub template_dir: Option<PathBuf>,
    /// Worker threads for the renders.
    pub threads: usize,
    /// The fonts (as the CLI's `--font-dir`/`--no-system-fonts` give them).
    pub fonts: &'a FontSet,
}

/// The file name of the results zip in the job's folder.
pub const ZIP: &str = "reports.zip";

/// The failure list's name in the results zip.
pub const FAILURE_LIST: &str = "失败清单.txt";

/// How paths are shown: the job's files by their uploaded names, the workspace's relative
/// to it, anything else by its file name only.
struct Places {
    job: PathBuf,
    workspace: PathBuf,
    names: HashMap<PathBuf, String>,
}

impl Places {
    fn file(&self, p: &Path) -> PathBuf {
        if p.as_os_str().is_empty() {
            return PathBuf::new();
        }
        if let Some(n) = self.names.get(p) {
            return PathBuf::from(n);
        }
        let name = || PathBuf::from(p.file_name().unwrap_or_default());
        if p.starts_with(&self.job) {
            return name();
        }
        if let Ok(rel) = p.strip_prefix(&self.workspace) {
            return rel.to_path_buf();
        }
        if p.is_absolute() {
            return name();
        }
        p.to_path_buf()
    }

    /// `s` with the server's folders taken out of it.
    fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (dir, sub) in [
            (&self.job, "data"),
            (&self.job, "sheets"),
            (&self.job, "out"),
            (&self.job, ""),
            (&self.workspace, ""),
        ] {
            let prefix = if sub.is_empty() {
                dir.clone()
            } else {
                dir.join(sub)
            };
            let prefix = format!("{}{}", prefix.display(), std::path::MAIN_SEPARATOR);
            out = out.replace(&prefix, "");
        }
        out
    }

    fn diagnostic(&self, mut d: Diagnostic) -> Diagnostic {
        d.file = self.file(&d.file);
        d.message = self.text(&d.message);
        d
    }

    /// The failure of `file` with `error`.
    fn failure(&self, file: &str, error: Error) -> Failure {
        let problems: Vec<Diagnostic> = match error {
            Error::Input(ds) => ds.into_iter().map(|d| self.diagnostic(d)).collect(),
            Error::Io { path, source } => vec![self.diagnostic(Diagnostic::new(
                path,
                format!("无法读写文件：{}", crate::fsio::io_reason(&source)),
            ))],
            other => vec![Diagnostic::new(
                PathBuf::new(),
                self.text(&other.to_string()),
            )],
        };
        let text = Error::Input(problems.clone()).to_string();
        Failure {
            file: file.to_string(),
            error: text.lines().next().unwrap_or("").to_string(),
            problems,
        }
    }
}

/// Run the job whose files `intake` took in: `progress.total` is set first, then `done`
/// grows as each file finishes; at the end the results zip is written into `work.dir`
/// and `finished` set. Never panics on the data; a file's failure is recorded and the
/// others go on.
pub fn run(work: &Work, intake: Intake, progress: &Mutex<Progress>) {
    let update = |f: &mut dyn FnMut(&mut Progress)| {
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut p);
    };
    let mut places = Places {
        job: work.dir.to_path_buf(),
        workspace: work.workspace.to_path_buf(),
        names: HashMap::new(),
    };
    // data/<stem>.yaml → the name uploaded (`x.yaml`, or `x.xlsx` for an imported one).
    let mut uploaded: HashMap<PathBuf, String> = HashMap::new();
    let data_dir = intake.data_dir().to_path_buf();
    for input in &intake.inputs {
        places.names.insert(input.path.clone(), input.name.clone());
        uploaded.insert(
            data_dir.join(format!("{}.yaml", input.stem)),
            input.name.clone(),
        );
    }
    update(&mut |p| p.total = intake.files());
    for r in &intake.rejected {
        let failure = Failure {
            file: r.name.clone(),
            error: format!("{}: {}", r.name, r.reason),
            problems: vec![Diagnostic::new(&r.name, &r.reason)],
        };
        update(&mut |p| {
            p.failures.push(failure.clone());
            p.done += 1;
        });
    }
    // Spreadsheets first, each into data/<stem>.yaml.
    let mut data_files = 0usize;
    for input in &intake.inputs {
        if input.kind == Kind::Data {
            if let Some(d) = outside_reference(&input.path, &input.name) {
                // Not rendered: out of the folder `batch::run` walks.
                let _ = std::fs::remove_file(&input.path);
                let failure = places.failure(&input.name, Error::input(d));
                update(&mut |p| {
                    p.failures.push(failure.clone());
                    p.done += 1;
                });
            } else {
                data_files += 1;
            }
            continue;
        }
        let failed = match &work.pack {
            None => Some(Error::input(Diagnostic::new(
                &input.path,
                "上传表格时需要选择模板：表格按所选模板导入为数据文件",
            ))),
            Some(pack) => {
                let req = crate::workflow::ImportRequest {
                    file: input.path.clone(),
                    template: pack.clone(),
                    output: Some(data_dir.join(format!("{}.yaml", input.stem))),
                    into: None,
                    force: true,
                };
                crate::workflow::Import::prepare(&req)
                    .and_then(|i| i.write())
                    .err()
            }
        };
        match failed {
            Some(e) => {
                let failure = places.failure(&input.name, e);
                update(&mut |p| {
                    p.failures.push(failure.clone());
                    p.done += 1;
                });
            }
            None => data_files += 1,
        }
    }
    let base = progress.lock().map(|p| p.done).unwrap_or_default();
    let out_dir = work.dir.join("out");
    let mut reports: Vec<PathBuf> = Vec::new();
    if data_files > 0 {
        let opts = crate::batch::Options {
            inputs: vec![data_dir.clone()],
            output: out_dir.clone(),
            jobs: work.threads.max(1),
            formats: vec![crate::Format::Docx, crate::Format::Pdf],
            split_by: None,
            shard: None,
            template: work.template_dir.clone(),
            allow_missing_glyphs: false,
        };
        let tell = |k: usize, _: &crate::batch::Outcome| {
            let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
            p.done = p.done.max(base + k);
        };
        let label_of = |label: &str| {
            uploaded
                .get(Path::new(label))
                .cloned()
                .unwrap_or_else(|| places.file(Path::new(label)).display().to_string())
        };
        match crate::batch::run(&opts, work.fonts, &tell) {
            Ok(summary) => {
                for o in summary.outcomes {
                    let file = label_of(&o.label);
                    match o.result {
                        Ok(paths) => {
                            reports.extend(paths);
                            update(&mut |p| p.ok += 1);
                        }
                        Err(e) => {
                            let failure = places.failure(&file, e);
                            update(&mut |p| p.failures.push(failure.clone()));
                        }
                    }
                }
            }
            Err(e) => {
                // The run as a whole failed: every data file is told so.
                let text = places.text(&e.to_string());
                for (path, name) in &uploaded {
                    if path.is_file() {
                        let failure = places.failure(name, Error::render(text.clone()));
                        update(&mut |p| p.failures.push(failure.clone()));
                    }
                }
            }
        }
    }
    update(&mut |p| {
        p.done = p.total;
        p.failures.sort_by(|a, b| a.file.cmp(&b.file));
    });
    let summary = progress
        .lock()
        .map(|p| failure_list(p.ok, &p.failures, reports.len()))
        .unwrap_or_default();
    let zip = work.dir.join(ZIP);
    let written = super::results::write_zip(&zip, &reports, &summary);
    update(&mut |p| {
        match &written {
            Ok(()) => p.zip = Some(zip.clone()),
            Err(e) => p.error = Some(format!("无法写出报告压缩包：{e}")),
        }
        p.finished = true;
    });
}

/// `失败清单.txt`: first exactly what `diaoyan batch` prints at its end (the counts, then
/// `  失败：FILE：first line` for each failure), then each failure's every problem in full
/// (as the CLI prints an error, with its source lines). Ends in a newline.
pub fn failure_list(ok: usize, failures: &[Failure], files: usize) -> String {
    let mut out = format!(
        "完成 {ok} 份报告，失败 {} 份，写出 {files} 个文件\n",
        failures.len()
    );
    for f in failures {
        out.push_str(&format!("  失败：{}：{}\n", f.file, f.error));
    }
    if !failures.is_empty() {
        out.push_str("\n问题详情\n");
        for f in failures {
            out.push_str(&format!("\n【{}】\n", f.file));
            out.push_str(&Error::Input(f.problems.clone()).to_string());
            out.push('\n');
        }
    }
    out
}

/// A data file whose `previous:` or `template:` points outside the files uploaded with it
/// (an absolute path, a folder, `..`): refused in a batch, whose files live in a folder of
/// the server — the CLI reads such paths on the writer's own machine, the server must not
/// open its own files for whoever uploads. `previous: 2018.yaml` (a file uploaded in the
/// same batch) and a pack's name are kept. A file that is no YAML mapping is left to the
/// loader's own messages.
fn outside_reference(path: &Path, name: &str) -> Option<Diagnostic> {
    use serde_yaml::Value;
    let text = crate::survey::read_text(path).ok()?;
    let doc: Value = serde_yaml::from_str(&text).ok()?;
    let line_of = |key: &str| {
        text.lines()
            .position(|l| l.starts_with(&format!("{key}:")))
            .map(|i| i + 1)
    };
    let bad = |key: &str, v: &str| {
        let mut d = Diagnostic::new(
            name,
            format!(
                "“{key}: {}”指向上传的文件以外的位置；批量处理只读取一起上传的文件：\
                 上一期数据请一起上传并只写文件名，模板请写模板名称",
                crate::excerpt::quote(v)
            ),
        )
        .field(key);
        if let Some(line) = line_of(key) {
            d = d.at(Some(line), Some(1));
            d.set_source(text.lines().nth(line - 1));
        }
        Some(d)
    };
    let escapes = |v: &str| {
        v.contains(['/', '\\'])
            || v.starts_with('.')
            || Path::new(v).is_absolute()
            || v.contains(':')
    };
    if let Some(Value::String(v)) = doc.get("previous") {
        if escapes(v) {
            return bad("previous", v);
        }
    }
    if let Some(Value::String(v)) = doc.get("template") {
        if escapes(v) {
            return bad("template", v);
        }
    }
    None
}
