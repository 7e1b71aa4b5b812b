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

mod filters;
mod instrument;
mod output;

pub(super) use filters::register_checked_filters;
pub(super) use instrument::{check, instrument, unshift, Injection, CHECK};
use instrument::{check_len, printed_size};
pub(super) use output::{latest_literal, Bounded};

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

/// The function called at the start of every loop body (see [`instrument()`]).
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

#[cfg(test)]
mod tests;
