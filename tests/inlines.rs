//! Issue 14, typed inlines, through the binary: footnotes in table cells are real notes,
//! and data that looks like a marker stays text.

mod common;
#[path = "common/inlines.rs"]
mod fixture;

use common::*;

#[test]
fn footnote_in_a_template_table_cell_and_markers_in_data() {
    let (_dir, docx, _pdf) = fixture::render_inline_fixture();
    let xml = docx_part(&docx, "word/document.xml");
    // The cell holds 20000 and a real footnote reference, not "200003".
    let cell = xml
        .split("<w:tc>")
        .find(|c| c.contains(">20000<"))
        .expect("the funding cell");
    assert!(cell.contains("<w:footnoteReference w:id="), "{cell}");
    assert!(
        !xml.contains("200003") && !xml.contains("200002"),
        "mark as digits"
    );
    let notes = docx_part(&docx, "word/footnotes.xml");
    assert!(notes.contains("党建经费含上级专项补助。"), "{notes}");
    assert!(notes.contains("<w:footnoteRef />"), "{notes}");
    // The seed's own note is 1; the cell's note is numbered after it.
    assert_eq!(notes.matches("<w:footnoteRef />").count(), 2, "{notes}");
    // Data that looks like markers is printed as it is.
    for text in [
        "青年路[@office]社区",
        "[@tab1]",
        "\\newpage",
        "newpage",
        "行政事务挤占自治空间{-}",
    ] {
        assert!(xml.contains(text), "{text} missing");
    }
    assert!(
        xml.contains("diaoyan-chart-1"),
        "the fake anchor stays text"
    );
    let charts = xml.matches("<c:chart ").count();
    let seed = render_seed();
    let seed_xml = docx_part(
        &seed.path().join("qingnianlu-2019.docx"),
        "word/document.xml",
    );
    assert_eq!(
        charts,
        seed_xml.matches("<c:chart ").count(),
        "no extra chart"
    );
    // The line break in the finding is a w:br between its lines.
    let para = xml
        .split("<w:p ")
        .chain(xml.split("<w:p>"))
        .find(|p| p.contains("第一行收入偏低"))
        .expect("the two-line paragraph");
    assert!(
        para.contains("<w:br w:type=\"textWrapping\" />") && para.contains("第二行责任过重"),
        "{para}"
    );
    // A newline inside a YAML block is a soft break: the lines join, no w:br.
    let soft = xml
        .split("</w:p>")
        .find(|p| p.contains("软换行之前"))
        .expect("the soft-wrapped paragraph");
    assert!(!soft.contains("<w:br"), "{soft}");
    assert!(docx_paragraphs(&docx)
        .iter()
        .any(|p| p.contains("软换行之前软换行之后")));
}
