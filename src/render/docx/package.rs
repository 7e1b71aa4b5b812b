//! The normalisation pass over docx-rs's XML parts and the deterministic re-zip.

use std::io::{Cursor, Write};

use docx_rs::XMLDocx;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::normalize;
use crate::doc::Meta;

/// `s` as XML text (quick-xml's escaping of `& < > ' "`).
fn xml_escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// Give the core properties the report's title and author, dated from the data.
fn normalise_core(xml: &[u8], meta: &Meta) -> Vec<u8> {
    let s = String::from_utf8_lossy(xml).into_owned();
    let mut extra = format!("<dc:title>{}</dc:title>", xml_escape(&meta.title));
    if let Some(a) = &meta.author {
        extra.push_str(&format!("<dc:creator>{}</dc:creator>", xml_escape(a)));
    }
    if let Some(sub) = &meta.subject {
        extra.push_str(&format!("<dc:subject>{}</dc:subject>", xml_escape(sub)));
    }
    extra.push_str("<dc:language>zh-CN</dc:language>");
    // Drop docx-rs's own creator/title, if any, then add ours before the closing tag.
    // Without a date in the data the file is dated nowhere: docx-rs's default stamp
    // (1970-01-01) would be a date the writer never gave.
    let mut out = s;
    let undated: &[&str] = if meta.date.is_none() {
        &["dcterms:created", "dcterms:modified"]
    } else {
        &[]
    };
    let tags = ["dc:title", "dc:creator", "dc:subject", "dc:language"];
    for tag in tags.iter().chain(undated) {
        while let (Some(a), Some(b)) =
            (out.find(&format!("<{tag}")), out.find(&format!("</{tag}>")))
        {
            if b < a {
                break;
            }
            out.replace_range(a..b + tag.len() + 3, "");
        }
        while let Some(a) = out.find(&format!("<{tag}/>")) {
            out.replace_range(a..a + tag.len() + 3, "");
        }
    }
    match out.rfind("</cp:coreProperties>") {
        Some(i) => out.insert_str(i, &extra),
        None => return xml.to_vec(),
    }
    out.into_bytes()
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production): not U+0000–U+0008,
/// U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF (surrogates cannot occur in a `char`).
pub fn xml_allows(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Refuse an XML part that holds a character XML forbids, written either as itself or as a
/// character reference (`&#12;`, `&#xC;`): Word and LibreOffice cannot open such a file.
/// The error names the part, the character and the text around it.
pub fn check_xml_chars(part: &str, xml: &[u8]) -> Result<(), String> {
    if plainly_allowed(xml) {
        return Ok(());
    }
    let text = String::from_utf8_lossy(xml);
    let context = |at: usize| -> String {
        let before: String = text[..at]
            .chars()
            .rev()
            .take_while(|c| *c != '>')
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after: String = text[at..]
            .chars()
            .skip(1)
            .take_while(|c| *c != '<')
            .take(12)
            .collect();
        format!("{before}{after}")
    };
    let refuse = |c: u32, at: usize| {
        Err(format!(
            "DOCX 的 {part} 将含 XML 不允许的控制字符 U+{c:04X}（在「{}」处），未写出文件；请删去数据中的这个字符",
            context(at).chars().filter(|c| xml_allows(*c)).collect::<String>()
        ))
    };
    if let Some((at, c)) = text.char_indices().find(|(_, c)| !xml_allows(*c)) {
        return refuse(c as u32, at);
    }
    let mut from = 0;
    while let Some(i) = text[from..].find("&#") {
        let at = from + i;
        let rest = &text[at + 2..];
        let end = rest.find(';').unwrap_or(rest.len());
        let code = match rest[..end].strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => rest[..end].parse::<u32>().ok(),
        };
        if let Some(c) = code {
            if char::from_u32(c).is_none_or(|c| !xml_allows(c)) {
                return refuse(c, at);
            }
        }
        from = at + 2;
    }
    Ok(())
}

/// Whether `xml` plainly holds no character XML forbids: no control byte other than tab,
/// line feed and carriage return, no U+FFFE or U+FFFF, and no character reference at
/// all. A byte scan the compiler vectorises: in UTF-8 (and in what `from_utf8_lossy`
/// makes of other bytes) a byte below 0x20 is always that character. Parts that fail it
/// are checked character by character.
fn plainly_allowed(xml: &[u8]) -> bool {
    let control = xml.chunks(64).any(|chunk| {
        chunk.iter().fold(false, |bad, &b| {
            bad | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        })
    });
    if control {
        return false;
    }
    // memchr's SIMD searches, on the bytes (no UTF-8 validation needed: the needles are
    // whole characters).
    let has = |needle: &str| memchr::memmem::find(xml, needle.as_bytes()).is_some();
    !(has("&#") || has("\u{FFFE}") || has("\u{FFFF}"))
}

/// Normalise the parts and zip them deterministically: fixed order, fixed timestamps,
/// deflate. Every XML part is checked with [`check_xml_chars`] first: a part XML forbids
/// is an error and nothing is returned. A chart's embedded workbook is not unzipped to be
/// checked: its text is the chart's categories and series names and rust_xlsxwriter's
/// fixed strings (see `docx::chart::workbook`), and the chart part, which holds the same
/// categories and names, comes (and is checked) before it.
pub fn normalise_and_zip(
    xml: XMLDocx,
    meta: &Meta,
    hints: &normalize::Hints,
    plan: super::reference::Plan<'_>,
) -> Result<Vec<u8>, String> {
    let reference = plan.reference;
    // The reference's styles, with ours for the rest (see docx/reference.rs).
    let mut renames = Vec::new();
    let mut styles = xml.styles;
    if let Some(theirs) = reference.and_then(|r| r.styles.as_deref()) {
        if let Some((merged, r)) =
            super::reference::merge_styles(&String::from_utf8_lossy(&styles), theirs)
        {
            styles = merged.into_bytes();
            renames = r;
        }
    }
    let font_table = super::reference::merge_fonts(
        &super::styles::font_table(),
        reference.and_then(|r| r.font_table.as_deref()),
    );
    let mut parts: Vec<(String, Vec<u8>)> = vec![
        ("[Content_Types].xml".into(), xml.content_type),
        ("_rels/.rels".into(), xml.rels),
        ("docProps/app.xml".into(), xml.doc_props.app),
        (
            "docProps/core.xml".into(),
            normalise_core(&xml.doc_props.core, meta),
        ),
        ("docProps/custom.xml".into(), xml.doc_props.custom),
        ("word/_rels/document.xml.rels".into(), xml.document_rels),
        ("word/document.xml".into(), xml.document),
        ("word/styles.xml".into(), styles),
        ("word/settings.xml".into(), xml.settings),
        ("word/fontTable.xml".into(), font_table.into_bytes()),
        ("word/comments.xml".into(), xml.comments),
        ("word/numbering.xml".into(), xml.numberings),
        ("word/commentsExtended.xml".into(), xml.comments_extended),
        ("word/footnotes.xml".into(), xml.footnotes),
    ];
    // docx-rs emits a rels part for every possible header and footer; keep only those
    // whose part exists. A header or footer of the reference DOCX takes the place of
    // docx-rs's placeholder, with its own relationships and the parts they name.
    let mut carried: Vec<super::reference::CarriedPart> = Vec::new();
    let mut next = 0;
    let mut stories = |kind: &str,
                       xmls: Vec<Vec<u8>>,
                       rels: Vec<Vec<u8>>,
                       plan: &[Option<&crate::refdoc::Story>],
                       parts: &mut Vec<(String, Vec<u8>)>| {
        let mut rels = rels.into_iter();
        for (i, x) in xmls.into_iter().enumerate() {
            let r = rels.next();
            let (x, r) = match plan.get(i).copied().flatten() {
                Some(story) => {
                    let (x, r, p) = super::reference::story_part(story, &renames, &mut next);
                    carried.extend(p);
                    (x.into_bytes(), Some(r.into_bytes()))
                }
                None => (x, r),
            };
            parts.push((format!("word/{kind}{}.xml", i + 1), x));
            if let Some(r) = r {
                parts.push((format!("word/_rels/{kind}{}.xml.rels", i + 1), r));
            }
        }
    };
    stories(
        "header",
        xml.headers,
        xml.header_rels,
        &plan.headers,
        &mut parts,
    );
    stories(
        "footer",
        xml.footers,
        xml.footer_rels,
        &plan.footers,
        &mut parts,
    );
    add_carried(
        &mut parts,
        carried,
        reference.and_then(|r| r.theme.as_deref()),
    );
    for (name, bytes) in xml.media {
        parts.push((format!("word/media/{name}.png"), bytes));
    }
    drop_orphan_comments(&mut parts);
    drop_unlinked_parts(&mut parts);
    add_charts(&mut parts, &hints.chart_parts);
    // Normalise every XML part in order, except those the font embedding edits (they
    // hold no paragraph ids, so the ids are numbered as if in order); the characters set
    // in 仿宋 are read from the text parts' trees meanwhile.
    let family = super::styles::FANGSONG;
    let mut chars = parts
        .iter()
        .find(|(n, _)| n == "word/styles.xml")
        .map(|(_, styles)| {
            super::fonts::FamilyChars::new(&String::from_utf8_lossy(styles), family)
        });
    let mut normaliser = normalize::Normaliser::default();
    let mut normalise =
        |name: &str, bytes: &mut Vec<u8>, chars: Option<&mut super::fonts::FamilyChars>| {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return;
            };
            let out = match chars {
                Some(chars) if super::fonts::is_text_part(name) => {
                    normaliser.part_inspected(name, text, hints, &mut |root| chars.add(root))
                }
                _ => normaliser.part(name, text, hints),
            };
            *bytes = out.into_bytes();
        };
    for (name, bytes) in parts.iter_mut() {
        if name.ends_with(".xml") && !super::fonts::EDITED_PARTS.contains(&name.as_str()) {
            normalise(name, bytes, chars.as_mut());
        }
    }
    // The bundled 仿宋, subset to the document's 仿宋 text (see docx/fonts.rs).
    if let Some(chars) = &chars {
        super::fonts::embed(&mut parts, family, &chars.chars())?;
    }
    for (name, bytes) in parts.iter_mut() {
        if super::fonts::EDITED_PARTS.contains(&name.as_str()) {
            normalise(name, bytes, None);
        }
    }
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in parts {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            check_xml_chars(&name, &bytes)?;
        }
        // A PNG or a workbook is already deflated, and a part under 1 KB gains a few
        // hundred bytes at the cost of setting up a compressor: both are stored.
        // The embedded font (docx/fonts.rs) is stored too: deflating its ~330 KB cost more
        // than the rest of the DOCX (seed: +59 M instructions at level 2 for 275 KB, +19 M at
        // level 1 for 329 KB; stored: 0 for ~380 KB), and the CPU budget is the tighter one.
        let method = if name.ends_with(".png")
            || name.ends_with(".xlsx")
            || name.ends_with(".odttf")
            || bytes.len() < 1024
        {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        let fail = |e: &dyn std::fmt::Display| format!("DOCX: {e}");
        zip.start_file(name, options.compression_method(method))
            .map_err(|e| fail(&e))?;
        zip.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| format!("DOCX: {e}"))?.into_inner())
}

/// The parts a reference DOCX's headers and footers use (name, content type, bytes) and
/// its theme, with their content types (and the theme's relationship from the document).
fn add_carried(
    parts: &mut Vec<(String, Vec<u8>)>,
    carried: Vec<super::reference::CarriedPart>,
    theme: Option<&str>,
) {
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut overrides = String::new();
    for (name, content_type, bytes) in carried {
        overrides.push_str(&format!(
            r#"<Override PartName="/{name}" ContentType="{}"/>"#,
            esc(&content_type)
        ));
        parts.push((name, bytes));
    }
    let mut rels = String::new();
    if let Some(theme) = theme {
        overrides.push_str(r#"<Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>"#);
        rels.push_str(r#"<Relationship Id="rIdTheme1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/>"#);
        parts.push(("word/theme/theme1.xml".into(), theme.as_bytes().to_vec()));
    }
    for (name, bytes) in parts.iter_mut() {
        let (what, before) = match name.as_str() {
            "[Content_Types].xml" => (&overrides, "</Types>"),
            "word/_rels/document.xml.rels" => (&rels, "</Relationships>"),
            _ => continue,
        };
        if what.is_empty() {
            continue;
        }
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        if let Some(i) = text.rfind(before) {
            text.insert_str(i, what);
            *bytes = text.into_bytes();
        }
    }
}

/// docx-rs always writes `word/comments.xml` but links it only when there are comments: an
/// unlinked part (and its content type) is dropped, so validators see no orphan part, and
/// so is the empty `word/commentsExtended.xml` it links regardless (with its relationship).
fn drop_orphan_comments(parts: &mut Vec<(String, Vec<u8>)>) {
    let linked = parts.iter().any(|(name, bytes)| {
        name == "word/_rels/document.xml.rels"
            && String::from_utf8_lossy(bytes).contains("Target=\"comments.xml\"")
    });
    if linked {
        return;
    }
    // With no comments, the (empty) commentsExtended part docx-rs links goes too.
    parts.retain(|(name, _)| name != "word/comments.xml" && name != "word/commentsExtended.xml");
    // Remove the one element of `text` that starts with `start`, up to its "/>".
    let cut = |text: &mut String, start: &str| {
        if let Some(a) = text.find(start) {
            if let Some(len) = text[a..].find("/>") {
                text.replace_range(a..a + len + 2, "");
            }
        }
    };
    for (name, bytes) in parts.iter_mut() {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        match name.as_str() {
            "[Content_Types].xml" => {
                cut(&mut text, r#"<Override PartName="/word/comments.xml""#);
                cut(
                    &mut text,
                    r#"<Override PartName="/word/commentsExtended.xml""#,
                );
            }
            "word/_rels/document.xml.rels" => {
                if let Some(t) = text.find(r#"Target="commentsExtended.xml""#) {
                    if let Some(a) = text[..t].rfind("<Relationship ") {
                        let start = text[a..t].to_string();
                        cut(&mut text, &start);
                    }
                }
            }
            _ => continue,
        }
        *bytes = text.into_bytes();
    }
}

/// Every part directly under `word/` (other than the main document) that
/// `word/_rels/document.xml.rels` does not target is dropped with its content-type override:
/// docx-rs writes `word/footnotes.xml` (and may write other parts) whether or not the
/// document links it, and validators report an unlinked part as an orphan (Word ignores
/// it). Attacker finding F1 (issue 18): a report without footnotes had an orphan
/// footnotes part.
fn drop_unlinked_parts(parts: &mut Vec<(String, Vec<u8>)>) {
    let rels = parts
        .iter()
        .find(|(name, _)| name == "word/_rels/document.xml.rels")
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    let orphan = |name: &str| -> bool {
        let Some(file) = name.strip_prefix("word/") else {
            return false;
        };
        !file.contains('/')
            && file.ends_with(".xml")
            && file != "document.xml"
            && !rels.contains(&format!("Target=\"{file}\""))
    };
    let dropped: Vec<String> = parts
        .iter()
        .filter(|(name, _)| orphan(name))
        .map(|(name, _)| name.clone())
        .collect();
    if dropped.is_empty() {
        return;
    }
    parts.retain(|(name, _)| !dropped.contains(name));
    for (name, bytes) in parts.iter_mut() {
        if name != "[Content_Types].xml" {
            continue;
        }
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        for part in &dropped {
            let start = format!("<Override PartName=\"/{part}\"");
            if let Some(a) = text.find(&start) {
                if let Some(len) = text[a..].find("/>") {
                    text.replace_range(a..a + len + 2, "");
                }
            }
        }
        *bytes = text.into_bytes();
    }
}

/// The chart parts, each with its embedded workbook, and their relationships and content
/// types in the parts docx-rs wrote.
fn add_charts(parts: &mut Vec<(String, Vec<u8>)>, charts: &[super::chart::ChartPart]) {
    use super::chart::{CHART_REL, CHART_TYPE, PACKAGE_REL, XLSX_TYPE};
    if charts.is_empty() {
        return;
    }
    let mut rels = String::new();
    let mut overrides = String::new();
    for (i, c) in charts.iter().enumerate() {
        let n = i + 1;
        rels.push_str(&format!(
            r#"<Relationship Id="rIdChart{n}" Type="{CHART_REL}" Target="charts/chart{n}.xml"/>"#
        ));
        overrides.push_str(&format!(
            r#"<Override PartName="/word/charts/chart{n}.xml" ContentType="{CHART_TYPE}"/>"#
        ));
        parts.push((
            format!("word/charts/chart{n}.xml"),
            c.xml.clone().into_bytes(),
        ));
        parts.push((
            format!("word/charts/_rels/chart{n}.xml.rels"),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{PACKAGE_REL}" Target="../embeddings/Microsoft_Excel_Worksheet{n}.xlsx"/></Relationships>"#
            )
            .into_bytes(),
        ));
        parts.push((
            format!("word/embeddings/Microsoft_Excel_Worksheet{n}.xlsx"),
            c.workbook.clone(),
        ));
    }
    let default = format!(r#"<Default Extension="xlsx" ContentType="{XLSX_TYPE}"/>"#);
    // `what` inserted before the first `before` (or, with `last`, the last).
    let insert = |bytes: &mut Vec<u8>, before: &str, last: bool, what: &str| {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        let at = if last {
            text.rfind(before)
        } else {
            text.find(before)
        };
        if let Some(i) = at {
            text.insert_str(i, what);
            *bytes = text.into_bytes();
        }
    };
    for (name, bytes) in parts.iter_mut() {
        match name.as_str() {
            "word/_rels/document.xml.rels" => insert(bytes, "</Relationships>", true, &rels),
            "[Content_Types].xml" => {
                // The schema wants every Default before the first Override.
                insert(bytes, "<Override", false, &default);
                insert(bytes, "</Types>", true, &overrides);
            }
            _ => {}
        }
    }
}
