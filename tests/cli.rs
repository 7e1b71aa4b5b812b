//! The command line: outputs, determinism, bad input.

mod common;

use common::*;

#[test]
fn same_input_gives_identical_bytes() {
    let a = render_seed();
    let b = render_seed();
    for f in ["qingnianlu-2019.docx", "qingnianlu-2019.pdf"] {
        let x = std::fs::read(a.path().join(f)).unwrap();
        let y = std::fs::read(b.path().join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
}

#[test]
fn renders_only_the_formats_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--format",
        "pdf",
    ]);
    assert!(out.status.success());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["qingnianlu-2019.pdf"]);
}

#[test]
fn bad_data_is_reported_in_chinese_with_line_unit_and_field_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read_to_string(seed()).unwrap();
    // 安定社区: gender 4 + 4 = 8 → make it 4 + 5 = 9 while staff total stays 8; and a typo.
    let bad = data
        .replace(
            "gender: { male: 4, female: 4 }",
            "gender: { male: 4, female: 5 }",
        )
        .replace("    caseload: 300", "    caseload: 300\n    casload: 1");
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, &bad).unwrap();
    let out_dir = dir.path().join("out");
    let out = diaoyan(&[
        "render",
        path.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = bad.lines().position(|l| l.contains("female: 5")).unwrap() + 1;
    let prefix = format!("bad.yaml:{line}:");
    assert!(
        err.lines().any(|l| l.contains(&prefix)
            && l.ends_with(": 安定社区：性别合计 9 人，与工作人员总数 8 人不一致")),
        "{err}"
    );
    assert!(
        err.contains("未知字段 casload，是否应为 caseload？"),
        "{err}"
    );
    assert!(!out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none());
}

#[test]
fn syntax_errors_and_encodings_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.yaml");
    std::fs::write(&p, "template: community-survey\nunits: [\n").unwrap();
    let out = diaoyan(&["render", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YAML 格式错误"));

    let g = dir.path().join("gbk.yaml");
    // "社区" in GBK.
    std::fs::write(&g, b"name: \xc9\xe7\xc7\xf8\n").unwrap();
    let out = diaoyan(&["render", g.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));
}
