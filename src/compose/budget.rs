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

use tera::{Kwargs, State, Value};

use crate::limits::Limits;

thread_local! {
    /// The budget of the report this thread is rendering (none outside
    /// [`super::Composer::render`]: then only a single `range()` is bounded).
    pub(super) static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
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

/// `src` with a [`TICK`] call at the start of every `{% for %}` body and every
/// `{% component %}` body (a component calling itself several times is a loop too: Tera
/// bounds its depth at 20, not its breadth), and where each went. The call prints nothing; it keeps the tag's whitespace control (`-%}` trims
/// after the call instead). Comments, `{% raw %}` blocks and the insides of tags are
/// skipped; no newline is added, so line numbers stay those of the pack's file (columns
/// after a call on its line are mapped back by [`unshift`]).
pub(super) fn instrument(src: &str) -> (String, Vec<Injection>) {
    let mut out = String::with_capacity(src.len() + 256);
    let mut injections = Vec::new();
    let mut pos = 0;
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
        let Some(end) = src[i + 2..].find(close).map(|j| i + 2 + j + 2) else {
            break;
        };
        out.push_str(&src[pos..end]);
        pos = end;
        if close != "%}" {
            continue;
        }
        let inner = src[i + 2..end - 2].trim_start_matches('-').trim_start();
        let word = inner.split_whitespace().next().unwrap_or("");
        if word == "raw" {
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
        } else if word == "for" || word == "component" {
            let call = if src[..end].ends_with("-%}") {
                format!("{{{{ {TICK}() -}}}}")
            } else {
                format!("{{{{ {TICK}() }}}}")
            };
            injections.push(Injection {
                at: out.len(),
                len: call.len(),
                tag: i,
            });
            out.push_str(&call);
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
/// `deadline` (checked every 256 writes), recording why in `tripped`.
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
        if self.writes % 256 == 0 && Instant::now() > self.deadline {
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
        let (out, inj) = instrument(src);
        assert_eq!(
            out,
            "a{% for x in xs %}{{ diaoyan_loop_step() }}{{ x }}{%- for y in ys -%}{{ diaoyan_loop_step() -}}\n b {%- endfor %}{% endfor %}{# {% for %} #}{% raw %}{% for z in zs %}{% endraw %}"
        );
        assert_eq!(inj.len(), 2);
        assert_eq!(inj[0].tag, 1);
        assert_eq!(
            &out[inj[1].at..inj[1].at + inj[1].len],
            "{{ diaoyan_loop_step() -}}"
        );
    }

    #[test]
    fn spans_map_back_to_the_pack_file() {
        let src = "{% for x in xs %}{{ x.a }}\n{{ y }}";
        let (out, inj) = instrument(src);
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
