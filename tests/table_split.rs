//! Table splitting across pages (issue 16, GB/T 9704 practice as clreq and typesetters use
//! it): a table is split only when it does not fit on a page of its own, and every part on a
//! page holds at least three body rows, also when a spanned group (rows joined by a
//! `group_by` cell) is taller than a page and has to be cut inside.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use diaoyan::render::layout::{layout, Layout, Preset, RowPart};
use diaoyan::render::pdf::FontSet;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/attack16")
        .join(name)
}

fn fixture_layout(name: &str) -> Layout {
    let dir = fixture(name);
    let report = diaoyan::build(&dir.join("data.yaml"), Some(&dir.join("pack")))
        .expect("the fixture builds");
    layout(&report.document, FontSet::bundled(), Preset::gbt9704())
}

/// Body rows placed (not repeated) per (table, page), in page order.
fn parts(l: &Layout) -> BTreeMap<usize, Vec<(usize, usize)>> {
    let mut out: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (pi, page) in l.pages.iter().enumerate() {
        for r in page
            .rows
            .iter()
            .filter(|r| r.part == RowPart::Body && !r.repeat)
        {
            let v = out.entry(r.table).or_default();
            match v.last_mut() {
                Some((p, n)) if *p == pi => *n += 1,
                _ => v.push((pi, 1)),
            }
        }
    }
    out
}

fn assert_parts_of_three(name: &str) {
    let l = fixture_layout(name);
    for (table, ps) in parts(&l) {
        if ps.len() < 2 {
            continue;
        }
        for (page, n) in &ps {
            assert!(
                *n >= 3,
                "{name}: table {table} has a part of {n} row(s) on page {} (parts {ps:?})",
                page + 1
            );
        }
    }
}

#[test]
fn a_spanned_group_taller_than_a_page_leaves_three_rows_per_part() {
    assert_parts_of_three("group45");
}

#[test]
fn a_spanned_group_after_filler_leaves_three_rows_per_part() {
    assert_parts_of_three("group1-40");
}
