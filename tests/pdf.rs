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
