//! Document → .docx with docx-rs: real Word styles (the GB/T 9704 preset), native heading
//! numbering, tables with merged and repeated header rows, footnotes; then a normalisation
//! pass and a deterministic re-zip.

mod chart;
mod closing;
mod fonts;
mod normalize;
mod package;
mod page;
mod reference;
mod styles;
mod table;

use docx_rs::{Docx, FieldCharType, IndentLevel, InstrText, NumberingId, Paragraph, Run as DRun};

use crate::doc::{Block, Document, Inline, Run};
use crate::error::{Error, Result};
use styles::fonts;

/// Render `doc` to .docx bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let d = Docx::new()
        .default_fonts(fonts(styles::FANGSONG))
        .default_size(styles::BODY);
    // The page, header and footer: GB/T 9704's, or the pack's reference DOCX's.
    let (mut d, plan) = reference::setup(d, doc.meta.reference.as_deref());
    d.styles.styles = styles::styles();
    let (abs, num) = styles::heading_numbering();
    d = d.add_abstract_numbering(abs).add_numbering(num);
    // The styles use the numbering; docx-rs only links numbering.xml for paragraphs.
    d.document_rels.has_numberings = true;
    if let Some(date) = &doc.meta.date {
        let stamp = format!("{}T00:00:00Z", crate::date::ymd(*date));
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
        text_width: reference::text_width(doc.meta.reference.as_deref()).max(1) as usize,
        notes: &doc.notes,
        hints: normalize::Hints::default(),
        referenced: Vec::new(),
        lists: Vec::new(),
        first_block: true,
    };
    for b in &doc.blocks {
        d = w.block(d, b);
        // Headings under the title keep with the block after them, which is still "first".
        w.first_block &= matches!(b, Block::Heading { .. });
    }
    d = closing::add(d, doc.closing.as_ref());
    if !w.lists.is_empty() {
        for abs in styles::list_numbering() {
            d = d.add_abstract_numbering(abs);
        }
        for (k, (ordered, start)) in w.lists.iter().enumerate() {
            d = d.add_numbering(styles::list_instance(
                styles::FIRST_LIST_NUM + k,
                *ordered,
                *start,
            ));
        }
    }
    let xml = d.build();
    package::normalise_and_zip(xml, &doc.meta, &w.hints, plan).map_err(Error::render)
}

/// Characters of 二号 type on one line of the 156 mm text block.
const TITLE_CHARS: usize = 20;

/// A long title as lines split between its phrases (see [`crate::render::phrase_break`]),
/// measured in em as a GB 2312 font sets them ([`crate::doc::nominal_width`]: full-width
/// characters 1, the others ½), so Word never breaks inside a word.
fn title_lines(title: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = title.chars().collect();
    let widths: Vec<f32> = chars
        .iter()
        .map(|c| crate::doc::nominal_width(c.encode_utf8(&mut [0; 4])))
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
    /// The text block's width in twips: tables fill it, charts are at most as wide.
    text_width: usize,
    notes: &'a [Vec<Run>],
    hints: normalize::Hints,
    /// Footnotes whose `w:footnoteReference` is written: a later mark of the same note is
    /// a superscript number (a footnote has one reference in WordprocessingML).
    referenced: Vec<usize>,
    /// The lists written so far, in order: (ordered, start). List k is Word numbering
    /// instance [`styles::FIRST_LIST_NUM`] + k.
    lists: Vec<(bool, usize)>,
    /// The block being written is the report's first (after any headings), right under
    /// the title: a table there starts on page 1 and splits rather than leave the title alone (as the PDF).
    first_block: bool,
}

impl Writer<'_> {
    /// Runs carry only what differs from their paragraph's style: bold (`w:b`, which Word
    /// synthesises for 楷体 and 仿宋), emphasis (楷体 run fonts); footnote
    /// marks become `w:footnoteReference`, line breaks `w:br`.
    fn runs(&mut self, mut p: Paragraph, rs: &[Run]) -> Paragraph {
        for r in rs {
            let mut dr = match &r.kind {
                Inline::Note(n) if !self.referenced.contains(n) => {
                    self.referenced.push(*n);
                    p = p.add_run(self.footnote(*n));
                    continue;
                }
                Inline::Note(n) => {
                    let mut mark = DRun::new()
                        .add_text(n.to_string())
                        .style("FootnoteReference");
                    mark.run_property = mark
                        .run_property
                        .vert_align(docx_rs::VertAlignType::SuperScript);
                    mark
                }
                Inline::LineBreak => DRun::new().add_break(docx_rs::BreakType::TextWrapping),
                Inline::Text | Inline::Ref(_) => DRun::new().add_text(&r.text),
            };
            if r.bold {
                dr = dr.bold();
            }
            if r.italic {
                // Emphasis is 楷体, not italic (see [`styles::emphasis_fonts`]).
                dr = dr.fonts(styles::emphasis_fonts());
            }
            p = p.add_run(dr);
        }
        p
    }

    /// The reference of footnote `n`, carrying the note's text. The note's paragraph starts
    /// with an empty run in the FootnoteReference style, which the normalisation pass fills
    /// with `w:footnoteRef` (Word's automatic note number; docx-rs cannot write it).
    fn footnote(&self, n: usize) -> DRun {
        let body = self.notes.get(n - 1).map(Vec::as_slice).unwrap_or(&[]);
        let mark = DRun::new().style("FootnoteReference");
        let content = Writer {
            text_width: self.text_width,
            notes: &[],
            hints: normalize::Hints::default(),
            referenced: Vec::new(),
            lists: Vec::new(),
            first_block: false,
        }
        .runs(
            Paragraph::new()
                .style("FootnoteText")
                .add_run(mark)
                .add_run(DRun::new().add_text(" ")),
            body,
        );
        // Our own id (docx-rs's comes from a process-wide counter).
        DRun::new().add_footnote_reference(docx_rs::Footnote {
            id: n,
            content: vec![content],
        })
    }

    /// Add `b` (and every block nested in it) to `d`.
    ///
    /// The walk keeps its own stack, so no Rust recursion follows the Document's nesting
    /// (a writer recursing by value overflowed the stack at 500 nested quotes; the parser
    /// also bounds nesting, [`crate::limits::Limits::depth`]). A quote's paragraphs take
    /// the Quote style; a list item's first paragraph is numbered with the list's own Word
    /// numbering instance (`w:numPr`, so Word prints `5. `, `• ` and renumbers on edit;
    /// an item not starting with a paragraph gets an empty numbered one, as the PDF
    /// prints its marker alone); any other nested block is written as it would be on its
    /// own.
    fn block(&mut self, mut d: Docx, b: &Block) -> Docx {
        enum Task<'b> {
            Block(&'b Block),
            Quoted(&'b [Run]),
            Item(usize, &'b [Run]),
        }
        let mut stack = vec![Task::Block(b)];
        while let Some(task) = stack.pop() {
            let b = match task {
                Task::Block(b) => b,
                Task::Quoted(rs) => {
                    d = d.add_paragraph(self.runs(Paragraph::new().style("Quote"), rs));
                    continue;
                }
                Task::Item(num, rs) => {
                    let p = Paragraph::new().numbering(NumberingId::new(num), IndentLevel::new(0));
                    d = d.add_paragraph(self.runs(p, rs));
                    continue;
                }
            };
            d = match b {
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
                Block::List {
                    ordered,
                    start,
                    items,
                } => {
                    let num = styles::FIRST_LIST_NUM + self.lists.len();
                    self.lists.push((*ordered, *start));
                    // Pushed in reverse: the stack gives them back in document order.
                    for item in items.iter().rev() {
                        for (j, inner) in item.iter().enumerate().rev() {
                            stack.push(match inner {
                                Block::Paragraph(rs) if j == 0 => Task::Item(num, rs),
                                other => Task::Block(other),
                            });
                        }
                        if !matches!(item.first(), Some(Block::Paragraph(_))) {
                            stack.push(Task::Item(num, &[]));
                        }
                    }
                    d
                }
                Block::Quote(inner) => {
                    for b in inner.iter().rev() {
                        stack.push(match b {
                            Block::Paragraph(rs) => Task::Quoted(rs),
                            other => Task::Block(other),
                        });
                    }
                    d
                }
                Block::Table(t) => self.table(d, t),
                Block::Chart(c) => self.chart(d, c),
                Block::PageBreak => d.add_paragraph(
                    Paragraph::new().add_run(DRun::new().add_break(docx_rs::BreakType::Page)),
                ),
            };
        }
        d
    }
}

impl Writer<'_> {
    /// A chart as a native Word chart, text width, in its own paragraph, with its caption
    /// 图N below. The chart's paragraph is the only one in the "Figure" style; the
    /// normalisation pass puts chart k's drawing into the k-th such paragraph (docx-rs has
    /// no charts). The anchor is structure, not text, so no data can draw a chart.
    fn chart(&mut self, d: Docx, c: &crate::doc::Chart) -> Docx {
        // The text block's width (156 mm, or a reference page's narrower block).
        let width = if self.text_width >= page::TEXT_WIDTH as usize {
            CHART_EMU.0
        } else {
            (self.text_width as u32).saturating_mul(635)
        };
        let Some(part) = chart::part(c, width) else {
            // Nothing to draw: say so where the chart would be.
            return d
                .add_paragraph(
                    Paragraph::new()
                        .align(docx_rs::AlignmentType::Center)
                        .keep_next(true)
                        .add_run(DRun::new().add_text("（无数据）")),
                )
                .add_paragraph(caption("图", c.number, c.caption.as_deref()));
        };
        self.hints.chart_alts.push(
            c.alt
                .clone()
                .or_else(|| c.caption.clone())
                .unwrap_or_default(),
        );
        self.hints.chart_parts.push(part);
        d.add_paragraph(
            Paragraph::new()
                .style(FIGURE_STYLE)
                .keep_next(true)
                .add_run(DRun::new()),
        )
        .add_paragraph(caption("图", c.number, c.caption.as_deref()))
    }
}

/// The paragraph style of a chart's anchor paragraph, used for nothing else.
pub(crate) const FIGURE_STYLE: &str = "Figure";

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

/// Each footnote's paragraph starts with an empty run in the FootnoteReference style (see
/// `Writer::footnote`): it gets `w:footnoteRef`, Word's automatic note number.
fn add_footnote_refs(root: &mut normalize::Node) {
    for note in root.elems_mut().filter(|e| e.name == "w:footnote") {
        let Some(p) = note.elems_mut().find(|e| e.name == "w:p") else {
            continue;
        };
        let Some(r) = p.elems_mut().find(|e| e.name == "w:r") else {
            continue;
        };
        let empty = r.elems_mut().all(|e| e.name == "w:rPr");
        if empty && styles::has_style(r, "w:rPr", "w:rStyle", "FootnoteReference") {
            r.push(normalize::Node::new("w:footnoteRef", ""));
        }
    }
}

#[cfg(test)]
mod tests;
