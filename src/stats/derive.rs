//! Derived per-unit fields: expressions over a unit's values (evalexpr).

use indexmap::IndexMap;

use crate::survey::{Schema, Unit};

/// The compiled expressions of a schema's derived fields ([`crate::survey::expr`]: the
/// one evaluator `check` and `stats` share).
pub struct Derived {
    inner: crate::survey::expr::Derived,
}

impl Derived {
    /// Compile the schema's expressions (already checked when the pack was loaded; one that
    /// does not compile yields no values).
    pub fn new(schema: &Schema) -> Derived {
        Derived {
            inner: crate::survey::expr::Derived::new(schema),
        }
    }

    /// Every unit's values with its derived fields added. A derived value that cannot be
    /// computed (a missing input, division by zero) is left out: "no value", printed "—".
    /// (An expression that cannot be evaluated at all was refused by the data check.)
    pub fn values(&self, units: &[Unit], schema: &Schema) -> Vec<IndexMap<String, f64>> {
        units
            .iter()
            .map(|u| self.inner.unit(&u.values, schema).0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        serde_yaml::from_str(
            r#"
name: t
unit_label: 社区
fields:
  a: { label: 甲 }
  b: { label: 乙 }
standards:
  s: { label: 标准, field: a, value: 10 }
derived:
  ratio: { label: 比, expr: "a / b" }
  meets: { label: 达标, expr: "a >= standards.s", type: boolean }
  twice: { label: 倍, expr: "ratio * 2" }
"#,
        )
        .expect("schema")
    }

    fn unit(a: f64, b: f64) -> Unit {
        Unit {
            name: "x".into(),
            short: "x".into(),
            values: [("a".to_string(), a), ("b".to_string(), b)]
                .into_iter()
                .collect(),
            tags: Default::default(),
            id: None,
        }
    }

    #[test]
    fn expressions_booleans_and_chains() {
        let s = schema();
        let v = Derived::new(&s).values(&[unit(12.0, 4.0)], &s);
        assert_eq!(v[0]["ratio"], 3.0);
        assert_eq!(v[0]["meets"], 1.0);
        assert_eq!(v[0]["twice"], 6.0);
    }

    #[test]
    fn division_by_zero_is_no_value() {
        let s = schema();
        let v = Derived::new(&s).values(&[unit(5.0, 0.0)], &s);
        assert!(!v[0].contains_key("ratio"));
        assert!(!v[0].contains_key("twice"));
        assert_eq!(v[0]["meets"], 0.0);
    }
}
