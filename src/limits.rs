//! Resource limits: every kind of work a hostile or mistaken input can make unbounded has
//! a limit here, checked before the work starts.
//!
//! The values are process-wide. They are read once, on first use, from the environment
//! (`DIAOYAN_MAX_<NAME>`, e.g. `DIAOYAN_MAX_UNITS=50000`); a program embedding the library
//! may call [`set`] before its first use instead. `diaoyan limits` prints them. The README
//! lists each limit, its default and how to raise it — keep [`Limits::TABLE`] and it in step.

use std::sync::OnceLock;

/// Every limit, in the units its name gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest data file, `previous:` file or pack file read (YAML, Markdown), in MiB.
    pub file_mb: u64,
    /// Largest spreadsheet file accepted by `import` / `batch` (xlsx, xls, ods, csv), in MiB.
    pub sheet_file_mb: u64,
    /// Largest uncompressed size of one zip part of an xlsx/ods, in MiB.
    pub zip_part_mb: u64,
    /// Largest uncompressed size of all zip parts of one workbook together, in MiB.
    pub zip_total_mb: u64,
    /// Most rows in one sheet (counted from the cells that exist).
    pub sheet_rows: u64,
    /// Most columns in one sheet.
    pub sheet_columns: u64,
    /// Most non-empty cells in one workbook.
    pub sheet_cells: u64,
    /// Most text, in MiB, the cells of one workbook may expand to: the shared-string table
    /// once (scanned before the reader opens the file, which holds it whole), then every
    /// string cell's bytes, a shared string counted at each cell that refers to it, an ODS
    /// cell's text (and `<text:s text:c>` spaces) as often as it repeats. Checked while
    /// reading.
    pub sheet_text_mb: u64,
    /// Most units in one data file (checked before the file is parsed).
    pub units: u64,
    /// Most YAML values (scalars, lists, mappings, keys included) in one data file, checked
    /// before the file is parsed: the YAML loader holds every event of the file at once,
    /// so a 64 MiB file of tiny values would otherwise need gigabytes.
    pub nodes: u64,
    /// Longest a report's templates may run, in seconds.
    pub template_seconds: u64,
    /// Most steps one report's templates may take: loop iterations plus the numbers
    /// `range()` produces, all together.
    pub template_steps: u64,
    /// Largest Markdown one report's templates may produce, in MiB; also the largest
    /// value they may build (a `{% set %}` value as printed, a string filter's result).
    pub output_mb: u64,
    /// Deepest nesting of block quotes and lists in the report's Markdown.
    pub depth: u64,
    /// Most characters in one paragraph of the report (a heading, a table cell, a list
    /// item's paragraph alike), checked when the report Markdown is parsed — by `check`
    /// too — so the PDF and DOCX layout of one block stays small (its memory is a few
    /// dozen bytes per character).
    pub paragraph_chars: u64,
    /// Most blocks in one report: paragraphs, headings, list items and table cells of the
    /// report Markdown together, checked when it is parsed — by `check` too — before the
    /// layout, whose memory is several KiB a block (a table row of data: 12–16 KiB).
    pub report_blocks: u64,
}

/// Default of [`Limits::report_blocks`]: measured, the built-in pack's report of 4,358
/// units has 91,600 blocks (about 21 a unit: 5,000 units ≈ 106,000) and peaks at 536 MB;
/// a data table of 40,000 rows (120,000 cells) peaks at 613 MB, so the worst case at the
/// limit stays near 650 MB, under the 1 GiB the limits are tested in.
const REPORT_BLOCKS_DEFAULT: u64 = 120_000;

/// Most characters one cell may hold: 32,767, Excel's limit ("Total number of characters
/// that a cell can contain: 32,767 characters", Microsoft, *Excel specifications and
/// limits*). Shared strings, inline strings, formula results and ODS cell text longer than
/// this are refused; so is a data file's text value that could not go into a cell.
/// A fixed limit (not configurable): a longer text could never round-trip through Excel.
pub const CELL_CHARS: u64 = 32_767;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_mb: 64,
            sheet_file_mb: 64,
            zip_part_mb: 256,
            zip_total_mb: 512,
            sheet_rows: 200_000,
            sheet_columns: 1_000,
            sheet_cells: 2_000_000,
            sheet_text_mb: 256,
            units: 5_000,
            nodes: 1_000_000,
            template_seconds: 30,
            template_steps: 5_000_000,
            output_mb: 64,
            depth: 32,
            paragraph_chars: 1_000_000,
            report_blocks: REPORT_BLOCKS_DEFAULT,
        }
    }
}

/// One row of the limits table: the name (as in `DIAOYAN_MAX_<NAME>`), a Chinese
/// description with its unit, and the field.
pub struct LimitInfo {
    /// The limit's name, as in `DIAOYAN_MAX_<NAME>` (`UNITS`).
    pub name: &'static str,
    /// What it bounds and in which unit, in Chinese.
    pub description: &'static str,
    /// The limit's value in a [`Limits`].
    pub get: fn(&Limits) -> u64,
    set: fn(&mut Limits, u64),
}

impl LimitInfo {
    /// The largest value this limit may be raised to: sizes to 1 TiB (so byte counts never
    /// overflow), the nesting depth to 1,000 (deeper nesting would exhaust the 8 MiB main
    /// stack in the recursive layout walks), counts to 10^12.
    pub fn ceiling(&self) -> u64 {
        if self.name.ends_with("_MB") {
            1 << 20
        } else if self.name == "DEPTH" {
            1_000
        } else {
            1_000_000_000_000
        }
    }

    /// The environment variable that raises (or lowers) this limit.
    pub fn env_var(&self) -> String {
        format!("DIAOYAN_MAX_{}", self.name)
    }
}

macro_rules! limit {
    ($name:literal, $field:ident, $desc:literal) => {
        LimitInfo {
            name: $name,
            description: $desc,
            get: |l| l.$field,
            set: |l, v| l.$field = v,
        }
    };
}

impl Limits {
    /// Every limit with its environment variable name.
    pub const TABLE: &'static [LimitInfo] = &[
        limit!(
            "FILE_MB",
            file_mb,
            "数据文件、上一期文件、模板包文件的大小上限（MiB）"
        ),
        limit!(
            "SHEET_FILE_MB",
            sheet_file_mb,
            "导入的表格文件（xlsx/xls/ods/csv）大小上限（MiB）"
        ),
        limit!(
            "ZIP_PART_MB",
            zip_part_mb,
            "xlsx/ods 中单个压缩部件解压后的大小上限（MiB）"
        ),
        limit!(
            "ZIP_TOTAL_MB",
            zip_total_mb,
            "xlsx/ods 全部部件解压后的总大小上限（MiB）"
        ),
        limit!("SHEET_ROWS", sheet_rows, "一个工作表的行数上限"),
        limit!("SHEET_COLUMNS", sheet_columns, "一个工作表的列数上限"),
        limit!("SHEET_CELLS", sheet_cells, "一个工作簿的单元格数上限（重复的单元格、合并区填充、ODS 的重复都计入）"),
        limit!(
            "SHEET_TEXT_MB",
            sheet_text_mb,
            "一个工作簿全部单元格展开后的文本总量上限（MiB，共享字符串表计一次，重复引用的共享字符串、重复单元格按次计）"
        ),
        limit!("UNITS", units, "一个数据文件的单位数上限（解析前检查）"),
        limit!(
            "NODES",
            nodes,
            "一个数据文件中 YAML 值（含键）的个数上限（解析前检查）"
        ),
        limit!(
            "TEMPLATE_SECONDS",
            template_seconds,
            "一份报告的模板运行时间上限（秒）"
        ),
        limit!(
            "TEMPLATE_STEPS",
            template_steps,
            "一份报告的模板的循环次数与 range() 生成的数的总数上限"
        ),
        limit!(
            "OUTPUT_MB",
            output_mb,
            "一份报告的模板输出（Markdown）及模板中任一个值的大小上限（MiB）"
        ),
        limit!("DEPTH", depth, "报告中引用块、列表的嵌套层数上限"),
        limit!(
            "PARAGRAPH_CHARS",
            paragraph_chars,
            "报告中一个段落（标题、表格单元格、列表项同）的字数上限"
        ),
        limit!(
            "REPORT_BLOCKS",
            report_blocks,
            "一份报告的段落、标题、列表项、表格单元格的总数上限"
        ),
    ];

    /// The defaults overridden by every `DIAOYAN_MAX_<NAME>` set in the environment.
    ///
    /// # Errors
    /// A variable that is not a positive whole number, in Chinese, naming the variable.
    pub fn from_env() -> Result<Limits, String> {
        let mut limits = Limits::default();
        for info in Self::TABLE {
            let var = info.env_var();
            if let Some(value) = std::env::var_os(&var) {
                let text = value.to_string_lossy();
                let ceiling = info.ceiling();
                let digits = text.trim();
                let parsed = digits.parse::<u64>();
                // Only digits yet no u64 is too large as well, not malformed.
                let too_large = match parsed {
                    Ok(v) => v > ceiling,
                    Err(_) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
                };
                match parsed {
                    _ if too_large => {
                        return Err(format!(
                            "环境变量 {var}={text} 超过允许的最大值 {ceiling}（{}）",
                            info.description
                        ))
                    }
                    Ok(v) if v > 0 => (info.set)(&mut limits, v),
                    _ => {
                        return Err(format!(
                            "环境变量 {var}={text} 不是正整数（{}，默认 {}）",
                            info.description,
                            (info.get)(&Limits::default())
                        ))
                    }
                }
            }
        }
        Ok(limits)
    }

    /// `mb` MiB in bytes.
    pub fn bytes(mb: u64) -> u64 {
        mb.saturating_mul(1 << 20)
    }
}

/// The limits as a table for `diaoyan limits`: one line per limit with its value in force,
/// its default and the environment variable that changes it.
pub fn describe(limits: &Limits) -> String {
    let defaults = Limits::default();
    let mut out = format!(
        "{:<32} {:>9} {:>9}    说明 / meaning\n",
        "variable", "current", "default"
    );
    for info in Limits::TABLE {
        let (now, default) = ((info.get)(limits), (info.get)(&defaults));
        let var = info.env_var();
        out.push_str(&format!(
            "{var:<32} {now:>9} {default:>9}    {}\n",
            info.description
        ));
    }
    out.push_str("以环境变量调整，例如：DIAOYAN_MAX_UNITS=50000 diaoyan render 全市.yaml\n");
    out
}

static CURRENT: OnceLock<Limits> = OnceLock::new();

/// The limits in force: those given to [`set`], else [`Limits::from_env`] (a malformed
/// variable falls back to the defaults here; [`init_from_env`] reports it).
pub fn current() -> &'static Limits {
    CURRENT.get_or_init(|| Limits::from_env().unwrap_or_default())
}

/// Fix the limits for this process. Returns `false` if they were already in force.
pub fn set(limits: Limits) -> bool {
    CURRENT.set(limits).is_ok()
}

/// Read the limits from the environment and fix them, reporting a malformed variable
/// (the command line calls this first, so a typo is an error rather than a silent default).
pub fn init_from_env() -> Result<&'static Limits, String> {
    let limits = Limits::from_env()?;
    let _ = CURRENT.set(limits);
    Ok(current())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's limits table names every limit with its default, and nothing else.
    #[test]
    fn the_readme_lists_every_limit_with_its_default() {
        let readme = include_str!("../README.md");
        let listed: Vec<(String, u64)> = readme
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("| `DIAOYAN_MAX_")?;
                let (name, rest) = rest.split_once("` | ")?;
                let value = rest.split(' ').next()?.parse().ok()?;
                Some((name.to_string(), value))
            })
            .collect();
        let d = Limits::default();
        let table: Vec<(String, u64)> = Limits::TABLE
            .iter()
            .map(|i| (i.name.to_string(), (i.get)(&d)))
            .collect();
        assert_eq!(listed, table);
    }

    #[test]
    fn every_field_is_in_the_table_once() {
        let mut l = Limits::default();
        for (i, info) in Limits::TABLE.iter().enumerate() {
            (info.set)(&mut l, 1_000_000 + i as u64);
        }
        for (i, info) in Limits::TABLE.iter().enumerate() {
            assert_eq!((info.get)(&l), 1_000_000 + i as u64, "{}", info.name);
        }
        // Every field was overwritten: none still holds its default.
        let d = Limits::default();
        for info in Limits::TABLE {
            assert_ne!((info.get)(&l), (info.get)(&d), "{}", info.name);
        }
    }
}
