//! Helpers of the 同比 tests (issue 18 part B): the seed with a previous period beside it,
//! and a copy of the flagship pack with a report template of the test's own.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use super::common::{diaoyan, root, seed};

/// The seed (2019) written into `dir` as `2019.yaml` with `previous: 2018.yaml`, and the
/// 2018 fixture beside it as `2018.yaml` (after `edit_2018`); returns the 2019 file.
pub fn two_years(dir: &Path, edit_2018: impl Fn(String) -> String) -> PathBuf {
    let last = std::fs::read_to_string(root().join("tests/fixtures/qingnianlu-2018.yaml"))
        .expect("fixture");
    std::fs::write(dir.join("2018.yaml"), edit_2018(last)).expect("write 2018");
    let this = std::fs::read_to_string(seed()).expect("seed").replacen(
        "template: community-survey\n",
        "template: community-survey\nprevious: 2018.yaml\n",
        1,
    );
    let p = dir.join("2019.yaml");
    std::fs::write(&p, this).expect("write 2019");
    p
}

/// A copy of the flagship pack in `dir/pack` whose report template is `report_md` (plus
/// further templates `extra`: name, text); returns the pack folder.
pub fn pack_with(dir: &Path, report_md: &str, extra: &[(&str, &str)]) -> PathBuf {
    let pack = dir.join("pack");
    std::fs::create_dir_all(&pack).expect("pack dir");
    let src = root().join("templates/community-survey");
    std::fs::copy(src.join("template.yaml"), pack.join("template.yaml")).expect("template.yaml");
    std::fs::write(pack.join("report.md"), report_md).expect("report.md");
    for (name, text) in extra {
        std::fs::write(pack.join(name), text).expect("extra template");
    }
    pack
}

/// [`raw_markdown`] without its backslash escapes ([`plain`]).
pub fn markdown(data: &Path, pack: Option<&Path>, dir: &Path) -> String {
    plain(&raw_markdown(data, pack, dir))
}

/// Render `data` (DOCX only, with `--markdown`) into `dir/out` with `pack` (or the
/// built-in pack); returns the report Markdown, or panics with diaoyan's stderr.
pub fn raw_markdown(data: &Path, pack: Option<&Path>, dir: &Path) -> String {
    let out = dir.join("out");
    let mut args = vec![
        "render".to_string(),
        data.display().to_string(),
        "-o".into(),
        out.display().to_string(),
        "--format".into(),
        "docx".into(),
        "--markdown".into(),
    ];
    if let Some(p) = pack {
        args.push("--template".into());
        args.push(p.display().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = diaoyan(&refs);
    assert!(
        o.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "md"))
        .expect("a .md");
    std::fs::read_to_string(md).expect("markdown")
}

/// The cells' texts, row by row, of the `n`-th table directive of report Markdown:
/// (head rows, body rows, foot rows).
pub type Rows = Vec<Vec<String>>;

/// See [`Rows`].
pub fn table(md: &str, n: usize) -> (Rows, Rows, Rows) {
    let json = md
        .split("```diaoyan-table\n")
        .nth(n + 1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a table directive");
    let v: serde_json::Value = serde_json::from_str(json).expect("directive JSON");
    let rows = |key: &str| -> Rows {
        v[key]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                r.as_array()
                    .expect("cells")
                    .iter()
                    .map(|c| {
                        c["runs"]
                            .as_array()
                            .map(|runs| runs.iter().filter_map(|x| x["text"].as_str()).collect())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect()
    };
    (rows("head"), rows("body"), rows("foot"))
}

/// Markdown without its backslash escapes (`73\.1\%` → `73.1%`), as a reader sees it.
pub fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut chars = md.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            continue;
        }
        out.push(c);
    }
    out
}

/// A field's values per unit name in a data file, read with serde_yaml (independently of
/// diaoyan): `path` is dotted (`office.total`).
pub fn values(file: &Path, path: &str) -> Vec<(String, f64)> {
    let v: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(file).expect("read")).expect("yaml");
    v["units"]
        .as_sequence()
        .expect("units")
        .iter()
        .map(|u| {
            let x = path
                .split('.')
                .fold(u, |v, k| &v[k])
                .as_f64()
                .expect("number");
            (u["name"].as_str().expect("name").to_string(), x)
        })
        .collect()
}
