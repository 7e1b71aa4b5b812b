//! A pack's reference.docx (issue 18, "Finding and naming packs", second point): the
//! office's own Word file gives the DOCX its styles, page setup, header and footer, as
//! pandoc's `--reference-doc` does; the PDF follows the pack's `style:` settings. A
//! hostile file is refused with a Chinese message naming it (exit 2, nothing written).

mod common;

use common::refdocx::{self, HEADER_TEXT, MARGINS, NORMAL_FONT, NORMAL_SIZE};
use common::{diaoyan, docx_part, render_seed, seed};

/// The style element with `w:styleId="id"` in a styles part.
fn style<'a>(styles: &'a str, id: &str) -> &'a str {
    let at = styles
        .find(&format!(r#"w:styleId="{id}""#))
        .unwrap_or_else(|| panic!("style {id} in {styles}"));
    let start = styles[..at].rfind("<w:style ").unwrap();
    let end = at + styles[at..].find("</w:style>").unwrap();
    &styles[start..end]
}

#[test]
fn the_reference_gives_styles_page_header_and_footer() {
    let dir = tempfile::tempdir().unwrap();
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::reference_docx());
    let out = refdocx::render_with(&pack, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docx = refdocx::docx_in(dir.path());
    // The header: the reference's red 版头, and its image carried.
    let header = docx_part(&docx, "word/header1.xml");
    assert!(header.contains(HEADER_TEXT), "{header}");
    assert!(header.contains(r#"w:val="FF0000""#), "{header}");
    let rels = docx_part(&docx, "word/_rels/header1.xml.rels");
    assert!(rels.contains(r#"Target="media/reference1.png""#), "{rels}");
    assert_eq!(
        docx_part_bytes(&docx, "word/media/reference1.png"),
        refdocx::PNG
    );
    // The drawing's id does not repeat the body's (ids are unique across stories).
    assert!(header.contains(r#"<wp:docPr id="100001""#), "{header}");
    // The header's style (Chinese Word's id a3) is carried, with its id.
    assert!(header.contains(r#"<w:pStyle w:val="a3""#), "{header}");
    // The footer: the reference's, with its PAGE field (ours replaced).
    let footer = docx_part(&docx, "word/footer1.xml");
    assert!(footer.contains(" PAGE "), "{footer}");
    assert!(footer.contains(refdocx::FOOTER_TEXT), "{footer}");
    assert!(!footer.contains("— "), "our folio replaced: {footer}");
    // One footer only: the reference has no even one and no evenAndOddHeaders.
    let settings = docx_part(&docx, "word/settings.xml");
    assert!(!settings.contains("evenAndOddHeaders"), "{settings}");
    // The styles: the reference's Normal (id a → Normal) wins: its size and font.
    let styles = docx_part(&docx, "word/styles.xml");
    let normal = style(&styles, "Normal");
    assert!(
        normal.contains(&format!(r#"<w:sz w:val="{NORMAL_SIZE}""#)),
        "{normal}"
    );
    assert!(normal.contains(NORMAL_FONT), "{normal}");
    assert!(normal.contains(r#"w:default="1""#), "{normal}");
    assert_eq!(styles.matches(r#"w:styleId="Normal""#).count(), 1);
    // heading 1 (id 1 → Heading1): the reference's colour, our numbering (not its numId 7).
    let h1 = style(&styles, "Heading1");
    assert!(h1.contains(r#"w:val="C00000""#), "{h1}");
    assert!(h1.contains(r#"<w:numId w:val="2""#), "{h1}");
    assert!(!h1.contains(r#"w:val="7""#), "{h1}");
    assert!(h1.contains(r#"<w:basedOn w:val="Normal""#), "{h1}");
    // Its linked character style follows the rename.
    assert!(style(&styles, "10").contains(r#"<w:link w:val="Heading1""#));
    // Styles the reference lacks are ours.
    assert!(style(&styles, "Caption").contains("黑体"));
    // The page: the reference's margins and grid.
    let document = docx_part(&docx, "word/document.xml");
    let (top, right, bottom, left) = MARGINS;
    for (k, v) in [
        ("w:top", top),
        ("w:right", right),
        ("w:bottom", bottom),
        ("w:left", left),
    ] {
        assert!(
            document.contains(&format!(r#"{k}="{v}""#)),
            "{k}={v} in {}",
            &document[document.rfind("<w:sectPr").unwrap()..]
        );
    }
    assert!(document.contains(r#"w:linePitch="312""#));
    // Tables fill the reference's text block (11906 − 2 × 1800 twips), not 156 mm.
    assert!(document.contains(r#"<w:tblW w:w="8306""#), "{document}");
    assert!(!document.contains(r#"<w:tblW w:w="8844""#));
    // The headings still carry our numbering (the style's), so 一、 stays.
    assert!(document.contains(r#"<w:pStyle w:val="Heading1""#));
}

/// Add `keys` (indented lines) to the `style:` section of the pack's template.yaml.
fn with_style(pack: &std::path::Path, keys: &str) {
    let yaml = std::fs::read_to_string(pack.join("template.yaml")).unwrap();
    assert!(yaml.contains("\nstyle:\n"));
    let yaml = yaml.replacen("\nstyle:\n", &format!("\nstyle:\n{keys}"), 1);
    std::fs::write(pack.join("template.yaml"), yaml).unwrap();
}

fn docx_part_bytes(path: &std::path::Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

#[test]
fn the_pdf_does_not_follow_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::reference_docx());
    let out = refdocx::render_with(&pack, dir.path());
    assert!(out.status.success());
    let seed_dir = render_seed();
    let pdf = |d: &std::path::Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "pdf"))
            .map(|p| std::fs::read(p).unwrap())
            .unwrap()
    };
    assert!(
        pdf(&dir.path().join("out")) == pdf(seed_dir.path()),
        "the PDF is the same with or without a reference.docx"
    );
}

#[test]
fn page_setup_can_be_turned_off_and_the_reference_named() {
    let dir = tempfile::tempdir().unwrap();
    let pack = common::copy_builtin_pack(dir.path());
    std::fs::write(pack.join("office.docx"), refdocx::reference_docx()).unwrap();
    with_style(
        &pack,
        "  reference_docx: office.docx\n  reference_page_setup: false\n",
    );
    let out = refdocx::render_with(&pack, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docx = refdocx::docx_in(dir.path());
    let document = docx_part(&docx, "word/document.xml");
    // GB/T 9704's page (top 37 mm = 2098 twips), the reference's header.
    assert!(document.contains(r#"w:top="2098""#), "{document}");
    assert!(docx_part(&docx, "word/header1.xml").contains(HEADER_TEXT));
}

#[test]
fn without_a_reference_nothing_changes() {
    // The seed (built-in pack, no reference): our folio, GB/T 9704 page.
    let dir = render_seed();
    let docx = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "docx"))
        .unwrap();
    assert!(docx_part(&docx, "word/footer1.xml").contains("— "));
    assert!(docx_part(&docx, "word/settings.xml").contains("evenAndOddHeaders"));
}

#[test]
fn a_header_only_reference_keeps_our_folio() {
    let dir = tempfile::tempdir().unwrap();
    let mut parts = refdocx::parts();
    for (name, bytes) in parts.iter_mut() {
        if *name == "word/document.xml" {
            let text = String::from_utf8(bytes.clone()).unwrap();
            *bytes = text
                .replace(r#"<w:footerReference w:type="default" r:id="rId11"/>"#, "")
                .into_bytes();
        }
    }
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::zip_of(&parts));
    let out = refdocx::render_with(&pack, dir.path());
    assert!(out.status.success());
    let docx = refdocx::docx_in(dir.path());
    // Odd and even pages: the reference's header on both, our folio on both.
    assert!(docx_part(&docx, "word/header1.xml").contains(HEADER_TEXT));
    assert!(docx_part(&docx, "word/header2.xml").contains(HEADER_TEXT));
    assert!(docx_part(&docx, "word/footer1.xml").contains("— "));
    assert!(docx_part(&docx, "word/settings.xml").contains("evenAndOddHeaders"));
}

#[test]
fn without_styles_the_report_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<_> = refdocx::parts()
        .into_iter()
        .filter(|(n, _)| *n != "word/styles.xml")
        .collect();
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::zip_of(&parts));
    let out = refdocx::render_with(&pack, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docx = refdocx::docx_in(dir.path());
    let styles = docx_part(&docx, "word/styles.xml");
    assert!(style(&styles, "Normal").contains(r#"<w:sz w:val="32""#));
    assert!(docx_part(&docx, "word/header1.xml").contains(HEADER_TEXT));
}

/// A refused reference: exit 2, the file named, the reason in Chinese, nothing written;
/// `check` refuses it the same way.
fn refused(bytes: &[u8], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let pack = refdocx::pack_with_reference(dir.path(), bytes);
    let out = refdocx::render_with(&pack, dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("reference.docx"), "{err}");
    assert!(err.contains(needle), "{needle} in {err}");
    assert!(!dir.path().join("out").exists(), "nothing written");
    let check = diaoyan(&[
        "check",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(check.status.code(), Some(2));
}

#[test]
fn a_reference_that_is_not_a_zip_is_refused() {
    refused(b"this is not a word file", "不是有效的 DOCX");
}

#[test]
fn a_zip_bomb_is_refused_without_inflating_it() {
    // styles.xml inflating to 64 MiB (a few dozen KB compressed).
    let mut parts = refdocx::parts();
    for (name, bytes) in parts.iter_mut() {
        if *name == "word/styles.xml" {
            let mut big = bytes.clone();
            let at = big.len() - "</w:styles>".len();
            big.splice(at..at, std::iter::repeat_n(b' ', 64 << 20));
            *bytes = big;
        }
    }
    let bytes = refdocx::zip_of(&parts);
    assert!(bytes.len() < 1 << 20, "{}", bytes.len());
    refused(&bytes, "压缩炸弹");
}

#[test]
fn broken_xml_in_the_reference_is_refused() {
    let mut parts = refdocx::parts();
    for (name, bytes) in parts.iter_mut() {
        if *name == "word/header1.xml" {
            *bytes = b"<w:hdr xmlns:w=\"x\"><w:p></w:hdr>".to_vec();
        }
    }
    refused(&refdocx::zip_of(&parts), "不是格式正确的 XML");
}

#[test]
fn a_reference_without_a_main_document_is_refused() {
    let parts: Vec<_> = refdocx::parts()
        .into_iter()
        .filter(|(n, _)| *n != "word/document.xml")
        .collect();
    refused(&refdocx::zip_of(&parts), "缺少主文档");
}

#[test]
fn a_named_reference_that_does_not_exist_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let pack = common::copy_builtin_pack(dir.path());
    with_style(&pack, "  reference_docx: office.docx\n");
    let out = refdocx::render_with(&pack, dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("office.docx") && err.contains("不存在"),
        "{err}"
    );
}

#[test]
fn the_docx_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let pack = refdocx::pack_with_reference(dir.path(), &refdocx::reference_docx());
    assert!(refdocx::render_with(&pack, dir.path()).status.success());
    let a = std::fs::read(refdocx::docx_in(dir.path())).unwrap();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    assert!(refdocx::render_with(&pack, dir.path()).status.success());
    let b = std::fs::read(refdocx::docx_in(dir.path())).unwrap();
    assert!(a == b);
}
