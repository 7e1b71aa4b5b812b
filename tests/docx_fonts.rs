//! Issue 16, fonts: the DOCX carries a per-document subset of the bundled 仿宋 (Zhuque
//! Fangsong) as an obfuscated font part (ECMA-376 Part 1 §17.8.1), so a reader with no 仿宋
//! installed sees the PDF's face. LibreOffice's use of it is checked in `tests/tools/`.

mod common;

use std::io::Read;

use common::*;

fn part_bytes(docx: &std::path::Path, name: &str) -> Vec<u8> {
    let file = std::fs::File::open(docx).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut f = zip.by_name(name).unwrap_or_else(|_| panic!("no {name}"));
    let mut out = Vec::new();
    f.read_to_end(&mut out).unwrap();
    out
}

/// The spec's de-obfuscation, written independently of the renderer: the GUID's 32 hex
/// digits as 16 bytes, last pair first, XORed over the first 32 bytes of the font.
fn deobfuscate(mut font: Vec<u8>, guid: &str) -> Vec<u8> {
    let hex: String = guid.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(hex.len(), 32, "{guid}");
    let key: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .rev()
        .collect();
    for i in 0..32 {
        font[i] ^= key[i % 16];
    }
    font
}

#[test]
fn the_docx_embeds_the_bundled_fangsong_under_the_body_font() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let types = docx_part(&docx, "[Content_Types].xml");
    assert!(
        types.contains(r#"<Default Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont" />"#),
        "{types}"
    );
    let rels = docx_part(&docx, "word/_rels/fontTable.xml.rels");
    assert!(rels.contains(r#"Id="rIdFont1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font" Target="fonts/font1.odttf""#), "{rels}");
    let settings = docx_part(&docx, "word/settings.xml");
    assert!(settings.contains("<w:embedTrueTypeFonts />"), "{settings}");
    assert!(settings.contains("<w:saveSubsetFonts />"), "{settings}");

    // The entry the body's runs name (仿宋_GB2312) holds the embedding.
    let table = docx_part(&docx, "word/fontTable.xml");
    let entry = table
        .split("<w:font ")
        .find(|e| e.starts_with(r#"w:name="仿宋_GB2312""#))
        .expect("a 仿宋_GB2312 entry");
    let key_at = entry.find(r#"w:fontKey=""#).expect("w:fontKey") + 11;
    let guid = &entry[key_at..key_at + 38];
    assert!(
        entry.contains(r#"<w:embedRegular r:id="rIdFont1""#),
        "{entry}"
    );
    assert_eq!(table.matches("w:embedRegular").count(), 1, "{table}");

    let font = deobfuscate(part_bytes(&docx, "word/fonts/font1.odttf"), guid);
    let face = ttf_parser::Face::parse(&font, 0).expect("a TrueType font");
    let family = face
        .names()
        .into_iter()
        .find(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
        .and_then(|n| n.to_string());
    assert_eq!(family.as_deref(), Some("Zhuque Fangsong"));
    // Editable embedding allowed (OS/2 fsType), as Word and LibreOffice require.
    assert!(face.permissions().is_some());
    // The body's characters are in it, ASCII (set in the Latin font) is not, and a
    // character only the 黑体 headings use is not either.
    for c in "居民自治，。“”——、（）".chars() {
        assert!(face.glyph_index(c).is_some(), "{c} not embedded");
    }
    for c in ['A', '4', '%'] {
        assert!(face.glyph_index(c).is_none(), "{c} embedded");
    }
    // A per-document subset: hundreds of glyphs, not the 7,000 of GB2312.
    let glyphs = face.number_of_glyphs();
    assert!((300..1200).contains(&glyphs), "{glyphs} glyphs");
}

#[test]
fn the_embedded_font_is_the_same_bytes_every_time() {
    let a = render_seed();
    let b = render_seed();
    let read =
        |d: &tempfile::TempDir| std::fs::read(d.path().join("qingnianlu-2019.docx")).unwrap();
    assert_eq!(read(&a), read(&b));
}
