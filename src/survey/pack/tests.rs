use super::*;

#[test]
fn a_group_without_parts_is_refused_at_its_line() {
    let yaml = "name: t\nunit_label: 社区\nfields:\n  a: { label: 甲 }\ngroups:\n  g: { label: 组, total: a, parts: [] }\n";
    let Err(Error::Input(d)) = parse_schema(Path::new("t.yaml"), yaml) else {
        panic!("refused")
    };
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].line, Some(6));
    assert_eq!(d[0].message, "groups.g.parts 为空：至少需要一个组成部分");
}
