//! Render the seed survey to DOCX and PDF with the library: load → compute → compose →
//! parse → render, as `diaoyan render` does.
//!
//!     cargo run --release --example render_report [OUTPUT_DIR]

use std::path::{Path, PathBuf};

fn main() -> Result<(), diaoyan::Error> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("diaoyan-example"));
    render(&out).map(|_| ())
}

/// Build the seed report and write both formats into `out`; the files written.
fn render(out: &Path) -> Result<Vec<PathBuf>, diaoyan::Error> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
    let report = diaoyan::build(&data, None)?;
    println!("{}: {} blocks", report.name, report.document.blocks.len());
    let written = diaoyan::write(&report, out, &[diaoyan::Format::Docx, diaoyan::Format::Pdf])?;
    for p in &written.paths {
        println!("{}", p.display());
    }
    Ok(written.paths)
}

/// `cargo test` runs the example (Cargo.toml: `test = true`).
#[test]
fn the_example_writes_both_formats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = render(dir.path()).expect("the seed renders");
    assert_eq!(paths.len(), 2);
    assert!(paths.iter().all(|p| p.is_file()));
}
