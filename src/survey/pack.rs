//! Template packs: a schema plus the report template(s), found on disk or built in.

mod list;
mod parse;
mod reference;

pub use list::{list, starter_files, PackInfo};
pub use parse::parse_schema;

use std::path::{Path, PathBuf};

use super::positions::Positions;
use super::schema::{Kind, Schema};
use crate::error::{Diagnostic, Error, Result};

/// A loaded template pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Where the pack came from: a folder, or `None` for a pack compiled into the binary.
    pub dir: Option<PathBuf>,
    /// The pack's `template.yaml`: fields, groups, derived fields, standards, bands, style.
    pub schema: Schema,
    /// Every template file of the pack (name relative to the pack, content).
    pub templates: Vec<(String, String)>,
    /// The pack's reference DOCX (`style.reference_docx`, else `reference.docx` in the
    /// folder), read and checked: its styles, page setup, header and footer are the
    /// DOCX's ([`crate::refdoc`]). `None` for a built-in pack or a pack without one.
    pub reference: Option<std::sync::Arc<crate::refdoc::ReferenceDoc>>,
}

/// A pack compiled into the binary: name, template.yaml, and its template files.
type BuiltinPack = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const BUILTIN: &[BuiltinPack] = &[(
    "community-survey",
    include_str!("../../templates/community-survey/template.yaml"),
    &[(
        "report.md",
        include_str!("../../templates/community-survey/report.md"),
    )],
)];

/// Names of the packs compiled into the binary.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _, _)| *n)
}

impl Pack {
    /// Find pack `name`: in `template_dir` (the pack itself, or a folder of packs), else in
    /// `templates/<name>/` under the current folder, else among the built-in packs.
    ///
    /// A pack found in a folder must be called `name` (its `template.yaml` `name:`): a data
    /// file is never rendered with a pack other than the one it names. `init --template DIR`
    /// writes the pack's `name:` into the data file, so the same `--template DIR` finds it.
    ///
    /// # Errors
    /// [`Error::Input`] for an invalid name; a `template_dir` that does not exist, is not a
    /// folder, or holds no pack at all; a pack whose `name:` differs from `name` (naming
    /// both); a pack that cannot be loaded ([`Pack::from_dir`]); no pack called `name`.
    pub fn resolve(name: &str, template_dir: Option<&Path>, data_file: &Path) -> Result<Pack> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::input(Diagnostic::new(
                data_file,
                format!(
                    "模板名称“{}”无效：只能是模板包的名称，不能是路径",
                    crate::excerpt::quote(name)
                ),
            )));
        }
        // The pack in `dir`, which must be called `name`.
        let named = |dir: &Path| -> Result<Pack> {
            let pack = Pack::from_dir(dir)?;
            if pack.schema.name != name {
                return Err(Error::input(Diagnostic::new(
                    data_file,
                    format!(
                        "数据文件使用模板“{}”，但模板包 {} 的名称是“{}”（template.yaml 的 name）：请改正数据文件的 template 或换用对应的模板包",
                        crate::excerpt::quote(name),
                        dir.display(),
                        pack.schema.name
                    ),
                )));
            }
            Ok(pack)
        };
        if let Some(dir) = template_dir {
            if !dir.is_dir() {
                let what = if dir.exists() {
                    "不是文件夹"
                } else {
                    "不存在"
                };
                return Err(Error::input(Diagnostic::new(
                    dir,
                    format!("--template 指定的模板包文件夹{what}"),
                )));
            }
            if has_schema(dir) {
                return named(dir);
            }
            let sub = dir.join(name);
            if has_schema(&sub) {
                return named(&sub);
            }
            // A folder of packs without this one: the search goes on (`batch` may render
            // data files naming different packs), but a folder with no pack at all is a
            // mistaken path.
            if !holds_packs(dir) {
                return Err(Error::input(Diagnostic::new(
                    dir,
                    "--template 指定的文件夹不是模板包（缺少 template.yaml），其中也没有模板包",
                )));
            }
        }
        let local = Path::new("templates").join(name);
        if has_schema(&local) {
            return named(&local);
        }
        if let Some(pack) = Pack::builtin(name)? {
            return Ok(pack);
        }
        let known: Vec<&str> = builtin_names().collect();
        Err(Error::input(Diagnostic::new(
            data_file,
            format!(
                "找不到模板“{}”（可用的内置模板：{}）",
                crate::excerpt::quote(name),
                known.join("、")
            ),
        )))
    }

    /// A pack compiled into the binary.
    pub fn builtin(name: &str) -> Result<Option<Pack>> {
        let Some((_, yaml, files)) = BUILTIN.iter().find(|(n, _, _)| *n == name) else {
            return Ok(None);
        };
        let mut schema = parse_schema(Path::new(&format!("<内置>/{name}/template.yaml")), yaml)?;
        let templates: Vec<(String, String)> = files
            .iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect();
        topics_from_templates(&mut schema, &templates);
        Ok(Some(Pack {
            dir: None,
            schema,
            templates,
            reference: None,
        }))
    }

    /// A pack in a folder: `template.yaml` and every `*.md` beside it.
    ///
    /// A pack reads only regular files whose real location (after every symlink) is inside
    /// the pack's own folder ([`crate::fsio::contained`]): a symlink to another file of the
    /// pack is allowed, one that leads out of it (`leak.md -> /etc/passwd`,
    /// `/proc/self/environ`) or to a FIFO or device is an error naming the file. Each file,
    /// and the pack as a whole, is at most [`crate::limits::Limits::file_mb`] MiB.
    /// Sub-folders (even one named `x.md`) are not part of the pack and are not read.
    ///
    /// # Errors
    /// [`Error::Input`] naming the file for a file outside the pack, a non-regular file, a
    /// file over the limit, text that is not UTF-8 or holds control characters, or a
    /// broken schema; [`Error::Io`] if the folder cannot be read.
    pub fn from_dir(dir: &Path) -> Result<Pack> {
        let mut budget = PackBudget::new();
        let ypath = dir.join("template.yaml");
        let yaml = budget.read(dir, &ypath)?;
        refuse_control_characters(&ypath, &yaml)?;
        let mut schema = parse_schema(&ypath, &yaml)?;
        let mut templates = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut names: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let p = entry.path();
            if p.extension().is_none_or(|x| x != "md") {
                continue;
            }
            // The entry itself, not what a symlink points at: a folder named `x.md` is
            // skipped, anything else (a symlink, a FIFO …) goes to `contained`, which
            // refuses it unless it is a regular file inside the pack.
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if !is_dir {
                names.push(p);
            }
        }
        names.sort();
        for p in names {
            let content = budget.read(dir, &p)?;
            refuse_control_characters(&p, &content)?;
            let fname = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            templates.push((fname, content));
        }
        // A report template not named `*.md` (or a symlink to one) is read by name, through
        // the same containment check: one outside the pack is refused as such, never
        // reported as missing.
        let report_path = dir.join(&schema.report);
        if !templates.iter().any(|(n, _)| *n == schema.report)
            && std::fs::symlink_metadata(&report_path).is_ok()
        {
            let content = budget.read(dir, &report_path)?;
            refuse_control_characters(&report_path, &content)?;
            templates.push((schema.report.clone(), content));
        }
        topics_from_templates(&mut schema, &templates);
        if !templates.iter().any(|(n, _)| *n == schema.report) {
            return Err(Error::input(Diagnostic::new(
                &ypath,
                format!("模板包中缺少报告模板文件 {}", schema.report),
            )));
        }
        let reference = reference::load(dir, &schema, &mut budget)?;
        Ok(Pack {
            dir: Some(dir.to_path_buf()),
            schema,
            templates,
            reference,
        })
    }

    /// A display name for messages: the folder, or `<内置>/name`.
    pub fn origin(&self) -> String {
        match &self.dir {
            Some(d) => d.display().to_string(),
            None => format!("<内置>/{}", self.schema.name),
        }
    }
}

/// Whether `dir` has a `template.yaml` entry of any kind: a FIFO, a dangling symlink or
/// a folder there is then refused by [`Pack::from_dir`] with its name, not skipped.
fn has_schema(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join("template.yaml")).is_ok()
}

/// Whether some sub-folder of `dir` is a pack (one level, no recursion: a symlink loop
/// cannot make this walk long).
fn holds_packs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| rd.flatten().any(|e| has_schema(&e.path())))
}

/// What a pack may still read: [`crate::limits::Limits::file_mb`] MiB for all its files
/// together.
struct PackBudget {
    left: u64,
    limit_mb: u64,
}

impl PackBudget {
    fn new() -> Self {
        let limit_mb = crate::limits::current().file_mb;
        PackBudget {
            left: crate::limits::Limits::bytes(limit_mb),
            limit_mb,
        }
    }

    /// Read `path`, a file of the pack in `root`, as UTF-8 text: only a regular file inside
    /// the pack ([`crate::fsio::contained`]), within what is left of the pack's budget.
    fn read(&mut self, root: &Path, path: &Path) -> Result<String> {
        let bytes = self.read_bytes(root, path)?;
        String::from_utf8(bytes).map_err(|e| {
            let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Error::input(
                Diagnostic::new(path, "模板文件不是 UTF-8 编码，请用 UTF-8 编码另存后重试")
                    .at(Some(line), None),
            )
        })
    }

    /// [`PackBudget::read`]'s bytes, not decoded.
    fn read_bytes(&mut self, root: &Path, path: &Path) -> Result<Vec<u8>> {
        let real = crate::fsio::contained(root, path).map_err(|e| named(e, path))?;
        let size = std::fs::metadata(&real)
            .map_err(|e| Error::io(path, e))?
            .len();
        if size > self.left {
            return Err(Error::input(Diagnostic::new(
                path,
                format!(
                    "模板包文件过大（{}）：模板包全部文件合计不能超过 {} MiB；如确需处理，可设置环境变量 DIAOYAN_MAX_FILE_MB 调高上限",
                    crate::fsio::human_size(size),
                    self.limit_mb
                ),
            )));
        }
        let bytes = crate::fsio::read_bounded(&real, self.limit_mb, "DIAOYAN_MAX_FILE_MB")
            .map_err(|e| named(e, path))?;
        self.left = self.left.saturating_sub(bytes.len() as u64);
        Ok(bytes)
    }
}

/// `e` told about `path` (the pack's file as the writer names it), not about the file a
/// symlink resolved to.
fn named(e: Error, path: &Path) -> Error {
    match e {
        Error::Input(mut ds) => {
            for d in &mut ds {
                d.file = path.to_path_buf();
            }
            Error::Input(ds)
        }
        Error::Io { source, .. } => Error::io(path, source),
        e => e,
    }
}

/// A pack is user input too: a character XML forbids in a pack file (a label, a unit, a
/// heading of the report template) would reach the DOCX, so it is refused here with file,
/// line and column, as the same character in a data file is.
fn refuse_control_characters(path: &Path, text: &str) -> Result<()> {
    for (i, line) in text.lines().enumerate() {
        if let Some((col, c)) = line
            .chars()
            .enumerate()
            .find(|(_, c)| super::text::is_xml_illegal(*c))
        {
            return Err(Error::input(
                Diagnostic::new(
                    path,
                    format!(
                        "模板文件含控制字符 {}（文档中不允许出现，请删除）",
                        super::text::code_point(c)
                    ),
                )
                .at(Some(i + 1), Some(col + 1)),
            ));
        }
    }
    Ok(())
}

/// When the schema declares no topics, the ones its templates test for
/// (`topic == "office"`, either quote).
fn topics_from_templates(schema: &mut Schema, templates: &[(String, String)]) {
    if !schema.topics.is_empty() {
        return;
    }
    for (_, text) in templates {
        let mut rest = text.as_str();
        while let Some(i) = rest.find("topic") {
            rest = &rest[i + "topic".len()..];
            let Some(after) = rest.trim_start().strip_prefix("==") else {
                continue;
            };
            let after = after.trim_start();
            let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            let Some(end) = after[1..].find(q) else {
                continue;
            };
            let name = &after[1..1 + end];
            if !name.is_empty() && !schema.topics.contains_key(name) {
                schema.topics.insert(name.to_string(), String::new());
            }
        }
    }
}

#[cfg(test)]
mod tests;
