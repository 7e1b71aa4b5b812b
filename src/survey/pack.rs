//! Template packs: a schema plus the report template(s), found on disk or built in.

mod list;
mod parse;
mod reference;

pub use list::{list, starter_files, PackInfo};
pub use parse::parse_schema;

use std::path::{Path, PathBuf};

use super::positions::Positions;
use super::schema::{Aggregate, AggregateKind, Bound, FieldDef, Kind, Schema};
use crate::error::{Diagnostic, Error, Result};
use indexmap::IndexMap;

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

const BUILTIN: &[BuiltinPack] = &[
    (
        "community-survey",
        include_str!("../../templates/community-survey/template.yaml"),
        &[(
            "report.md",
            include_str!("../../templates/community-survey/report.md"),
        )],
    ),
    (
        "township-villages",
        include_str!("../../templates/township-villages/template.yaml"),
        &[
            (
                "macros.md",
                include_str!("../../templates/township-villages/macros.md"),
            ),
            (
                "report.md",
                include_str!("../../templates/township-villages/report.md"),
            ),
        ],
    ),
];

/// Names of the packs compiled into the binary.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _, _)| *n)
}

impl Pack {
    /// Find the pack a data file's `template:` names.
    ///
    /// - `./path` or `../path` (also with `\\`): the pack folder at that path, relative to
    ///   the data file's folder.
    /// - a name: looked for, in this order, in `template_dir` (the pack itself, or a folder
    ///   of packs), in `templates/` under the current folder, in `templates/` beside the data
    ///   file, then among the built-in packs. In a folder of packs, a pack is found by its
    ///   folder name (`templates/NAME/`) or, failing that, by the `name:` of its
    ///   `template.yaml`; a mismatch between the two is no error (`init --template DIR`
    ///   writes a `template:` line [`Pack::reference_from`] makes resolvable). A pack given
    ///   as `template_dir` itself is used when its folder name or its `name:` is `name`.
    ///
    /// # Errors
    /// [`Error::Input`] for an invalid name (a path not starting with `./` or `../`); a
    /// `template_dir` that does not exist, is not a folder, holds no pack at all, or is a
    /// pack of another name; a pack that cannot be loaded ([`Pack::from_dir`]); no pack
    /// found, listing every place looked, in order.
    pub fn resolve(name: &str, template_dir: Option<&Path>, data_file: &Path) -> Result<Pack> {
        let base = data_file.parent().unwrap_or(Path::new(""));
        if let Some(rel) = relative_reference(name) {
            let dir = base.join(rel);
            if has_schema(&dir) {
                return Pack::from_dir(&dir);
            }
            let why = not_a_pack(&dir);
            return Err(Error::input(Diagnostic::new(
                data_file,
                format!(
                    "找不到模板“{}”：按数据文件所在文件夹解释为 {}，该文件夹{why}",
                    crate::excerpt::quote(name),
                    dir.display()
                ),
            )));
        }
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::input(Diagnostic::new(
                data_file,
                format!(
                    "模板名称“{}”无效：应为模板包的名称（templates/ 下的文件夹名或内置模板名），或以 ./ 、../ 开头的模板包文件夹路径（相对于数据文件）",
                    crate::excerpt::quote(name)
                ),
            )));
        }
        let mut looked: Vec<String> = Vec::new();
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
                let pack = Pack::from_dir(dir)?;
                if folder_name(dir).as_deref() == Some(name) || pack.schema.name == name {
                    return Ok(pack);
                }
                return Err(Error::input(Diagnostic::new(
                    data_file,
                    format!(
                        "数据文件使用模板“{}”，但 --template 指定的模板包 {} 的文件夹名和名称（template.yaml 的 name：“{}”）都不是它：请改正数据文件的 template 或换用对应的模板包",
                        crate::excerpt::quote(name),
                        dir.display(),
                        pack.schema.name
                    ),
                )));
            }
            if let Some(pack) = find_in(dir, name, &mut looked)? {
                return Ok(pack);
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
        let local = PathBuf::from("templates");
        if let Some(pack) = find_in(&local, name, &mut looked)? {
            return Ok(pack);
        }
        let beside = base.join("templates");
        if !same_dir(&beside, &local) {
            if let Some(pack) = find_in(&beside, name, &mut looked)? {
                return Ok(pack);
            }
        }
        if let Some(pack) = Pack::builtin(name)? {
            return Ok(pack);
        }
        let known: Vec<&str> = builtin_names().collect();
        looked.push(format!("内置模板（{}）", known.join("、")));
        let list: Vec<String> = looked
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{}. {l}", i + 1))
            .collect();
        Err(Error::input(Diagnostic::new(
            data_file,
            format!(
                "找不到模板“{}”（依次查找了：{}）",
                crate::excerpt::quote(name),
                list.join("；")
            ),
        )))
    }

    /// What a data file at `data_file` should write as its `template:` line to use this
    /// pack: the pack's name when [`Pack::resolve`] (without `--template`) finds this very
    /// pack from there (a built-in pack, `templates/NAME/`), else the pack folder's path
    /// relative to the data file's folder, starting with `./` or `../` (`/` separators).
    /// An absolute path when no relative one exists (another drive on Windows).
    pub fn reference_from(&self, data_file: &Path) -> String {
        let Some(dir) = &self.dir else {
            return self.schema.name.clone();
        };
        for name in [folder_name(dir), Some(self.schema.name.clone())]
            .into_iter()
            .flatten()
        {
            if let Ok(found) = Pack::resolve(&name, None, data_file) {
                if found.dir.as_deref().is_some_and(|d| same_dir(d, dir)) {
                    return name;
                }
            }
        }
        let base = data_file.parent().unwrap_or(Path::new(""));
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        match (base.canonicalize(), dir.canonicalize()) {
            (Ok(from), Ok(to)) => relative_path(&from, &to),
            _ => dir.display().to_string(),
        }
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

/// The path a `template:` value names relative to the data file (`./x`, `../x`, `.`, `..`,
/// with `/` or `\\`), or `None` for a pack name.
fn relative_reference(name: &str) -> Option<&str> {
    let is_rel = name == "."
        || name == ".."
        || ["./", ".\\", "../", "..\\"]
            .iter()
            .any(|p| name.starts_with(p));
    is_rel.then_some(name)
}

/// The last component of `dir`, as text.
fn folder_name(dir: &Path) -> Option<String> {
    dir.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Whether two paths name the same folder (after every symlink), or are equal when either
/// cannot be resolved.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `to` relative to `from` (both absolute, resolved), as `./a/b` or `../a`, with `/`.
fn relative_path(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.display().to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    for _ in common..f.len() {
        parts.push("..".into());
    }
    for c in &t[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.first().is_none_or(|p| p != "..") {
        parts.insert(0, ".".into());
    }
    parts.join("/")
}

/// The pack called `name` in the folder of packs `root`: `root/name/` (by folder name),
/// else the one sub-folder whose `template.yaml` says `name: name`. Each place tried is
/// added to `looked`.
///
/// # Errors
/// [`Pack::from_dir`]'s, for the pack found.
fn find_in(root: &Path, name: &str, looked: &mut Vec<String>) -> Result<Option<Pack>> {
    let sub = root.join(name);
    looked.push(sub.display().to_string());
    if has_schema(&sub) {
        return Pack::from_dir(&sub).map(Some);
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(None);
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && has_schema(p))
        .collect();
    dirs.sort();
    looked.push(format!("{} 下 name 为“{}”的模板包", root.display(), name));
    for dir in dirs {
        // Only the `name:` line is needed; a pack that does not parse is not this one.
        if let Ok(pack) = Pack::from_dir(&dir) {
            if pack.schema.name == name {
                return Ok(Some(pack));
            }
        }
    }
    Ok(None)
}

/// Whether `dir` has a `template.yaml` entry of any kind: a FIFO, a dangling symlink or
/// a folder there is then refused by [`Pack::from_dir`] with its name, not skipped.
/// Why `dir` is not a template pack, in Chinese: 不存在, 不是文件夹, or 不是模板包（缺少
/// template.yaml）.
pub fn not_a_pack(dir: &Path) -> &'static str {
    if !dir.exists() {
        "不存在"
    } else if !dir.is_dir() {
        "不是文件夹"
    } else {
        "不是模板包（缺少 template.yaml）"
    }
}

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
