//! The end of the report and the pack's table style (issue 16): 落款 and 成文日期 per GB/T
//! 9704-2012 §7.3.5.2 in the Document and the DOCX, the pack's `style:` keys and their
//! errors, one table style per report, equal decimals per table column.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use diaoyan::doc::{nominal_width, Block, ClosingPart, Table, TableRules};

/// The seed's pack copied into `dir` with its `style:` section replaced by `style`.
fn pack_with_style(dir: &Path, style: &str) -> PathBuf {
    let pack = copy_builtin_pack(dir);
    let path = pack.join("template.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let cut = yaml
        .find("\n# How every report of this pack looks.\nstyle:")
        .expect("the seed pack ends with its style section");
    std::fs::write(&path, format!("{}\n{style}", &yaml[..cut])).unwrap();
    pack
}

/// The seed's data copied into `dir` with `edit` applied to its text.
fn seed_with(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(seed()).unwrap();
    let path = dir.join("qingnianlu-2019.yaml");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

fn build(data: &Path, pack: Option<&Path>) -> diaoyan::Report {
    diaoyan::build(data, pack).expect("builds")
}

fn tables(doc: &diaoyan::doc::Document) -> Vec<&Table> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The paragraphs of `document.xml` from the one holding `from` to the end, each as
/// (its `w:pPr` XML, its text).
fn paragraphs_from(xml: &str, from: &str) -> Vec<(String, String)> {
    let start = xml.find(from).expect("text present");
    let start = xml[..start].rfind("<w:p ").expect("a paragraph");
    let end = xml.find("<w:sectPr").unwrap_or(xml.len());
    xml[start..end]
        .split("</w:p>")
        .filter(|p| p.contains("<w:p "))
        .map(|p| {
            let ppr = p
                .find("<w:pPr>")
                .and_then(|i| p[i..].find("</w:pPr>").map(|j| p[i..i + j].to_string()))
                .unwrap_or_default();
            let text: String = p
                .split("<w:t xml:space=\"preserve\">")
                .skip(1)
                .filter_map(|t| t.split("</w:t>").next())
                .collect();
            (ppr, text)
        })
        .collect()
}

#[test]
fn the_seed_ends_with_its_organisation_and_date_typed_in_the_document() {
    let report = build(&seed(), None);
    let c = report.document.closing.as_ref().expect("a closing");
    assert_eq!(c.signature.as_deref(), Some("青年路街道办事处"));
    assert_eq!(c.date_text().as_deref(), Some("2020年3月16日"));
    assert!(c.lines.is_empty(), "the seed has no author: {:?}", c.lines);
    // §7.3.5.2: the date (6.5 em) is not longer than the 署名 (8 em): 署名 右空二字, the
    // date's first character 2 em right of the 署名's, so its right end 8 − 6.5 = 1.5 em in.
    let placed = c.placed(nominal_width);
    let got: Vec<(ClosingPart, &str, f32)> = placed
        .iter()
        .map(|l| (l.part, l.text.as_str(), l.right_indent))
        .collect();
    assert_eq!(
        got,
        vec![
            (ClosingPart::Signature, "青年路街道办事处", 2.0),
            (ClosingPart::Date, "2020年3月16日", 1.5),
        ]
    );
    // The closing is not body text: no paragraph of the report holds it.
    let text: String = report
        .document
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(r) => Some(diaoyan::doc::plain_text(r)),
            _ => None,
        })
        .collect();
    assert!(!text.contains("2020年3月16日"));
}

#[test]
fn a_date_longer_than_the_signature_is_right_indented_two_and_the_signature_follows() {
    let tmp = tempfile::tempdir().unwrap();
    let data = seed_with(tmp.path(), |t| {
        t.replace("organisation: 青年路街道办事处", "organisation: 民政局")
    });
    let report = build(&data, None);
    let placed = report
        .document
        .closing
        .as_ref()
        .expect("closing")
        .placed(nominal_width);
    // 署名 3 em, date 6.5 em: the date 右空二字, the 署名's first character 2 em left of the
    // date's: right indent 2 + 6.5 + 2 − 3 = 7.5 em.
    assert_eq!(placed[0].text, "民政局");
    assert_eq!(placed[0].right_indent, 7.5);
    assert_eq!(placed[1].right_indent, 2.0);
    let sig_start = placed[0].right_indent + 3.0;
    let date_start = placed[1].right_indent + 6.5;
    assert_eq!(
        sig_start - date_start,
        2.0,
        "date starts 2 em right of the 署名"
    );
}

#[test]
fn the_docx_ends_with_a_blank_line_then_signature_and_date_flush_right() {
    let dir = render_seed();
    let xml = docx_part(
        &dir.path().join("qingnianlu-2019.docx"),
        "word/document.xml",
    );
    let paras = paragraphs_from(&xml, "社区是基层治理的基础单元");
    let texts: Vec<&str> = paras.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert_eq!(&texts[1..], ["", "青年路街道办事处", "2020年3月16日"]);
    // The report's last paragraph, the blank line and the 署名 keep with the next
    // paragraph: the block stays together and never stands alone on a page (GB/T
    // 9704-2012 §7.3.5.4; LibreOffice left it alone on the 15th page of attack16/city39).
    assert!(paras[0].0.contains("<w:keepNext />"), "{}", paras[0].0);
    assert!(paras[1].0.contains("<w:keepNext />"), "{}", paras[1].0);
    let (sig, date) = (&paras[2].0, &paras[3].0);
    assert!(sig.contains("<w:keepNext />"), "{sig}");
    assert!(sig.contains(r#"<w:jc w:val="right" />"#), "{sig}");
    for p in [sig, date] {
        assert!(p.contains(r#"w:firstLine="0""#), "{p}");
    }
    // The 署名 2 em of 三号 (320 twips an em) in from the right; the date flush left from
    // two characters right of the 署名's first character: 8844 − 640 − 8 × 315 (the body's
    // character pitch on the 28-per-line grid) + 2 × 315 = 6314 twips.
    assert!(sig.contains(r#"w:right="640""#), "{sig}");
    assert!(date.contains(r#"<w:jc w:val="left" />"#), "{date}");
    assert!(date.contains(r#"w:left="6314""#), "{date}");
    // Its right indent reaches 2 em into the margin, so a renderer that sets the digits
    // wider wraps nothing (LibreOffice put 日 on a line of its own).
    assert!(date.contains(r#"w:right="-640""#), "{date}");
}

#[test]
fn a_pack_adds_lines_after_the_date_in_order_and_drops_blank_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(
        tmp.path(),
        "style:\n  signature:\n    lines:\n      - \"执笔人：{{ report.author }}\"\n      - \"{% if report.subtitle == 'x' %}不印{% endif %}\"\n      - \"调研时段：{{ report.period }}年\"\n",
    );
    let data = seed_with(tmp.path(), |t| {
        t.replace(
            "  organisation: 青年路街道办事处\n",
            "  organisation: 青年路街道办事处\n  author: 张三\n",
        )
    });
    let report = build(&data, Some(&pack));
    let c = report.document.closing.as_ref().expect("closing");
    assert_eq!(c.lines, ["执笔人：张三", "调研时段：2019年"]);
    let placed = c.placed(nominal_width);
    let texts: Vec<&str> = placed.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "青年路街道办事处",
            "2020年3月16日",
            "执笔人：张三",
            "调研时段：2019年"
        ]
    );
    assert!(placed[2..].iter().all(|l| l.right_indent == 2.0));
    // The DOCX prints the same lines in the same order.
    let out = tmp.path().join("out");
    let run = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--format",
        "docx",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let xml = docx_part(&out.join("qingnianlu-2019.docx"), "word/document.xml");
    let paras = paragraphs_from(&xml, "社区是基层治理的基础单元");
    let texts: Vec<&str> = paras.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        &texts[2..],
        [
            "青年路街道办事处",
            "2020年3月16日",
            "执笔人：张三",
            "调研时段：2019年"
        ]
    );
}

#[test]
fn a_pack_turns_the_closing_off() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(tmp.path(), "style:\n  signature:\n    show: false\n");
    let report = build(&seed(), Some(&pack));
    assert_eq!(report.document.closing, None);
}

#[test]
fn a_report_without_organisation_or_date_has_no_closing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = seed_with(tmp.path(), |t| {
        t.replace("  organisation: 青年路街道办事处\n", "")
            .replace("  date: \"2020-03-16\"\n", "")
    });
    assert_eq!(build(&data, None).document.closing, None);
}

/// `check` with the pack in `pack`: exit code and stderr.
fn check_with(pack: &Path) -> (Option<i32>, String) {
    let out = diaoyan(&[
        "check",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
    ]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_style_keys_are_refused_in_chinese_listing_the_valid_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(tmp.path(), "style:\n  signature:\n    shw: false\n");
    let (code, err) = check_with(&pack);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("template.yaml:"), "{err}");
    assert!(err.contains("未知字段 shw（可用：show、lines）"), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(tmp.path(), "style:\n  rules: grid\n");
    let (code, err) = check_with(&pack);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "未知字段 rules（可用：table_rules、signature、reference_docx、reference_page_setup）"
        ),
        "{err}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(tmp.path(), "style:\n  table_rules: dotted\n");
    let (code, err) = check_with(&pack);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("dotted"), "{err}");
    assert!(err.contains("（可用：grid、three-line）"), "{err}");
}

#[test]
fn a_signature_line_naming_missing_data_is_a_data_error() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(
        tmp.path(),
        "style:\n  signature:\n    lines: [\"联系电话：{{ facts.phone }}\"]\n",
    );
    let (code, err) = check_with(&pack);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("缺少 facts.phone"), "{err}");
}

#[test]
fn every_table_of_a_report_has_the_packs_rules() {
    let report = build(&seed(), None);
    let ts = tables(&report.document);
    assert_eq!(ts.len(), 6);
    assert!(ts.iter().all(|t| t.rules == TableRules::Grid));

    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with_style(tmp.path(), "style:\n  table_rules: three-line\n");
    let report = build(&seed(), Some(&pack));
    let ts = tables(&report.document);
    assert_eq!(ts.len(), 6);
    assert!(ts.iter().all(|t| t.rules == TableRules::ThreeLine));
    // The default signature stays on when `style` names only the tables.
    assert!(report.document.closing.is_some());
}

#[test]
fn a_per_table_rules_argument_is_refused_naming_the_pack_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = copy_builtin_pack(tmp.path());
    let path = pack.join("report.md");
    let md = std::fs::read_to_string(&path).unwrap().replace(
        "caption=\"各社区年办理各类业务量\")",
        "caption=\"各社区年办理各类业务量\", rules=\"three-line\")",
    );
    std::fs::write(&path, md).unwrap();
    let (code, err) = check_with(&pack);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("report.md:"), "{err}");
    assert!(err.contains("style.table_rules"), "{err}");
}

/// Decimals shown by a number cell's text (`—` has none).
fn shown_decimals(text: &str) -> Option<usize> {
    let t = text.trim_end_matches('%');
    t.parse::<f64>().ok()?;
    Some(t.split_once('.').map_or(0, |(_, d)| d.len()))
}

#[test]
fn every_number_of_a_table_column_shows_the_same_decimals_right_aligned() {
    let tmp = tempfile::tempdir().unwrap();
    // One area with a decimal: the whole 办公用房 table shows one decimal, its 合计 and
    // 平均 rows included (平均 used to print whole numbers under 356.5).
    let data = seed_with(tmp.path(), |t| {
        t.replacen(
            "office: { total: 356, owned: 96, rented: 260 }",
            "office: { total: 356.5, owned: 96.5, rented: 260 }",
            1,
        )
    });
    let report = build(&data, None);
    let office = tables(&report.document)
        .into_iter()
        .find(|t| t.caption.as_deref() == Some("各社区办公用房面积"))
        .expect("the office table");
    for col in 1..office.columns as usize {
        let mut seen = Vec::new();
        for rows in [&office.body, &office.foot] {
            for row in office.place(rows) {
                for (c, cell) in row {
                    if c != col {
                        continue;
                    }
                    if let Some(d) = shown_decimals(&cell.text()) {
                        assert_eq!(cell.align, diaoyan::doc::Align::Right, "{}", cell.text());
                        seen.push((d, cell.text()));
                    }
                }
            }
        }
        assert!(seen.len() >= 13, "column {col}: {seen:?}");
        // 总面积 and 自有 hold a decimal; 租赁 (whole numbers only) stays whole.
        let want = if col == 3 { 0 } else { 1 };
        assert!(
            seen.iter().all(|(d, _)| *d == want),
            "column {col} mixes decimals: {seen:?}"
        );
    }
    // The seed's whole numbers stay whole, 平均 rows too.
    let report = build(&seed(), None);
    for t in tables(&report.document) {
        for row in t.body.iter().chain(&t.foot) {
            for cell in row {
                assert_ne!(shown_decimals(&cell.text()), Some(1), "{}", cell.text());
            }
        }
    }
}
