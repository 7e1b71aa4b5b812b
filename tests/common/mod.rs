//! Helpers shared by the integration tests: run the real binary, read outputs, find tools.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn seed() -> PathBuf {
    root().join("data/qingnianlu-2019.yaml")
}

/// Run `diaoyan ARGS` from the crate root.
pub fn diaoyan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the diaoyan binary runs")
}

/// Render the seed into a fresh temporary folder; returns the folder.
pub fn render_seed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    // The bundled fonts only: the same bytes on every machine.
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// One part of a .docx as text.
pub fn docx_part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).expect("docx exists");
    let mut zip = zip::ZipArchive::new(file).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name(name)
        .expect("part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml
}

/// Convert a .docx to PDF with LibreOffice and return the PDF's text (`None` when the
/// tools are missing and not required).
pub fn libreoffice_text(docx: &Path) -> Option<String> {
    if !have("soffice") || !have("pdftotext") {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(docx)
        .env("HOME", dir.path())
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = docx.file_stem().expect("a file name");
    let pdf = dir.path().join(stem).with_extension("pdf");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    Some(String::from_utf8_lossy(&text.stdout).into_owned())
}

/// The text of each paragraph of a .docx, in order.
pub fn docx_paragraphs(path: &Path) -> Vec<String> {
    let xml = docx_part(path, "word/document.xml");
    xml.split("</w:p>")
        .map(|p| {
            let mut text = String::new();
            let mut rest = p;
            while let Some(i) = rest.find("<w:t") {
                rest = &rest[i + 4..];
                // Only <w:t> and <w:t attr…>, not <w:tab/>, <w:tbl>, <w:tc>, …
                if !(rest.starts_with('>') || rest.starts_with(' ')) {
                    continue;
                }
                let Some(open_end) = rest.find('>') else {
                    break;
                };
                if rest[..open_end].ends_with('/') {
                    continue;
                }
                rest = &rest[open_end + 1..];
                if let Some(close) = rest.find("</w:t>") {
                    text.push_str(&rest[..close]);
                    rest = &rest[close..];
                }
            }
            text.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
        })
        .collect()
}

/// Whether an external tool is on PATH. When `DIAOYAN_REQUIRE_TOOLS` is set a missing
/// tool is a failure, not a skip.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var_os("DIAOYAN_REQUIRE_TOOLS").is_some() {
        panic!("{tool} is required (DIAOYAN_REQUIRE_TOOLS is set) but not installed");
    }
    if !found {
        eprintln!("skipping: {tool} not installed");
    }
    found
}

/// The level-1 heading numbers that begin lines of `text`, in order.
pub fn heading_numbers(text: &str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| {
            ["一、", "二、", "三、", "四、", "五、"]
                .into_iter()
                .find(|n| l.starts_with(n))
        })
        .collect()
}
