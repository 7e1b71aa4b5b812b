//! A pack's `style:` section: how every report of the pack looks, where a choice exists.
//!
//! ```yaml
//! style:
//!   table_rules: grid          # 表格样式，全报告统一：grid（全框线）或 three-line（三线表）
//!   signature:                 # 落款（发文机关署名、成文日期），GB/T 9704-2012 §7.3.5.2
//!     show: true               # false：不排落款
//!     lines:                   # 成文日期之后另起的行（Tera 模板，可引用 report、facts 等）
//!       - "执笔人：{{ report.author }}"
//!   reference_docx: reference.docx   # 单位自己的 Word 文件：DOCX 用其样式、页面设置、页眉页脚
//!   reference_page_setup: true       # false：DOCX 不用参考文件的页面设置（纸张、页边距、网格）
//! ```
//!
//! The reference DOCX is used as pandoc's `--reference-doc` is, for the DOCX only; the PDF
//! follows these settings (and GB/T 9704), never the reference file.
//!
//! Unknown keys are refused at their line with the list of valid ones (`deny_unknown_fields`,
//! translated by the schema loader).

use serde::{Deserialize, Serialize};

/// `template.yaml` `style:`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// How every table of the report is ruled: one style per report (`grid`, the default,
    /// or `three-line`). A template cannot set it per table (`table(rules=…)` is an error).
    #[serde(default)]
    pub table_rules: TableRules,
    /// The 落款 at the end of the report.
    #[serde(default)]
    pub signature: Signature,
    /// The office's own Word file whose styles, page setup, header and footer the DOCX
    /// takes ([`crate::refdoc`]): a file name inside the pack's folder. Absent: the pack's
    /// `reference.docx` if the folder has one. An empty string: none, even if the file
    /// exists. The PDF never follows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_docx: Option<String>,
    /// Whether the DOCX takes the reference file's page setup (`w:pgSz`, `w:pgMar`,
    /// `w:docGrid`) too; default `true`. `false` keeps the GB/T 9704 page.
    #[serde(default = "yes")]
    pub reference_page_setup: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            table_rules: TableRules::default(),
            signature: Signature::default(),
            reference_docx: None,
            reference_page_setup: true,
        }
    }
}

/// `style.signature:`: the 落款 (issuing organisation, date, further lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Whether the report ends with the 落款 (default `true`). The organisation and date
    /// come from the data file's `report.organisation` and `report.date`; a report with
    /// neither and no `lines` has none.
    #[serde(default = "yes")]
    pub show: bool,
    /// Lines printed after the date, in order: each a Tera template rendered with the
    /// report template's variables (`report`, `facts`, …), not Markdown. A line that
    /// renders empty (e.g. `{% if report.author %}…{% endif %}`) is left out.
    #[serde(default)]
    pub lines: Vec<String>,
}

impl Default for Signature {
    fn default() -> Self {
        Signature {
            show: true,
            lines: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// `style.table_rules`: how every table of a report is ruled. The pack's choice; compose
/// gives each table of the Document the matching ruling (the Document model has its own
/// type, so the pack's schema and the Document do not depend on each other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TableRules {
    /// `grid`: every cell boxed (the default).
    #[default]
    Grid,
    /// `three-line`: 三线表, a heavy rule above and below, a light one under the header.
    ThreeLine,
}

impl TableRules {
    /// The value as written in `template.yaml` (`grid`, `three-line`).
    pub fn name(self) -> &'static str {
        match self {
            TableRules::Grid => "grid",
            TableRules::ThreeLine => "three-line",
        }
    }
}
