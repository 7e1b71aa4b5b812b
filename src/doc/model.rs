//! The Document model: the only thing the backends see.

use serde::{Deserialize, Serialize};

use crate::chars::is_full_width;

/// Document metadata, from the report's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The report title (GB/T 9704 标题), as printed at the top and in the file properties.
    pub title: String,
    /// A second title line (——…调研报告), printed under the title.
    pub subtitle: Option<String>,
    /// The author named in the DOCX/PDF properties, if any.
    pub author: Option<String>,
    /// The issuing organisation: the 落款's 署名 and the properties' company.
    pub organisation: Option<String>,
    /// The report's date (成文日期): a calendar date, serialised as `YYYY-MM-DD`. The DOCX
    /// core properties and the PDF info dates are this day at 00:00 UTC.
    #[serde(default, with = "crate::date::opt_ymd")]
    pub date: Option<crate::date::Date>,
    /// The properties' subject line (region and period), if any.
    pub subject: Option<String>,
    /// The template pack's reference DOCX, whose styles, page setup, header and footer the
    /// DOCX takes ([`crate::refdoc`]); the PDF ignores it. Set at compose from the pack,
    /// never serialised (the Document's JSON holds the report, not the pack).
    #[serde(skip)]
    pub reference: Option<std::sync::Arc<crate::refdoc::ReferenceDoc>>,
}

/// A whole report: metadata and a flat list of blocks, with its footnotes and 落款.
/// The only thing the DOCX and PDF backends see (as pandoc's AST is for pandoc); built by
/// [`crate::doc::parse()`] from report Markdown, never from YAML or templates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Title, organisation, date and the other properties.
    pub meta: Meta,
    /// The body, in reading order.
    pub blocks: Vec<Block>,
    /// Footnotes (data sources), referenced from runs by their index + 1.
    #[serde(default)]
    pub notes: Vec<Vec<Run>>,
    /// The 落款 and 成文日期 printed after the last block, if the report has them.
    #[serde(default)]
    pub closing: Option<Closing>,
}

/// The end of a report: 发文机关署名 (the issuing organisation), 成文日期 (the date) and
/// any lines the template pack adds (执笔人：…, 联系电话：…), placed as GB/T 9704-2012
/// §7.3.5.2 places them for a document without a seal (see [`Closing::placed`]).
///
/// Built once, at compose, from the report metadata and the pack's `style.signature`;
/// both backends print [`Closing::placed`] and nothing else, so they print the same lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Closing {
    /// 发文机关署名: the organisation as printed, one line.
    #[serde(default)]
    pub signature: Option<String>,
    /// 成文日期: a calendar date, serialised as `YYYY-MM-DD`, printed in Arabic numerals
    /// without padding (`2020年3月16日`, GB/T 9704-2012 §7.3.5.4).
    #[serde(default, with = "crate::date::opt_ymd")]
    pub date: Option<crate::date::Date>,
    /// Further lines after the date, in order, each as printed.
    #[serde(default)]
    pub lines: Vec<String>,
}

/// What a line of the [`Closing`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClosingPart {
    /// The 署名: the organisation's name.
    Signature,
    /// The 成文日期 in Arabic numerals (2020年3月16日).
    Date,
    /// A line the pack adds (执笔人：…).
    Extra,
}

/// One printed line of the [`Closing`]: its text, set flush right at `right_indent` em
/// (of the body type size) in from the right margin of the text block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosingLine {
    /// Which line of the 落款 this is.
    pub part: ClosingPart,
    /// The line's text as printed.
    pub text: String,
    /// Distance of the line's right end from the text block's right edge, in em of the
    /// body size (2.0 = 右空二字).
    pub right_indent: f32,
}

/// Blank lines between the text and the 署名: GB/T 9704-2012 §7.3.5.2 “在正文下空一行”.
pub const CLOSING_BLANK_LINES: usize = 1;

impl Closing {
    /// The date line, `2020年3月16日` (no zero padding, Arabic numerals).
    pub fn date_text(&self) -> Option<String> {
        self.date.map(crate::date::chinese)
    }

    /// Whether there is nothing to print.
    pub fn is_empty(&self) -> bool {
        self.signature.is_none() && self.date.is_none() && self.lines.is_empty()
    }

    /// The lines as printed, top to bottom, with their right indents, per GB/T 9704-2012
    /// §7.3.5.2 (不加盖印章的公文): “在正文（或附件说明）下空一行右空二字编排发文机关署名，
    /// 在发文机关署名下一行编排成文日期，首字比发文机关署名首字右移二字，如成文日期长于发文机关
    /// 署名，应当使成文日期右空二字编排，并相应增加发文机关署名右空字数。”
    ///
    /// So, with `s` and `d` the widths of 署名 and date in em (as `width` measures them —
    /// each backend passes its own fonts' measure):
    /// - `d <= s`: the 署名 is right-indented 2 em and the date starts 2 em right of the
    ///   署名's first character, i.e. is right-indented `s - d` em;
    /// - `d > s`: the date is right-indented 2 em and the 署名 keeps its first character
    ///   2 em left of the date's, i.e. is right-indented `d - s + 4` em.
    ///
    /// With only one of the two, it is right-indented 2 em. A pack's further lines follow
    /// the date, each right-indented 2 em. The blank line above (§7.3.5.2 “空一行”,
    /// [`CLOSING_BLANK_LINES`]) is the backends' to set.
    pub fn placed(&self, width: impl Fn(&str) -> f32) -> Vec<ClosingLine> {
        self.placed_within(width, f32::INFINITY)
    }

    /// [`Self::placed`] on a text block `measure` em wide: no indent pushes a line past the
    /// block's left edge — a 署名 too long for the block is right-indented 2 em and wraps,
    /// and the date then stays on one line, right-indented so that it starts 2 em right of
    /// the 署名's first line's first character where it can, else flush with the left edge
    /// (a date is never broken into pieces by an indent wider than the block).
    pub fn placed_within(&self, width: impl Fn(&str) -> f32, measure: f32) -> Vec<ClosingLine> {
        let line = |part, text: String, right_indent: f32| ClosingLine {
            part,
            text,
            right_indent,
        };
        // The widest right indent that leaves a line of `w` em on one line.
        let room = |w: f32, indent: f32| indent.min(measure - w).max(0.0);
        let mut out = Vec::new();
        let date = self.date_text();
        match (&self.signature, date) {
            (Some(sig), Some(date)) => {
                let (s, d) = (width(sig), width(&date));
                // A 署名 wider than the block wraps: its first line is the block's width
                // less the 2-em indent.
                let s = s.min(measure - 2.0);
                if d <= s {
                    out.push(line(ClosingPart::Signature, sig.clone(), 2.0));
                    out.push(line(ClosingPart::Date, date, room(d, s - d)));
                } else {
                    let sig_indent = room(s, d - s + 4.0).max(2.0_f32.min(measure - s));
                    out.push(line(ClosingPart::Signature, sig.clone(), sig_indent));
                    out.push(line(ClosingPart::Date, date, room(d, 2.0)));
                }
            }
            (Some(sig), None) => out.push(line(ClosingPart::Signature, sig.clone(), 2.0)),
            (None, Some(date)) => out.push(line(ClosingPart::Date, date, 2.0)),
            (None, None) => {}
        }
        for l in &self.lines {
            out.push(line(ClosingPart::Extra, l.clone(), 2.0));
        }
        out
    }
}

/// The width of `text` in em as a GB 2312 font sets it: full-width characters
/// ([`is_full_width`], and the middle dot a GB 2312 font sets full width) 1 em, the others
/// (digits, Latin) ½ em. The DOCX backend places the [`Closing`] with it (Word measures
/// with fonts we do not have).
pub fn nominal_width(text: &str) -> f32 {
    text.chars()
        .map(|c| {
            if is_full_width(c) || c == '·' {
                1.0
            } else {
                0.5
            }
        })
        .sum()
}

/// What an inline run is. Only template text can make anything but [`Inline::Text`]:
/// the parser builds these from Markdown structure (footnote references, links of the
/// `[@id]` form defined by the parser, inline `<br>`), never from run text, so escaped data
/// can never turn into a mark, a reference or a break.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Inline {
    /// Ordinary text.
    #[default]
    Text,
    /// The reference mark of footnote N (1-based, numbered in order of first reference
    /// across paragraphs, headings and table cells); the run's text is the number.
    Note(usize),
    /// A cross-reference to the table or chart with this id; the run's text is its label
    /// (表N, 图N) once [`crate::doc::parse()`] has resolved it.
    Ref(String),
    /// A forced line break; the run's text is `"\n"`.
    LineBreak,
}

/// A run of inline content with one style (see [`Inline`] for what it can be).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The text as printed (for a note its number, for a reference its label, for a
    /// line break `"\n"`).
    pub text: String,
    /// Bold (Markdown `**…**`).
    #[serde(default)]
    pub bold: bool,
    /// Italic (Markdown `*…*`): set in 楷体 by both backends.
    #[serde(default)]
    pub italic: bool,
    /// What the run is: text, a footnote mark, a cross-reference or a line break.
    #[serde(default)]
    pub kind: Inline,
}

impl Run {
    /// Ordinary text without emphasis.
    pub fn plain(text: impl Into<String>) -> Self {
        Run {
            text: text.into(),
            ..Run::default()
        }
    }

    /// The reference mark of footnote `n` (1-based).
    pub fn note_mark(n: usize) -> Self {
        Run {
            text: n.to_string(),
            kind: Inline::Note(n),
            ..Run::default()
        }
    }

    /// A forced line break.
    pub fn line_break() -> Self {
        Run {
            text: "\n".to_string(),
            kind: Inline::LineBreak,
            ..Run::default()
        }
    }

    /// The footnote this run is the mark of, if it is one.
    pub fn note(&self) -> Option<usize> {
        match self.kind {
            Inline::Note(n) => Some(n),
            _ => None,
        }
    }

    /// Whether this run is a forced line break.
    pub fn is_break(&self) -> bool {
        self.kind == Inline::LineBreak
    }
}

/// The runs' texts joined, as plain text (a line break is `"\n"`).
pub fn plain_text(runs: &[Run]) -> String {
    runs.iter().map(|r| r.text.as_str()).collect()
}

/// One block of the body. Structure comes only from Markdown syntax, never from data text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// A heading, level 1–4. `number` is filled by [`crate::doc::number_headings`]
    /// (一、 （一） 1. （1）) unless the heading is unnumbered.
    Heading {
        /// 1–4: the four numbered levels of GB/T 9704 (一、 （一） 1. （1））.
        level: u8,
        /// `false` for a heading written with `{-}`: printed without a number.
        numbered: bool,
        /// The printed number (一、 （一） 1. （1）), filled by numbering.
        number: Option<String>,
        /// The heading's text.
        runs: Vec<Run>,
    },
    /// A paragraph of inline runs.
    Paragraph(Vec<Run>),
    /// A list. Each item is its blocks; an ordered item's marker is its number (`start`,
    /// `start + 1`, …) and a full stop, a bullet item's `•`. An item whose first block is
    /// not a paragraph gets its marker on a paragraph of its own, so numbers never skip.
    List {
        /// Numbered (`1.`) rather than bulleted (`-`).
        ordered: bool,
        /// The number of the first item of an ordered list, as the Markdown gives it
        /// (`5.` → 5); 1 for a bullet list.
        #[serde(default = "first_item")]
        start: usize,
        /// The items, each its own blocks.
        items: Vec<Vec<Block>>,
    },
    /// A block quote: its blocks.
    Quote(Vec<Block>),
    /// A statistics table (numbered 表N).
    Table(Table),
    /// A chart (numbered 图N).
    Chart(Chart),
    /// A forced page break (`\newpage` in the report Markdown).
    PageBreak,
}

/// A list's first number when none is given.
fn first_item() -> usize {
    1
}

/// The marker of item `i` (0-based) of a list: `5. ` (its number and a full stop) for an
/// ordered list starting at `start`, `• ` for a bullet list. Both formats print it.
pub fn list_marker(ordered: bool, start: usize, i: usize) -> String {
    if ordered {
        format!("{}. ", start.saturating_add(i))
    } else {
        "• ".to_string()
    }
}

/// What a chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// Vertical bars, one group per category and one bar per series.
    #[default]
    Bar,
    /// Bars of several series stacked per category.
    Stacked,
    /// A line per series across the categories.
    Line,
    /// A pie of the first series' values (shares of their sum).
    Pie,
}

/// One data series of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The series name, as the legend prints it.
    pub name: String,
    /// One value per category; `None` is "no value".
    pub values: Vec<Option<f64>>,
}

/// A fully resolved chart: what to draw, not how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Chart {
    /// Bar, stacked, line or pie.
    pub kind: ChartKind,
    /// Caption text without its number; numbered 图N below the chart.
    pub caption: Option<String>,
    /// The id a cross-reference `[@id]` names, if any.
    #[serde(default)]
    pub id: Option<String>,
    /// Filled by the parser: the chart's number among the document's figures.
    #[serde(default)]
    pub number: Option<usize>,
    /// Category labels (units' short names, or a group's parts), one per value.
    pub categories: Vec<String>,
    /// The data series: one for a pie, one or more otherwise.
    pub series: Vec<Series>,
    /// Unit of the values (人, 平方米).
    #[serde(default)]
    pub unit: Option<String>,
    /// Alternative text for readers who cannot see the chart.
    #[serde(default)]
    pub alt: Option<String>,
    /// A pie's shares as printed, one per category, in tenths of a percent (‰: 368 is
    /// 36.8%), apportioned by compose with largest-remainder rounding (issue 14 §4:
    /// they add up to 1000 unless equal parts straddle the cut). Empty for other charts,
    /// for a pie with nothing to share (all values zero or missing) and for directives
    /// written without it: the pie's labels then carry no percentage. The backends print
    /// these shares and compute none (issue 17: no backend depends on statistics).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shares: Vec<u32>,
}

/// Horizontal alignment of a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Flush left (text columns).
    #[default]
    Left,
    /// Centred (headers, empty cells "—").
    Center,
    /// Flush right (numbers, with equal decimals per column).
    Right,
}

/// One table cell; spans follow HTML: a cell covered by a span is not listed.
/// Its content is inline runs, so a cell can hold footnote marks, references and breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCell {
    /// The cell's inline content.
    pub runs: Vec<Run>,
    /// Grid columns the cell spans (≥ 1).
    #[serde(default = "one")]
    pub colspan: u16,
    /// Grid rows the cell spans (≥ 1).
    #[serde(default = "one")]
    pub rowspan: u16,
    /// Horizontal alignment.
    #[serde(default)]
    pub align: Align,
    /// Bold (a total row's cells).
    #[serde(default)]
    pub bold: bool,
}

fn one() -> u16 {
    1
}

impl TableCell {
    /// A cell holding `text` as one plain run (no run when `text` is empty).
    pub fn new(text: impl Into<String>, align: Align) -> Self {
        let text = text.into();
        TableCell {
            runs: if text.is_empty() {
                Vec::new()
            } else {
                vec![Run::plain(text)]
            },
            colspan: 1,
            rowspan: 1,
            align,
            bold: false,
        }
    }

    /// The cell's content as plain text.
    pub fn text(&self) -> String {
        plain_text(&self.runs)
    }
}

/// How a table is ruled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TableRules {
    /// Every cell boxed (the usual statistics table).
    #[default]
    Grid,
    /// 三线表: a heavy rule above and below, a light one under the header.
    ThreeLine,
}

/// A fully resolved table: header rows, body rows, footer rows (totals), notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Table {
    /// Caption text without its number; numbered 表N by the backends.
    pub caption: Option<String>,
    /// Identifier for cross-references (`[@id]` in the text prints 表N).
    #[serde(default)]
    pub id: Option<String>,
    /// Filled by the parser: the table's number among the document's tables.
    #[serde(default)]
    pub number: Option<usize>,
    /// 单位：人 — printed above the table at the right.
    #[serde(default)]
    pub unit_note: Option<String>,
    /// 资料来源：… — printed below the table.
    #[serde(default)]
    pub source_note: Option<String>,
    /// Number of grid columns.
    pub columns: u16,
    /// Ruling: three-line (三线表) or grid; one style per report, from the pack.
    #[serde(default)]
    pub rules: TableRules,
    /// Relative column widths (any unit); empty means equal.
    #[serde(default)]
    pub widths: Vec<f32>,
    /// Header rows (repeated on each page a table spans).
    pub head: Vec<Vec<TableCell>>,
    /// Body rows.
    pub body: Vec<Vec<TableCell>>,
    /// Footer rows: 合计 and 平均, when asked for.
    #[serde(default)]
    pub foot: Vec<Vec<TableCell>>,
}

impl Table {
    /// Lay the cells of `rows` on the grid: for each row, the (grid column, cell) pairs,
    /// skipping positions covered by row spans from above.
    pub fn place(&self, rows: &[Vec<TableCell>]) -> Vec<Vec<(usize, TableCell)>> {
        let cols = self.columns as usize;
        let mut covered = vec![0u16; cols];
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut placed = Vec::new();
            let mut col = 0;
            for cell in row {
                while col < cols && covered[col] > 0 {
                    col += 1;
                }
                if col >= cols {
                    break;
                }
                let span = (cell.colspan.max(1) as usize).min(cols - col);
                for c in covered.iter_mut().skip(col).take(span) {
                    *c = cell.rowspan.max(1);
                }
                placed.push((col, cell.clone()));
                col += span;
            }
            for c in covered.iter_mut() {
                *c = c.saturating_sub(1);
            }
            out.push(placed);
        }
        out
    }
}

impl Chart {
    /// The caption line printed below the chart: `图2　各社区常住人口`.
    pub fn label(&self) -> String {
        let n = self.number.map(|n| format!("图{n}")).unwrap_or_default();
        match &self.caption {
            Some(c) if !n.is_empty() => format!("{n}　{c}"),
            Some(c) => c.clone(),
            None => n,
        }
    }

    /// The chart's data as a table (categories down, series across). Each series' column
    /// shows one count of decimals: none when all its values are whole, else one.
    pub fn data_table(&self) -> Table {
        let decimals: Vec<usize> = self
            .series
            .iter()
            .map(|s| usize::from(s.values.iter().flatten().any(|x| x.fract() != 0.0)))
            .collect();
        let fmt = |v: &Option<f64>, d: usize| match v {
            Some(x) => format!("{x:.d$}"),
            None => "—".to_string(),
        };
        let mut head = vec![TableCell::new("", Align::Center)];
        head.extend(
            self.series
                .iter()
                .map(|s| TableCell::new(s.name.clone(), Align::Center)),
        );
        let body = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![TableCell::new(c.clone(), Align::Left)];
                row.extend(self.series.iter().zip(&decimals).map(|(s, d)| {
                    let v = s.values.get(i).copied().flatten();
                    let align = if v.is_some() {
                        Align::Right
                    } else {
                        Align::Center
                    };
                    TableCell::new(fmt(&v, *d), align)
                }));
                row
            })
            .collect();
        Table {
            unit_note: self.unit.as_ref().map(|u| format!("单位：{u}")),
            columns: self.series.len() as u16 + 1,
            head: vec![head],
            body,
            ..Table::default()
        }
    }
}

impl Table {
    /// The caption line printed above the table: `表3　各社区工作人员数量`.
    pub fn label(&self) -> Option<String> {
        let c = self.caption.as_ref()?;
        Some(match self.number {
            Some(n) => format!("表{n}　{c}"),
            None => c.clone(),
        })
    }
}
