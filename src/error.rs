//! Errors and diagnostics shared by every stage.
//!
//! Data problems are reported as [`Diagnostic`]s in Chinese, naming the file, line, unit and
//! field; everything a user can fix maps to exit code 2.

use std::fmt;
use std::path::PathBuf;

/// One problem found in user input, printable as `file:line: 单位：message`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The unit (community) the problem is in, if any.
    pub unit: Option<String>,
    /// The field's dotted path, if any.
    pub field: Option<String>,
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
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
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

    pub fn at(mut self, line: Option<usize>, column: Option<usize>) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

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
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
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

/// Every error the library returns.
#[derive(Debug)]
pub enum Error {
    /// Problems in the data file or template pack that the user must fix (exit 2).
    Input(Vec<Diagnostic>),
    /// A template failed to parse or render (exit 2).
    Template(String),
    /// Reading or writing a file failed (shown in Chinese by [`crate::fsio::io_reason`]).
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A backend could not produce its output (a bug or a resource problem).
    Render(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn input(d: Diagnostic) -> Self {
        Error::Input(vec![d])
    }

    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Template(_) | Error::Io { .. } => 2,
            Error::Render(_) => 1,
        }
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
            Error::Template(msg) => write!(f, "模板错误：{msg}"),
            Error::Io { path, source } => write!(
                f,
                "{}: 无法读写文件：{}",
                path.display(),
                crate::fsio::io_reason(source)
            ),
            Error::Render(msg) => write!(f, "生成输出失败：{msg}"),
        }
    }
}

impl std::error::Error for Error {}

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
}
