//! `pdftotext -bbox-layout` read back: the lines and words of a PDF with their boxes (pt,
//! from the page's top-left corner), for the checks that measure where text was set.

use std::path::Path;

use crate::common::*;

/// One text line (or word) of `pdftotext -bbox-layout`: its page (from 1), box and text.
#[derive(Debug)]
pub(crate) struct BoxLine {
    pub(crate) page: usize,
    pub(crate) x_min: f64,
    pub(crate) x_max: f64,
    pub(crate) y_min: f64,
    pub(crate) y_max: f64,
    pub(crate) text: String,
}

impl BoxLine {
    pub(crate) fn height(&self) -> f64 {
        self.y_max - self.y_min
    }
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let at = tag.find(&key).expect("attribute") + key.len();
    tag[at..at + tag[at..].find('"').expect("quote")]
        .parse()
        .expect("number")
}

/// The box of the element whose tag is `tag`, with `text`.
fn boxed(page: usize, tag: &str, text: String) -> BoxLine {
    BoxLine {
        page,
        x_min: attr(tag, "xMin"),
        x_max: attr(tag, "xMax"),
        y_min: attr(tag, "yMin"),
        y_max: attr(tag, "yMax"),
        text,
    }
}

/// The text of a `<word>`'s content, entities decoded.
fn word_text(w: &str) -> Option<String> {
    let start = w.find('>')? + 1;
    let end = w.find("</word>")?;
    Some(
        w[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Every line of `pdf`, its words joined. pdftotext cuts a line where a glyph overlaps the
/// one before by more than 0.2 em (a compressed "），" or "”“"): such a piece, on the same
/// baseline and starting inside the line before, is joined back to it.
pub(crate) fn lines(pdf: &Path) -> Vec<BoxLine> {
    let xml = tool("pdftotext", &["-bbox-layout"], pdf);
    let mut out: Vec<BoxLine> = Vec::new();
    for (p, page) in xml.split("<page ").skip(1).enumerate() {
        for l in page.split("<line ").skip(1) {
            let tag = &l[..l.find('>').expect("tag end")];
            let text: String = l.split("<word ").skip(1).filter_map(word_text).collect();
            let l = boxed(p + 1, tag, text);
            match out.last_mut() {
                Some(q)
                    if q.page == l.page
                        && (q.y_min - l.y_min).abs() < 0.5
                        && l.x_min > q.x_min
                        && l.x_min < q.x_max =>
                {
                    q.text += &l.text;
                    q.x_max = q.x_max.max(l.x_max);
                }
                _ => out.push(l),
            }
        }
    }
    out
}

/// Every word of `pdf`.
pub(crate) fn words(pdf: &Path) -> Vec<BoxLine> {
    let xml = tool("pdftotext", &["-bbox-layout"], pdf);
    let mut out = Vec::new();
    for (p, page) in xml.split("<page ").skip(1).enumerate() {
        for w in page.split("<word ").skip(1) {
            let (Some(end), Some(text)) = (w.find('>'), word_text(w)) else {
                continue;
            };
            out.push(boxed(p + 1, &w[..end], text));
        }
    }
    out
}
