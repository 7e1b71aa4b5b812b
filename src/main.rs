//! The `diaoyan` command line: parse arguments, call the library, map errors to exit codes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use diaoyan::render::pdf::FontSet;
use diaoyan::{stats, survey, Error, Format};

#[derive(Parser)]
#[command(
    name = "diaoyan",
    version,
    about = "调研数据 → 调研报告（DOCX 与 PDF）"
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

impl FontArgs {
    fn load(&self) -> FontSet {
        FontSet::discover(&self.font_dirs, !self.no_system_fonts)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Render one data file to DOCX and PDF.
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
        #[command(flatten)]
        fonts: FontArgs,
    },
    /// Render many data files (or folders of them) in parallel.
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
    /// Show which font file serves each role in the PDF.
    Fonts {
        #[command(flatten)]
        fonts: FontArgs,
    },
    /// Check a data file against its template pack; list every problem.
    Check {
        data: PathBuf,
        #[arg(long)]
        template: Option<PathBuf>,
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

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Render {
            data,
            output,
            format,
            template,
            markdown,
            fonts,
        } => render(
            &data,
            &output,
            &format,
            template.as_deref(),
            markdown,
            &fonts.load(),
        ),
        Command::Batch {
            inputs,
            output,
            jobs,
            format,
            split_by,
            shard,
            template,
            fonts,
        } => {
            return batch(
                inputs, output, jobs, &format, split_by, shard, template, &fonts,
            )
        }
        Command::Sample {
            districts,
            seed,
            output,
            one_file,
        } => sample(districts, seed, &output, one_file),
        Command::Fonts { fonts } => {
            print!("{}", diaoyan::render::pdf::describe_fonts(&fonts.load()));
            Ok(())
        }
        Command::Check { data, template } => {
            survey::load(&data, template.as_deref()).map(|(s, _)| {
                println!("{}：数据有效（{} 个单位）", data.display(), s.units.len());
            })
        }
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
    // Ctrl-C: remove the files being written, so nothing half-written remains.
    let _ = ctrlc::set_handler(|| {
        diaoyan::remove_temporaries();
        eprintln!("已中断：未完成的文件已删除");
        std::process::exit(130);
    });
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
    println!("完成 {} 份报告，失败 {} 份", summary.ok(), failed.len());
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
    std::fs::create_dir_all(output).map_err(|e| Error::io(output, e))?;
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

fn render(
    data: &Path,
    output: &Path,
    format: &[FormatArg],
    template: Option<&Path>,
    markdown: bool,
    fonts: &FontSet,
) -> Result<(), Error> {
    let formats = formats_of(format);
    let report = diaoyan::build(data, template)?;
    let mut written = diaoyan::write_with(&report, output, &formats, fonts)?;
    if markdown {
        let md = output.join(format!("{}.md", report.name));
        diaoyan::write_atomic(&md, report.markdown.as_bytes())?;
        written.paths.push(md);
    }
    for w in &written.warnings {
        eprintln!("警告：{w}");
    }
    for p in written.paths {
        println!("{}", p.display());
    }
    Ok(())
}
