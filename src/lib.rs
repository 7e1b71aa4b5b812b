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
pub mod fsio;
pub mod limits;
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
    pub markdown: String,
    pub document: doc::Document,
    /// The data file, and the names of its units (how many the report covers; where
    /// [`check_glyphs`] looks).
    pub source: PathBuf,
    pub units: Vec<String>,
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
    glyphs: MissingGlyphs,
) -> Result<(Report, Rendered)> {
    let report = build(data, template_dir)?;
    let rendered = render_formats(&report, formats, fonts, glyphs)?;
    Ok((report, rendered))
}

/// What rendering does with a character no font has in a unit name, the title or a
/// heading (elsewhere it is always drawn as □ with a warning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingGlyphs {
    /// Refuse the report with [`check_glyphs`]'s error (exit 2): a reader must read names.
    #[default]
    Refuse,
    /// Draw □ with a warning (`--allow-missing-glyphs`).
    Allow,
}

/// Render `report` into each of `formats` in memory. When a PDF is among them and
/// `glyphs` is [`MissingGlyphs::Refuse`], first refuse names, title and headings holding a
/// character no font in `fonts` has ([`check_glyphs`]).
pub fn render_formats(
    report: &Report,
    formats: &[Format],
    fonts: &render::pdf::FontSet,
    glyphs: MissingGlyphs,
) -> Result<Rendered> {
    if glyphs == MissingGlyphs::Refuse && formats.contains(&Format::Pdf) {
        check_glyphs(report, fonts)?;
    }
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
        markdown,
        document,
        source: survey.source.clone(),
        units: survey.units.iter().map(|u| u.name.clone()).collect(),
    })
}

/// Refuse a report whose unit names, title or headings hold a character no font of
/// `fonts` can draw (the PDF would show □ where a reader must read a name): one
/// [`Diagnostic`] per character and place, naming the character (U+XXXX), with the data
/// file's line and column where the text is found there, and suggesting `--font-dir`
/// (or `--allow-missing-glyphs`). Elsewhere such a character is only a warning of the PDF
/// renderer. `render`, `batch` and `check` call this unless `--allow-missing-glyphs`.
pub fn check_glyphs(report: &Report, fonts: &render::pdf::FontSet) -> Result<()> {
    use render::pdf::uncovered;
    // The data file and its positions, read only when there is something to point at (a
    // render with every glyph covered pays nothing); a file that cannot be read gives no
    // position.
    let source: std::cell::OnceCell<(String, survey::Positions)> = std::cell::OnceCell::new();
    // Line, column and line text of `c` on the first line holding `needle`, else on the
    // first line holding `c`, else (a YAML escape such as "\U00030000") the value at `path`.
    let locate = |needle: &str, c: char, path: &str| {
        let (text, positions) = source.get_or_init(|| {
            // The same bounded, regular-file-only read and decoding as the loader's.
            let text = survey::read_text(&report.source).unwrap_or_default();
            let positions = survey::Positions::of(&text);
            (text, positions)
        });
        let lines = || text.lines().enumerate();
        let found = lines()
            .find(|(_, l)| l.contains(needle))
            .or_else(|| lines().find(|(_, l)| l.contains(c)))
            .and_then(|(i, line)| {
                let col = line.chars().position(|x| x == c)? + 1;
                Some((i + 1, col, line.to_string()))
            });
        found.or_else(|| {
            let (line, col) = positions.find(path).filter(|_| !path.is_empty())?;
            let src = text.lines().nth(line.checked_sub(1)?)?;
            Some((line, col, src.to_string()))
        })
    };
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut seen: Vec<char> = Vec::new();
    // Headings repeat names and titles: a character is reported there only if new.
    let mut add = |what: String, unit: Option<&str>, s: &str, path: &str, heading: bool| {
        for c in uncovered(fonts, s) {
            if heading && seen.contains(&c) {
                continue;
            }
            seen.push(c);
            let mut d = Diagnostic::new(
                &report.source,
                format!(
                    "{what}中的字符“{c}”（U+{:04X}）没有任何可用的字体能显示；请用 --font-dir \
                     指定含有该字的字体所在的文件夹，或加 --allow-missing-glyphs 以方框“{}”代替",
                    c as u32,
                    render::pdf::PLACEHOLDER
                ),
            );
            if let Some((line, col, src)) = locate(s, c, path) {
                d = d.at(Some(line), Some(col));
                d.source_line = Some(src);
            }
            if let Some(u) = unit {
                d = d.unit(u);
            }
            out.push(d);
        }
    };
    for (i, u) in report.units.iter().enumerate() {
        add(
            "单位名称".into(),
            Some(u),
            u,
            &format!("units.{i}.name"),
            false,
        );
    }
    let title = &report.document.meta.title;
    add(
        format!("报告标题“{title}”"),
        None,
        title,
        "report.title",
        false,
    );
    // Headings as the outline shows them (number and text), from the Document itself.
    for b in &report.document.blocks {
        if let doc::Block::Heading { number, runs, .. } = b {
            let heading = format!(
                "{}{}",
                number.as_deref().unwrap_or(""),
                doc::plain_text(runs)
            );
            add(format!("标题“{heading}”"), None, &heading, "", true);
        }
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(out))
    }
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
/// every file system (no separators, no control or reserved characters, no leading dot),
/// and short enough for one: at most [`MAX_NAME_CHARS`] characters and
/// [`MAX_NAME_BYTES`] bytes of UTF-8 (file systems limit a name to 255 bytes; the rest is
/// left for `-2`, `.docx` and the temporary suffix `.docx.<pid>.tmp`).
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
        let mut bytes = 0;
        safe.chars()
            .take(MAX_NAME_CHARS)
            .take_while(|c| {
                bytes += c.len_utf8();
                bytes <= MAX_NAME_BYTES
            })
            .collect()
    }
}

/// Most characters of an output file's stem.
pub const MAX_NAME_CHARS: usize = 120;
/// Most UTF-8 bytes of an output file's stem (a CJK character takes 3).
pub const MAX_NAME_BYTES: usize = 180;

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
    write_with(
        report,
        dir,
        formats,
        render::pdf::FontSet::bundled(),
        MissingGlyphs::Refuse,
    )
}

/// Render `report` into each format, writing `dir/<name>.<ext>` atomically (temporary file
/// in `dir`, then rename). Nothing is written unless every format rendered.
pub fn write_with(
    report: &Report,
    dir: &Path,
    formats: &[Format],
    fonts: &render::pdf::FontSet,
    glyphs: MissingGlyphs,
) -> Result<Written> {
    let rendered = render_formats(report, formats, fonts, glyphs)?;
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
