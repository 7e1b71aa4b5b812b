//! Page fill of the seed report (issue 16): no page before the last is left with more than
//! four blank body lines unless the block that starts the next page is a table or chart
//! that could not fit in the space left, and no page ends with a heading.

mod common;

use diaoyan::render::layout::{layout, Item, Layout, Preset};
use diaoyan::render::pdf::FontSet;

fn seed_layout() -> Layout {
    let report = diaoyan::build(&common::seed(), None).expect("the seed builds");
    layout(&report.document, FontSet::bundled(), Preset::gbt9704())
}

/// The lowest point (from the page top, pt) of anything drawn in the text block of a
/// page, footnotes and folio excepted.
fn lowest(page: &diaoyan::render::layout::Page, p: &Preset) -> f32 {
    let end = page.folio.unwrap_or(page.items.len());
    let mut low: f32 = p.top;
    for item in &page.items[..end] {
        let y = match item {
            Item::Text { y, size, .. } => p.page_h - y + 0.12 * size,
            Item::Rule { y1, y2, .. } => p.page_h - y1.min(*y2),
            Item::Fill { points, .. } | Item::Stroke { points, .. } => points
                .iter()
                .map(|(_, y)| p.page_h - y)
                .fold(f32::MIN, f32::max),
            Item::TextColor(_) => continue,
        };
        // Footnotes sit below a short rule at the foot; they are not the flow.
        if page.notes.is_empty() || y < p.page_h - p.bottom - 60.0 {
            low = low.max(y);
        }
    }
    low
}

#[test]
fn no_page_of_the_seed_is_left_partly_empty_without_cause() {
    let l = seed_layout();
    let p = Preset::gbt9704();
    for (i, page) in l.pages.iter().enumerate().take(l.pages.len() - 1) {
        let blank = (p.page_h - p.bottom - lowest(page, &p)) / p.pitch;
        if blank <= 4.0 {
            continue;
        }
        // Allowed only when the next page opens with a table (its caption) or a chart.
        let next = &l.pages[i + 1];
        let first_text = next
            .items
            .iter()
            .find_map(|it| match it {
                Item::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let opens_with_figure = matches!(
            next.items.first(),
            Some(Item::Fill { .. } | Item::Stroke { .. } | Item::TextColor(_))
        );
        assert!(
            first_text.starts_with('表') || first_text.starts_with("续表") || opens_with_figure,
            "page {}: {blank:.1} blank lines, and page {} opens with {first_text:?}",
            i + 1,
            i + 2
        );
    }
}

/// A heading never ends a page: below every heading's first line, on its page, there is
/// more of the flow (body-size text, a table's rules or a chart).
#[test]
fn no_page_of_the_seed_ends_with_a_heading() {
    let l = seed_layout();
    let p = Preset::gbt9704();
    assert!(l.bookmarks.len() > 5);
    let footnote_rule = p.text_width() / 4.0;
    for b in &l.bookmarks {
        let page = &l.pages[b.page - 1];
        let end = page.folio.unwrap_or(page.items.len());
        let below = page.items[..end].iter().any(|it| match it {
            Item::Text { y, size, .. } => *size >= p.body && p.page_h - y > b.top + p.pitch * 1.2,
            Item::Rule { x1, x2, y1, .. } => {
                (x2 - x1 - footnote_rule).abs() > 0.5 && p.page_h - y1 > b.top + p.pitch
            }
            Item::Fill { points, .. } => points.iter().any(|(_, y)| p.page_h - y > b.top + p.pitch),
            _ => false,
        });
        assert!(below, "page {} ends with the heading {}", b.page, b.title);
    }
}
