//! Text values: control characters refused or dropped, text fields normalised (numbers
//! and dates written where text belongs) before validation.

use super::*;

/// Which strings are prose, where U+2028/U+2029 are line and paragraph breaks.
pub(super) fn is_prose(path: &str) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["closing"] => true,
        ["findings" | "recommendations", _, rest @ ..] => {
            // `text`, or `points.N.` … `text` at any depth.
            let mut rest = rest;
            while let ["points", _, tail @ ..] = rest {
                rest = tail;
            }
            rest == ["text"]
        }
        _ => false,
    }
}

/// Clean every string of the document, keys included (see [`text`]): default-ignorable
/// characters removed, U+2028/U+2029 turned into breaks or spaces; XML-illegal characters
/// recorded as problems (and left in place, so nothing else is misreported).
pub(super) fn sanitise(v: &mut Yaml, path: &str, problems: &mut Vec<TextProblem>) {
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
pub(super) fn value_mut<'a>(v: &'a mut Yaml, path: &str) -> Option<&'a mut Yaml> {
    path.split('.').try_fold(v, |v, key| match v {
        Yaml::Sequence(items) => items.get_mut(key.parse::<usize>().ok()?),
        Yaml::Mapping(m) => m.get_mut(key),
        _ => None,
    })
}

/// The paths of the data file's fixed text fields, with whether they are required.
pub(super) fn text_field_paths(top: &Yaml) -> Vec<(String, bool)> {
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
            for (i, item) in items.iter().enumerate() {
                paths.push((format!("{list}.{i}.title"), true));
                paths.push((format!("{list}.{i}.text"), true));
                paths.push((format!("{list}.{i}.topic"), false));
                point_paths(item, &format!("{list}.{i}"), 0, &mut paths);
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
pub(super) fn normalise_text_fields(
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

/// The text paths of the sub-points under `item` (at `at`): each point's `title` and
/// `text`, recursively (at most 8 levels: deeper ones are refused by validation anyway).
fn point_paths(item: &Yaml, at: &str, depth: usize, paths: &mut Vec<(String, bool)>) {
    let Some(Yaml::Sequence(points)) = item.get("points") else {
        return;
    };
    if depth > 8 {
        return;
    }
    for (j, p) in points.iter().enumerate() {
        let here = format!("{at}.points.{j}");
        paths.push((format!("{here}.title"), false));
        paths.push((format!("{here}.text"), false));
        point_paths(p, &here, depth + 1, paths);
    }
}
