//! The Document model (the waist of the pipeline) and the report-Markdown parser.

mod model;
mod numbering;
mod parse;

pub use crate::chars::{is_cjk, is_full_width};
pub use model::{
    list_marker, nominal_width, plain_text, Align, Block, Chart, ChartKind, Closing, ClosingLine,
    ClosingPart, Document, Inline, Meta, Run, Series, Table, TableCell, TableRules,
    CLOSING_BLANK_LINES,
};
pub use numbering::{chinese_numeral, label as heading_label, number_headings};
pub use parse::{parse, CHART_DIRECTIVE, PAGE_BREAK, TABLE_DIRECTIVE};
