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

fn render(
    data: &Path,
    output: &Path,
    format: &[FormatArg],
    template: Option<&Path>,
    markdown: bool,
    fonts: &FontSet,
) -> Result<(), Error> {
    let mut formats: Vec<Format> = format
        .iter()
        .map(|f| match f {
            FormatArg::Docx => Format::Docx,
            FormatArg::Pdf => Format::Pdf,
        })
        .collect();
    formats.sort();
    formats.dedup();
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
