//! `diaoyan serve` in a real browser: `tests/browser/run.mjs` drives Debian's headless
//! Chromium through playwright-core (pinned in `tests/browser/package.json`, installed by
//! `npm ci --prefix tests/browser`) through the writer's flow: create a project, download
//! the form, upload the seed's workbook with one text-in-number cell and see the problem
//! with its cell address, upload the fixed workbook, see the preview drawn by pdf.js,
//! edit a finding and see the preview refresh, download the DOCX and PDF (byte-identical
//! to `diaoyan render` of the project's survey.yaml), a conflict in a second tab, and a
//! batch with one bad file. It builds nothing: it runs the release binary this harness
//! was built with, on a fresh temporary workspace, with `--no-system-fonts`.
//!
//! With `DIAOYAN_UPDATE_SCREENSHOT=1` it also writes `docs/images/serve.png` (1280×800,
//! the preview step), the README's screenshot.

use std::path::PathBuf;
use std::process::Command;

use crate::common::root;

/// The tool name this check lists for the npm packages of `tests/browser`.
pub const PLAYWRIGHT: &str = "playwright-core";

/// Whether `npm ci --prefix tests/browser` has installed playwright-core.
pub fn playwright_installed() -> bool {
    root()
        .join("tests/browser/node_modules/playwright-core/package.json")
        .is_file()
}

/// The README's screenshot, written when `DIAOYAN_UPDATE_SCREENSHOT=1`.
fn screenshot() -> Option<PathBuf> {
    (std::env::var("DIAOYAN_UPDATE_SCREENSHOT").as_deref() == Ok("1"))
        .then(|| root().join("docs/images/serve.png"))
}

/// The whole flow (see the module docs); fails with run.mjs's step and message.
pub fn the_writer_goes_from_the_form_to_the_report_in_chromium() {
    let work = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/browser/run.mjs"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_diaoyan"))
        .arg("--work")
        .arg(work.path())
        .current_dir(root());
    if let Some(png) = screenshot() {
        std::fs::create_dir_all(png.parent().expect("docs/images")).expect("docs/images");
        cmd.arg("--screenshot").arg(png);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser test failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("{\"ok\":true"),
        "run.mjs ends with its JSON summary, got: {summary}"
    );
    // The measured refresh latency, shown with `--nocapture`.
    println!("browser: {summary}");
}
