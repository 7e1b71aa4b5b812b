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

/// The failed-check message quoted in sections 2.5 and 7 is the binary's own: the
/// township sample with 河口村's party members set to 2000, saved as `hk.yaml`.
#[test]
fn the_documented_check_message_is_verbatim() {
    let doc = std::fs::read_to_string(root().join("docs/packs.md")).expect("docs/packs.md");
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read_to_string(root().join("data/township-2020.yaml")).unwrap();
    let edited = data.replacen("members: 71", "members: 2000", 1);
    assert_ne!(edited, data);
    std::fs::write(dir.path().join("hk.yaml"), edited).unwrap();
    std::fs::copy(
        root().join("data/township-2019.yaml"),
        dir.path().join("township-2019.yaml"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["check", "hk.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("党员数不能多于常住人口"))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(doc.matches(line).count(), 3, "{line} not quoted verbatim");
}

/// The tags example of section 2.3 prints what the guide says on township-2020.
#[test]
fn the_documented_tags_example_prints_its_result() {
    let doc = std::fs::read_to_string(root().join("docs/packs.md")).expect("docs/packs.md");
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("tv");
    std::fs::create_dir(&pack).unwrap();
    for f in ["template.yaml", "macros.md"] {
        std::fs::copy(
            root().join("templates/township-villages").join(f),
            pack.join(f),
        )
        .unwrap();
    }
    let start = doc
        .find("```\n{% for v in tags.area.values %}")
        .expect("tags example")
        + 4;
    let example = &doc[start..start + doc[start..].find('\n').unwrap()];
    std::fs::write(pack.join("report.md"), format!("T={example}\n")).unwrap();
    let out_dir = dir.path().join("out");
    let out = diaoyan(&[
        "render",
        root().join("data/township-2020.yaml").to_str().unwrap(),
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
    let md = std::fs::read_to_string(out_dir.join("township-2020.md")).unwrap();
    let got = md
        .lines()
        .find_map(|l| l.strip_prefix("T="))
        .expect("T= line");
    assert!(
        doc.contains(&format!("印作：{got}")),
        "{got} not in the guide"
    );
}
