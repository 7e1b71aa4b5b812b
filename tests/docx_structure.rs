//! Issue 16, "DOCX structure": the styles part has one default Normal (and the default
//! character, table and numbering styles Word writes), and runs of Chinese text holding
//! punctuation of ambiguous East Asian width carry `w:rFonts w:hint="eastAsia"`; lists
//! are Word numbering that starts where the Markdown list starts.

mod common;

use common::*;

/// The `w:style` start tags of a styles part.
fn style_tags(styles: &str) -> Vec<&str> {
    styles
        .match_indices("<w:style ")
        .map(|(i, _)| {
            let end = styles[i..].find('>').expect("tag ends");
            &styles[i..i + end]
        })
        .collect()
}

/// The runs (`<w:r>…</w:r>`) of a part, outermost only.
fn runs(xml: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = xml[from..].find("<w:r>") {
        let start = from + i;
        let end = start + xml[start..].find("</w:r>").expect("run ends") + "</w:r>".len();
        out.push(&xml[start..end]);
        from = end;
    }
    out
}

#[test]
fn one_default_style_of_each_type() {
    let dir = render_seed();
    let styles = docx_part(&dir.path().join("qingnianlu-2019.docx"), "word/styles.xml");
    let tags = style_tags(&styles);
    let normals: Vec<_> = tags
        .iter()
        .filter(|t| t.contains(r#"w:styleId="Normal""#))
        .collect();
    assert_eq!(normals.len(), 1, "{normals:?}");
    assert!(
        normals[0].contains(r#"w:default="1""#),
        "Normal is not the default: {}",
        normals[0]
    );
    // The one Normal is ours: the body's exact 28.9 pt pitch and 2-character indent.
    let at = styles.find(r#"w:styleId="Normal""#).unwrap();
    let normal = &styles[at..at + styles[at..].find("</w:style>").unwrap()];
    assert!(normal.contains(r#"w:line="578""#), "{normal}");
    assert!(normal.contains(r#"w:firstLineChars="200""#), "{normal}");
    for (kind, id) in [
        ("paragraph", "Normal"),
        ("character", "DefaultParagraphFont"),
        ("table", "TableNormal"),
        ("numbering", "NoList"),
    ] {
        let defaults: Vec<_> = tags
            .iter()
            .filter(|t| {
                t.contains(&format!(r#"w:type="{kind}""#)) && t.contains(r#"w:default="1""#)
            })
            .collect();
        assert_eq!(defaults.len(), 1, "{kind}: {defaults:?}");
        assert!(
            defaults[0].contains(&format!(r#"w:styleId="{id}""#)),
            "{kind}"
        );
    }
    // Style ids are unique.
    let mut ids: Vec<_> = tags
        .iter()
        .map(|t| {
            t.split("w:styleId=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        })
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a style id is defined twice");
}

#[test]
fn body_paragraphs_are_normal_by_default() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let doc = docx_part(&docx, "word/document.xml");
    // A body paragraph names no style: the default (Normal) applies.
    let p = doc
        .find("按照市政府关于社区专职工作人员")
        .expect("a body paragraph");
    let start = doc[..p]
        .rfind("<w:p ")
        .or_else(|| doc[..p].rfind("<w:p>"))
        .unwrap();
    assert!(!doc[start..p].contains("w:pStyle"), "{}", &doc[start..p]);
}

#[test]
fn ambiguous_width_punctuation_in_chinese_text_is_east_asian() {
    let dir = tempfile::tempdir().unwrap();
    // The seed's text has “ ” and — ; add ‘ ’ … · and a Latin-only paragraph.
    let docx = render_seed_edited(
        dir.path(),
        &[(
            "closing: |\n  社区是",
            "closing: |\n  甲‘乙’丙……丁·戊。\n\n  Just “Latin” text — here…\n\n  社区是",
        )],
        &[],
    );
    let doc = docx_part(&docx.with_extension("docx"), "word/document.xml");
    let marks = ['“', '”', '‘', '’', '—', '…', '·'];
    let mut hinted = 0;
    for r in runs(&doc) {
        let text: String = r.split("<w:t").skip(1).collect();
        let chinese = text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
        if !text.chars().any(|c| marks.contains(&c)) {
            assert!(!r.contains("w:hint"), "no mark, yet hinted: {r}");
            continue;
        }
        if chinese {
            assert!(r.contains(r#"<w:rFonts w:hint="eastAsia" />"#), "{r}");
            hinted += 1;
        }
        if text.contains("Just “Latin”") {
            assert!(!r.contains("w:hint"), "Latin text is hinted: {r}");
        }
    }
    assert!(hinted >= 5, "{hinted} hinted runs");
    for m in ['‘', '’', '…', '·'] {
        assert!(
            runs(&doc)
                .iter()
                .any(|r| r.contains(m) && r.contains(r#"w:hint="eastAsia""#)),
            "{m} not hinted"
        );
    }
}

#[test]
fn lists_are_word_numbering_from_their_start() {
    let dir = tempfile::tempdir().unwrap();
    let docx = render_with_lists(dir.path()).with_extension("docx");
    let numbering = docx_part(&docx, "word/numbering.xml");
    let doc = docx_part(&docx, "word/document.xml");
    // The paragraph holding `text`, and the numId it is numbered with.
    let num_of = |text: &str| -> Option<String> {
        let at = doc.find(text).unwrap_or_else(|| panic!("no {text}"));
        let p = doc[..at].rfind("<w:p ").unwrap();
        let para = &doc[p..at];
        let i = para.find("<w:numId w:val=\"")? + "<w:numId w:val=\"".len();
        Some(para[i..i + para[i..].find('"').unwrap()].to_string())
    };
    // The instance `id`: its abstract numbering's format and its start override.
    let instance = |id: &str| -> (String, String) {
        let at = numbering
            .find(&format!("<w:num w:numId=\"{id}\">"))
            .unwrap_or_else(|| panic!("no w:num {id}"));
        let num = &numbering[at..at + numbering[at..].find("</w:num>").unwrap()];
        let field = |s: &str, key: &str| {
            let i = s.find(key).unwrap_or_else(|| panic!("{key} in {s}")) + key.len();
            s[i..i + s[i..].find('"').unwrap()].to_string()
        };
        let abs = field(num, "<w:abstractNumId w:val=\"");
        let start = field(num, "<w:startOverride w:val=\"");
        let a = numbering
            .find(&format!("<w:abstractNum w:abstractNumId=\"{abs}\">"))
            .unwrap();
        let fmt = field(&numbering[a..], "<w:numFmt w:val=\"");
        (fmt, start)
    };
    let five = num_of("第五项").expect("第五项 is numbered");
    assert_eq!(num_of("第六项").as_deref(), Some(five.as_str()));
    assert_eq!(instance(&five), ("decimal".to_string(), "5".to_string()));
    let bullets = num_of("要点一").expect("要点一 is numbered");
    assert_eq!(instance(&bullets).0, "bullet");
    let one = num_of("第一项").expect("第一项 is numbered");
    assert_ne!(one, five, "a new list is a new numbering instance");
    assert_eq!(instance(&one), ("decimal".to_string(), "1".to_string()));
    // No marker is typed as text.
    for typed in [">5. ", ">6. ", ">1. 第一项", ">• "] {
        assert!(!doc.contains(typed), "typed marker {typed}");
    }
    // Item 4 starts with a nested list: an empty paragraph of list 3's instance carries
    // its number, so the numbers do not skip.
    let three = num_of("第三项").expect("第三项 is numbered");
    let nested = doc.find("嵌套要点").unwrap();
    let before = &doc[doc.find("第三项").unwrap()..nested];
    assert!(
        before.contains(&format!("<w:numId w:val=\"{three}\" />")),
        "item 4 has no numbered paragraph: {before}"
    );
    // 1.–4. are one (loose) list.
    assert_eq!(three, one);
}
