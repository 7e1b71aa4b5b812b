//! Helpers for the pack-language tests (issue 18): a fixture pack under
//! `tests/fixtures/packs/<name>/`, a data file written to a temporary folder, and the
//! report's Markdown and table directives read back.
//!
//! Use with `mod common;` and `#[path = "common/packs.rs"] mod packs;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use super::common::{diaoyan, root};

/// The fixture pack `name`.
pub fn pack(name: &str) -> PathBuf {
    root().join("tests/fixtures/packs").join(name)
}

/// A copy of fixture pack `name` in `dir` with `from` replaced by `to` in its
/// `template.yaml` (a variant for one test).
pub fn pack_variant(dir: &Path, name: &str, from: &str, to: &str) -> PathBuf {
    let out = dir.join(format!("{name}-variant"));
    std::fs::create_dir_all(&out).unwrap();
    for f in std::fs::read_dir(pack(name)).unwrap() {
        let f = f.unwrap().path();
        let text = std::fs::read_to_string(&f).unwrap();
        let text = if f.ends_with("template.yaml") {
            assert!(text.contains(from), "{from} not in {}", f.display());
            text.replace(from, to)
        } else {
            text
        };
        std::fs::write(out.join(f.file_name().unwrap()), text).unwrap();
    }
    out
}

/// Write a data file `data.yaml` for pack `name` with `units` (YAML list items, indented
/// as under `units:`) into `dir`.
pub fn data(dir: &Path, name: &str, units: &str) -> PathBuf {
    let p = dir.join("data.yaml");
    let text = format!(
        "template: {name}\nreport:\n  title: 测试报告\n  region: 测试镇\n  period: '2019'\nunits:\n{units}"
    );
    std::fs::write(&p, text).unwrap();
    p
}

/// `diaoyan ARGS… --template PACK`.
pub fn run(pack: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--template", pack.to_str().unwrap()]);
    diaoyan(&all)
}

/// Render `data` with `pack` (DOCX and PDF, with the Markdown) and return the Markdown;
/// panics with stderr when the render fails.
pub fn render_md(pack: &Path, data: &Path) -> String {
    let out_dir = data.parent().unwrap().join("out");
    let out = run(
        pack,
        &[
            "render",
            data.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--markdown",
            "--no-system-fonts",
        ],
    );
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(out_dir.join("data.md")).unwrap()
}

/// The report's Markdown with the escaping of ASCII punctuation undone (`875\.00` →
/// `875.00`), to compare prose as a reader sees it.
pub fn prose(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            continue;
        }
        out.push(c);
    }
    out
}

/// Every table directive of a report's Markdown, as JSON.
pub fn tables(md: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut lines = md.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "```diaoyan-table" {
            let body = lines.next().unwrap();
            out.push(serde_json::from_str(body).unwrap());
        }
    }
    out
}

/// The texts of the cells of `part` (`head`, `body` or `foot`) of a table directive.
pub fn cells(table: &serde_json::Value, part: &str) -> Vec<Vec<String>> {
    table[part]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    c["runs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["text"].as_str().unwrap_or(""))
                        .collect::<String>()
                })
                .collect()
        })
        .collect()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `stats --json` of `data` with `pack`, parsed.
pub fn stats_json(pack: &Path, data: &Path) -> serde_json::Value {
    let out = run(pack, &["stats", "--json", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}
