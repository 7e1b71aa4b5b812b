//! The command line's grammar (clap): every command, its arguments and help, and the
//! Chinese translation of clap's errors ([`error`]). `main.rs` only dispatches.

mod error;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use diaoyan::render::pdf::FontSet;
use diaoyan::Format;

pub use error::command_line_error;

const EXAMPLES: &str = "\
常用流程 / Everyday use:
  diaoyan init --template community-survey 青年路.yaml     写一份待填的数据文件
  diaoyan import 社区统计.xlsx --template community-survey  从 Excel 导入
  diaoyan check 青年路.yaml                                检查数据，列出所有问题
  diaoyan render 青年路.yaml --watch                       保存即重新生成 DOCX 与 PDF
  diaoyan batch data/ -o output/ -j 4                      全部街道一次生成
  diaoyan export 青年路.yaml -o 社区统计.xlsx              导出为 Excel（含统计表）";

#[derive(Parser)]
#[command(
    name = "diaoyan",
    version,
    about = "调研数据 → 调研报告（DOCX 与 PDF）",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Docx,
    Pdf,
}

#[derive(clap::Args)]
pub struct FontArgs {
    /// A folder of fonts that take precedence over the bundled ones (repeatable).
    #[arg(long = "font-dir")]
    pub font_dirs: Vec<PathBuf>,
    /// Do not look for installed fonts (仿宋_GB2312, 楷体_GB2312, 方正小标宋简体, …).
    #[arg(long)]
    pub no_system_fonts: bool,
}

/// What to do with a character no font has in a unit name, the title or a heading.
#[derive(clap::Args, Clone, Copy)]
pub struct GlyphArgs {
    /// Draw a character no font has as a box □ (with a warning) even in unit names, the
    /// title and headings, instead of refusing the data file.
    #[arg(long)]
    pub allow_missing_glyphs: bool,
}

impl GlyphArgs {
    /// What the library does with a character no font has in a name, title or heading.
    pub fn allow(self) -> diaoyan::MissingGlyphs {
        if self.allow_missing_glyphs {
            diaoyan::MissingGlyphs::Allow
        } else {
            diaoyan::MissingGlyphs::Refuse
        }
    }
}

impl FontArgs {
    /// The fonts these flags ask for.
    pub fn load(&self) -> FontSet {
        FontSet::discover(&self.font_dirs, !self.no_system_fonts)
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Render one data file to DOCX and PDF.
    #[command(after_help = "\
例 / Examples:
  diaoyan render data/qingnianlu-2019.yaml                 写出 output/qingnianlu-2019.docx 与 .pdf
  diaoyan render data/青年路-2020.yaml --format pdf -o 归档
  diaoyan render data/青年路-2020.yaml --watch             保存即重新生成")]
    Render(RenderArgs),
    /// Write a data file ready to fill (or, with --pack, a new template pack).
    #[command(after_help = "\
例 / Examples:
  diaoyan init --template community-survey 青年路-2020.yaml
  diaoyan init --template community-survey 表格.xlsx     空白 Excel 表格 / empty form workbook
  diaoyan init --pack templates/my-survey")]
    Init(InitArgs),
    /// List the template packs found (./templates, --template folder, built-in).
    Templates {
        /// A pack folder or a folder of packs to look in as well.
        #[arg(long)]
        template: Option<PathBuf>,
    },
    /// Read units from a spreadsheet (xlsx, xls, ods, csv) into a data file.
    #[command(after_help = "\
列按中文名称（居民户数）、带单位的名称（常住人口（人））或字段路径匹配；
两行表头（年龄 / 30岁以下 …）与合并单元格均可。问题按单元格地址（B7）列出。
例 / Examples:
  diaoyan import 社区统计.xlsx --template community-survey -o data/青年路-2020.yaml
  diaoyan import 社区统计.csv --template community-survey --into data/青年路-2020.yaml")]
    Import(ImportArgs),
    /// Write a data file's units (and computed statistics) to an Excel workbook.
    #[command(after_help = "\
例 / Example:
  diaoyan export data/qingnianlu-2019.yaml -o 社区统计.xlsx")]
    Export(ExportArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "\
例 / Example:
  diaoyan completions bash > ~/.local/share/bash-completion/completions/diaoyan")]
    Completions { shell: clap_complete::Shell },
    /// Render many data files (or folders of them) in parallel.
    #[command(after_help = "\
例 / Examples:
  diaoyan batch data/ -o output/                          文件夹中的每个数据文件一份报告
  diaoyan batch 全市.yaml --split-by region -o output/     每个街道一份，另加全市汇总
  diaoyan batch data/ --shard 3/8                         八台机器中的第三台")]
    Batch(BatchArgs),
    /// Write synthetic survey files that pass validation (for trials and benchmarks).
    Sample(SampleArgs),
    /// Show every resource limit (file sizes, units, sheet bounds, template time…), its
    /// value in force and the environment variable that raises it.
    Limits,
    /// Show which font file serves each role in the PDF.
    Fonts {
        #[command(flatten)]
        fonts: FontArgs,
    },
    /// Check a data file: everything `render` does (load, statistics, composition,
    /// layout of every format) except writing; list every problem.
    Check(CheckArgs),
    /// Print every computed figure of a data file.
    Stats(StatsArgs),
    /// Open the browser workspace: upload a spreadsheet, write the findings, watch the
    /// report appear, download DOCX and PDF (served on this computer only by default).
    #[command(after_help = "\
例 / Examples:
  diaoyan serve                                          打开 http://127.0.0.1:8080/
  diaoyan serve --dir 调研工作区 --port 9000
  diaoyan serve --bind 0.0.0.0 --token 口令              局域网内访问（必须设置访问令牌）")]
    Serve(ServeArgs),
}

// `serve`'s arguments.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The address to listen on; anything but loopback requires --token.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// The port (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The workspace folder (created): one folder per project, optional templates/.
    #[arg(long, default_value = "diaoyan-workspace")]
    pub dir: PathBuf,
    /// Access token every request must carry (required to bind beyond this computer).
    #[arg(long, env = "DIAOYAN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest upload, in MiB.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_upload_mb: u64,
    /// Most files in one batch (or one zip).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_files: u64,
    /// Longest one render may take, in seconds.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub render_timeout: u64,
    #[command(flatten)]
    pub fonts: FontArgs,
    #[command(flatten)]
    pub glyphs: GlyphArgs,
}

impl ServeArgs {
    /// The library's server configuration (fonts loaded now, once).
    pub fn config(&self) -> diaoyan::serve::ServeConfig {
        diaoyan::serve::ServeConfig {
            bind: self.bind,
            port: self.port,
            dir: self.dir.clone(),
            token: self.token.clone(),
            max_upload_mb: self.max_upload_mb,
            max_files: usize::try_from(self.max_files).unwrap_or(usize::MAX),
            render_timeout: std::time::Duration::from_secs(self.render_timeout),
            fonts: self.fonts.load(),
            glyphs: self.glyphs.allow(),
        }
    }
}

// `render`'s arguments.
#[derive(clap::Args)]
pub struct RenderArgs {
    /// The survey data file (YAML).
    pub data: PathBuf,
    /// Output folder.
    #[arg(short, long, default_value = "output")]
    pub output: PathBuf,
    /// Formats to write.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["docx", "pdf"])]
    pub format: Vec<FormatArg>,
    /// A template pack folder (or a folder of packs).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Also write the intermediate report Markdown.
    #[arg(long)]
    pub markdown: bool,
    /// Keep running: render again whenever the data file or template pack is saved.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub fonts: FontArgs,
    #[command(flatten)]
    pub glyphs: GlyphArgs,
}

// `init`'s arguments.
#[derive(clap::Args)]
pub struct InitArgs {
    /// The data file to write (default: survey.yaml); a name ending in .xlsx gets the
    /// pack's empty form workbook (Excel, with input rules) to hand out and `import`.
    pub file: Option<PathBuf>,
    /// Template pack: a name (see `diaoyan templates`) or a pack folder.
    #[arg(long)]
    pub template: Option<String>,
    /// Scaffold a new template pack in this folder instead.
    #[arg(long, conflicts_with_all = ["file", "template"])]
    pub pack: Option<PathBuf>,
    /// Start next period's data file from this one (last period's): same structure,
    /// units and headings, numbers emptied, `previous:` pointing at it.
    #[arg(long, conflicts_with_all = ["template", "pack"])]
    pub from: Option<PathBuf>,
    /// The data file to write (with --from; default: the name with the next period).
    #[arg(short, long, requires = "from", conflicts_with = "file")]
    pub output: Option<PathBuf>,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

// `import`'s arguments.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The spreadsheet.
    pub file: PathBuf,
    /// Template pack: a name or a pack folder.
    #[arg(long)]
    pub template: String,
    /// The data file to write (default: beside the spreadsheet, .yaml).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Replace only the units (and tables) of this existing data file, keeping its
    /// report metadata, facts, findings and comments; written back to it unless -o.
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

// `batch`'s arguments: [`BatchArgs::options`] makes them the library's options.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// Data files or folders of them.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[arg(short, long, default_value = "output")]
    pub output: PathBuf,
    /// Worker threads (default, and 0: all cores; at most 64 and at most one per data
    /// file).
    #[arg(short, long)]
    pub jobs: Option<usize>,
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["docx", "pdf"])]
    pub format: Vec<FormatArg>,
    /// Split each file into one report per value of this unit tag (plus the whole area).
    #[arg(long)]
    pub split_by: Option<String>,
    /// Render only slice I of N (1-based), e.g. 2/8.
    #[arg(long)]
    pub shard: Option<String>,
    #[arg(long)]
    pub template: Option<PathBuf>,
    #[command(flatten)]
    pub fonts: FontArgs,
    #[command(flatten)]
    pub glyphs: GlyphArgs,
}

// `check`'s arguments.
#[derive(clap::Args)]
pub struct CheckArgs {
    pub data: PathBuf,
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Formats to check (as for render).
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["docx", "pdf"])]
    pub format: Vec<FormatArg>,
    /// The fonts `render` would use: a character none of them has in a unit name, the
    /// title or a heading is refused, as `render` refuses it.
    #[command(flatten)]
    pub fonts: FontArgs,
    #[command(flatten)]
    pub glyphs: GlyphArgs,
}

// `export`'s arguments.
#[derive(clap::Args)]
pub struct ExportArgs {
    pub data: PathBuf,
    /// The workbook to write (default: beside the data file, .xlsx).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub template: Option<PathBuf>,
}

// `sample`'s arguments.
#[derive(clap::Args)]
pub struct SampleArgs {
    /// How many districts.
    #[arg(long, default_value_t = 10)]
    pub districts: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(short, long, default_value = "samples")]
    pub output: PathBuf,
    /// One city-wide file whose units carry `region` (for `batch --split-by region`).
    #[arg(long)]
    pub one_file: bool,
}

// `stats`'s arguments.
#[derive(clap::Args)]
pub struct StatsArgs {
    pub data: PathBuf,
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// Exactly the variables the pack's templates see, as one JSON object.
    #[arg(long, conflicts_with = "names")]
    pub json: bool,
    /// Every variable path a template can use, with its value, one a line
    /// (`fields["office.total"].sum = 2492`).
    #[arg(long)]
    pub names: bool,
}

/// The formats asked for, sorted and without repeats (DOCX before PDF).
pub fn formats_of(format: &[FormatArg]) -> Vec<Format> {
    let mut formats: Vec<Format> = format
        .iter()
        .map(|f| match f {
            FormatArg::Docx => Format::Docx,
            FormatArg::Pdf => Format::Pdf,
        })
        .collect();
    formats.sort();
    formats.dedup();
    formats
}

impl BatchArgs {
    /// The library's batch options; `-j` defaults to every core.
    ///
    /// # Errors
    /// A malformed `--shard`, in Chinese.
    pub fn options(&self) -> Result<diaoyan::batch::Options, String> {
        let shard = self
            .shard
            .as_deref()
            .map(diaoyan::batch::parse_shard)
            .transpose()?;
        let cores = || std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(diaoyan::batch::Options {
            inputs: self.inputs.clone(),
            output: self.output.clone(),
            // 0 means every core, as the help says; the library caps the count.
            jobs: match self.jobs {
                None | Some(0) => cores(),
                Some(n) => n,
            },
            formats: formats_of(&self.format),
            split_by: self.split_by.clone(),
            shard,
            template: self.template.clone(),
            allow_missing_glyphs: self.glyphs.allow_missing_glyphs,
        })
    }
}

/// Print the completion script for `shell` to standard output.
pub fn completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "diaoyan", &mut std::io::stdout());
}
