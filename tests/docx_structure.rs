//! Issue 16, "DOCX structure": the styles part has one default Normal (and the default
//! character, table and numbering styles Word writes), and runs of Chinese text holding
//! punctuation of ambiguous East Asian width carry `w:rFonts w:hint="eastAsia"`; lists
//! are Word numbering that starts where the Markdown list starts. Issue 16, DOCX page: the
//! GB/T 9704 page and its 22 × 28 grid, no automatic CJK–Latin space, §7.5 folios odd right
//! and even left, 黑体 table headers with right-aligned numbers, 楷体 emphasis.

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
    assert!(normal.contains(r#"w:line="579""#), "{normal}");
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

/// The element `<name …>` (its start tag up to `>`) at or after `from` in `xml`.
fn tag_at<'a>(xml: &'a str, from: usize, name: &str) -> Option<&'a str> {
    let i = from + xml[from..].find(&format!("<{name} "))?;
    Some(&xml[i..i + xml[i..].find('>')?])
}

/// The value of attribute `key` in the start tag `tag`.
fn attr<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let k = format!(" {key}=\"");
    let i = tag.find(&k)? + k.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// The `<w:style …>…</w:style>` element with id `id`.
fn style<'a>(styles: &'a str, id: &str) -> &'a str {
    let at = styles
        .find(&format!(r#"w:styleId="{id}""#))
        .unwrap_or_else(|| panic!("no style {id}"));
    let start = styles[..at].rfind("<w:style ").unwrap();
    &styles[start..at + styles[at..].find("</w:style>").unwrap()]
}

/// Every `<w:style …>…</w:style>` element.
fn all_styles(styles: &str) -> Vec<&str> {
    styles
        .match_indices("<w:style ")
        .map(|(i, _)| &styles[i..i + styles[i..].find("</w:style>").unwrap()])
        .collect()
}

/// GB/T 9704 §5.2: A4, margins 37/35/28/26 mm, 22 lines of 579 twips (⌊12,756 / 22⌋) on a
/// line grid, and 28 characters a line from the body's −0.25 pt character spacing
/// (28 × 15.75 pt ≤ 442.2 pt < 29 × 15.75 pt). Styles set off the grid (title, tables,
/// notes, folio, charts) reset the spacing; headings and quotes stay on it.
#[test]
fn the_page_is_gbt9704_22_lines_of_28_characters() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let doc = docx_part(&docx, "word/document.xml");
    let styles = docx_part(&docx, "word/styles.xml");
    let sect = doc.rfind("<w:sectPr>").expect("a section");
    let pg_sz = tag_at(&doc, sect, "w:pgSz").unwrap();
    assert_eq!(
        (attr(pg_sz, "w:w"), attr(pg_sz, "w:h")),
        (Some("11906"), Some("16838"))
    );
    let mar = tag_at(&doc, sect, "w:pgMar").unwrap();
    let twips = |k: &str| attr(mar, k).unwrap().parse::<i32>().unwrap();
    assert_eq!(
        [
            twips("w:top"),
            twips("w:bottom"),
            twips("w:left"),
            twips("w:right")
        ],
        [2098, 1984, 1588, 1474],
        "{mar}"
    );
    let width = 11906 - twips("w:left") - twips("w:right");
    let height = 16838 - twips("w:top") - twips("w:bottom");
    let grid = tag_at(&doc, sect, "w:docGrid").unwrap();
    assert_eq!(attr(grid, "w:type"), Some("lines"), "{grid}");
    assert_eq!(attr(grid, "w:linePitch"), Some("579"), "{grid}");
    assert!((22 * 579..22 * 580).contains(&height));
    let normal = style(&styles, "Normal");
    assert!(
        normal.contains(r#"<w:spacing w:line="579" w:lineRule="exact" />"#),
        "{normal}"
    );
    let rpr = &normal[normal.find("<w:rPr>").expect("Normal's rPr")..];
    let spacing = tag_at(rpr, 0, "w:spacing").expect("character spacing");
    let c: i32 = attr(spacing, "w:val").unwrap().parse().unwrap();
    assert_eq!(c, -5);
    assert!(rpr.contains(r#"<w:sz w:val="32" />"#), "{rpr}");
    assert!(28 * (320 + c) <= width && 29 * (320 + c) > width);
    for st in all_styles(&styles) {
        if st.contains(r#"<w:snapToGrid w:val="false" />"#) {
            assert!(st.contains(r#"<w:spacing w:val="0" />"#), "{st}");
        }
    }
    let caption = style(&styles, "Caption");
    assert!(caption.contains(r#"<w:spacing w:val="0" />"#), "{caption}");
    for id in ["Heading1", "Heading2", "Heading3", "Heading4", "Quote"] {
        let st = style(&styles, id);
        assert!(!st.contains("w:snapToGrid"), "{st}");
        assert!(!st.contains(r#"<w:spacing w:val="#), "{st}");
    }
}

/// The CJK–Latin spacing rule, one in both formats: no automatic space between Chinese and
/// Latin letters or digits (the PDF adds none), so Word's and WPS's ¼-em autospace is off
/// in the default paragraph properties and nothing turns it back on.
#[test]
fn no_automatic_space_between_chinese_and_latin() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let styles = docx_part(&docx, "word/styles.xml");
    let at = styles.find("<w:pPrDefault>").expect("pPrDefault");
    let defaults = &styles[at..at + styles[at..].find("</w:pPrDefault>").unwrap()];
    assert!(
        defaults.contains(r#"<w:autoSpaceDE w:val="0" /><w:autoSpaceDN w:val="0" />"#),
        "{defaults}"
    );
    let doc = docx_part(&docx, "word/document.xml");
    for xml in [&styles, &doc] {
        assert_eq!(
            xml.matches("<w:autoSpaceDE").count(),
            (xml == &styles) as usize
        );
        assert_eq!(
            xml.matches("<w:autoSpaceDN").count(),
            (xml == &styles) as usize
        );
    }
}

/// GB/T 9704 §7.5: "— N —" in 四号 宋体, odd pages right with one character (14 pt = 280
/// twips) to the right edge, even pages left with one character from the left edge
/// (`w:evenAndOddHeaders`); the footer's distance puts the folio's one-em line box's top
/// 7 mm (397 twips) under the text block: 1984 − 397 − 280 = 1307 twips.
#[test]
fn folios_are_odd_right_even_left_7mm_under_the_block() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let settings = docx_part(&docx, "word/settings.xml");
    assert!(settings.contains("<w:evenAndOddHeaders />"), "{settings}");
    let doc = docx_part(&docx, "word/document.xml");
    let rels = docx_part(&docx, "word/_rels/document.xml.rels");
    let sect = doc.rfind("<w:sectPr>").unwrap();
    let mar = tag_at(&doc, sect, "w:pgMar").unwrap();
    assert_eq!(attr(mar, "w:footer"), Some("1307"), "{mar}");
    let footer = |kind: &str| -> String {
        let r = doc[sect..]
            .match_indices("<w:footerReference ")
            .map(|(i, _)| tag_at(&doc, sect + i, "w:footerReference").unwrap())
            .find(|t| attr(t, "w:type") == Some(kind))
            .unwrap_or_else(|| panic!("no {kind} footer"));
        let id = attr(r, "r:id").unwrap();
        let rel = rels
            .match_indices("<Relationship ")
            .map(|(i, _)| tag_at(&rels, i, "Relationship").unwrap())
            .find(|t| attr(t, "Id") == Some(id))
            .unwrap();
        docx_part(&docx, &format!("word/{}", attr(rel, "Target").unwrap()))
    };
    for (kind, jc, ind) in [
        ("default", "right", r#"<w:ind w:left="0" w:right="280" />"#),
        ("even", "left", r#"<w:ind w:left="280" w:right="0" />"#),
    ] {
        let f = footer(kind);
        assert!(f.contains(r#"<w:pStyle w:val="Footer" />"#), "{f}");
        assert!(
            f.contains(&format!(r#"<w:jc w:val="{jc}" />"#)),
            "{kind}: {f}"
        );
        assert!(f.contains(ind), "{kind}: {f}");
        assert!(f.contains("<w:instrText> PAGE </w:instrText>"), "{f}");
        assert!(f.contains(">— </w:t>") && f.contains("> —</w:t>"), "{f}");
    }
    let styles = docx_part(&docx, "word/styles.xml");
    let st = style(&styles, "Footer");
    assert!(
        st.contains(r#"<w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:cs="宋体" w:eastAsia="宋体" />"#),
        "{st}"
    );
    assert!(st.contains(r#"<w:sz w:val="28" />"#), "{st}");
    assert!(st.contains(r#"w:line="280" w:lineRule="exact""#), "{st}");
}

/// Table header cells are 黑体 (the TableHeading style), not bold 仿宋, as the PDF sets
/// them; every cell keeps the Document's alignment, so numbers are right-aligned.
#[test]
fn table_headers_are_heiti_and_numbers_right_aligned() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let doc = docx_part(&docx, "word/document.xml");
    let styles = docx_part(&docx, "word/styles.xml");
    let heading = style(&styles, "TableHeading");
    assert!(heading.contains(r#"w:eastAsia="黑体""#), "{heading}");
    assert!(heading.contains(r#"<w:basedOn w:val="TableText" />"#));
    assert!(!heading.contains("<w:b />"), "{heading}");
    let (mut heads, mut numbers) = (0, 0);
    for (i, _) in doc.match_indices("<w:tr>") {
        let row = &doc[i..i + doc[i..].find("</w:tr>").unwrap()];
        let is_head = row.contains("<w:tblHeader />");
        for (j, _) in row.match_indices("<w:p ") {
            let p = &row[j..j + row[j..].find("</w:p>").unwrap()];
            let text: String = p
                .split("<w:t xml:space=\"preserve\">")
                .skip(1)
                .map(|t| &t[..t.find("</w:t>").unwrap()])
                .collect();
            if is_head {
                heads += 1;
                assert!(p.contains(r#"<w:pStyle w:val="TableHeading" />"#), "{p}");
                assert!(!p.contains("<w:b />"), "bold header: {p}");
            }
            let numeric = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_digit() || ".,%-".contains(c))
                && text.chars().any(|c| c.is_ascii_digit());
            if numeric && !is_head {
                numbers += 1;
                assert!(p.contains(r#"<w:jc w:val="right" />"#), "{text}: {p}");
            }
        }
    }
    assert!(
        heads >= 20 && numbers >= 100,
        "{heads} headers, {numbers} numbers"
    );
}

/// `*强调*` is 楷体 in the DOCX as in the PDF (one Chinese treatment, no italic);
/// `**粗体**` stays `w:b` (Word synthesises bold for 仿宋 and 楷体).
#[test]
fn emphasis_is_kaiti_and_bold_is_bold() {
    let dir = tempfile::tempdir().unwrap();
    let docx = render_with_report_md(dir.path(), "本段有*着重文字*和**加粗文字**。\n\n")
        .with_extension("docx");
    let doc = docx_part(&docx, "word/document.xml");
    let run_of = |text: &str| -> &str {
        runs(&doc)
            .into_iter()
            .find(|r| r.contains(&format!(">{text}</w:t>")))
            .unwrap_or_else(|| panic!("no run {text}"))
    };
    let em = run_of("着重文字");
    assert!(
        em.contains(r#"<w:rFonts w:eastAsia="楷体_GB2312" />"#),
        "{em}"
    );
    assert!(!em.contains("<w:i />") && !em.contains("<w:b />"), "{em}");
    let strong = run_of("加粗文字");
    assert!(strong.contains("<w:b />"), "{strong}");
    assert!(!strong.contains("w:rFonts"), "{strong}");
}
