//! Unit tests of the typesetter: pagination, keep-with-next, footnotes, tables, headings.

use super::*;
use crate::doc::{Align, Block, Run, Table, TableCell};
use crate::render::layout::RowPart;

pub(super) fn lay(blocks: Vec<Block>, notes: Vec<Vec<Run>>) -> Layout {
    let doc = Document {
        blocks,
        notes,
        ..Document::default()
    };
    layout(&doc, FontSet::bundled(), Preset::gbt9704())
}

#[test]
pub(super) fn long_tables_repeat_their_header_on_every_page() {
    let t = Table {
        caption: Some("长表".into()),
        number: Some(1),
        columns: 2,
        head: vec![vec![
            TableCell::new("表头甲", Align::Center),
            TableCell::new("表头乙", Align::Center),
        ]],
        body: (0..80)
            .map(|i| {
                vec![
                    TableCell::new(format!("行{i}号"), Align::Left),
                    TableCell::new(i.to_string(), Align::Right),
                ]
            })
            .collect(),
        ..Table::default()
    };
    let l = lay(vec![Block::Table(t)], Vec::new());
    assert!(l.pages.len() >= 3, "{} pages", l.pages.len());
    for (i, p) in l.pages.iter().enumerate() {
        assert!(
            p.text().contains("表头甲表头乙"),
            "page {} lacks the header",
            i + 1
        );
        assert!(p.text().contains(&format!("— {} —", i + 1)));
    }
    // The caption is printed once, each continuation is captioned 续表1, and no row
    // is lost or repeated.
    let all: String = l.pages.iter().map(Page::text).collect();
    assert_eq!(all.matches("表1　长表").count(), 1);
    assert_eq!(all.matches("续表1").count(), l.pages.len() - 1);
    for p in &l.pages[1..] {
        assert!(p.text().starts_with("续表1表头甲"), "{}", p.text());
    }
    for i in 0..80 {
        assert_eq!(all.matches(&format!("行{i}号")).count(), 1, "行{i}");
    }
}

fn rows_table(rows: usize) -> Table {
    Table {
        caption: Some("分页".into()),
        number: Some(2),
        columns: 2,
        head: vec![vec![
            TableCell::new("名称", Align::Center),
            TableCell::new("数", Align::Center),
        ]],
        body: (0..rows)
            .map(|i| {
                vec![
                    TableCell::new(format!("行{i}号"), Align::Left),
                    TableCell::new(i.to_string(), Align::Right),
                ]
            })
            .collect(),
        ..Table::default()
    }
}

/// Body rows of table 1 placed (not repeated) on each page.
fn rows_per_page(l: &Layout) -> Vec<usize> {
    l.pages
        .iter()
        .map(|p| {
            p.rows
                .iter()
                .filter(|r| r.part == RowPart::Body && !r.repeat)
                .count()
        })
        .collect()
}

/// A table that fits on a page of its own is never split: after text that leaves a
/// few lines, the whole table moves to the next page (issue 16: a 5-row table split
/// 2/3, tables leaving 2–4 rows at a page foot).
#[test]
fn a_table_that_fits_a_page_is_not_split() {
    for before in 14..21 {
        let mut blocks: Vec<Block> = (0..before)
            .map(|_| Block::Paragraph(vec![Run::plain("前文")]))
            .collect();
        blocks.push(Block::Table(rows_table(5)));
        let l = lay(blocks, Vec::new());
        let per = rows_per_page(&l);
        assert_eq!(
            per.iter().filter(|n| **n > 0).count(),
            1,
            "{before}: {per:?}"
        );
    }
}

/// A table longer than a page is split with at least three rows in every part, the
/// last part included, whatever the space left before it.
#[test]
fn every_part_of_a_split_table_keeps_three_rows() {
    for rows in [34, 35, 36, 37, 40, 45, 60, 80] {
        for before in 0..22 {
            let mut blocks: Vec<Block> = (0..before)
                .map(|_| Block::Paragraph(vec![Run::plain("前文")]))
                .collect();
            blocks.push(Block::Table(rows_table(rows)));
            let l = lay(blocks, Vec::new());
            let per: Vec<usize> = rows_per_page(&l).into_iter().filter(|n| *n > 0).collect();
            assert_eq!(per.iter().sum::<usize>(), rows);
            assert!(per.len() > 1, "{rows} rows after {before}: {per:?}");
            assert!(
                per.iter().all(|n| *n >= 3),
                "{rows} rows after {before}: {per:?}"
            );
        }
    }
}

/// A heading never ends a page: with a second heading right after it, both go to the
/// next page with two lines of the paragraph that follows.
#[test]
fn a_chain_of_headings_keeps_with_the_text_after_it() {
    for before in 15..22 {
        let mut blocks: Vec<Block> = (0..before)
            .map(|_| Block::Paragraph(vec![Run::plain("前文")]))
            .collect();
        for (level, t) in [(1, "一级标题"), (2, "二级标题")] {
            blocks.push(Block::Heading {
                level,
                numbered: false,
                number: None,
                runs: vec![Run::plain(t)],
            });
        }
        blocks.push(Block::Paragraph(vec![Run::plain("正文".repeat(40))]));
        let l = lay(blocks, Vec::new());
        for p in &l.pages {
            let t = p.text();
            if let Some(i) = t.find("一级标题") {
                assert!(t[i..].contains("二级标题正文正文"), "{before}: {t}");
            }
        }
    }
}

/// Folios as GB/T 9704-2012 §7.5: odd pages right, even pages left, one character in
/// from the text block's edge, 7 mm below it.
#[test]
fn folios_alternate_right_and_left_one_character_in() {
    let p = Preset::gbt9704();
    let blocks: Vec<Block> = (0..60)
        .map(|_| Block::Paragraph(vec![Run::plain("正文".repeat(20))]))
        .collect();
    let l = lay(blocks, Vec::new());
    assert!(l.pages.len() >= 3);
    for (i, page) in l.pages.iter().enumerate() {
        let k = page.folio.expect("a folio");
        let (mut left, mut right, mut top) = (f32::MAX, f32::MIN, f32::MIN);
        for item in &page.items[k..] {
            if let Item::Text {
                x,
                y,
                size,
                advances,
                ..
            } = item
            {
                left = left.min(*x);
                right = right.max(x + advances.iter().sum::<f32>());
                top = top.max(y + size * 0.88);
            }
        }
        if i % 2 == 0 {
            let edge = p.page_w - p.right - p.folio;
            assert!(
                (right - edge).abs() < 0.5,
                "page {}: {right} vs {edge}",
                i + 1
            );
        } else {
            let edge = p.left + p.folio;
            assert!(
                (left - edge).abs() < 0.5,
                "page {}: {left} vs {edge}",
                i + 1
            );
        }
        // The folio's top 7 mm below the text block.
        assert!(
            (p.bottom - 7.0 * MM - top).abs() < 0.5,
            "page {}: {top}",
            i + 1
        );
    }
}

/// The layout invariant on real reports: the seed, and the seed with a `pay_scale`
/// group taller than a page (issue 14), whose rows are each placed once.
#[test]
pub(super) fn reports_lie_inside_the_text_block() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for data in [
        "data/qingnianlu-2019.yaml",
        "tests/fixtures/long-group.yaml",
    ] {
        let report = crate::build(&root.join(data), None).expect("builds");
        let (fonts, p) = (FontSet::bundled(), Preset::gbt9704());
        let l = layout(&report.document, fonts, p);
        assert_eq!(l.strays(&p), Vec::new(), "{data}");
        let Some(pay) = report.document.blocks.iter().position(|b| {
            matches!(b, Block::Table(t) if t.caption.as_deref().is_some_and(|c| c.contains("平均月薪")))
        }) else {
            panic!("{data}: no pay_scale table");
        };
        let tid = report.document.blocks[..=pay]
            .iter()
            .filter(|b| matches!(b, Block::Table(_)))
            .count();
        let Block::Table(t) = &report.document.blocks[pay] else {
            unreachable!()
        };
        let placed: Vec<usize> = l
            .pages
            .iter()
            .flat_map(|p| &p.rows)
            .filter(|m| m.table == tid && m.part == RowPart::Body && !m.repeat)
            .map(|m| m.index)
            .collect();
        assert_eq!(placed, (0..t.body.len()).collect::<Vec<_>>(), "{data}");
    }
}

/// Issue 14: a `group_by` group taller than a page is split at row boundaries, the
/// header and the label (with （续）) repeated on every page it continues on; no row is
/// lost, and a very large group takes time in proportion to its rows.
#[test]
pub(super) fn a_group_taller_than_a_page_continues_with_its_label() {
    let n = 1500;
    let mut label = TableCell::new("社区专职工作者", Align::Left);
    label.rowspan = n as u16;
    let body: Vec<Vec<TableCell>> = (0..n)
        .map(|i| {
            let mut row = vec![
                TableCell::new(format!("岗位{i}号"), Align::Left),
                TableCell::new(i.to_string(), Align::Right),
            ];
            if i == 0 {
                row.insert(0, label.clone());
            }
            row
        })
        .collect();
    let t = Table {
        columns: 3,
        head: vec![vec![
            TableCell::new("类别", Align::Center),
            TableCell::new("岗位", Align::Center),
            TableCell::new("月薪", Align::Center),
        ]],
        body,
        ..Table::default()
    };
    let started = std::time::Instant::now();
    let l = lay(vec![Block::Table(t)], Vec::new());
    assert!(
        started.elapsed().as_secs_f32() < 5.0,
        "{:?}",
        started.elapsed()
    );
    assert!(l.pages.len() > 40, "{} pages", l.pages.len());
    let p = Preset::gbt9704();
    assert_eq!(l.strays(&p), Vec::new());
    let mut placed = Vec::new();
    for (k, page) in l.pages.iter().enumerate() {
        let text = page.text();
        assert!(text.starts_with("类别岗位月薪"), "page {}", k + 1);
        assert_eq!(
            text.contains("社区专职工作者（续）"),
            k > 0,
            "page {}",
            k + 1
        );
        assert!(text.contains("社区专职工作者"), "page {}", k + 1);
        for m in &page.rows {
            assert!(m.bottom <= p.page_h - p.bottom + 0.01, "{m:?}");
            if m.part == RowPart::Body && !m.repeat {
                placed.push(m.index);
            }
        }
    }
    assert_eq!(placed, (0..n).collect::<Vec<_>>());
}

#[test]
pub(super) fn three_line_tables_have_only_horizontal_rules() {
    let t = Table {
        columns: 2,
        rules: crate::doc::TableRules::ThreeLine,
        head: vec![vec![
            TableCell::new("甲", Align::Center),
            TableCell::new("乙", Align::Center),
        ]],
        body: vec![
            vec![
                TableCell::new("1", Align::Right),
                TableCell::new("2", Align::Right)
            ];
            3
        ],
        ..Table::default()
    };
    let l = lay(vec![Block::Table(t)], Vec::new());
    let rules: Vec<(f32, f32, f32)> = l.pages[0]
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Rule { y1, y2, width, .. } => Some((*y1, *y2, *width)),
            _ => None,
        })
        .collect();
    assert!(rules.iter().all(|(a, b, _)| a == b), "a vertical rule");
    let heavy = rules.iter().filter(|r| r.2 == 1.5).count();
    let light = rules.iter().filter(|r| r.2 == 0.75).count();
    assert_eq!((heavy, light), (2, 2), "{rules:?}"); // one light rule per header cell
}

#[test]
pub(super) fn a_footnote_sits_at_the_foot_of_the_page_of_its_mark() {
    let filler = || Block::Paragraph(vec![Run::plain("正文".repeat(60))]);
    let mut blocks: Vec<Block> = (0..5).map(|_| filler()).collect();
    blocks.push(Block::Paragraph(vec![
        Run::plain("有注释的句子"),
        Run::note_mark(1),
    ]));
    let l = lay(blocks, vec![vec![Run::plain("资料来源：街道统计")]]);
    let page = l
        .pages
        .iter()
        .position(|p| p.text().contains("有注释的句子"))
        .expect("mark");
    assert!(l.pages[page].text().contains("资料来源：街道统计"));
    assert_eq!(l.pages[page].notes, [1]);
    // The note is below every line of text on its page.
    let y_of = |needle: &str| {
        l.pages[page].items.iter().find_map(|i| match i {
            Item::Text { text, y, .. } if text.contains(needle) => Some(*y),
            _ => None,
        })
    };
    assert!(y_of("资料来源").expect("note") < y_of("有注释").expect("text"));
}

#[test]
pub(super) fn headings_keep_with_what_follows() {
    let mut blocks: Vec<Block> = (0..7)
        .map(|_| Block::Paragraph(vec![Run::plain("正文".repeat(40))]))
        .collect();
    blocks.push(Block::Heading {
        level: 1,
        numbered: true,
        number: Some("二、".into()),
        runs: vec![Run::plain("标题")],
    });
    blocks.push(Block::Paragraph(vec![Run::plain(
        "紧随其后的正文。".repeat(4),
    )]));
    let l = lay(blocks, Vec::new());
    let heading = l
        .pages
        .iter()
        .position(|p| p.text().contains("二、标题"))
        .expect("heading");
    let body = l
        .pages
        .iter()
        .position(|p| p.text().contains("紧随其后"))
        .expect("body");
    assert_eq!(heading, body);
}

/// Issue 14: a footnote mark in a table cell is a superscript mark (not digits in the
/// cell's text size) and its note is printed at the foot of the page.
#[test]
pub(super) fn a_footnote_in_a_table_cell_is_printed_at_the_foot() {
    let mut cell = TableCell::new("20000", Align::Right);
    cell.runs.push(Run::note_mark(1));
    let t = Table {
        columns: 1,
        head: vec![vec![TableCell::new("金额", Align::Center)]],
        body: vec![vec![cell]],
        ..Table::default()
    };
    let l = lay(vec![Block::Table(t)], vec![vec![Run::plain("含上级补助")]]);
    assert_eq!(l.pages[0].notes, [1]);
    assert!(l.pages[0].text().contains("含上级补助"));
    let sizes: Vec<(String, f32)> = l.pages[0]
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text { text, size, .. } => Some((text.clone(), *size)),
            _ => None,
        })
        .collect();
    let value = sizes.iter().find(|(t, _)| t == "20000").expect("value");
    let mark = sizes.iter().find(|(t, _)| t == "1").expect("mark");
    assert!(mark.1 < value.1, "{sizes:?}");
}

/// Issue 14: a typed line break ends the line; the next text starts a new one.
#[test]
pub(super) fn a_line_break_forces_a_new_line() {
    let l = lay(
        vec![Block::Paragraph(vec![
            Run::plain("第一行"),
            Run::line_break(),
            Run::plain("第二行"),
        ])],
        Vec::new(),
    );
    let ys: Vec<(String, f32)> = l.pages[0]
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text { text, y, .. } => Some((text.clone(), *y)),
            _ => None,
        })
        .collect();
    let y = |t: &str| {
        ys.iter()
            .find(|(s, _)| s.contains(t))
            .map(|p| p.1)
            .expect(t)
    };
    assert!(y("第二行") < y("第一行"), "{ys:?}");
}
