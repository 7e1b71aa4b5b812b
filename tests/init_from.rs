//! Issue 18 (B): `diaoyan init --from 2019.yaml -o 2020.yaml` starts next year's file —
//! same template, report and units, numbers emptied, headings kept, `previous:` set.

mod common;

use common::{diaoyan, seed};
use serde_yaml::Value;

fn start(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::fs::copy(seed(), dir.join("qingnianlu-2019.yaml")).unwrap();
    let mut all = vec!["init", "--from"];
    all.extend_from_slice(args);
    diaoyan(&all)
}

#[test]
fn init_from_keeps_structure_and_empties_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("qingnianlu-2019.yaml");
    let sub = dir.path().join("next");
    std::fs::create_dir(&sub).unwrap();
    let to = sub.join("2020.yaml");
    let out = start(
        dir.path(),
        &[from.to_str().unwrap(), "-o", to.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let old: Value = serde_yaml::from_str(&std::fs::read_to_string(&from).unwrap()).unwrap();
    let text = std::fs::read_to_string(&to).unwrap();
    assert!(!text.contains("null"), "{text}");
    let new: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(new["template"], "community-survey");
    // Relative to the new file's folder.
    assert_eq!(new["previous"], "../qingnianlu-2019.yaml");
    for k in ["title", "subtitle", "region", "organisation"] {
        assert_eq!(new["report"][k], old["report"][k], "{k}");
    }
    assert_eq!(new["report"]["period"], "2020");
    assert_eq!(new["report"]["output"], "qingnianlu-2020");
    assert!(new["report"].get("date").is_none());
    let (ou, nu) = (
        old["units"].as_sequence().unwrap(),
        new["units"].as_sequence().unwrap(),
    );
    assert_eq!(ou.len(), nu.len());
    for (o, n) in ou.iter().zip(nu) {
        assert_eq!(n["name"], o["name"]);
        assert_eq!(n["short"], o["short"]);
        assert!(n["households"].is_null() && n["staff"]["education"]["graduate"].is_null());
        assert!(n["office"]["total"].is_null());
    }
    let (of, nf) = (
        old["findings"].as_sequence().unwrap(),
        new["findings"].as_sequence().unwrap(),
    );
    assert_eq!(of.len(), nf.len());
    for (o, n) in of.iter().zip(nf) {
        assert_eq!(n["title"], o["title"]);
        assert_eq!(n["topic"], o["topic"]);
        assert_eq!(n["text"], "");
    }
    assert!(new.get("closing").is_none());
    // Unfilled: check reports the empty cells as missing values.
    let out = diaoyan(&["check", to.to_str().unwrap(), "--format", "docx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("青年路第一社区：缺少必填字段 居民户数（households）"),
        "{err}"
    );
}

/// Filled in (here with last year's numbers and some text), the new file passes `check`
/// and compares with last year.
#[test]
fn the_new_file_passes_check_once_filled() {
    let dir = tempfile::tempdir().unwrap();
    let out = start(
        dir.path(),
        &[dir.path().join("qingnianlu-2019.yaml").to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The default name: the period in the file name moved on.
    let to = dir.path().join("qingnianlu-2020.yaml");
    assert!(String::from_utf8_lossy(&out.stdout).contains("qingnianlu-2020.yaml"));
    let old: Value = serde_yaml::from_str(&std::fs::read_to_string(seed()).unwrap()).unwrap();
    let mut new: Value = serde_yaml::from_str(&std::fs::read_to_string(&to).unwrap()).unwrap();
    assert_eq!(new["previous"], "qingnianlu-2019.yaml");
    for key in ["units", "tables", "facts"] {
        new[key] = old[key].clone();
    }
    for key in ["findings", "recommendations"] {
        for item in new[key].as_sequence_mut().unwrap() {
            item["text"] = Value::from("本年情况。");
        }
    }
    std::fs::write(&to, serde_yaml::to_string(&new).unwrap()).unwrap();
    let out = diaoyan(&["check", to.to_str().unwrap(), "--format", "docx"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = diaoyan(&["stats", "--json", to.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["previous"]["period"], "2019");
}

#[test]
fn init_from_refuses_to_overwrite_and_names_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("qingnianlu-2019.yaml");
    let out = start(
        dir.path(),
        &[from.to_str().unwrap(), "-o", from.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("拒绝覆盖"));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "just: text\n").unwrap();
    let out = diaoyan(&["init", "--from", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml") && err.contains("缺少 template"),
        "{err}"
    );
    assert!(!dir.path().join("bad-next.yaml").exists());
}

/// Attacker finding F9: year two of the yearly workflow. 2021's file, started from 2020's
/// (which names 2019 as its `previous:`), passes `check` once filled: only the adjacent
/// period is read, never the previous file's own `previous:`.
#[test]
fn year_two_started_from_a_file_with_its_own_previous_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in ["township-2019.yaml", "township-2020.yaml"] {
        std::fs::copy(root.join("data").join(f), dir.path().join(f)).unwrap();
    }
    let from = dir.path().join("township-2020.yaml");
    let to = dir.path().join("township-2021.yaml");
    let out = diaoyan(&[
        "init",
        "--from",
        from.to_str().unwrap(),
        "-o",
        to.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Fill 2021 with 2020's numbers and prose.
    let old: Value = serde_yaml::from_str(&std::fs::read_to_string(&from).unwrap()).unwrap();
    let mut new: Value = serde_yaml::from_str(&std::fs::read_to_string(&to).unwrap()).unwrap();
    assert_eq!(new["previous"], "township-2020.yaml");
    for key in ["units", "facts", "findings", "recommendations"] {
        new[key] = old[key].clone();
    }
    std::fs::write(&to, serde_yaml::to_string(&new).unwrap()).unwrap();
    let out = diaoyan(&["check", to.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = diaoyan(&["stats", "--json", to.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["previous"]["period"], "2020");
}
