//! The `gbt9704` preset as real Word styles, the native heading numbering, and the font
//! table with fallbacks.

use super::normalize::{parse, Child, Node};
use docx_rs::{
    AbstractNumbering, AlignmentType, IndentLevel, Level, LevelJc, LevelSuffixType, LevelText,
    LineSpacing, LineSpacingType, NumberFormat, Numbering, NumberingId, RunFonts,
    SpecialIndentType, Start, Style, StyleType,
};

/// East-Asian fonts per role, as Chinese offices have them installed.
pub const FANGSONG: &str = "仿宋_GB2312";
/// 黑体: headings of level 1, captions, table heads.
pub const HEITI: &str = "黑体";
/// 楷体: headings of level 2, quotations.
pub const KAITI: &str = "楷体_GB2312";
/// 方正小标宋: the report title.
pub const TITLE: &str = "方正小标宋简体";
/// 宋体: the folio (page number).
pub const SONGTI: &str = "宋体";
/// Latin letters and digits in every role.
pub const LATIN: &str = "Times New Roman";

/// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt, 小五 9 pt.
pub const TITLE_SIZE: usize = 44;
/// Body text: 三号 16 pt.
pub const BODY: usize = 32;
/// Captions: 四号 14 pt.
pub const CAPTION_SIZE: usize = 28;
/// The folio: 四号 14 pt.
pub const FOOTER_SIZE: usize = 28;
/// Table text: 小四 12 pt.
pub const TABLE_SIZE: usize = 24;
/// Footnotes: 小四 12 pt.
pub const NOTE_SIZE: usize = 24;
/// Fixed line pitch for 22 lines on the 225 mm text block (see [`super::page::LINE_PITCH`]).
pub const LINE_PITCH: i32 = super::page::LINE_PITCH;
/// Two characters of 三号 type: the first-line indent.
pub const INDENT: i32 = 640;

/// The numbering the heading styles use (docx-rs always writes its own preset as 1).
pub const HEADING_NUM: usize = 2;

/// The default character, table and numbering styles, as Word writes them in a new
/// document (keyed by `w:type`); the default paragraph style is our Normal.
pub const DEFAULT_STYLES: [(&str, &str); 3] = [
    (
        "character",
        r#"<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font" /><w:uiPriority w:val="1" /><w:semiHidden /><w:unhideWhenUsed /></w:style>"#,
    ),
    (
        "table",
        r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table" /><w:uiPriority w:val="99" /><w:semiHidden /><w:unhideWhenUsed /><w:tblPr><w:tblInd w:w="0" w:type="dxa" /><w:tblCellMar><w:top w:w="0" w:type="dxa" /><w:left w:w="108" w:type="dxa" /><w:bottom w:w="0" w:type="dxa" /><w:right w:w="108" w:type="dxa" /></w:tblCellMar></w:tblPr></w:style>"#,
    ),
    (
        "numbering",
        r#"<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List" /><w:uiPriority w:val="99" /><w:semiHidden /><w:unhideWhenUsed /></w:style>"#,
    ),
];

/// Punctuation and symbols shared between Latin and Chinese text: characters of East Asian
/// Width "A" (ambiguous) in Unicode's EastAsianWidth.txt (UAX #11) that GB 2312 row 1–2
/// (its symbols) also holds, so they occur in Chinese text. In a Chinese paragraph a run
/// holding one gets `w:rFonts w:hint="eastAsia"` (see the DOCX normalisation pass), so Word
/// draws them full-width in the East-Asian font.
pub const EAST_ASIAN_AMBIGUOUS: &[char] = &[
    '\u{00A7}', // § section sign
    '\u{00A8}', // ¨ diaeresis
    '\u{00B0}', // ° degree sign
    '\u{00B1}', // ± plus-minus
    '\u{00B7}', // · middle dot (间隔号)
    '\u{00D7}', // × multiplication sign
    '\u{00F7}', // ÷ division sign
    '\u{2014}', // — em dash (破折号 ——)
    '\u{2015}', // ― horizontal bar
    '\u{2016}', // ‖ double vertical line
    '\u{2018}', // ‘ left single quotation mark
    '\u{2019}', // ’ right single quotation mark
    '\u{201C}', // “ left double quotation mark
    '\u{201D}', // ” right double quotation mark
    '\u{2026}', // … horizontal ellipsis (省略号 ……)
    '\u{2030}', // ‰ per mille
    '\u{2032}', // ′ prime
    '\u{2033}', // ″ double prime
    '\u{203B}', // ※ reference mark
    '\u{2103}', // ℃ degree Celsius
    '\u{2116}', // № numero sign
    '\u{2190}', // ← arrows
    '\u{2191}', // ↑
    '\u{2192}', // →
    '\u{2193}', // ↓
    '\u{2236}', // ∶ ratio
    '\u{2248}', // ≈ almost equal
    '\u{2260}', // ≠ not equal
    '\u{2264}', // ≤ less-than or equal
    '\u{2265}', // ≥ greater-than or equal
    '\u{2460}', // ① … ⑩ circled numbers (U+2460–U+2469, GB 2312 row 2)
    '\u{2461}', '\u{2462}', '\u{2463}', '\u{2464}', '\u{2465}', '\u{2466}', '\u{2467}', '\u{2468}',
    '\u{2469}', '\u{25A0}', // ■ black square
    '\u{25A1}', // □ white square
    '\u{25B2}', // ▲ black up-pointing triangle
    '\u{25B3}', // △ white up-pointing triangle
    '\u{25C6}', // ◆ black diamond
    '\u{25C7}', // ◇ white diamond
    '\u{25CB}', // ○ white circle
    '\u{25CE}', // ◎ bullseye
    '\u{25CF}', // ● black circle
    '\u{2605}', // ★ black star
    '\u{2606}', // ☆ white star
];

/// The run fonts of `*强调*` (an emphasis run): 楷体 for Chinese text, the one Chinese
/// treatment of emphasis in both formats (no italic: Chinese type has none).
pub fn emphasis_fonts() -> RunFonts {
    RunFonts::new().east_asia(KAITI)
}

/// The default paragraph properties (`w:pPrDefault`), written by the normalisation pass:
/// no automatic space between CJK and Latin letters (`w:autoSpaceDE`) or digits
/// (`w:autoSpaceDN`). The rule, in both formats: text is set exactly as written — the PDF
/// adds no space at CJK–Latin boundaries, and Word's and WPS's default ¼-em autospace is
/// off, so `第4次` prints the same in either file.
pub const PPR_DEFAULTS: &str = r#"<w:autoSpaceDE w:val="0" /><w:autoSpaceDN w:val="0" />"#;

/// Run fonts with `east_asia` for Chinese text and [`LATIN`] for the rest.
pub fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN)
        .hi_ansi(LATIN)
        .cs(LATIN)
}

/// The body's exact line spacing: the grid's [`LINE_PITCH`].
pub fn exact() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE_PITCH)
}

/// Exact line spacing of `pt` points, in twips, with no space before or after.
pub fn twips_exact(pt: f32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line((pt * 20.0).round() as i32)
        .before(0)
        .after(0)
}

/// Single (automatic) line spacing.
pub fn single() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Auto)
        .line(240)
        .before(0)
        .after(0)
}

fn paragraph(id: &str, name: &str) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .q_format(true)
}

/// Every style the document uses, starting with Normal (the body text).
pub fn styles() -> Vec<Style> {
    let body = paragraph("Normal", "Normal")
        .fonts(fonts(FANGSONG))
        .size(BODY)
        .align(AlignmentType::Both)
        .line_spacing(exact())
        .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
        .first_line_chars(200);
    // 28 characters a line (see [`super::page::CHAR_SPACING`]); styles off the body's grid
    // reset it (below).
    let mut body = body;
    body.run_property = body.run_property.spacing(super::page::CHAR_SPACING);
    let mut out = vec![
        body,
        paragraph("Title", "Title")
            .based_on("Normal")
            .next("Subtitle")
            .fonts(fonts(TITLE))
            .size(TITLE_SIZE)
            .align(AlignmentType::Center)
            .line_spacing(single())
            .snap_to_grid(false)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
        paragraph("Subtitle", "Subtitle")
            .based_on("Normal")
            .next("Normal")
            .fonts(fonts(KAITI))
            .align(AlignmentType::Center)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
    ];
    for level in 1..=4usize {
        let font = match level {
            1 => HEITI,
            2 => KAITI,
            _ => FANGSONG,
        };
        let mut st = paragraph(&format!("Heading{level}"), &format!("heading {level}"))
            .based_on("Normal")
            .next("Normal")
            .fonts(fonts(font))
            .align(AlignmentType::Left)
            .outline_lvl(level - 1);
        if level == 3 {
            st = st.bold();
        }
        st.paragraph_property = st
            .paragraph_property
            .keep_next(true)
            .numbering(NumberingId::new(HEADING_NUM), IndentLevel::new(level - 1));
        out.push(st);
    }
    let mut caption = paragraph("Caption", "caption")
        .based_on("Normal")
        .next("Normal")
        .fonts(fonts(HEITI))
        .size(CAPTION_SIZE)
        .align(AlignmentType::Center)
        .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None);
    // 四号 and centred: on the line grid, but not spaced for 28 三号 characters.
    caption.run_property = caption.run_property.spacing(0);
    out.push(caption);
    out.push(
        paragraph("Figure", "图")
            .based_on("Normal")
            .next("Caption")
            .align(AlignmentType::Center)
            .line_spacing(single())
            .snap_to_grid(false)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
    );
    out.push(
        paragraph("TableText", "表格文字")
            .based_on("Normal")
            .size(TABLE_SIZE)
            .line_spacing(twips_exact(crate::render::TABLE_LINE))
            .snap_to_grid(false)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
    );
    out.push(
        // Header cells (and any cell the Document marks bold, such as a 合计 label): 黑体,
        // not bold, as the PDF sets them.
        paragraph("TableHeading", "表头")
            .based_on("TableText")
            .next("TableText")
            .fonts(fonts(HEITI)),
    );
    out.push(
        paragraph("Quote", "Quote")
            .based_on("Normal")
            .fonts(fonts(KAITI))
            .indent(
                Some(INDENT),
                Some(SpecialIndentType::FirstLine(INDENT)),
                Some(INDENT),
                None,
            ),
    );
    out.push(
        paragraph("FootnoteText", "footnote text")
            .based_on("Normal")
            .size(NOTE_SIZE)
            .line_spacing(single())
            .snap_to_grid(false)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
    );
    out.push(
        // The folio (GB/T 9704 §7.5): 四号 半角宋体 digits and 一字线, so 宋体 in every
        // slot; its line is exactly one em, so the footer distance places its top
        // (see [`super::page::FOOTER`]). Each footer paragraph sets its own side.
        paragraph("Footer", "footer")
            .based_on("Normal")
            .fonts(
                RunFonts::new()
                    .east_asia(SONGTI)
                    .ascii(SONGTI)
                    .hi_ansi(SONGTI)
                    .cs(SONGTI),
            )
            .size(FOOTER_SIZE)
            .align(AlignmentType::Center)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(FOOTER_SIZE as i32 * 10)
                    .before(0)
                    .after(0),
            )
            .snap_to_grid(false)
            .indent(Some(0), Some(SpecialIndentType::FirstLine(0)), None, None),
    );
    // A style set off the body's grid (its own size and line height, `w:snapToGrid` off)
    // has no character spacing.
    for st in &mut out {
        if st.paragraph_property.snap_to_grid == Some(false) {
            st.run_property = st.run_property.clone().spacing(0);
        }
    }
    let mut note_ref =
        Style::new("FootnoteReference", StyleType::Character).name("footnote reference");
    note_ref.run_property = note_ref
        .run_property
        .vert_align(docx_rs::VertAlignType::SuperScript);
    out.push(note_ref);
    out
}

/// The abstract numbering of ordered lists (`%1.`) and of bullet lists (`•`).
pub const ORDERED_LIST_ABS: usize = 3;
/// The abstract numbering of bullet lists.
pub const BULLET_LIST_ABS: usize = 4;
/// The numbering instance of the document's first list; list k (in document order) is
/// `FIRST_LIST_NUM + k`, each restarting at its own start number.
pub const FIRST_LIST_NUM: usize = 3;

/// List markers as Word numbering, printed as the PDF prints them (see
/// [`crate::doc::list_marker`]): `5.` or `•` followed by a space, at the body's
/// 2-character first-line indent.
pub fn list_numbering() -> [AbstractNumbering; 2] {
    let level = |fmt: &str, text: &str| {
        Level::new(
            0,
            Start::new(1),
            NumberFormat::new(fmt),
            LevelText::new(text),
            LevelJc::new("left"),
        )
        .suffix(LevelSuffixType::Space)
        .indent(
            Some(0),
            Some(SpecialIndentType::FirstLine(INDENT)),
            None,
            None,
        )
    };
    [
        AbstractNumbering::new(ORDERED_LIST_ABS).add_level(level("decimal", "%1.")),
        AbstractNumbering::new(BULLET_LIST_ABS).add_level(level("bullet", "•")),
    ]
}

/// Numbering instance `id` of one list: its abstract numbering, restarted at `start`
/// (`w:lvlOverride`/`w:startOverride`, so every list counts from its own first number).
pub fn list_instance(id: usize, ordered: bool, start: usize) -> Numbering {
    let abs = if ordered {
        ORDERED_LIST_ABS
    } else {
        BULLET_LIST_ABS
    };
    Numbering::new(id, abs).add_override(docx_rs::LevelOverride::new(0).start(start))
}

/// Heading numbers 一、 （一） 1. （1）: levels restart under their parent, the number is
/// followed by nothing (no tab), and sits at the 2-character indent.
pub fn heading_numbering() -> (AbstractNumbering, Numbering) {
    let levels = [
        ("chineseCounting", "%1、"),
        ("chineseCounting", "（%2）"),
        ("decimal", "%3."),
        ("decimal", "（%4）"),
    ];
    let mut abs = AbstractNumbering::new(HEADING_NUM);
    for (i, (fmt, text)) in levels.iter().enumerate() {
        abs = abs.add_level(
            Level::new(
                i,
                Start::new(1),
                NumberFormat::new(*fmt),
                LevelText::new(*text),
                LevelJc::new("left"),
            )
            .suffix(LevelSuffixType::Nothing)
            .paragraph_style(format!("Heading{}", i + 1))
            .indent(
                Some(0),
                Some(SpecialIndentType::FirstLine(INDENT)),
                None,
                None,
            ),
        );
    }
    (abs, Numbering::new(HEADING_NUM, HEADING_NUM))
}

/// The font table: every font the styles name, with the fallbacks Word and WPS use when
/// the GB2312-era fonts are not installed.
pub fn font_table() -> String {
    let fonts: [(&str, Option<&str>, &str, &str); 6] = [
        (LATIN, None, "00", "roman"),
        (SONGTI, Some("SimSun"), "86", "roman"),
        (HEITI, Some("SimHei"), "86", "swiss"),
        (FANGSONG, Some("仿宋"), "86", "modern"),
        (KAITI, Some("楷体"), "86", "script"),
        (TITLE, Some("宋体"), "86", "roman"),
    ];
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    );
    for (name, alt, charset, family) in fonts {
        xml.push_str(&format!(r#"<w:font w:name="{name}">"#));
        if let Some(a) = alt {
            xml.push_str(&format!(r#"<w:altName w:val="{a}" />"#));
        }
        xml.push_str(&format!(
            r#"<w:charset w:val="{charset}" /><w:family w:val="{family}" /><w:pitch w:val="variable" /></w:font>"#
        ));
    }
    xml.push_str("</w:fonts>");
    xml
}

/// Text is Chinese: `w:lang` with East-Asian zh-CN in the document defaults.
pub(super) fn add_language(root: &mut Node) {
    root.visit(&mut |n| {
        if n.name == "w:rPrDefault" {
            let r_pr = n.ensure("w:rPr");
            if r_pr.child_mut("w:lang").is_none() {
                r_pr.push(Node::new(
                    "w:lang",
                    r#" w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA""#,
                ));
            }
        }
    });
}

/// The default paragraph properties [`PPR_DEFAULTS`] (autospace off), in
/// `w:pPrDefault` unless already there.
pub(super) fn add_paragraph_defaults(root: &mut Node) {
    let xml = format!("<w:pPr>{}</w:pPr>", PPR_DEFAULTS);
    let Some((_, defaults)) = parse(&xml) else {
        return;
    };
    let mut defaults = Some(defaults.into_owned());
    root.visit(&mut |n| {
        if n.name != "w:pPrDefault" {
            return;
        }
        let p_pr = n.ensure("w:pPr");
        if p_pr.child_mut("w:autoSpaceDE").is_some() {
            return;
        }
        if let Some(d) = defaults.take() {
            for c in d.children {
                if let Child::Elem(e) = c {
                    p_pr.push(e);
                }
            }
        }
    });
}

/// One paragraph style, one character style, one table style and one numbering style
/// are the defaults, as Word writes them (ECMA-376 Part 1 §17.7.4.17 `w:default`): docx-rs
/// always writes an empty `Normal` before ours, which is dropped; ours gets `w:default="1"`
/// (so paragraphs without `w:pStyle` are Normal), and the other defaults are added from
/// [`super::styles::DEFAULT_STYLES`] unless a style of that type is already the default.
pub(super) fn default_styles(root: &mut Node) {
    let is_normal = |c: &Child| {
        matches!(c, Child::Elem(e) if e.name == "w:style"
            && e.attr("w:type") == Some("paragraph")
            && e.attr("w:styleId") == Some("Normal"))
    };
    // Keep the last Normal (ours); docx-rs's comes first.
    while root.children.iter().filter(|c| is_normal(c)).count() > 1 {
        if let Some(i) = root.children.iter().position(is_normal) {
            root.children.remove(i);
        }
    }
    let mut has_default = Vec::new();
    for e in root.elems_mut().filter(|e| e.name == "w:style") {
        if e.attr("w:default") == Some("1") {
            has_default.push(e.attr("w:type").unwrap_or("").to_string());
        }
    }
    if !has_default.iter().any(|t| t == "paragraph") {
        if let Some(normal) = root.elems_mut().find(|e| {
            e.name == "w:style"
                && e.attr("w:type") == Some("paragraph")
                && e.attr("w:styleId") == Some("Normal")
        }) {
            // Word writes w:type, w:default, w:styleId.
            normal.attrs = normal
                .attrs
                .replacen(
                    r#"w:type="paragraph""#,
                    r#"w:type="paragraph" w:default="1""#,
                    1,
                )
                .into();
        }
    }
    for (kind, xml) in super::styles::DEFAULT_STYLES {
        if has_default.iter().any(|t| t == kind) {
            continue;
        }
        if let Some((_, node)) = parse(xml) {
            root.push(node);
        }
    }
}

/// Runs of Chinese text holding punctuation that Unicode gives an ambiguous East Asian
/// width ([`super::styles::EAST_ASIAN_AMBIGUOUS`]) get `w:rFonts w:hint="eastAsia"`, as
/// Word writes them when the text is typed with a Chinese input method: without the hint
/// Word draws “ ” ‘ ’ — … · in the Latin font (ECMA-376 Part 1 §17.3.2.26). A paragraph is
/// Chinese text when any of its runs holds a CJK character ([`crate::doc::is_cjk`]).
pub(super) fn east_asian_hints(root: &mut Node) {
    root.visit(&mut |p| {
        if p.name != "w:p" {
            return;
        }
        let mut chinese = false;
        for r in p.elems_mut().filter(|e| e.name == "w:r") {
            chinese |= run_text(r).chars().any(crate::doc::is_cjk);
        }
        if !chinese {
            return;
        }
        for r in p.elems_mut().filter(|e| e.name == "w:r") {
            if !run_text(r)
                .chars()
                .any(|c| super::styles::EAST_ASIAN_AMBIGUOUS.contains(&c))
            {
                continue;
            }
            let r_pr = r.ensure("w:rPr");
            let fonts = r_pr.ensure("w:rFonts");
            if fonts.attr("w:hint").is_none() {
                fonts.set_attr("w:hint", "eastAsia");
            }
            // w:rPr comes first in a run.
            if let Some(i) = r
                .children
                .iter()
                .position(|c| matches!(c, Child::Elem(e) if e.name == "w:rPr"))
            {
                let pr = r.children.remove(i);
                r.children.insert(0, pr);
            }
        }
    });
}

/// The text of a run's `w:t` children, as written (entities not decoded; the characters
/// looked for are never escaped).
pub(super) fn run_text(r: &mut Node) -> String {
    let mut s = String::new();
    for t in r.elems_mut().filter(|e| e.name == "w:t") {
        for c in &t.children {
            if let Child::Raw(raw) = c {
                s.push_str(raw);
            }
        }
    }
    s
}

/// Whether `n`'s properties `props` have a style element `style` with value `value`.
pub(super) fn has_style(n: &mut Node, props: &str, style: &str, value: &str) -> bool {
    n.child_mut(props)
        .and_then(|p| p.child_mut(style))
        .is_some_and(|s| s.attr("w:val") == Some(value))
}
