//! Issue 18: the expression language of derived fields (evalexpr), through the binary —
//! values by hand, a missing operand giving a missing value, an expression that cannot be
//! evaluated named per unit with a hint, `a ? b : c` refused by the pack check, no `-0`.

mod common;
#[path = "common/packs.rs"]
mod packs;

use packs::*;

const UNITS: &str = concat!(
    "  - name: 张村\n",
    "    income: 3500\n",
    "    grids: 2\n",
    "  - name: 李村\n",
    "    income: 2000\n",
    "    grids: 0\n",
    "  - name: 王村\n",
    "    income: 3000\n",
);

#[test]
fn derived_values_by_hand_and_missing_operands() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "expressions", UNITS);
    let raw = render_md(&pack("expressions"), &data);
    let md = prose(&raw);
    // if(income >= 3000, 500, 300): 500 + 300 + 500.
    assert!(md.contains("补贴合计1300元。"), "{md}");
    let t = &tables(&raw)[0];
    let body = cells(t, "body");
    let col = |i: usize| body.iter().map(|r| r[i].clone()).collect::<Vec<_>>();
    assert_eq!(col(2), ["500", "300", "500"]);
    // income / grids: 3500 / 2; 李村 divides by zero, 王村 has no grids → no value.
    assert_eq!(col(3), ["1750", "—", "—"]);
    let v = stats_json(&pack("expressions"), &data);
    assert_eq!(v["fields"]["per_grid"]["count"], 1);
    assert_eq!(v["fields"]["subsidy"]["sum"], 1300.0);
}

/// Issue 18: `(x>=3000)*200+300` gave no value for every unit and a sum of `-0.0`; now
/// each unit is an error naming the unit, the derived field and the expression, with the
/// `if()` spelling as the hint, and nothing is written.
#[test]
fn arithmetic_on_a_comparison_is_an_error_per_unit_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "expressions",
        "if(income >= 3000, 500, 300)",
        "(income>=3000)*200+300",
    );
    let data = data(dir.path(), "expressions", UNITS);
    let out_dir = dir.path().join("out");
    let out = run(
        &p,
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!out_dir.exists(), "nothing written");
    let err = stderr(&out);
    for (unit, line) in [("张村", 8), ("李村", 11), ("王村", 14)] {
        let msg = format!(
            "data.yaml:{line}:13: {unit}：派生字段 补贴（derived.subsidy）的表达式“(income>=3000)*200+300”无法计算：比较的结果（真/假）不能参与算术运算，请用 if(条件, 值1, 值2)，如 if(x >= 3000, 500, 300)"
        );
        assert!(err.contains(&msg), "{msg}\n---\n{err}");
    }
    // `check` says the same.
    let out = run(&p, &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("张村：派生字段 补贴（derived.subsidy）"));
}

/// Issue 18: `a ? b : c` gave "Tried to append a node to a leaf node"; now the pack check
/// refuses it at its line, with the spelling to use.
#[test]
fn the_c_conditional_is_refused_with_the_if_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "expressions",
        "if(income >= 3000, 500, 300)",
        "income >= 3000 ? 500 : 300",
    );
    let data = data(dir.path(), "expressions", UNITS);
    let out = run(&p, &["check", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("template.yaml:8:")
            && err.contains(
                "derived.subsidy 的表达式“income >= 3000 ? 500 : 300”表达式不支持 ?: 写法，请用 if(条件, 值1, 值2)"
            ),
        "{err}"
    );
    assert!(!err.contains("leaf node"), "{err}");
}

/// No `-0` anywhere: a derived value of -0.0, a value written `-0` and the sum of no
/// values are all 0.
#[test]
fn negative_zero_is_zero() {
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "expressions",
        "if(income >= 3000, 500, 300)",
        "-(income * 0)",
    );
    // `-0` income is allowed by a min below zero.
    let t = p.join("template.yaml");
    let text = std::fs::read_to_string(&t).unwrap().replace(
        "income: { label: 集体经济收入, unit: 元 }",
        "income: { label: 集体经济收入, unit: 元, min: -10 }",
    );
    std::fs::write(&t, text).unwrap();
    let no_negative_zero = |units: &str| -> serde_json::Value {
        let data = data(dir.path(), "expressions", units);
        let out = run(&p, &["stats", "--json", data.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("-0.0") && !text.contains("-0,"), "{text}");
        let md = prose(&render_md(&p, &data));
        assert!(md.contains("补贴合计0元。"), "{md}");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // 李村: -0 / 2 is -0.0.
    let v = no_negative_zero(
        "  - name: 张村\n    income: 3500\n  - name: 李村\n    income: -0\n    grids: 2\n",
    );
    assert_eq!(v["fields"]["per_grid"]["count"], 1);
    assert_eq!(v["units"][1]["values"]["per_grid"], 0.0);
    // No unit has grids: the sum of no values is 0 (Rust's empty f64 sum is -0.0).
    let v =
        no_negative_zero("  - name: 张村\n    income: 3500\n  - name: 王村\n    income: 3000\n");
    assert_eq!(v["fields"]["per_grid"]["count"], 0);
    assert!(v["fields"]["per_grid"]["sum"]
        .as_f64()
        .unwrap()
        .is_sign_positive());
}

/// Attacker finding F5: an infinite result without a division (an overflow) is an error
/// naming the unit and the expression, never a value that silently vanishes; a division
/// by zero still gives no value (李村 has no grids).
#[test]
fn an_overflow_is_an_error_and_a_division_by_zero_no_value() {
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "expressions",
        "if(income >= 3000, 500, 300)",
        "income * 1e307",
    );
    let file = data(dir.path(), "expressions", UNITS);
    let out = run(&p, &["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "张村：派生字段 补贴（derived.subsidy）的表达式“income * 1e307”无法计算：结果是无穷大"
        ),
        "{err}"
    );
    // The same expression with a division: a zero divisor is no value, not an error.
    let dir = tempfile::tempdir().unwrap();
    let p = pack_variant(
        dir.path(),
        "expressions",
        "if(income >= 3000, 500, 300)",
        "income / grids",
    );
    let file = data(dir.path(), "expressions", UNITS);
    let out = run(&p, &["check", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}
