//! Template packs: a schema plus the report template(s), found on disk or built in.

use std::path::{Path, PathBuf};

use super::positions::Positions;
use super::schema::{Kind, Schema};
use crate::error::{Diagnostic, Error, Result};

/// A loaded template pack.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Where the pack came from: a folder, or `None` for a pack compiled into the binary.
    pub dir: Option<PathBuf>,
    pub schema: Schema,
    /// Every template file of the pack (name relative to the pack, content).
    pub templates: Vec<(String, String)>,
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
        Ok(Pack {
            dir: Some(dir.to_path_buf()),
            schema,
            templates,
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

/// Read a pack's `template.yaml` (`path` names it in messages) and check that it is
/// consistent: every problem is a diagnostic with the file and, where the YAML has one,
/// line and column.
pub fn parse_schema(path: &Path, yaml: &str) -> Result<Schema> {
    if let Some((i, c)) = yaml
        .char_indices()
        .find(|(_, c)| super::text::is_xml_illegal(*c))
    {
        let line = yaml[..i].matches('\n').count() + 1;
        let col = yaml[..i]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        return Err(Error::input(
            Diagnostic::new(
                path,
                format!("模板定义含控制字符 {}", super::text::code_point(c)),
            )
            .at(Some(line), Some(col)),
        ));
    }
    // Nesting and size bounded by a streaming pass first: serde_yaml's loader is
    // quadratic in the depth (100,000 `[` took 27 s before its own refusal).
    super::bounds::refuse_too_large_pack(path, yaml, crate::limits::current().nodes)?;
    let schema: Schema = serde_yaml::from_str(yaml).map_err(|e| {
        if super::positions::first_duplicate_key(yaml).is_some() {
            return super::data::duplicate_key(path, yaml, &e, (None, None));
        }
        let loc = e.location();
        let line = loc.as_ref().map(|l| l.line()).or_else(|| {
            let key = e.to_string().split('`').nth(1).map(str::to_string)?;
            Positions::of(yaml).line(&key)
        });
        Error::input(
            Diagnostic::new(
                path,
                format!("模板定义格式错误：{}", super::data::yaml_message(&e)),
            )
            .at(line, loc.as_ref().map(|l| l.column())),
        )
    })?;
    check_schema(path, yaml, &schema)?;
    Ok(schema)
}

/// The schema's consistency: every path a group, standard or band names is a declared
/// field; groups have parts, bands have bands, tables have columns; bounds are in order;
/// names do not collide. Each problem at the line of the item concerned.
fn check_schema(path: &Path, yaml: &str, s: &Schema) -> Result<()> {
    let pos = Positions::of(yaml);
    let mut diags = Vec::new();
    let mut push = |at: &str, msg: String| {
        let p = pos.find(at);
        diags.push(Diagnostic::new(path, msg).at(p.map(|p| p.0), p.map(|p| p.1)));
    };
    let all = s.all_fields();
    let need = |push: &mut dyn FnMut(&str, String), at: &str, what: String, field: &str| {
        if !all.contains_key(field) {
            push(at, format!("{what} 引用了未定义的字段 {field}"));
        }
    };
    if s.unit_label.trim().is_empty() {
        push(
            "unit_label",
            "unit_label（单位名称，如“社区”）不能为空".into(),
        );
    }
    if s.fields.is_empty() {
        push("fields", "fields 为空：至少需要一个字段".into());
    }
    for (name, f) in &s.fields {
        let at = format!("fields.{name}");
        if f.kind == Kind::Text {
            push(
                &at,
                format!("fields.{name} 不能是 text 类型：单位的文字属性请写在 tags 中"),
            );
        }
        if let (Some(lo), Some(hi)) = (f.min, f.max) {
            if lo > hi || !lo.is_finite() || !hi.is_finite() {
                push(&at, format!("fields.{name} 的 min {lo} 大于 max {hi}"));
            }
        }
        if name.split('.').any(str::is_empty) {
            push(&at, format!("字段名 {name} 无效（含空的一段）"));
        }
    }
    for name in s.tags.keys() {
        if s.fields.contains_key(name) || name == "name" || name == "short" {
            push(
                &format!("tags.{name}"),
                format!("tags.{name} 与字段或 name/short 同名"),
            );
        }
    }
    for (name, g) in &s.groups {
        let at = format!("groups.{name}");
        if g.parts.is_empty() {
            push(
                &format!("{at}.parts"),
                format!("groups.{name}.parts 为空：至少需要一个组成部分"),
            );
        }
        for (i, p) in g.parts.iter().enumerate() {
            need(&mut push, &format!("{at}.parts.{i}"), at.clone(), p);
            if g.parts[..i].contains(p) {
                push(
                    &format!("{at}.parts.{i}"),
                    format!("groups.{name}.parts 中 {p} 重复"),
                );
            }
            if g.total.as_deref() == Some(p.as_str()) {
                push(
                    &format!("{at}.parts.{i}"),
                    format!("groups.{name} 的合计 {p} 不能同时是组成部分"),
                );
            }
        }
        if let Some(t) = &g.total {
            need(&mut push, &format!("{at}.total"), at.clone(), t);
        }
    }
    for (name, st) in &s.standards {
        let at = format!("standards.{name}");
        need(&mut push, &format!("{at}.field"), at.clone(), &st.field);
        if !st.value.is_finite() {
            push(&format!("{at}.value"), format!("{at}.value 不是有限数值"));
        }
    }
    for (name, b) in &s.bands {
        let at = format!("bands.{name}");
        need(&mut push, &format!("{at}.field"), at.clone(), &b.field);
        if b.bands.is_empty() {
            push(
                &format!("{at}.bands"),
                format!("bands.{name}.bands 为空：至少需要一档"),
            );
        }
        for (i, band) in b.bands.iter().enumerate() {
            let finite = [band.below, band.upto, Some(band.value)]
                .iter()
                .flatten()
                .all(|x| x.is_finite());
            if !finite {
                push(
                    &format!("{at}.bands.{i}"),
                    format!("bands.{name} 第 {} 档含非有限数值", i + 1),
                );
            }
        }
    }
    for (name, t) in &s.tables {
        if t.columns.is_empty() {
            push(
                &format!("tables.{name}.columns"),
                format!("tables.{name}.columns 为空：至少需要一列"),
            );
        }
    }
    // Derived expressions: they must parse, and use only fields, earlier derived fields
    // and standards.
    let mut known: Vec<String> = s.fields.keys().cloned().collect();
    known.extend(s.standards.keys().map(|k| format!("standards.{k}")));
    for (name, d) in &s.derived {
        let p = pos.find(&format!("derived.{name}"));
        let here = |msg: String| Diagnostic::new(path, msg).at(p.map(|p| p.0), p.map(|p| p.1));
        if s.fields.contains_key(name) {
            diags.push(here(format!("derived.{name} 与已有字段同名")));
        }
        // Bounded before evalexpr sees it: its parser and evaluator recurse per level.
        if let Some(why) = super::schema::expr_too_big(&d.expr) {
            diags.push(here(format!("derived.{name} 的表达式{why}")));
            known.push(name.clone());
            continue;
        }
        match evalexpr::build_operator_tree::<evalexpr::DefaultNumericTypes>(&d.expr) {
            Err(e) => diags.push(here(format!(
                "derived.{name} 的表达式“{}”无法解析：{e}",
                d.expr
            ))),
            Ok(tree) => {
                for var in tree.iter_variable_identifiers() {
                    if !known.iter().any(|k| k == var) {
                        diags.push(here(format!("derived.{name} 的表达式引用了未定义的 {var}")));
                    }
                }
            }
        }
        known.push(name.clone());
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(diags))
    }
}

/// One pack found by [`list`].
#[derive(Debug, Clone)]
pub struct PackInfo {
    pub name: String,
    pub description: String,
    /// The folder, or `<内置>`.
    pub origin: String,
    pub fields: usize,
    /// Why the pack cannot be used, when it cannot (a broken `template.yaml` …).
    pub problem: Option<String>,
}

/// Every pack `diaoyan` can find, in the order [`Pack::resolve`] tries them: under
/// `template_dir` (a pack or a folder of packs), under `./templates`, then the built-in ones.
/// A folder pack hides a built-in pack of the same name.
pub fn list(template_dir: Option<&Path>) -> Vec<PackInfo> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut roots: Vec<PathBuf> = template_dir.map(Path::to_path_buf).into_iter().collect();
    roots.push(PathBuf::from("templates"));
    for root in roots {
        // One level only, and only `stat`s before a pack is read: a FIFO cannot block the
        // listing and a symlink loop (`loop -> .`) cannot make it long.
        if has_schema(&root) {
            dirs.push(root);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && has_schema(p))
            .collect();
        found.sort();
        dirs.extend(found);
    }
    let mut out: Vec<PackInfo> = Vec::new();
    for dir in dirs {
        let info = match Pack::from_dir(&dir) {
            Ok(p) => PackInfo {
                name: p.schema.name.clone(),
                description: p.schema.description.clone(),
                origin: dir.display().to_string(),
                fields: p.schema.fields.len(),
                problem: None,
            },
            Err(e) => PackInfo {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                description: String::new(),
                origin: dir.display().to_string(),
                fields: 0,
                problem: Some(e.to_string()),
            },
        };
        if !out.iter().any(|o| o.name == info.name) {
            out.push(info);
        }
    }
    for name in builtin_names() {
        if out.iter().any(|o| o.name == name) {
            continue;
        }
        if let Ok(Some(p)) = Pack::builtin(name) {
            out.push(PackInfo {
                name: name.to_string(),
                description: p.schema.description.clone(),
                origin: "<内置>".into(),
                fields: p.schema.fields.len(),
                problem: None,
            });
        }
    }
    out
}

const STARTER_SCHEMA: &str = include_str!("starter/template.yaml");
const STARTER_REPORT: &str = include_str!("starter/report.md");

/// The files of a new pack for `dir`: a commented schema (`template.yaml`, named after the
/// folder) and a report template (`report.md`) that use every kind of statistic, as
/// (path inside `dir`, text). Nothing is written: the caller writes them (the CLI's
/// `init --pack`, through [`crate::scaffold_pack`]).
///
/// Errors (input, in Chinese): a folder name that is empty or starts with `.`, or a
/// folder that already holds one of the files (never overwritten).
pub fn starter_files(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.is_empty() || name.starts_with('.') {
        return Err(Error::input(Diagnostic::new(
            dir,
            "模板包文件夹的名称就是模板名称，不能为空或以“.”开头",
        )));
    }
    let files = vec![
        (
            dir.join("template.yaml"),
            STARTER_SCHEMA.replace("__PACK_NAME__", &name),
        ),
        (dir.join("report.md"), STARTER_REPORT.to_string()),
    ];
    for (p, _) in &files {
        if p.exists() {
            return Err(Error::input(Diagnostic::new(
                p,
                "文件已存在，不覆盖（请换一个文件夹）",
            )));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_without_parts_is_refused_at_its_line() {
        let yaml = "name: t\nunit_label: 社区\nfields:\n  a: { label: 甲 }\ngroups:\n  g: { label: 组, total: a, parts: [] }\n";
        let Err(Error::Input(d)) = parse_schema(Path::new("t.yaml"), yaml) else {
            panic!("refused")
        };
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, Some(6));
        assert_eq!(d[0].message, "groups.g.parts 为空：至少需要一个组成部分");
    }
}
