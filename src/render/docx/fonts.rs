//! The bundled 仿宋 embedded in the DOCX, so that a reader without any 仿宋 installed
//! (LibreOffice on Linux, WPS, Word on a Mac) sees the same face as the PDF's body.
//!
//! ECMA-376 Part 1 §17.8.1 (font embedding) and §17.8.3.3 (`w:embedRegular`): a
//! per-document subset of Zhuque Fangsong (the characters the document sets in 仿宋 runs)
//! is stored as the obfuscated font part `word/fonts/font1.odttf` (content type
//! [`OBFUSCATED_FONT_TYPE`]), linked from `word/_rels/fontTable.xml.rels` and named by
//! `w:embedRegular r:id w:fontKey` in the font table entry of the body font; `w:settings`
//! gets `w:embedTrueTypeFonts` and `w:saveSubsetFonts`.
//!
//! Which name: the embedding sits under the font-table entry the runs already name,
//! [`super::styles::FANGSONG`] (仿宋_GB2312), and the font keeps its own family name
//! (Zhuque Fangsong; no other name is claimed inside the font). LibreOffice registers an
//! embedded font under the font table's `w:name` (measured with LibreOffice 7.4: the body
//! is drawn in ZhuqueFangsong-Regular with the entry named 仿宋_GB2312 and the font's own
//! family "Zhuque Fangsong"), so it draws the body in Zhuque Fangsong. Word loads an
//! embedded font only for a font-table name that is not installed, and then under the
//! font's own family name: where 仿宋_GB2312 is installed, the runs (which name
//! 仿宋_GB2312) keep the installed font, and the embedded face, named Zhuque Fangsong, can
//! never take its place. Renaming the subset to 仿宋_GB2312 would let it shadow the real
//! font, and claim a name that is not its own.
//!
//! Only characters outside ASCII are embedded: Word and LibreOffice set ASCII in the
//! run's Latin font (`w:ascii`, Times New Roman), so 仿宋 never draws them.

use std::collections::{BTreeMap, BTreeSet};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::render::pdf::fonts::{bundled_fangsong, subset_font_with, SubsetKind};

/// The relationship type of an embedded font part (ECMA-376 Part 1 §17.8.1).
pub const FONT_REL: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font";
/// The content type of an obfuscated TrueType font part (`.odttf`).
pub const OBFUSCATED_FONT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.obfuscatedFont";
/// The relationship namespace the font table needs for `r:id`.
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
/// The relationship id of the embedded font in `fontTable.xml.rels`.
const REL_ID: &str = "rIdFont1";
/// The font part.
const PART: &str = "word/fonts/font1.odttf";

/// Embed a subset of the bundled 仿宋 in the package `parts` (name, bytes), under the
/// font table entry named `family`: the characters that `word/document.xml`, the
/// footnotes, headers and footers set in runs whose East-Asian font resolves to `family`
/// (through `w:rFonts w:eastAsia`, the run style, the paragraph style and its `basedOn`
/// chain, and the document defaults of `word/styles.xml`). Nothing is added when no such
/// character exists, or when the font table has no entry `family`.
///
/// Deterministic: the obfuscation key ([`font_key`]) is derived from the subset's bytes.
///
/// # Errors
/// A message (Chinese) when the font cannot be subset.
pub fn embed(parts: &mut Vec<(String, Vec<u8>)>, family: &str) -> Result<(), String> {
    let Some(styles) = parts.iter().find(|(n, _)| n == "word/styles.xml") else {
        return Ok(());
    };
    let styles = StyleFonts::parse(&String::from_utf8_lossy(&styles.1));
    let mut chars = BTreeSet::new();
    for (name, bytes) in parts.iter() {
        let text_part = name == "word/document.xml"
            || name == "word/footnotes.xml"
            || (name.starts_with("word/header") || name.starts_with("word/footer"))
                && name.ends_with(".xml");
        if text_part {
            chars_in(&String::from_utf8_lossy(bytes), &styles, family, &mut chars);
        }
    }
    chars.retain(|c| !c.is_ascii() && !c.is_whitespace());
    let has_entry = parts.iter().any(|(n, b)| {
        n == "word/fontTable.xml"
            && String::from_utf8_lossy(b).contains(&format!(r#"w:name="{family}""#))
    });
    if chars.is_empty() || !has_entry {
        return Ok(());
    }
    let font = subset_font_with(bundled_fangsong(), &chars, SubsetKind::Embedding)
        .map_err(|e| format!("DOCX 字体嵌入失败（仿宋子集）：{e}"))?;
    if font.is_empty() {
        return Ok(());
    }
    let key = font_key(&font);
    let odttf = obfuscate(font, &key);
    for (name, bytes) in parts.iter_mut() {
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        match name.as_str() {
            "word/fontTable.xml" => {
                text = add_embedding(&text, family, &key);
            }
            "word/settings.xml" => {
                // After w:zoom (or first), where the schema's sequence puts them; the
                // normalisation pass orders the children of w:settings in any case.
                let flags = "<w:embedTrueTypeFonts /><w:saveSubsetFonts />";
                let at = match text.find("<w:zoom") {
                    Some(z) => text[z..].find('>').map(|e| z + e + 1),
                    None => text
                        .find("<w:settings")
                        .and_then(|s| text[s..].find('>').map(|e| s + e + 1)),
                };
                if let Some(at) = at {
                    text.insert_str(at, flags);
                }
            }
            "[Content_Types].xml" => {
                // Every Default before the first Override.
                let default = format!(
                    r#"<Default Extension="odttf" ContentType="{OBFUSCATED_FONT_TYPE}" />"#
                );
                match text.find("<Override") {
                    Some(at) => text.insert_str(at, &default),
                    None => {
                        if let Some(at) = text.rfind("</Types>") {
                            text.insert_str(at, &default);
                        }
                    }
                }
            }
            _ => continue,
        }
        *bytes = text.into_bytes();
    }
    parts.push((
        "word/_rels/fontTable.xml.rels".into(),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="{REL_ID}" Type="{FONT_REL}" Target="fonts/font1.odttf"/></Relationships>"#
        )
        .into_bytes(),
    ));
    parts.push((PART.into(), odttf));
    Ok(())
}

/// `fontTable.xml` with `w:embedRegular` as the last child of the entry `family` (after
/// `w:pitch`/`w:sig`, where CT_Font's sequence puts it) and the relationship namespace
/// declared on the root.
fn add_embedding(xml: &str, family: &str, key: &str) -> String {
    let mut out = xml.to_string();
    if !out.contains("xmlns:r=") {
        if let Some(at) = out.find("<w:fonts ") {
            out.insert_str(at + "<w:fonts ".len(), &format!(r#"xmlns:r="{R_NS}" "#));
        }
    }
    let open = format!(r#"<w:font w:name="{family}">"#);
    if let Some(start) = out.find(&open) {
        if let Some(end) = out[start..].find("</w:font>") {
            out.insert_str(
                start + end,
                &format!(r#"<w:embedRegular r:id="{REL_ID}" w:fontKey="{key}" />"#),
            );
        }
    }
    out
}

/// A GUID-shaped key `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` derived from `font` (two
/// FNV-1a hashes of its bytes): the same font, the same key, the same file.
pub fn font_key(font: &[u8]) -> String {
    let fnv = |seed: u64| {
        font.iter().fold(seed, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    let hex = format!(
        "{:016X}{:016X}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    );
    format!(
        "{{{}-{}-{}-{}-{}}}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Font obfuscation (ECMA-376 Part 1 §17.8.1): the key's 32 hex digits read as 16 bytes
/// from the last pair to the first; the font's first 32 bytes are XORed with them (the
/// 16 key bytes twice). Its own inverse.
pub fn obfuscate(mut font: Vec<u8>, key: &str) -> Vec<u8> {
    let hex: Vec<u8> = key
        .chars()
        .filter_map(|c| c.to_digit(16))
        .map(|d| d as u8)
        .collect();
    if hex.len() != 32 {
        return font;
    }
    let bytes: Vec<u8> = hex.chunks(2).map(|p| p[0] << 4 | p[1]).rev().collect();
    for (i, b) in font.iter_mut().take(32).enumerate() {
        *b ^= bytes[i % 16];
    }
    font
}

/// The East-Asian font of each style of `styles.xml` (own or inherited through
/// `w:basedOn`), and the defaults.
#[derive(Default)]
struct StyleFonts {
    /// styleId → (basedOn, own `w:rFonts w:eastAsia`).
    styles: BTreeMap<String, (Option<String>, Option<String>)>,
    /// `w:docDefaults/w:rPrDefault`'s East-Asian font.
    default_font: Option<String>,
    /// The default paragraph style (`w:default="1"`), else `Normal`.
    default_para: String,
}

fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

impl StyleFonts {
    fn parse(xml: &str) -> StyleFonts {
        let mut out = StyleFonts {
            default_para: "Normal".into(),
            ..StyleFonts::default()
        };
        let mut reader = Reader::from_str(xml);
        let mut current: Option<String> = None;
        let mut in_defaults = false;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.name().as_ref() {
                    b"w:rPrDefault" => in_defaults = true,
                    b"w:style" => {
                        let id = attr(&e, "w:styleId").unwrap_or_default();
                        if attr(&e, "w:type").as_deref() == Some("paragraph")
                            && attr(&e, "w:default").as_deref() == Some("1")
                        {
                            out.default_para = id.clone();
                        }
                        out.styles.entry(id.clone()).or_default();
                        current = Some(id);
                    }
                    b"w:basedOn" => {
                        if let Some(id) = &current {
                            if let Some(s) = out.styles.get_mut(id) {
                                s.0 = attr(&e, "w:val");
                            }
                        }
                    }
                    b"w:rFonts" => {
                        let ea = attr(&e, "w:eastAsia");
                        if in_defaults {
                            out.default_font = ea.or(out.default_font.take());
                        } else if let Some(id) = &current {
                            if let (Some(s), Some(ea)) = (out.styles.get_mut(id), ea) {
                                s.1 = Some(ea);
                            }
                        }
                    }
                    _ => {}
                },
                Ok(Event::End(e)) => match e.name().as_ref() {
                    b"w:rPrDefault" => in_defaults = false,
                    b"w:style" => current = None,
                    _ => {}
                },
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
        out
    }

    /// The East-Asian font style `id` sets, own or inherited (at most 32 `basedOn` steps:
    /// a cycle ends there).
    fn font(&self, id: &str) -> Option<&str> {
        let mut id = id;
        for _ in 0..32 {
            let (based, font) = self.styles.get(id)?;
            if let Some(f) = font {
                return Some(f);
            }
            id = based.as_deref()?;
        }
        None
    }
}

/// Add to `out` the characters of `xml`'s `w:t` text whose run resolves to `family`.
fn chars_in(xml: &str, styles: &StyleFonts, family: &str, out: &mut BTreeSet<char>) {
    let mut reader = Reader::from_str(xml);
    let mut para_style: Option<String> = None;
    let mut run_style: Option<String> = None;
    let mut run_font: Option<String> = None;
    let mut in_run_props = false;
    let mut in_text = false;
    let resolve = |para: &Option<String>, rstyle: &Option<String>, rfont: &Option<String>| {
        rfont
            .clone()
            .or_else(|| {
                rstyle
                    .as_deref()
                    .and_then(|s| styles.font(s))
                    .map(Into::into)
            })
            .or_else(|| {
                styles
                    .font(para.as_deref().unwrap_or(&styles.default_para))
                    .map(Into::into)
            })
            .or_else(|| styles.default_font.clone())
    };
    let mut in_run = false;
    loop {
        let (e, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    b"w:r" => in_run = false,
                    b"w:rPr" => in_run_props = false,
                    b"w:t" => in_text = false,
                    _ => {}
                }
                continue;
            }
            Ok(Event::Text(t)) => {
                if in_text
                    && in_run
                    && resolve(&para_style, &run_style, &run_font).as_deref() == Some(family)
                {
                    out.extend(String::from_utf8_lossy(t.as_ref()).chars());
                }
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => continue,
        };
        match e.name().as_ref() {
            b"w:p" => para_style = None,
            b"w:pStyle" => para_style = attr(&e, "w:val"),
            b"w:r" if !empty => {
                in_run = true;
                run_style = None;
                run_font = None;
            }
            b"w:rPr" if in_run && !empty => in_run_props = true,
            b"w:rStyle" if in_run_props => run_style = attr(&e, "w:val"),
            b"w:rFonts" if in_run_props => run_font = attr(&e, "w:eastAsia"),
            b"w:t" if !empty => in_text = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obfuscation_reverses_the_key_bytes_and_is_its_own_inverse() {
        let key = "{00112233-4455-6677-8899-AABBCCDDEEFF}";
        let font: Vec<u8> = (0..40).collect();
        let ob = obfuscate(font.clone(), key);
        // Byte 0 is XORed with the key's last pair (FF), byte 15 with its first (00),
        // byte 16 again with FF; bytes from 32 on are untouched.
        assert_eq!(ob[0], 0xFF);
        assert_eq!(ob[1], 1 ^ 0xEE);
        assert_eq!(ob[15], 15);
        assert_eq!(ob[16], 16 ^ 0xFF);
        assert_eq!(&ob[32..], &font[32..]);
        assert_eq!(obfuscate(ob, key), font);
    }

    #[test]
    fn keys_are_guids_derived_from_content() {
        let a = font_key(b"abc");
        assert_eq!(a, font_key(b"abc"));
        assert_ne!(a, font_key(b"abd"));
        assert_eq!(a.len(), 38);
        assert!(a.starts_with('{') && a.ends_with('}'));
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn only_runs_in_the_family_are_collected() {
        let styles = StyleFonts::parse(
            r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:eastAsia="仿宋_GB2312"/></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:rPr><w:rFonts w:eastAsia="仿宋_GB2312"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:basedOn w:val="Normal"/><w:rPr><w:rFonts w:eastAsia="黑体"/></w:rPr></w:style><w:style w:type="paragraph" w:styleId="Heading3"><w:basedOn w:val="Normal"/></w:style></w:styles>"#,
        );
        let doc = r#"<w:document><w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>标题</w:t></w:r></w:p><w:p><w:r><w:t>正文，“引”</w:t></w:r><w:r><w:rPr><w:rFonts w:eastAsia="楷体_GB2312"/></w:rPr><w:t>楷</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val="Heading3"/></w:pPr><w:r><w:t>三级</w:t></w:r></w:p></w:body></w:document>"#;
        let mut out = BTreeSet::new();
        chars_in(doc, &styles, "仿宋_GB2312", &mut out);
        let got: String = out.into_iter().collect();
        let want: BTreeSet<char> = "正文，“引”三级".chars().collect();
        assert_eq!(got, want.into_iter().collect::<String>());
    }
}
