//! The `diaoyan` command line: parse arguments ([`flags`]), call the library, show what it
//! returns ([`present`]), map errors to exit codes (0 ok, 1 some reports failed, 2 bad
//! input or usage, 130 interrupted).

mod flags;
mod present;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use diaoyan::render::pdf::FontSet;
use diaoyan::{workflow, Error};
use flags::{formats_of, Cli, Command};
use present::exit_code;

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
        Command::Export(a) => workflow::export(&a.data, a.output, a.template.as_deref())
            .map(|p| println!("{}", p.display())),
        Command::Completions { shell } => {
            flags::completions(shell);
            Ok(())
        }
        Command::Batch(a) => return batch(a),
        Command::Sample(a) => return sample(a),
        Command::Limits => {
            Ok(diaoyan::limits::describe(diaoyan::limits::current())).map(|t| emit(&t))
        }
        Command::Fonts { fonts } => {
            Ok(diaoyan::render::pdf::describe_fonts(&fonts.load())).map(|t| emit(&t))
        }
        Command::Check(a) => check(a),
        Command::Serve(a) => serve(&a),
        Command::Stats(a) => {
            workflow::stats_text(&a.data, a.template.as_deref(), a.json, a.names).map(|t| emit(&t))
        }
    };
    exit_code(result)
}

/// Print a command's text output. A reader that closes the pipe early (`diaoyan stats
/// --names | head`) ends the output quietly: `print!` would panic on the broken pipe.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("错误：无法写出结果：{e}");
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

/// `serve`: bind, print the address and the workspace, serve until Ctrl-C.
fn serve(a: &flags::ServeArgs) -> Result<(), Error> {
    let server = diaoyan::serve::start(a.config())?;
    println!("diaoyan 工作台已启动：{}", server.url());
    println!("工作区：{}", server.workspace().display());
    println!("Ctrl-C 退出");
    server.run()
}

/// `render`: prepare every format in memory, then write the report's files together;
/// returns the paths written (so `--watch` can ignore its own output).
fn render(a: &flags::RenderArgs, fonts: &FontSet) -> Result<Vec<PathBuf>, Error> {
    let (formats, template) = (formats_of(&a.format), a.template.as_deref());
    let (report, rendered) =
        diaoyan::prepare(&a.data, template, &formats, fonts, a.glyphs.allow())?;
    let written = diaoyan::write_report(&report, rendered, &a.output, a.markdown)?;
    present::written(&written.warnings, &written.paths);
    Ok(written.paths)
}

/// `render --watch`: render, then render again on every save until interrupted; a bad
/// save prints its problems and waits for the next one.
fn watch(a: flags::RenderArgs) -> ExitCode {
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
fn check(a: flags::CheckArgs) -> Result<(), Error> {
    let (fonts, formats) = (a.fonts.load(), formats_of(&a.format));
    let (report, rendered) = diaoyan::prepare(
        &a.data,
        a.template.as_deref(),
        &formats,
        &fonts,
        a.glyphs.allow(),
    )?;
    present::diagnostics(&rendered.warnings);
    println!(
        "{}：数据有效（{} 个单位）",
        a.data.display(),
        report.units.len()
    );
    Ok(())
}

/// `init`: a data file to fill, or with `--pack` a new template pack.
fn init(a: flags::InitArgs) -> Result<(), Error> {
    if let Some(dir) = a.pack {
        for p in diaoyan::scaffold_pack(&dir)? {
            println!("{}", p.display());
        }
        println!("新模板包已生成：修改 template.yaml 与 report.md，再用 diaoyan init --template {} 写数据文件", dir.display());
        return Ok(());
    }
    if let Some(from) = a.from {
        let file = workflow::init_from(&from, a.output.or(a.file), a.force)?;
        println!("{}", file.display());
        println!(
            "已按 {} 生成下一期数据文件（数字留空）：请填写后运行 diaoyan check {}",
            from.display(),
            file.display()
        );
        return Ok(());
    }
    let template = a.template.clone();
    let file = workflow::init_data_file(a.file, a.template.as_deref(), a.force)?;
    println!("{}", file.display());
    if workflow::is_form_workbook(&file) {
        println!(
            "空白表格已生成：填好后运行 diaoyan import {}{}",
            file.display(),
            template
                .map(|t| format!(" --template {t}"))
                .unwrap_or_default()
        );
    } else {
        println!("请填写后运行：diaoyan check {}", file.display());
    }
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
fn import(a: flags::ImportArgs) -> Result<(), Error> {
    let (file, template, output, into, force) = (a.file, a.template, a.output, a.into, a.force);
    let req = workflow::ImportRequest {
        file,
        template,
        output,
        into,
        force,
    };
    let imported = workflow::Import::prepare(&req)?;
    present::diagnostics(&imported.notes);
    imported.write()?;
    let (path, n, label) = (
        imported.output.display(),
        imported.units,
        &imported.unit_label,
    );
    println!("{path}：{n} 个{label}");
    Ok(())
}

/// `sample`: refuse a request `check` would refuse the files of before anything is
/// generated, then write the files, printing each path.
fn sample(a: flags::SampleArgs) -> ExitCode {
    let limit = diaoyan::limits::current().units;
    if let Err(why) = diaoyan::sample::check_districts(a.districts, a.one_file, limit) {
        eprintln!("错误：{why}");
        return ExitCode::from(2);
    }
    let print = |p: &std::path::Path| println!("{}", p.display());
    exit_code(diaoyan::sample::write_files(
        a.districts,
        a.seed,
        &a.output,
        a.one_file,
        print,
    ))
}

/// `batch`: every report with its progress shown, then the summary; exit 0 if all were
/// written, 1 if any failed, 2 for bad arguments.
fn batch(a: flags::BatchArgs) -> ExitCode {
    let opts = match a.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let fonts = a.fonts.load();
    let progress = present::Progress::new(opts.inputs.len());
    let summary = diaoyan::batch::run(&opts, &fonts, &|k, o| progress.tell(k, o));
    progress.finish();
    match summary {
        Ok(s) => present::summary(&s),
        Err(e) => exit_code(Err(e)),
    }
}
