//! Issue 18: `stats --json` is exactly the context templates see (one builder), and
//! `stats --names` lists every leaf path with its value — including every name the
//! flagship report.md uses (`max_unit`, `min_unit`, `zero` … were missing before).

mod common;

use std::collections::HashMap;

use common::*;

fn names() -> String {
    let out = diaoyan(&["stats", "--names", seed().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A `--names` path with list indexes blanked (`units[3].x` → `units[].x`).
fn blank_indexes(p: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for c in p.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push(c);
            }
            ']' if in_index => {
                in_index = false;
                out.push(c);
            }
            d if in_index && d.is_ascii_digit() => {}
            '"' if in_index => {
                // A quoted key: keep it whole.
                in_index = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The variable paths in the tags of a Tera template: `fields.residents.max_unit`,
/// `fields["office.total"]`, …, with `{% set x = … %}` and `{% for x in … %}` names
/// replaced by what they stand for (a loop variable by `path[]`).
fn template_paths(src: &str) -> Vec<String> {
    let mut alias: HashMap<String, String> = HashMap::new();
    let mut paths = Vec::new();
    let mut rest = src;
    while let Some(start) = rest.find(['{']) {
        let after = &rest[start..];
        let close = match after.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                rest = &after[1..];
                continue;
            }
        };
        let end = after.find(close).unwrap();
        let tag = after[2..end].trim_matches(['-', ' ']);
        rest = &after[end + 2..];
        let tokens = tokens(tag);
        if let Some(r) = tag.strip_prefix("set ") {
            let (name, value) = r.split_once('=').unwrap();
            let v = tokens.last().cloned().unwrap_or_default();
            // `set x = path` or `set x = not path`: the path is the last token.
            let value = value.trim();
            let value = value.strip_prefix("not ").unwrap_or(value).trim();
            assert!(value.starts_with(v.split(['.', '[']).next().unwrap()));
            alias.insert(name.trim().to_string(), resolve(&v, &alias));
            continue;
        }
        if let Some(r) = tag.strip_prefix("for ") {
            let (var, _) = r.split_once(" in ").unwrap();
            let list = resolve(tokens.last().unwrap(), &alias);
            paths.push(list.clone());
            alias.insert(var.trim().to_string(), format!("{list}[]"));
            continue;
        }
        for t in tokens {
            paths.push(resolve(&t, &alias));
        }
    }
    const ROOTS: [&str; 16] = [
        "figures",
        "report",
        "unit_label",
        "unit_count",
        "units",
        "fields",
        "groups",
        "standards",
        "bands",
        "tables",
        "tags",
        "facts",
        "findings",
        "recommendations",
        "closing",
        "rounding_note",
    ];
    paths.retain(|p| ROOTS.contains(&p.split(['.', '[']).next().unwrap()));
    paths.sort();
    paths.dedup();
    paths
}

fn resolve(token: &str, alias: &HashMap<String, String>) -> String {
    let head = token.split(['.', '[']).next().unwrap();
    match alias.get(head) {
        Some(a) => format!("{a}{}", &token[head.len()..]),
        None => token.to_string(),
    }
}

/// Names with their dotted and bracketed parts; string literals, numbers, function names
/// (followed by `(`) and keyword arguments (followed by `=`) left out.
fn tokens(tag: &str) -> Vec<String> {
    let chars: Vec<char> = tag.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            loop {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                if i < chars.len() && chars[i] == '.' {
                    i += 1;
                } else if i + 1 < chars.len() && chars[i] == '[' && chars[i + 1] == '"' {
                    let close = (i + 2..chars.len()).find(|j| chars[*j] == ']').unwrap();
                    i = close + 1;
                } else {
                    break;
                }
            }
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let preceded_by_pipe =
                chars[..start].iter().rev().find(|c| !c.is_whitespace()) == Some(&'|');
            if next != Some(&'(') && next != Some(&'=') && !preceded_by_pipe {
                out.push(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn every_name_the_flagship_report_uses_is_listed() {
    // The seed, and the seed with a previous year (the report's 同比 section reads
    // `previous` and `fields.X.previous.…`, null without one).
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/qingnianlu-2018.yaml"),
        dir.path().join("qingnianlu-2018.yaml"),
    )
    .unwrap();
    let with_previous = dir.path().join("qingnianlu-2019.yaml");
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(
        &with_previous,
        seed_text.replacen("\nunits:", "\nprevious: qingnianlu-2018.yaml\nunits:", 1),
    )
    .unwrap();
    let out = diaoyan(&["stats", "--names", with_previous.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = names() + &String::from_utf8(out.stdout).unwrap();
    let listed: Vec<String> = names
        .lines()
        .map(|l| blank_indexes(l.split(" = ").next().unwrap()))
        .collect();
    let src = std::fs::read_to_string(root().join("templates/community-survey/report.md")).unwrap();
    let used = template_paths(&src);
    assert!(used.len() > 30, "{used:?}");
    for must in [
        "fields.residents.max_unit",
        "fields.residents.min_unit",
        "fields[\"office.rented\"].zero.shorts",
        "bands.committee_size.total",
    ] {
        assert!(
            used.iter().any(|u| u == must),
            "{must} not found in {used:?}"
        );
    }
    for u in &used {
        let u = blank_indexes(u);
        assert!(
            listed.iter().any(|l| l == &u
                || l.starts_with(&format!("{u}."))
                || l.starts_with(&format!("{u}["))),
            "{u} is used by report.md but not listed by stats --names"
        );
    }
}

#[test]
fn names_print_values() {
    let names = names();
    for line in [
        "fields[\"office.total\"].sum = 2492",
        "fields.households.sum = 30458",
        "fields.residents.max_unit = \"西药王洞社区\"",
        "unit_count = 12",
        "report.date = \"2020-03-16\"",
        "fields.residents_per_staff.aggregate = \"ratio\"",
    ] {
        assert!(names.lines().any(|l| l == line), "{line}\n{names}");
    }
}

#[test]
fn json_is_the_template_context() {
    let out = diaoyan(&["stats", "--json", seed().to_str().unwrap()]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "figures",
        "report",
        "unit_label",
        "unit_count",
        "units",
        "fields",
        "groups",
        "standards",
        "bands",
        "tables",
        "tags",
        "facts",
        "findings",
        "recommendations",
        "closing",
        "rounding_note",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(v["fields"]["residents"]["max_unit"], "西药王洞社区");
    assert_eq!(v["fields"]["office.rented"]["zero"]["count"], 5);
}

/// `stats --names | head`: a reader that closes the pipe after the first bytes ends the
/// output quietly (exit 0, nothing on stderr); `print!` used to panic on the broken pipe.
#[test]
fn a_reader_closing_the_pipe_early_is_no_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["stats", "--names", seed().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here: every later write meets a broken pipe.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}
