//! Document → .docx with docx-rs: real Word styles (the GB/T 9704 preset), native heading
//! numbering, tables with merged and repeated header rows, footnotes; then a normalisation
//! pass and a deterministic re-zip.

mod chart;
mod normalize;
mod package;
mod styles;
mod table;

use docx_rs::{
    Docx, FieldCharType, Footer, IndentLevel, InstrText, NumberingId, PageMargin, Paragraph,
    Run as DRun,
};

use crate::doc::{Block, Document, Run};
use crate::error::{Error, Result};
use styles::{fonts, NOTE_SIZE};

/// Render `doc` to .docx bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let mut d = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .bottom(1984)
                .left(1588)
                .right(1474)
                .header(851)
                .footer(992),
        )
        .default_fonts(fonts(styles::FANGSONG))
        .default_size(styles::BODY)
        .footer(page_footer());
    d.styles.styles = styles::styles();
    let (abs, num) = styles::heading_numbering();
    d = d.add_abstract_numbering(abs).add_numbering(num);
    // The styles use the numbering; docx-rs only links numbering.xml for paragraphs.
    d.document_rels.has_numberings = true;
    if let Some(date) = &doc.meta.date {
        let stamp = format!("{}T00:00:00Z", crate::survey::date::ymd(*date));
        d = d.created_at(&stamp).updated_at(&stamp);
    }
    let mut title = Paragraph::new().style("Title");
    for (i, line) in title_lines(&doc.meta.title, TITLE_CHARS).iter().enumerate() {
        let mut r = DRun::new();
        if i > 0 {
            r = r.add_break(docx_rs::BreakType::TextWrapping);
        }
        title = title.add_run(r.add_text(line.as_str()));
    }
    d = d.add_paragraph(title);
    if let Some(sub) = &doc.meta.subtitle {
        d = d.add_paragraph(
            Paragraph::new()
                .style("Subtitle")
                .add_run(DRun::new().add_text(sub)),
        );
    }
    d = d.add_paragraph(Paragraph::new());
    let mut w = Writer {
        notes: &doc.notes,
        hints: normalize::Hints::default(),
    };
    for b in &doc.blocks {
        d = w.block(d, b);
    }
    let xml = d.build();
    package::normalise_and_zip(xml, &doc.meta, &w.hints)
        .map_err(|e| Error::Render(format!("DOCX: {e}")))
}

/// Characters of 二号 type on one line of the 156 mm text block.
const TITLE_CHARS: usize = 20;

/// A long title as lines split between its phrases (see [`crate::render::phrase_break`]),
/// measured in em (CJK 1, other characters ½), so Word never breaks inside a word.
fn title_lines(title: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = title.chars().collect();
    let widths: Vec<f32> = chars
        .iter()
        .map(|c| if crate::doc::is_cjk(*c) { 1.0 } else { 0.5 })
        .collect();
    if widths.iter().sum::<f32>() <= max as f32 {
        return vec![title.to_string()];
    }
    match crate::render::phrase_break(&chars, &widths, max as f32, max as f32) {
        Some(i) => vec![
            chars[..i].iter().collect::<String>().trim_end().to_string(),
            chars[i..].iter().collect(),
        ],
        None => vec![title.to_string()],
    }
}

struct Writer<'a> {
    notes: &'a [Vec<Run>],
    hints: normalize::Hints,
}

impl Writer<'_> {
    /// Runs carry only what differs from their paragraph's style: bold, italic, notes.
    fn runs(&self, mut p: Paragraph, rs: &[Run]) -> Paragraph {
        for r in rs {
            if let Some(n) = r.note {
                p = p.add_run(self.footnote(n));
                continue;
            }
            let mut dr = DRun::new().add_text(&r.text);
            if r.bold {
                dr = dr.bold();
            }
            if r.italic {
                dr = dr.italic();
            }
            p = p.add_run(dr);
        }
        p
    }

    /// The reference mark of footnote `n`, carrying the note's text.
    fn footnote(&self, n: usize) -> DRun {
        let body = self.notes.get(n - 1).map(Vec::as_slice).unwrap_or(&[]);
        let mut mark = DRun::new().add_text(format!("{n} ")).size(NOTE_SIZE);
        mark.run_property = mark
            .run_property
            .vert_align(docx_rs::VertAlignType::SuperScript);
        let content = Writer {
            notes: &[],
            hints: normalize::Hints::default(),
        }
        .runs(Paragraph::new().style("FootnoteText").add_run(mark), body);
        // Our own id (docx-rs's comes from a process-wide counter).
        DRun::new().add_footnote_reference(docx_rs::Footnote {
            id: n,
            content: vec![content],
        })
    }

    fn block(&mut self, d: Docx, b: &Block) -> Docx {
        match b {
            Block::Heading {
                level,
                numbered,
                runs,
                ..
            } => {
                let mut p = Paragraph::new().style(&format!("Heading{}", level.clamp(&1, &4)));
                if !numbered {
                    // numId 0 switches the style's numbering off.
                    p = p.numbering(NumberingId::new(0), IndentLevel::new(0));
                }
                d.add_paragraph(self.runs(p, runs))
            }
            Block::Paragraph(rs) => d.add_paragraph(self.runs(Paragraph::new(), rs)),
            Block::List { ordered, items } => {
                let mut d = d;
                for (i, item) in items.iter().enumerate() {
                    let marker = if *ordered {
                        format!("{}. ", i + 1)
                    } else {
                        "• ".to_string()
                    };
                    for (j, inner) in item.iter().enumerate() {
                        d = match inner {
                            Block::Paragraph(rs) if j == 0 => {
                                let p = Paragraph::new().add_run(DRun::new().add_text(&marker));
                                d.add_paragraph(self.runs(p, rs))
                            }
                            other => self.block(d, other),
                        };
                    }
                }
                d
            }
            Block::Quote(inner) => inner.iter().fold(d, |d, b| match b {
                Block::Paragraph(rs) => {
                    d.add_paragraph(self.runs(Paragraph::new().style("Quote"), rs))
                }
                other => self.block(d, other),
            }),
            Block::Table(t) => self.table(d, t),
            Block::Chart(c) => self.chart(d, c),
            Block::PageBreak => d.add_paragraph(
                Paragraph::new().add_run(DRun::new().add_break(docx_rs::BreakType::Page)),
            ),
        }
    }
}

impl Writer<'_> {
    /// A chart as a native Word chart, text width, in its own paragraph, with its caption
    /// 图N below. The paragraph holds a marker run that the normalisation pass replaces by
    /// the drawing (docx-rs has no charts).
    fn chart(&mut self, d: Docx, c: &crate::doc::Chart) -> Docx {
        let figure = Paragraph::new().style("Figure").keep_next(true);
        let Some(part) = chart::part(c) else {
            // Nothing to draw: say so where the chart would be.
            return d
                .add_paragraph(figure.add_run(DRun::new().add_text("（无数据）")))
                .add_paragraph(caption("图", c.number, c.caption.as_deref()));
        };
        self.hints.charts += 1;
        self.hints.chart_alts.push(
            c.alt
                .clone()
                .or_else(|| c.caption.clone())
                .unwrap_or_default(),
        );
        self.hints.chart_parts.push(part);
        d.add_paragraph(figure.add_run(DRun::new().add_text(chart_marker(self.hints.charts))))
            .add_paragraph(caption("图", c.number, c.caption.as_deref()))
    }
}

/// The text of the run that stands for chart `n` until the normalisation pass.
pub(crate) fn chart_marker(n: usize) -> String {
    format!("{CHART_OPEN}{n}{CHART_CLOSE}")
}

/// The chart a marker run's text stands for.
pub(crate) fn chart_of_marker(text: &str) -> Option<usize> {
    text.strip_prefix(CHART_OPEN)?
        .strip_suffix(CHART_CLOSE)?
        .parse()
        .ok()
}

const CHART_OPEN: &str = "\u{E000}diaoyan-chart-";
const CHART_CLOSE: &str = "\u{E001}";

/// A chart's size: the text block's width (156 mm), 0.55 of it high, in EMU.
pub(crate) const CHART_EMU: (u32, u32) = (5_616_000, 3_088_800);

/// A caption: the label (表, 图) with a SEQ field that Word renumbers, then the text.
fn caption(label: &str, number: Option<usize>, text: Option<&str>) -> Paragraph {
    let mut p = Paragraph::new().style("Caption").keep_next(label == "表");
    if let Some(n) = number {
        p = p
            .add_run(DRun::new().add_text(label))
            .add_run(DRun::new().add_field_char(FieldCharType::Begin, false))
            .add_run(
                DRun::new()
                    .add_instr_text(InstrText::Unsupported(format!(" SEQ {label} \\* ARABIC "))),
            )
            .add_run(DRun::new().add_field_char(FieldCharType::Separate, false))
            .add_run(DRun::new().add_text(n.to_string()))
            .add_run(DRun::new().add_field_char(FieldCharType::End, false));
    }
    if let Some(t) = text {
        p = p.add_run(DRun::new().add_text(format!("　{t}")));
    }
    p
}

/// "— N —" centred, 四号 宋体, with a PAGE field.
fn page_footer() -> Footer {
    let t = |s: &str| DRun::new().add_text(s);
    Footer::new().add_paragraph(
        Paragraph::new()
            .style("Footer")
            .add_run(t("— "))
            .add_run(DRun::new().add_field_char(FieldCharType::Begin, false))
            .add_run(DRun::new().add_instr_text(InstrText::Unsupported(" PAGE ".to_string())))
            .add_run(DRun::new().add_field_char(FieldCharType::Separate, false))
            .add_run(t("1"))
            .add_run(DRun::new().add_field_char(FieldCharType::End, false))
            .add_run(t(" —")),
    )
}

#[cfg(test)]
mod tests;
