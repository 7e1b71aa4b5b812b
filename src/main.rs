//! The `diaoyan` command line: parse arguments, call the library, map errors to exit codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use diaoyan::render::pdf::FontSet;
use diaoyan::{stats, survey, Error, Format};

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
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Docx,
    Pdf,
}

#[derive(clap::Args)]
struct FontArgs {
    /// A folder of fonts that take precedence over the bundled ones (repeatable).
    #[arg(long = "font-dir")]
    font_dirs: Vec<PathBuf>,
    /// Do not look for installed fonts (仿宋_GB2312, 楷体_GB2312, 方正小标宋简体, …).
    #[arg(long)]
    no_system_fonts: bool,
}

/// What to do with a character no font has in a unit name, the title or a heading.
#[derive(clap::Args, Clone, Copy)]
struct GlyphArgs {
    /// Draw a character no font has as a box □ (with a warning) even in unit names, the
    /// title and headings, instead of refusing the data file.
    #[arg(long)]
    allow_missing_glyphs: bool,
}

impl GlyphArgs {
    /// What the library does with a character no font has in a name, title or heading.
    fn allow(self) -> diaoyan::MissingGlyphs {
        if self.allow_missing_glyphs {
            diaoyan::MissingGlyphs::Allow
        } else {
            diaoyan::MissingGlyphs::Refuse
        }
    }
}

impl FontArgs {
    fn load(&self) -> FontSet {
        FontSet::discover(&self.font_dirs, !self.no_system_fonts)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Render one data file to DOCX and PDF.
    #[command(after_help = "\
例 / Examples:
  diaoyan render data/qingnianlu-2019.yaml                 写出 output/qingnianlu-2019.docx 与 .pdf
  diaoyan render data/青年路-2020.yaml --format pdf -o 归档
  diaoyan render data/青年路-2020.yaml --watch             保存即重新生成")]
    Render {
        /// The survey data file (YAML).
        data: PathBuf,
        /// Output folder.
        #[arg(short, long, default_value = "output")]
        output: PathBuf,
        /// Formats to write.
        #[arg(long, value_enum, value_delimiter = ',', default_values = ["docx", "pdf"])]
        format: Vec<FormatArg>,
        /// A template pack folder (or a folder of packs).
        #[arg(long)]
        template: Option<PathBuf>,
        /// Also write the intermediate report Markdown.
        #[arg(long)]
        markdown: bool,
        /// Keep running: render again whenever the data file or template pack is saved.
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        glyphs: GlyphArgs,
    },
    /// Write a data file ready to fill (or, with --pack, a new template pack).
    #[command(after_help = "\
例 / Examples:
  diaoyan init --template community-survey 青年路-2020.yaml
  diaoyan init --pack templates/my-survey")]
    Init {
        /// The data file to write (default: survey.yaml).
        file: Option<PathBuf>,
        /// Template pack: a name (see `diaoyan templates`) or a pack folder.
        #[arg(long)]
        template: Option<String>,
        /// Scaffold a new template pack in this folder instead.
        #[arg(long, conflicts_with_all = ["file", "template"])]
        pack: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
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
    Import {
        /// The spreadsheet.
        file: PathBuf,
        /// Template pack: a name or a pack folder.
        #[arg(long)]
        template: String,
        /// The data file to write (default: beside the spreadsheet, .yaml).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace only the units (and tables) of this existing data file, keeping its
        /// report metadata, facts, findings and comments; written back to it unless -o.
        #[arg(long)]
        into: Option<PathBuf>,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a data file's units (and computed statistics) to an Excel workbook.
    #[command(after_help = "\
例 / Example:
  diaoyan export data/qingnianlu-2019.yaml -o 社区统计.xlsx")]
    Export {
        data: PathBuf,
        /// The workbook to write (default: beside the data file, .xlsx).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long)]
        template: Option<PathBuf>,
    },
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
    Batch {
        /// Data files or folders of them.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        #[arg(short, long, default_value = "output")]
        output: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(short, long)]
        jobs: Option<usize>,
        #[arg(long, value_enum, value_delimiter = ',', default_values = ["docx", "pdf"])]
        format: Vec<FormatArg>,
        /// Split each file into one report per value of this unit tag (plus the whole area).
        #[arg(long)]
        split_by: Option<String>,
        /// Render only slice I of N (1-based), e.g. 2/8.
        #[arg(long)]
        shard: Option<String>,
        #[arg(long)]
        template: Option<PathBuf>,
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        glyphs: GlyphArgs,
    },
    /// Write synthetic survey files that pass validation (for trials and benchmarks).
    Sample {
        /// How many districts.
        #[arg(long, default_value_t = 10)]
        districts: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(short, long, default_value = "samples")]
        output: PathBuf,
        /// One city-wide file whose units carry `region` (for `batch --split-by region`).
        #[arg(long)]
        one_file: bool,
    },
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
    Check {
        data: PathBuf,
        #[arg(long)]
        template: Option<PathBuf>,
        /// Formats to check (as for render).
        #[arg(long, value_enum, value_delimiter = ',', default_values = ["docx", "pdf"])]
        format: Vec<FormatArg>,
        /// The fonts `render` would use: a character none of them has in a unit name, the
        /// title or a heading is refused, as `render` refuses it.
        #[command(flatten)]
        fonts: FontArgs,
        #[command(flatten)]
        glyphs: GlyphArgs,
    },
    /// Print every computed figure of a data file.
    Stats {
        data: PathBuf,
        #[arg(long)]
        template: Option<PathBuf>,
        /// One nested JSON object keyed by field path.
        #[arg(long)]
        json: bool,
    },
}

/// A command-line error told in Chinese (clap's own messages are English): what is wrong
/// with which argument, clap's suggestion, and the usage line. Help and version are
/// printed as asked (exit 0); every error exits 2, as bad input does.
fn command_line_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind as C, ErrorKind as K};
    match e.kind() {
        K::DisplayHelp | K::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        K::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let get = |k: C| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let arg = get(C::InvalidArg);
    let value = get(C::InvalidValue);
    let valid = get(C::ValidValue);
    let msg = match e.kind() {
        K::InvalidValue if value.is_empty() => format!("参数 {arg} 缺少值"),
        K::InvalidValue | K::ValueValidation => {
            let source = std::error::Error::source(e);
            let why = if source.is_some_and(|s| s.is::<std::num::ParseIntError>()) {
                "（应为整数）"
            } else if source.is_some_and(|s| s.is::<std::num::ParseFloatError>()) {
                "（应为数字）"
            } else {
                ""
            };
            format!("参数 {arg} 的值“{value}”无效{why}")
        }
        K::UnknownArgument => format!("无法识别的参数“{arg}”"),
        K::InvalidSubcommand => format!("没有“{}”这个命令", get(C::InvalidSubcommand)),
        K::NoEquals => format!("参数 {arg} 须用“=”给值"),
        K::TooManyValues => format!("参数 {arg} 的值过多（多出“{value}”）"),
        K::TooFewValues | K::WrongNumberOfValues => format!("参数 {arg} 的值个数不对"),
        K::ArgumentConflict => format!("参数 {arg} 不能与 {} 同时使用", get(C::PriorArg)),
        K::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        K::MissingSubcommand => "缺少命令".to_string(),
        K::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    eprintln!("错误：{msg}");
    if !valid.is_empty() {
        eprintln!("  可用的值：{}", valid.replace(", ", "、"));
    }
    let suggested = [get(C::SuggestedSubcommand), get(C::SuggestedArg)]
        .into_iter()
        .find(|s| !s.is_empty());
    if let Some(s) = suggested {
        eprintln!("  提示：是否想用 {s}？");
    }
    let rendered = e.render().to_string();
    if let Some(usage) = rendered.lines().find_map(|l| l.strip_prefix("Usage: ")) {
        eprintln!("\n用法：{usage}");
    }
    eprintln!("更多信息请运行 diaoyan --help 或 diaoyan <命令> --help");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    // Before any thread starts (batch's admission by memory relies on it).
    diaoyan::batch::prepare_allocator();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return command_line_error(&e),
    };
    // A malformed DIAOYAN_MAX_* is an error, not a silent default.
    if let Err(msg) = diaoyan::limits::init_from_env() {
        eprintln!("错误：{msg}");
        return ExitCode::from(2);
    }
    // Every command that writes files: an interrupt leaves each report complete or absent.
    on_interrupt_stop_writing();
    let result = match cli.command {
        Command::Render {
            data,
            output,
            format,
            template,
            markdown,
            watch,
            fonts,
            glyphs,
        } => {
            let fonts = fonts.load();
            let run = || {
                render(
                    &data,
                    &output,
                    &format,
                    template.as_deref(),
                    markdown,
                    &fonts,
                    glyphs,
                )
            };
            if watch {
                return watch_render(&data, template.as_deref(), run);
            }
            run().map(|_| ())
        }
        Command::Init {
            file,
            template,
            pack,
            force,
        } => init(file, template.as_deref(), pack.as_deref(), force),
        Command::Templates { template } => templates(template.as_deref()),
        Command::Import {
            file,
            template,
            output,
            into,
            force,
        } => import(&file, &template, output, into, force),
        Command::Export {
            data,
            output,
            template,
        } => export(&data, output, template.as_deref()),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "diaoyan", &mut std::io::stdout());
            Ok(())
        }
        Command::Batch {
            inputs,
            output,
            jobs,
            format,
            split_by,
            shard,
            template,
            fonts,
            glyphs,
        } => {
            return batch(
                inputs, output, jobs, &format, split_by, shard, template, &fonts, glyphs,
            )
        }
        Command::Sample {
            districts,
            seed,
            output,
            one_file,
        } => {
            // A request `check` would refuse the files of is refused before anything is
            // generated or written.
            let limit = diaoyan::limits::current().units;
            if let Err(why) = diaoyan::sample::check_districts(districts, one_file, limit) {
                eprintln!("错误：{why}");
                return ExitCode::from(2);
            }
            sample(districts, seed, &output, one_file)
        }
        Command::Limits => {
            print!("{}", diaoyan::limits::describe(diaoyan::limits::current()));
            Ok(())
        }
        Command::Fonts { fonts } => {
            print!("{}", diaoyan::render::pdf::describe_fonts(&fonts.load()));
            Ok(())
        }
        Command::Check {
            data,
            template,
            format,
            fonts,
            glyphs,
        } => check(&data, template.as_deref(), &format, &fonts.load(), glyphs),
        Command::Stats {
            data,
            template,
            json,
        } => survey::load(&data, template.as_deref()).map(|(s, pack)| {
            let figures = stats::compute(&s, &pack.schema);
            if json {
                let v = stats::to_json(&figures);
                println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                print!("{}", stats::to_text(&figures));
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Ctrl-C (and SIGTERM, SIGHUP): wait for the group of files being written to be
/// complete, keep any other from starting, and exit 130 — no half-written report, no
/// report with only some of its files, no temporary file (see `diaoyan::write_group`).
fn on_interrupt_stop_writing() {
    let _ = ctrlc::set_handler(|| {
        diaoyan::stop_writing();
        eprintln!("已中断：已写出的报告完整，未写完的没有留下任何文件");
        std::process::exit(130);
    });
}

fn formats_of(format: &[FormatArg]) -> Vec<Format> {
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

#[allow(clippy::too_many_arguments)]
fn batch(
    inputs: Vec<PathBuf>,
    output: PathBuf,
    jobs: Option<usize>,
    format: &[FormatArg],
    split_by: Option<String>,
    shard: Option<String>,
    template: Option<PathBuf>,
    fonts: &FontArgs,
    glyphs: GlyphArgs,
) -> ExitCode {
    use std::io::IsTerminal;
    let shard = match shard
        .as_deref()
        .map(diaoyan::batch::parse_shard)
        .transpose()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let opts = diaoyan::batch::Options {
        inputs,
        output,
        jobs: jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }),
        formats: formats_of(format),
        split_by,
        shard,
        template,
        allow_missing_glyphs: glyphs.allow_missing_glyphs,
    };
    let fonts = fonts.load();
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |k: usize, o: &diaoyan::batch::Outcome| {
        let status = if o.result.is_ok() { "完成" } else { "失败" };
        match &bar {
            Some(b) => {
                b.set_position(k as u64);
                b.set_message(format!("{status} {}", o.label));
            }
            None => eprintln!("[{k}] {status} {}", o.label),
        }
    };
    if let Some(b) = &bar {
        b.set_length(opts.inputs.len() as u64);
    }
    let summary = match diaoyan::batch::run(&opts, &fonts, &progress) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let failed: Vec<_> = summary.failed().collect();
    println!(
        "完成 {} 份报告，失败 {} 份，写出 {} 个文件",
        summary.ok(),
        failed.len(),
        summary.files()
    );
    for f in &failed {
        let first = f
            .result
            .as_ref()
            .err()
            .and_then(|e| e.lines().next())
            .unwrap_or("");
        println!("  失败：{}：{first}", f.label);
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn sample(districts: usize, seed: u64, output: &Path, one_file: bool) -> Result<(), Error> {
    diaoyan::fsio::create_dir_all(output)?;
    let files = if one_file {
        vec![(
            "city.yaml".to_string(),
            diaoyan::sample::city(districts, seed),
        )]
    } else {
        diaoyan::sample::districts(districts, seed)
    };
    for (name, text) in files {
        let p = output.join(name);
        diaoyan::write_atomic(&p, text.as_bytes())?;
        println!("{}", p.display());
    }
    Ok(())
}

/// `render`: prepare every format in memory, then write the report's files together;
/// returns the paths written (so `--watch` can ignore its own output).
fn render(
    data: &Path,
    output: &Path,
    format: &[FormatArg],
    template: Option<&Path>,
    markdown: bool,
    fonts: &FontSet,
    glyphs: GlyphArgs,
) -> Result<Vec<PathBuf>, Error> {
    let formats = formats_of(format);
    let (report, rendered) = diaoyan::prepare(data, template, &formats, fonts, glyphs.allow())?;
    let written = diaoyan::write_report(&report, rendered, output, markdown)?;
    for w in &written.warnings {
        eprintln!("警告：{w}");
    }
    for p in &written.paths {
        println!("{}", p.display());
    }
    Ok(written.paths)
}

/// `check`: the render pipeline without the writing, so check passes exactly what render
/// renders.
fn check(
    data: &Path,
    template: Option<&Path>,
    format: &[FormatArg],
    fonts: &FontSet,
    glyphs: GlyphArgs,
) -> Result<(), Error> {
    let (report, rendered) =
        diaoyan::prepare(data, template, &formats_of(format), fonts, glyphs.allow())?;
    for w in &rendered.warnings {
        eprintln!("警告：{w}");
    }
    println!(
        "{}：数据有效（{} 个单位）",
        data.display(),
        report.units.len()
    );
    Ok(())
}

/// A pack from `--template`: a pack folder, or a name (./templates/<name>, built-in).
/// Without one, the only pack there is.
fn pack_arg(arg: Option<&str>) -> Result<survey::Pack, Error> {
    use diaoyan::error::Diagnostic;
    let names = || {
        survey::list(None)
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join("、")
    };
    match arg {
        // A folder: it must be a pack (a path that does not exist is an error, never a
        // silent fall-back to a built-in pack).
        Some(a) if a.contains(['/', '\\']) || Path::new(a).join("template.yaml").exists() => {
            let dir = Path::new(a);
            if !dir.join("template.yaml").exists() {
                let why = if !dir.exists() {
                    "不存在"
                } else if !dir.is_dir() {
                    "不是文件夹"
                } else {
                    "不是模板包（缺少 template.yaml）"
                };
                return Err(Error::input(Diagnostic::new(
                    dir,
                    format!("--template 指定的模板包文件夹{why}"),
                )));
            }
            survey::Pack::from_dir(dir)
        }
        Some(a) => survey::Pack::resolve(a, None, Path::new("--template")),
        None => {
            let all = survey::list(None);
            match all.as_slice() {
                [only] => survey::Pack::resolve(&only.name, None, Path::new("--template")),
                _ => Err(Error::input(Diagnostic::new(
                    "--template",
                    format!("请用 --template 指定模板（可用：{}）", names()),
                ))),
            }
        }
    }
}

fn refuse_overwrite(path: &Path, force: bool) -> Result<(), Error> {
    if path.exists() && !force {
        return Err(Error::input(diaoyan::error::Diagnostic::new(
            path,
            "文件已存在，未覆盖（确需覆盖请加 --force）",
        )));
    }
    Ok(())
}

fn init(
    file: Option<PathBuf>,
    template: Option<&str>,
    pack_dir: Option<&Path>,
    force: bool,
) -> Result<(), Error> {
    if let Some(dir) = pack_dir {
        for p in diaoyan::scaffold_pack(dir)? {
            println!("{}", p.display());
        }
        println!("新模板包已生成：修改 template.yaml 与 report.md，再用 diaoyan init --template {} 写数据文件", dir.display());
        return Ok(());
    }
    let pack = pack_arg(template)?;
    let file = file.unwrap_or_else(|| PathBuf::from("survey.yaml"));
    refuse_overwrite(&file, force)?;
    diaoyan::write_file(&file, survey::skeleton::data_file(&pack).as_bytes())?;
    println!("{}", file.display());
    println!("请填写后运行：diaoyan check {}", file.display());
    Ok(())
}

fn templates(dir: Option<&Path>) -> Result<(), Error> {
    // A folder that does not exist is an error, not a silent listing without it.
    if let Some(d) = dir.filter(|d| !d.is_dir()) {
        let why = if d.exists() {
            "不是文件夹"
        } else {
            "不存在"
        };
        return Err(Error::input(diaoyan::error::Diagnostic::new(
            d,
            format!("--template 指定的模板包文件夹{why}"),
        )));
    }
    for p in survey::list(dir) {
        match &p.problem {
            None => println!(
                "{}\t{}\t{} 个字段\t{}",
                p.name, p.origin, p.fields, p.description
            ),
            Some(why) => println!(
                "{}\t{}\t不可用：{}",
                p.name,
                p.origin,
                why.lines().next().unwrap_or("")
            ),
        }
    }
    Ok(())
}

fn import(
    file: &Path,
    template: &str,
    output: Option<PathBuf>,
    into: Option<PathBuf>,
    force: bool,
) -> Result<(), Error> {
    let pack = pack_arg(Some(template))?;
    let into_text = match &into {
        // The same decoding as `check`: a GBK file is refused, never rewritten lossily.
        Some(p) => Some(survey::read_text(p)?),
        None => None,
    };
    let output = match (output, &into) {
        (Some(o), _) => {
            if into.as_deref() != Some(o.as_path()) {
                refuse_overwrite(&o, force)?;
            }
            o
        }
        (None, Some(i)) => i.clone(),
        (None, None) => {
            let o = file.with_extension("yaml");
            refuse_overwrite(&o, force)?;
            o
        }
    };
    let into = into.as_deref().zip(into_text.as_deref());
    let (text, imported) = diaoyan::sheet::import_file(file, &pack, into)?;
    for note in &imported.notes {
        eprintln!("提示：{note}");
    }
    diaoyan::write_file(&output, text.as_bytes())?;
    println!(
        "{}：{} 个{}",
        output.display(),
        imported.units.len(),
        pack.schema.unit_label
    );
    Ok(())
}

fn export(data: &Path, output: Option<PathBuf>, template: Option<&Path>) -> Result<(), Error> {
    let (s, pack) = survey::load(data, template)?;
    let figures = stats::compute(&s, &pack.schema);
    let bytes = diaoyan::sheet::export(&s, &pack, &figures)?;
    let output = output.unwrap_or_else(|| data.with_extension("xlsx"));
    diaoyan::write_file(&output, &bytes)?;
    println!("{}", output.display());
    Ok(())
}

/// Render, then render again on every save until interrupted; a bad save prints its
/// problems and waits for the next one.
fn watch_render(
    data: &Path,
    template: Option<&Path>,
    run: impl Fn() -> Result<Vec<PathBuf>, Error>,
) -> ExitCode {
    // Returns the files written: the watch ignores changes to them.
    // A FIFO or device as the data file would block every render (and the watcher): refuse
    // it before watching.
    if let Err(e) = diaoyan::fsio::check_regular(data) {
        eprintln!("{e}");
        return ExitCode::from(e.exit_code() as u8);
    }
    let once = || {
        let t = std::time::Instant::now();
        match run() {
            Ok(paths) => {
                println!(
                    "已生成（{} 毫秒）；保存数据文件或模板后自动重新生成，Ctrl-C 退出",
                    t.elapsed().as_millis()
                );
                paths
            }
            Err(e) => {
                eprintln!("{e}");
                println!(
                    "生成失败（{} 毫秒）；改正后保存即重新生成",
                    t.elapsed().as_millis()
                );
                Vec::new()
            }
        }
    };
    let dirs = || {
        let mut dirs = Vec::new();
        let dir = data
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        dirs.push(dir.to_path_buf());
        if let Some(t) = template {
            dirs.push(t.to_path_buf());
        }
        // The pack the data file names now (it may change between saves).
        if let Ok(bytes) = diaoyan::fsio::read_data(data) {
            if let Ok((_, pack)) = survey::load_bytes(data, &bytes, template) {
                dirs.extend(pack.dir);
            }
        }
        dirs.retain(|d| d.is_dir());
        dirs
    };
    match diaoyan::watch::watch(dirs, once) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
