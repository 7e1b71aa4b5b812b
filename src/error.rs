//! Errors and diagnostics shared by every stage.
//!
//! Data problems are reported as [`Diagnostic`]s in Chinese, naming the file, line, unit and
//! field; everything a user can fix maps to exit code 2. Errors are values: a diagnostic's
//! place, a template error's file, line and column are fields, so the command line, the
//! batch summary and a web page can present them alike; `Display` gives the Chinese text
//! the command line prints.

use std::fmt;
use std::path::PathBuf;

/// How much a [`Diagnostic`] matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// The input cannot be used as it is: nothing is written (exit code 2).
    #[default]
    Error,
    /// The output is written, but the writer should look (a character drawn as □).
    Warning,
    /// Information about what was done (a skipped 合计 row, a hidden sheet).
    Note,
}

impl Severity {
    /// The Chinese label a warning or note is printed with (`警告`, `提示`); an error is
    /// printed without one (its place leads), so this is `错误` only for presenters that
    /// want a label for every severity.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Note => "提示",
        }
    }
}

/// One problem found in user input, printable as `file:line:column: 单位：message` with the
/// offending source line under it; a warning or note as `警告：message` / `提示：message`.
///
/// ```
/// use diaoyan::{Diagnostic, Severity};
/// let d = Diagnostic::new("data/x.yaml", "性别合计 9 人，与工作人员总数 8 人不一致")
///     .at(Some(145), Some(23))
///     .unit("安定社区");
/// assert_eq!(d.severity, Severity::Error);
/// assert_eq!((d.line, d.column), (Some(145), Some(23)));
/// assert_eq!(
///     d.to_string(),
///     "data/x.yaml:145:23: 安定社区：性别合计 9 人，与工作人员总数 8 人不一致"
/// );
/// assert_eq!(Diagnostic::warning("字符缺字").to_string(), "警告：字符缺字");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// How much it matters ([`Severity::Error`] unless made by [`Diagnostic::warning`] or
    /// [`Diagnostic::note`]).
    pub severity: Severity,
    /// The file the problem is in (a data file, template or spreadsheet); empty for a
    /// diagnostic about no file (a rendering warning), which is then printed without it.
    pub file: PathBuf,
    /// 1-based line in `file`, if known.
    pub line: Option<usize>,
    /// 1-based column (in characters) on `line`, if known.
    pub column: Option<usize>,
    /// The unit (community) the problem is in, if any.
    pub unit: Option<String>,
    /// The field's dotted path, if any.
    pub field: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
    /// The offending source line, shown under the message (set it with
    /// [`Diagnostic::set_source`], which keeps only a window around the column).
    pub source_line: Option<String>,
    /// When `source_line` already holds a window of a long line: the caret's column in it.
    pub source_caret: Option<Option<usize>>,
    /// For the summary entry a capped list ends with (see [`push_capped`]): how many
    /// problems were found but not listed (0 for an ordinary diagnostic).
    pub unlisted: usize,
}

/// Diagnostics one error lists in full; further ones are only counted (issue 15: a file
/// with 70,000 faults must not hold 70,000 messages).
pub const LISTED: usize = 200;

/// Adds `d` to `list`, keeping at most [`LISTED`] diagnostics in full: beyond that the
/// list's last entry is a summary `……另有 N 处问题未列出` counting the rest.
pub fn push_capped(list: &mut Vec<Diagnostic>, d: Diagnostic) {
    // `d` may itself be a summary (of a list capped before): its count is added.
    let n = d.unlisted.max(1);
    if list.len() < LISTED && d.unlisted == 0 {
        list.push(d);
    } else if let Some(last) = list.last_mut().filter(|l| l.unlisted > 0) {
        last.unlisted += n;
    } else {
        let mut summary = Diagnostic::new(d.file, String::new());
        summary.unlisted = n;
        list.push(summary);
    }
}

/// Whether `list` already holds [`LISTED`] diagnostics (further ones are only counted, so
/// callers need not build their source lines).
pub fn is_full(list: &[Diagnostic]) -> bool {
    list.len() >= LISTED
}

impl Diagnostic {
    /// An error ([`Severity::Error`]) in `file`, without a place yet (see
    /// [`Diagnostic::at`]).
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            column: None,
            unit: None,
            field: None,
            message: message.into(),
            source_line: None,
            source_caret: None,
            unlisted: 0,
        }
    }

    /// A warning about no particular file, printed `警告：message` (the output is still
    /// written).
    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::new(PathBuf::new(), message)
        }
    }

    /// A note about no particular file, printed `提示：message`.
    pub fn note(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::new(PathBuf::new(), message)
        }
    }

    /// Sets the offending source line (call after [`Diagnostic::at`]): a long line is kept
    /// only as a window of 120 characters around the column, so a diagnostic's memory is
    /// bounded whatever the line's length.
    pub fn set_source(&mut self, line: Option<&str>) {
        match line.map(|l| crate::excerpt::window(l, self.column, 120)) {
            None => {
                self.source_line = None;
                self.source_caret = None;
            }
            Some((std::borrow::Cow::Borrowed(l), _)) => {
                self.source_line = Some(l.to_string());
                self.source_caret = None;
            }
            Some((std::borrow::Cow::Owned(w), col)) => {
                self.source_line = Some(w);
                self.source_caret = Some(col);
            }
        }
    }

    /// Places the diagnostic at 1-based `line` and `column` of its file.
    pub fn at(mut self, line: Option<usize>, column: Option<usize>) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// Names the unit (community) the problem is in.
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Names the field (dotted path) the problem is in.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unlisted > 0 {
            return write!(
                f,
                "{}: ……另有 {} 处问题未列出",
                self.file.display(),
                self.unlisted
            );
        }
        if self.severity != Severity::Error {
            write!(f, "{}：", self.severity.label())?;
        }
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            write!(f, ": ")?;
        }
        if let Some(unit) = &self.unit {
            write!(f, "{}：", visible(&crate::excerpt::quote(unit)))?;
        }
        write!(f, "{}", visible(&self.message))?;
        if let (Some(line), Some(src)) = (self.line, &self.source_line) {
            // A long line (a 60 MB value on one line) shown as a window around the column.
            let (src, column) = match self.source_caret {
                Some(caret) => (std::borrow::Cow::Borrowed(src.as_str()), caret),
                None => crate::excerpt::window(src, self.column, 120),
            };
            let src = &visible(&src);
            let n = line.to_string();
            let pad = " ".repeat(n.len());
            write!(f, "\n{pad} |\n{n} | {src}")?;
            if let Some(col) = column {
                let lead: String = src
                    .chars()
                    .take(col.saturating_sub(1))
                    .map(|c| {
                        if c == '\t' {
                            '\t'
                        } else if crate::chars::is_wide(c) {
                            '\u{3000}'
                        } else {
                            ' '
                        }
                    })
                    .collect();
                write!(f, "\n{pad} | {lead}^")?;
            }
        }
        Ok(())
    }
}

/// `s` safe to print on a terminal: control characters (C0 but tab, DEL, C1) shown as
/// their Unicode control pictures (U+240x) or `\u{..}`, so a data file cannot send escape
/// sequences to the writer's terminal through an error message that quotes it.
fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}');
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32)
                .map(String::from)
                .unwrap_or_default(),
            '\u{7f}' => "\u{2421}".to_string(),
            c if bad(c) => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// A template that does not compile or render, or a report Markdown the parser refuses:
/// where (pack, file, line, column, as far as known) and what, in Chinese.
///
/// Printed `pack/file:line:column：message` (each part only when known).
#[derive(Debug)]
pub struct TemplateError {
    /// The template pack as shown to the writer (its folder, or `name（内置）`).
    pub pack: Option<String>,
    /// The template file inside the pack (`report.md`), or a place Tera named.
    pub file: Option<String>,
    /// 1-based line in `file`.
    pub line: Option<usize>,
    /// 1-based column (in characters) on `line`.
    pub column: Option<usize>,
    /// What is wrong, in Chinese.
    pub message: String,
    /// The underlying error, if one caused it ([`std::error::Error::source`]).
    pub cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TemplateError {
    /// An error with `message` and no place yet.
    pub fn new(message: impl Into<String>) -> Self {
        TemplateError {
            pack: None,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            cause: None,
        }
    }

    /// The pack the error is in.
    pub fn pack(mut self, pack: impl Into<String>) -> Self {
        self.pack = Some(pack.into());
        self
    }

    /// The template file the error is in (inside the pack).
    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// The 1-based line and column in the file.
    pub fn at(mut self, line: Option<usize>, column: Option<usize>) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// The error that caused this one.
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut placed = false;
        if let Some(pack) = &self.pack {
            write!(f, "{pack}")?;
            placed = true;
        }
        if let Some(file) = &self.file {
            if placed {
                write!(f, "/")?;
            }
            write!(f, "{file}")?;
            placed = true;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
        }
        if placed {
            write!(f, "：")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for TemplateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// A backend could not produce its output: what failed, in Chinese, and the error that
/// caused it, if any.
#[derive(Debug)]
pub struct RenderError {
    /// What failed, in Chinese (`PDF 写出失败：…`).
    pub message: String,
    /// The underlying error ([`std::error::Error::source`]).
    pub cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Every error the library returns.
#[derive(Debug)]
pub enum Error {
    /// Problems in the data file or template pack that the user must fix (exit 2), each
    /// with its place; a list is capped at [`LISTED`] with a count of the rest.
    Input(Vec<Diagnostic>),
    /// A template failed to parse or render (exit 2).
    Template(TemplateError),
    /// Reading or writing a file failed (shown in Chinese by [`crate::fsio::io_reason`]).
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A backend could not produce its output (a bug or a resource problem; exit 1).
    Render(RenderError),
}

impl Error {
    /// A read or write of `path` that failed with `source`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// One problem in the input.
    pub fn input(d: Diagnostic) -> Self {
        Error::Input(vec![d])
    }

    /// A template error with `message` and no place (see [`TemplateError`] for one with
    /// a place).
    pub fn template(message: impl Into<String>) -> Self {
        Error::Template(TemplateError::new(message))
    }

    /// A backend failure with `message` and no underlying error.
    pub fn render(message: impl Into<String>) -> Self {
        Error::Render(RenderError {
            message: message.into(),
            cause: None,
        })
    }

    /// A backend failure with `message`, caused by `cause` (kept as the error's
    /// [`std::error::Error::source`]; its text is not added to the message).
    pub fn render_caused(
        message: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Render(RenderError {
            message: message.into(),
            cause: Some(Box::new(cause)),
        })
    }

    /// The problems in the input, for an [`Error::Input`] (empty otherwise).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            Error::Input(d) => d,
            _ => &[],
        }
    }

    /// The process exit code this error maps to: 2 for the writer's input (data, template,
    /// files), 1 for a backend failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Template(_) | Error::Io { .. } => 2,
            Error::Render(_) => 1,
        }
    }
}

impl From<TemplateError> for Error {
    fn from(e: TemplateError) -> Self {
        Error::Template(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(diags) => {
                // A list not capped where it grew is capped here.
                for (i, d) in diags.iter().take(LISTED + 1).enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    if i == LISTED && d.unlisted == 0 {
                        let more = diags.len() - LISTED;
                        return write!(f, "{}: ……另有 {more} 处问题未列出", d.file.display());
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
            Error::Template(e) => write!(f, "模板错误：{e}"),
            Error::Io { path, source } => write!(
                f,
                "{}: 无法读写文件：{}",
                path.display(),
                crate::fsio::io_reason(source)
            ),
            Error::Render(e) => write!(f, "生成输出失败：{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Input(_) => None,
            Error::Template(e) => e.cause.as_deref().map(|c| c as _),
            Error::Io { source, .. } => Some(source),
            Error::Render(e) => e.cause.as_deref().map(|c| c as _),
        }
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod visible_tests {
    use super::*;

    /// A data file cannot colour or clear the writer's terminal through a quoted line.
    #[test]
    fn control_characters_in_a_quoted_line_are_shown_not_sent() {
        let mut d = Diagnostic::new("x.yaml", "含控制字符 U+001B").at(Some(3), Some(14));
        d.source_line = Some("  - title: 健全\u{1b}[31m培训\u{85}".into());
        let shown = d.to_string();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{85}'),
            "{shown}"
        );
        assert!(shown.contains("健全\u{241b}[31m培训\\u{85}"), "{shown}");
    }

    /// Template errors keep their place as fields and print as before:
    /// `pack/file:line:column：message`, each part only when known.
    #[test]
    fn template_errors_print_their_place_from_fields() {
        let e: Error = TemplateError::new("模板语法错误：x")
            .pack("templates/p")
            .file("report.md")
            .at(Some(12), Some(5))
            .into();
        assert_eq!(
            e.to_string(),
            "模板错误：templates/p/report.md:12:5：模板语法错误：x"
        );
        let Error::Template(t) = &e else {
            panic!("a template error")
        };
        assert_eq!((t.line, t.column), (Some(12), Some(5)));
        assert_eq!(t.file.as_deref(), Some("report.md"));
        let line_only = TemplateError::new("m")
            .pack("p")
            .file("a.md")
            .at(Some(3), None);
        assert_eq!(line_only.to_string(), "p/a.md:3：m");
        assert_eq!(TemplateError::new("m").pack("p").to_string(), "p：m");
        assert_eq!(
            Error::template("脚注没有定义").to_string(),
            "模板错误：脚注没有定义"
        );
        assert_eq!(e.exit_code(), 2);
    }

    /// An error caused by another keeps it as its `source()`.
    #[test]
    fn causes_are_sources() {
        use std::error::Error as _;
        let utf8 = String::from_utf8(vec![0xff]).unwrap_err();
        let e: Error = TemplateError::new("bad").caused_by(utf8).into();
        assert!(e
            .source()
            .is_some_and(|s| s.is::<std::string::FromUtf8Error>()));
        let io = Error::io("x", std::io::Error::other("disk"));
        assert!(io.source().is_some());
        let r = Error::render_caused("PDF 写出失败", std::io::Error::other("full"));
        assert_eq!(r.to_string(), "生成输出失败：PDF 写出失败");
        assert!(r.source().is_some() && r.exit_code() == 1);
        assert!(Error::input(Diagnostic::new("x", "m")).source().is_none());
    }

    /// Warnings and notes are diagnostics with a severity, printed with its label.
    #[test]
    fn warnings_and_notes_print_with_their_label() {
        let w = Diagnostic::warning("字符“𠮷”没有可用的字体");
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!(w.to_string(), "警告：字符“𠮷”没有可用的字体");
        assert_eq!(
            Diagnostic::note("跳过合计行").to_string(),
            "提示：跳过合计行"
        );
        let e = Diagnostic::new("d.yaml", "缺少字段").at(Some(3), Some(2));
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.to_string(), "d.yaml:3:2: 缺少字段");
    }
}
