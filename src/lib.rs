//! diaoyan (调研): survey data → statistics → Tera templates → Markdown → one Document →
//! DOCX and PDF.
//!
//! Each stage is a function from one typed value to the next:
//!
//! ```text
//! survey::load → stats::compute → compose::Composer::render → doc::parse → render::{docx, pdf}
//! ```
#![warn(missing_docs)]

pub mod batch;
pub mod chars;
pub mod compose;
pub mod date;
pub mod doc;
pub mod error;
pub mod excerpt;
pub mod fsio;
pub mod limits;
pub mod names;
pub mod number;
pub mod refdoc;
pub mod render;
pub mod sample;
pub mod serve;
pub mod sheet;
pub mod stats;
pub mod survey;
pub mod watch;
pub mod workflow;
pub mod write;

use std::path::{Path, PathBuf};

pub use error::{Diagnostic, Error, Result, Severity};
pub use names::{name_key, safe_name, MAX_NAME_BYTES, MAX_NAME_CHARS, NAME_MAX, NAME_SUFFIX_BYTES};
pub use write::{stop_writing, write_atomic, write_file, write_group};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Office Open XML word-processing document (Word, WPS, LibreOffice).
    Docx,
    /// PDF, laid out by the crate's own typesetter.
    Pdf,
}

impl Format {
    /// The file extension, without the dot (`docx`, `pdf`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
        }
    }
}

/// A report built in memory: the Document and the name its files take.
pub struct Report {
    /// The file name stem of the report's outputs ([`output_name`]).
    pub name: String,
    /// The report Markdown the template pack composed (written with `--markdown`).
    pub markdown: String,
    /// The parsed report, the only thing the backends see.
    pub document: doc::Document,
    /// The data file, and the names of its units (how many the report covers; where
    /// [`check_glyphs`] looks).
    pub source: PathBuf,
    /// The units' names, in data-file order.
    pub units: Vec<String>,
    /// Warnings about the data that do not stop the report (a pack's `checks:` rule of
    /// `level: warning`; units new or gone since the previous period); [`render_formats`]
    /// passes them on before the renderers' own.
    pub warnings: Vec<Diagnostic>,
    /// Every file the report is made from besides `source`: the previous period's data
    /// file and the template pack's files (when the pack is a folder). No output may
    /// replace one of them ([`write_report`] refuses).
    pub inputs: Vec<PathBuf>,
}

/// Every requested format rendered in memory; nothing written yet.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Each format's file bytes, in the order asked for.
    pub outputs: Vec<(Format, Vec<u8>)>,
    /// Warnings for the writer ([`Severity::Warning`], in Chinese), e.g. characters no
    /// font can draw.
    pub warnings: Vec<Diagnostic>,
}

/// Everything `render` does short of writing: load, compute, compose, parse, and render
/// each format in memory (DOCX built and normalised, PDF laid out and serialised).
///
/// This is the one path `check` and `render` share, so they give the same verdict for
/// every input: `check` is this function, `render` is this function and then
/// [`write_rendered`]. Errors: [`Error::Input`] for problems in the data (Chinese, with
/// file and line), [`Error::Template`] for the template pack, [`Error::Render`] for a
/// backend failure.
///
/// ```
/// use diaoyan::{render::pdf::FontSet, Format, MissingGlyphs};
/// let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
/// let fonts = FontSet::bundled();
/// let (report, rendered) = diaoyan::prepare(&data, None, &[Format::Pdf], fonts, MissingGlyphs::Refuse)?;
/// assert_eq!(report.units.len(), 12);
/// assert_eq!(rendered.outputs[0].0, Format::Pdf);
/// assert!(rendered.outputs[0].1.starts_with(b"%PDF"));
/// # Ok::<(), diaoyan::Error>(())
/// ```
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
    let mut out = Rendered {
        warnings: report.warnings.clone(),
        ..Rendered::default()
    };
    for f in formats {
        let bytes = match f {
            Format::Docx => render::docx::render(&report.document)?,
            Format::Pdf => {
                let r = render::pdf::render_with(&report.document, fonts)?;
                out.warnings
                    .extend(r.warnings.into_iter().map(Diagnostic::warning));
                r.bytes
            }
        };
        out.outputs.push((*f, bytes));
    }
    Ok(out)
}

/// Write rendered outputs as `dir/<name>.<ext>`, together ([`write_group`]: every
/// temporary file in `dir` first, then every rename; all or none); returns the paths and
/// the rendering warnings.
pub fn write_rendered(report: &Report, rendered: Rendered, dir: &Path) -> Result<Written> {
    write_report(report, rendered, dir, false)
}

/// [`write_rendered`], and with `markdown` also the report's Markdown as
/// `dir/<name>.md`, in the same group.
pub fn write_report(
    report: &Report,
    rendered: Rendered,
    dir: &Path,
    markdown: bool,
) -> Result<Written> {
    fsio::create_dir_all(dir)?;
    let mut files: Vec<(PathBuf, &[u8])> = rendered
        .outputs
        .iter()
        .map(|(f, bytes)| {
            let path = dir.join(format!("{}.{}", report.name, f.extension()));
            (path, bytes.as_slice())
        })
        .collect();
    if markdown {
        let path = dir.join(format!("{}.md", report.name));
        files.push((path, report.markdown.as_bytes()));
    }
    refuse_overwriting_inputs(report, dir, &files)?;
    write_group(&files)?;
    Ok(Written {
        paths: files.into_iter().map(|(p, _)| p).collect(),
        warnings: rendered.warnings,
    })
}

/// A report never replaces what it is made from: no output may be the data file itself,
/// and no report is written into a template pack's folder (its `.md` would replace or join
/// the pack's templates — `render --template wp -o wp --markdown` overwrote `report.md`).
fn refuse_overwriting_inputs(
    report: &Report,
    dir: &Path,
    files: &[(PathBuf, &[u8])],
) -> Result<()> {
    if dir.join("template.yaml").exists() {
        return Err(Error::input(Diagnostic::new(
            dir,
            "输出目录是一个模板包文件夹（含 template.yaml），拒绝写入：报告文件会覆盖或混入模板；请换一个输出目录",
        )));
    }
    let source = report.source.canonicalize().ok();
    let others: Vec<(&PathBuf, PathBuf)> = report
        .inputs
        .iter()
        .filter_map(|p| Some((p, p.canonicalize().ok()?)))
        .collect();
    for (path, _) in files {
        let Some(out) = path.canonicalize().ok() else {
            continue;
        };
        if Some(&out) == source.as_ref() {
            return Err(Error::input(Diagnostic::new(
                path,
                "输出文件就是数据文件本身，拒绝覆盖；请换一个输出目录或 report.output",
            )));
        }
        // The previous period's data file, a pack's template (attacker finding F9,
        // issue 18: `previous: b.docx` with `report.output: b` replaced the data).
        if let Some(input) = others.iter().find(|(_, c)| *c == out) {
            return Err(Error::input(Diagnostic::new(
                path,
                format!(
                    "输出文件就是报告的输入文件 {}（上一期数据或模板文件），拒绝覆盖；请换一个输出目录或 report.output",
                    input.0.display()
                ),
            )));
        }
    }
    Ok(())
}

/// Load, compute, compose and parse one data file.
pub fn build(data: &Path, template_dir: Option<&Path>) -> Result<Report> {
    let (survey, pack) = survey::load(data, template_dir)?;
    let composer = compose::Composer::new(&pack)?;
    let mut report = build_from(&survey, &pack.schema, &composer)?;
    report.inputs.extend(pack_files(&pack));
    Ok(report)
}

/// The files of a pack read from a folder: its `template.yaml` and template files.
pub fn pack_files(pack: &survey::Pack) -> Vec<PathBuf> {
    let Some(dir) = &pack.dir else {
        return Vec::new();
    };
    std::iter::once(dir.join("template.yaml"))
        .chain(pack.templates.iter().map(|(name, _)| dir.join(name)))
        .collect()
}

/// Compute, compose and parse an already loaded survey with a ready composer.
pub fn build_from(
    survey: &survey::Survey,
    schema: &survey::Schema,
    composer: &compose::Composer,
) -> Result<Report> {
    let figures = stats::compute(survey, schema);
    let markdown = composer.render(survey, &figures)?;
    let mut document = doc::parse(&markdown, meta_of(&survey.report))?;
    composer.finish(&mut document, survey, &figures)?;
    let name = output_name(&survey.report, &survey.source);
    Ok(Report {
        name,
        markdown,
        document,
        source: survey.source.clone(),
        units: survey.units.iter().map(|u| u.name.clone()).collect(),
        warnings: survey.warnings.clone(),
        inputs: survey
            .previous
            .as_ref()
            .and_then(|p| p.file.clone())
            .into_iter()
            .collect(),
    })
}

/// Refuse a report whose unit names, title, headings or 落款 (the organisation) hold a character no font of
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
                d.set_source(Some(&src));
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
    // The 落款's 署名 is the organisation's name, printed on its own at the end.
    if let Some(sig) = report
        .document
        .closing
        .as_ref()
        .and_then(|c| c.signature.as_deref())
    {
        add(
            format!("落款“{sig}”"),
            None,
            sig,
            "report.organisation",
            false,
        );
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
        reference: None,
    }
}

/// The file name stem: the report's `output:`, else the data file's stem, made a portable
/// file name by [`safe_name`].
pub fn output_name(r: &survey::ReportMeta, data: &Path) -> String {
    let raw = r.output.clone().unwrap_or_else(|| {
        data.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    safe_name(&raw)
}

/// What [`write()`] produced.
#[derive(Debug, Default)]
pub struct Written {
    /// The files written, in the order of the formats (then the Markdown).
    pub paths: Vec<PathBuf>,
    /// Warnings for the writer ([`Severity::Warning`], in Chinese), e.g. characters no
    /// font can draw.
    pub warnings: Vec<Diagnostic>,
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

/// Write a new template pack into `dir` (created): the files [`survey::starter_files`]
/// gives, each written atomically. Returns their paths.
///
/// Errors: those of [`survey::starter_files`] (bad folder name, a file already there), and
/// I/O errors creating the folder or writing.
pub fn scaffold_pack(dir: &Path) -> Result<Vec<PathBuf>> {
    let files = survey::starter_files(dir)?;
    fsio::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (p, text) in files {
        write::write_atomic(&p, text.as_bytes())?;
        written.push(p);
    }
    Ok(written)
}
