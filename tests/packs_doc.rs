//! The helper examples of docs/packs.md (sections 6.1 and 6.2) run as written: each table
//! row `| `{{ … }}` | result | … |` is put into a report template of a copy of the built-in
//! community-survey pack, rendered on the seed through the binary, and must print the
//! documented result.

mod common;

use common::*;

/// (template expression, documented result) of every runnable example row.
fn examples() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(root().join("docs/packs.md")).expect("docs/packs.md");
    let start = doc.find("### 6.1").expect("section 6.1");
    let end = doc[start..].find("### 6.3").expect("section 6.3") + start;
    doc[start..end]
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l
                .split(" | ")
                .map(|c| c.trim().trim_matches('|').trim())
                .collect();
            let expr = cells.first()?.strip_prefix('`')?.strip_suffix('`')?;
            if !expr.starts_with("{{") {
                return None;
            }
            Some((expr.replace("\\|", "|"), cells.get(1)?.to_string()))
        })
        .collect()
}

#[test]
fn every_helper_example_prints_its_documented_result() {
    let all = examples();
    assert!(all.len() >= 20, "examples found: {all:?}");
    let runnable: Vec<&(String, String)> =
        all.iter().filter(|(_, r)| r != "表" && r != "图").collect();
    let dir = tempfile::tempdir().unwrap();
    let pack = copy_builtin_pack(dir.path());
    let report: String = runnable
        .iter()
        .enumerate()
        .map(|(i, (e, _))| format!("EX{i}={e}\n\n"))
        .collect();
    std::fs::write(pack.join("report.md"), report).unwrap();
    let out_dir = dir.path().join("out");
    let out = diaoyan(&[
        "render",
        seed().to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--format",
        "pdf",
        "--markdown",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(out_dir.join("qingnianlu-2019.md"))
        .unwrap()
        .replace('\\', "");
    for (i, (e, want)) in runnable.iter().enumerate() {
        let got = md
            .lines()
            .find_map(|l| l.strip_prefix(&format!("EX{i}=")))
            .unwrap_or_else(|| panic!("no output for {e}"));
        match want.split_once('…') {
            Some((head, tail)) => assert!(
                got.starts_with(head) && got.ends_with(tail),
                "{e}: {got} vs {want}"
            ),
            None => assert_eq!(got, want, "{e}"),
        }
    }
}
