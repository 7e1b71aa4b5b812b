//! Tera's string filters replaced by the same filters checked first: the deadline, and
//! the size of what they would build against the output limit (Tera 2.4's semantics).

use super::*;

/// Tera's string filters that can take long on a large string or build a larger one,
/// replaced by the same filters checked first: the deadline, and the size of what they
/// would build against [`Limits::output_mb`] (see [`check_len`]). Semantics (and the
/// handling of safe strings) are Tera 2.4's.
pub(in crate::compose) fn register_checked_filters(tera: &mut tera::Tera) {
    tera.register_filter("upper", upper);
    tera.register_filter("lower", lower);
    tera.register_filter("capitalize", capitalize);
    tera.register_filter("title", title);
    tera.register_filter("replace", replace);
    tera.register_filter("indent", indent);
    tera.register_filter("join", join);
    tera.register_filter("str", as_str);
    tera.register_filter("trim", trim);
    tera.register_filter("trim_start", trim_start);
    tera.register_filter("trim_end", trim_end);
    tera.register_filter("split", split);
    tera.register_filter("escape", escape);
    tera.register_filter("escape_html", escape_html);
    tera.register_filter("escape_xml", escape_xml);
    tera.register_filter("newlines_to_br", newlines_to_br);
}

/// What one element of a list costs in memory beyond its text (a Tera `Value`, its
/// allocation and the list slot), in bytes: a list a filter builds is measured as its
/// text plus this per element against [`Limits::output_mb`] (`split(pat="")` on 48 MiB
/// made 50 million elements, 1.6 GB).
pub(in crate::compose) const ELEMENT_BYTES: usize = 48;

/// `split(pat=)`: the number of pieces is counted first (an empty `pat` gives one per
/// character plus two), and the list refused past the limit (see [`ELEMENT_BYTES`]).
pub(in crate::compose) fn split(val: &str, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let pat = kwargs.must_get::<&str>("pat")?;
    check_time()?;
    let pieces = if pat.is_empty() {
        val.chars().count() + 2
    } else {
        val.matches(pat).count() + 1
    };
    check_len(
        val.len()
            .saturating_add(pieces.saturating_mul(ELEMENT_BYTES)),
    )?;
    Ok(val
        .split(pat)
        .map(Into::into)
        .collect::<Vec<Value>>()
        .into())
}

/// The longest escaped form of `val`: each of `& < > " ' /` may become up to six bytes.
pub(in crate::compose) fn escaped_len(val: &str) -> usize {
    let special = val
        .bytes()
        .filter(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | b'/'))
        .count();
    val.len().saturating_add(special.saturating_mul(5))
}

/// `escape`: Tera's (a safe string is kept; else the template's escape function, whose
/// result is measured before as at most [`escaped_len`]).
pub(in crate::compose) fn escape(
    val: StringInput,
    _: Kwargs,
    state: &State,
) -> tera::TeraResult<Value> {
    if val.is_safe() {
        return Ok(val.into_value());
    }
    check_len(escaped_len(val.as_str()))?;
    Ok(Value::safe_string(&state.escape(val.as_str())?))
}

/// `escape_html`: Tera's, measured before (see [`escaped_len`]).
pub(in crate::compose) fn escape_html(val: &str, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    check_len(escaped_len(val))?;
    let mut buf = Vec::with_capacity(val.len());
    tera::escape_html(val, &mut buf)
        .map_err(|e| tera::Error::message(format!("escape_html：{e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `escape_xml`: Tera's, measured before (see [`escaped_len`]).
pub(in crate::compose) fn escape_xml(val: &str, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    check_len(escaped_len(val))?;
    // The five XML entities, `'` as `&apos;`: Tera's own escape_xml.
    Ok(quick_xml::escape::escape(val).into_owned())
}

/// `newlines_to_br`: Tera's (`\r\n`, `\n` and `\r` become `<br>`), measured before.
pub(in crate::compose) fn newlines_to_br(
    val: &str,
    _: Kwargs,
    _: &State,
) -> tera::TeraResult<String> {
    let breaks = val.bytes().filter(|b| matches!(b, b'\n' | b'\r')).count();
    check_len(val.len().saturating_add(breaks.saturating_mul(3)))?;
    Ok(val.replace("\r\n", "<br>").replace(['\n', '\r'], "<br>"))
}

/// Case mapping can lengthen a string up to three times (`ŉ` → `ʼN`, `ΐ` → three
/// chars): its input is checked before, its output after.
pub(in crate::compose) fn check_case(val: &StringInput) -> tera::TeraResult<()> {
    check_len(val.as_str().len())
}

pub(in crate::compose) fn upper(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let out = val.as_str().to_uppercase();
    check_len(out.len())?;
    Ok(val.inherit_safety(out))
}

pub(in crate::compose) fn lower(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let out = val.as_str().to_lowercase();
    check_len(out.len())?;
    Ok(val.inherit_safety(out))
}

pub(in crate::compose) fn capitalize(
    val: StringInput,
    _: Kwargs,
    _: &State,
) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let mut chars = val.as_str().chars();
    Ok(match chars.next() {
        None => val.inherit_safety(String::new()),
        Some(f) => val
            .inherit_safety(f.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase()),
    })
}

pub(in crate::compose) fn title(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let mut res = String::with_capacity(val.as_str().len());
    let mut capitalize = true;
    for c in val.as_str().chars() {
        if c.is_ascii_punctuation() || c.is_whitespace() {
            res.push(c);
            if c != '\'' {
                capitalize = true;
            }
        } else if capitalize {
            res.extend(c.to_uppercase());
            capitalize = false;
        } else {
            res.extend(c.to_lowercase());
        }
    }
    Ok(val.inherit_safety(res))
}

/// `replace(from=, to=)`: the result's length is known before building it (an empty
/// `from` matches between every two characters).
pub(in crate::compose) fn replace(
    val: StringInput,
    kwargs: Kwargs,
    state: &State,
) -> tera::TeraResult<Value> {
    let from = kwargs.must_get::<&str>("from")?;
    let to = kwargs.must_get::<StringInput>("to")?;
    let be_safe = state.autoescaping_enabled() && (val.is_safe() || to.is_safe());
    let (text, to_text) = if be_safe {
        (val.rendered(state)?, to.rendered(state)?)
    } else {
        (
            std::borrow::Cow::Borrowed(val.as_str()),
            std::borrow::Cow::Borrowed(to.as_str()),
        )
    };
    check_time()?;
    let count = if from.is_empty() {
        text.chars().count() + 1
    } else {
        text.matches(from).count()
    };
    let grows = to_text.len().saturating_sub(from.len());
    check_len(text.len().saturating_add(count.saturating_mul(grows)))?;
    let out = text.replace(from, &to_text);
    Ok(if be_safe {
        Value::safe_string(&out)
    } else {
        Value::from(out)
    })
}

/// `indent(width=4, indentation=" ", first=false, blank=false)`: each line grows by the
/// indentation (up to 1,000 characters): checked before building.
pub(in crate::compose) fn indent(
    val: StringInput,
    kwargs: Kwargs,
    state: &State,
) -> tera::TeraResult<Value> {
    let width = kwargs.get::<usize>("width")?.unwrap_or(4).min(1000);
    let indentation = kwargs.get::<StringInput>("indentation")?;
    let indent_first_line = kwargs.get::<bool>("first")?.unwrap_or(false);
    let indent_blank_line = kwargs.get::<bool>("blank")?.unwrap_or(false);
    if let Some(ref i) = indentation {
        if i.as_str().chars().count() != 1 {
            return Err(tera::Error::message(
                "indent(): indentation 必须恰好是一个字符",
            ));
        }
    }
    let be_safe = state.autoescaping_enabled()
        && (val.is_safe() || indentation.as_ref().is_some_and(|x| x.is_safe()));
    let val = if be_safe {
        val.rendered(state)?
    } else {
        std::borrow::Cow::Borrowed(val.as_str())
    };
    let indent = match indentation {
        Some(ref i) if be_safe => i.rendered(state)?.repeat(width),
        Some(i) => i.as_str().repeat(width),
        None => " ".repeat(width),
    };
    let lines = val.matches('\n').count() + 1;
    check_len(val.len().saturating_add(lines.saturating_mul(indent.len())))?;
    let mut res = String::with_capacity(val.len() + lines * indent.len());
    let mut first_line = true;
    for line in val.lines() {
        if first_line {
            if indent_first_line {
                res.push_str(&indent);
            }
            first_line = false
        } else {
            res.push('\n');
            if !line.is_empty() || indent_blank_line {
                res.push_str(&indent);
            }
        }
        res.push_str(line);
    }
    if val.ends_with('\n') {
        res.push('\n');
    }
    Ok(if be_safe {
        Value::safe_string(&res)
    } else {
        Value::from(res)
    })
}

/// `join(sep=)`: the printed size of the list plus a separator per item, checked first.
pub(in crate::compose) fn join(
    val: Value,
    kwargs: Kwargs,
    state: &State,
) -> tera::TeraResult<Value> {
    let sep = kwargs.get::<StringInput>("sep")?;
    let items = val
        .as_array()
        .ok_or_else(|| tera::Error::message(format!("join 只能用于列表，实际为 {}", val.name())))?;
    let max = Limits::bytes(crate::limits::current().output_mb);
    let sep_len = sep.as_ref().map_or(0, |s| s.as_str().len());
    check_len(
        usize::try_from(printed_size(&val, max))
            .unwrap_or(usize::MAX)
            .saturating_add(items.len().saturating_mul(sep_len.saturating_mul(6))),
    )?;
    let be_safe = state.autoescaping_enabled()
        && (items.iter().any(|x| x.is_string() && x.is_safe())
            || sep.as_ref().is_some_and(|x| x.is_safe()));
    if be_safe {
        let mut parts = Vec::with_capacity(items.len());
        for v in items {
            if v.is_undefined() {
                parts.push(String::new())
            } else {
                parts.push(state.escape_if_needed(v)?);
            }
        }
        let sep_rendered = match &sep {
            Some(s) => s.rendered(state)?,
            None => std::borrow::Cow::Borrowed(""),
        };
        Ok(Value::safe_string(&parts.join(&*sep_rendered)))
    } else {
        let sep_str = sep.as_ref().map(|s| s.as_str()).unwrap_or("");
        Ok(Value::from(
            items
                .iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join(sep_str),
        ))
    }
}

/// `str`: a value printed as text, its printed size checked first (`[l, l]` nested 40
/// times prints a terabyte from a few bytes of memory).
pub(in crate::compose) fn as_str(val: Value, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    let max = Limits::bytes(crate::limits::current().output_mb);
    check_len(usize::try_from(printed_size(&val, max)).unwrap_or(usize::MAX))?;
    Ok(format!("{val}"))
}

/// Which ends Tera's `trim` filters trim.
#[derive(Clone, Copy)]
enum Ends {
    Both,
    Start,
    End,
}

/// Tera's `trim`, `trim_start` and `trim_end` (with `pat`: that pattern repeated, else
/// whitespace), within the time budget, keeping the input's safety.
fn trimmed(val: StringInput, kwargs: Kwargs, ends: Ends) -> tera::TeraResult<Value> {
    check_time()?;
    let s = val.as_str();
    let res = match (kwargs.get::<&str>("pat")?, ends) {
        (Some(p), Ends::Both) => s.trim_start_matches(p).trim_end_matches(p),
        (Some(p), Ends::Start) => s.trim_start_matches(p),
        (Some(p), Ends::End) => s.trim_end_matches(p),
        (None, Ends::Both) => s.trim(),
        (None, Ends::Start) => s.trim_start(),
        (None, Ends::End) => s.trim_end(),
    }
    .to_string();
    Ok(val.inherit_safety(res))
}

pub(in crate::compose) fn trim(
    val: StringInput,
    kwargs: Kwargs,
    _: &State,
) -> tera::TeraResult<Value> {
    trimmed(val, kwargs, Ends::Both)
}

pub(in crate::compose) fn trim_start(
    val: StringInput,
    kwargs: Kwargs,
    _: &State,
) -> tera::TeraResult<Value> {
    trimmed(val, kwargs, Ends::Start)
}

pub(in crate::compose) fn trim_end(
    val: StringInput,
    kwargs: Kwargs,
    _: &State,
) -> tera::TeraResult<Value> {
    trimmed(val, kwargs, Ends::End)
}
