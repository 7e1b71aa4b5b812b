//! Largest-remainder (Hamilton) rounding: displayed shares that add up exactly.

/// Apportion `scale` units (100 for whole percents, 1000 for one-decimal percents) among
/// `parts` in proportion to their size. Each part gets the floor of its exact quota; the
/// units left over go to the largest remainders, ties to the earlier part. Returns `None`
/// when the parts sum to zero.
pub fn largest_remainder(parts: &[f64], scale: i64) -> Option<Vec<i64>> {
    let total: f64 = parts.iter().sum();
    if total <= 0.0 || parts.is_empty() {
        return None;
    }
    let quotas: Vec<f64> = parts.iter().map(|p| p / total * scale as f64).collect();
    let mut out: Vec<i64> = quotas.iter().map(|q| q.floor() as i64).collect();
    let left = scale - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable sort keeps earlier parts first among equal remainders.
    order.sort_by(|&a, &b| {
        let ra = quotas[a] - quotas[a].floor();
        let rb = quotas[b] - quotas[b].floor();
        rb.total_cmp(&ra)
    });
    for &i in order.iter().take(left.max(0) as usize) {
        out[i] += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_education_shares_by_hamilton() {
        // 49 / 53 / 39 of 141 staff: quotas 34.75 / 37.59 / 27.66; floors 34/37/27 leave 2
        // units for the two largest remainders (.75 and .66).
        assert_eq!(
            largest_remainder(&[49.0, 53.0, 39.0], 100),
            Some(vec![35, 37, 28])
        );
    }

    #[test]
    fn one_decimal_shares_add_to_1000() {
        let v = largest_remainder(&[50.0, 30.0, 45.0, 16.0], 1000).unwrap();
        assert_eq!(v, vec![355, 213, 319, 113]);
        assert_eq!(v.iter().sum::<i64>(), 1000);
    }

    #[test]
    fn zero_total_has_no_shares() {
        assert_eq!(largest_remainder(&[0.0, 0.0], 100), None);
    }
}

#[cfg(test)]
mod properties {
    use super::largest_remainder;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn shares_always_sum_to_the_scale(parts in proptest::collection::vec(0u32..100_000, 1..12),
                                          scale in prop_oneof![Just(100i64), Just(1000i64)]) {
            let parts: Vec<f64> = parts.into_iter().map(f64::from).collect();
            match largest_remainder(&parts, scale) {
                None => prop_assert!(parts.iter().sum::<f64>() == 0.0),
                Some(v) => {
                    prop_assert_eq!(v.iter().sum::<i64>(), scale);
                    let total: f64 = parts.iter().sum();
                    for (p, s) in parts.iter().zip(&v) {
                        // Never more than one unit away from the exact quota.
                        prop_assert!((p / total * scale as f64 - *s as f64).abs() < 1.0);
                    }
                }
            }
        }
    }
}
