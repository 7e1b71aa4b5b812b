//! Templates instrumented with a step call in every loop body ([`TICK`], [`CHECK`]) and
//! error spans mapped back to the original source ([`unshift`]).

use super::*;

/// Where [`instrument()`] put a [`TICK`] call into a template.
#[derive(Debug, Clone, Copy)]
pub(in crate::compose) struct Injection {
    /// Byte offset of the call in the instrumented source.
    pub(in crate::compose) at: usize,
    /// Its length in bytes (ASCII: also in characters).
    pub(in crate::compose) len: usize,
    /// Byte offset, in the original source, of the `{% for %}` (or `{% component %}`) tag
    /// it belongs to.
    pub(in crate::compose) tag: usize,
}

/// The function called after every other tag (see [`instrument()`]): checks the deadline
/// and, after a `{% set %}`, the size of the value set.
pub(in crate::compose) const CHECK: &str = "diaoyan_check";

/// [`CHECK`]: after a tag — checks the deadline; given `v` (the value a `{% set %}` just
/// set, named `name`), refuses it if it would print longer than [`Limits::output_mb`]
/// (a value the template builds can never be output whole past that limit, and a string
/// doubled 40 times by `~` would need a terabyte). Prints nothing; charges no step.
pub(in crate::compose) fn check(kwargs: Kwargs, _: &State) -> tera::TeraResult<Value> {
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
pub(in crate::compose) fn value_message(name: &str) -> String {
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
pub(in crate::compose) fn check_len(len: usize) -> tera::TeraResult<()> {
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
pub(in crate::compose) fn printed_size(v: &Value, max: u64) -> u64 {
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
pub(in crate::compose) fn tag_end(src: &str, from: usize, close: &str) -> Option<usize> {
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
pub(in crate::compose) fn instrument(src: &str, name: Option<&str>) -> (String, Vec<Injection>) {
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
pub(in crate::compose) fn unshift(
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
