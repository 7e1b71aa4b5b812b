//! The GB/T 9704-2012 page in WordprocessingML: A4, the margins, the 22 × 28 grid (a
//! `w:docGrid` of lines, and the body's character spacing) and the folios (§7.5), odd pages right and even pages left.
//!
//! All lengths are twips (1/20 pt, 1/1440 inch) unless a name says otherwise.

use docx_rs::{
    AlignmentType, DocGrid, DocGridType, FieldCharType, Footer, InstrText, PageMargin, Paragraph,
    Run as DRun,
};

use super::styles;

/// Twips in `mm` millimetres, rounded to the nearest twip (1 mm = 1440 / 25.4 twips).
const fn mm(mm: i32) -> i32 {
    (mm * 14400 + 127) / 254
}

/// A4: 210 × 297 mm.
pub const PAGE_W: i32 = 11906;
/// A4 height, 297 mm in twips.
pub const PAGE_H: i32 = 16838;
/// GB/T 9704-2012 §5.2.1: top 37 mm, bottom 35 mm, left (binding side) 28 mm, right 26 mm,
/// leaving a text block of 156 × 225 mm.
pub const TOP: i32 = mm(37);
/// Bottom margin, 35 mm in twips.
pub const BOTTOM: i32 = mm(35);
/// Right margin, 26 mm in twips.
pub const RIGHT: i32 = mm(26);
/// The left margin takes what the 156 mm block and the right margin leave (1,588 twips,
/// 28.01 mm), so the block is a whole 8,844 twips.
pub const LEFT: i32 = PAGE_W - RIGHT - TEXT_WIDTH;
/// The text block's width, 156 mm = 8,844 twips.
pub const TEXT_WIDTH: i32 = mm(156);
/// The text block's height, 225 mm = 12,756 twips.
pub const TEXT_HEIGHT: i32 = PAGE_H - TOP - BOTTOM;

/// Lines on a full page and characters on a full line (§5.2.2: 22 × 28).
pub const LINES: i32 = 22;
/// Characters on a full line (§5.2.2).
pub const CHARS: i32 = 28;

/// The line pitch: the largest whole number of twips of which 22 lines fit in the block,
/// ⌊12,756 / 22⌋ = 579 twips = 28.95 pt (the PDF's pitch is 225 mm / 22 = 28.99 pt; 580
/// twips would leave room for only 21 lines). Body paragraphs use it as their exact line
/// height, and the grid's `w:linePitch` is the same, so Word, WPS and LibreOffice all set
/// 22 lines a page.
pub const LINE_PITCH: i32 = TEXT_HEIGHT / LINES;

/// The body's character spacing (`w:spacing` in the run properties, in twentieths of a
/// point, i.e. twips), so 28 三号 characters fill the 156 mm line in Word, WPS and
/// LibreOffice alike: each full-width character advances 16 pt + this, and 28 of them
/// must fit the 8,844-twip line while 29 must not:
/// ⌊8,844 / 28 − 320⌋ = ⌊−4.14⌋ = −5 twips (−0.25 pt; 28 × 15.75 = 441 pt ≤ 442.2 pt <
/// 29 × 15.75 pt; −4 would need 442.4 pt and leave 27 a line).
///
/// Why not the grid's `w:charSpace` (a `linesAndChars` grid of pitch 16 pt − 849/4096 pt,
/// the value 公文 templates carry)? LibreOffice (checked with 7.4) gives every character
/// wider than the grid's pitch two cells, so the body would set 14 characters a line. The
/// grid is therefore a line grid ([`grid`]), and the character count comes from the
/// spacing, which every application honours.
pub const CHAR_SPACING: i32 = (TEXT_WIDTH - (styles::BODY as i32 * 10) * CHARS).div_euclid(CHARS);

// 22 lines fit the block and 23 do not, at this pitch; one twip more and 22 would not.
const _: () = assert!(
    LINE_PITCH * LINES <= TEXT_HEIGHT
        && (LINE_PITCH + 1) * LINES > TEXT_HEIGHT
        && LINE_PITCH * (LINES + 1) > TEXT_HEIGHT
);

/// The folio's size, 四号 = 14 pt, in twips: its line is exactly this high, so its em box
/// is its line box.
const FOLIO_PT20: i32 = (styles::FOOTER_SIZE as i32) * 10;

/// The footer's distance from the page's bottom edge (`w:footer`): §7.5 puts the folio's
/// top 7 mm below the text block, whose bottom is 35 mm above the page's bottom edge, so
/// the folio's line box (exactly one 四号 em high) ends 35 − 7 mm − 14 pt above the edge:
/// 1,587 − 280 = 1,307 twips (23.1 mm). (Before: 992 twips, which put the folio 13 mm below
/// the block.)
pub const FOOTER: i32 = BOTTOM - mm(7) - FOLIO_PT20;

/// The header's distance from the top edge (no header is written; Word's default).
const HEADER: i32 = 851;

/// "One character" of §7.5's 空一字: one 四号 em, 14 pt = 280 twips.
pub const FOLIO_INDENT: i32 = FOLIO_PT20;

/// The page size and margins.
pub fn margins() -> PageMargin {
    PageMargin::new()
        .top(TOP)
        .bottom(BOTTOM)
        .left(LEFT)
        .right(RIGHT)
        .header(HEADER)
        .footer(FOOTER)
}

/// The section's grid: 22 lines of [`LINE_PITCH`] (`w:type="lines"`; the 28 characters a
/// line come from [`CHAR_SPACING`]). Body, heading, quote and list paragraphs keep
/// `w:snapToGrid`; the title, tables, notes, the folio and charts, set in other sizes,
/// turn it off.
pub fn grid() -> DocGrid {
    DocGrid::with_empty()
        .grid_type(DocGridType::Lines)
        .line_pitch(LINE_PITCH as usize)
}

/// Which pages a footer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Odd pages (the default footer): right-aligned, one character in from the right.
    Odd,
    /// Even pages: left-aligned, one character in from the left.
    Even,
}

/// The folio "— N —" (§7.5: 四号 半角宋体 Arabic numerals with a 一字线 on either side), a
/// PAGE field, in the Footer style (宋体 in every font slot, exactly 14 pt high), placed for
/// `side`. Word shows the even footer on even pages because the settings carry
/// `w:evenAndOddHeaders` (docx-rs writes it with the even footer).
pub fn folio(side: Side) -> Footer {
    let t = |s: &str| DRun::new().add_text(s);
    let p = Paragraph::new().style("Footer");
    let p = match side {
        Side::Odd => p
            .align(AlignmentType::Right)
            .indent(Some(0), None, Some(FOLIO_INDENT), None),
        Side::Even => p
            .align(AlignmentType::Left)
            .indent(Some(FOLIO_INDENT), None, Some(0), None),
    };
    Footer::new().add_paragraph(
        p.add_run(t("— "))
            .add_run(DRun::new().add_field_char(FieldCharType::Begin, false))
            .add_run(DRun::new().add_instr_text(InstrText::Unsupported(" PAGE ".to_string())))
            .add_run(DRun::new().add_field_char(FieldCharType::Separate, false))
            .add_run(t("1"))
            .add_run(DRun::new().add_field_char(FieldCharType::End, false))
            .add_run(t(" —")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_is_gbt9704() {
        assert_eq!((TOP, BOTTOM, LEFT, RIGHT), (2098, 1984, 1588, 1474));
        assert_eq!(TEXT_WIDTH, 8844);
        assert_eq!(TEXT_HEIGHT, 12756);
        assert_eq!(LINE_PITCH, 579);
        assert_eq!(CHAR_SPACING, -5);
        // 28 characters of 16 pt + the spacing fit the line; 29 do not, nor do 28 of −4.
        let advance = |c: i32| 320 + c;
        assert!(28 * advance(CHAR_SPACING) <= TEXT_WIDTH);
        assert!(29 * advance(CHAR_SPACING) > TEXT_WIDTH);
        assert!(28 * advance(CHAR_SPACING + 1) > TEXT_WIDTH);
        // The folio's top is 7 mm (397 twips) under the block.
        assert_eq!(BOTTOM - (FOOTER + FOLIO_PT20), mm(7));
        assert_eq!(FOOTER, 1307);
    }
}
