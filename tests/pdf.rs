//! The PDF without external tools: font roles. Characters no font has are in
//! `tests/glyphs.rs`; the checks that need poppler or qpdf in `tests/tools/`.

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
    // The fallbacks: the rest of Noto CJK, then the other fonts of --font-dir.
    assert!(
        text.contains(
            "后备\tNotoSerifSC-Regular-Fallback\t内置\n后备\tNotoSansSC-Regular-Fallback\t内置\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("后备\tDiaoyanTestGlyphs\ttests/fixtures/fonts/DiaoyanTestGlyphs.ttf"),
        "{text}"
    );
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
