//! Number formatting for Chinese report prose: fixed decimals, percent, 万, "—".

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
        Some(x) if x.is_finite() => {
            let s = fixed(Some(x / 10000.0), decimals);
            let s = if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            };
            format!("{s}万")
        }
        _ => NO_VALUE.to_string(),
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
}
