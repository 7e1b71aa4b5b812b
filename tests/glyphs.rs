//! Issue 14, "characters no bundled font has" and the PDF side of default-ignorable
//! characters, through the binary: what `render` and `check` decide. (What the PDF holds is
//! checked with poppler in `tests/tools/glyphs.rs`.)

mod common;

use common::*;
use diaoyan::render::pdf::{uncovered, FontSet, Role};

/// The seed with `from` replaced by `to` (the first occurrence), written to `dir`.
fn seed_with(dir: &std::path::Path, name: &str, from: &str, to: &str) -> std::path::PathBuf {
    let data = std::fs::read_to_string(seed()).unwrap();
    assert!(data.contains(from), "the seed has no {from}");
    let p = dir.join(name);
    std::fs::write(&p, data.replacen(from, to, 1)).unwrap();
    p
}

fn render(data: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "render",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-system-fonts",
    ];
    args.extend_from_slice(extra);
    diaoyan(&args)
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn written(dir: &std::path::Path) -> bool {
    dir.is_dir() && std::fs::read_dir(dir).unwrap().next().is_some()
}

#[test]
fn every_ideograph_noto_cjk_has_is_covered_and_only_the_rest_is_uncovered() {
    let fonts = FontSet::bundled();
    // The examples: 𠮷 (Ext B), 䶮 (Ext A) and 鿏 (U+9FCF, beyond GBK) are in Noto
    // CJK, so in the fallback; 𡉃 (U+21243) and 𠀀 (U+20000) are in no Noto CJK font.
    assert_eq!(
        uncovered(fonts, "𠮷祥喆堃社区䶮鿏𡉃𠀀\u{30000}"),
        ['𡉃', '𠀀', '\u{30000}']
    );
    // Ext A–I samples Noto CJK has, compatibility ideographs, radicals, strokes.
    for c in [
        '\u{3400}',
        '\u{4DB5}',
        '\u{2000B}',
        '\u{2A7DD}',
        '\u{2B746}',
        '\u{2B8B8}',
        '\u{2D544}',
        '\u{30729}',
        '\u{F900}',
        '\u{2F804}',
        '\u{2E80}',
        '\u{2F00}',
        '\u{31C0}',
        '\u{9FEB}',
    ] {
        assert!(fonts.covers(c), "{c} U+{:04X}", c as u32);
    }
    // Each role finds the fallback: a rare ideograph is never dropped from a heading.
    for role in [Role::Body, Role::Hei, Role::Kai, Role::Title, Role::Note] {
        let (font, _) = fonts.resolve(role, '𠮷').expect("𠮷 is drawn");
        assert_eq!(fonts.files[font].name, "NotoSerifSC-Regular-Fallback");
        // The 64 ideographs only Noto Sans CJK has.
        let (font, _) = fonts.resolve(role, '\u{20024}').expect("U+20024 is drawn");
        assert_eq!(fonts.files[font].name, "NotoSansSC-Regular-Fallback");
    }
    // Whitespace, control and default-ignorable characters need no glyph.
    assert!(uncovered(fonts, " \t\n\u{AD}\u{200B}\u{FEFF}\u{FE0F}\u{202E}\u{2066}").is_empty());
}

#[test]
fn default_ignorable_characters_are_never_drawn_nor_measured() {
    let fonts = FontSet::bundled();
    for c in [
        '\u{AD}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{2060}',
        '\u{FEFF}',
        '\u{FE0F}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{E0001}',
    ] {
        assert!(diaoyan::render::pdf::is_ignorable(c), "U+{:04X}", c as u32);
        // The bundled serif has a hyphen-like glyph for U+00AD: it must not be used.
        assert_eq!(fonts.resolve(Role::Body, c), None, "U+{:04X}", c as u32);
        assert_eq!(fonts.font_for(Role::Body, c), None, "U+{:04X}", c as u32);
        assert_eq!(
            fonts.advance(Role::Body, c, 16.0),
            0.0,
            "U+{:04X}",
            c as u32
        );
    }
    // A character no font has is one placeholder box wide, set in the box's font.
    let (bx, g) = fonts.placeholder().expect("□");
    let em = fonts.files[bx].advance(g) * 16.0;
    assert!(em > 15.0, "{em}");
    assert_eq!(fonts.advance(Role::Body, '\u{30000}', 16.0), em);
    assert_eq!(fonts.font_for(Role::Hei, '\u{30000}'), Some(bx));
}

#[test]
fn characters_no_font_has_are_reported_not_dropped_silently() {
    let dir = tempfile::tempdir().unwrap();
    // U+30000 (CJK Extension G) is in no bundled font; in a finding it is a warning.
    let p = seed_with(
        dir.path(),
        "rare.yaml",
        "但随着大量政府职能下移",
        "但随着大量政府职能\u{30000}下移",
    );
    let out = render(&p, &dir.path().join("out"), &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("警告：字符“\u{30000}”（U+30000）没有可用的字体，以方框“□”代替显示"),
        "{err}"
    );
    assert!(
        err.contains("政府职能\u{30000}下移"),
        "the warning shows where: {err}"
    );
    assert!(err.contains("--font-dir"), "{err}");
    // Once, however often it occurs.
    assert_eq!(err.matches("U+30000").count(), 1, "{err}");
    let c = diaoyan(&["check", p.to_str().unwrap()]);
    assert!(c.status.success(), "check agrees: {}", stderr(&c));
}

#[test]
fn rare_ideographs_noto_has_raise_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = seed_with(
        dir.path(),
        "rare.yaml",
        "name: 安定社区",
        "name: 𠮷祥喆堃社区",
    );
    let out = render(&p, &dir.path().join("out"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("警告"), "{}", stderr(&out));
}

#[test]
fn ignorable_characters_raise_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = seed_with(
        dir.path(),
        "ignorable.yaml",
        "但随着大量政府职能下移",
        "但随着\u{AD}大量\u{200B}政府\u{200C}职\u{200D}能\u{2060}下\u{FEFF}移\u{FE0F}\u{202A}\u{202E}\u{2066}",
    );
    let out = render(&p, &dir.path().join("out"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("警告"), "{}", stderr(&out));
}

#[test]
fn an_uncovered_character_in_a_name_title_or_heading_is_refused_unless_allowed() {
    let cases = [
        // (what, from, to, line, column)
        ("name", "name: 安定社区", "name: 安定\u{30000}社区", 136, 13),
        // Written as a YAML escape: the position of the value.
        (
            "escaped",
            "name: 安定社区",
            "name: \"安定\\U00030000社区\"",
            136,
            11,
        ),
        (
            "title",
            "title: 强化基层保障",
            "title: 强化\u{30000}基层保障",
            6,
            12,
        ),
        // The organisation is the 落款's 署名.
        (
            "organisation",
            "organisation: 青年路街道办事处",
            "organisation: 青年路\u{30000}街道办事处",
            10,
            20,
        ),
        // A finding's title is a level-2 heading.
        (
            "heading",
            "title: 行政事务挤占自治空间",
            "title: 行政\u{30000}事务挤占自治空间",
            167,
            14,
        ),
    ];
    for (what, from, to, line, col) in cases {
        let dir = tempfile::tempdir().unwrap();
        let p = seed_with(dir.path(), &format!("{what}.yaml"), from, to);
        let out_dir = dir.path().join("out");
        let out = render(&p, &out_dir, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(!written(&out_dir), "{what}: something was written");
        assert!(
            err.contains(&format!("{what}.yaml:{line}:{col}: ")),
            "{what}: where: {err}"
        );
        assert!(err.contains("“\u{30000}”（U+30000）"), "{what}: {err}");
        assert!(err.contains("--font-dir"), "{what}: {err}");
        assert!(err.contains("--allow-missing-glyphs"), "{what}: {err}");
        // `check` gives the same verdict and the same message.
        let c = diaoyan(&["check", p.to_str().unwrap()]);
        assert_eq!(c.status.code(), Some(2), "{what}: check passed");
        assert!(
            stderr(&c).contains(&format!("{what}.yaml:{line}:{col}: ")),
            "{what}: {}",
            stderr(&c)
        );
        // Allowed: rendered, with the box and a warning.
        let out = render(&p, &out_dir, &["--allow-missing-glyphs"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains("警告：字符“\u{30000}”"), "{what}");
        assert!(written(&out_dir));
        let c = diaoyan(&["check", p.to_str().unwrap(), "--allow-missing-glyphs"]);
        assert!(c.status.success(), "{what}: {}", stderr(&c));
        // DOCX alone needs no PDF font.
        let docx_dir = dir.path().join("docx");
        let out = render(&p, &docx_dir, &["--format", "docx"]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
    }
}

#[test]
fn batch_fails_the_report_with_an_uncovered_name_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    seed_with(
        &input,
        "rare.yaml",
        "name: 安定社区",
        "name: 安定\u{30000}社区",
    );
    let out_dir = dir.path().join("out");
    let args = |extra: &'static [&'static str]| {
        let mut a = vec![
            "batch".to_string(),
            input.to_str().unwrap().to_string(),
            "-o".into(),
            out_dir.to_str().unwrap().to_string(),
            "--no-system-fonts".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        diaoyan(&a)
    };
    let out = run(args(&[]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("U+30000"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!written(&out_dir));
    let out = run(args(&["--allow-missing-glyphs"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(written(&out_dir));
}

#[test]
fn font_dir_supplies_the_characters_no_bundled_font_has() {
    let fonts_dir = root().join("tests/fixtures/fonts");
    // ♔ (U+2654) is in no bundled font; the fixture (a DejaVu subset) has it.
    assert_eq!(uncovered(FontSet::bundled(), "安定♔社区"), ['♔']);
    let set = FontSet::discover(std::slice::from_ref(&fonts_dir), false);
    assert!(uncovered(&set, "安定♔社区").is_empty());
    let (f, _) = set.resolve(Role::Hei, '♔').expect("drawn");
    assert!(set.files[f].origin.ends_with("DiaoyanTestGlyphs.ttf"));
    // The bundled fonts still come first for what they have.
    let (f, _) = set.resolve(Role::Body, '安').expect("drawn");
    assert_eq!(set.files[f].origin, "内置");

    let dir = tempfile::tempdir().unwrap();
    let p = seed_with(
        dir.path(),
        "chess.yaml",
        "name: 安定社区",
        "name: 安定♔社区",
    );
    let out_dir = dir.path().join("out");
    let out = render(&p, &out_dir, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let fd = fonts_dir.to_str().unwrap();
    let out = render(&p, &out_dir, &["--font-dir", fd]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("警告"), "{}", stderr(&out));
    let c = diaoyan(&["check", p.to_str().unwrap(), "--font-dir", fd]);
    assert!(c.status.success(), "{}", stderr(&c));
}
