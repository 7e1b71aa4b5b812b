//! Numbers as reports print them: one formatter for every stage (statistics text, template
//! filters, table cells, data-file messages and emitted YAML), so a figure prints the same
//! wherever it appears.
//!
//! Rules: fixed decimals round half away from zero (`2.25` → `2.3`) and never print `-0`;
//! a missing or non-finite value prints [`NO_VALUE`] ("—", never NaN or inf, DESIGN §3);
//! percents are ratios × 100; 万 is 10 000. Depends on nothing else in the crate.

/// What a missing value prints as.
pub const NO_VALUE: &str = "—";

/// `x` with exactly `decimals` decimals (half away from zero), or "—".
pub fn fixed(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(x) if x.is_finite() => {
            let p = 10f64.powi(decimals as i32);
            let r = (x * p).round() / p;
            let s = format!("{r:.decimals$}");
            if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
                s[1..].to_string()
            } else {
                s
            }
        }
        _ => NO_VALUE.to_string(),
    }
}

/// A ratio (0.554) as a percent with `decimals` decimals (`55.4%`), or "—".
pub fn percent(ratio: Option<f64>, decimals: usize) -> String {
    match ratio {
        Some(r) if r.is_finite() => format!("{}%", fixed(Some(r * 100.0), decimals)),
        _ => NO_VALUE.to_string(),
    }
}

/// An amount in 万 (`35000` → `3.5万`), trailing zero decimals dropped.
pub fn wan(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{}万", trimmed(Some(x / 10000.0), decimals)),
        _ => NO_VALUE.to_string(),
    }
}

/// A signed change in words: `up`/`down` followed by the magnitude, or 持平 when it rounds
/// to zero, or "—".
fn signed(x: Option<f64>, decimals: usize, up: &str, down: &str, suffix: &str) -> String {
    match x {
        Some(x) if x.is_finite() => {
            let mag = fixed(Some(x.abs()), decimals);
            if mag.trim_start_matches(['0', '.']).is_empty() {
                "持平".to_string()
            } else if x > 0.0 {
                format!("{up}{mag}{suffix}")
            } else {
                format!("{down}{mag}{suffix}")
            }
        }
        _ => NO_VALUE.to_string(),
    }
}

/// A growth rate (0.032) in words: `增长3.2%`, `下降3.2%`, `持平`, or "—".
pub fn growth(ratio: Option<f64>, decimals: usize) -> String {
    signed(ratio.map(|r| r * 100.0), decimals, "增长", "下降", "%")
}

/// A change of a share (0.012 = 1.2 points) in words: `提高1.2个百分点`,
/// `下降1.2个百分点`, `持平`, or "—".
pub fn points(diff: Option<f64>, decimals: usize) -> String {
    signed(
        diff.map(|d| d * 100.0),
        decimals,
        "提高",
        "下降",
        "个百分点",
    )
}

/// A numeric range with the wave dash GB/T 15834-2011 §4.13 asks for between numbers,
/// the unit written once after the second number: `span(5, 10, 0, "万元")` = `5～10万元`.
/// Each bound prints with at most `decimals` decimals, trailing zeros dropped
/// ([`trimmed`]); a missing bound prints "—".
pub fn span(a: Option<f64>, b: Option<f64>, decimals: usize, unit: &str) -> String {
    format!("{}～{}{unit}", trimmed(a, decimals), trimmed(b, decimals))
}

/// An absolute change with its unit: `增加12人`, `减少12人`, `持平`.
pub fn change(diff: Option<f64>, decimals: usize, unit: &str) -> String {
    signed(diff, decimals, "增加", "减少", unit)
}

/// `x` in its shortest exact form: a whole number (below 10^15 in magnitude) without a
/// decimal point (`12`, not `12.0`), anything else as Rust's shortest round-trip decimal
/// (`0.1`, `1e20` as `100000000000000000000`). Used where a value is quoted back to the writer (messages, emitted YAML,
/// spreadsheet cells), so it reads as it was typed.
pub fn shortest(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// `x` with at most `decimals` decimals (rounded as [`fixed`]), trailing zero decimals and
/// a bare point dropped: `trimmed(2.50, 2)` = `2.5`, `trimmed(3.0, 2)` = `3`; "—" when
/// missing. Axis ticks and 万 amounts print this way.
pub fn trimmed(x: Option<f64>, decimals: usize) -> String {
    let s = fixed(x, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fixed(Some(207.666), 0), "208");
        assert_eq!(fixed(Some(2142.857), 0), "2143");
        assert_eq!(fixed(None, 1), "—");
        assert_eq!(percent(Some(1380.0 / 2492.0), 1), "55.4%");
        assert_eq!(percent(None, 1), "—");
        assert_eq!(wan(Some(35000.0), 1), "3.5万");
        assert_eq!(wan(Some(20000.0), 1), "2万");
        assert_eq!(fixed(Some(-0.01), 0), "0");
    }

    #[test]
    fn edge_values() {
        assert_eq!(fixed(Some(0.0), 1), "0.0");
        assert_eq!(fixed(Some(-2.25), 1), "-2.3");
        assert_eq!(fixed(Some(f64::NAN), 1), "—");
        assert_eq!(percent(Some(0.0), 1), "0.0%");
        assert_eq!(percent(Some(-0.0312), 1), "-3.1%");
        assert_eq!(percent(Some(f64::INFINITY), 1), "—");
        assert_eq!(wan(Some(0.0), 1), "0万");
        assert_eq!(wan(Some(-15000.0), 1), "-1.5万");
        assert_eq!(wan(None, 1), "—");
    }

    #[test]
    fn signed_changes() {
        assert_eq!(growth(Some(0.032), 1), "增长3.2%");
        assert_eq!(growth(Some(-0.032), 1), "下降3.2%");
        assert_eq!(growth(Some(0.0004), 1), "持平");
        assert_eq!(growth(Some(0.0), 1), "持平");
        assert_eq!(growth(None, 1), "—");
        assert_eq!(points(Some(0.012), 1), "提高1.2个百分点");
        assert_eq!(points(Some(-0.012), 1), "下降1.2个百分点");
        assert_eq!(points(Some(0.0), 1), "持平");
        assert_eq!(span(Some(5.0), Some(10.0), 2, "万元"), "5～10万元");
        assert_eq!(span(Some(0.5), Some(1.25), 1, ""), "0.5～1.3");
        assert_eq!(points(None, 1), "—");
        assert_eq!(change(Some(12.0), 0, "人"), "增加12人");
        assert_eq!(change(Some(-12.0), 0, "人"), "减少12人");
        assert_eq!(change(Some(0.0), 0, "人"), "持平");
    }

    #[test]
    fn shortest_and_trimmed() {
        assert_eq!(shortest(12.0), "12");
        assert_eq!(shortest(-3.0), "-3");
        assert_eq!(shortest(0.1), "0.1");
        assert_eq!(shortest(1e20), "100000000000000000000");
        assert_eq!(trimmed(Some(2.5), 2), "2.5");
        assert_eq!(trimmed(Some(3.0), 2), "3");
        assert_eq!(trimmed(Some(1234.0), 0), "1234");
        assert_eq!(trimmed(None, 1), "—");
    }
}
