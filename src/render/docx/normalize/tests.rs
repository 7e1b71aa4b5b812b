//! Unit tests of the OOXML normaliser: element order, attributes, text kept.

use super::normalise;

#[test]
fn reorders_paragraph_properties_and_keeps_text() {
    let xml = r#"<?xml version="1.0"?><w:p><w:pPr><w:rPr /><w:jc w:val="center" /><w:spacing w:line="578" /><w:pStyle w:val="a" /></w:pPr><w:r><w:t xml:space="preserve">甲 &amp; 乙</w:t></w:r></w:p>"#;
    let out = normalise(xml);
    assert_eq!(
        out,
        r#"<?xml version="1.0"?><w:p><w:pPr><w:pStyle w:val="a" /><w:spacing w:line="578" /><w:jc w:val="center" /><w:rPr /></w:pPr><w:r><w:t xml:space="preserve">甲 &amp; 乙</w:t></w:r></w:p>"#
    );
}

#[test]
fn drops_grid_col_type() {
    let out = normalise(r#"<w:tblGrid><w:gridCol w:w="100" w:type="dxa" /></w:tblGrid>"#);
    assert_eq!(out, r#"<w:tblGrid><w:gridCol w:w="100" /></w:tblGrid>"#);
}

#[test]
fn attributes_are_read_and_set_in_place() {
    let xml = r#"<w:p xw:val="no" w:val="a" w:other = 'b' />"#;
    let (_, mut n) = super::parse(xml).expect("well-formed");
    assert_eq!(n.attr("w:val"), Some("a"));
    assert_eq!(n.attr("w:other"), Some("b"));
    assert_eq!(n.attr("val"), None);
    n.set_attr("w:val", "long value");
    n.set_attr("w:new", "1");
    assert_eq!(
        n.attrs,
        r#" xw:val="no" w:val="long value" w:other = 'b' w:new="1""#
    );
    // Paragraph ids are renumbered across the parts of one package.
    let mut norm = super::Normaliser::default();
    let hints = super::Hints::default();
    let a = norm.part("a.xml", r#"<r><w:p w14:paraId="7" /></r>"#, &hints);
    let b = norm.part("b.xml", r#"<r><w:p w14:paraId="7" /></r>"#, &hints);
    assert_eq!(a, r#"<r><w:p w14:paraId="00000001" /></r>"#);
    assert_eq!(b, r#"<r><w:p w14:paraId="00000002" /></r>"#);
}

#[test]
fn malformed_input_passes_through() {
    assert_eq!(normalise("<a><b></a>"), "<a><b></a>");
}
