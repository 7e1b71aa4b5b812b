//! The Tera filters and the figures they read: number formatting ([`crate::number`]),
//! Chinese numerals, shares of a union of group parts, and directive blocks.

use super::*;
use serde::Serialize;

thread_local! {
    /// The figures of the report this thread is rendering, for `table()` and `chart()`:
    /// reading them back from the template context meant a JSON round trip of every figure
    /// per call (a tenth of a report's CPU time).
    pub(super) static CURRENT: RefCell<Option<Rc<Figures>>> = const { RefCell::new(None) };
    /// The ids given to `table()` and `chart()` so far in the template being rendered: a
    /// second use is an error at its line (attacker finding F11, issue 18).
    pub(super) static IDS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Record `id` (of a `directive()` call); an id already used is an error.
pub(super) fn claim_id(directive: &str, id: Option<&String>) -> tera::TeraResult<()> {
    let Some(id) = id else {
        return Ok(());
    };
    let taken = IDS.with(|ids| {
        let mut ids = ids.borrow_mut();
        if ids.contains(id) {
            true
        } else {
            ids.push(id.clone());
            false
        }
    });
    if taken {
        return Err(tera::Error::message(format!(
            "{directive}(): id “{id}” 已给了前面的表或图；每个 id 只能给一个表或图"
        )));
    }
    Ok(())
}

/// Run `f` on the figures of the report being rendered (read back from the template
/// context only when rendering did not go through [`Composer::render`]).
pub(super) fn with_figures<T>(state: &State, f: impl FnOnce(&Figures) -> T) -> tera::TeraResult<T> {
    let figures = match CURRENT.with(|c| c.borrow().clone()) {
        Some(figs) => figs,
        None => Rc::new(figures_of(state)?),
    };
    Ok(f(&figures))
}

/// The figures of the report being rendered, from the template context.
pub(super) fn figures_of(state: &State) -> tera::TeraResult<Figures> {
    let figs: Value = state
        .get("figures")?
        .ok_or_else(|| tera::Error::message("缺少统计数据"))?;
    serde_json::to_value(&figs)
        .and_then(serde_json::from_value)
        .map_err(|e| tera::Error::message(format!("统计数据无法读取：{e}")))
}

/// The share of a union of a group's parts as the sum of their *displayed* shares, so
/// the prose never contradicts the printed parts (issue 14 §4: 31.9% + 11.3% is 43.2%, not
/// the 43.3% a fresh division gives).
///
/// `parts` are field paths or labels of `group`'s parts; `decimals` is 1 (sum of `pct1`,
/// the default) or 0 (sum of `pct0`). Returns a fraction (0.432) for the `percent` filter,
/// or none ("—") when the group's total is zero. Errors name an unknown group or part.
pub(super) fn share_of(
    figures: &Figures,
    group: &str,
    parts: &[String],
    decimals: usize,
) -> std::result::Result<Value, String> {
    let g = figures.groups.get(group).ok_or_else(|| {
        let known: Vec<&str> = figures.groups.keys().map(String::as_str).collect();
        format!(
            "share_of(): 未知的分组 {group}（可用：{}）",
            known.join("、")
        )
    })?;
    let mut units = 0i64;
    for name in parts {
        let p = g
            .parts
            .iter()
            .find(|p| p.path == *name || p.label == *name)
            .ok_or_else(|| {
                let known: Vec<&str> = g.parts.iter().map(|p| p.path.as_str()).collect();
                format!(
                    "share_of(): 分组 {group} 没有 {name} 这一项（可用：{}）",
                    known.join("、")
                )
            })?;
        let units_of = match decimals {
            0 => p.pct0,
            1 => p.pct1.map(|x| (x * 10.0).round() as i64),
            d => return Err(format!("share_of(): decimals 只能是 0 或 1，实际为 {d}")),
        };
        match units_of {
            Some(u) => units += u,
            None => return Ok(Value::none()),
        }
    }
    let scale = if decimals == 0 { 100.0 } else { 1000.0 };
    Ok(Value::from(units as f64 / scale))
}

/// A fenced directive block carrying `value` as JSON, marked safe (it is built from
/// resolved data, and JSON strings cannot end the fence).
pub(super) fn directive<T: Serialize>(info: &str, value: &T) -> tera::TeraResult<Value> {
    let body = serde_json::to_string(value).map_err(|e| tera::Error::message(e.to_string()))?;
    Ok(Value::safe_string(&format!("\n```{info}\n{body}\n```\n")))
}

/// A filter's numeric input: a number, or `none` for "no value" (printed "—"). Anything
/// else — an undefined name (a typo in the template) or text — is an error, never a silent
/// "—".
pub(super) fn opt_f64(v: &Value) -> tera::TeraResult<Option<f64>> {
    // Every numeric filter and function comes here: a loop calling them stops in time.
    check_time()?;
    if v.is_none() {
        Ok(None)
    } else if v.is_undefined() {
        Err(tera::Error::message(format!(
            "{UNDEFINED_NUMBER}（模板中的名称是否拼错？）"
        )))
    } else {
        v.as_f64()
            .map(Some)
            .ok_or_else(|| tera::Error::message(format!("应为数值，实际为 {v}")))
    }
}

/// A date filter's input: a date as text (`2020-03-16`, or any spelling a data file may
/// use), or `none` (no date: printed "—"). Anything else is an error naming the filter.
fn date_of(v: &Value, filter: &str) -> tera::TeraResult<Option<crate::date::Date>> {
    check_time()?;
    if v.is_none() {
        return Ok(None);
    }
    if v.is_undefined() {
        return Err(tera::Error::message(format!(
            "{filter}：{UNDEFINED_NUMBER}（模板中的名称是否拼错？）"
        )));
    }
    let text = v.as_str().ok_or_else(|| {
        tera::Error::message(format!("{filter}：应为日期（如 2020-03-16），实际为 {v}"))
    })?;
    crate::date::parse(text)
        .map(Some)
        .map_err(|_| tera::Error::message(format!("{filter}：“{text}”不是日期（应如 2020-03-16）")))
}

/// A whole number as a Chinese numeral (十二); with `quantity`, 2 reads 两 (两个社区).
/// Other numbers print as digits, no value as "—".
pub(super) fn cn(v: &Value, quantity: bool) -> tera::TeraResult<String> {
    Ok(match opt_f64(v)? {
        Some(x) if x.fract() == 0.0 && (0.0..100.0).contains(&x) => {
            if quantity && x == 2.0 {
                "两".to_string()
            } else {
                chinese_numeral(x as usize)
            }
        }
        x => format::fixed(x, 0),
    })
}

pub(super) fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "fixed",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(0);
            Ok(format::fixed(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "percent",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::percent(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "growth",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::growth(opt_f64(v)?, d))
        },
    );
    // The spec's name for `growth` (issue 18): a signed rate in words, never "-5.2%".
    tera.register_filter(
        "signed_percent",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::growth(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "date_cn",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> {
            Ok(date_of(v, "date_cn")?
                .map_or_else(|| format::NO_VALUE.to_string(), crate::date::chinese))
        },
    );
    tera.register_filter(
        "date_hanzi",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> {
            Ok(date_of(v, "date_hanzi")?
                .map_or_else(|| format::NO_VALUE.to_string(), crate::date::hanzi))
        },
    );
    tera.register_function(
        "span_cn",
        |kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let a = opt_f64(&kw.get::<Value>("a")?.unwrap_or_else(Value::none))?;
            let b = opt_f64(&kw.get::<Value>("b")?.unwrap_or_else(Value::none))?;
            let unit = kw.get::<String>("unit")?.unwrap_or_default();
            let d = kw.get::<usize>("decimals")?.unwrap_or(2);
            Ok(Value::from(format::span(a, b, d, &unit)))
        },
    );
    tera.register_filter(
        "points",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::points(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "change",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(0);
            let unit = kw.get::<String>("unit")?.unwrap_or_default();
            Ok(format::change(opt_f64(v)?, d, &unit))
        },
    );
    tera.register_filter(
        "wan",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::wan(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "cn",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> { cn(v, false) },
    );
    tera.register_filter(
        "cn_qty",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> { cn(v, true) },
    );
    tera.register_filter(
        "join_cn",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            check_time()?;
            let attr = kw.get::<String>("attribute")?;
            let items: Vec<String> = v
                .as_array()
                .unwrap_or(&[])
                .iter()
                .map(|x| {
                    let x = match &attr {
                        Some(a) => x.get_from_path(a).cloned().unwrap_or_else(Value::none),
                        None => x.clone(),
                    };
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect();
            Ok(items.join("、"))
        },
    );
    tera.register_function(
        "ratio",
        |kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let a = opt_f64(&kw.get::<Value>("a")?.unwrap_or_else(Value::none))?;
            let b = opt_f64(&kw.get::<Value>("b")?.unwrap_or_else(Value::none))?;
            Ok(a.zip(b)
                .and_then(|(a, b)| crate::stats::ratio(a, b))
                .map(Value::from)
                .unwrap_or_else(Value::none))
        },
    );
    tera.register_function(
        "share",
        |kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let part = opt_f64(&kw.get::<Value>("part")?.unwrap_or_else(Value::none))?;
            let whole = opt_f64(&kw.get::<Value>("whole")?.unwrap_or_else(Value::none))?;
            Ok(part
                .zip(whole)
                .and_then(|(p, w)| crate::stats::ratio(p, w))
                .map(Value::from)
                .unwrap_or_else(Value::none))
        },
    );
}
