//! A cell's value as a field's number: numbers written as text (`1,234`, full-width
//! digits), percentages, and what is refused.

use super::header::fold;
use super::Value;
use crate::excerpt::quote;
use crate::survey::schema::{FieldDef, Kind};

/// A number written as text: `1,234`, `１２３`, ` 12.5 `.
pub(super) fn parse_number(t: &str) -> Option<f64> {
    let s: String = fold(t)
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A cell as a field's value: `Ok(None)` for an empty cell of an optional field.
pub(super) fn cell_number(v: &Value, def: &FieldDef) -> std::result::Result<Option<f64>, String> {
    let x = match v {
        Value::Empty => {
            return if def.required {
                Err("是空白，请填写（没有就填 0）".into())
            } else {
                Ok(None)
            }
        }
        Value::Text(t) if t.trim().is_empty() => {
            return if def.required {
                Err("是空白，请填写（没有就填 0）".into())
            } else {
                Ok(None)
            }
        }
        Value::Number(x) => *x,
        Value::Bool(b) => {
            if def.kind == Kind::Boolean {
                return Ok(Some(if *b { 1.0 } else { 0.0 }));
            }
            return Err("应是数字，不是是/否".into());
        }
        Value::Date(d) => {
            return Err(format!(
                "应是数字，不是日期 {}（单元格设成了日期格式？）",
                crate::survey::date::ymd(*d)
            ))
        }
        Value::Text(t) => {
            if def.kind == Kind::Boolean {
                return match fold(t).as_str() {
                    "是" | "true" | "yes" | "1" | "达标" => Ok(Some(1.0)),
                    "否" | "false" | "no" | "0" | "不达标" => Ok(Some(0.0)),
                    _ => Err(format!("应填“是”或“否”，不是“{}”", quote(t.trim()))),
                };
            }
            match parse_number(t) {
                Some(x) => x,
                None => return Err(format!("应是数字，不是“{}”", quote(t.trim()))),
            }
        }
    };
    if def.kind == Kind::Integer && x.fract() != 0.0 {
        return Err(format!("应是整数，不是 {x}"));
    }
    Ok(Some(x))
}
