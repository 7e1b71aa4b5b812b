//! The 落款 and 成文日期 at the end of the report (GB/T 9704-2012 §7.3.5.2), placed as
//! [`crate::doc::Closing::placed`] says, measured with [`crate::doc::nominal_width`]
//! (Word measures with the installed fonts; a GB 2312 仿宋 sets digits at ½ em).

use docx_rs::{AlignmentType, Docx, Paragraph, Run as DRun, SpecialIndentType};

use crate::doc::{nominal_width, Closing, ClosingPart, CLOSING_BLANK_LINES};

/// One em of body type (三号, 16 pt) in twips.
const EM_TWIPS: f32 = super::styles::BODY as f32 * 10.0;

/// Add `closing` after the last block: one empty body paragraph (§7.3.5.2 “空一行”), then
/// one right-aligned paragraph per line with its right indent (`w:ind w:right`, twips)
/// and no first-line indent. Every paragraph of the block keeps with the next and its
/// lines together, so Word never leaves the date alone on a new page.
pub(super) fn add(mut d: Docx, closing: Option<&Closing>) -> Docx {
    let Some(closing) = closing else {
        return d;
    };
    let measure = super::page::TEXT_WIDTH as f32 / EM_TWIPS;
    let lines = closing.placed_within(nominal_width, measure);
    if lines.is_empty() {
        return d;
    }
    for _ in 0..CLOSING_BLANK_LINES {
        d = d.add_paragraph(Paragraph::new().keep_next(true));
    }
    let last = lines.len() - 1;
    // A character's advance as Word sets the body: its nominal width plus the body's
    // character spacing (the 28-per-line grid).
    let spacing = super::page::CHAR_SPACING as f32;
    let twips = |t: &str| nominal_width(t) * EM_TWIPS + spacing * t.chars().count() as f32;
    // The 署名's first character (twips from the block's left edge; a 署名 too long for a
    // line wraps and starts at the edge).
    let sig_start = lines
        .iter()
        .find(|l| l.part == ClosingPart::Signature)
        .map(|l| {
            (super::page::TEXT_WIDTH as f32 - l.right_indent * EM_TWIPS - twips(&l.text)).max(0.0)
        });
    for (i, l) in lines.iter().enumerate() {
        let right = (l.right_indent * EM_TWIPS).round() as i32;
        // The date is anchored to the 署名 (§7.3.5.2: its first character two characters
        // right of the 署名's), set flush left from there, so it lands right in any font;
        // every other line is flush right at its indent.
        let (align, left, right) = match (l.part, sig_start) {
            (ClosingPart::Date, Some(x)) => (
                AlignmentType::Left,
                (x + 2.0 * (EM_TWIPS + spacing)).round() as i32,
                0,
            ),
            _ => (AlignmentType::Right, 0, right),
        };
        d = d.add_paragraph(
            Paragraph::new()
                .align(align)
                .indent(
                    Some(left),
                    Some(SpecialIndentType::FirstLine(0)),
                    Some(right),
                    None,
                )
                .keep_next(i < last)
                .keep_lines(true)
                .add_run(DRun::new().add_text(&l.text)),
        );
    }
    d
}
