//! diaoyan (调研): survey data → statistics → Tera templates → Markdown → one Document →
//! DOCX and PDF.
//!
//! Each stage is a function from one typed value to the next:
//!
//! ```text
//! survey::load → stats::compute → compose::Composer::render → doc::parse → render::{docx, pdf}
//! ```

pub mod batch;
pub mod compose;
pub mod doc;
pub mod error;
pub mod render;
pub mod sample;
pub mod sheet;
pub mod stats;
pub mod survey;
pub mod watch;

use std::path::{Path, PathBuf};

pub use error::{Diagnostic, Error, Result};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Docx,
    Pdf,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
}

/// A report built in memory: the Document and the name its files take.
pub struct Report {
    pub name: String,
    /// How many units the report covers.
    pub units: usize,
    pub markdown: String,
    pub document: doc::Document,
}

/// Every requested format rendered in memory; nothing written yet.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Each format's file bytes, in the order asked for.
    pub outputs: Vec<(Format, Vec<u8>)>,
    /// Warnings for the writer (in Chinese), e.g. characters no font can draw.
    pub warnings: Vec<String>,
}

/// Everything `render` does short of writing: load, compute, compose, parse, and render
/// each format in memory (DOCX built and normalised, PDF laid out and serialised).
///
/// This is the one path `check` and `render` share, so they give the same verdict for
/// every input: `check` is this function, `render` is this function and then
/// [`write_rendered`]. Errors: [`Error::Input`] for problems in the data (Chinese, with
/// file and line), [`Error::Template`] for the template pack, [`Error::Render`] for a
/// backend failure.
pub fn prepare(
    data: &Path,
    template_dir: Option<&Path>,
    formats: &[Format],
    fonts: &render::pdf::FontSet,
) -> Result<(Report, Rendered)> {
    let report = build(data, template_dir)?;
    let rendered = render_formats(&report, formats, fonts)?;
    Ok((report, rendered))
}

/// Render `report` into each of `formats` in memory.
pub fn render_formats(
    report: &Report,
    formats: &[Format],
    fonts: &render::pdf::FontSet,
) -> Result<Rendered> {
    let mut out = Rendered::default();
    for f in formats {
        let bytes = match f {
            Format::Docx => render::docx::render(&report.document)?,
            Format::Pdf => {
                let r = render::pdf::render_with(&report.document, fonts)?;
                out.warnings.extend(r.warnings);
                r.bytes
            }
        };
        out.outputs.push((*f, bytes));
    }
    Ok(out)
}

/// Write rendered outputs as `dir/<name>.<ext>`, each atomically (temporary file in
/// `dir`, then rename); returns the paths and the rendering warnings.
pub fn write_rendered(report: &Report, rendered: Rendered, dir: &Path) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths = Vec::new();
    for (f, bytes) in rendered.outputs {
        let path = dir.join(format!("{}.{}", report.name, f.extension()));
        write_atomic(&path, &bytes)?;
        paths.push(path);
    }
    Ok(Written {
        paths,
        warnings: rendered.warnings,
    })
}

/// Load, compute, compose and parse one data file.
pub fn build(data: &Path, template_dir: Option<&Path>) -> Result<Report> {
    let (survey, pack) = survey::load(data, template_dir)?;
    let composer = compose::Composer::new(&pack)?;
    build_from(&survey, &pack.schema, &composer)
}

/// Compute, compose and parse an already loaded survey with a ready composer.
pub fn build_from(
    survey: &survey::Survey,
    schema: &survey::Schema,
    composer: &compose::Composer,
) -> Result<Report> {
    let figures = stats::compute(survey, schema);
    let markdown = composer.render(survey, &figures)?;
    let document = doc::parse(&markdown, meta_of(&survey.report))?;
    let name = output_name(&survey.report, &survey.source);
    Ok(Report {
        name,
        units: survey.units.len(),
        markdown,
        document,
    })
}

fn meta_of(r: &survey::ReportMeta) -> doc::Meta {
    doc::Meta {
        title: r.title.clone(),
        subtitle: r.subtitle.clone(),
        author: r.author.clone().or_else(|| r.organisation.clone()),
        organisation: r.organisation.clone(),
        date: r.date,
        subject: Some(format!("{}{}年调研报告", r.region, r.period)),
    }
}

/// The file name stem: the report's `output:`, else the data file's stem, made safe for
/// every file system (no separators, no control or reserved characters, no leading dot).
pub fn output_name(r: &survey::ReportMeta, data: &Path) -> String {
    let raw = r.output.clone().unwrap_or_else(|| {
        data.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let safe: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let safe = safe
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_string();
    if safe.is_empty() {
        "report".to_string()
    } else {
        safe.chars().take(120).collect()
    }
}

/// Write `bytes` to `path` atomically, creating its folder first.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    write_atomic(path, bytes)
}

/// What [`write`] produced.
#[derive(Debug, Default)]
pub struct Written {
    pub paths: Vec<PathBuf>,
    /// Warnings for the writer (in Chinese), e.g. characters no font can draw.
    pub warnings: Vec<String>,
}

/// Render `report` into each format with the bundled fonts; see [`write_with`].
pub fn write(report: &Report, dir: &Path, formats: &[Format]) -> Result<Written> {
    write_with(report, dir, formats, render::pdf::FontSet::bundled())
}

/// Render `report` into each format, writing `dir/<name>.<ext>` atomically (temporary file
/// in `dir`, then rename). Nothing is written unless every format rendered.
pub fn write_with(
    report: &Report,
    dir: &Path,
    formats: &[Format],
    fonts: &render::pdf::FontSet,
) -> Result<Written> {
    let rendered = render_formats(report, formats, fonts)?;
    write_rendered(report, rendered, dir)
}

/// Temporary files being written now, so an interrupted run can remove them.
static TEMPORARIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Remove every temporary file still being written (for a Ctrl-C handler): an interrupted
/// run leaves no half-written report and no stray file.
pub fn remove_temporaries() {
    if let Ok(mut t) = TEMPORARIES.lock() {
        for p in t.drain(..) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Write `bytes` to a temporary file beside `path` and rename it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fname = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{fname}.{}.tmp", std::process::id()));
    if let Ok(mut t) = TEMPORARIES.lock() {
        t.push(tmp.clone());
    }
    let result = std::fs::write(&tmp, bytes)
        .map_err(|e| Error::io(&tmp, e))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    if let Ok(mut t) = TEMPORARIES.lock() {
        t.retain(|p| *p != tmp);
    }
    result
}
