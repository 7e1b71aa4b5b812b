//! Per-unit rules that need more than one value: derived expressions that cannot be
//! evaluated, bounds naming another field (`max: population.registered`) and the pack's
//! `checks:` ([`crate::survey::schema::CheckDef`]). Evaluated by [`crate::survey::expr`],
//! the evaluator `stats` uses, so `check` refuses exactly what would print wrong.

use super::*;
use crate::survey::expr::{self, EvalError, Tree};
use crate::survey::schema::{Bound, CheckLevel};

/// The pack's derived fields and checks, compiled once per list of units.
pub(super) struct Rules {
    derived: expr::Derived,
    checks: Vec<Option<Tree>>,
}

impl Rules {
    pub(super) fn new(schema: &Schema) -> Rules {
        Rules {
            derived: expr::Derived::new(schema),
            checks: schema
                .checks
                .iter()
                .map(|c| expr::compile(&c.rule).ok())
                .collect(),
        }
    }
}

/// The variables `expr` names, in order of appearance, each once.
fn variables(tree: &Tree) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in tree.iter_variable_identifiers() {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

impl Checker<'_> {
    /// Check one unit (`here` is its path in the document, `values` its data values) against
    /// the rules: each problem a diagnostic naming the unit and field (printed
    /// `file:line:col: 单位：message`), at the line of the first of its data fields the rule
    /// names (else the unit's `name:`).
    pub(super) fn unit_rules(
        &mut self,
        rules: &Rules,
        here: &str,
        name: &str,
        values: &IndexMap<String, f64>,
    ) {
        let schema = self.schema;
        let (all, failures) = rules.derived.unit(values, schema);
        let at_first = |vars: &[String]| -> String {
            vars.iter()
                .find(|v| values.contains_key(v.as_str()))
                .map_or_else(|| format!("{here}.name"), |v| format!("{here}.{v}"))
        };
        for f in failures {
            let Some(def) = schema.derived.get(&f.field) else {
                continue;
            };
            let vars = expr::compile(&def.expr)
                .map(|t| variables(&t))
                .unwrap_or_default();
            let d = self
                .at(
                    &at_first(&vars),
                    format!(
                        "派生字段 {}（derived.{}）的表达式“{}”无法计算：{}",
                        def.label,
                        f.field,
                        crate::excerpt::quote(&def.expr),
                        f.reason
                    ),
                )
                .unit(name)
                .field(&f.field);
            crate::error::push_capped(&mut self.diags, d);
        }
        let defs = schema.all_fields();
        for (fpath, def) in &schema.fields {
            let Some(v) = values.get(fpath) else { continue };
            for (bound, is_max) in [(&def.min, false), (&def.max, true)] {
                let Some(Bound::Field(other)) = bound else {
                    continue;
                };
                let Some(w) = all.get(other) else { continue };
                let bad = if is_max { v > w } else { v < w };
                if !bad {
                    continue;
                }
                let olabel = defs.get(other).map_or(other.as_str(), |d| d.label.as_str());
                let d = self
                    .at(
                        &format!("{here}.{fpath}"),
                        format!(
                            "{}（{fpath}）为 {}，不能{}{olabel}（{other}）{}",
                            def.label,
                            shortest(*v),
                            if is_max { "大于" } else { "小于" },
                            shortest(*w)
                        ),
                    )
                    .unit(name)
                    .field(fpath);
                crate::error::push_capped(&mut self.diags, d);
            }
        }
        let ctx = expr::context(&all, schema);
        for (c, tree) in schema.checks.iter().zip(&rules.checks) {
            let Some(tree) = tree else { continue };
            let vars = variables(tree);
            let message = match expr::boolean(tree, &ctx) {
                Ok(true) | Err(EvalError::Missing) => continue,
                Ok(false) => {
                    let shown: Vec<String> = vars
                        .iter()
                        .filter_map(|v| all.get(v).map(|x| format!("{v}={}", shortest(*x))))
                        .collect();
                    format!(
                        "{}（规则 {}：{}）",
                        c.message.trim(),
                        c.rule.trim(),
                        shown.join("，")
                    )
                }
                Err(EvalError::Invalid(why)) => {
                    format!("规则“{}”无法计算：{why}", c.rule.trim())
                }
            };
            let field = vars.first().cloned().unwrap_or_default();
            let d = self.at(&at_first(&vars), message).unit(name).field(field);
            if c.level == CheckLevel::Warning {
                let mut d = d;
                d.severity = crate::error::Severity::Warning;
                self.warnings.push(d);
            } else {
                crate::error::push_capped(&mut self.diags, d);
            }
        }
    }
}
