//! Raw YAML: the data file parsed into a [`RawSurvey`] before the schema is known, and
//! serde's errors placed at the key or value they are about.

use super::*;

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
    crate::survey::bounds::refuse_too_many(path, text, limits.units, limits.nodes)?;
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
pub(in crate::survey) fn duplicate_key(
    path: &Path,
    text: &str,
    e: &serde_yaml::Error,
    at: (Option<usize>, Option<usize>),
) -> Error {
    let mut d = match crate::survey::positions::first_duplicate_key(text) {
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
pub(super) const PREVIOUS_FORMS: &str =
    "previous 可写上一期数据文件的路径（如 previous: 2018.yaml），\
     或写成含 period、units（可选 tables）的键值对；上一期里不能再写 previous";

/// `previous:` in a form [`RawPrevious`] does not take, told specifically (serde's message
/// for an untagged enum names no form and no field): a mapping that is no [`RawPeriod`]
/// (an unknown or missing key, a wrong type inside), or a list, number or true/false.
pub(super) fn previous_shape(
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
pub(super) fn quoted_field(msg: &str) -> Option<(&str, Vec<&str>)> {
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
pub(super) fn locate_raw_error(
    v: &Yaml,
    msg: &str,
    fails: &dyn Fn(&str, &Yaml) -> bool,
) -> Option<String> {
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
pub(super) fn key_of_unknown_field(text: &str, msg: &str, at: Pos) -> Pos {
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
pub(super) fn raw_field_fails(key: &str, v: &Yaml) -> bool {
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
pub(super) fn period_field_fails(key: &str, v: &Yaml) -> bool {
    match key {
        "tables" | "units" => raw_field_fails(key, v),
        "period" => serde_yaml::from_value::<String>(v.clone()).is_err(),
        _ => false,
    }
}
