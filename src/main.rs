//! The `diaoyan` command line: parse arguments ([`flags`]), call the library, print what it
//! returns, map errors to exit codes (0 ok, 1 some reports failed, 2 bad input or usage,
//! 130 interrupted).

mod flags;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use diaoyan::render::pdf::FontSet;
use diaoyan::{workflow, Diagnostic, Error};
use flags::{formats_of, BatchArgs, CheckArgs, Cli, Command, ImportArgs, InitArgs, RenderArgs};

fn main() -> ExitCode {
    // Before any thread starts (batch's admission by memory relies on it).
    diaoyan::batch::prepare_allocator();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return flags::command_line_error(&e),
    };
    // A malformed DIAOYAN_MAX_* is an error, not a silent default.
    if let Err(msg) = diaoyan::limits::init_from_env() {
        eprintln!("错误：{msg}");
        return ExitCode::from(2);
    }
    // Every command that writes files: an interrupt leaves each report complete or absent.
    on_interrupt_stop_writing();
    let result = match cli.command {
        Command::Render(a) if a.watch => return watch(a),
        Command::Render(a) => render(&a, &a.fonts.load()).map(drop),
        Command::Init(a) => init(a),
        Command::Templates { template } => templates(template),
        Command::Import(a) => import(a),
        Command::Export {
            data,
            output,
            template,
        } => workflow::export(&data, output, template.as_deref())
            .map(|p| println!("{}", p.display())),
        Command::Completions { shell } => {
            flags::completions(shell);
            Ok(())
        }
        Command::Batch(a) => return batch(a),
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
            diaoyan::sample::write_files(districts, seed, &output, one_file, |p| {
                println!("{}", p.display())
            })
        }
        Command::Limits => {
            print!("{}", diaoyan::limits::describe(diaoyan::limits::current()));
            Ok(())
        }
        Command::Fonts { fonts } => {
            print!("{}", diaoyan::render::pdf::describe_fonts(&fonts.load()));
            Ok(())
        }
        Command::Check(a) => check(a),
        Command::Stats {
            data,
            template,
            json,
        } => workflow::stats_text(&data, template.as_deref(), json).map(|t| print!("{t}")),
    };
    exit_code(result)
}

/// 0 for success; an error is printed and mapped to its exit code.
fn exit_code(result: Result<(), Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Print warnings and notes to standard error, each as its severity labels it.
fn report(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{d}");
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

/// `render`: prepare every format in memory, then write the report's files together;
/// returns the paths written (so `--watch` can ignore its own output).
fn render(a: &RenderArgs, fonts: &FontSet) -> Result<Vec<PathBuf>, Error> {
    let formats = formats_of(&a.format);
    let template = a.template.as_deref();
    let (report, rendered) =
        diaoyan::prepare(&a.data, template, &formats, fonts, a.glyphs.allow())?;
    let written = diaoyan::write_report(&report, rendered, &a.output, a.markdown)?;
    report_paths(&written.warnings, &written.paths);
    Ok(written.paths)
}

fn report_paths(warnings: &[Diagnostic], paths: &[PathBuf]) {
    report(warnings);
    for p in paths {
        println!("{}", p.display());
    }
}

/// `render --watch`: render, then render again on every save until interrupted; a bad
/// save prints its problems and waits for the next one.
fn watch(a: RenderArgs) -> ExitCode {
    let fonts = a.fonts.load();
    let once = || {
        let t = std::time::Instant::now();
        let ms = |t: std::time::Instant| t.elapsed().as_millis();
        match render(&a, &fonts) {
            Ok(paths) => {
                println!(
                    "已生成（{} 毫秒）；保存数据文件或模板后自动重新生成，Ctrl-C 退出",
                    ms(t)
                );
                paths
            }
            Err(e) => {
                eprintln!("{e}");
                println!("生成失败（{} 毫秒）；改正后保存即重新生成", ms(t));
                Vec::new()
            }
        }
    };
    exit_code(diaoyan::watch::watch_report(
        &a.data,
        a.template.as_deref(),
        once,
    ))
}

/// `check`: the render pipeline without the writing, so check passes exactly what render
/// renders.
fn check(a: CheckArgs) -> Result<(), Error> {
    let fonts = a.fonts.load();
    let formats = formats_of(&a.format);
    let (report, rendered) = diaoyan::prepare(
        &a.data,
        a.template.as_deref(),
        &formats,
        &fonts,
        a.glyphs.allow(),
    )?;
    self::report(&rendered.warnings);
    println!(
        "{}：数据有效（{} 个单位）",
        a.data.display(),
        report.units.len()
    );
    Ok(())
}

/// `init`: a data file to fill, or with `--pack` a new template pack.
fn init(a: InitArgs) -> Result<(), Error> {
    if let Some(dir) = a.pack {
        for p in diaoyan::survey::scaffold(&dir)? {
            println!("{}", p.display());
        }
        println!("新模板包已生成：修改 template.yaml 与 report.md，再用 diaoyan init --template {} 写数据文件", dir.display());
        return Ok(());
    }
    let file = workflow::init_data_file(a.file, a.template.as_deref(), a.force)?;
    println!("{}", file.display());
    println!("请填写后运行：diaoyan check {}", file.display());
    Ok(())
}

/// `templates`: one line per pack found (name, origin, fields, description or problem).
fn templates(dir: Option<PathBuf>) -> Result<(), Error> {
    for p in workflow::list_packs(dir.as_deref())? {
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

/// `import`: the spreadsheet read and checked, its notes told, the data file written.
fn import(a: ImportArgs) -> Result<(), Error> {
    let imported = workflow::Import::prepare(&workflow::ImportRequest {
        file: a.file,
        template: a.template,
        output: a.output,
        into: a.into,
        force: a.force,
    })?;
    report(&imported.notes);
    imported.write()?;
    let (path, n, label) = (
        imported.output.display(),
        imported.units,
        &imported.unit_label,
    );
    println!("{path}：{n} 个{label}");
    Ok(())
}

/// `batch`: every report with a progress bar (or a line each when stderr is not a
/// terminal), then the summary; exit 0 if all succeeded, 1 if any failed.
fn batch(a: BatchArgs) -> ExitCode {
    use std::io::IsTerminal;
    let opts = match a.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let fonts = a.fonts.load();
    let bar = std::io::stderr().is_terminal().then(|| {
        let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}");
        let b = indicatif::ProgressBar::new(opts.inputs.len() as u64);
        b.set_style(style.unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
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
    let summary = match diaoyan::batch::run(&opts, &fonts, &progress) {
        Ok(s) => s,
        Err(e) => return exit_code(Err(e)),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let failed: Vec<_> = summary.failed().collect();
    let (ok, files) = (summary.ok(), summary.files());
    println!(
        "完成 {ok} 份报告，失败 {} 份，写出 {files} 个文件",
        failed.len()
    );
    for f in &failed {
        let first = f.first_error_line().unwrap_or_default();
        println!("  失败：{}：{first}", f.label);
    }
    ExitCode::from(if failed.is_empty() { 0 } else { 1 })
}
