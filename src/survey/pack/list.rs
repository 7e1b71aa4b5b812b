//! The packs a writer can use ([`list()`]) and a new pack's starter files
//! ([`starter_files`]).

use super::*;

/// One pack found by [`list()`].
#[derive(Debug, Clone)]
pub struct PackInfo {
    /// The pack's name (its folder's name, or a built-in name).
    pub name: String,
    /// The schema's one-line description.
    pub description: String,
    /// The folder, or `<内置>`.
    pub origin: String,
    /// How many fields the schema declares.
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

pub(super) const STARTER_SCHEMA: &str = include_str!("../starter/template.yaml");
pub(super) const STARTER_REPORT: &str = include_str!("../starter/report.md");
/// The scaffold's reusable snippets: Tera components that `report.md` calls.
pub(super) const STARTER_COMPONENTS: &str = include_str!("../starter/components.md");

/// The files of a new pack for `dir`: a commented schema (`template.yaml`, named after the
/// folder), a report template (`report.md`) and its components (`components.md`) that
/// show each feature of the pack language once, as
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
        (dir.join("components.md"), STARTER_COMPONENTS.to_string()),
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
