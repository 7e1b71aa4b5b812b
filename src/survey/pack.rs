//! Template packs: a schema plus the report template(s), found on disk or built in.

use std::path::{Path, PathBuf};

use super::schema::Schema;
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
    pub fn resolve(name: &str, template_dir: Option<&Path>, data_file: &Path) -> Result<Pack> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::input(Diagnostic::new(
                data_file,
                format!("模板名称“{name}”无效：只能是模板包的名称，不能是路径"),
            )));
        }
        if let Some(dir) = template_dir {
            for cand in [dir.to_path_buf(), dir.join(name)] {
                if cand.join("template.yaml").is_file() {
                    let pack = Pack::from_dir(&cand)?;
                    if pack.schema.name == name || cand == dir.join(name) {
                        return Ok(pack);
                    }
                }
            }
        }
        let local = Path::new("templates").join(name);
        if local.join("template.yaml").is_file() {
            return Pack::from_dir(&local);
        }
        if let Some(pack) = Pack::builtin(name)? {
            return Ok(pack);
        }
        let known: Vec<&str> = builtin_names().collect();
        Err(Error::input(Diagnostic::new(
            data_file,
            format!("找不到模板“{name}”（可用的内置模板：{}）", known.join("、")),
        )))
    }

    /// A pack compiled into the binary.
    pub fn builtin(name: &str) -> Result<Option<Pack>> {
        let Some((_, yaml, files)) = BUILTIN.iter().find(|(n, _, _)| *n == name) else {
            return Ok(None);
        };
        let schema = parse_schema(Path::new(&format!("<内置>/{name}/template.yaml")), yaml)?;
        let templates = files
            .iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect();
        Ok(Some(Pack {
            dir: None,
            schema,
            templates,
        }))
    }

    /// A pack in a folder: `template.yaml` and every `*.md` beside it.
    pub fn from_dir(dir: &Path) -> Result<Pack> {
        let ypath = dir.join("template.yaml");
        let yaml = std::fs::read_to_string(&ypath).map_err(|e| Error::io(&ypath, e))?;
        let schema = parse_schema(&ypath, &yaml)?;
        let mut templates = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
            .collect();
        names.sort();
        for p in names {
            let content = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            let fname = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            templates.push((fname, content));
        }
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

fn parse_schema(path: &Path, yaml: &str) -> Result<Schema> {
    let schema: Schema = serde_yaml::from_str(yaml).map_err(|e| {
        let loc = e.location();
        Error::input(Diagnostic::new(path, format!("模板定义格式错误：{e}")).at(
            loc.as_ref().map(|l| l.line()),
            loc.as_ref().map(|l| l.column()),
        ))
    })?;
    check_schema(path, &schema)?;
    Ok(schema)
}

/// Every path a group, standard or band names must be a declared field.
fn check_schema(path: &Path, s: &Schema) -> Result<()> {
    let mut diags = Vec::new();
    let all = s.all_fields();
    let mut need = |what: String, field: &str| {
        if !all.contains_key(field) {
            diags.push(Diagnostic::new(
                path,
                format!("{what} 引用了未定义的字段 {field}"),
            ));
        }
    };
    for (name, g) in &s.groups {
        for p in g.parts.iter().chain(g.total.iter()) {
            need(format!("groups.{name}"), p);
        }
    }
    for (name, st) in &s.standards {
        need(format!("standards.{name}"), &st.field);
    }
    for (name, b) in &s.bands {
        need(format!("bands.{name}"), &b.field);
    }
    // Derived expressions: they must parse, and use only fields, earlier derived fields
    // and standards.
    let mut known: Vec<String> = s.fields.keys().cloned().collect();
    known.extend(s.standards.keys().map(|k| format!("standards.{k}")));
    for (name, d) in &s.derived {
        if s.fields.contains_key(name) {
            diags.push(Diagnostic::new(
                path,
                format!("derived.{name} 与已有字段同名"),
            ));
        }
        match evalexpr::build_operator_tree::<evalexpr::DefaultNumericTypes>(&d.expr) {
            Err(e) => diags.push(Diagnostic::new(
                path,
                format!("derived.{name} 的表达式“{}”无法解析：{e}", d.expr),
            )),
            Ok(tree) => {
                for var in tree.iter_variable_identifiers() {
                    if !known.iter().any(|k| k == var) {
                        diags.push(Diagnostic::new(
                            path,
                            format!("derived.{name} 的表达式引用了未定义的 {var}"),
                        ));
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
        if root.join("template.yaml").is_file() {
            dirs.push(root);
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("template.yaml").is_file())
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

/// Write a new pack into `dir` (created; it must not hold a pack already): a commented
/// schema and a report template that use every kind of statistic, named after the folder.
pub fn scaffold(dir: &Path) -> Result<Vec<PathBuf>> {
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
    let files = [
        (
            "template.yaml",
            STARTER_SCHEMA.replace("__PACK_NAME__", &name),
        ),
        ("report.md", STARTER_REPORT.to_string()),
    ];
    for (f, _) in &files {
        let p = dir.join(f);
        if p.exists() {
            return Err(Error::input(Diagnostic::new(
                &p,
                "文件已存在，不覆盖（请换一个文件夹）",
            )));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for (f, text) in files {
        let p = dir.join(f);
        crate::write_atomic(&p, text.as_bytes())?;
        written.push(p);
    }
    Ok(written)
}
