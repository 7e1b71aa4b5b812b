//! The data file a writer fills in, loaded and checked against the pack's schema.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_yaml::Value as Yaml;

use super::positions::{Pos, Positions};
use super::schema::{FieldDef, Kind, Schema};
use super::text::{self, Use};
use crate::date::{self, Date, DateError};
use crate::error::{Diagnostic, Error, Result};
use crate::number::shortest;

/// Report metadata: title, region, period, organisation, date.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportMeta {
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    pub region: String,
    pub period: String,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    /// Publication date (成文日期). Read from any spelling [`crate::date::parse`] accepts;
    /// stored and serialised (to templates, `stats --json`) as `YYYY-MM-DD`.
    #[serde(default, with = "crate::date::opt_ymd")]
    pub date: Option<Date>,
    /// Output file name (without extension); defaults to the data file's name.
    #[serde(default)]
    pub output: Option<String>,
}

/// A piece of the writer's own prose: a finding or a recommendation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prose {
    pub title: String,
    /// Paragraphs separated by blank lines.
    pub text: String,
    /// Lets the template attach computed evidence (e.g. `office`, `pay`, `staff`).
    #[serde(default)]
    pub topic: Option<String>,
}

/// The raw shape of a data file, before schema checks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSurvey {
    pub template: String,
    pub report: ReportMeta,
    pub units: Vec<Yaml>,
    #[serde(default)]
    pub tables: IndexMap<String, Vec<IndexMap<String, Yaml>>>,
    #[serde(default)]
    pub facts: IndexMap<String, Yaml>,
    #[serde(default)]
    pub findings: Vec<Prose>,
    #[serde(default)]
    pub recommendations: Vec<Prose>,
    #[serde(default)]
    pub closing: Option<String>,
    /// The previous period, for 同比 figures: a data file's path (relative to this file) or
    /// inline `period`, `units` and `tables`.
    #[serde(default)]
    pub previous: Option<RawPrevious>,
    /// Problems with strings found while reading (control characters, dates, values that
    /// should be text), reported with the schema's labels by [`validate`].
    #[serde(skip)]
    pub problems: Vec<TextProblem>,
    /// Where each value of the text starts, read once by [`parse_raw`] and used by
    /// [`validate`] (empty for a value built otherwise: [`validate`] then reads them).
    #[serde(skip)]
    pub positions: Positions,
}

/// A problem with one string of a data file, found before the schema is known.
#[derive(Debug, Clone, PartialEq)]
pub struct TextProblem {
    /// Dotted path of the value (`units.3.name`); a key's problem is at its value's path.
    pub path: String,
    pub kind: TextProblemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TextProblemKind {
    /// A character XML forbids (in the value, or in its key when `in_key`).
    Illegal { ch: char, in_key: bool },
    /// A list, mapping or true/false where text belongs (the kind, in Chinese).
    NotText(&'static str),
    /// `report.date` that is no date (the text as written).
    BadDate(String, DateError),
    /// `report.date` given as a bare number (an Excel serial, usually).
    DateNumber(String),
    /// A number in a text field whose spelling the number would not keep (`2019.10` read
    /// as 2019.1): the text as written, and the number read.
    NumberSpelling { written: String, read: String },
}

/// The plain scalar written at `at` (1-based line and column) in `lines`: up to the end of
/// the line, a comment, or a flow indicator (`,` `]` `}`), without trailing blanks.
fn written_at(lines: &[&str], at: Option<(usize, usize)>) -> Option<String> {
    let (line, col) = at?;
    let src = lines.get(line.checked_sub(1)?)?;
    let rest: String = src.chars().skip(col.saturating_sub(1)).collect();
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if matches!(c, ',' | ']' | '}') || (c == '#' && rest[..i].ends_with([' ', '\t'])) {
            end = i;
            break;
        }
    }
    Some(rest[..end].trim_end().to_string())
}

/// A number given where text belongs, as text: its canonical spelling when that is how it
/// is written in the source (`period: 2020`); otherwise `Err((written, read))`, for the
/// writer to quote it (`2019.10` would print 2019.1, `1e3` 1000.0, `0x10` 16). Accepted as
/// read when the source cannot be found (an alias, say, resolved by the parser).
fn number_as_text(
    n: &serde_yaml::Number,
    written: Option<String>,
) -> std::result::Result<String, (String, String)> {
    let read = n.to_string();
    match written {
        Some(w) if w != read && !w.starts_with(['*', '&', '!']) => Err((w, read)),
        _ => Ok(read),
    }
}

/// The message for a number whose spelling would be lost ([`number_as_text`]).
fn spelling_message(written: &str, read: &str) -> String {
    format!("写作 {written} 会被读成数字 {read}，请加引号：'{written}'")
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawPrevious {
    Path(String),
    Inline(RawPeriod),
}

/// A previous period given inline.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPeriod {
    pub period: String,
    pub units: Vec<Yaml>,
    #[serde(default)]
    pub tables: IndexMap<String, Vec<IndexMap<String, Yaml>>>,
}

/// The previous period's data, checked against the same schema.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub period: String,
    pub units: Vec<Unit>,
    pub tables: IndexMap<String, Vec<IndexMap<String, Cell>>>,
}

/// One surveyed unit with its numeric values by dotted path.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub name: String,
    pub short: String,
    pub values: IndexMap<String, f64>,
    /// Text attributes declared as `tags` in the schema (所属街道 …).
    #[serde(default)]
    pub tags: IndexMap<String, String>,
}

/// A cell of another table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    Number(f64),
    Text(String),
    Empty,
}

/// A validated survey: what the statistics stage sees.
#[derive(Debug, Clone, Serialize)]
pub struct Survey {
    pub source: PathBuf,
    pub template: String,
    pub report: ReportMeta,
    pub units: Vec<Unit>,
    pub tables: IndexMap<String, Vec<IndexMap<String, Cell>>>,
    pub facts: serde_json::Value,
    pub findings: Vec<Prose>,
    pub recommendations: Vec<Prose>,
    pub closing: Option<String>,
    pub previous: Option<Period>,
}

/// Decode a data file's bytes: UTF-8 (with or without BOM, LF or CRLF) only.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.replace("\r\n", "\n")),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            // The column of the first bad byte, in characters of the valid text before it.
            let col =
                std::str::from_utf8(&valid[line_start..]).map_or(1, |s| s.chars().count() + 1);
            Err(Error::input(
                Diagnostic::new(
                    path,
                    "文件不是 UTF-8 编码（可能是 GBK/ANSI），请用 UTF-8 编码另存后重试",
                )
                .at(Some(line), Some(col)),
            ))
        }
    }
}

/// Parse the YAML text into the raw shape, with line and column on syntax errors.
pub fn parse_raw(path: &Path, text: &str) -> Result<RawSurvey> {
    // The offending line is shown under the message (not for a NUL byte: the line is
    // binary).
    let fail = |msg: String, line: Option<usize>, col: Option<usize>| {
        let mut d = Diagnostic::new(path, msg).at(line, col);
        if col.is_some() && !text.contains('\0') {
            d.set_source(line.and_then(|l| text.lines().nth(l.checked_sub(1)?)));
        }
        Error::input(d)
    };
    if text.trim().is_empty() {
        return Err(fail("数据文件是空的".into(), None, None));
    }
    if let Some(i) = text.find('\0') {
        let line = text[..i].matches('\n').count() + 1;
        let col = text[..i]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        return Err(fail(
            "这不是文本文件（含有二进制数据），请检查文件是否选错".into(),
            Some(line),
            Some(col),
        ));
    }
    // Before any tree is built: a million units would take gigabytes.
    let limits = crate::limits::current();
    super::bounds::refuse_too_many(path, text, limits.units, limits.nodes)?;
    // Control characters typed into the file itself (not as escapes): YAML forbids them,
    // and the parser's own message would be English and vague. The field is named from
    // the positions of the text with those characters blanked out.
    let field_at = {
        let blanked: String = text
            .chars()
            .map(|c| if text::is_refused(c) { ' ' } else { c })
            .collect();
        let pos = (blanked != text).then(|| Positions::of(&blanked));
        move |line: usize, col: usize| -> String {
            pos.as_ref()
                .and_then(|p| p.path_at((line, col)))
                .map(|p| (label_of(p, None), p))
                .filter(|(l, p)| l != p && !l.starts_with("字段 "))
                .map(|(l, _)| l)
                .unwrap_or_default()
        }
    };
    let raw_illegal: Vec<Diagnostic> = text
        .lines()
        .enumerate()
        .flat_map(|(i, l)| {
            l.chars()
                .enumerate()
                .filter(|(_, c)| text::is_refused(*c))
                .map(move |(j, c)| (i + 1, j + 1, c))
        })
        .take(20)
        .map(|(line, col, c)| {
            let mut d = Diagnostic::new(
                path,
                format!(
                    "{}含控制字符 {}（文档中不允许出现，请删除）",
                    field_at(line, col),
                    text::code_point(c)
                ),
            )
            .at(Some(line), Some(col));
            d.set_source(text.lines().nth(line - 1));
            d
        })
        .take(crate::error::LISTED)
        .collect();
    if !raw_illegal.is_empty() {
        return Err(Error::Input(raw_illegal));
    }
    let located = |e: &serde_yaml::Error| {
        let loc = e.location();
        (
            loc.as_ref().map(|l| l.line()),
            loc.as_ref().map(|l| l.column()),
        )
    };
    // First the shape of the top level, so a list or a bare value gets a plain answer.
    let top: Yaml = serde_yaml::from_str(text).map_err(|e| {
        let (l, c) = located(&e);
        let tab_indented = l.and_then(|l| text.lines().nth(l - 1)).is_some_and(|src| {
            src.chars()
                .take_while(|c| c.is_whitespace())
                .any(|c| c == '\t')
        });
        if e.to_string().contains("duplicate entry") {
            return duplicate_key(path, text, &e, (l, c));
        }
        let msg = if tab_indented {
            "不能用 Tab 缩进，请改用空格".to_string()
        } else {
            yaml_message(&e)
        };
        fail(format!("YAML 格式错误：{msg}"), l, c)
    })?;
    let kind = match &top {
        Yaml::Mapping(_) => None,
        Yaml::Sequence(_) => Some("列表"),
        Yaml::Null => Some("空值"),
        _ => Some("单个值"),
    };
    if let Some(k) = kind {
        return Err(fail(
            format!("文件顶层应为键值对（template、report、units 等），实际为{k}"),
            Some(1),
            Some(1),
        ));
    }
    let mut top = top;
    let mut problems = Vec::new();
    sanitise(&mut top, "", &mut problems);
    // The positions are read only if a value needs one, and then kept for `validate`.
    let pos = LazyPositions::new(text);
    normalise_text_fields(&mut top, &mut problems, text, &pos);
    if let Some(d) = previous_shape(path, text, &pos, &top) {
        let mut diags = problem_diagnostics(path, text, &pos, &problems, None, None);
        diags.push(d);
        return Err(Error::Input(diags));
    }
    let probe = top.clone();
    match serde_yaml::from_value::<RawSurvey>(top) {
        Ok(mut raw) => {
            raw.problems = problems;
            raw.positions = pos.into_inner();
            Ok(raw)
        }
        Err(e) => {
            // Values lose their positions: find the offending value in the text.
            let msg = e.to_string();
            let at = locate_raw_error(&probe, &msg, &raw_field_fails)
                .and_then(|p| pos.find(&p))
                .map(|at| key_of_unknown_field(text, &msg, at));
            let mut diags = problem_diagnostics(path, text, &pos, &problems, None, None);
            let mut d = Diagnostic::new(path, format!("数据格式错误：{}", yaml_message(&e)))
                .at(at.map(|a| a.0), at.map(|a| a.1));
            d.set_source(at.and_then(|a| text.lines().nth(a.0 - 1)));
            diags.push(d);
            Err(Error::Input(diags))
        }
    }
}

/// serde_yaml's refusal of a key written twice, told with the key and both its lines
/// (serde_yaml names neither); `at` is serde_yaml's own position, used if the key cannot
/// be found.
pub(super) fn duplicate_key(
    path: &Path,
    text: &str,
    e: &serde_yaml::Error,
    at: (Option<usize>, Option<usize>),
) -> Error {
    let mut d = match super::positions::first_duplicate_key(text) {
        Some(dup) => {
            let within = if dup.path.is_empty() {
                "顶层".to_string()
            } else {
                format!("{} 中", label_of(&dup.path, None))
            };
            Diagnostic::new(
                path,
                format!(
                    "YAML 格式错误：{within}的键 {} 写了两次（第 {} 行和第 {} 行），同一层的键只能出现一次，请删除或合并其中一处",
                    dup.key, dup.first.0, dup.second.0
                ),
            )
            .at(Some(dup.second.0), Some(dup.second.1))
        }
        None => Diagnostic::new(path, format!("YAML 格式错误：{}", yaml_message(e))).at(at.0, at.1),
    };
    let line = d.line;
    d.set_source(line.and_then(|l| text.lines().nth(l.checked_sub(1)?)));
    Error::input(d)
}

/// The forms `previous:` may take, for messages.
const PREVIOUS_FORMS: &str = "previous 可写上一期数据文件的路径（如 previous: 2018.yaml），\
     或写成含 period、units（可选 tables）的键值对；上一期里不能再写 previous";

/// `previous:` in a form [`RawPrevious`] does not take, told specifically (serde's message
/// for an untagged enum names no form and no field): a mapping that is no [`RawPeriod`]
/// (an unknown or missing key, a wrong type inside), or a list, number or true/false.
fn previous_shape(
    path: &Path,
    text: &str,
    pos: &LazyPositions<'_>,
    top: &Yaml,
) -> Option<Diagnostic> {
    let v = top.get("previous")?;
    let (why, at) = match v {
        Yaml::Null | Yaml::String(_) => return None,
        Yaml::Mapping(_) => {
            let e = serde_yaml::from_value::<RawPeriod>(v.clone()).err()?;
            let msg = e.to_string();
            let at = locate_raw_error(v, &msg, &period_field_fails)
                .map(|p| {
                    if p.is_empty() {
                        "previous".to_string()
                    } else {
                        format!("previous.{p}")
                    }
                })
                .and_then(|p| pos.find(&p))
                .map(|at| key_of_unknown_field(text, &msg, at))
                .or_else(|| pos.find("previous"));
            (
                format!("上一期（previous）写法不对：{}", yaml_message(&e)),
                at,
            )
        }
        other => (
            format!(
                "上一期（previous）写法不对：实际为{}",
                match other {
                    Yaml::Sequence(_) => "列表".to_string(),
                    Yaml::Bool(b) => format!("true/false（{b}）"),
                    Yaml::Number(n) => format!("数字 {n}（文件名请加引号）"),
                    _ => "其他类型".to_string(),
                }
            ),
            pos.find("previous"),
        ),
    };
    let mut d = Diagnostic::new(path, format!("{why}。{PREVIOUS_FORMS}"))
        .at(at.map(|a| a.0), at.map(|a| a.1));
    d.set_source(at.and_then(|a| text.lines().nth(a.0 - 1)));
    Some(d)
}

/// The key serde quotes in `unknown field `k`, expected …` or `missing field `k`` (a key
/// may itself hold a backtick), and the expected field names of the first.
fn quoted_field(msg: &str) -> Option<(&str, Vec<&str>)> {
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (key, tail) = match rest.rfind("`, expected") {
            Some(i) => (&rest[..i], &rest[i + 3..]),
            None => match rest.rfind("`, there are no fields") {
                Some(i) => (&rest[..i], ""),
                None => (rest.trim_end_matches('`'), ""),
            },
        };
        let list = tail
            .strip_prefix("expected one of ")
            .or_else(|| tail.strip_prefix("expected "))
            .unwrap_or("");
        // serde lists one as `a`, two as `a` or `b`, more as `a`, `b`, `c`.
        let expected = list
            .split(", ")
            .flat_map(|f| f.split(" or "))
            .map(|f| f.trim_matches('`'))
            .filter(|f| !f.is_empty())
            .collect();
        return Some((key, expected));
    }
    let rest = msg.strip_prefix("missing field `")?;
    Some((rest.strip_suffix('`').unwrap_or(rest), Vec::new()))
}

/// The dotted path (inside the mapping `v`) of the value a deserialisation error `msg` is
/// about, as near as the message allows (serde_yaml gives no position for errors from a
/// value). `fails(key, value)` says whether the field `key` alone fails to deserialise: the
/// first that does is searched for a key the message quotes (`unknown field `x``), a
/// mapping that lacks it (`missing field `x``), or a value of the kind it found
/// (`invalid type: sequence, …`), shallowest first.
fn locate_raw_error(v: &Yaml, msg: &str, fails: &dyn Fn(&str, &Yaml) -> bool) -> Option<String> {
    let quoted = quoted_field(msg).map(|(k, _)| k);
    let unknown = msg.starts_with("unknown field");
    let missing = msg.starts_with("missing field");
    let found = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
        .map(|r| r.split([',', ' ']).next().unwrap_or(""));
    let top = v.as_mapping()?;
    let Some((key, value)) = top
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
        .find(|(k, v)| fails(k, v))
    else {
        // No field fails alone: the top level itself (an unknown or a missing key).
        return match quoted {
            Some(q) if unknown && top.contains_key(q) => Some(q.to_string()),
            _ => Some(String::new()),
        };
    };
    let is_hit = |node: &Yaml, k: Option<&str>| -> bool {
        if unknown {
            return k.is_some() && k == quoted;
        }
        if missing {
            return matches!(node, Yaml::Mapping(m) if quoted.is_some_and(|q| !m.contains_key(q)));
        }
        matches!(
            (found, node),
            (Some("sequence"), Yaml::Sequence(_))
                | (Some("map"), Yaml::Mapping(_))
                | (Some("boolean"), Yaml::Bool(_))
                | (Some("unit"), Yaml::Null)
                | (Some("integer" | "floating"), Yaml::Number(_))
                | (Some("string"), Yaml::String(_))
        )
    };
    let mut queue = std::collections::VecDeque::from([(key.to_string(), value, None, 0)]);
    while let Some((p, node, k, depth)) = queue.pop_front() {
        if is_hit(node, k.as_deref()) {
            return Some(p);
        }
        if depth > 8 {
            continue;
        }
        match node {
            Yaml::Mapping(m) => {
                for (ck, child) in m {
                    let ks = match ck {
                        Yaml::String(s) => s.clone(),
                        Yaml::Number(n) => n.to_string(),
                        Yaml::Bool(b) => b.to_string(),
                        _ => "?".to_string(),
                    };
                    queue.push_back((format!("{p}.{ks}"), child, Some(ks), depth + 1));
                }
            }
            Yaml::Sequence(items) => {
                for (i, child) in items.iter().enumerate() {
                    queue.push_back((format!("{p}.{i}"), child, None, depth + 1));
                }
            }
            _ => {}
        }
    }
    Some(key.to_string())
}

/// For an `unknown field `k`` error whose value starts at `at`: where the key `k:` is
/// written (on the value's line before it, or on one of the three lines above), so the
/// caret points at the key the writer must rename or delete. Else `at`.
fn key_of_unknown_field(text: &str, msg: &str, at: Pos) -> Pos {
    let Some(key) = quoted_field(msg)
        .filter(|_| msg.starts_with("unknown field"))
        .map(|(k, _)| k)
    else {
        return at;
    };
    let lines: Vec<&str> = text.lines().collect();
    let find = |line: usize, before: Option<usize>| -> Option<Pos> {
        let src = lines.get(line.checked_sub(1)?)?;
        let head: String = match before {
            Some(col) => src.chars().take(col.saturating_sub(1)).collect(),
            None => src.to_string(),
        };
        let pat = format!("{key}:");
        let i = head.rfind(&pat)?;
        // Only a whole key: what precedes it is a blank, `{`, `,`, `-` or a quote.
        let ok = head[..i]
            .chars()
            .last()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '{' | ',' | '-'));
        ok.then(|| (line, head[..i].chars().count() + 1))
    };
    find(at.0, Some(at.1))
        .or_else(|| (1..=3).find_map(|d| find(at.0.checked_sub(d)?, None)))
        .unwrap_or(at)
}

/// Whether the field `key` of a data file's top level fails to deserialise alone (for
/// [`locate_raw_error`]).
fn raw_field_fails(key: &str, v: &Yaml) -> bool {
    fn fails<T: serde::de::DeserializeOwned>(v: &Yaml) -> bool {
        serde_yaml::from_value::<T>(v.clone()).is_err()
    }
    match key {
        "template" => fails::<String>(v),
        "report" => fails::<ReportMeta>(v),
        "units" => fails::<Vec<Yaml>>(v),
        "tables" => fails::<IndexMap<String, Vec<IndexMap<String, Yaml>>>>(v),
        "facts" => fails::<IndexMap<String, Yaml>>(v),
        "findings" | "recommendations" => fails::<Vec<Prose>>(v),
        "closing" => fails::<Option<String>>(v),
        "previous" => fails::<Option<RawPrevious>>(v),
        _ => false,
    }
}

/// [`raw_field_fails`] for an inline previous period.
fn period_field_fails(key: &str, v: &Yaml) -> bool {
    match key {
        "tables" | "units" => raw_field_fails(key, v),
        "period" => serde_yaml::from_value::<String>(v.clone()).is_err(),
        _ => false,
    }
}

/// Which strings are prose, where U+2028/U+2029 are line and paragraph breaks.
fn is_prose(path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    matches!(
        parts.as_slice(),
        ["closing"] | ["findings" | "recommendations", _, "text"]
    )
}

/// Clean every string of the document, keys included (see [`text`]): default-ignorable
/// characters removed, U+2028/U+2029 turned into breaks or spaces; XML-illegal characters
/// recorded as problems (and left in place, so nothing else is misreported).
fn sanitise(v: &mut Yaml, path: &str, problems: &mut Vec<TextProblem>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Yaml::String(s) => {
            let usage = if is_prose(path) {
                Use::Prose
            } else {
                Use::Line
            };
            if let std::borrow::Cow::Owned(c) = text::clean(s, usage) {
                *s = c;
            }
            if let Some(ch) = text::first_illegal(s) {
                problems.push(TextProblem {
                    path: path.to_string(),
                    kind: TextProblemKind::Illegal { ch, in_key: false },
                });
            }
        }
        Yaml::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                sanitise(item, &join(&i.to_string()), problems);
            }
        }
        Yaml::Mapping(m) => {
            let old = std::mem::take(m);
            for (k, mut child) in old {
                let k = match k {
                    Yaml::String(k) => {
                        let k = text::clean(&k, Use::Line).into_owned();
                        if let Some(ch) = text::first_illegal(&k) {
                            problems.push(TextProblem {
                                path: join(&k),
                                kind: TextProblemKind::Illegal { ch, in_key: true },
                            });
                        }
                        Yaml::String(k)
                    }
                    other => other,
                };
                let child_path = match &k {
                    Yaml::String(k) => join(k),
                    _ => join("?"),
                };
                sanitise(&mut child, &child_path, problems);
                m.insert(k, child);
            }
        }
        Yaml::Tagged(t) => sanitise(&mut t.value, path, problems),
        _ => {}
    }
}

/// The value at a dotted path (sequence items by index), for editing.
fn value_mut<'a>(v: &'a mut Yaml, path: &str) -> Option<&'a mut Yaml> {
    path.split('.').try_fold(v, |v, key| match v {
        Yaml::Sequence(items) => items.get_mut(key.parse::<usize>().ok()?),
        Yaml::Mapping(m) => m.get_mut(key),
        _ => None,
    })
}

/// The paths of the data file's fixed text fields, with whether they are required.
fn text_field_paths(top: &Yaml) -> Vec<(String, bool)> {
    let mut paths: Vec<(String, bool)> = vec![("template".into(), true)];
    for (k, required) in [
        ("title", true),
        ("subtitle", false),
        ("region", true),
        ("period", true),
        ("organisation", false),
        ("author", false),
        ("output", false),
    ] {
        paths.push((format!("report.{k}"), required));
    }
    paths.push(("closing".into(), false));
    for list in ["findings", "recommendations"] {
        if let Some(Yaml::Sequence(items)) = top.get(list) {
            for i in 0..items.len() {
                paths.push((format!("{list}.{i}.title"), true));
                paths.push((format!("{list}.{i}.text"), true));
                paths.push((format!("{list}.{i}.topic"), false));
            }
        }
    }
    if matches!(top.get("previous"), Some(Yaml::Mapping(_))) {
        paths.push(("previous.period".into(), true));
    }
    paths
}

/// Text fields accept numbers (`period: 2020`) and a required one left empty reads as
/// ''; a list, mapping or true/false there is a problem with its position. `report.date`
/// is read as a date and stored as `YYYY-MM-DD`.
fn normalise_text_fields(
    top: &mut Yaml,
    problems: &mut Vec<TextProblem>,
    text: &str,
    pos: &LazyPositions<'_>,
) {
    let lines: Vec<&str> = text.lines().collect();
    for (path, required) in text_field_paths(top) {
        let Some(v) = value_mut(top, &path) else {
            continue;
        };
        let found = match v {
            Yaml::String(_) => continue,
            Yaml::Number(n) => {
                match number_as_text(n, written_at(&lines, pos.find(&path))) {
                    Ok(t) => *v = Yaml::String(t),
                    Err((written, read)) => {
                        problems.push(TextProblem {
                            path: path.clone(),
                            kind: TextProblemKind::NumberSpelling { written, read },
                        });
                        *v = Yaml::String(n.to_string());
                    }
                }
                continue;
            }
            Yaml::Null if required => {
                *v = Yaml::String(String::new());
                continue;
            }
            Yaml::Null => continue,
            Yaml::Bool(_) => "true/false",
            Yaml::Sequence(_) => "列表",
            Yaml::Mapping(_) => "键值对",
            Yaml::Tagged(_) => "带标签的值",
        };
        problems.push(TextProblem {
            path: path.clone(),
            kind: TextProblemKind::NotText(found),
        });
        *v = if required {
            Yaml::String(String::new())
        } else {
            Yaml::Null
        };
    }
    if let Some(v) = value_mut(top, "report.date") {
        let kind = match v {
            Yaml::Null => None,
            Yaml::String(s) if s.trim().is_empty() => None,
            Yaml::String(s) => match date::parse(s) {
                Ok(d) => {
                    *s = date::ymd(d);
                    None
                }
                Err(e) => Some(TextProblemKind::BadDate(s.clone(), e)),
            },
            Yaml::Number(n) => Some(TextProblemKind::DateNumber(n.to_string())),
            Yaml::Bool(_) => Some(TextProblemKind::NotText("true/false")),
            Yaml::Sequence(_) => Some(TextProblemKind::NotText("列表")),
            Yaml::Mapping(_) => Some(TextProblemKind::NotText("键值对")),
            Yaml::Tagged(_) => Some(TextProblemKind::NotText("带标签的值")),
        };
        if let Some(kind) = kind {
            problems.push(TextProblem {
                path: "report.date".into(),
                kind,
            });
            *v = Yaml::Null;
        }
    }
}

/// A reader's name for the value at `path`: `名称`, `报告标题（report.title）`,
/// `第 2 个问题的正文` … using the schema's labels when it is known.
fn label_of(path: &str, schema: Option<&Schema>) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let report = |k: &str| match k {
        "title" => "报告标题",
        "subtitle" => "副标题",
        "region" => "调研地区",
        "period" => "调研期",
        "organisation" => "调研单位",
        "author" => "作者",
        "date" => "成文日期",
        "output" => "输出文件名",
        _ => "",
    };
    let nth = |i: &str| i.parse::<usize>().map(|i| i + 1).unwrap_or(0);
    let prose_part = |k: &str| -> String {
        match k {
            "title" => "标题",
            "text" => "正文",
            _ => k,
        }
        .to_string()
    };
    let unit_field = |rest: &[&str]| -> String {
        let key = rest.join(".");
        match key.as_str() {
            "name" => "名称".to_string(),
            "short" => "简称".to_string(),
            _ => match schema.and_then(|s| {
                s.fields
                    .get(&key)
                    .map(|f| f.label.clone())
                    .or_else(|| s.tags.get(&key).map(|t| t.label.clone()))
            }) {
                Some(l) => format!("{l}（{key}）"),
                None => format!("字段 {key}"),
            },
        }
    };
    let table_cell = |t: &str, r: &str, rest: &[&str]| -> String {
        let col = rest.join(".");
        let tdef = schema.and_then(|s| s.tables.get(t));
        let tl = tdef.map_or(t.to_string(), |d| d.label.clone());
        let cl = tdef
            .and_then(|d| d.columns.get(&col))
            .map_or(col.clone(), |c| c.label.clone());
        format!("{tl} 第 {} 行{cl}", nth(r))
    };
    match parts.as_slice() {
        ["template"] => "模板名称（template）".into(),
        ["report", k] if !report(k).is_empty() => format!("{}（report.{k}）", report(k)),
        ["closing"] => "结束语（closing）".into(),
        ["findings", i, k] => format!("第 {} 个问题的{}", nth(i), prose_part(k)),
        ["recommendations", i, k] => format!("第 {} 条建议的{}", nth(i), prose_part(k)),
        ["units", _, rest @ ..] if !rest.is_empty() => unit_field(rest),
        ["previous", "units", _, rest @ ..] if !rest.is_empty() => {
            format!("上一期{}", unit_field(rest))
        }
        ["tables", t, r, rest @ ..] if !rest.is_empty() => table_cell(t, r, rest),
        ["previous", "tables", t, r, rest @ ..] if !rest.is_empty() => {
            format!("上一期{}", table_cell(t, r, rest))
        }
        ["previous", "period"] => "上一期调研期（previous.period）".into(),
        _ => path.to_string(),
    }
}

/// The unit a path lies in, by its name as cleaned for display (without control
/// characters), if it lies in one.
fn unit_of(top_units: &[Yaml], prev_units: &[Yaml], path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    let (units, i) = match parts.as_slice() {
        ["units", i, ..] => (top_units, i),
        ["previous", "units", i, ..] => (prev_units, i),
        _ => return None,
    };
    let name = match units.get(i.parse::<usize>().ok()?)?.get("name")? {
        Yaml::String(s) => s.chars().filter(|c| !text::is_refused(*c)).collect(),
        Yaml::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(name).filter(|n: &String| !n.trim().is_empty())
}

/// Diagnostics for the problems found while reading `raw`'s strings, without the schema
/// (for when the template pack cannot be found).
pub fn early_diagnostics(path: &Path, text: &str, raw: &RawSurvey) -> Vec<Diagnostic> {
    let pos = LazyPositions::new(text);
    problem_diagnostics(path, text, &pos, &raw.problems, None, None)
}

/// The positions of a text's values, read on first use: reading them is a second parse of
/// the whole text (a sixth of `check`'s time, and a path string per value held at once),
/// needed only to place a problem, so a file without problems never pays for it.
struct LazyPositions<'a> {
    text: &'a str,
    pos: std::cell::OnceCell<Positions>,
}

impl<'a> LazyPositions<'a> {
    /// Positions of `text`, not read yet.
    fn new(text: &'a str) -> Self {
        LazyPositions {
            text,
            pos: std::cell::OnceCell::new(),
        }
    }

    /// Positions of `text` already read (`pos`), or read on first use if `pos` is empty.
    fn with(text: &'a str, pos: Positions) -> Self {
        let lazy = LazyPositions::new(text);
        if !pos.is_empty() {
            let _ = lazy.pos.set(pos);
        }
        lazy
    }

    /// The positions, read now if not yet.
    fn get(&self) -> &Positions {
        self.pos.get_or_init(|| Positions::of(self.text))
    }

    /// [`Positions::find`].
    fn find(&self, path: &str) -> Option<(usize, usize)> {
        self.get().find(path)
    }

    /// The positions if they were read, else empty ones.
    fn into_inner(self) -> Positions {
        self.pos.into_inner().unwrap_or_default()
    }
}

/// Diagnostics for the problems found while reading strings, with positions, the unit,
/// and the schema's labels when known.
fn problem_diagnostics(
    path: &Path,
    text: &str,
    pos: &LazyPositions<'_>,
    problems: &[TextProblem],
    schema: Option<&Schema>,
    units: Option<(&[Yaml], &[Yaml])>,
) -> Vec<Diagnostic> {
    if problems.is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    // At most LISTED are told in full, the rest counted.
    let mut out: Vec<Diagnostic> = problems
        .iter()
        .take(crate::error::LISTED)
        .map(|p| {
            let label: String = label_of(&p.path, schema)
                .chars()
                .filter(|c| !text::is_refused(*c))
                .collect();
            let msg = match &p.kind {
                TextProblemKind::Illegal { ch, in_key } => format!(
                    "{label}{}含控制字符 {}（文档中不允许出现，请删除）",
                    if *in_key { "的键名" } else { "" },
                    text::code_point(*ch)
                ),
                TextProblemKind::NotText(found) => format!("{label}应为文字，实际为{found}"),
                TextProblemKind::NumberSpelling { written, read } => {
                    format!("{label}{}", spelling_message(written, read))
                }
                TextProblemKind::BadDate(t, DateError::NoSuchDay) => {
                    format!("{label}“{}”不是存在的日期", crate::excerpt::quote(t))
                }
                TextProblemKind::BadDate(t, DateError::OutOfRange) => format!(
                    "{label}“{}”的年份超出范围（应在 {} 年至 {} 年之间）",
                    crate::excerpt::quote(t),
                    date::YEARS.start(),
                    date::YEARS.end()
                ),
                TextProblemKind::BadDate(t, DateError::Form) => format!(
                    "{label}“{}”无法识别为日期，请写成 2020-03-16、2020/3/16 或 2020年3月16日",
                    crate::excerpt::quote(t)
                ),
                TextProblemKind::DateNumber(n) => {
                    let serial = n
                        .parse::<f64>()
                        .ok()
                        .and_then(date::from_excel_serial)
                        .filter(|_| n.parse::<f64>().is_ok_and(|x| x >= 3000.0))
                        .map(|d| format!("，像是 Excel 的日期序号（即 {}）", date::ymd(d)))
                        .unwrap_or_default();
                    format!("{label}为数字 {n}{serial}，请写成 2020-03-16 或 2020年3月16日")
                }
            };
            let at = pos.find(&p.path);
            let mut d = Diagnostic::new(path, msg).at(at.map(|a| a.0), at.map(|a| a.1));
            d.set_source(at.and_then(|a| lines.get(a.0 - 1)).copied());
            if let Some(u) = units.and_then(|(u, pu)| unit_of(u, pu, &p.path)) {
                d = d.unit(u);
            }
            d
        })
        .collect();
    if problems.len() > crate::error::LISTED {
        let mut summary = Diagnostic::new(path, String::new());
        summary.unlisted = problems.len() - crate::error::LISTED;
        out.push(summary);
    }
    out
}

/// serde_yaml's message in Chinese where we know it; positions are carried separately.
pub(super) fn yaml_message(e: &serde_yaml::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    // serde_yaml puts the path of a nested value first (`units[1].staff: invalid type…`);
    // the position is told separately.
    let msg = match msg.split_once(": ") {
        Some((p, rest))
            if !p.is_empty()
                && !p.contains(' ')
                && rest.starts_with(|c: char| c.is_ascii_lowercase()) =>
        {
            rest.to_string()
        }
        _ => msg,
    };
    let quoted = |m: &str| crate::excerpt::quote(m.split('`').nth(1).unwrap_or("")).into_owned();
    if msg.contains("found a tab character") || msg.contains("tab") && msg.contains("indent") {
        "不能用 Tab 缩进，请改用空格".into()
    } else if let Some((key, expected)) = quoted_field(&msg) {
        if msg.starts_with("missing field") {
            format!("缺少字段 {key}")
        } else if expected.is_empty() {
            format!("未知字段 {key}（此处不能有字段）")
        } else {
            format!("未知字段 {key}（可用：{}）", expected.join("、"))
        }
    } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
        // `unknown variant `x`, expected `a` or `b`` / `expected one of `a`, `b`, `c``.
        let (value, tail) = rest.split_once("`, expected ").unwrap_or((rest, ""));
        let valid: Vec<&str> = tail
            .trim_start_matches("one of ")
            .split([',', ' '])
            .map(|v| v.trim_matches('`'))
            .filter(|v| !v.is_empty() && *v != "or")
            .collect();
        format!(
            "取值 {} 无效（可用：{}）",
            crate::excerpt::quote(value),
            valid.join("、")
        )
    } else if msg.contains("recursion limit exceeded") {
        "嵌套层数过深".into()
    } else if msg.contains("repetition limit exceeded")
        || msg.contains("alias") && msg.contains("limit")
    {
        "别名（alias）展开过多，文件可能是恶意构造的".into()
    } else if msg.contains(" as u128") || msg.contains(" as i128") {
        format!(
            "整数 {} 过大，超出可处理的范围（如是编号，请加引号写成文字）",
            quoted(&msg)
        )
    } else if let Some(rest) = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
    {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!(
            "类型不对：应为{}，实际为{}",
            kind_cn(expected),
            kind_cn(found)
        )
    } else if let Some(key) = msg.strip_prefix("duplicate entry with key ") {
        format!(
            "键 {} 写了两次，同一层的键只能出现一次",
            key.trim_matches('"')
        )
    } else if let Some(rest) = msg.strip_prefix("duplicate field ") {
        format!(
            "键 {} 写了两次，同一层的键只能出现一次",
            rest.trim_matches('`')
        )
    } else if msg.starts_with("duplicate entry") {
        "同一层有两个相同的键，同一层的键只能出现一次".into()
    } else if msg.starts_with("data did not match any variant of untagged enum") {
        "值的写法不是允许的任何一种（请对照示例检查这一项的写法）".into()
    } else if msg.starts_with("invalid length") {
        "列表长度不对".into()
    } else {
        const SYNTAX: &[(&str, &str)] = &[
            ("control characters are not allowed", "含有不允许的控制字符"),
            (
                "found character that cannot start any token",
                "含有不能出现在此处的字符（如 @、`、% 开头的值要加引号）",
            ),
            (
                "mapping values are not allowed in this context",
                "此处不能出现“:”（值中含冒号时请加引号）",
            ),
            ("did not find expected key", "缩进不对齐或缺少键名"),
            ("did not find expected node content", "缺少值"),
            ("did not find expected ',' or ']'", "方括号列表缺少“,”或“]”"),
            ("did not find expected ',' or '}'", "花括号缺少“,”或“}”"),
            (
                "found unexpected end of stream",
                "文件意外结束（引号或括号未闭合）",
            ),
            ("found undefined alias", "引用了未定义的别名（*名称）"),
            (
                "found unknown escape character",
                "双引号字符串中有无效的转义（\\ 后的字符）",
            ),
            (
                "invalid Unicode character escape code",
                "无效的 Unicode 转义",
            ),
            ("could not find expected ':'", "缺少“:”"),
            (
                "block sequence entries are not allowed in this context",
                "此处不能开始“- ”列表项（检查缩进）",
            ),
            ("did not find expected '-' indicator", "列表项缩进不对齐"),
            ("found a tab character", "不能用 Tab 缩进，请改用空格"),
            ("found incompatible YAML document", "YAML 版本不兼容"),
            (
                "deserializing from YAML containing more than one document",
                "文件中有多个 YAML 文档（---），只能有一个",
            ),
            (
                "found unexpected ':'",
                "此处不能出现“:”（值中含冒号时请加引号）",
            ),
            (
                "mapping keys are not allowed in this context",
                "此处不能开始新的键（检查缩进）",
            ),
            (
                "found unexpected document indicator",
                "引号内的文字中出现了 --- 或 ...（文档分隔符），请调整",
            ),
            (
                "found an incorrect leading UTF-8 octet",
                "含有无效的 UTF-8 字节",
            ),
            (
                "found an incorrect trailing UTF-8 octet",
                "含有无效的 UTF-8 字节",
            ),
            (
                "found an indentation indicator equal to 0",
                "多行文字（| 或 >）的缩进数字不能是 0",
            ),
            (
                "did not find expected comment or line break",
                "此处之后应换行（值后多了内容，或 # 前缺空格）",
            ),
            (
                "did not find expected alphabetic or numeric character",
                "锚点（&）或别名（*）的名称缺失或含有不允许的字符",
            ),
            (
                "did not find expected whitespace or line break",
                "此处之后应有空格或换行",
            ),
            ("did not find expected whitespace", "此处之后应有空格"),
            (
                "did not find expected hexadecimal number",
                "双引号字符串中的 \\x、\\u 转义后应为十六进制数字",
            ),
            ("did not find the expected '>'", "标签（!<…>）缺少“>”"),
            ("did not find expected '!'", "标签（!…）写法不对"),
            ("did not find expected tag URI", "标签（!…）写法不对"),
            ("did not find URI escaped octet", "标签（!…）写法不对"),
            ("found undefined tag handle", "使用了未定义的标签（!…）"),
            ("empty YAML tag is not allowed", "标签（!）不能为空"),
            (
                "unexpected tagged value in merge",
                "合并键（<<）的值不能带标签",
            ),
            ("for merging", "合并键（<<）的值应为键值对（或键值对列表）"),
            ("unknown anchor", "引用了未定义的别名（*名称）"),
            ("failed to parse YAML number", "数字写法无效"),
            ("EOF while parsing a value", "文件意外结束（缺少值）"),
            (
                "serialization and deserialization of bytes",
                "不支持二进制（!!binary）值",
            ),
            (
                "did not find expected <document start>",
                "文档开始（---）之前有多余内容",
            ),
            ("did not find expected <stream-start>", "文件开头无法读取"),
            (
                "directive",
                "以 % 开头的指令写法不对（值以 % 开头时请加引号）",
            ),
            ("version number", "以 %YAML 开头的版本指令写法不对"),
            (
                "found unknown directive name",
                "以 % 开头的指令写法不对（值以 % 开头时请加引号）",
            ),
            (
                "found unexpected non-alphabetical character",
                "以 % 开头的指令写法不对",
            ),
            (
                "did not find expected digit or '.' character",
                "以 %YAML 开头的版本指令写法不对",
            ),
            ("while scanning a quoted scalar", "引号未闭合"),
            (
                "while scanning a block scalar",
                "多行文字（| 或 >）写法不对",
            ),
            ("while scanning an anchor", "锚点（&）写法不对"),
            ("while scanning an alias", "别名（*）写法不对"),
            ("while scanning a tag", "标签（!）写法不对"),
            (
                "while scanning a simple key",
                "键后缺少“:”，或键太长（超过 1024 个字符）",
            ),
            (
                "while parsing",
                "此处的写法无法解析（检查缩进、引号和括号）",
            ),
            (
                "while scanning",
                "此处的写法无法解析（检查缩进、引号和括号）",
            ),
        ];
        match SYNTAX.iter().find(|(en, _)| msg.contains(en)) {
            Some((_, cn)) => (*cn).to_string(),
            // Nothing above knows it: a Chinese message all the same; the parser's own
            // words are not shown to the writer.
            None => "此处的写法无法解析（检查缩进、引号、括号和冒号）".to_string(),
        }
    }
}

/// serde's name of a kind of value, in Chinese.
fn kind_cn(what: &str) -> String {
    let what = what.trim();
    let base = what.split(' ').next().unwrap_or(what);
    let value = what.split('`').nth(1);
    let cn = match base {
        "integer" | "floating" => "数字",
        "string" => "文字",
        "sequence" => "列表",
        "map" => "键值对",
        "boolean" => "true/false",
        "unit" | "null" => "空值",
        "a" | "an" => match what.split(' ').nth(1).unwrap_or("") {
            "string" => "文字",
            "sequence" => "列表",
            "map" => "键值对",
            "boolean" => "true 或 false",
            "number" | "integer" | "float" => "数字",
            _ => "其他类型",
        },
        "struct" => "键值对",
        "" => "其他类型",
        _ => "其他类型",
    };
    match value {
        Some(v) => format!("{cn} {v}"),
        None => cn.to_string(),
    }
}

/// Check the raw data against the schema and build the typed survey. Every problem is
/// collected and reported at once.
pub fn validate(path: &Path, text: &str, mut raw: RawSurvey, schema: &Schema) -> Result<Survey> {
    let positions = LazyPositions::with(text, std::mem::take(&mut raw.positions));
    let mut ck = Checker::new(path, text, schema, positions);
    let prev_units: &[Yaml] = match &raw.previous {
        Some(RawPrevious::Inline(p)) => &p.units,
        _ => &[],
    };
    let early = problem_diagnostics(
        path,
        text,
        &ck.pos,
        &raw.problems,
        Some(schema),
        Some((&raw.units, prev_units)),
    );
    for d in early {
        crate::error::push_capped(&mut ck.diags, d);
    }
    // The paths already told about, looked up per report item and finding (a search of
    // every problem for each made findings × problems steps).
    let told_paths: HashSet<&str> = raw.problems.iter().map(|p| p.path.as_str()).collect();
    for (key, label, value) in [
        ("title", "报告标题", &raw.report.title),
        ("region", "调研地区", &raw.report.region),
        ("period", "调研期", &raw.report.period),
    ] {
        let path_told = told_paths.contains(format!("report.{key}").as_str());
        if value.trim().is_empty() && !path_told {
            let d = ck.at(
                &format!("report.{key}"),
                format!("{label}（report.{key}）不能为空"),
            );
            crate::error::push_capped(&mut ck.diags, d);
        }
    }
    // An optional item left as '' is an item not given.
    let r = &mut raw.report;
    for opt in [
        &mut r.subtitle,
        &mut r.organisation,
        &mut r.author,
        &mut r.output,
    ] {
        if opt.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *opt = None;
        }
    }
    let units = ck.units(&raw.units, "units");
    let tables = ck.tables(&raw.tables, "tables");
    for (list, items, what) in [
        ("findings", &mut raw.findings, "问题"),
        ("recommendations", &mut raw.recommendations, "建议"),
    ] {
        for (i, item) in items.iter_mut().enumerate() {
            for (part, value) in [("title", &item.title), ("text", &item.text)] {
                let at = format!("{list}.{i}.{part}");
                let told = told_paths.contains(at.as_str());
                if value.trim().is_empty() && !told {
                    let d = ck.at(&at, format!("{}不能为空", label_of(&at, None)));
                    crate::error::push_capped(&mut ck.diags, d);
                }
            }
            if item.topic.as_deref().is_some_and(|t| t.trim().is_empty()) {
                item.topic = None;
            }
            let Some(topic) = item.topic.as_deref().map(str::trim) else {
                continue;
            };
            if schema.topics.contains_key(topic) {
                continue;
            }
            let msg = if schema.topics.is_empty() {
                format!(
                    "第 {} 个{what}的 topic “{topic}”：此模板不使用 topic，请删除",
                    i + 1
                )
            } else {
                let hint = nearest(topic, schema.topics.keys().map(String::as_str))
                    .map(|n| format!("，是否应为 {n}？"))
                    .unwrap_or_default();
                let known: Vec<String> = schema
                    .topics
                    .iter()
                    .map(|(k, v)| {
                        if v.is_empty() {
                            k.clone()
                        } else {
                            format!("{k}（{v}）")
                        }
                    })
                    .collect();
                format!(
                    "第 {} 个{what}的 topic “{topic}”不是此模板认识的主题{hint}（可用：{}）",
                    i + 1,
                    known.join("、")
                )
            };
            let d = ck.at(&format!("{list}.{i}.topic"), msg);
            crate::error::push_capped(&mut ck.diags, d);
        }
    }
    let previous = match &raw.previous {
        None => None,
        Some(RawPrevious::Inline(p)) => {
            let units = ck.units(&p.units, "previous.units");
            let tables = ck.tables(&p.tables, "previous.tables");
            Some(Period {
                period: p.period.clone(),
                units,
                tables,
            })
        }
        Some(RawPrevious::Path(rel)) => ck.previous_file(rel, &raw.template),
    };
    for (k, v) in &raw.facts {
        facts_problems(&mut ck, &format!("facts.{k}"), v);
    }
    if !ck.diags.is_empty() {
        return Err(Error::Input(ck.diags));
    }
    let facts = serde_json::to_value(&raw.facts)
        .map_err(|e| Error::input(Diagnostic::new(path, format!("facts 无法读取：{e}"))))?;
    Ok(Survey {
        source: path.to_path_buf(),
        template: raw.template,
        report: raw.report,
        units,
        tables,
        facts,
        findings: raw.findings,
        recommendations: raw.recommendations,
        closing: raw.closing,
        previous,
    })
}

/// Facts become JSON for the templates: numbers must be finite, keys text, and no fact
/// left empty (as `init` and `import` write them). Each problem at its place.
fn facts_problems(ck: &mut Checker<'_>, at: &str, v: &Yaml) {
    match v {
        Yaml::Number(n) if too_large(n).is_some() => {
            let msg = too_large(n).unwrap_or_default();
            let d = ck.at(at, format!("{at} {msg}"));
            crate::error::push_capped(&mut ck.diags, d);
        }
        Yaml::Number(n) if n.as_f64().is_some_and(|x| !x.is_finite()) => {
            let d = ck.at(at, format!("{at} 为 {n}，不是有限数值（NaN 或无穷大）"));
            crate::error::push_capped(&mut ck.diags, d);
        }
        Yaml::Mapping(m) => {
            for (k, child) in m {
                match k {
                    Yaml::String(k) => facts_problems(ck, &format!("{at}.{k}"), child),
                    Yaml::Number(n) => facts_problems(ck, &format!("{at}.{n}"), child),
                    _ => {
                        let d = ck.at(at, format!("{at} 下的键应为文字"));
                        crate::error::push_capped(&mut ck.diags, d);
                    }
                }
            }
        }
        Yaml::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                facts_problems(ck, &format!("{at}.{i}"), child);
            }
        }
        Yaml::Tagged(t) => facts_problems(ck, at, &t.value),
        // `init` and `import` leave facts empty for the writer to fill: a fact with no
        // value would print "—" where the report needs a figure.
        Yaml::Null => {
            let d = ck.at(at, format!("{at} 尚未填写：请填入数值或文字"));
            crate::error::push_capped(&mut ck.diags, d);
        }
        _ => {}
    }
}

/// Collects diagnostics for one data file, with positions and the offending lines.
struct Checker<'a> {
    path: &'a Path,
    lines: Vec<&'a str>,
    pos: LazyPositions<'a>,
    schema: &'a Schema,
    diags: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn new(path: &'a Path, text: &'a str, schema: &'a Schema, pos: LazyPositions<'a>) -> Self {
        Checker {
            path,
            lines: text.lines().collect(),
            pos,
            schema,
            diags: Vec::new(),
        }
    }

    /// A diagnostic at the value `at` (a dotted path in the document).
    fn at(&self, at: &str, message: String) -> Diagnostic {
        let p = self.pos.find(at);
        let mut d = Diagnostic::new(self.path, message).at(p.map(|p| p.0), p.map(|p| p.1));
        if !crate::error::is_full(&self.diags) {
            d.set_source(p.and_then(|p| self.lines.get(p.0 - 1)).copied());
        }
        d
    }

    /// A number given where text belongs (`at`), as text, or the message ending why not.
    fn number_text(&self, at: &str, n: &serde_yaml::Number) -> std::result::Result<String, String> {
        number_as_text(n, written_at(&self.lines, self.pos.find(at)))
            .map_err(|(w, r)| spelling_message(&w, &r))
    }

    fn units(&mut self, raw: &[Yaml], base: &str) -> Vec<Unit> {
        let schema = self.schema;
        if raw.is_empty() {
            let d = self.at(
                base,
                format!("{base} 为空：至少需要一个{}", schema.unit_label),
            );
            crate::error::push_capped(&mut self.diags, d);
        }
        let mut units = Vec::with_capacity(raw.len());
        let mut seen: IndexMap<String, usize> = IndexMap::new();
        for (i, u) in raw.iter().enumerate() {
            let here = format!("{base}.{i}");
            let name = match u.get("name") {
                Some(Yaml::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
                Some(Yaml::Number(n)) => match self.number_text(&format!("{here}.name"), n) {
                    Ok(t) => t,
                    Err(msg) => {
                        let d = self.at(&format!("{here}.name"), format!("名称{msg}"));
                        crate::error::push_capped(&mut self.diags, d);
                        n.to_string()
                    }
                },
                _ => {
                    let d = self.at(
                        &format!("{here}.name"),
                        format!("第 {} 个{}缺少名称（name）", i + 1, schema.unit_label),
                    );
                    crate::error::push_capped(&mut self.diags, d);
                    continue;
                }
            };
            if let Some(first) = seen.insert(name.clone(), i) {
                let d = self
                    .at(
                        &format!("{here}.name"),
                        format!("名称重复：与第 {} 个{}同名", first + 1, schema.unit_label),
                    )
                    .unit(&name);
                crate::error::push_capped(&mut self.diags, d);
            }
            let short = match u.get("short") {
                Some(Yaml::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                Some(Yaml::Number(n)) => match self.number_text(&format!("{here}.short"), n) {
                    Ok(t) => t,
                    Err(msg) => {
                        let d = self
                            .at(&format!("{here}.short"), format!("简称{msg}"))
                            .unit(&name);
                        crate::error::push_capped(&mut self.diags, d);
                        n.to_string()
                    }
                },
                _ => name.clone(),
            };
            // Every text of a unit may go into a spreadsheet cell (the DOCX chart's
            // workbook, `export`): one longer than a cell holds is refused here, so check
            // refuses what render could not write.
            let mut long = Vec::new();
            long_texts(u, "", &mut long);
            for (key, chars) in long {
                let label = match key.as_str() {
                    "name" => "名称".to_string(),
                    "short" => "简称".to_string(),
                    k => k.to_string(),
                };
                let d = self
                    .at(
                        &format!("{here}.{key}"),
                        format!(
                            "{label}有 {chars} 个字，超过单元格的上限 {} 个字（报告图表的数据表和导出的工作簿把它写进单元格，Excel 的单元格最多 {} 个字），请缩短",
                            crate::limits::CELL_CHARS,
                            crate::limits::CELL_CHARS
                        ),
                    )
                    .unit(&name);
                crate::error::push_capped(&mut self.diags, d);
            }
            let mut values = IndexMap::new();
            for (fpath, def) in &schema.fields {
                let at = format!("{here}.{fpath}");
                match lookup(u, fpath) {
                    None | Some(Yaml::Null) => {
                        if def.required {
                            let d = self
                                .at(&at, format!("缺少必填字段 {}（{}）", def.label, fpath))
                                .unit(&name)
                                .field(fpath);
                            crate::error::push_capped(&mut self.diags, d);
                        }
                    }
                    Some(v) => match number(v, def) {
                        Ok(x) => {
                            values.insert(fpath.clone(), x);
                        }
                        Err(msg) => {
                            let d = self
                                .at(&at, format!("{}（{}）{}", def.label, fpath, msg))
                                .unit(&name)
                                .field(fpath);
                            crate::error::push_capped(&mut self.diags, d);
                        }
                    },
                }
            }
            let mut unknown = Vec::new();
            unknown_keys(u, "", schema, &mut |key| unknown.push(key.to_string()));
            for key in unknown {
                let hint = nearest(&key, known_paths(schema).iter().map(String::as_str))
                    .map(|n| format!("，是否应为 {n}？"))
                    .unwrap_or_default();
                let d = self
                    .at(
                        &format!("{here}.{key}"),
                        format!("未知字段 {}{hint}", crate::excerpt::quote(&key)),
                    )
                    .unit(&name)
                    .field(&key);
                crate::error::push_capped(&mut self.diags, d);
            }
            for (gname, g) in &schema.groups {
                let Some(total_path) = &g.total else { continue };
                let Some(total) = values.get(total_path) else {
                    continue;
                };
                let parts: Option<Vec<f64>> =
                    g.parts.iter().map(|p| values.get(p).copied()).collect();
                let Some(parts) = parts else { continue };
                let sum: f64 = parts.iter().sum();
                if (sum - total).abs() > 1e-9 {
                    let tdef = &schema.fields[total_path];
                    let unit = tdef.unit.clone().unwrap_or_default();
                    // Point at the group's first part: the line a writer edits.
                    let first = g.parts.first().unwrap_or(total_path);
                    let d = self
                        .at(
                            &format!("{here}.{first}"),
                            format!(
                                "{}合计 {} {unit}，与{} {} {unit}不一致",
                                g.label,
                                shortest(sum),
                                tdef.label,
                                shortest(*total)
                            ),
                        )
                        .unit(&name)
                        .field(gname);
                    crate::error::push_capped(&mut self.diags, d);
                }
            }
            let mut tags = IndexMap::new();
            for (tag, def) in &schema.tags {
                match u.get(tag.as_str()) {
                    Some(Yaml::String(t)) if !t.trim().is_empty() => {
                        tags.insert(tag.clone(), t.trim().to_string());
                    }
                    Some(Yaml::Number(n)) => {
                        let at = format!("{here}.{tag}");
                        match self.number_text(&at, n) {
                            Ok(t) => {
                                tags.insert(tag.clone(), t);
                            }
                            Err(msg) => {
                                let d = self
                                    .at(&at, format!("{}（{tag}）{msg}", def.label))
                                    .unit(&name)
                                    .field(tag);
                                crate::error::push_capped(&mut self.diags, d);
                            }
                        }
                    }
                    None | Some(Yaml::Null) if !def.required => {}
                    _ => {
                        let d = self
                            .at(
                                &format!("{here}.{tag}"),
                                format!("{}（{tag}）应为文字，且不能为空", def.label),
                            )
                            .unit(&name)
                            .field(tag);
                        crate::error::push_capped(&mut self.diags, d);
                    }
                }
            }
            // What `init` leaves behind: its example unit (named 示例<unit>, every number 0).
            let example_name = format!("示例{}", schema.unit_label);
            let all_zero = !values.is_empty() && values.values().all(|x| *x == 0.0);
            if name == example_name || all_zero {
                let why = if name == example_name {
                    format!("是 diaoyan init 写入的示例{}", schema.unit_label)
                } else {
                    "所有数字都是 0（diaoyan init 写入的示例？）".to_string()
                };
                let d = self
                    .at(
                        &format!("{here}.name"),
                        format!("{why}：请填写实际的名称和数字，或删除这一项"),
                    )
                    .unit(&name);
                crate::error::push_capped(&mut self.diags, d);
            }
            units.push(Unit {
                name,
                short,
                values,
                tags,
            });
        }
        units
    }

    fn tables(
        &mut self,
        raw: &IndexMap<String, Vec<IndexMap<String, Yaml>>>,
        base: &str,
    ) -> IndexMap<String, Vec<IndexMap<String, Cell>>> {
        let schema = self.schema;
        let mut tables = IndexMap::new();
        for (tname, rows) in raw {
            let Some(tdef) = schema.tables.get(tname) else {
                let known: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
                let d = self.at(
                    &format!("{base}.{tname}"),
                    format!("未知的表 {base}.{tname}（可用：{}）", known.join("、")),
                );
                crate::error::push_capped(&mut self.diags, d);
                continue;
            };
            let mut out_rows = Vec::new();
            for (r, row) in rows.iter().enumerate() {
                let here = format!("{base}.{tname}.{r}");
                let mut out = IndexMap::new();
                for (cname, cdef) in &tdef.columns {
                    let at = format!("{here}.{cname}");
                    let problem = |msg: String| {
                        format!("{} 第 {} 行：{}{}", tdef.label, r + 1, cdef.label, msg)
                    };
                    let cell = match row.get(cname) {
                        None | Some(Yaml::Null) => Cell::Empty,
                        Some(v) if cdef.kind == Kind::Text => match v {
                            Yaml::String(s) if s.trim().is_empty() && cdef.required => {
                                let d = self.at(&at, problem("不能为空".into()));
                                crate::error::push_capped(&mut self.diags, d);
                                Cell::Text(String::new())
                            }
                            Yaml::String(s) => Cell::Text(s.clone()),
                            Yaml::Number(n) => match self.number_text(&at, n) {
                                Ok(t) => Cell::Text(t),
                                Err(msg) => {
                                    let d = self.at(&at, problem(msg));
                                    crate::error::push_capped(&mut self.diags, d);
                                    Cell::Empty
                                }
                            },
                            _ => {
                                let d = self.at(&at, problem("应为文字".into()));
                                crate::error::push_capped(&mut self.diags, d);
                                Cell::Empty
                            }
                        },
                        Some(v) => match number(v, cdef) {
                            Ok(x) => Cell::Number(x),
                            Err(msg) => {
                                let d = self.at(&at, problem(msg));
                                crate::error::push_capped(&mut self.diags, d);
                                Cell::Empty
                            }
                        },
                    };
                    if cell == Cell::Empty && cdef.required && row.get(cname).is_none() {
                        let d = self.at(&here, problem("缺失".into()));
                        crate::error::push_capped(&mut self.diags, d);
                    }
                    out.insert(cname.clone(), cell);
                }
                // What `init` leaves behind: a row with no text and every number 0.
                let blank = out.values().all(|c| match c {
                    Cell::Empty => true,
                    Cell::Text(t) => t.trim().is_empty(),
                    Cell::Number(x) => *x == 0.0,
                });
                if blank && row.keys().all(|k| tdef.columns.contains_key(k)) {
                    let d = self.at(
                        &here,
                        format!(
                            "{} 第 {} 行是空行（diaoyan init 写入的示例行？）：请填写或删除",
                            tdef.label,
                            r + 1
                        ),
                    );
                    crate::error::push_capped(&mut self.diags, d);
                }
                for key in row.keys() {
                    if !tdef.columns.contains_key(key) {
                        let hint = nearest(key, tdef.columns.keys().map(String::as_str))
                            .map(|n| format!("，是否应为 {n}？"))
                            .unwrap_or_default();
                        let d = self.at(
                            &format!("{here}.{key}"),
                            format!(
                                "{} 第 {} 行：未知列 {}{hint}",
                                tdef.label,
                                r + 1,
                                crate::excerpt::quote(key)
                            ),
                        );
                        crate::error::push_capped(&mut self.diags, d);
                    }
                }
                out_rows.push(out);
            }
            tables.insert(tname.clone(), out_rows);
        }
        tables
    }

    /// Load the previous period from a data file next to this one.
    fn previous_file(&mut self, rel: &str, template: &str) -> Option<Period> {
        let file = self.path.parent().unwrap_or(Path::new(".")).join(rel);
        // Only a regular file of bounded size: `previous: /dev/zero` or a FIFO is refused
        // before it is opened, at the `previous:` line of this file.
        let bytes = match crate::fsio::read_data(&file) {
            Ok(b) => b,
            Err(e) => {
                let why = match e {
                    Error::Input(ds) => ds
                        .into_iter()
                        .map(|d| d.message)
                        .collect::<Vec<_>>()
                        .join("；"),
                    Error::Io { source, .. } => crate::fsio::io_reason(&source),
                    e => e.to_string(),
                };
                let d = self.at(
                    "previous",
                    format!("无法读取上一期数据 {}：{why}", file.display()),
                );
                crate::error::push_capped(&mut self.diags, d);
                return None;
            }
        };
        let loaded = decode(&file, &bytes)
            .map(text::protect_separators)
            .and_then(|text| {
                let raw = parse_raw(&file, &text)?;
                if raw.template != template {
                    return Err(Error::input(Diagnostic::new(
                        &file,
                        format!(
                            "上一期数据使用模板“{}”，与本期“{template}”不同",
                            raw.template
                        ),
                    )));
                }
                if raw.previous.is_some() {
                    // Told at the previous file's own `previous:` value; a file naming
                    // itself is told as such.
                    let at = Positions::of(&text).find("previous");
                    let same = file
                        .canonicalize()
                        .ok()
                        .is_some_and(|f| self.path.canonicalize().ok().is_some_and(|p| p == f));
                    let msg = if same {
                        "previous 指向本文件自身；上一期数据应是另一个数据文件"
                    } else {
                        "上一期数据不能再包含 previous（只与相邻的上一期比较）"
                    };
                    return Err(Error::input(
                        Diagnostic::new(&file, msg).at(at.map(|a| a.0), at.map(|a| a.1)),
                    ));
                }
                let period = raw.report.period.clone();
                let s = validate(&file, &text, raw, self.schema)?;
                Ok(Period {
                    period,
                    units: s.units,
                    tables: s.tables,
                })
            });
        match loaded {
            Ok(p) => Some(p),
            Err(Error::Input(ds)) => {
                for d in ds {
                    crate::error::push_capped(&mut self.diags, d);
                }
                None
            }
            Err(e) => {
                let d = self.at("previous", format!("无法读取上一期数据：{e}"));
                crate::error::push_capped(&mut self.diags, d);
                None
            }
        }
    }
}

/// Every field path and every prefix of one (for typo hints).
/// The texts in `v` (a unit's value, keys aside) longer than a spreadsheet cell holds
/// ([`crate::limits::CELL_CHARS`] characters), as (dotted path under `prefix`,
/// length in characters).
fn long_texts(v: &Yaml, prefix: &str, out: &mut Vec<(String, u64)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Yaml::String(s) if s.len() as u64 > crate::limits::CELL_CHARS => {
            let n = s.chars().count() as u64;
            if n > crate::limits::CELL_CHARS {
                out.push((prefix.to_string(), n));
            }
        }
        Yaml::Mapping(m) => {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    long_texts(v, &join(k), out);
                }
            }
        }
        Yaml::Sequence(items) => {
            for (i, v) in items.iter().enumerate() {
                long_texts(v, &join(&i.to_string()), out);
            }
        }
        Yaml::Tagged(t) => long_texts(&t.value, prefix, out),
        _ => {}
    }
}

fn known_paths(schema: &Schema) -> Vec<String> {
    let mut known: Vec<String> = schema.fields.keys().cloned().collect();
    for f in schema.fields.keys() {
        let mut prefix = String::new();
        for seg in f.split('.') {
            if !prefix.is_empty() {
                known.push(prefix.clone());
                prefix.push('.');
            }
            prefix.push_str(seg);
        }
    }
    known.sort();
    known.dedup();
    known
}

fn lookup<'a>(v: &'a Yaml, dotted: &str) -> Option<&'a Yaml> {
    dotted.split('.').try_fold(v, |v, key| v.get(key))
}

/// Report every leaf key under a unit that the schema does not know.
fn unknown_keys(v: &Yaml, prefix: &str, schema: &Schema, report: &mut dyn FnMut(&str)) {
    let Yaml::Mapping(m) = v else { return };
    for (k, child) in m {
        let key = match k {
            Yaml::String(s) => s.clone(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if prefix.is_empty() && (key == "name" || key == "short" || schema.tags.contains_key(&key))
        {
            continue;
        }
        if schema.fields.contains_key(&full) {
            continue;
        }
        let is_branch = schema
            .fields
            .keys()
            .any(|f| f.starts_with(&format!("{full}.")));
        if is_branch && matches!(child, Yaml::Mapping(_)) {
            unknown_keys(child, &full, schema, report);
        } else {
            report(&full);
        }
    }
}

/// The known name closest to a typo (Levenshtein distance over characters ≤ 2, by
/// `strsim`; the first of equally close names), if any.
fn nearest<'a>(typo: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::levenshtein(typo, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Read a YAML scalar as a number the field admits, or say why not (in Chinese).
fn number(v: &Yaml, def: &FieldDef) -> std::result::Result<f64, String> {
    let x = match v {
        Yaml::Bool(b) if def.kind == Kind::Boolean => return Ok(f64::from(u8::from(*b))),
        _ if def.kind == Kind::Boolean => return Err("应为 true 或 false".to_string()),
        Yaml::Number(n) => {
            if let Some(msg) = too_large(n) {
                return Err(msg);
            }
            n.as_f64().ok_or_else(|| "不是有效数字".to_string())?
        }
        Yaml::String(s) if s.trim().parse::<f64>().is_ok_and(|x| !x.is_finite()) => {
            return Err(format!(
                "为 {}，超出数值范围（NaN 或无穷大）",
                crate::excerpt::quote(s)
            ));
        }
        Yaml::String(s) => {
            return Err(format!(
                "应为数字，实际为文字“{}”",
                crate::excerpt::quote(s)
            ))
        }
        Yaml::Bool(b) => return Err(format!("应为数字，实际为 {b}")),
        _ => return Err("应为数字".to_string()),
    };
    if !x.is_finite() {
        return Err("不是有限数值（NaN 或无穷大）".to_string());
    }
    if def.kind == Kind::Integer && x.fract() != 0.0 {
        return Err(format!("应为整数，实际为 {}", shortest(x)));
    }
    if let Some(lo) = def.lower_bound() {
        if x < lo {
            return Err(format!("为 {}，不能小于 {}", shortest(x), shortest(lo)));
        }
    }
    if let Some(hi) = def.max {
        if x > hi {
            return Err(format!("为 {}，不能大于 {}", shortest(x), shortest(hi)));
        }
    }
    Ok(x)
}

/// The largest magnitude a number of a data file may have: 2^53, the end of the range
/// where an `f64` holds every integer exactly (a larger one would print changed).
pub const MAX_MAGNITUDE: f64 = 9_007_199_254_740_992.0;

/// Why `n` is too large to be kept exactly ([`MAX_MAGNITUDE`]), in Chinese; `None` if it fits.
/// Integers are compared exactly (9007199254740993 is refused though it rounds to 2^53).
fn too_large(n: &serde_yaml::Number) -> Option<String> {
    const MAX: u64 = 1 << 53;
    let over = if let Some(u) = n.as_u64() {
        u > MAX
    } else if let Some(i) = n.as_i64() {
        i.unsigned_abs() > MAX
    } else {
        n.as_f64()
            .is_some_and(|x| x.is_finite() && x.abs() > MAX_MAGNITUDE)
    };
    over.then(|| format!("为 {n}，超出可精确保存的范围（绝对值不能超过 9007199254740992），请核对"))
}

#[cfg(test)]
mod tests {
    //! One test per validation rule, on a small schema.
    use super::*;

    const SCHEMA: &str = r#"
name: t
unit_label: 社区
fields:
  households: { label: 居民户数, unit: 户 }
  area: { label: 面积, unit: 平方米, type: decimal }
  staff.total: { label: 工作人员总数, unit: 人 }
  staff.male: { label: 男, unit: 人 }
  staff.female: { label: 女, unit: 人 }
  note: { label: 备注, required: false }
  ok: { label: 达标, type: boolean, required: false }
groups:
  gender: { label: 性别, total: staff.total, parts: [staff.male, staff.female] }
tables:
  pay: { label: 薪酬, columns: { post: { label: 岗位, type: text }, monthly: { label: 月薪, unit: 元 } } }
"#;

    fn schema() -> Schema {
        serde_yaml::from_str(SCHEMA).expect("schema")
    }

    const GOOD_UNIT: &str = "  - name: 甲社区\n    households: 10\n    area: 12.5\n    staff: { total: 3, male: 1, female: 2 }\n";

    fn check(units: &str) -> std::result::Result<Survey, Vec<Diagnostic>> {
        check_doc(&format!(
            "template: t\nreport: {{ title: x, region: y, period: \"1\" }}\nunits:\n{units}"
        ))
    }

    fn check_doc(text: &str) -> std::result::Result<Survey, Vec<Diagnostic>> {
        let path = Path::new("x.yaml");
        let raw = parse_raw(path, text).map_err(|e| match e {
            Error::Input(d) => d,
            other => panic!("{other}"),
        })?;
        validate(path, text, raw, &schema()).map_err(|e| match e {
            Error::Input(d) => d,
            other => panic!("{other}"),
        })
    }

    fn one(units: &str) -> Diagnostic {
        let d = check(units).expect_err("invalid");
        assert_eq!(d.len(), 1, "{d:?}");
        d.into_iter().next().expect("one")
    }

    #[test]
    fn a_good_unit_validates() {
        let s = check(GOOD_UNIT).expect("valid");
        assert_eq!(s.units[0].values["staff.female"], 2.0);
        assert!(!s.units[0].values.contains_key("note"));
    }

    #[test]
    fn text_where_a_number_belongs() {
        let d = one(&GOOD_UNIT.replace("households: 10", "households: 十"));
        assert_eq!((d.line, d.unit.as_deref()), (Some(5), Some("甲社区")));
        assert!(
            d.message.contains("应为数字，实际为文字“十”"),
            "{}",
            d.message
        );
    }

    #[test]
    fn a_decimal_where_a_count_belongs() {
        let d = one(&GOOD_UNIT.replace("households: 10", "households: 10.5"));
        assert!(d.message.contains("应为整数"), "{}", d.message);
    }

    #[test]
    fn negative_values() {
        let d = one(&GOOD_UNIT.replace("area: 12.5", "area: -1"));
        assert_eq!(d.line, Some(6));
        assert!(d.message.contains("不能小于 0"), "{}", d.message);
    }

    #[test]
    fn nan_and_infinity() {
        for bad in [".nan", ".inf", "-.inf"] {
            let d = one(&GOOD_UNIT.replace("area: 12.5", &format!("area: {bad}")));
            assert!(d.message.contains("NaN 或无穷大"), "{bad}: {}", d.message);
        }
    }

    #[test]
    fn missing_required_field() {
        let d = one(&GOOD_UNIT.replace("    area: 12.5\n", ""));
        assert_eq!(d.field.as_deref(), Some("area"));
        assert!(d.message.contains("缺少必填字段 面积（area）"));
    }

    #[test]
    fn unknown_field_with_a_suggestion() {
        let d = one(&format!("{GOOD_UNIT}    houshold: 3\n"));
        assert_eq!(d.line, Some(8));
        assert!(
            d.message
                .contains("未知字段 houshold，是否应为 households？"),
            "{}",
            d.message
        );
        let d = one(&GOOD_UNIT.replace("female: 2", "female: 2, femal: 1"));
        assert!(
            d.message.contains("staff.femal，是否应为 staff.female？"),
            "{}",
            d.message
        );
    }

    #[test]
    fn duplicate_unit_names() {
        let d = one(&format!("{GOOD_UNIT}{GOOD_UNIT}"));
        assert_eq!(d.line, Some(8));
        assert!(d.message.contains("名称重复"));
    }

    #[test]
    fn empty_units() {
        let d =
            check_doc("template: t\nreport: { title: x, region: y, period: \"1\" }\nunits: []\n")
                .expect_err("invalid");
        assert!(d[0].message.contains("units 为空"), "{:?}", d);
        assert_eq!(d[0].line, Some(3));
    }

    #[test]
    fn group_parts_must_sum_to_the_total() {
        let d = one(&GOOD_UNIT.replace("female: 2", "female: 3"));
        assert_eq!(d.line, Some(7));
        assert_eq!(d.message, "性别合计 4 人，与工作人员总数 3 人不一致");
        assert_eq!(
            d.to_string().lines().next(),
            Some("x.yaml:7:30: 甲社区：性别合计 4 人，与工作人员总数 3 人不一致")
        );
    }

    #[test]
    fn booleans() {
        assert!(check(&format!("{GOOD_UNIT}    ok: true\n")).is_ok());
        let d = one(&format!("{GOOD_UNIT}    ok: 1\n"));
        assert!(d.message.contains("true 或 false"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let units = GOOD_UNIT
            .replace("households: 10", "households: x")
            .replace("area: 12.5", "area: -2");
        assert_eq!(check(&units).expect_err("invalid").len(), 2);
    }

    #[test]
    fn other_tables_are_checked() {
        let doc = format!(
            "template: t\nreport: {{ title: x, region: y, period: \"1\" }}\nunits:\n{GOOD_UNIT}tables:\n  pay:\n    - {{ post: 主任, monthly: 高 }}\n    - {{ post: 委员, montly: 1 }}\n  pya: []\n"
        );
        let d = check_doc(&doc).expect_err("invalid");
        let msgs: Vec<String> = d
            .iter()
            .map(|d| format!("{:?}: {}", d.line, d.message))
            .collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("Some(10)") && m.contains("月薪应为数字")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("未知列 montly，是否应为 monthly？")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("未知的表 tables.pya")),
            "{msgs:?}"
        );
    }

    #[test]
    fn yaml_syntax_errors_have_a_line() {
        let d = check_doc("template: t\nunits: [\n  - a: b\n").expect_err("invalid");
        assert!(d[0].message.starts_with("YAML 格式错误"));
        assert!(d[0].line.is_some());
    }

    #[test]
    fn bom_and_crlf_are_accepted_gbk_is_refused() {
        let text = decode(Path::new("x"), b"\xEF\xBB\xBFa: 1\r\nb: 2\r\n").expect("utf-8");
        assert_eq!(text, "a: 1\nb: 2\n");
        let err = decode(Path::new("x"), b"a: 1\nname: \xc9\xe7\xc7\xf8\n").expect_err("gbk");
        let Error::Input(d) = err else {
            panic!("input error")
        };
        assert_eq!(d[0].line, Some(2));
        assert!(d[0].message.contains("UTF-8"));
    }

    #[test]
    fn inline_previous_period_is_validated_too() {
        let doc = format!(
            "template: t\nreport: {{ title: x, region: y, period: \"2\" }}\nunits:\n{GOOD_UNIT}previous:\n  period: \"1\"\n  units:\n{}",
            GOOD_UNIT.replace("households: 10", "households: -4")
        );
        let d = check_doc(&doc).expect_err("invalid");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(12));
        let ok = check_doc(&format!(
            "template: t\nreport: {{ title: x, region: y, period: \"2\" }}\nunits:\n{GOOD_UNIT}previous:\n  period: \"1\"\n  units:\n{GOOD_UNIT}"
        ))
        .expect("valid");
        assert_eq!(ok.previous.expect("previous").period, "1");
    }
}
