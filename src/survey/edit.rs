//! The writer's part of a data file as a form (`diaoyan serve`): the report's metadata,
//! findings, recommendations and closing read from a data file's text ([`read_form`]) and
//! written back into it ([`write_form`]) with every other line — units, tables, facts,
//! `previous:`, comments — kept byte for byte.
//!
//! Reading is lenient: a data file `check` refuses (empty findings, bad numbers, an unknown
//! topic) is read as long as it is YAML, so the writer can fix it in the form. Writing
//! replaces only the top-level sections whose content changed, and within `findings:` and
//! `recommendations:` keeps each unchanged item's own lines (its comments and layout); the
//! result is read back before it is returned, so a text this module cannot write
//! faithfully is refused rather than written wrong.

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_yaml::Value as Yaml;

use crate::error::{Diagnostic, Error, Result};

/// The name diagnostics of [`read_form`] and [`write_form`] give the data file (a
/// workspace project's data file is `survey.yaml`); callers may replace `file`.
pub const FORM_FILE: &str = "survey.yaml";

/// The report items of the form, in the order the data file writes them.
pub const REPORT_KEYS: [&str; 8] = [
    "title",
    "subtitle",
    "region",
    "period",
    "organisation",
    "author",
    "date",
    "output",
];

/// The keys of a finding or recommendation the form edits.
pub const ITEM_KEYS: [&str; 3] = ["title", "topic", "text"];

/// The writer's part of a data file (see the module docs). Serialised to JSON as
/// `{report: {title, subtitle, region, period, organisation, author, date, output, extra},
/// findings: [{title, topic, text, extra}], recommendations: [same], closing}`.
///
/// Every text is the string as written (an empty string means "absent": [`write_form`]
/// omits the key). `extra` holds the keys the form does not edit (a finding's `points`,
/// unknown keys, a report key other than the eight, a value of the wrong shape such as a
/// list where a title belongs), in file order; they are written back unchanged, so a
/// client must send them back as it received them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    /// `report:`: the report's metadata.
    pub report: FormReport,
    /// `findings:`: the problems found, in order.
    pub findings: Vec<FormItem>,
    /// `recommendations:`: the recommendations, in order.
    pub recommendations: Vec<FormItem>,
    /// `closing:`: the closing paragraph(s), Markdown.
    pub closing: String,
    /// `facts:`: the figures the report uses that no table gives (the pack's fact slots,
    /// see [`read_form_facts`]); empty when the form was read without a pack, and then
    /// [`write_form`] leaves `facts:` as it is.
    pub facts: Vec<FormFact>,
}

/// One figure under `facts:` (`funding.office`): its dotted path, what it is (label and
/// unit, from the pack's `template.yaml`), and its value as text (`""` when absent or
/// `~`; a number as its text, e.g. `15000`). JSON `{path, label, unit, value}` (`unit`
/// null when none).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormFact {
    /// Dotted path under `facts:`.
    pub path: String,
    /// What it is, for the writer (the comment written after the value).
    pub label: String,
    /// Its unit (元), if any.
    pub unit: Option<String>,
    /// The value as text; written as a number when it reads as one, else as a quoted
    /// string (which `check` then names at its line); `""` is written `~` (left to fill).
    pub value: String,
}

/// `report:` of a data file: its eight items as text (`date` as written, e.g.
/// `2020-03-16` or `2020年3月16日`), and any other key in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormReport {
    /// Report title (required by `check`).
    pub title: String,
    /// Second title line.
    pub subtitle: String,
    /// Region surveyed (required by `check`).
    pub region: String,
    /// Period surveyed, e.g. `2019` (required by `check`).
    pub period: String,
    /// Issuing organisation.
    pub organisation: String,
    /// Author.
    pub author: String,
    /// Publication date as written.
    pub date: String,
    /// Output file name without extension.
    pub output: String,
    /// Other keys of `report:` (and any of the eight whose value is not text), unchanged.
    pub extra: IndexMap<String, Yaml>,
}

/// A finding or a recommendation: title, topic (the pack's evidence key), Markdown text,
/// and the keys the form does not edit (`points`, …) in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormItem {
    /// The heading.
    pub title: String,
    /// The topic (`office`, `pay`, …), or empty.
    pub topic: String,
    /// The writer's Markdown text.
    pub text: String,
    /// Other keys (`points`, unknown keys), unchanged, in file order.
    pub extra: IndexMap<String, Yaml>,
}

impl FormReport {
    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "title" => &mut self.title,
            "subtitle" => &mut self.subtitle,
            "region" => &mut self.region,
            "period" => &mut self.period,
            "organisation" => &mut self.organisation,
            "author" => &mut self.author,
            "date" => &mut self.date,
            "output" => &mut self.output,
            _ => return None,
        })
    }

    fn field(&self, key: &str) -> &str {
        match key {
            "title" => &self.title,
            "subtitle" => &self.subtitle,
            "region" => &self.region,
            "period" => &self.period,
            "organisation" => &self.organisation,
            "author" => &self.author,
            "date" => &self.date,
            "output" => &self.output,
            _ => "",
        }
    }
}

impl FormItem {
    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "title" => &mut self.title,
            "topic" => &mut self.topic,
            "text" => &mut self.text,
            _ => return None,
        })
    }

    fn field(&self, key: &str) -> &str {
        match key {
            "title" => &self.title,
            "topic" => &self.topic,
            "text" => &self.text,
            _ => "",
        }
    }
}

/// The form of a data file's text ([`FORM_FILE`] in messages); see [`read_form_named`].
///
/// # Errors
/// As [`read_form_named`].
pub fn read_form(text: &str) -> Result<Form> {
    read_form_named(Path::new(FORM_FILE), text)
}

/// The form of a data file's text, `path` naming it in messages. Lenient: anything YAML
/// whose `report:` is a mapping and whose `findings:`/`recommendations:` are lists of
/// mappings is read, whatever `check` would say of it; an empty text is an empty form.
/// A number or true/false where text belongs is read as its text; a list or mapping there
/// goes to `extra` (so it is written back, and `check` still names it).
///
/// # Errors
/// [`Error::Input`] in Chinese with line and column: a YAML syntax error (the same
/// messages as `check`), a top level that is not a mapping, or a section of the wrong
/// shape (`findings:` not a list, an item not a mapping, `closing:` not text).
pub fn read_form_named(path: &Path, text: &str) -> Result<Form> {
    let text = prepare(text);
    let Some(top) = parse_top(path, &text)? else {
        return Ok(Form::default());
    };
    form_of(path, &text, &top)
}

/// The form of a data file's text with its facts: [`read_form_named`], and one
/// [`FormFact`] per slot of the pack (`slots`, see
/// [`super::skeleton::fact_slots`]) holding the file's current value, read leniently
/// (absent, `~`, or a `facts:` that is not a mapping → `""`; a number or true/false as
/// its text; a list or mapping as its flow text).
///
/// # Errors
/// As [`read_form_named`].
pub fn read_form_facts(
    path: &Path,
    text: &str,
    slots: &[super::skeleton::FactSlot],
) -> Result<Form> {
    let prepared = prepare(text);
    let top = parse_top(path, &prepared)?.unwrap_or_default();
    let mut form = form_of(path, &prepared, &top)?;
    let facts = top.get("facts");
    form.facts = slots
        .iter()
        .map(|s| FormFact {
            path: s.path.clone(),
            label: s.label.clone(),
            unit: s.unit.clone(),
            value: fact_at(facts, &s.path).map(fact_text).unwrap_or_default(),
        })
        .collect();
    Ok(form)
}

/// The value at dotted `path` under a `facts:` value, if it has one.
fn fact_at<'a>(facts: Option<&'a Yaml>, path: &str) -> Option<&'a Yaml> {
    let mut node = facts?;
    for part in path.split('.') {
        node = node.as_mapping()?.get(part)?;
    }
    Some(node)
}

/// A fact's value as the form's text (see [`FormFact::value`]).
fn fact_text(v: &Yaml) -> String {
    match v {
        Yaml::Null => String::new(),
        Yaml::String(s) => restore(s),
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        other => serde_json::to_string(&restore_value(other)).unwrap_or_default(),
    }
}

/// Whether the form's text `value` (trimmed) reads as a YAML number.
fn numeric(value: &str) -> Option<&str> {
    let t = value.trim();
    matches!(serde_yaml::from_str::<Yaml>(t), Ok(Yaml::Number(_))).then_some(t)
}

/// Whether the file's value `v` (absent: `None`) is what the form's `value` says: both
/// empty, the same number, or the same text.
fn fact_is(v: Option<&Yaml>, value: &str) -> bool {
    match (v, numeric(value)) {
        (None | Some(Yaml::Null), _) => value.trim().is_empty(),
        (Some(Yaml::Number(n)), Some(t)) => serde_yaml::from_str::<Yaml>(t)
            .ok()
            .and_then(|y| y.as_f64())
            .is_some_and(|x| Some(x) == n.as_f64()),
        (Some(other), _) => !value.is_empty() && fact_text(other) == value,
    }
}

/// The YAML scalar text a fact is written as: the old value's own text when the form did
/// not change it, a number as typed, any other text double-quoted; `None` for empty.
fn fact_yaml(old: Option<&Yaml>, value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return None;
    }
    if fact_is(old, value) {
        match old? {
            Yaml::String(s) if !s.contains('\n') && !s.chars().any(needs_escape) => {
                let plain = crate::survey::emit::scalar(s);
                if reads_as(&format!("k: {plain}\n"), "k", s) {
                    return Some(plain);
                }
                return Some(double_quoted(&restore(s)));
            }
            Yaml::String(s) => return Some(double_quoted(&restore(s))),
            Yaml::Number(n) => return Some(n.to_string()),
            Yaml::Bool(b) => return Some(b.to_string()),
            other => {
                if let Ok(t) = serde_json::to_string(&restore_value(other)) {
                    return Some(t);
                }
            }
        }
    }
    Some(match numeric(value) {
        Some(t) => t.to_string(),
        None => double_quoted(value),
    })
}

/// The leaves of a `facts:` mapping as (dotted path, value), in file order.
fn fact_leaves(prefix: &str, v: &Yaml, out: &mut Vec<(String, Yaml)>) {
    match v {
        Yaml::Mapping(m) if !m.is_empty() || prefix.is_empty() => {
            for (k, v) in m {
                let key = key_text(k);
                let path = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                fact_leaves(&path, v, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Whether `path` is, is under, or is above one of the form's fact paths.
fn form_covers(facts: &[FormFact], path: &str) -> bool {
    facts.iter().any(|f| {
        f.path == path
            || path.starts_with(&format!("{}.", f.path))
            || f.path.starts_with(&format!("{path}."))
    })
}

/// Whether the form's facts differ from the file's `facts:` value.
fn facts_changed(facts: &[FormFact], old: Option<&Yaml>) -> bool {
    facts
        .iter()
        .any(|f| !fact_is(fact_at(old, &f.path), &f.value))
}

/// The form's fact paths must be dotted names (no empty part), each once, none inside
/// another; a label or unit is one line.
fn check_fact_paths(path: &Path, facts: &[FormFact]) -> Result<()> {
    for (i, f) in facts.iter().enumerate() {
        let bad = f.path.split('.').any(|p| p.trim().is_empty())
            || f.path.chars().any(|c| c.is_control() || needs_escape(c))
            || facts[..i].iter().any(|g| {
                g.path == f.path
                    || g.path.starts_with(&format!("{}.", f.path))
                    || f.path.starts_with(&format!("{}.", g.path))
            });
        if bad {
            return Err(Error::input(Diagnostic::new(
                path,
                format!("表单中的数字名称“{}”无效，无法保存", f.path),
            )));
        }
    }
    Ok(())
}

/// A label or unit as one comment line (line breaks and control characters → spaces).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || needs_escape(c) {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The `facts:` section for the form's facts, every other fact of `old` kept.
fn facts_section_of(facts: &[FormFact], old: Option<&Yaml>) -> String {
    let slots: Vec<super::skeleton::FactSlot> = facts
        .iter()
        .map(|f| {
            let label = one_line(&f.label);
            super::skeleton::FactSlot {
                path: f.path.clone(),
                label: if label.is_empty() {
                    f.path.clone()
                } else {
                    label
                },
                unit: f.unit.as_deref().map(one_line).filter(|u| !u.is_empty()),
            }
        })
        .collect();
    let values: IndexMap<String, String> = facts
        .iter()
        .filter_map(|f| Some((f.path.clone(), fact_yaml(fact_at(old, &f.path), &f.value)?)))
        .collect();
    // Stand-ins stay as they are: the written text is turned back as a whole.
    let existing = old.filter(|v| v.is_mapping());
    super::skeleton::facts_section(&slots, &values, existing)
}

/// A data file's text as the parser reads it: no BOM, LF line ends, U+2028/U+2029 as
/// stand-ins (see [`super::text::protect_separators`]; [`restore`] turns them back).
fn prepare(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    super::text::protect_separators(text.replace("\r\n", "\n"))
}

/// The top-level mapping of `text` (already [`prepare`]d), `None` for an empty document.
fn parse_top(path: &Path, text: &str) -> Result<Option<serde_yaml::Mapping>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let top: Yaml = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            // The CLI's own messages (tab indentation, a key written twice, a control
            // character …) when its reader refuses the text too.
            if let Err(Error::Input(ds)) = super::data::parse_raw(path, text) {
                if ds.iter().any(|d| d.line.is_some()) {
                    return Err(Error::Input(ds));
                }
            }
            let loc = e.location();
            let mut d = Diagnostic::new(
                path,
                format!("YAML 格式错误：{}", super::data::yaml_message(&e)),
            )
            .at(
                loc.as_ref().map(|l| l.line()),
                loc.as_ref().map(|l| l.column()),
            );
            let line = d.line;
            d.set_source(line.and_then(|l| text.lines().nth(l.checked_sub(1)?)));
            return Err(Error::input(d));
        }
    };
    match top {
        Yaml::Mapping(m) => Ok(Some(m)),
        Yaml::Null => Ok(None),
        _ => Err(Error::input(
            Diagnostic::new(
                path,
                "文件顶层应为键值对（template、report、units 等），无法编辑",
            )
            .at(Some(1), Some(1)),
        )),
    }
}

fn form_of(path: &Path, text: &str, top: &serde_yaml::Mapping) -> Result<Form> {
    let positions = std::cell::OnceCell::new();
    let wrong = |at: &str, what: String| -> Error {
        let pos = positions
            .get_or_init(|| super::positions::Positions::of(text))
            .find(at);
        let mut d = Diagnostic::new(path, what).at(pos.map(|p| p.0), pos.map(|p| p.1));
        d.set_source(pos.and_then(|p| text.lines().nth(p.0 - 1)));
        Error::input(d)
    };
    let mut form = Form::default();
    match top.get("report") {
        None | Some(Yaml::Null) => {}
        Some(Yaml::Mapping(m)) => {
            for (k, v) in m {
                let key = key_text(k);
                match (form.report.field_mut(&key), scalar_text(v)) {
                    (Some(slot), Some(t)) if slot.is_empty() => *slot = t,
                    _ => {
                        form.report.extra.insert(key, restore_value(v));
                    }
                }
            }
        }
        Some(_) => {
            return Err(wrong(
                "report",
                "report 应为键值对（title、region、period 等），无法编辑".into(),
            ))
        }
    }
    for (list, name) in [("findings", "问题"), ("recommendations", "建议")] {
        let items = match top.get(list) {
            None | Some(Yaml::Null) => Vec::new(),
            Some(Yaml::Sequence(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Yaml::Null => Ok(FormItem::default()),
                    Yaml::Mapping(m) => {
                        let mut out = FormItem::default();
                        for (k, v) in m {
                            let key = key_text(k);
                            match (out.field_mut(&key), scalar_text(v)) {
                                (Some(slot), Some(t)) if slot.is_empty() => *slot = t,
                                _ => {
                                    out.extra.insert(key, restore_value(v));
                                }
                            }
                        }
                        Ok(out)
                    }
                    _ => Err(wrong(
                        &format!("{list}.{i}"),
                        format!(
                            "{list} 的第 {} 项（{name}）应为键值对（title、text 等），无法编辑",
                            i + 1
                        ),
                    )),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => {
                return Err(wrong(
                    list,
                    format!("{list} 应为列表（每项一条{name}，以 - 开头），无法编辑"),
                ))
            }
        };
        if list == "findings" {
            form.findings = items;
        } else {
            form.recommendations = items;
        }
    }
    match top.get("closing") {
        None => {}
        Some(v) => match scalar_text(v) {
            Some(t) => form.closing = t,
            None => {
                return Err(wrong(
                    "closing",
                    "closing 应为文字（结束语），无法编辑".into(),
                ))
            }
        },
    }
    Ok(form)
}

/// A key as text (a number or true/false key as written).
fn key_text(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => restore(s),
        other => scalar_text(other).unwrap_or_else(|| {
            serde_yaml::to_string(other)
                .map(|s| s.trim_end().to_string())
                .unwrap_or_default()
        }),
    }
}

/// A scalar value as the form's text: a string as written, a number or true/false as its
/// text, nothing as empty; `None` for a list, mapping or tagged value.
fn scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::Null => Some(String::new()),
        Yaml::String(s) => Some(restore(s)),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The stand-ins [`prepare`] made turned back into U+2028/U+2029.
fn restore(s: &str) -> String {
    if !s.contains(['\u{FDD0}', '\u{FDD1}']) {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            '\u{FDD0}' => '\u{2028}',
            '\u{FDD1}' => '\u{2029}',
            c => c,
        })
        .collect()
}

fn restore_value(v: &Yaml) -> Yaml {
    match v {
        Yaml::String(s) => Yaml::String(restore(s)),
        Yaml::Sequence(items) => Yaml::Sequence(items.iter().map(restore_value).collect()),
        Yaml::Mapping(m) => Yaml::Mapping(
            m.iter()
                .map(|(k, v)| (restore_value(k), restore_value(v)))
                .collect(),
        ),
        Yaml::Tagged(t) => Yaml::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: t.tag.clone(),
            value: restore_value(&t.value),
        })),
        other => other.clone(),
    }
}

/// `form` as [`read_form`] will read it back once written: an `extra` key that is one of
/// the form's own keys is dropped when the form gives that key a value, and otherwise
/// becomes the value when it is text.
pub fn normalise(form: &Form) -> Form {
    let mut out = form.clone();
    let extra = std::mem::take(&mut out.report.extra);
    for (k, v) in extra {
        match out.report.field_mut(&k) {
            Some(slot) if !slot.is_empty() => {}
            Some(slot) => match scalar_text(&v) {
                Some(t) => *slot = t,
                None => {
                    out.report.extra.insert(k, v);
                }
            },
            None => {
                out.report.extra.insert(k, v);
            }
        }
    }
    for item in out
        .findings
        .iter_mut()
        .chain(out.recommendations.iter_mut())
    {
        let extra = std::mem::take(&mut item.extra);
        for (k, v) in extra {
            match item.field_mut(&k) {
                Some(slot) if !slot.is_empty() => {}
                Some(slot) => match scalar_text(&v) {
                    Some(t) => *slot = t,
                    None => {
                        item.extra.insert(k, v);
                    }
                },
                None => {
                    item.extra.insert(k, v);
                }
            }
        }
    }
    out
}

/// `text` (a data file) with the form written into it ([`FORM_FILE`] in messages); see
/// [`write_form_named`].
///
/// # Errors
/// As [`write_form_named`].
pub fn write_form(text: &str, form: &Form) -> Result<String> {
    write_form_named(Path::new(FORM_FILE), text, form)
}

/// `text` (a data file) with `form` written into it: only the `report:`, `findings:`,
/// `recommendations:` and `closing:` sections that changed are replaced (a missing one is
/// appended; an emptied `closing:` is removed); every other line, comments included, is
/// kept byte for byte (line ends become LF, a BOM is dropped). Within a changed
/// `findings:`/`recommendations:`, an item equal to one of the file's keeps its own lines.
///
/// Texts are written readably: one-line values plain or quoted, multi-line texts as
/// block literals (`|`, `|-`); a text no block literal can hold exactly (control
/// characters, line separators, several trailing line breaks) is double-quoted with
/// escapes. Empty texts are omitted. The result is read back and compared with `form`
/// before it is returned.
///
/// # Errors
/// The errors of [`read_form_named`] for `text`; [`Error::Input`] (Chinese) when the
/// result would not read back as `form` or would change another section (a layout this
/// editor cannot edit in place, e.g. a top level written as a flow mapping).
pub fn write_form_named(path: &Path, text: &str, form: &Form) -> Result<String> {
    let original = prepare(text);
    let old_top = parse_top(path, &original)?.unwrap_or_default();
    let mut old = form_of(path, &original, &old_top)?;
    let new = normalise(form);
    check_fact_paths(path, &new.facts)?;
    let old_facts = old_top.get("facts");
    // The file's facts as the form's (labels as sent), equal when unchanged.
    old.facts = if facts_changed(&new.facts, old_facts) {
        Vec::new()
    } else {
        new.facts.clone()
    };
    if new == old {
        // Nothing changed: the text as it was (no BOM, LF line ends).
        return Ok(unprotect(&original));
    }
    // In place first (unchanged report keys and items keep their lines and comments);
    // if that does not read back exactly, the changed sections written afresh.
    let mut last = None;
    for careful in [true, false] {
        let mut out = compose(&original, &old, &new, careful);
        if old.facts != new.facts {
            let section = facts_section_of(&new.facts, old_facts);
            out = replace_section(&out, "facts", Some(&section));
        }
        match verify(path, &out, &old_top, &new) {
            Ok(()) => return Ok(unprotect(&out)),
            Err(why) => last = Some(why),
        }
    }
    Err(Error::input(Diagnostic::new(
        path,
        format!(
            "无法在保留原文的前提下写入表单（{}）；请用文本编辑器修改此数据文件",
            last.unwrap_or("")
        ),
    )))
}

/// `original` with the sections of `new` that differ from `old` replaced; with `careful`,
/// unchanged report keys and items keep their own lines.
fn compose(original: &str, old: &Form, new: &Form, careful: bool) -> String {
    let mut out = original.to_string();
    if new.report != old.report {
        let in_place = careful
            .then(|| report_in_place(original, &new.report))
            .flatten();
        let section = in_place.unwrap_or_else(|| report_section(&new.report));
        out = replace_section(&out, "report", Some(&section));
    }
    for (key, old_items, new_items) in [
        ("findings", &old.findings, &new.findings),
        (
            "recommendations",
            &old.recommendations,
            &new.recommendations,
        ),
    ] {
        if old_items != new_items {
            let kept = if careful {
                item_texts(original, key, old_items)
            } else {
                (String::new(), vec![None; old_items.len()])
            };
            let section = items_section(key, new_items, old_items, &kept);
            out = replace_section(&out, key, Some(&section));
        }
    }
    if new.closing != old.closing {
        let section = (!new.closing.is_empty()).then(|| keyed("closing", &new.closing, true));
        out = replace_section(&out, "closing", section.as_deref());
    }
    out
}

/// Whether `out` reads back as `new` with every other top-level key as in `old_top`; else
/// why not.
fn verify(
    path: &Path,
    out: &str,
    old_top: &serde_yaml::Mapping,
    new: &Form,
) -> std::result::Result<(), &'static str> {
    let reread = prepare(out);
    let back_top = parse_top(path, &reread)
        .map_err(|_| "写出的文件无法读回")?
        .unwrap_or_default();
    let mut back = form_of(path, &reread, &back_top).map_err(|_| "写出的文件无法读回")?;
    back.facts = new.facts.clone();
    if back != *new {
        return Err("写出的内容读回后与表单不一致");
    }
    // Facts: the form's read back as given, every other one as it was.
    let (old_facts, back_facts) = (old_top.get("facts"), back_top.get("facts"));
    if facts_changed(&new.facts, back_facts) {
        return Err("写出的数字读回后与表单不一致");
    }
    if old_facts != back_facts {
        let others = |v: Option<&Yaml>| -> Vec<(String, Yaml)> {
            let mut out = Vec::new();
            if let Some(v) = v.filter(|v| v.is_mapping()) {
                fact_leaves("", v, &mut out);
            }
            out.retain(|(p, _)| !form_covers(&new.facts, p));
            out
        };
        if others(old_facts) != others(back_facts) {
            return Err("其他数字会被改变");
        }
    }
    let sections = ["report", "findings", "recommendations", "closing", "facts"];
    let others = |m: &serde_yaml::Mapping| -> Vec<(Yaml, Yaml)> {
        m.iter()
            .filter(|(k, _)| !k.as_str().is_some_and(|k| sections.contains(&k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    if others(&back_top) != others(old_top) {
        return Err("其他部分会被改变");
    }
    Ok(())
}

/// The `report:` section of `original` (a block mapping) with `r` written in place: each
/// key whose value is unchanged keeps its line(s); a changed one-line key keeps its
/// trailing comment (at its column); an emptied key is removed; new keys follow the last
/// one. `None` when the section is not a block mapping this can edit.
fn report_in_place(original: &str, r: &FormReport) -> Option<String> {
    let (start, end) = section_lines(original, "report")?;
    let lines: Vec<&str> = original.lines().collect();
    let head = lines[start];
    // `report:` alone on its line (a comment after it allowed).
    let after = head.split_once(':')?.1.trim_start();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let body = &lines[start + 1..end];
    let indent = body
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start().len())
        .filter(|&n| n > 0)?;
    // Entries: (key, first line, end line) within `body`.
    let mut entries: Vec<(String, usize, usize)> = Vec::new();
    for (i, l) in body.iter().enumerate() {
        let lead = l.len() - l.trim_start().len();
        let t = l.trim_start();
        if t.is_empty() || t.starts_with('#') || lead > indent {
            continue;
        }
        if lead < indent {
            return None;
        }
        let key = top_level_key(t)?.to_string();
        if let Some(last) = entries.last_mut() {
            last.2 = i;
        }
        entries.push((key, i, body.len()));
    }
    let first = entries.first().map_or(body.len(), |e| e.1);
    // What each key should hold: its text, or an `extra` value.
    let wanted = |key: &str| -> Option<Yaml> {
        match r.field(key) {
            "" => r.extra.get(key).cloned(),
            v => Some(Yaml::String(v.to_string())),
        }
    };
    let pad = " ".repeat(indent);
    let written = |key: &str, v: &Yaml| -> String {
        let text = match v {
            Yaml::String(s) => keyed(key, s, false),
            other => keyed_value(key, other),
        };
        indent_lines(&text, indent)
    };
    let mut out = String::new();
    out.push_str(head);
    out.push('\n');
    for l in &body[..first] {
        out.push_str(l);
        out.push('\n');
    }
    let mut seen: Vec<&str> = Vec::new();
    for (key, s, e) in &entries {
        seen.push(key);
        let chunk: Vec<&str> = body[*s..*e].to_vec();
        // The entry's own lines, trailing comments and blank lines apart.
        let content = chunk
            .iter()
            .rposition(|l| !(l.trim().is_empty() || l.trim_start().starts_with('#')))
            .map_or(1, |p| p + 1);
        let alone = chunk[..content]
            .iter()
            .map(|l| l.strip_prefix(pad.as_str()).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let current = serde_yaml::from_str::<serde_yaml::Mapping>(&alone)
            .ok()
            .and_then(|m| m.get(key.as_str()).cloned());
        let want = wanted(key);
        let rest = &chunk[content..];
        // Unchanged (an empty placeholder such as `subtitle: ''` left empty included).
        let keep = match (&current, &want) {
            (Some(c), Some(w)) => c == w || same_text(Some(c), w),
            (Some(c), None) => {
                REPORT_KEYS.contains(&key.as_str())
                    && !r.extra.contains_key(key)
                    && scalar_text(c).is_some_and(|t| t.is_empty())
            }
            (None, _) => false,
        };
        match want {
            _ if keep => {
                for l in &chunk[..content] {
                    out.push_str(l);
                    out.push('\n');
                }
            }
            None => {}
            Some(v) => {
                let new = written(key, &v);
                match (content, trailing_comment(chunk[0], key)) {
                    (1, Some((column, comment))) if new.lines().count() == 1 => {
                        let line = new.trim_end_matches('\n');
                        let width = display_width(line);
                        out.push_str(line);
                        out.push_str(&" ".repeat(column.saturating_sub(width).max(2)));
                        out.push_str(comment);
                        out.push('\n');
                    }
                    _ => out.push_str(&new),
                }
            }
        }
        for l in rest {
            out.push_str(l);
            out.push('\n');
        }
    }
    // Keys the section does not have yet, in the form's order.
    let missing: Vec<(String, Yaml)> = REPORT_KEYS
        .iter()
        .map(|k| k.to_string())
        .chain(r.extra.keys().cloned())
        .filter(|k| !seen.contains(&k.as_str()))
        .filter_map(|k| wanted(&k).map(|v| (k, v)))
        .collect();
    if !missing.is_empty() {
        // After the last entry's own lines, before its trailing comments.
        let tail_start = out
            .trim_end_matches('\n')
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| !(l.trim().is_empty() || l.trim_start().starts_with('#')))
            .map_or(0, |p| p + 1);
        let all: Vec<String> = out.lines().map(str::to_string).collect();
        let mut rebuilt: String = all[..tail_start.min(all.len())]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        for (k, v) in &missing {
            rebuilt.push_str(&written(k, v));
        }
        for l in &all[tail_start.min(all.len())..] {
            rebuilt.push_str(l);
            rebuilt.push('\n');
        }
        out = rebuilt;
    }
    Some(out)
}

/// A text value read from the file (`period: 2019`) counts as unchanged when the form
/// holds its text.
fn same_text(current: Option<&Yaml>, want: &Yaml) -> bool {
    match (current.and_then(scalar_text), want) {
        (Some(c), Yaml::String(w)) => c == *w && !matches!(current, Some(Yaml::Null)),
        _ => false,
    }
}

/// The comment after a one-line `key: value` (its display column and text from `#`), if
/// the line has one.
fn trailing_comment<'a>(line: &'a str, key: &str) -> Option<(usize, &'a str)> {
    let whole = serde_yaml::from_str::<serde_yaml::Mapping>(line.trim_start()).ok()?;
    let value = whole.get(key)?;
    for (i, _) in line.match_indices(" #") {
        let before = &line[..i];
        let ok = serde_yaml::from_str::<serde_yaml::Mapping>(before.trim_start())
            .ok()
            .is_some_and(|m| m.get(key) == Some(value));
        if ok {
            let hash = i + line[i..].find('#')?;
            return Some((display_width(&line[..hash]), &line[hash..]));
        }
    }
    None
}

/// Columns a text takes in a monospaced editor (CJK two), as `emit` aligns comments.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// The stand-ins of a [`prepare`]d text turned back (the user's own characters).
fn unprotect(text: &str) -> String {
    restore(text)
}

/// The `report:` section for `r`: the eight items that have a value, then `extra`.
fn report_section(r: &FormReport) -> String {
    let mut out = String::from("report:\n");
    for key in REPORT_KEYS {
        let v = r.field(key);
        if !v.is_empty() {
            push_indented(&mut out, &keyed(key, v, false), 2);
        }
    }
    for (k, v) in &r.extra {
        if r.field(k).is_empty() {
            push_indented(&mut out, &keyed_value(k, v), 2);
        }
    }
    out
}

/// The lines of section `key` of `text` (already [`prepare`]d) between its key and its
/// first item (comments), and each item as its own lines (with the comments and blank
/// lines after it), when the section is a block list whose items read as `items`;
/// else nothing.
fn item_texts(text: &str, key: &str, items: &[FormItem]) -> (String, Vec<Option<String>>) {
    let none = (String::new(), vec![None; items.len()]);
    let Some((start, end)) = section_lines(text, key) else {
        return none;
    };
    let lines: Vec<&str> = text.lines().collect();
    let body = &lines[start + 1..end];
    let Some(indent) = body
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter(|l| l.trim_start().starts_with("- ") || l.trim_start() == "-")
        .map(|l| l.len() - l.trim_start().len())
    else {
        return none;
    };
    let mut starts = Vec::new();
    for (i, l) in body.iter().enumerate() {
        let lead = l.len() - l.trim_start().len();
        let rest = &l[lead..];
        if lead == indent && (rest.starts_with("- ") || rest == "-") {
            starts.push(i);
        } else if !l.trim().is_empty() && !rest.starts_with('#') && lead <= indent {
            return none;
        }
    }
    if starts.len() != items.len() || starts.is_empty() {
        return none;
    }
    let pad = " ".repeat(indent);
    let unindent = |l: &&str| -> String {
        l.strip_prefix(pad.as_str())
            .unwrap_or_else(|| l.trim_start())
            .to_string()
    };
    let lead: String = body[..starts[0]]
        .iter()
        .map(|l| {
            let t = l.trim_start();
            if t.is_empty() {
                "\n".to_string()
            } else {
                format!("  {t}\n")
            }
        })
        .collect();
    let mut out = Vec::new();
    for (n, &s) in starts.iter().enumerate() {
        let e = starts.get(n + 1).copied().unwrap_or(body.len());
        let chunk = body[s..e]
            .iter()
            .map(unindent)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        // The item alone must read as the form's item.
        let same = match serde_yaml::from_str::<Yaml>(&chunk) {
            Ok(Yaml::Sequence(v)) if v.len() == 1 => {
                let top: serde_yaml::Mapping = [(Yaml::from("findings"), Yaml::Sequence(v))]
                    .into_iter()
                    .collect();
                form_of(Path::new(""), &chunk, &top)
                    .ok()
                    .is_some_and(|f| f.findings.first() == Some(&items[n]))
            }
            _ => false,
        };
        out.push(same.then_some(chunk));
    }
    (lead, out)
}

/// The section `key` for `items` (`lead`: comment lines to keep under the key): each item
/// equal to one of the file's `old` items with its own text in `kept` reuses that text
/// (each at most once, the same place first); the others are written afresh.
fn items_section(
    key: &str,
    items: &[FormItem],
    old: &[FormItem],
    (lead, kept): &(String, Vec<Option<String>>),
) -> String {
    if items.is_empty() {
        return format!("{key}: []\n");
    }
    let mut used = vec![false; old.len()];
    let mut out = format!("{key}:\n");
    out.push_str(lead);
    for (i, item) in items.iter().enumerate() {
        let reuse = std::iter::once(i).chain(0..old.len()).find(|&j| {
            j < old.len() && !used[j] && old[j] == *item && kept.get(j).is_some_and(Option::is_some)
        });
        if let Some(j) = reuse {
            used[j] = true;
            out.push_str(&indent_lines(kept[j].as_deref().unwrap_or(""), 2));
            continue;
        }
        let body = item_body(item);
        let mut first = true;
        for line in body.lines() {
            if first {
                out.push_str("  - ");
                out.push_str(line);
                first = false;
            } else if !line.is_empty() {
                out.push_str("    ");
                out.push_str(line);
            }
            out.push('\n');
        }
        if first {
            out.push_str("  - {}\n");
        }
    }
    out
}

/// An item's mapping at indent 0: title, topic, text, then its other keys.
fn item_body(item: &FormItem) -> String {
    let mut out = String::new();
    for key in ITEM_KEYS {
        let v = item.field(key);
        if !v.is_empty() {
            out.push_str(&keyed(key, v, key == "text"));
        }
    }
    for (k, v) in &item.extra {
        if item.field(k).is_empty() {
            out.push_str(&keyed_value(k, v));
        }
    }
    out
}

/// Every non-empty line of `text` indented by `n` spaces (empty lines stay empty: inside
/// a block literal they are its blank lines either way).
fn indent_lines(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for line in text.lines() {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

fn push_indented(out: &mut String, text: &str, n: usize) {
    out.push_str(&indent_lines(text, n));
}

/// `key: value` for a text (ends in a line break): a one-line text as a plain or quoted
/// scalar, a multi-line one (or any prose with `block`) as a block literal, whatever a
/// block literal cannot hold exactly double-quoted. Each form is read back before it is
/// chosen.
pub fn keyed(key: &str, value: &str, block: bool) -> String {
    let k = key_scalar(key);
    let one_line = !value.contains('\n');
    if one_line && !(block && value.chars().count() > 30) {
        if !value.chars().any(needs_escape) {
            let s = format!("{k}: {}\n", crate::survey::emit::scalar(value));
            if reads_as(&s, key, value) {
                return s;
            }
        }
    } else if let Some(s) = block_literal(&k, value) {
        if reads_as(&s, key, value) {
            return s;
        }
    }
    format!("{k}: {}\n", double_quoted(value))
}

/// `key: value` for an opaque value (an `extra` key), as serde_yaml writes it.
fn keyed_value(key: &str, value: &Yaml) -> String {
    if let Yaml::String(s) = value {
        return keyed(key, s, false);
    }
    let map: serde_yaml::Mapping = [(Yaml::from(key), value.clone())].into_iter().collect();
    serde_yaml::to_string(&map).unwrap_or_else(|_| format!("{}: null\n", key_scalar(key)))
}

/// A key as a YAML scalar (plain when it reads back as itself).
fn key_scalar(key: &str) -> String {
    let plain = crate::survey::emit::scalar(key);
    if key.chars().any(needs_escape) || plain.contains('\n') {
        double_quoted(key)
    } else {
        plain
    }
}

/// `key: |` (or `|-`, with an indentation indicator when the text starts with a space or
/// tab) followed by the text's lines indented by two; `None` when a block literal cannot
/// hold the text (characters YAML forbids or reads as line breaks, several trailing line
/// breaks, an empty or breaks-only text).
fn block_literal(k: &str, value: &str) -> Option<String> {
    if value.trim_matches('\n').is_empty()
        || value.chars().any(|c| needs_escape(c) || c == '\r')
        || value.ends_with("\n\n")
    {
        return None;
    }
    let (body, chomp) = match value.strip_suffix('\n') {
        Some(b) => (b, ""),
        None => (value, "-"),
    };
    let first = body.lines().find(|l| !l.is_empty()).unwrap_or("");
    let indicator = if first.starts_with([' ', '\t']) {
        "2"
    } else {
        ""
    };
    let mut out = format!("{k}: |{indicator}{chomp}\n");
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    Some(out)
}

/// Whether YAML cannot hold `c` as itself in a block or plain scalar: control characters
/// (but tab and line feed), the line and paragraph separators and NEL (YAML line
/// breaks), the BOM and the noncharacters U+FFFE/U+FFFF.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

/// A YAML double-quoted scalar of `s` (escapes for `"`, `\`, line breaks, tabs and every
/// character of [`needs_escape`]); any text reads back exactly.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) => {
                let n = c as u32;
                if n <= 0xFFFF {
                    out.push_str(&format!("\\u{n:04X}"));
                } else {
                    out.push_str(&format!("\\U{n:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether the one-key YAML `s` reads as `key` → the string `value`.
fn reads_as(s: &str, key: &str, value: &str) -> bool {
    match serde_yaml::from_str::<serde_yaml::Mapping>(s) {
        Ok(m) => m.len() == 1 && m.get(key) == Some(&Yaml::String(value.to_string())),
        Err(_) => false,
    }
}

/// The first line (0-based) of top-level key `key` and the line after its section (its
/// trailing comments and blank lines, which belong to the next key, excluded).
fn section_lines(text: &str, key: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| top_level_key(l) == Some(key))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| is_top_level(l))
        .map(|i| start + 1 + i)
        .unwrap_or(lines.len());
    let mut cut = end;
    while cut > start + 1 && (lines[cut - 1].starts_with('#') || lines[cut - 1].trim().is_empty()) {
        cut -= 1;
    }
    Some((start, cut))
}

/// A line that starts a top-level entry (or a document marker): not indented, not a
/// comment, not a list item.
fn is_top_level(l: &str) -> bool {
    l.chars()
        .next()
        .is_some_and(|c| !c.is_whitespace() && c != '-' && c != '#')
        || l.starts_with("---")
        || l == "..."
}

/// The key of a top-level line `key: …` (plain, or in single or double quotes).
fn top_level_key(l: &str) -> Option<&str> {
    if !is_top_level(l) || l.starts_with("---") {
        return None;
    }
    let (key, rest) = if let Some(q) = l.strip_prefix('"').or_else(|| l.strip_prefix('\'')) {
        let quote = if l.starts_with('"') { '"' } else { '\'' };
        let close = q.find(quote)?;
        (&q[..close], q[close + 1..].trim_start())
    } else {
        let colon = l.find(':')?;
        (l[..colon].trim_end(), &l[colon..])
    };
    let after = rest.strip_prefix(':')?;
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(key)
}

/// `text` with its top-level `key:` section replaced by `section` (its own text, ending in
/// a line break), or removed with `None`; a missing section is appended at the end.
/// Every other line is kept; comments and blank lines just above the next key stay with
/// it. Keys are found by the top-level lines' own text (`key:`, `'key':`, `"key":`).
pub fn replace_section(text: &str, key: &str, section: Option<&str>) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some((start, cut)) = section_lines(text, key) else {
        let Some(section) = section else {
            return text.to_string();
        };
        let mut out = text.trim_end().to_string();
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(section);
        return out;
    };
    let mut out = lines[..start].join("\n");
    if start > 0 {
        out.push('\n');
    }
    let mut rest = &lines[cut..];
    match section {
        Some(s) => {
            out.push_str(s);
            if rest.first().is_some_and(|l| !l.trim().is_empty()) {
                out.push('\n');
            }
        }
        None => {
            // One blank line where the section was, not two.
            let blank_before = start == 0 || lines[start - 1].trim().is_empty();
            while blank_before && rest.first().is_some_and(|l| l.trim().is_empty()) {
                rest = &rest[1..];
            }
        }
    }
    if !rest.is_empty() {
        out.push_str(&rest.join("\n"));
        out.push('\n');
    } else if section.is_none() {
        // The file ends where the section was: no blank line left at its end.
        let kept = out.trim_end_matches('\n').len();
        out.truncate(kept);
        if !out.is_empty() {
            out.push('\n');
        }
    }
    out
}
