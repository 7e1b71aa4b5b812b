//! The `diaoyan` command line: parse arguments, call the library, map errors to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use diaoyan::Format;

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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Render {
            data,
            output,
            format,
            template,
            markdown,
        } => {
            let mut formats: Vec<Format> = format
                .iter()
                .map(|f| match f {
                    FormatArg::Docx => Format::Docx,
                    FormatArg::Pdf => Format::Pdf,
                })
                .collect();
            formats.sort();
            formats.dedup();
            let result = diaoyan::build(&data, template.as_deref()).and_then(|report| {
                let mut paths = diaoyan::write(&report, &output, &formats)?;
                if markdown {
                    let md = output.join(format!("{}.md", report.name));
                    diaoyan::write_atomic(&md, report.markdown.as_bytes())?;
                    paths.push(md);
                }
                Ok(paths)
            });
            match result {
                Ok(paths) => {
                    for p in paths {
                        println!("{}", p.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(e.exit_code() as u8)
                }
            }
        }
    }
}
