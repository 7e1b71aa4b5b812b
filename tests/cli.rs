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

#[test]
fn docx_opens_in_libreoffice() {
    if !have("soffice") {
        return;
    }
    let dir = render_seed();
    let out = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path().join("lo"))
        .arg(dir.path().join("qingnianlu-2019.docx"))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.path().join("lo/qingnianlu-2019.pdf");
    let len = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(len > 10_000, "LibreOffice produced {len} bytes");
}

/// The ECMA-376 validator from `shared/tools/ooxml` must report 0 problems.
#[test]
fn docx_is_schema_valid() {
    let validator = root().join("../shared/tools/ooxml/validate-docx");
    if !validator.exists() {
        assert!(
            std::env::var_os("DIAOYAN_REQUIRE_TOOLS").is_none(),
            "validate-docx not found at {}",
            validator.display()
        );
        eprintln!("skipping: {} not found", validator.display());
        return;
    }
    // A Python that has lxml: the one on PATH, else Debian's (python3-lxml).
    let python = ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        std::process::Command::new(py)
            .args(["-c", "import lxml"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    let Some(python) = python else {
        assert!(
            std::env::var_os("DIAOYAN_REQUIRE_TOOLS").is_none(),
            "no python3 with lxml"
        );
        eprintln!("skipping: no python3 with lxml");
        return;
    };
    let dir = render_seed();
    let out = std::process::Command::new(python)
        .arg(&validator)
        .arg(dir.path().join("qingnianlu-2019.docx"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(report.lines().last(), Some("0 problems"), "{report}");
    assert!(out.status.success());
}
