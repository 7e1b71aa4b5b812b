//! The pack's expression language (evalexpr 13): derived fields and `checks:` rules,
//! compiled once and evaluated per unit.
//!
//! Variables are field paths (`office.total`), earlier derived fields and
//! `standards.NAME`. Every value is a float. Rules of evaluation, shared by `check`,
//! `render` and `stats`:
//! - a variable the unit has no value for (an optional field left empty, a derived field
//!   that is itself missing) makes the result **missing** (printed "—", left out of
//!   aggregates; a check is skipped);
//! - a division by zero (an infinite or NaN result of an expression that divides) is
//!   missing; an infinite or NaN result without a division (an overflow, `math::sqrt` of a
//!   negative) is an [`EvalError::Invalid`];
//! - anything else that fails (adding a boolean to a number, `(x >= 3000) * 200`) is an
//!   [`EvalError::Invalid`], which the data check reports naming the unit and expression;
//! - `-0.0` is returned as `0.0`.

use evalexpr::{
    build_operator_tree, ContextWithMutableVariables, DefaultNumericTypes, EvalexprError,
    HashMapContext, Node, Operator, Value,
};
use indexmap::IndexMap;

use super::schema::Schema;

/// A compiled expression.
pub type Tree = Node<DefaultNumericTypes>;

/// Why an expression gave no value for a unit.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// A value it names is missing, or it divides by zero: the result is missing.
    Missing,
    /// It cannot be evaluated at all (a type error): the Chinese reason, with a hint
    /// where one helps.
    Invalid(String),
}

/// Whether `expr` uses the C-style conditional `a ? b : c` (outside string literals),
/// which evalexpr does not have.
fn uses_ternary(expr: &str) -> bool {
    let (mut in_str, mut escaped) = (false, false);
    for c in expr.chars() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '?' => return true,
            _ => {}
        }
    }
    false
}

/// The message for an expression written `a ? b : c`.
pub const TERNARY: &str = "表达式不支持 ?: 写法，请用 if(条件, 值1, 值2)";

/// Compile `expr`, or say in Chinese why it does not parse (bounded in size first, see
/// [`super::schema::expr_too_big`]; `a ? b : c` gets [`TERNARY`]).
pub fn compile(expr: &str) -> Result<Tree, String> {
    if let Some(why) = super::schema::expr_too_big(expr) {
        return Err(why);
    }
    if uses_ternary(expr) {
        return Err(TERNARY.to_string());
    }
    build_operator_tree::<DefaultNumericTypes>(expr).map_err(|e| format!("无法解析：{e}"))
}

/// The Chinese reason an evaluation failed for a reason other than a missing value, with
/// a hint for arithmetic on a comparison.
fn invalid(e: &EvalexprError<DefaultNumericTypes>) -> String {
    let bool_arith = matches!(
        e,
        EvalexprError::ExpectedNumber {
            actual: Value::Boolean(_)
        } | EvalexprError::ExpectedNumberOrString {
            actual: Value::Boolean(_)
        } | EvalexprError::ExpectedFloat {
            actual: Value::Boolean(_)
        } | EvalexprError::ExpectedInt {
            actual: Value::Boolean(_)
        }
    );
    if bool_arith {
        return "比较的结果（真/假）不能参与算术运算，请用 if(条件, 值1, 值2)，如 if(x >= 3000, 500, 300)"
            .to_string();
    }
    match e {
        EvalexprError::ExpectedBoolean { actual } => {
            format!("需要真/假（比较）的地方得到了 {actual}，请写成比较，如 a > 0")
        }
        EvalexprError::FunctionIdentifierNotFound(f) => {
            format!("没有函数 {f}（可用 if、min、max、floor、round、math::abs 等）")
        }
        EvalexprError::WrongFunctionArgumentAmount { .. } => format!("函数参数个数不对：{e}"),
        _ => format!("无法计算：{e}"),
    }
}

/// The evaluation context of one unit: its values and the pack's standards.
pub fn context(
    values: &IndexMap<String, f64>,
    schema: &Schema,
) -> HashMapContext<DefaultNumericTypes> {
    let mut ctx = HashMapContext::<DefaultNumericTypes>::new();
    for (k, s) in &schema.standards {
        let _ = ctx.set_value(format!("standards.{k}"), Value::Float(s.value));
    }
    for (k, v) in values {
        let _ = ctx.set_value(k.clone(), Value::Float(*v));
    }
    ctx
}

/// Evaluate `tree` as a number (a boolean is 1 or 0), by the rules of this module.
pub fn number(tree: &Tree, ctx: &HashMapContext<DefaultNumericTypes>) -> Result<f64, EvalError> {
    match tree.eval_with_context(ctx) {
        Ok(Value::Float(x)) if x.is_finite() => Ok(x + 0.0),
        // Infinite or NaN: a division by zero gives no value (documented); with no
        // division in the expression it is an overflow or an undefined function value,
        // told as an error (attacker finding F5: such values vanished silently).
        Ok(Value::Float(_)) if divides(tree) => Err(EvalError::Missing),
        Ok(Value::Float(x)) => Err(EvalError::Invalid(format!(
            "结果是{}：超出数值范围（溢出）或无定义（如负数开方）",
            if x.is_nan() {
                "非数值（NaN）"
            } else {
                "无穷大"
            }
        ))),
        Ok(Value::Int(i)) => Ok(i as f64 + 0.0),
        Ok(Value::Boolean(b)) => Ok(f64::from(u8::from(b))),
        Ok(other) => Err(EvalError::Invalid(format!("结果 {other} 不是数值"))),
        Err(e) => Err(classify(&e)),
    }
}

/// Whether `tree` divides anywhere (`/` or `%`): where an infinite or NaN result can be a
/// division by zero.
fn divides(tree: &Tree) -> bool {
    tree.iter()
        .any(|n| matches!(n.operator(), Operator::Div | Operator::Mod))
}

/// Evaluate `tree` as a boolean (a `checks:` rule), by the rules of this module.
pub fn boolean(tree: &Tree, ctx: &HashMapContext<DefaultNumericTypes>) -> Result<bool, EvalError> {
    match tree.eval_with_context(ctx) {
        Ok(Value::Boolean(b)) => Ok(b),
        Ok(other) => Err(EvalError::Invalid(format!(
            "规则的结果应为真/假（比较），得到了 {other}"
        ))),
        Err(e) => Err(classify(&e)),
    }
}

fn classify(e: &EvalexprError<DefaultNumericTypes>) -> EvalError {
    match e {
        EvalexprError::VariableIdentifierNotFound(_)
        | EvalexprError::DivisionError { .. }
        | EvalexprError::ModulationError { .. } => EvalError::Missing,
        _ => EvalError::Invalid(invalid(e)),
    }
}

/// The compiled derived fields of a schema, in declaration order.
pub struct Derived {
    exprs: Vec<(String, Tree)>,
}

/// One derived value that could not be computed for a reason other than a missing input
/// (see [`EvalError::Invalid`]).
#[derive(Debug, Clone)]
pub struct Failure {
    /// The derived field's path.
    pub field: String,
    /// Why, in Chinese.
    pub reason: String,
}

impl Derived {
    /// Compile the schema's expressions (checked when the pack was loaded; one that does
    /// not compile yields no values).
    pub fn new(schema: &Schema) -> Derived {
        let exprs = schema
            .derived
            .iter()
            .filter_map(|(p, d)| compile(&d.expr).ok().map(|n| (p.clone(), n)))
            .collect();
        Derived { exprs }
    }

    /// One unit's values with its derived fields added (a missing one left out), and the
    /// derived fields that could not be evaluated at all.
    pub fn unit(
        &self,
        values: &IndexMap<String, f64>,
        schema: &Schema,
    ) -> (IndexMap<String, f64>, Vec<Failure>) {
        let mut values = values.clone();
        let mut ctx = context(&values, schema);
        let mut failures = Vec::new();
        for (path, node) in &self.exprs {
            match number(node, &ctx) {
                Ok(x) => {
                    let _ = ctx.set_value(path.clone(), Value::Float(x));
                    values.insert(path.clone(), x);
                }
                Err(EvalError::Missing) => {}
                Err(EvalError::Invalid(reason)) => failures.push(Failure {
                    field: path.clone(),
                    reason,
                }),
            }
        }
        (values, failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, f64)]) -> HashMapContext<DefaultNumericTypes> {
        let mut c = HashMapContext::<DefaultNumericTypes>::new();
        for (k, v) in pairs {
            c.set_value((*k).to_string(), Value::Float(*v)).unwrap();
        }
        c
    }

    #[test]
    fn rules_of_evaluation() {
        let c = ctx(&[("x", 3500.0), ("zero", 0.0)]);
        let n = |e: &str| number(&compile(e).unwrap(), &c);
        assert_eq!(n("if(x >= 3000, 500, 300)"), Ok(500.0));
        assert_eq!(n("x / zero"), Err(EvalError::Missing));
        assert_eq!(n("y + 1"), Err(EvalError::Missing));
        assert_eq!(n("-zero"), Ok(0.0));
        assert!(n("-zero").unwrap().is_sign_positive());
        match n("(x>=3000)*200+300") {
            Err(EvalError::Invalid(m)) => assert!(m.contains("if(x >= 3000, 500, 300)"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(compile("x > 1 ? 2 : 3").err().as_deref(), Some(TERNARY));
        assert!(compile("\"a?\" == \"b\"").is_ok());
        assert_eq!(boolean(&compile("x >= 3000").unwrap(), &c), Ok(true));
        assert!(matches!(
            boolean(&compile("x + 1").unwrap(), &c),
            Err(EvalError::Invalid(_))
        ));
    }
}
