//! diaoyan (调研): survey data → statistics → Tera templates → Markdown → one Document →
//! DOCX and PDF.
//!
//! Each stage is a function from one typed value to the next:
//!
//! ```text
//! survey::load → stats::compute → compose::Composer::render → doc::parse → render::{docx, pdf}
//! ```

pub mod batch;
pub mod chars;
pub mod compose;
pub mod date;
pub mod doc;
pub mod error;
pub mod excerpt;
pub mod fsio;
pub mod limits;
pub mod number;
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
    for (path, _) in files {
        if source.is_some() && path.canonicalize().ok() == source {
            return Err(Error::input(Diagnostic::new(
                path,
                "输出文件就是数据文件本身，拒绝覆盖；请换一个输出目录或 report.output",
            )));
        }
    }
    Ok(())
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
    let mut document = doc::parse(&markdown, meta_of(&survey.report))?;
    composer.finish(&mut document, survey, &figures)?;
    let name = output_name(&survey.report, &survey.source);
    Ok(Report {
        name,
        markdown,
        document,
        source: survey.source.clone(),
        units: survey.units.iter().map(|u| u.name.clone()).collect(),
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

/// `raw` made a file name stem every file system accepts and that opens on a Windows
/// share. Deterministic; the rules, in order:
///
/// 0. The name is put in Unicode normalisation form C (NFC): `café` written with a
///    combining accent (NFD, as macOS file names often come) and with `é` are one name.
/// 1. Each character Windows forbids in a name (`<>:"/\|?*`), each control character
///    (general category Cc), format character (Cf: bidi controls such as U+202E, zero-width
///    spaces and joiners, the byte-order mark) and line or paragraph separator (Zl, Zp)
///    becomes `_`.
/// 2. Leading white space and dots (a hidden file), trailing white space and dots (Windows
///    drops them) are removed.
/// 3. The stem is cut, at a character boundary, to [`MAX_NAME_CHARS`] characters and
///    [`MAX_NAME_BYTES`] bytes of UTF-8; trailing dots and white space are removed again.
/// 4. An empty stem becomes `report`.
/// 5. A Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`,
///    `COM¹²³`, `LPT¹²³`, `CONIN$`, `CONOUT$`; any case; the part before the first dot,
///    trailing spaces ignored) gets `_` appended to that part: `aux` → `aux_`,
///    `con.2020` → `con_.2020` (Windows opens the device, not a file, for such a name
///    whatever its extension).
///
/// Source: Microsoft, "Naming Files, Paths, and Namespaces" (reserved characters and
/// names); POSIX `NAME_MAX` = 255 bytes (ext4, XFS, APFS); NTFS allows 255 UTF-16 units.
pub fn safe_name(raw: &str) -> String {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    use unicode_normalization::UnicodeNormalization;
    let mapped: String = raw
        .nfc()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if matches!(
                get_general_category(c),
                G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator
            ) =>
            {
                '_'
            }
            c => c,
        })
        .collect();
    let trim = |s: &str| {
        s.trim_start_matches(|c: char| c.is_whitespace() || c == '.')
            .trim_end_matches(|c: char| c.is_whitespace() || c == '.')
            .to_string()
    };
    let mapped = trim(&mapped);
    let mut bytes = 0;
    let cut: String = mapped
        .chars()
        .take(MAX_NAME_CHARS)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= MAX_NAME_BYTES
        })
        .collect();
    let cut = trim(&cut);
    if cut.is_empty() {
        return "report".to_string();
    }
    let (base, rest) = cut.split_at(cut.find('.').unwrap_or(cut.len()));
    if windows_reserved(base) {
        format!("{base}_{rest}")
    } else {
        cut
    }
}

/// The key under which two output names are the same file somewhere: Unicode canonical
/// caseless matching (NFD, then full case folding, then NFD again; Unicode §3.13, D145),
/// so names that differ only by normalisation (`café` NFC and NFD: one file on macOS) or
/// by case (`Report`, `report`, `REPORT`; `Straße`, `STRASSE`: one file on macOS and
/// Windows) have one key. Batches make planned names distinct under this key.
pub fn name_key(name: &str) -> String {
    use caseless::Caseless;
    use unicode_normalization::UnicodeNormalization;
    name.chars().nfd().default_case_fold().nfd().collect()
}

/// Whether Windows reserves `base` (a name without its extension) for a device.
fn windows_reserved(base: &str) -> bool {
    let b = base.trim_end_matches(' ').to_ascii_uppercase();
    if matches!(
        b.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let mut cs = b.chars();
    let head: String = cs.by_ref().take(3).collect();
    let tail: Vec<char> = cs.collect();
    (head == "COM" || head == "LPT")
        && matches!(tail.as_slice(), [d] if d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'))
}

/// Most characters of an output file's stem (NTFS counts UTF-16 units: 120 characters
/// take at most 240, leaving room for the suffix and extension).
pub const MAX_NAME_CHARS: usize = 120;
/// Most UTF-8 bytes of an output file's stem (a CJK character takes 3, so 60 of them).
///
/// The budget is the longest name written: the stem, a batch suffix `-N` ([`NAME_SUFFIX_BYTES`]),
/// the extension `.docx` and, for the temporary file, `.` before and `.<pid>.tmp` after
/// (a pid has at most 10 digits) — together within the 255 bytes file systems allow.
pub const MAX_NAME_BYTES: usize = 180;
/// Most bytes of the `-N` a batch appends to tell equal names apart (`-` and a `u64`).
pub const NAME_SUFFIX_BYTES: usize = 21;
/// Most bytes a name can hold on ext4, XFS, APFS, NTFS (for ASCII) and most others.
pub const NAME_MAX: usize = 255;
const _: () = assert!(
    MAX_NAME_BYTES + NAME_SUFFIX_BYTES + ".docx".len() + ".".len() + ".4294967295.tmp".len()
        <= NAME_MAX
);

/// Write `bytes` to `path` atomically, creating its folder first.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fsio::create_dir_all(parent)?;
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

/// Held while files are written: a group of files (one report's DOCX, PDF and Markdown)
/// is written to temporary files and renamed into place under this lock, and an
/// interrupt ([`stop_writing`]) takes it before the process exits. So an interrupt waits
/// for a group being written and stops any group not yet started: a report's files
/// appear together or not at all, and no temporary file is left behind.
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// For a Ctrl-C (SIGINT, SIGTERM, SIGHUP) handler, before it exits: wait until the group of
/// files being written (if any) is complete, then keep every other write from starting
/// (the lock is never released). Call `std::process::exit` next.
pub fn stop_writing() {
    let guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::forget(guard);
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
        write_atomic(&p, text.as_bytes())?;
        written.push(p);
    }
    Ok(written)
}

/// Write `bytes` to a temporary file beside `path` and rename it into place; see
/// [`write_group`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_group(&[(path.to_path_buf(), bytes)])
}

/// The temporary file `path` is written to first: `.<name>.<pid>.tmp` beside it (hidden,
/// and ignored by `--watch` and by the batch walk).
fn temporary(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fname = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{fname}.{}.tmp", std::process::id()))
}

/// Create `tmp` afresh and write `bytes` to it. The file is created exclusively
/// (`O_CREAT|O_EXCL`, which never follows a symlink): a symlink or file planted at the
/// predictable temporary name is removed (the link itself, not what it points to) and the
/// creation retried once, so a write can never land outside the output folder.
fn create_exclusive(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
    };
    let mut file = match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            open()?
        }
        other => other?,
    };
    let written = file.write_all(bytes).and_then(|()| file.flush());
    if written.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    written
}

/// Write a group of files so that they appear together or not at all: every file to its
/// temporary file first, then every rename, all under one process-wide lock that an
/// interrupt handler takes ([`stop_writing`]). If a write or rename fails, the temporary
/// files and the files of this group already renamed are removed (a file the group
/// replaced is then gone too: the old set is not restored). Folders must exist.
///
/// The guarantee holds for Ctrl-C, SIGTERM and SIGHUP (handled), not for SIGKILL or a
/// power cut (which may leave a `.*.tmp` file or part of a group).
pub fn write_group(files: &[(PathBuf, &[u8])]) -> Result<()> {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let temps: Vec<PathBuf> = files.iter().map(|(p, _)| temporary(p)).collect();
    let remove = |paths: &[PathBuf]| {
        for p in paths {
            let _ = std::fs::remove_file(p);
        }
    };
    // A device, FIFO or folder where a report goes is refused, never replaced
    // (`-o /dev/full` would swap the device node for a file when run as root).
    for (path, _) in files {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let ft = meta.file_type();
            if !ft.is_file() && !ft.is_symlink() {
                return Err(Error::input(Diagnostic::new(
                    path,
                    "已存在且不是普通文件（如设备、命名管道或文件夹），拒绝覆盖；请换一个输出路径",
                )));
            }
        }
    }
    for (i, ((path, bytes), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = create_exclusive(tmp, bytes) {
            remove(&temps[..i]);
            // Named by the file the writer asked for, not the hidden temporary one.
            return Err(Error::io(path, e));
        }
    }
    let mut done: Vec<PathBuf> = Vec::new();
    for (i, ((path, _), tmp)) in files.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            remove(&temps[i..]);
            remove(&done);
            return Err(Error::io(path, e));
        }
        done.push(path.clone());
    }
    Ok(())
}

#[cfg(test)]
mod name_tests {
    use super::*;

    /// A symlink planted at the temporary name is replaced, not followed: the file it
    /// points to (outside the folder) keeps its content.
    #[cfg(unix)]
    #[test]
    fn a_planted_temporary_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "victim").unwrap();
        let target = out.join("r.docx");
        std::os::unix::fs::symlink(&victim, temporary(&target)).unwrap();
        write_atomic(&target, b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
        assert_eq!(std::fs::read(&target).unwrap(), b"report");
        assert!(!temporary(&target).exists());
    }

    #[test]
    fn names_are_mapped_for_every_file_system() {
        for (raw, want) in [
            ("青年路-2019", "青年路-2019"),
            ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
            ("x\u{202E}fdp", "x_fdp"),
            ("a\u{200B}b\u{FEFF}c\u{2028}d", "a_b_c_d"),
            ("tab\there", "tab_here"),
            ("..hidden", "hidden"),
            ("trailing. . ", "trailing"),
            ("  ", "report"),
            ("...", "report"),
            ("CON", "CON_"),
            ("con.2020", "con_.2020"),
            ("Aux", "Aux_"),
            ("nul .txt", "nul _.txt"),
            ("COM1", "COM1_"),
            ("lpt9", "lpt9_"),
            ("LPT0", "LPT0_"),
            ("COM¹", "COM¹_"),
            ("conin$", "conin$_"),
            ("CONSOLE", "CONSOLE"),
            ("COM10", "COM10"),
            ("LPT", "LPT"),
            ("report-CON", "report-CON"),
        ] {
            assert_eq!(safe_name(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn names_are_cut_by_bytes_at_a_character_boundary() {
        let cjk = safe_name(&"长".repeat(100));
        assert_eq!(cjk, "长".repeat(MAX_NAME_BYTES / 3));
        let mixed = safe_name(&format!("a{}", "长".repeat(100)));
        assert!(mixed.len() <= MAX_NAME_BYTES && mixed.len() > MAX_NAME_BYTES - 3);
        let ascii = safe_name(&"a".repeat(300));
        assert_eq!(ascii.len(), MAX_NAME_CHARS);
        // A cut that ends in a dot or space loses it.
        let dotted = safe_name(&format!("{}.{}", "长".repeat(59), "长".repeat(10)));
        assert_eq!(dotted, "长".repeat(59));
        let astral = safe_name(&"𠀀".repeat(100));
        assert_eq!(astral, "𠀀".repeat(MAX_NAME_BYTES / 4));
    }

    /// The longest name written — stem, batch suffix, `.docx`, and the temporary file's
    /// `.` and `.<pid>.tmp` — can be created on this file system.
    #[test]
    fn the_longest_temporary_name_fits() {
        let dir = tempfile::tempdir().unwrap();
        let stem = safe_name(&"长".repeat(200));
        let name = format!("{stem}-{}.docx", u64::MAX);
        let path = dir.path().join(&name);
        let tmp = temporary(&path);
        assert!(tmp.file_name().unwrap().len() <= NAME_MAX);
        write_atomic(&path, b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
        let long = dir.path().join(format!(".{name}.4294967295.tmp"));
        std::fs::write(long, b"x").unwrap();
    }

    /// A group whose second rename fails leaves neither file nor temporary file.
    #[test]
    fn a_failed_group_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("r.docx");
        let b = dir.path().join("r.pdf");
        std::fs::create_dir(&b).unwrap();
        std::fs::write(b.join("x"), b"x").unwrap();
        let e = write_group(&[(a.clone(), b"a"), (b.clone(), b"b")]);
        assert!(e.is_err());
        assert!(!a.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("r.pdf")]);
    }
}
