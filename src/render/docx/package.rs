//! The normalisation pass over docx-rs's XML parts and the deterministic re-zip.

use std::io::{Cursor, Write};

use docx_rs::XMLDocx;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::normalize;
use crate::doc::Meta;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
    let mut out = s;
    for tag in ["dc:title", "dc:creator", "dc:subject", "dc:language"] {
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

/// Normalise the parts and zip them deterministically: fixed order, fixed timestamps,
/// deflate.
pub fn normalise_and_zip(
    xml: XMLDocx,
    meta: &Meta,
    hints: &normalize::Hints,
) -> zip::result::ZipResult<Vec<u8>> {
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
        ("word/styles.xml".into(), xml.styles),
        ("word/settings.xml".into(), xml.settings),
        (
            "word/fontTable.xml".into(),
            super::styles::font_table().into_bytes(),
        ),
        ("word/comments.xml".into(), xml.comments),
        ("word/numbering.xml".into(), xml.numberings),
        ("word/commentsExtended.xml".into(), xml.comments_extended),
        ("word/footnotes.xml".into(), xml.footnotes),
    ];
    // docx-rs emits a rels part for every possible header and footer; keep only those
    // whose part exists.
    let headers = xml.headers.len();
    for (i, h) in xml.headers.into_iter().enumerate() {
        parts.push((format!("word/header{}.xml", i + 1), h));
    }
    for (i, r) in xml.header_rels.into_iter().enumerate().take(headers) {
        parts.push((format!("word/_rels/header{}.xml.rels", i + 1), r));
    }
    let footers = xml.footers.len();
    for (i, f) in xml.footers.into_iter().enumerate() {
        parts.push((format!("word/footer{}.xml", i + 1), f));
    }
    for (i, r) in xml.footer_rels.into_iter().enumerate().take(footers) {
        parts.push((format!("word/_rels/footer{}.xml.rels", i + 1), r));
    }
    for (name, bytes) in xml.media {
        parts.push((format!("word/media/{name}.png"), bytes));
    }
    add_charts(&mut parts, &hints.chart_parts);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut normaliser = normalize::Normaliser::default();
    for (name, bytes) in parts {
        let bytes = if name.ends_with(".xml") {
            match String::from_utf8(bytes) {
                Ok(text) => normaliser.part(&name, &text, hints).into_bytes(),
                Err(e) => e.into_bytes(),
            }
        } else {
            bytes
        };
        // A PNG or a workbook is already deflated, and a part under 1 KB gains a few
        // hundred bytes at the cost of setting up a compressor: both are stored.
        let method = if name.ends_with(".png") || name.ends_with(".xlsx") || bytes.len() < 1024 {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        zip.start_file(name, options.compression_method(method))?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
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
