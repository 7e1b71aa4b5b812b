//! The DOCX a Chinese office files as-is: the GB/T 9704 preset in the XML, native
//! numbering, LibreOffice's rendering of it, and deterministic bytes.

mod common;

use common::*;
use diaoyan::render;

#[test]
fn the_preset_is_in_the_xml() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let doc = docx_part(&docx, "word/document.xml");
    let styles = docx_part(&docx, "word/styles.xml");
    let numbering = docx_part(&docx, "word/numbering.xml");
    let footer = docx_part(&docx, "word/footer1.xml");
    // A4, margins 37/35/28/26 mm.
    assert!(
        doc.contains(r#"<w:pgSz w:w="11906" w:h="16838" />"#),
        "page size"
    );
    for m in [
        r#"w:top="2098""#,
        r#"w:bottom="1984""#,
        r#"w:left="1588""#,
        r#"w:right="1474""#,
    ] {
        assert!(doc.contains(m), "margin {m}");
    }
    // 22 lines a page.
    assert!(doc.contains(r#"<w:docGrid w:type="lines" w:linePitch="579" />"#));
    // East-Asian fonts per role; the 2-character indent; Chinese language.
    assert!(styles.contains(r#"w:eastAsia="仿宋_GB2312""#));
    assert!(styles.contains(r#"w:eastAsia="黑体""#));
    assert!(styles.contains(r#"w:eastAsia="楷体_GB2312""#));
    assert!(styles.contains(r#"w:firstLineChars="200""#));
    assert!(styles.contains(r#"w:eastAsia="zh-CN""#));
    // Real heading styles with outline levels and native Chinese numbering.
    assert!(styles.contains(r#"<w:name w:val="heading 1" />"#));
    assert!(styles.contains(r#"<w:outlineLvl w:val="0" />"#));
    let lvl0 = numbering
        .split("<w:lvl ")
        .find(|l| l.contains(r#"<w:pStyle w:val="Heading1" />"#))
        .expect("a level for heading 1");
    assert!(
        lvl0.contains(r#"<w:numFmt w:val="chineseCounting" />"#),
        "{lvl0}"
    );
    assert!(lvl0.contains(r#"<w:lvlText w:val="%1、" />"#));
    assert!(lvl0.contains(r#"<w:suff w:val="nothing" />"#));
    assert!(numbering.contains(r#"<w:lvlText w:val="（%2）" />"#));
    // Footer: — PAGE —.
    assert!(footer.contains(" PAGE ") && footer.contains("— "));
    // Tables: header rows repeat; captions count with SEQ fields.
    assert!(doc.contains("<w:tblHeader />"));
    assert!(doc.contains(" SEQ 表 \\* ARABIC "));
    // The font table declares fallbacks for the GB2312-era fonts.
    let fonts = docx_part(&docx, "word/fontTable.xml");
    assert!(fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋" />"#));
    // Document properties come from the data.
    let core = docx_part(&docx, "docProps/core.xml");
    assert!(core.contains("<dc:title>强化基层保障"));
    assert!(core.contains("2020-03-16T00:00:00Z"));
}

fn bytes_of(data: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let report = diaoyan::build(data, None).expect("builds");
    let docx = render::docx::render(&report.document).expect("docx");
    let pdf = render::pdf::render(&report.document).expect("pdf");
    (docx, pdf)
}

#[test]
fn renders_do_not_depend_on_what_the_process_made_before() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.yaml");
    let text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(
        &other,
        text.replace("青年路街道", "莲湖街道")
            .replace("caseload: 300", "caseload: 400"),
    )
    .unwrap();
    let a1 = bytes_of(&seed());
    let b1 = bytes_of(&other);
    let b2 = bytes_of(&other);
    let a2 = bytes_of(&seed());
    assert!(
        a1.0 == a2.0,
        "DOCX of the seed differs after another report"
    );
    assert!(a1.1 == a2.1, "PDF of the seed differs after another report");
    assert!(
        b1.0 == b2.0 && b1.1 == b2.1,
        "the second report is not stable"
    );
    assert!(a1.0 != b1.0, "different reports, same bytes?");
    // And in parallel threads.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let p = if i % 2 == 0 { seed() } else { other.clone() };
            std::thread::spawn(move || bytes_of(&p))
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let got = h.join().expect("thread");
        let want = if i % 2 == 0 { &a1 } else { &b1 };
        assert!(got == *want, "thread {i} differs");
    }
}
