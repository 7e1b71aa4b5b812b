//! The everyday-workflow commands as library calls: choose a template pack from a
//! `--template` argument, write a data file to fill (`init`), read a spreadsheet into a data
//! file (`import`), write a data file to a workbook (`export`), print the statistics
//! (`stats`). Each returns what it did; printing is the command line's.
//!
//! Every user file is read through [`crate::fsio`] and decoded as `check` decodes it
//! ([`survey::read_text`]: UTF-8, a GBK data file refused with its place), a spreadsheet
//! through [`crate::sheet`] (CSV in UTF-8 or GBK/GB 18030): nothing on this path decodes
//! lossily.

use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::{stats, survey};

/// The pack a `--template` argument names: a pack folder (an argument holding `/` or `\`,
/// or a folder with a `template.yaml`), else a pack name (`./templates/<name>`, then the
/// built-in packs). Without an argument, the only pack there is.
///
/// # Errors
/// [`Error::Input`] naming the folder when it does not exist, is not a folder or holds no
/// `template.yaml` (never a silent fall-back to a built-in pack); naming `--template` when
/// no pack has that name, or when there is more than one pack and none was named.
pub fn choose_pack(arg: Option<&str>) -> Result<survey::Pack> {
    match arg {
        Some(a) if a.contains(['/', '\\']) || Path::new(a).join("template.yaml").exists() => {
            let dir = Path::new(a);
            if !dir.join("template.yaml").exists() {
                let why = if !dir.exists() {
                    "不存在"
                } else if !dir.is_dir() {
                    "不是文件夹"
                } else {
                    "不是模板包（缺少 template.yaml）"
                };
                return Err(Error::input(Diagnostic::new(
                    dir,
                    format!("--template 指定的模板包文件夹{why}"),
                )));
            }
            survey::Pack::from_dir(dir)
        }
        Some(a) => survey::Pack::resolve(a, None, Path::new("--template")),
        None => {
            let all = survey::list(None);
            match all.as_slice() {
                [only] => survey::Pack::resolve(&only.name, None, Path::new("--template")),
                _ => {
                    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
                    Err(Error::input(Diagnostic::new(
                        "--template",
                        format!("请用 --template 指定模板（可用：{}）", names.join("、")),
                    )))
                }
            }
        }
    }
}

/// Refuse to replace `path` unless `force`.
///
/// # Errors
/// [`Error::Input`] naming `path` when it exists and `force` is false.
pub fn refuse_overwrite(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::input(Diagnostic::new(
            path,
            "文件已存在，未覆盖（确需覆盖请加 --force）",
        )));
    }
    Ok(())
}

/// `init`: write `file` (default `survey.yaml`), a data file to fill for the pack
/// `template` names ([`choose_pack`]); returns the path written.
///
/// # Errors
/// The pack's errors; [`Error::Input`] when `file` exists and `force` is false; an
/// [`Error::Io`] when it cannot be written.
pub fn init_data_file(
    file: Option<PathBuf>,
    template: Option<&str>,
    force: bool,
) -> Result<PathBuf> {
    let pack = choose_pack(template)?;
    let file = file.unwrap_or_else(|| PathBuf::from("survey.yaml"));
    refuse_overwrite(&file, force)?;
    // The `template:` line `check` resolves to this same pack from the file's folder: the
    // name when it finds the pack there, else the pack folder's relative path.
    let reference = pack.reference_from(&file);
    let text = survey::skeleton::data_file_naming(&pack, &reference);
    crate::write::write_file(&file, text.as_bytes())?;
    Ok(file)
}

/// `templates`: every pack found, with a folder given by `--template` looked in as well.
///
/// # Errors
/// [`Error::Input`] naming `dir` when it does not exist or is not a folder (not a silent
/// listing without it).
pub fn list_packs(dir: Option<&Path>) -> Result<Vec<survey::PackInfo>> {
    if let Some(d) = dir.filter(|d| !d.is_dir()) {
        let why = if d.exists() {
            "不是文件夹"
        } else {
            "不存在"
        };
        return Err(Error::input(Diagnostic::new(
            d,
            format!("--template 指定的模板包文件夹{why}"),
        )));
    }
    Ok(survey::list(dir))
}

/// What `import` reads and where it writes.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The spreadsheet: xlsx, xls, ods, or CSV (UTF-8, or GBK/GB 18030 as Excel saves it).
    pub file: PathBuf,
    /// The template pack: a name or a pack folder ([`choose_pack`]).
    pub template: String,
    /// The data file to write; default: `into`, else the spreadsheet's path with `.yaml`.
    pub output: Option<PathBuf>,
    /// An existing data file whose units (and tables) are replaced, keeping everything else
    /// and its comments; written back to unless `output` is given.
    pub into: Option<PathBuf>,
    /// Replace `output` if it exists (a file imported into is always replaced).
    pub force: bool,
}

/// A spreadsheet imported in memory, checked as `check` would, ready to be written.
#[derive(Debug)]
pub struct Import {
    /// Where [`Import::write`] writes.
    pub output: PathBuf,
    /// The data file's text (UTF-8 YAML).
    pub text: String,
    /// How many units were read.
    pub units: usize,
    /// What the pack calls a unit (`社区`).
    pub unit_label: String,
    /// What was done that the writer should know ([`crate::Severity::Note`]): skipped 合计
    /// rows, hidden rows, …
    pub notes: Vec<Diagnostic>,
}

impl Import {
    /// `import` short of writing: choose the pack, read `into` as `check` reads a data file,
    /// refuse an existing output unless `force`, read and check the spreadsheet.
    ///
    /// # Errors
    /// The pack's errors; `into`'s read and decoding errors (a GBK data file is refused,
    /// never rewritten lossily); [`Error::Input`] for an output that exists and every
    /// problem of the spreadsheet, by sheet and cell.
    pub fn prepare(req: &ImportRequest) -> Result<Import> {
        let pack = choose_pack(Some(&req.template))?;
        let into_text = match &req.into {
            Some(p) => Some(survey::read_text(p)?),
            None => None,
        };
        let output = match (&req.output, &req.into) {
            (Some(o), into) => {
                if into.as_deref() != Some(o.as_path()) {
                    refuse_overwrite(o, req.force)?;
                }
                o.clone()
            }
            (None, Some(i)) => i.clone(),
            (None, None) => {
                let o = req.file.with_extension("yaml");
                refuse_overwrite(&o, req.force)?;
                o
            }
        };
        let into = req.into.as_deref().zip(into_text.as_deref());
        let (text, imported) = crate::sheet::import_file(&req.file, &pack, into)?;
        Ok(Import {
            output,
            text,
            units: imported.units.len(),
            unit_label: pack.schema.unit_label.clone(),
            notes: imported.notes.into_iter().map(Diagnostic::note).collect(),
        })
    }

    /// Write the data file (atomically, creating its folder).
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be written.
    pub fn write(&self) -> Result<()> {
        crate::write::write_file(&self.output, self.text.as_bytes())
    }
}

/// `export`: the data file's units, statistics, tables and report information as an Excel
/// workbook at `output` (default: beside the data file, `.xlsx`); returns the path written.
///
/// # Errors
/// The data file's errors (as `check`); [`Error::Render`] if the workbook cannot be built;
/// [`Error::Io`] if it cannot be written.
pub fn export(data: &Path, output: Option<PathBuf>, template: Option<&Path>) -> Result<PathBuf> {
    let (s, pack) = survey::load(data, template)?;
    let figures = stats::compute(&s, &pack.schema);
    let bytes = crate::sheet::export(&s, &pack, &figures)?;
    let output = output.unwrap_or_else(|| data.with_extension("xlsx"));
    crate::write::write_file(&output, &bytes)?;
    Ok(output)
}

/// `stats`: every computed figure of a data file, as text (`stats::to_text`) or as one
/// pretty-printed JSON object keyed by field path (`stats::to_json`), ending in a newline.
///
/// # Errors
/// The data file's errors (as `check`).
pub fn stats_text(data: &Path, template: Option<&Path>, json: bool) -> Result<String> {
    let (s, pack) = survey::load(data, template)?;
    let figures = stats::compute(&s, &pack.schema);
    Ok(if json {
        let v = stats::to_json(&figures);
        format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
    } else {
        stats::to_text(&figures)
    })
}
