//! One test per validation rule, on a small schema.
use super::*;

const SCHEMA: &str = r#"
name: t
unit_label: 社区
fields:
  households: { label: 居民户数, unit: 户 }
  area: { label: 面积, unit: 平方米, type: decimal }
  staff.total: { label: 工作人员总数, unit: 人 }
  staff.male: { label: 男, unit: 人 }
  staff.female: { label: 女, unit: 人 }
  note: { label: 备注, required: false }
  ok: { label: 达标, type: boolean, required: false }
groups:
  gender: { label: 性别, total: staff.total, parts: [staff.male, staff.female] }
tables:
  pay: { label: 薪酬, columns: { post: { label: 岗位, type: text }, monthly: { label: 月薪, unit: 元 } } }
"#;

fn schema() -> Schema {
    serde_yaml::from_str(SCHEMA).expect("schema")
}

const GOOD_UNIT: &str = "  - name: 甲社区\n    households: 10\n    area: 12.5\n    staff: { total: 3, male: 1, female: 2 }\n";

fn check(units: &str) -> std::result::Result<Survey, Vec<Diagnostic>> {
    check_doc(&format!(
        "template: t\nreport: {{ title: x, region: y, period: \"1\" }}\nunits:\n{units}"
    ))
}

fn check_doc(text: &str) -> std::result::Result<Survey, Vec<Diagnostic>> {
    let path = Path::new("x.yaml");
    let raw = parse_raw(path, text).map_err(|e| match e {
        Error::Input(d) => d,
        other => panic!("{other}"),
    })?;
    validate(path, text, raw, &schema()).map_err(|e| match e {
        Error::Input(d) => d,
        other => panic!("{other}"),
    })
}

fn one(units: &str) -> Diagnostic {
    let d = check(units).expect_err("invalid");
    assert_eq!(d.len(), 1, "{d:?}");
    d.into_iter().next().expect("one")
}

#[test]
fn a_good_unit_validates() {
    let s = check(GOOD_UNIT).expect("valid");
    assert_eq!(s.units[0].values["staff.female"], 2.0);
    assert!(!s.units[0].values.contains_key("note"));
}

#[test]
fn text_where_a_number_belongs() {
    let d = one(&GOOD_UNIT.replace("households: 10", "households: 十"));
    assert_eq!((d.line, d.unit.as_deref()), (Some(5), Some("甲社区")));
    assert!(
        d.message.contains("应为数字，实际为文字“十”"),
        "{}",
        d.message
    );
}

#[test]
fn a_decimal_where_a_count_belongs() {
    let d = one(&GOOD_UNIT.replace("households: 10", "households: 10.5"));
    assert!(d.message.contains("应为整数"), "{}", d.message);
}

#[test]
fn negative_values() {
    let d = one(&GOOD_UNIT.replace("area: 12.5", "area: -1"));
    assert_eq!(d.line, Some(6));
    assert!(d.message.contains("不能小于 0"), "{}", d.message);
}

#[test]
fn nan_and_infinity() {
    for bad in [".nan", ".inf", "-.inf"] {
        let d = one(&GOOD_UNIT.replace("area: 12.5", &format!("area: {bad}")));
        assert!(d.message.contains("NaN 或无穷大"), "{bad}: {}", d.message);
    }
}

#[test]
fn missing_required_field() {
    let d = one(&GOOD_UNIT.replace("    area: 12.5\n", ""));
    assert_eq!(d.field.as_deref(), Some("area"));
    assert!(d.message.contains("缺少必填字段 面积（area）"));
}

#[test]
fn unknown_field_with_a_suggestion() {
    let d = one(&format!("{GOOD_UNIT}    houshold: 3\n"));
    assert_eq!(d.line, Some(8));
    assert!(
        d.message
            .contains("未知字段 houshold，是否应为 households？"),
        "{}",
        d.message
    );
    let d = one(&GOOD_UNIT.replace("female: 2", "female: 2, femal: 1"));
    assert!(
        d.message.contains("staff.femal，是否应为 staff.female？"),
        "{}",
        d.message
    );
}

#[test]
fn duplicate_unit_names() {
    let d = one(&format!("{GOOD_UNIT}{GOOD_UNIT}"));
    assert_eq!(d.line, Some(8));
    assert!(d.message.contains("名称重复"));
}

#[test]
fn empty_units() {
    let d = check_doc("template: t\nreport: { title: x, region: y, period: \"1\" }\nunits: []\n")
        .expect_err("invalid");
    assert!(d[0].message.contains("units 为空"), "{:?}", d);
    assert_eq!(d[0].line, Some(3));
}

#[test]
fn group_parts_must_sum_to_the_total() {
    let d = one(&GOOD_UNIT.replace("female: 2", "female: 3"));
    assert_eq!(d.line, Some(7));
    assert_eq!(d.message, "性别合计 4 人，与工作人员总数 3 人不一致");
    assert_eq!(
        d.to_string().lines().next(),
        Some("x.yaml:7:30: 甲社区：性别合计 4 人，与工作人员总数 3 人不一致")
    );
}

#[test]
fn booleans() {
    assert!(check(&format!("{GOOD_UNIT}    ok: true\n")).is_ok());
    let d = one(&format!("{GOOD_UNIT}    ok: 1\n"));
    assert!(d.message.contains("true 或 false"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let units = GOOD_UNIT
        .replace("households: 10", "households: x")
        .replace("area: 12.5", "area: -2");
    assert_eq!(check(&units).expect_err("invalid").len(), 2);
}

#[test]
fn other_tables_are_checked() {
    let doc = format!(
        "template: t\nreport: {{ title: x, region: y, period: \"1\" }}\nunits:\n{GOOD_UNIT}tables:\n  pay:\n    - {{ post: 主任, monthly: 高 }}\n    - {{ post: 委员, montly: 1 }}\n  pya: []\n"
    );
    let d = check_doc(&doc).expect_err("invalid");
    let msgs: Vec<String> = d
        .iter()
        .map(|d| format!("{:?}: {}", d.line, d.message))
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("Some(10)") && m.contains("月薪应为数字")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("未知列 montly，是否应为 monthly？")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("未知的表 tables.pya")),
        "{msgs:?}"
    );
}

#[test]
fn yaml_syntax_errors_have_a_line() {
    let d = check_doc("template: t\nunits: [\n  - a: b\n").expect_err("invalid");
    assert!(d[0].message.starts_with("YAML 格式错误"));
    assert!(d[0].line.is_some());
}

#[test]
fn bom_and_crlf_are_accepted_gbk_is_refused() {
    let text = decode(Path::new("x"), b"\xEF\xBB\xBFa: 1\r\nb: 2\r\n").expect("utf-8");
    assert_eq!(text, "a: 1\nb: 2\n");
    let err = decode(Path::new("x"), b"a: 1\nname: \xc9\xe7\xc7\xf8\n").expect_err("gbk");
    let Error::Input(d) = err else {
        panic!("input error")
    };
    assert_eq!(d[0].line, Some(2));
    assert!(d[0].message.contains("UTF-8"));
}

#[test]
fn inline_previous_period_is_validated_too() {
    let doc = format!(
        "template: t\nreport: {{ title: x, region: y, period: \"2\" }}\nunits:\n{GOOD_UNIT}previous:\n  period: \"1\"\n  units:\n{}",
        GOOD_UNIT.replace("households: 10", "households: -4")
    );
    let d = check_doc(&doc).expect_err("invalid");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, Some(12));
    let ok = check_doc(&format!(
        "template: t\nreport: {{ title: x, region: y, period: \"2\" }}\nunits:\n{GOOD_UNIT}previous:\n  period: \"1\"\n  units:\n{GOOD_UNIT}"
    ))
    .expect("valid");
    assert_eq!(ok.previous.expect("previous").period, "1");
}
