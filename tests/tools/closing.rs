//! The 落款 and 成文日期 on the rendered pages (GB/T 9704-2012 §7.3.5.2), in the PDF and
//! in the DOCX through LibreOffice.

use crate::bbox::{lines, BoxLine};
use crate::common::*;
use crate::pdf::RIGHT;

/// One em of body type (三号).
const EM: f64 = 16.0;
/// The body's line pitch: 225 mm over 22 lines.
const PITCH: f64 = 225.0 * 72.0 / 25.4 / 22.0;

/// The last page's lines holding the 署名 and the date, and the line above the 署名.
fn closing_lines(all: &[BoxLine]) -> (&BoxLine, &BoxLine, &BoxLine) {
    let i = all
        .iter()
        .rposition(|l| l.text == "青年路街道办事处")
        .expect("the 署名 is printed");
    let sig = &all[i];
    let date = all[i + 1..]
        .iter()
        .find(|l| l.text.starts_with("2020"))
        .expect("the date is printed");
    let above = all[..i]
        .iter()
        .rev()
        .find(|l| l.page == sig.page && l.y_min < sig.y_min - 1.0)
        .expect("text above the 署名");
    assert_eq!(date.page, sig.page, "署名 and date on one page");
    assert_eq!(sig.page, all.iter().map(|l| l.page).max().unwrap_or(0));
    (sig, date, above)
}

/// The PDF: 署名 右空二字 and one blank line below the text; the date on the next line,
/// its first character two characters right of the 署名's, in Arabic numerals unpadded.
pub fn pdf_places_the_signature_and_date() {
    let dir = render_seed();
    let all = lines(&dir.path().join("qingnianlu-2019.pdf"));
    let (sig, date, above) = closing_lines(&all);
    assert_eq!(date.text, "2020年3月16日");
    assert!(
        (RIGHT - 2.0 * EM - sig.x_max).abs() < 0.5,
        "署名 ends at {} (want {})",
        sig.x_max,
        RIGHT - 2.0 * EM
    );
    assert!(
        (date.x_min - (sig.x_min + 2.0 * EM)).abs() < 0.5,
        "date starts at {}, 署名 at {}",
        date.x_min,
        sig.x_min
    );
    assert!(date.x_max <= RIGHT + 0.5);
    assert!(
        (date.y_min - sig.y_min - PITCH).abs() < 1.0,
        "date {} below 署名 {}",
        date.y_min,
        sig.y_min
    );
    assert!(
        (sig.y_min - above.y_min - 2.0 * PITCH).abs() < 1.0,
        "one blank line: 署名 at {}, text above at {}",
        sig.y_min,
        above.y_min
    );
}

/// The DOCX through LibreOffice puts the 署名 where the PDF does (right end 2 em in from
/// the margin), the date whole on the line below, anchored to the 署名, and both on the
/// last page.
pub fn docx_places_the_signature_where_the_pdf_does() {
    let dir = render_seed();
    let docx = dir.path().join("qingnianlu-2019.docx");
    let lo = lines(&libreoffice_pdf(&docx, &dir.path().join("lo")));
    let pdf = lines(&dir.path().join("qingnianlu-2019.pdf"));
    let (sig, date, above) = closing_lines(&lo);
    let (psig, _, _) = closing_lines(&pdf);
    assert!(
        (sig.x_max - psig.x_max).abs() < 1.0 && (sig.x_min - psig.x_min).abs() < 1.0,
        "署名 at {}–{} in the DOCX, {}–{} in the PDF",
        sig.x_min,
        sig.x_max,
        psig.x_min,
        psig.x_max
    );
    // The date is whole on one line (it once wrapped 日 onto a line of its own), its first
    // character two characters right of the 署名's. LibreOffice sets its digits wider and
    // spaces them from hanzi (it ignores `w:autoSpaceDN`), so the line may reach into the
    // right margin, by less than three characters.
    assert_eq!(
        date.text.replace(' ', ""),
        "2020年3月16日",
        "the date on one line"
    );
    assert!(
        (date.x_min - (sig.x_min + 2.0 * EM)).abs() < 1.0,
        "date starts at {}, 署名 at {}",
        date.x_min,
        sig.x_min
    );
    assert!(date.x_max < RIGHT + 3.0 * EM, "date ends at {}", date.x_max);
    assert!((date.y_min - sig.y_min - PITCH).abs() < 2.0);
    assert!((sig.y_min - above.y_min - 2.0 * PITCH).abs() < 2.0);
}
