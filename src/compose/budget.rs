//! Bounds on one render: a deadline, a step budget (loop iterations and `range()`
//! numbers) and an output-size limit, each reported with the template line.
//!
//! Tera 2's VM has no hook per instruction. So: every `{% for %}` and `{% component %}`
//! body of the pack is instrumented with a call to [`TICK`] (checks the deadline, charges
//! one step); `range()`
//! is ours (checks the deadline, charges its length); our filters and functions check the
//! deadline; and the output goes through [`Bounded`], which fails the write past the size
//! limit or the deadline. Function errors carry Tera's span; a failed write does not, so
//! its line is found from the output ([`latest_literal`]).

use std::cell::RefCell;
use std::time::Instant;

use tera::{Kwargs, State, StringInput, Value};

use crate::limits::Limits;

thread_local! {
    /// The budget of the report this thread is rendering (none outside
    /// [`super::Composer::render`]: then only a single `range()` is bounded).
    pub(super) static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

thread_local! {
    /// The print tag (`name:line:col`) this thread's render is in, if it is printing one:
    /// set by the [`CHECK`] call before a `{{ … }}`, cleared by the one after it.
    static PRINTING: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The print tag (`name:line:col` in the pack) the render was printing when it stopped,
/// if it stopped inside one; cleared by reading (call it once per render, and once
/// before it to forget a previous render's).
pub(super) fn printing() -> Option<String> {
    PRINTING.with(|p| p.borrow_mut().take())
}

/// One render's budget: a deadline ([`Limits::template_seconds`] from the start) and how
/// many more steps — loop iterations and `range()` numbers — it may take
/// ([`Limits::template_steps`]).
pub(super) struct Budget {
    pub(super) deadline: Instant,
    steps_left: u64,
}

impl Budget {
    pub(super) fn new(limits: &Limits) -> Budget {
        let now = Instant::now();
        Budget {
            // A limit too large to add (DIAOYAN_MAX_TEMPLATE_SECONDS=18446744073709551615)
            // is no deadline: a century away.
            deadline: now
                .checked_add(std::time::Duration::from_secs(limits.template_seconds))
                .unwrap_or_else(|| now + std::time::Duration::from_secs(100 * 365 * 86_400)),
            steps_left: limits.template_steps,
        }
    }
}

/// What stopped a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trip {
    /// More output than [`Limits::output_mb`].
    Output,
    /// Past the deadline.
    Time,
}

/// The message for a render past its deadline.
pub(super) fn time_message(seconds: u64) -> String {
    format!(
        "模板运行超过 {seconds} 秒（循环是否过多或嵌套过深？可设置环境变量 DIAOYAN_MAX_TEMPLATE_SECONDS 提高上限）"
    )
}

fn steps_message(max: u64) -> String {
    format!(
        "模板的循环次数与 range() 生成的数共超过 {max}（循环是否过多或嵌套过深？可设置环境变量 DIAOYAN_MAX_TEMPLATE_STEPS 提高上限）"
    )
}

/// Fail once the render being done on this thread is past its deadline. Called by every
/// function and filter of ours (and `range()`, and each loop iteration), so the error
/// carries the template line.
pub(super) fn check_time() -> tera::TeraResult<()> {
    charge(0)
}

/// Check the deadline and take `steps` from the budget of the render on this thread.
fn charge(steps: u64) -> tera::TeraResult<()> {
    enum Over {
        Time,
        Steps,
    }
    let over = BUDGET.with(|b| match b.borrow_mut().as_mut() {
        None => None,
        Some(b) if steps > b.steps_left => Some(Over::Steps),
        Some(b) => {
            b.steps_left -= steps;
            (Instant::now() > b.deadline).then_some(Over::Time)
        }
    });
    let limits = crate::limits::current();
    match over {
        None => Ok(()),
        Some(Over::Time) => Err(tera::Error::message(time_message(limits.template_seconds))),
        Some(Over::Steps) => Err(tera::Error::message(steps_message(limits.template_steps))),
    }
}

/// The function called at the start of every loop body (see [`instrument`]).
pub(super) const TICK: &str = "diaoyan_loop_step";

/// [`TICK`]: one loop iteration — checks the deadline, charges one step; prints nothing.
pub(super) fn tick(_: Kwargs, _: &State) -> tera::TeraResult<Value> {
    charge(1)?;
    Ok(Value::from(""))
}

/// `range(end=, start=0, step_by=1)`: Tera's range, the numbers `start, start+step_by, …`
/// before `end`, checked against the render's deadline and charged to its step budget
/// (so nested loops over ranges end with a message, not hours later). Outside a render's
/// budget one call gives at most [`Limits::template_steps`] numbers.
///
/// Errors (in Chinese): a missing `end`, a zero `step_by`, a `start` past `end`, the
/// budget spent (naming `DIAOYAN_MAX_TEMPLATE_STEPS`), the deadline passed.
pub(super) fn range(kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let start = kwargs.get::<i64>("start")?.unwrap_or_default();
    let end = kwargs
        .get::<i64>("end")?
        .ok_or_else(|| tera::Error::message("range(): 需要 end"))?;
    let step = kwargs.get::<i64>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message("range(): step_by 不能为 0"));
    }
    if start > end && step > 0 {
        return Err(tera::Error::message(format!(
            "range(): start（{start}）大于 end（{end}）"
        )));
    }
    // How many numbers, in i128 so no input overflows.
    let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step));
    let len = if step > 0 {
        (end - start + step - 1) / step
    } else if start <= end {
        0
    } else {
        (start - end - step - 1) / -step
    };
    let len = u64::try_from(len).unwrap_or(0);
    let max = crate::limits::current().template_steps;
    if len > max {
        return Err(tera::Error::message(steps_message(max)));
    }
    charge(len)?;
    let values: Vec<i64> = (0..i128::from(len))
        .map(|i| i64::try_from(start + i * step).unwrap_or_default())
        .collect();
    Ok(Value::from(values))
}

/// Tera's string filters that can take long on a large string or build a larger one,
/// replaced by the same filters checked first: the deadline, and the size of what they
/// would build against [`Limits::output_mb`] (see [`check_len`]). Semantics (and the
/// handling of safe strings) are Tera 2.4's.
pub(super) fn register_checked_filters(tera: &mut tera::Tera) {
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
pub(super) const ELEMENT_BYTES: usize = 48;

/// `split(pat=)`: the number of pieces is counted first (an empty `pat` gives one per
/// character plus two), and the list refused past the limit (see [`ELEMENT_BYTES`]).
fn split(val: &str, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
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
fn escaped_len(val: &str) -> usize {
    let special = val
        .bytes()
        .filter(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'' | b'/'))
        .count();
    val.len().saturating_add(special.saturating_mul(5))
}

/// `escape`: Tera's (a safe string is kept; else the template's escape function, whose
/// result is measured before as at most [`escaped_len`]).
fn escape(val: StringInput, _: Kwargs, state: &State) -> tera::TeraResult<Value> {
    if val.is_safe() {
        return Ok(val.into_value());
    }
    check_len(escaped_len(val.as_str()))?;
    Ok(Value::safe_string(&state.escape(val.as_str())?))
}

/// `escape_html`: Tera's, measured before (see [`escaped_len`]).
fn escape_html(val: &str, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    check_len(escaped_len(val))?;
    let mut buf = Vec::with_capacity(val.len());
    tera::escape_html(val, &mut buf)
        .map_err(|e| tera::Error::message(format!("escape_html：{e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// `escape_xml`: Tera's, measured before (see [`escaped_len`]).
fn escape_xml(val: &str, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    check_len(escaped_len(val))?;
    let mut out = String::with_capacity(val.len());
    for c in val.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// `newlines_to_br`: Tera's (`\r\n`, `\n` and `\r` become `<br>`), measured before.
fn newlines_to_br(val: &str, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    let breaks = val.bytes().filter(|b| matches!(b, b'\n' | b'\r')).count();
    check_len(val.len().saturating_add(breaks.saturating_mul(3)))?;
    Ok(val.replace("\r\n", "<br>").replace(['\n', '\r'], "<br>"))
}

/// Case mapping can lengthen a string up to three times (`ŉ` → `ʼN`, `ΐ` → three
/// chars): its input is checked before, its output after.
fn check_case(val: &StringInput) -> tera::TeraResult<()> {
    check_len(val.as_str().len())
}

fn upper(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let out = val.as_str().to_uppercase();
    check_len(out.len())?;
    Ok(val.inherit_safety(out))
}

fn lower(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let out = val.as_str().to_lowercase();
    check_len(out.len())?;
    Ok(val.inherit_safety(out))
}

fn capitalize(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_case(&val)?;
    let mut chars = val.as_str().chars();
    Ok(match chars.next() {
        None => val.inherit_safety(String::new()),
        Some(f) => val
            .inherit_safety(f.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase()),
    })
}

fn title(val: StringInput, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
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
fn replace(val: StringInput, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
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
fn indent(val: StringInput, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
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
fn join(val: Value, kwargs: Kwargs, state: &State) -> tera::TeraResult<Value> {
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
fn as_str(val: Value, _: Kwargs, _: &State) -> tera::TeraResult<String> {
    let max = Limits::bytes(crate::limits::current().output_mb);
    check_len(usize::try_from(printed_size(&val, max)).unwrap_or(usize::MAX))?;
    Ok(format!("{val}"))
}

fn trim(val: StringInput, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_time()?;
    let res = match kwargs.get::<&str>("pat")? {
        Some(pat) => val
            .as_str()
            .trim_start_matches(pat)
            .trim_end_matches(pat)
            .to_string(),
        None => val.as_str().trim().to_string(),
    };
    Ok(val.inherit_safety(res))
}

fn trim_start(val: StringInput, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_time()?;
    let res = match kwargs.get::<&str>("pat")? {
        Some(pat) => val.as_str().trim_start_matches(pat).to_string(),
        None => val.as_str().trim_start().to_string(),
    };
    Ok(val.inherit_safety(res))
}

fn trim_end(val: StringInput, kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    check_time()?;
    let res = match kwargs.get::<&str>("pat")? {
        Some(pat) => val.as_str().trim_end_matches(pat).to_string(),
        None => val.as_str().trim_end().to_string(),
    };
    Ok(val.inherit_safety(res))
}

/// Where [`instrument`] put a [`TICK`] call into a template.
#[derive(Debug, Clone, Copy)]
pub(super) struct Injection {
    /// Byte offset of the call in the instrumented source.
    pub(super) at: usize,
    /// Its length in bytes (ASCII: also in characters).
    pub(super) len: usize,
    /// Byte offset, in the original source, of the `{% for %}` (or `{% component %}`) tag
    /// it belongs to.
    pub(super) tag: usize,
}

/// The function called after every other tag (see [`instrument`]): checks the deadline
/// and, after a `{% set %}`, the size of the value set.
pub(super) const CHECK: &str = "diaoyan_check";

/// [`CHECK`]: after a tag — checks the deadline; given `v` (the value a `{% set %}` just
/// set, named `name`), refuses it if it would print longer than [`Limits::output_mb`]
/// (a value the template builds can never be output whole past that limit, and a string
/// doubled 40 times by `~` would need a terabyte). Prints nothing; charges no step.
pub(super) fn check(kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let at = kwargs.get::<String>("at")?;
    PRINTING.with(|p| *p.borrow_mut() = at);
    check_time()?;
    if let Some(v) = kwargs.get::<Value>("v")? {
        let max = Limits::bytes(crate::limits::current().output_mb);
        if printed_size(&v, max) > max {
            let name = kwargs.get::<String>("name")?.unwrap_or_default();
            return Err(tera::Error::message(value_message(&name)));
        }
    }
    Ok(Value::from(""))
}

/// The message for a value past the output limit.
pub(super) fn value_message(name: &str) -> String {
    let mb = crate::limits::current().output_mb;
    let name = if name.is_empty() {
        String::new()
    } else {
        format!(" {name} ")
    };
    format!(
        "模板生成的值{name}超过 {mb} MiB（是否反复拼接或复制了文字？可设置环境变量 DIAOYAN_MAX_OUTPUT_MB 提高上限）"
    )
}

/// Refuse a string of `len` bytes a filter or function is about to build, past
/// [`Limits::output_mb`] (checked before the work; also checks the deadline).
pub(super) fn check_len(len: usize) -> tera::TeraResult<()> {
    check_time()?;
    if len as u64 > Limits::bytes(crate::limits::current().output_mb) {
        return Err(tera::Error::message(value_message("")));
    }
    Ok(())
}

/// About how many bytes `v` takes printed: string bytes, a few per number and per
/// element, summed over nested lists and maps (which share their parts: `[l, l]` doubles
/// the printed size, not the memory). Stops counting past `max`, so the walk costs at most
/// `max` elements.
pub(super) fn printed_size(v: &Value, max: u64) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        if total > max {
            break;
        }
        if let Some(s) = v.as_str() {
            total += s.len() as u64 + 2;
        } else if let Some(items) = v.as_array() {
            total += 2;
            stack.extend(items.iter());
        } else if let Some(map) = v.as_map() {
            total += 2;
            for (k, item) in map.iter() {
                total += k.to_string().len() as u64 + 2;
                stack.push(item);
            }
        } else {
            total += 8;
        }
    }
    total
}

/// Where tag `open..close` of `src` ends: the `close` delimiter past the tag's string
/// literals (`"…"`, `'…'`, `` `…` ``), so a `}}` inside a string does not end the tag.
fn tag_end(src: &str, from: usize, close: &str) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'"' | b'\'' | b'`') if close != "#}" => {
                i += 1 + src[i + 1..].find(q as char)?;
            }
            // ASCII: `i` is a character boundary.
            b if b == close.as_bytes()[0] && src[i..].starts_with(close) => {
                return Some(i + close.len())
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `src` with a [`TICK`] call at the start of every `{% for %}` body and every
/// `{% component %}` body (a component calling itself several times is a loop too: Tera
/// bounds its depth at 20, not its breadth), and a [`CHECK`] call after every other tag
/// (after a `{% set x = … %}`, `{% set_global x = … %}` or a `{% set x %}…{% endset %}`
/// block it is given `x`), and where each went: so straight-line code without loops ends
/// by the deadline too, and no value grows past the output limit. Not after `extends`,
/// `break`, `continue`, or at the top level of a child template (only blocks stand
/// there). Each call prints nothing; it keeps the tag's whitespace control (`-%}` trims
/// after the call instead). Comments, `{% raw %}` blocks and the insides of tags (string
/// literals included) are skipped; no newline is added, so line numbers stay those of the
/// pack's file (columns after a call on its line are mapped back by [`unshift`]).
///
/// Given the file's `name`, a print tag `{{ … }}` is also preceded by a [`CHECK`] call
/// given its place (`at="name:line:col"`), so a render stopped by the output limit while
/// that tag prints can name it (see [`printing`]).
pub(super) fn instrument(src: &str, name: Option<&str>) -> (String, Vec<Injection>) {
    let mut out = String::with_capacity(src.len() + 1024);
    let mut injections = Vec::new();
    let mut pos = 0;
    // Where a print tag is named: a name that would need escaping in a string is left out.
    let name = name.filter(|n| !n.contains(['"', '\\', '{', '}', '%']));
    // Line and line start of `seen` in `src` (to give each print tag its line:col).
    let (mut line, mut line_start, mut seen) = (1usize, 0usize, 0usize);
    // A child template: only what is inside a block (or a component) may be instrumented.
    let child = src.contains("extends");
    let mut depth = 0usize;
    // The names of the open `{% set x %}` blocks.
    let mut set_blocks: Vec<String> = Vec::new();
    while let Some(i) = src[pos..].find('{').map(|i| pos + i) {
        let close = match src.get(i + 1..i + 2) {
            Some("{") => "}}",
            Some("%") => "%}",
            Some("#") => "#}",
            _ => {
                out.push_str(&src[pos..=i]);
                pos = i + 1;
                continue;
            }
        };
        let Some(end) = tag_end(src, i + 2, close) else {
            break;
        };
        let printed = close == "}}"
            && (!child || depth > 0)
            && !src[i + 2..end]
                .trim_start_matches('-')
                .trim_start()
                .starts_with('<');
        if let (Some(name), true) = (name, printed) {
            for (k, b) in src[seen..i].bytes().enumerate() {
                if b == b'\n' {
                    line += 1;
                    line_start = seen + k + 1;
                }
            }
            seen = i;
            let col = src[line_start..i].chars().count() + 1;
            out.push_str(&src[pos..i]);
            pos = i;
            // `{{- x }}` trims the text before it: so does the call put before it.
            let lead = if src[i..].starts_with("{{-") {
                "{{-"
            } else {
                "{{"
            };
            let call = format!("{lead} {CHECK}(at=\"{name}:{line}:{col}\") }}}}");
            injections.push(Injection {
                at: out.len(),
                len: call.len(),
                tag: i,
            });
            out.push_str(&call);
        }
        out.push_str(&src[pos..end]);
        pos = end;
        if close == "#}" {
            continue;
        }
        let inner = src[i + 2..end - 2].trim_start_matches('-').trim_start();
        let word = inner
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        let trim = if src[..end].ends_with("-%}") || src[..end].ends_with("-}}") {
            " -"
        } else {
            " "
        };
        let mut inject = |out: &mut String, call: String| {
            let call = format!("{{{{ {call}{trim}}}}}");
            injections.push(Injection {
                at: out.len(),
                len: call.len(),
                tag: i,
            });
            out.push_str(&call);
        };
        if close == "}}" {
            // A component call (`{{<x/>}}`, `{{<x>}}`) is not instrumented.
            if (!child || depth > 0) && !inner.starts_with('<') {
                inject(&mut out, format!("{CHECK}()"));
            }
            continue;
        }
        match word {
            "raw" => {
                // Everything up to `{% endraw %}` is text.
                let mut k = pos;
                let stop = loop {
                    let Some(j) = src[k..].find("{%").map(|j| k + j) else {
                        break src.len();
                    };
                    let Some(e) = src[j + 2..].find("%}").map(|e| j + 2 + e + 2) else {
                        break src.len();
                    };
                    let w = src[j + 2..e - 2].trim_start_matches('-').trim();
                    if w.trim_end_matches('-').trim() == "endraw" {
                        break e;
                    }
                    k = e;
                };
                out.push_str(&src[pos..stop]);
                pos = stop;
            }
            "for" | "component" => {
                if word == "component" {
                    depth += 1;
                }
                inject(&mut out, format!("{TICK}()"));
            }
            "block" => {
                depth += 1;
                inject(&mut out, format!("{CHECK}()"));
            }
            "endblock" | "endcomponent" => {
                depth = depth.saturating_sub(1);
                if !child || depth > 0 {
                    inject(&mut out, format!("{CHECK}()"));
                }
            }
            "extends" | "break" | "continue" => {}
            "set" | "set_global" => {
                let rest = inner[word.len()..].trim_start();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let after = rest[name.len()..].trim_start();
                if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
                    inject(&mut out, format!("{CHECK}()"));
                } else if after.starts_with('=') && !after.starts_with("==") {
                    inject(&mut out, format!("{CHECK}(name=\"{name}\", v={name})"));
                } else {
                    // `{% set x %}…{% endset %}`: checked at its end.
                    set_blocks.push(name);
                }
            }
            "endset" => match set_blocks.pop() {
                Some(name) => inject(&mut out, format!("{CHECK}(name=\"{name}\", v={name})")),
                None => inject(&mut out, format!("{CHECK}()")),
            },
            _ => {
                if !child || depth > 0 {
                    inject(&mut out, format!("{CHECK}()"));
                }
            }
        }
    }
    out.push_str(&src[pos..]);
    (out, injections)
}

/// A span (byte range) in an `instrumented` source mapped back to the pack's file: the
/// byte range there and how many columns to take off the span's column. A span inside an
/// injected call is its loop's: `Err` with the `{% for %}` tag's offset in the pack's file.
pub(super) fn unshift(
    injections: &[Injection],
    instrumented: &str,
    range: std::ops::Range<usize>,
) -> std::result::Result<(std::ops::Range<usize>, usize), usize> {
    let (mut shift, mut cols) = (0, 0);
    for inj in injections {
        if inj.at + inj.len <= range.start {
            shift += inj.len;
            // On the span's line: no line break between the call and the span.
            if !instrumented
                .get(inj.at + inj.len..range.start)
                .unwrap_or("\n")
                .contains('\n')
            {
                cols += inj.len;
            }
        } else if inj.at <= range.start {
            return Err(inj.tag);
        }
    }
    Ok((
        range.start - shift..range.end.saturating_sub(shift).max(range.start - shift),
        cols,
    ))
}

/// The render's output: fails the write that would pass `max` bytes, or any write after
/// `deadline` (checked every 16 writes), recording why in `tripped`.
pub(super) struct Bounded {
    /// What was written.
    pub(super) out: Vec<u8>,
    max: u64,
    deadline: Instant,
    writes: u64,
    /// Why a write failed, if one did.
    pub(super) tripped: Option<Trip>,
}

impl Bounded {
    pub(super) fn new(max: u64, deadline: Instant) -> Bounded {
        Bounded {
            out: Vec::with_capacity(64 * 1024),
            max,
            deadline,
            writes: 0,
            tripped: None,
        }
    }

    fn trip(&mut self, why: Trip) -> std::io::Error {
        self.tripped = Some(why);
        std::io::Error::other("render limit")
    }
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.tripped.is_some() {
            return Err(std::io::Error::other("render limit"));
        }
        if (self.out.len() + buf.len()) as u64 > self.max {
            // Keep the start of what would have been written: it shows where (see
            // `Composer::limit_error`).
            self.out.extend_from_slice(&buf[..buf.len().min(4096)]);
            return Err(self.trip(Trip::Output));
        }
        if self.writes % 16 == 0 && Instant::now() > self.deadline {
            return Err(self.trip(Trip::Time));
        }
        self.out.extend_from_slice(buf);
        self.writes += 1;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The literal text pieces of a template — what stands between `{{ }}`, `{% %}` and
/// `{# #}` tags, whitespace-trimmed, non-empty — with the line each starts on.
fn literal_pieces(src: &str) -> Vec<(&str, usize)> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    let line_at = |i: usize| src[..i].matches('\n').count() + 1;
    loop {
        let open = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|t| src[rest..].find(t).map(|i| (rest + i, *t)))
            .min();
        let end = open.map_or(src.len(), |(i, _)| i);
        let text = &src[rest..end];
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            let lead = text.len() - text.trim_start().len();
            pieces.push((trimmed, line_at(rest + lead)));
        }
        let Some((i, tag)) = open else { break };
        let close = match tag {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        match src[i + 2..].find(close) {
            Some(j) => rest = i + 2 + j + 2,
            None => break,
        }
    }
    pieces
}

/// Where in the pack the output `tail` was last written from: the literal piece (see
/// [`literal_pieces`]) whose last occurrence in `tail` ends latest (the longer on a tie)
/// among those found at exactly one place in the pack. `None` if no such piece occurs.
pub(super) fn latest_literal(
    sources: &std::collections::HashMap<String, String>,
    tail: &str,
) -> Option<(String, usize)> {
    let mut names: Vec<&String> = sources.keys().collect();
    names.sort();
    let mut places: std::collections::HashMap<&str, Vec<(&str, usize)>> = Default::default();
    for name in names {
        for (text, line) in literal_pieces(&sources[name]) {
            places.entry(text).or_default().push((name.as_str(), line));
        }
    }
    let mut found: Vec<(usize, usize, &str)> = places
        .keys()
        .filter_map(|t| tail.rfind(t).map(|i| (i + t.len(), t.len(), *t)))
        .collect();
    found.sort_unstable_by(|a, b| b.cmp(a));
    found.into_iter().find_map(|(_, _, t)| match places[t][..] {
        [(name, line)] => Some((name.to_string(), line)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_loop_body_starts_with_a_step_and_whitespace_control_is_kept() {
        let src = "a{% for x in xs %}{{ x }}{%- for y in ys -%}\n b {%- endfor %}{% endfor %}{# {% for %} #}{% raw %}{% for z in zs %}{% endraw %}";
        let (out, inj) = instrument(src, None);
        assert_eq!(
            out,
            "a{% for x in xs %}{{ diaoyan_loop_step() }}{{ x }}{{ diaoyan_check() }}{%- for y in ys -%}{{ diaoyan_loop_step() -}}\n b {%- endfor %}{{ diaoyan_check() }}{% endfor %}{{ diaoyan_check() }}{# {% for %} #}{% raw %}{% for z in zs %}{% endraw %}"
        );
        assert_eq!(inj.len(), 5);
        assert_eq!(inj[0].tag, 1);
        assert_eq!(
            &out[inj[2].at..inj[2].at + inj[2].len],
            "{{ diaoyan_loop_step() -}}"
        );
    }

    #[test]
    fn sets_are_checked_and_strings_in_tags_do_not_end_them() {
        let src =
            "{%- set a = \"}}%}\" -%}{% set b %}x{% endset %}{% if a %}{% break %}{% endif %}";
        let (out, _) = instrument(src, None);
        assert_eq!(
            out,
            "{%- set a = \"}}%}\" -%}{{ diaoyan_check(name=\"a\", v=a) -}}{% set b %}x{% endset %}{{ diaoyan_check(name=\"b\", v=b) }}{% if a %}{{ diaoyan_check() }}{% break %}{% endif %}{{ diaoyan_check() }}"
        );
        // A child template: only inside its blocks.
        let src = "{% extends \"base.md\" %}\n{% block body %}{{ x }}{% endblock body %}\n";
        let (out, _) = instrument(src, None);
        assert_eq!(
            out,
            "{% extends \"base.md\" %}\n{% block body %}{{ diaoyan_check() }}{{ x }}{{ diaoyan_check() }}{% endblock body %}\n"
        );
    }

    #[test]
    fn printed_size_counts_shared_parts_each_time() {
        let s = Value::from("ab".repeat(10));
        let l = Value::from(vec![s.clone(), s.clone()]);
        let l2 = Value::from(vec![l.clone(), l.clone()]);
        assert_eq!(printed_size(&s, 1000), 22);
        assert_eq!(printed_size(&l2, 1000), 2 + 2 * (2 + 2 * 22));
        // Stops past the limit.
        assert!(printed_size(&l2, 10) > 10);
    }

    #[test]
    fn spans_map_back_to_the_pack_file() {
        let src = "{% for x in xs %}{{ x.a }}\n{{ y }}";
        let (out, inj) = instrument(src, None);
        let at = out.find("x.a").unwrap();
        let (range, cols) = unshift(&inj, &out, at..at + 3).unwrap();
        assert_eq!(&src[range], "x.a");
        assert_eq!(cols, inj[0].len);
        // On the next line the column is untouched.
        let at = out.find("y }").unwrap();
        let (range, cols) = unshift(&inj, &out, at..at + 1).unwrap();
        assert_eq!((&src[range], cols), ("y", 0));
        // Inside the injected call: its loop's tag.
        assert_eq!(unshift(&inj, &out, inj[0].at + 3..inj[0].at + 5), Err(0));
    }
}
