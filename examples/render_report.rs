//! Render the seed survey to DOCX and PDF with the library: load → compute → compose →
//! parse → render, as `diaoyan render` does.
//!
//!     cargo run --release --example render_report [OUTPUT_DIR]

use std::path::{Path, PathBuf};

fn main() -> Result<(), diaoyan::Error> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("diaoyan-example"));
    let report = diaoyan::build(&data, None)?;
    println!("{}: {} blocks", report.name, report.document.blocks.len());
    let written = diaoyan::write(
        &report,
        &out,
        &[diaoyan::Format::Docx, diaoyan::Format::Pdf],
    )?;
    for p in written.paths {
        println!("{}", p.display());
    }
    Ok(())
}
