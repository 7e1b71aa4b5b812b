//! Property test of table pagination over random tables: random column counts and widths,
//! header and foot rows with column and row spans, body rows in `group_by`-style groups
//! (a row-spanning label over 1–70 rows), other row spans, cell text from empty to longer
//! than a page, and random text before the table. For every table: nothing but the folio
//! lies outside the text block, every row is placed exactly once and in order, and a
//! group's label (or its continuation with （续）) is on every page that holds its rows.

use proptest::prelude::*;

use super::tables::CONTINUED;
use super::*;
use crate::doc::{plain_text, Align, Block, Run, Table, TableCell, TableRules};

/// A small deterministic generator for the details of one case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Cell text: usually short, sometimes a paragraph, rarely longer than a page.
fn text(rng: &mut Rng) -> String {
    const CHARS: &[char] = &[
        '社', '区', '工', '作', '人', '员', '数', '量', '办', '公', '用', '房', '面', '积', '，',
        '。', '（', '）', '1', '2', '3', '4', '5', '0', '.', '%', 'A', 'b', ' ', '、', '—',
    ];
    let len = match rng.below(20) {
        0 => 300 + rng.below(1500),
        1..=3 => 20 + rng.below(80),
        4 => 0,
        _ => rng.below(12),
    };
    (0..len).map(|_| CHARS[rng.below(CHARS.len())]).collect()
}

fn align(rng: &mut Rng) -> Align {
    [Align::Left, Align::Center, Align::Right][rng.below(3)]
}

/// Rows of `cols` columns: cells placed as [`Table::place`] places them, with random column
/// spans and (with `spans`) row spans of up to `max_span + 1` rows, none reaching past
/// these rows.
fn rows(rng: &mut Rng, n: usize, cols: usize, spans: bool, max_span: usize) -> Vec<Vec<TableCell>> {
    let mut covered = vec![0usize; cols];
    let mut out = Vec::new();
    for i in 0..n {
        let mut row = Vec::new();
        let mut c = 0;
        while c < cols {
            if covered[c] > 0 {
                c += 1;
                continue;
            }
            let free = covered[c..].iter().take_while(|k| **k == 0).count();
            let mut cell = TableCell::new(text(rng), align(rng));
            cell.colspan = if rng.below(5) == 0 {
                1 + rng.below(free) as u16
            } else {
                1
            };
            if spans && rng.below(8) == 0 {
                // Spans stay inside the rows made here, as `table()` (compose) makes them.
                cell.rowspan = (2 + rng.below(max_span.max(1))).min(n - i) as u16;
            }
            for k in covered.iter_mut().skip(c).take(cell.colspan as usize) {
                *k = cell.rowspan as usize;
            }
            c += cell.colspan as usize;
            row.push(cell);
        }
        for k in covered.iter_mut() {
            *k = k.saturating_sub(1);
        }
        out.push(row);
    }
    out
}

/// A random table; returns it with the body's groups as (label, first row, rows).
fn table(seed: u64, cols: usize, groups: &[usize]) -> (Table, Vec<(String, usize, usize)>) {
    let mut rng = Rng(seed | 1);
    let widths = if rng.below(2) == 0 {
        Vec::new()
    } else {
        (0..cols)
            .map(|_| 0.5 + rng.below(10) as f32 / 2.0)
            .collect()
    };
    let (nhead, nfoot) = (rng.below(4), rng.below(3));
    let head = rows(&mut rng, nhead, cols, true, 2);
    let foot = rows(&mut rng, nfoot, cols, false, 1);
    let mut body = Vec::new();
    let mut labels = Vec::new();
    for (gi, &size) in groups.iter().enumerate() {
        if cols > 1 && rng.below(3) != 0 {
            // A group_by group: the label spans the group's rows in the first column.
            let label = format!("组{gi}号");
            let mut rest = rows(&mut rng, size, cols - 1, true, 4);
            let mut cell = TableCell::new(label.clone(), Align::Left);
            cell.rowspan = size as u16;
            rest[0].insert(0, cell);
            labels.push((label, body.len(), size));
            body.extend(rest);
        } else {
            body.extend(rows(&mut rng, size, cols, true, 4));
        }
    }
    let t = Table {
        caption: (rng.below(2) == 0).then(|| "随机表".to_string()),
        number: Some(1),
        unit_note: (rng.below(2) == 0).then(|| "单位：人".to_string()),
        source_note: (rng.below(3) == 0).then(|| "资料来源：调查".to_string()),
        columns: cols as u16,
        rules: if rng.below(3) == 0 {
            TableRules::ThreeLine
        } else {
            TableRules::Grid
        },
        widths,
        head,
        body,
        foot,
        ..Table::default()
    };
    (t, labels)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn tables_keep_every_row_inside_the_text_block(
        seed in any::<u64>(),
        cols in 1usize..=8,
        groups in prop::collection::vec(1usize..=70, 1..=4),
        before in 0usize..=30,
    ) {
        let (t, labels) = table(seed, cols, &groups);
        let mut blocks: Vec<Block> = (0..before)
            .map(|_| Block::Paragraph(vec![Run::plain("前文")]))
            .collect();
        blocks.push(Block::Table(t.clone()));
        let doc = Document { blocks, ..Document::default() };
        let p = Preset::gbt9704();
        let fonts = FontSet::bundled();
        let l = layout(&doc, fonts, p);

        let strays = l.strays(&p);
        prop_assert!(strays.is_empty(), "outside the text block: {:?}", strays);

        // Every row of every part exactly once, in order, inside the text block.
        let mut placed: Vec<(RowPart, usize)> = Vec::new();
        for page in &l.pages {
            for m in &page.rows {
                prop_assert!(m.top >= p.top - 0.5 && m.bottom <= p.page_h - p.bottom + 0.5,
                    "row {:?} {} from {} to {}", m.part, m.index, m.top, m.bottom);
                if !m.repeat {
                    placed.push((m.part, m.index));
                }
            }
        }
        let want: Vec<(RowPart, usize)> = (0..t.head.len()).map(|i| (RowPart::Head, i))
            .chain((0..t.body.len()).map(|i| (RowPart::Body, i)))
            .chain((0..t.foot.len()).map(|i| (RowPart::Foot, i)))
            .collect();
        prop_assert_eq!(placed, want);

        // A group's label is on every page that holds one of its rows.
        for (label, first, n) in labels.iter().filter(|g| g.2 > 1) {
            for (k, page) in l.pages.iter().enumerate() {
                let holds = page.rows.iter().any(|m| {
                    m.part == RowPart::Body && (*first..first + n).contains(&m.index)
                });
                if holds {
                    let text = page.text();
                    prop_assert!(text.contains(label.as_str()), "page {}: no {}", k + 1, label);
                    let continued = format!("{label}{CONTINUED}");
                    let starts_here = page.rows.iter().any(|m| {
                        m.part == RowPart::Body && m.index == *first && !m.repeat
                    });
                    prop_assert_eq!(text.contains(continued.as_str()), !starts_here,
                        "page {}: {}", k + 1, label);
                }
            }
        }
    }
}

/// Text of `len` random characters (no forced breaks, no spaces).
fn text_of(rng: &mut Rng, len: usize) -> String {
    const CHARS: &[char] = &[
        '强', '化', '基', '层', '保', '障', '调', '研', '报', '告', '，', '。', '（', '）', '1',
        '9', '%', 'A', 'z', '、', '现', '代', '化',
    ];
    // No spaces: the layout sets a space 0.3 em wide but some fonts draw it wider, which
    // `Layout::strays` reports (a separate fault, not one of lost text).
    (0..len).map(|_| CHARS[rng.below(CHARS.len())]).collect()
}

/// A length: mostly short, sometimes a paragraph, sometimes far longer than a page.
fn length(rng: &mut Rng) -> usize {
    match rng.below(6) {
        0 => 600 + rng.below(2400),
        1 => 40 + rng.below(200),
        _ => 1 + rng.below(30),
    }
}

/// The non-whitespace characters of `s`.
fn ink(s: &str) -> Vec<char> {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether `want` is a subsequence of `have`.
fn subsequence(want: &[char], have: &[char]) -> bool {
    let mut it = have.iter();
    want.iter().all(|c| it.any(|h| h == c))
}

/// A random document: a title and subtitle from one character to several pages long,
/// headings, paragraphs with footnote marks, footnotes and tables with long captions
/// and unit notes. Returns it with the text that must appear in order (title, subtitle,
/// headings, paragraphs, captions, notes of tables) and the table cells' texts.
fn document(seed: u64, blocks: usize) -> (Document, String, Vec<String>) {
    let mut rng = Rng(seed | 1);
    let mut flow = String::new();
    let mut cells = Vec::new();
    let mut doc = Document::default();
    let n = length(&mut rng);
    doc.meta.title = text_of(&mut rng, n);
    flow.push_str(&doc.meta.title);
    if rng.below(2) == 0 {
        let n = length(&mut rng);
        let sub = text_of(&mut rng, n);
        flow.push_str(&sub);
        doc.meta.subtitle = Some(sub);
    }
    for _ in 0..blocks {
        match rng.below(4) {
            0 => {
                let n = length(&mut rng);
                let t = text_of(&mut rng, n);
                flow.push_str("一、");
                flow.push_str(&t);
                doc.blocks.push(Block::Heading {
                    level: 1 + rng.below(3) as u8,
                    numbered: true,
                    number: Some("一、".to_string()),
                    runs: vec![Run::plain(t)],
                });
            }
            1 | 2 => {
                let n = length(&mut rng);
                let t = text_of(&mut rng, n);
                flow.push_str(&t);
                let mut runs = vec![Run::plain(t)];
                if rng.below(3) == 0 {
                    let n = length(&mut rng);
                    doc.notes
                        .push(vec![Run::plain(text_of(&mut rng, n.min(400)))]);
                    let mark = Run::note_mark(doc.notes.len());
                    flow.push_str(&mark.text);
                    runs.push(mark);
                }
                doc.blocks.push(Block::Paragraph(runs));
            }
            _ => {
                let cols = 1 + rng.below(5);
                let (mut t, _) = table(rng.next(), cols, &[1 + rng.below(5)]);
                let n = length(&mut rng);
                t.caption = Some(text_of(&mut rng, n));
                let n = length(&mut rng);
                t.unit_note = Some(text_of(&mut rng, n));
                let n = length(&mut rng);
                t.source_note = Some(text_of(&mut rng, n));
                flow.push_str(&t.label().unwrap_or_default());
                flow.push_str(t.unit_note.as_deref().unwrap_or_default());
                for row in t.head.iter().chain(&t.body).chain(&t.foot) {
                    cells.extend(row.iter().map(|c| plain_text(&c.runs)));
                }
                flow.push_str(t.source_note.as_deref().unwrap_or_default());
                doc.blocks.push(Block::Table(t));
            }
        }
    }
    (doc, flow, cells)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// No text is ever dropped: every character of the title, subtitle, headings,
    /// paragraphs, captions, unit and source notes reaches the pages in order, every
    /// table cell and every footnote is on the pages, and nothing but the folio lies
    /// outside the text block — however long each block is.
    #[test]
    fn every_block_keeps_all_its_text(seed in any::<u64>(), blocks in 0usize..=8) {
        let (doc, flow, cells) = document(seed, blocks);
        let p = Preset::gbt9704();
        let fonts = FontSet::bundled();
        let l = layout(&doc, fonts, p);

        let strays = l.strays(&p);
        prop_assert!(strays.is_empty(), "outside the text block: {:?}", strays);

        let all: Vec<char> = l.pages.iter().flat_map(|pg| ink(&pg.text())).collect();
        prop_assert!(subsequence(&ink(&flow), &all), "text lost from the flow");
        for c in &cells {
            prop_assert!(subsequence(&ink(c), &all), "cell text lost: {}", c);
        }
        for (i, n) in doc.notes.iter().enumerate() {
            prop_assert!(subsequence(&ink(&plain_text(n)), &all), "footnote {} lost", i + 1);
        }
    }
}

/// A `group_by` table as compose builds it: a header row, groups of `sizes` rows whose
/// label spans the group in the first column, and an 平均 row at the foot.
fn grouped_table(sizes: &[usize]) -> Table {
    let head = vec![vec![
        TableCell::new("类别", Align::Center),
        TableCell::new("岗位", Align::Center),
        TableCell::new("月薪", Align::Center),
    ]];
    let mut body = Vec::new();
    let mut n = 0;
    for (gi, &size) in sizes.iter().enumerate() {
        for k in 0..size {
            n += 1;
            let mut row = Vec::new();
            if k == 0 {
                let mut cell = TableCell::new(format!("类{}", gi + 1), Align::Left);
                cell.rowspan = size as u16;
                row.push(cell);
            }
            row.push(TableCell::new(format!("岗{n}"), Align::Left));
            row.push(TableCell::new(format!("{}", 1000 + n), Align::Right));
            body.push(row);
        }
    }
    let foot = vec![vec![
        {
            let mut c = TableCell::new("平均", Align::Center);
            c.colspan = 2;
            c
        },
        TableCell::new("1023", Align::Right),
    ]];
    Table {
        caption: Some("类别及月薪".to_string()),
        number: Some(1),
        columns: 3,
        rules: TableRules::ThreeLine,
        head,
        body,
        foot,
        ..Table::default()
    }
}

/// Attacker finding F4 (issue 18), generalised as the tester's gsweep.py: a grouped table
/// (one or more spanning groups and an 平均 row) after 0–40 lines of text, for group sizes
/// that straddle a page. When the table is split, every page's part holds at least
/// [`tables::MIN_PART_ROWS`] of its body and foot rows, and at least one data (body) row
/// (never a 续表 of the 平均 row alone); every row is placed exactly once.
#[test]
fn grouped_table_parts_keep_three_rows_over_sizes_and_offsets() {
    let specs: Vec<Vec<usize>> = vec![
        vec![33],
        vec![34],
        vec![35],
        vec![40],
        vec![45],
        vec![60],
        vec![3, 40, 2],
        vec![1; 40],
        vec![20, 25],
    ];
    let p = Preset::gbt9704();
    let fonts = FontSet::bundled();
    let mut bad = Vec::new();
    for sizes in &specs {
        let t = grouped_table(sizes);
        for before in 0..=40 {
            let mut blocks: Vec<Block> = (0..before)
                .map(|_| Block::Paragraph(vec![Run::plain("前文")]))
                .collect();
            blocks.push(Block::Table(t.clone()));
            let doc = Document {
                blocks,
                ..Document::default()
            };
            let l = layout(&doc, fonts, p);
            let mut placed = 0;
            let mut parts: Vec<(usize, usize)> = Vec::new();
            for page in &l.pages {
                let body = page
                    .rows
                    .iter()
                    .filter(|m| !m.repeat && m.part == RowPart::Body)
                    .count();
                let foot = page
                    .rows
                    .iter()
                    .filter(|m| !m.repeat && m.part == RowPart::Foot)
                    .count();
                placed += body + foot;
                if body + foot > 0 {
                    parts.push((body, foot));
                }
            }
            let total = t.body.len() + t.foot.len();
            if placed != total {
                bad.push(format!(
                    "{sizes:?} after {before}: {placed} of {total} rows"
                ));
            }
            if parts.len() > 1
                && parts
                    .iter()
                    .any(|&(b, f)| b + f < tables::MIN_PART_ROWS || b == 0)
            {
                bad.push(format!("{sizes:?} after {before}: parts {parts:?}"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
