//! The 落款 and 成文日期 at the end of the report (GB/T 9704-2012 §7.3.5.2), placed as
//! [`crate::doc::Closing::placed`] says, measured with [`crate::doc::nominal_width`]
//! (Word measures with the installed fonts; a GB 2312 仿宋 sets digits at ½ em).

use docx_rs::{AlignmentType, Docx, Paragraph, Run as DRun, SpecialIndentType};

use crate::doc::{nominal_width, Closing, CLOSING_BLANK_LINES};

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
    let lines = closing.placed(nominal_width);
    if lines.is_empty() {
        return d;
    }
    for _ in 0..CLOSING_BLANK_LINES {
        d = d.add_paragraph(Paragraph::new().keep_next(true));
    }
    let last = lines.len() - 1;
    for (i, l) in lines.iter().enumerate() {
        let right = (l.right_indent * EM_TWIPS).round() as i32;
        d = d.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .indent(
                    Some(0),
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
