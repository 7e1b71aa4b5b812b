//! Scalar values: numbers a field admits, magnitudes kept exactly, texts a spreadsheet
//! cell can hold.

use super::*;

/// The texts in `v` (a unit's value, keys aside) longer than a spreadsheet cell holds
/// ([`crate::limits::CELL_CHARS`] characters), as (dotted path under `prefix`,
/// length in characters).
pub(super) fn long_texts(v: &Yaml, prefix: &str, out: &mut Vec<(String, u64)>) {
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

/// Read a YAML scalar as a number the field admits, or say why not (in Chinese).
pub(super) fn number(v: &Yaml, def: &FieldDef) -> std::result::Result<f64, String> {
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
    if let Some(hi) = def.upper_bound() {
        if x > hi {
            return Err(format!("为 {}，不能大于 {}", shortest(x), shortest(hi)));
        }
    }
    // `-0` is 0: a report never prints "-0".
    Ok(x + 0.0)
}

/// The largest magnitude a number of a data file may have: 2^53, the end of the range
/// where an `f64` holds every integer exactly (a larger one would print changed).
pub const MAX_MAGNITUDE: f64 = 9_007_199_254_740_992.0;

/// Why `n` is too large to be kept exactly ([`MAX_MAGNITUDE`]), in Chinese; `None` if it fits.
/// Integers are compared exactly (9007199254740993 is refused though it rounds to 2^53).
pub(super) fn too_large(n: &serde_yaml::Number) -> Option<String> {
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
