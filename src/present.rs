//! How the command line shows what the library returns: diagnostics on standard error
//! (each as its severity labels it), paths on standard output, a batch's progress and
//! summary.

use std::path::PathBuf;
use std::process::ExitCode;

use diaoyan::batch::{Outcome, Summary};
use diaoyan::{Diagnostic, Error};

/// 0 for success; an error is printed to standard error and mapped to its exit code.
pub fn exit_code(result: Result<(), Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Warnings and notes on standard error (`警告：…`, `提示：…`).
pub fn diagnostics(list: &[Diagnostic]) {
    for d in list {
        eprintln!("{d}");
    }
}

/// Warnings on standard error, then the files written on standard output, one a line.
pub fn written(warnings: &[Diagnostic], paths: &[PathBuf]) {
    diagnostics(warnings);
    for p in paths {
        println!("{}", p.display());
    }
}

/// A batch's progress: a bar on a terminal, else a line per finished report on standard
/// error (`[k] 完成 label`).
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A bar of `len` steps when standard error is a terminal.
    pub fn new(len: usize) -> Self {
        use std::io::IsTerminal;
        Progress(std::io::stderr().is_terminal().then(|| {
            let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}");
            let b = indicatif::ProgressBar::new(len as u64);
            b.set_style(style.unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
            b
        }))
    }

    /// Report `o`, the `k`-th report finished.
    pub fn tell(&self, k: usize, o: &Outcome) {
        let status = if o.result.is_ok() { "完成" } else { "失败" };
        match &self.0 {
            Some(b) => {
                b.set_position(k as u64);
                b.set_message(format!("{status} {}", o.label));
            }
            None => eprintln!("[{k}] {status} {}", o.label),
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// The batch summary on standard output (counts, then the first line of each failure);
/// exit 0 if every report was written, else 1.
pub fn summary(summary: &Summary) -> ExitCode {
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
