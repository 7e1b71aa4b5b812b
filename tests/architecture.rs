//! Issue 17: the direction of data flow is enforced, not hoped for.
//!
//! This test reads every library file under `src/`, collects each module's edges to other
//! modules of the crate (`use crate::x::…`, `crate::x::…` in code, `use crate::{x, y}`, and
//! `super::` paths that climb out of the module to the crate root), and fails on any edge
//! that is not in [`ALLOWED`]. The list mirrors the picture in `ARCHITECTURE.md`:
//!
//! ```text
//! survey::load → stats::compute → compose → doc::parse → render::{docx, pdf}
//! ```
//!
//! with `sheet`, `sample` and `watch` beside the pipeline, `batch` and `workflow` above it,
//! the crate root (`lib.rs`, the pipeline in a few lines) on top, and the shared low modules
//! ([`LOW`]) usable by everyone.
//!
//! What is exempt, and why:
//! - test-only code: items under `#[cfg(test)]` (inline `mod tests { … }`) and files named
//!   `tests.rs` — a test may build a whole report to look at one stage's output;
//! - comments and doc comments (an intra-doc link is not a dependency) and string literals;
//! - the binary (`main.rs` and the modules it declares, e.g. `flags`, `present`): it sits on
//!   top of the library and sees it only through `diaoyan::`.
//!
//! A module of the library that is in neither [`ALLOWED`] nor [`LOW`] fails the test too, so
//! a new module must be placed in the picture before it can be merged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Shared low modules: values and helpers every stage may use (errors, limits, number and
/// date formatting, character classes, excerpts for messages, file reading and atomic
/// writing, output names). They may use each other, and nothing else.
const LOW: &[&str] = &[
    "error", "limits", "number", "chars", "date", "excerpt", "fsio", "names", "refdoc", "write",
];

/// The crate root (`src/lib.rs`): `build`, `render`, `Format`, `output_name`, … Named here
/// as `lib`.
const ROOT: &str = "lib";

/// Every allowed edge `from → to` between the crate's non-low modules (edges into [`LOW`]
/// are always allowed). The pipeline runs top to bottom of this list; nothing points back.
const ALLOWED: &[(&str, &[&str])] = &[
    // Stage 1: data file + template pack → Survey.
    ("survey", &[]),
    // Stage 2: Survey → Figures.
    ("stats", &["survey"]),
    // Stage 3: Survey + Figures → report Markdown (builds the Document's chart and table
    // values, so it may name the Document's types).
    ("compose", &["survey", "stats", "doc"]),
    // Stage 4: report Markdown → Document, the waist: depends on no stage.
    ("doc", &[]),
    // Stage 5: Document → DOCX / PDF bytes. Sees only the Document.
    ("render", &["doc"]),
    // Beside the pipeline: spreadsheets ↔ data files (export writes the Figures too).
    ("sheet", &["survey", "stats"]),
    // A sample data file for a template pack.
    ("sample", &["survey"]),
    // Watch planning: which files a data file depends on.
    ("watch", &["survey"]),
    // Many reports: the pipeline per file, failure isolation.
    (
        "batch",
        &[ROOT, "survey", "stats", "compose", "doc", "render"],
    ),
    // The commands as library functions (what `main.rs` calls).
    (
        "workflow",
        &[
            ROOT, "batch", "survey", "stats", "compose", "doc", "render", "sheet", "sample",
            "watch",
        ],
    ),
    // `diaoyan serve`: the browser workspace on top of everything (nothing depends on it).
    (
        "serve",
        &[
            ROOT, "workflow", "batch", "survey", "stats", "compose", "doc", "render", "sheet",
        ],
    ),
];

/// TEMPORARY: backward edges that exist today and are being mended on other branches.
/// Each line names who removes it; delete the line once that work is merged.
const TEMPORARY: &[(&str, &str, &str)] = &[];

/// One edge found in the source: where, from which module to which, and the path text.
#[derive(Debug)]
struct Edge {
    file: PathBuf,
    line: usize,
    from: String,
    to: String,
    path: String,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The module names declared by `mod x;` / `pub mod x;` at the top of a crate root file.
fn declared_modules(text: &str) -> BTreeSet<String> {
    let mut mods = BTreeSet::new();
    for line in text.lines() {
        let l = line.trim();
        let l = l.strip_prefix("pub ").unwrap_or(l);
        if let Some(rest) = l.strip_prefix("mod ") {
            if let Some(name) = rest.strip_suffix(';') {
                mods.insert(name.trim().to_string());
            }
        }
    }
    mods
}

/// Root re-exports in `lib.rs`: `pub use m::{A, B};` / `pub use m::A;` → `A → m`.
fn root_reexports(text: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let code = strip(text);
    for stmt in code.split(';') {
        let s = stmt.trim();
        let Some(rest) = s.strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim().trim_start_matches("crate::");
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.split(" as ").last().unwrap_or("").trim();
            if !name.is_empty() && name != "self" {
                map.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    map
}

/// The source with comments and string/char literals blanked (newlines kept, so line
/// numbers stay right).
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident(b[i - 1]))
        {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &b[i..j.min(b.len())] {
                out.push(blank(ch));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') — not a lifetime ('a).
            let end = if next == Some('\\') {
                (i + 3..b.len()).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for _ in i..=e {
                        out.push(' ');
                    }
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Blank every item under a `#[cfg(test)]`-like attribute (`cfg(test)`, `cfg(all(test, …))`;
/// not `cfg(not(test))`): the next `mod x;` or braced item.
fn strip_test_items(code: &str) -> String {
    let mut b: Vec<char> = code.chars().collect();
    let len = b.len();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '#' && b.get(i + 1) == Some(&'[') {
            let close = match (i..b.len()).find(|&k| b[k] == ']') {
                Some(k) => k,
                None => break,
            };
            let attr: String = b[i..=close].iter().filter(|c| !c.is_whitespace()).collect();
            let test_only =
                attr.starts_with("#[cfg(") && attr.contains("test") && !attr.contains("not(test");
            if test_only {
                // Blank up to the end of the item: the first `;` before any `{`, or the
                // matching `}`.
                let mut k = close + 1;
                let mut depth = 0usize;
                while k < b.len() {
                    match b[k] {
                        ';' if depth == 0 => break,
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    k += 1;
                }
                for ch in b.iter_mut().take((k + 1).min(len)).skip(i) {
                    if *ch != '\n' {
                        *ch = ' ';
                    }
                }
                i = k + 1;
                continue;
            }
            i = close + 1;
            continue;
        }
        i += 1;
    }
    b.into_iter().collect()
}

/// The module a file belongs to and its module path below the crate root
/// (`src/render/docx/mod.rs` → `["render", "docx"]`).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// The char ranges of inline modules' bodies (`mod x { … }`): a `super::` inside one
/// climbs one more level before it leaves the file's module.
fn inline_modules(b: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..b.len() {
        let at_mod = b[i..].starts_with(&['m', 'o', 'd', ' ']) && (i == 0 || !is_ident(b[i - 1]));
        if !at_mod {
            continue;
        }
        let mut k = i + 4;
        while k < b.len() && (is_ident(b[k]) || b[k].is_whitespace()) {
            k += 1;
        }
        if b.get(k) != Some(&'{') {
            continue;
        }
        let open = k;
        let mut depth = 0usize;
        while k < b.len() {
            match b[k] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        out.push((open, k));
    }
    out
}

/// Every crate-internal path in `code` of the file at module path `here`, as the first
/// segment below the crate root, with its line and the path text.
fn crate_paths(code: &str, here: &[String]) -> Vec<(usize, String, String)> {
    let b: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let line_of = |i: usize| b[..i].iter().filter(|&&c| c == '\n').count() + 1;
    let word_at = |i: usize, w: &str| -> bool {
        let wc: Vec<char> = w.chars().collect();
        b.len() >= i + wc.len()
            && b[i..i + wc.len()] == wc[..]
            && (i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == '$'))
    };
    let mods = inline_modules(&b);
    let mut i = 0;
    while i < b.len() {
        let mut j;
        if word_at(i, "crate::") {
            j = i + "crate::".len();
        } else if word_at(i, "super::") {
            // Count the climb; only a climb out of the top module reaches the root.
            j = i;
            let mut ups = 0;
            while word_at(j, "super::") {
                ups += 1;
                j += "super::".len();
            }
            let inline = mods.iter().filter(|(s, e)| *s < i && i < *e).count();
            if ups < here.len() + inline {
                i = j;
                continue;
            }
        } else {
            i += 1;
            continue;
        }
        let start = i;
        // Skip whitespace, then a group `{a, b::c, …}` or one identifier.
        while j < b.len() && b[j].is_whitespace() {
            j += 1;
        }
        let mut segs = Vec::new();
        if b.get(j) == Some(&'{') {
            let mut depth = 0;
            let mut k = j;
            let mut at_entry = true;
            while k < b.len() {
                match b[k] {
                    '{' => {
                        depth += 1;
                        if depth == 1 {
                            at_entry = true;
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => at_entry = true,
                    c if depth == 1 && at_entry && is_ident(c) => {
                        let s = k;
                        while k < b.len() && is_ident(b[k]) {
                            k += 1;
                        }
                        segs.push(b[s..k].iter().collect::<String>());
                        at_entry = false;
                        continue;
                    }
                    _ => {}
                }
                k += 1;
            }
            j = k;
        } else {
            let s = j;
            while j < b.len() && is_ident(b[j]) {
                j += 1;
            }
            if j > s {
                segs.push(b[s..j].iter().collect());
            }
        }
        let text: String = b[start..j.min(b.len())].iter().collect();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for seg in segs {
            if seg != "self" {
                found.push((line_of(start), seg, text.clone()));
            }
        }
        i = j.max(i + 1);
    }
    found
}

/// Every edge between distinct modules of the library, test-only code exempt.
fn edges() -> (Vec<Edge>, BTreeSet<String>) {
    let src = src();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let main = std::fs::read_to_string(src.join("main.rs")).expect("main.rs");
    let modules = declared_modules(&strip(&lib));
    let binary = declared_modules(&strip(&main));
    let reexports = root_reexports(&lib);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src").to_path_buf();
        let here = module_path(&rel);
        let from = here.first().cloned().unwrap_or_else(|| "main".into());
        if from == "main" || binary.contains(&from) {
            continue; // the binary: sees the library only through `diaoyan::`
        }
        if rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue; // test-only file
        }
        let from = if from == "lib" {
            ROOT.to_string()
        } else {
            from
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        let code = strip_test_items(&strip(&text));
        for (line, seg, path) in crate_paths(&code, &here) {
            let to = if modules.contains(&seg) {
                seg
            } else if let Some(m) = reexports.get(&seg) {
                m.clone()
            } else {
                ROOT.to_string()
            };
            if to != from {
                out.push(Edge {
                    file: Path::new("src").join(&rel),
                    line,
                    from: from.clone(),
                    to,
                    path,
                });
            }
        }
    }
    (out, modules)
}

fn allowed(from: &str, to: &str) -> bool {
    if LOW.contains(&to) || from == ROOT {
        return true;
    }
    if LOW.contains(&from) {
        return false; // low modules use only each other
    }
    if TEMPORARY.iter().any(|(f, t, _)| *f == from && *t == to) {
        return true;
    }
    ALLOWED
        .iter()
        .any(|(f, tos)| *f == from && tos.contains(&to))
}

#[test]
fn every_edge_follows_the_pipeline() {
    let (edges, _) = edges();
    assert!(
        edges.len() > 50,
        "the scanner finds the crate's edges (found only {})",
        edges.len()
    );
    let distinct: BTreeSet<(&str, &str)> = edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    eprintln!("module edges found: {distinct:?}");
    let bad: Vec<String> = edges
        .iter()
        .filter(|e| !allowed(&e.from, &e.to))
        .map(|e| {
            format!(
                "{}:{}: {} → {} (`{}`)",
                e.file.display(),
                e.line,
                e.from,
                e.to,
                e.path
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "edges against the direction of data flow (allowed edges: tests/architecture.rs \
         ALLOWED, pictured in ARCHITECTURE.md):\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_module_is_placed_in_the_picture() {
    let (_, modules) = edges();
    let placed: BTreeSet<&str> = ALLOWED
        .iter()
        .map(|(m, _)| *m)
        .chain(LOW.iter().copied())
        .collect();
    let unplaced: Vec<&String> = modules
        .iter()
        .filter(|m| !placed.contains(m.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules of lib.rs missing from ALLOWED/LOW in tests/architecture.rs and from \
         ARCHITECTURE.md: {unplaced:?}"
    );
}

#[test]
fn temporary_edges_still_exist() {
    // A temporary allowance whose edge is gone must be deleted, so the list cannot rot.
    let (edges, _) = edges();
    for (from, to, why) in TEMPORARY {
        assert!(
            edges.iter().any(|e| e.from == *from && e.to == *to),
            "{from} → {to} ({why}) no longer exists: delete it from TEMPORARY in \
             tests/architecture.rs"
        );
    }
}

#[test]
fn the_scanner_sees_what_it_must() {
    let here = vec!["render".to_string(), "docx".to_string()];
    let code = strip_test_items(&strip(
        "use crate::{doc::Block, stats, error::Error};\n\
         // crate::sheet in a comment\n\
         let s = \"crate::batch in a string\";\n\
         fn f() -> crate::survey::Survey { super::super::Format::Pdf }\n\
         pub mod inner { use super::Local; fn g() { super::super::super::ROOT_ITEM } }\n\
         #[cfg(test)]\nmod tests { use crate::workflow; }\n",
    ));
    let segs: Vec<String> = crate_paths(&code, &here)
        .into_iter()
        .map(|(_, s, _)| s)
        .collect();
    assert_eq!(
        segs,
        ["doc", "stats", "error", "survey", "Format", "ROOT_ITEM"]
    );
}

#[test]
fn architecture_md_lists_the_same_edges() {
    // ARCHITECTURE.md's "Allowed edges" table is the picture of ALLOWED: the same `from`
    // modules with the same `may use` lists ("crate root" is the crate root).
    let md = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
        .expect("ARCHITECTURE.md");
    let section = md
        .split("## Allowed edges")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("ARCHITECTURE.md has an \"Allowed edges\" section");
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (from, uses) = (cells[1], cells[2]);
        let Some(from) = from.strip_prefix('`').and_then(|f| f.strip_suffix('`')) else {
            continue;
        };
        let mut tos: BTreeSet<String> = uses
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        if uses.starts_with("crate root") {
            tos.insert(ROOT.to_string());
        }
        documented.insert(from.to_string(), tos);
    }
    let coded: BTreeMap<String, BTreeSet<String>> = ALLOWED
        .iter()
        .map(|(f, tos)| (f.to_string(), tos.iter().map(|t| t.to_string()).collect()))
        .collect();
    assert_eq!(
        documented, coded,
        "ARCHITECTURE.md's allowed-edges table and ALLOWED in tests/architecture.rs differ"
    );
}
