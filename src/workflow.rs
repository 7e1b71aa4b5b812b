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
                let why = survey::not_a_pack(dir);
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

/// Whether `init` writes `file` as the pack's empty form workbook: its name ends in
/// `.xlsx` (any case).
pub fn is_form_workbook(file: &Path) -> bool {
    file.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// `init`: write `file` (default `survey.yaml`), a data file to fill for the pack
/// `template` names ([`choose_pack`]); returns the path written. A `file` ending in
/// `.xlsx` gets the pack's empty form workbook instead ([`crate::sheet::form_workbook`]:
/// the `export` workbook with no units, its input rules and prompts), to hand out and
/// read back with `import`.
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
    if is_form_workbook(&file) {
        let bytes = crate::sheet::form_workbook(&pack)?;
        crate::write::write_file(&file, &bytes)?;
        return Ok(file);
    }
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

/// The spreadsheet `file` (xlsx, xls, ods or CSV) merged into a data file for `diaoyan
/// serve`: `into` is the data file's path (for messages) and text. The spreadsheet is
/// checked alone, exactly as a new `diaoyan import --template` checks it (the same
/// problems, by sheet and cell, with the same messages); on success the result is `into`'s
/// text with its `units:` (and the tables the spreadsheet has) replaced, as `import
/// --into` writes it, every other line and comment kept, and the notes `import` prints
/// ([`crate::Severity::Note`]: skipped 合计 rows, hidden rows, …).
///
/// Unlike `import --into`, the rest of the data file is not checked, so a fresh `init`
/// skeleton whose findings are still empty takes the spreadsheet; `check` of the result
/// tells what is left to fill.
///
/// # Errors
/// [`Error::Input`] naming `into` when its `template:` names another pack than `pack`
/// (the message `import --into` gives); the spreadsheet's read errors and every problem
/// of its content, as `import` gives them.
pub fn merge_spreadsheet(
    file: &Path,
    pack: &survey::Pack,
    into: (&Path, &str),
) -> Result<(String, Vec<Diagnostic>)> {
    let (text, imported) = crate::sheet::merge_file(file, pack, into)?;
    let notes = imported.notes.into_iter().map(Diagnostic::note).collect();
    Ok((text, notes))
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

/// `stats`: every computed figure of a data file, as text (`stats::to_text`); with `json`,
/// exactly the context the pack's templates see ([`crate::compose::context::context`]) as
/// one pretty-printed JSON object; with `names`, every leaf path of that context with its
/// value, one a line ([`crate::compose::context::names`]). Ends in a newline.
///
/// # Errors
/// The data file's errors (as `check`).
pub fn stats_text(data: &Path, template: Option<&Path>, json: bool, names: bool) -> Result<String> {
    let (s, pack) = survey::load(data, template)?;
    let figures = stats::compute(&s, &pack.schema);
    let ctx = crate::compose::context::context(&s, &figures, &pack.schema);
    let failed = |e: serde_json::Error| {
        Error::input(crate::error::Diagnostic::new(
            data,
            format!("统计数据无法输出为 JSON：{e}"),
        ))
    };
    Ok(if names {
        let v = serde_json::to_value(&ctx).map_err(failed)?;
        crate::compose::context::names(&v)
    } else if json {
        format!("{}\n", serde_json::to_string_pretty(&ctx).map_err(failed)?)
    } else {
        stats::to_text(&figures)
    })
}

/// `init --from`: start next period's data file from `from` (last period's): the same
/// template; `report` with title, subtitle, region, organisation and author kept, the
/// period one more when it is a number (`2019` → `2020`; `output` follows when it holds the
/// period), the date dropped; the units with their names, short names, ids and tags and
/// every number left empty; other tables' text kept and numbers emptied; facts' numbers
/// emptied; findings and recommendations with their titles and topics and empty text; no
/// closing; and `previous:` pointing at `from` (relative to the new file's folder).
///
/// `output` defaults to `from`'s path with the period in its name replaced
/// (`qingnianlu-2019.yaml` → `qingnianlu-2020.yaml`), else `<stem>-next.yaml`. The file
/// written fails `check` with the usual missing-value errors until its numbers are filled.
///
/// # Errors
/// [`Error::Input`] (Chinese, naming `from`) when `from` cannot be read or is no data file
/// (not YAML, no `template`, `report` or `units`); when the output exists and `force` is
/// false, or would be `from` itself; [`Error::Io`] when it cannot be written.
pub fn init_from(from: &Path, output: Option<PathBuf>, force: bool) -> Result<PathBuf> {
    use serde_yaml::{Mapping, Value};
    let text = survey::read_text(from)?;
    let bad = |why: String| Error::input(Diagnostic::new(from, why));
    let doc: Value = serde_yaml::from_str(&text)
        .map_err(|e| bad(format!("不是有效的数据文件（YAML 无法读取：{e}）")))?;
    let Value::Mapping(old) = doc else {
        return Err(bad(
            "不是有效的数据文件：应为键值对（template、report、units …）".into(),
        ));
    };
    let get = |k: &str| old.get(Value::from(k));
    let template = get("template")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("缺少 template：不是 diaoyan 的数据文件".into()))?;
    let Some(Value::Mapping(report)) = get("report") else {
        return Err(bad("缺少 report：不是 diaoyan 的数据文件".into()));
    };
    let Some(Value::Sequence(units)) = get("units") else {
        return Err(bad("缺少 units：不是 diaoyan 的数据文件".into()));
    };
    let scalar = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let period = scalar(report.get("period")).unwrap_or_default();
    let next_period = period
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|p| p.checked_add(1))
        .map(|p| p.to_string());
    // Every number (and yes/no) below `v` emptied; texts kept.
    fn clear(v: &Value) -> Value {
        match v {
            Value::Number(_) | Value::Bool(_) => Value::Null,
            Value::Mapping(m) => {
                Value::Mapping(m.iter().map(|(k, v)| (k.clone(), clear(v))).collect())
            }
            Value::Sequence(s) => Value::Sequence(s.iter().map(clear).collect()),
            Value::Tagged(t) => clear(&t.value),
            other => other.clone(),
        }
    }
    let mut new_report = Mapping::new();
    for key in [
        "title",
        "subtitle",
        "region",
        "period",
        "organisation",
        "author",
        "output",
    ] {
        let Some(v) = report.get(key) else { continue };
        let v = match (key, &next_period) {
            ("period", Some(p)) => Value::from(p.as_str()),
            ("output", Some(p)) => match scalar(Some(v)) {
                Some(o) if !period.is_empty() && o.contains(period.trim()) => {
                    Value::from(o.replace(period.trim(), p))
                }
                _ => continue,
            },
            ("output", None) => continue,
            _ => v.clone(),
        };
        new_report.insert(Value::from(key), v);
    }
    let output = match output {
        Some(o) => o,
        None => {
            let stem = from
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = match &next_period {
                Some(p) if !period.is_empty() && stem.contains(period.trim()) => {
                    format!("{}.yaml", stem.replace(period.trim(), p))
                }
                _ => format!("{stem}-next.yaml"),
            };
            from.with_file_name(name)
        }
    };
    let same = |a: &Path, b: &Path| {
        a.canonicalize()
            .ok()
            .is_some_and(|a| b.canonicalize().ok() == Some(a))
    };
    if same(&output, from) {
        return Err(Error::input(Diagnostic::new(
            &output,
            "输出文件就是上一期的数据文件，拒绝覆盖；请用 -o 指定新文件",
        )));
    }
    refuse_overwrite(&output, force)?;
    let mut new = Mapping::new();
    new.insert("template".into(), Value::from(template));
    new.insert(
        "previous".into(),
        Value::from(
            relative_path(from, &output)
                .to_string_lossy()
                .replace('\\', "/"),
        ),
    );
    new.insert("report".into(), Value::Mapping(new_report));
    new.insert("units".into(), clear(&Value::Sequence(units.clone())));
    for key in ["tables", "facts"] {
        if let Some(v) = get(key) {
            new.insert(key.into(), clear(v));
        }
    }
    for key in ["findings", "recommendations"] {
        let Some(Value::Sequence(items)) = get(key) else {
            continue;
        };
        let kept: Vec<Value> = items
            .iter()
            .map(|item| {
                let mut m = Mapping::new();
                for k in ["title", "topic"] {
                    if let Some(v) = item.get(k) {
                        m.insert(k.into(), v.clone());
                    }
                }
                m.insert("text".into(), Value::from(""));
                Value::Mapping(m)
            })
            .collect();
        new.insert(key.into(), Value::Sequence(kept));
    }
    let yaml = serde_yaml::to_string(&Value::Mapping(new))
        .map_err(|e| bad(format!("无法写出新的数据文件：{e}")))?;
    // An emptied value reads `key:` (not `key: null`): a cell to fill.
    let body: String = yaml
        .lines()
        .map(|l| {
            l.strip_suffix(" null")
                .filter(|s| s.ends_with(':'))
                .unwrap_or(l)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let header = format!(
        "# 由 diaoyan init --from {} 生成：结构、{}名称和标题沿用上一期，数字留空待填写；\n# 填写后运行 diaoyan check 检查。\n",
        from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        "单位"
    );
    crate::write::write_file(&output, format!("{header}{body}").as_bytes())?;
    Ok(output)
}

/// `target` as a path relative to the folder of `file` (both made absolute first; the
/// absolute path when they share no prefix, e.g. different drives).
fn relative_path(target: &Path, file: &Path) -> PathBuf {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Lexically normalised (the new file does not exist yet to canonicalise).
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        out
    };
    let target = abs(target);
    let base = abs(file);
    let base = base.parent().unwrap_or(Path::new("/"));
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return target;
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    rel
}
