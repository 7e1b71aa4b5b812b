//! The PDF without external tools: font roles and characters no font has. The checks
//! that need poppler or qpdf are in `tests/tools/pdf.rs`.

mod common;

use common::*;

#[test]
fn installed_fonts_take_precedence_per_role() {
    let out = diaoyan(&[
        "fonts",
        "--font-dir",
        "tests/fixtures/fonts",
        "--no-system-fonts",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("楷体\tTestKai-Regular\ttests/fixtures/fonts/TestKai.ttf"),
        "{text}"
    );
    assert!(text.contains("黑体\tNotoSansSC-Regular\t内置"), "{text}");
    // The PDF uses it for level-2 headings, with the bundled 楷体 filling in the characters
    // the installed font lacks.
    let dir = tempfile::tempdir().unwrap();
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--format",
        "pdf",
        "--font-dir",
        "tests/fixtures/fonts",
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn characters_no_font_has_are_reported_not_dropped_silently() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read_to_string(seed()).unwrap();
    // 𠀀 (U+20000, CJK Extension B) is in no bundled font.
    let p = dir.path().join("rare.yaml");
    std::fs::write(&p, data.replace("name: 安定社区", "name: 安定𠀀社区")).unwrap();
    let out = diaoyan(&[
        "render",
        p.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("警告：字符“𠀀”（U+20000）没有可用的字体"),
        "{err}"
    );
    assert!(err.contains("安定𠀀社区"), "the warning shows where: {err}");
    // Once, however often it occurs.
    assert_eq!(err.matches("U+20000").count(), 1, "{err}");
}
