//! Displayed shares: largest-remainder (Hamilton) rounding that adds up exactly, except
//! where a tie between equal parts forbids it.
//!
//! Rule (issue 14 §4): equal values always print equal shares. Largest remainder gives the
//! units left over after flooring to the parts with the largest remainders (between equal
//! remainders, to the larger part). When the last unit handed out and the first one
//! withheld would go to *equal* parts (e.g. 21, 21 and 15 of 57: 36.842…% twice, one unit
//! for two parts), no fair choice exists, so every part is rounded conventionally (half
//! away from zero) instead and the shares may add to 99.9% or 100.1% — the case for the
//! usual note [`ROUNDING_NOTE`] (因四舍五入，构成比之和可能不等于100%).

/// The note printed where shares are shown when they do not add up to 100%.
pub const ROUNDING_NOTE: &str = "因四舍五入，构成比之和可能不等于100%";

/// Apportion `scale` units (100 for whole percents, 1000 for one-decimal percents) among
/// `parts` (non-negative) in proportion to their size.
///
/// Each part gets the floor of its exact quota; the units left over go to the largest
/// remainders, between equal remainders to the larger part. When the cut between the
/// parts that get a unit and those that do not would separate two equal parts, every
/// part is instead rounded conventionally (its quota to the nearest unit, halves away
/// from zero), so equal parts always get equal shares and the sum may miss `scale` by a
/// unit or so. Returns `None` when the parts sum to zero (or less).
///
/// Properties: equal parts give equal results; the result does not depend on the order
/// of the parts; each result is less than one unit from the exact quota; the results add
/// up to `scale` unless two equal parts straddled the cut.
pub fn largest_remainder(parts: &[f64], scale: i64) -> Option<Vec<i64>> {
    let total: f64 = parts.iter().sum();
    if parts.is_empty() || total.is_nan() || total <= 0.0 {
        return None;
    }
    let quotas: Vec<f64> = parts.iter().map(|p| p / total * scale as f64).collect();
    let mut out: Vec<i64> = quotas.iter().map(|q| q.floor() as i64).collect();
    let left = (scale - out.iter().sum::<i64>()).max(0) as usize;
    let rem = |i: usize| quotas[i] - quotas[i].floor();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Equal parts have bit-identical quotas, hence equal remainders: they sort together.
    order.sort_by(|&a, &b| {
        rem(b)
            .total_cmp(&rem(a))
            .then(parts[b].total_cmp(&parts[a]))
    });
    let equal_parts_at_cut =
        left > 0 && left < order.len() && parts[order[left - 1]] == parts[order[left]];
    if equal_parts_at_cut {
        return Some(quotas.iter().map(|q| q.round() as i64).collect());
    }
    for &i in order.iter().take(left) {
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
    fn equal_counts_get_equal_shares_when_a_tie_forbids_100() {
        // Issue 14 §4: 21, 21 and 15 of 57 printed 36.9% and 36.8%. Quotas 368.42, 368.42,
        // 263.16 thousandths: one unit left for two equal remainders → conventional rounding.
        let v = largest_remainder(&[21.0, 21.0, 15.0], 1000).unwrap();
        assert_eq!(v, vec![368, 368, 263]);
        assert_eq!(v.iter().sum::<i64>(), 999);
        // Thirds: 33.3% each, 99.9% in all.
        assert_eq!(
            largest_remainder(&[1.0, 1.0, 1.0], 1000),
            Some(vec![333, 333, 333])
        );
        // A tie that does not straddle the cut still adds up: both tied parts get a unit.
        // 3, 3, 1 of 7: 42.86, 42.86, 14.29 → two units for the two equal remainders.
        assert_eq!(
            largest_remainder(&[3.0, 3.0, 1.0], 100),
            Some(vec![43, 43, 14])
        );
    }

    #[test]
    fn one_decimal_shares_add_to_1000() {
        let v = largest_remainder(&[50.0, 30.0, 45.0, 16.0], 1000).unwrap();
        assert_eq!(v, vec![355, 213, 319, 113]);
        assert_eq!(v.iter().sum::<i64>(), 1000);
    }

    #[test]
    fn a_tie_between_unequal_parts_goes_to_the_larger() {
        // 3 and 5 of 8: quotas 37.5 and 62.5, equal remainders; the larger part gets the
        // unit (in either order) and the sum stays 100.
        assert_eq!(largest_remainder(&[3.0, 5.0], 100), Some(vec![37, 63]));
        assert_eq!(largest_remainder(&[5.0, 3.0], 100), Some(vec![63, 37]));
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

    fn scale() -> impl Strategy<Value = i64> {
        prop_oneof![Just(100i64), Just(1000i64)]
    }

    proptest! {
        #[test]
        fn shares_sum_to_the_scale_unless_a_tie_forbids_it(
            parts in proptest::collection::vec(0u32..100_000, 1..12),
            scale in scale(),
        ) {
            let parts: Vec<f64> = parts.into_iter().map(f64::from).collect();
            match largest_remainder(&parts, scale) {
                None => prop_assert!(parts.iter().sum::<f64>() == 0.0),
                Some(v) => {
                    let total: f64 = parts.iter().sum();
                    let quotas: Vec<f64> = parts.iter().map(|p| p / total * scale as f64).collect();
                    for (q, s) in quotas.iter().zip(&v) {
                        // Never a unit or more away from the exact quota.
                        prop_assert!((q - *s as f64).abs() < 1.0);
                    }
                    if v.iter().sum::<i64>() != scale {
                        // Only a tie may forbid an exact 100%: two equal parts whose
                        // quota is not a whole number.
                        let tie = (0..parts.len()).any(|i| (0..parts.len()).any(|j| {
                            i != j && parts[i] == parts[j] && quotas[i].fract() != 0.0
                        }));
                        prop_assert!(tie, "{parts:?} → {v:?}");
                    }
                }
            }
        }

        #[test]
        fn equal_inputs_get_equal_outputs(
            parts in proptest::collection::vec(0u32..1000, 1..8),
            copies in proptest::collection::vec(0usize..8, 1..4),
            scale in scale(),
        ) {
            // Repeat some parts; every copy of a value must get the same share.
            let mut all: Vec<f64> = parts.iter().copied().map(f64::from).collect();
            for c in copies {
                all.push(f64::from(parts[c % parts.len()]));
            }
            if let Some(v) = largest_remainder(&all, scale) {
                for i in 0..all.len() {
                    for j in 0..all.len() {
                        if all[i] == all[j] {
                            prop_assert_eq!(v[i], v[j], "{:?} → {:?}", all, v);
                        }
                    }
                }
                // Order does not matter either.
                let mut rev = all.clone();
                rev.reverse();
                let mut back = largest_remainder(&rev, scale).unwrap();
                back.reverse();
                prop_assert_eq!(back, v);
            }
        }
    }
}
