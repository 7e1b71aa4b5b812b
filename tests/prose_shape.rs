//! Issue 18 (C): the shape of the writer's prose is declared by the pack (`prose:` in
//! `template.yaml`: label, points depth, topics, kind) and checked with line numbers; a
//! misspelt key or topic is an error listing the valid ones.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{diaoyan, root, seed};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

/// A copy of the flagship pack in `dir/pack`, `prose:` set to `prose` (YAML lines).
fn pack_with(dir: &Path, prose: &str) -> PathBuf {
    let pack = dir.join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    let src = root().join("templates/community-survey");
    let yaml = std::fs::read_to_string(src.join("template.yaml")).unwrap();
    std::fs::write(pack.join("template.yaml"), format!("{yaml}\n{prose}")).unwrap();
    std::fs::copy(src.join("report.md"), pack.join("report.md")).unwrap();
    pack
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("d.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

fn check(data: &Path, pack: Option<&Path>) -> Output {
    let mut args = vec!["check", data.to_str().unwrap()];
    if let Some(p) = pack {
        args.extend(["--template", p.to_str().unwrap()]);
    }
    diaoyan(&args)
}

/// `finding:` for `findings:` is refused at its line, naming the right key.
#[test]
fn a_misspelt_prose_key_names_the_right_one() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(seed())
        .unwrap()
        .replacen("\nfindings:", "\nfinding:", 1);
    let data = write(tmp.path(), &text);
    let r = check(&data, None);
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    let line = line_of(&text, "finding:");
    assert!(err.contains(&format!("d.yaml:{line}:1: ")), "{err}");
    assert!(err.contains("finding"), "{err}");
    assert!(err.contains("findings"), "{err}");
}

/// A topic the pack does not know lists the known ones, with the nearest.
#[test]
fn a_misspelt_topic_lists_the_valid_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(seed())
            .unwrap()
            .replacen("topic: office", "topic: ofice", 1);
    let data = write(tmp.path(), &text);
    let r = check(&data, None);
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    let line = line_of(&text, "topic: ofice");
    assert!(
        err.contains(&format!(
            "d.yaml:{line}:12: 第 3 个问题的 topic “ofice”不是此模板认识的主题，是否应为 office？（可用："
        )),
        "{err}"
    );
}

/// `prose:` declares the depth of points and whether topics are used: a data file going
/// past them is refused at the line.
#[test]
fn the_pack_declares_points_depth_and_topics() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with(
        tmp.path(),
        "prose:\n  findings: { label: 存在的问题, points: 1, topics: false }\n  recommendations: { label: 对策建议, points: 2 }\n  closing: { label: 结束语, kind: paragraphs }\n",
    );
    // The seed names topics: refused, as this pack's findings take none.
    let r = check(&seed(), Some(&pack));
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    assert!(
        err.contains("第 1 个问题的 topic “admin”：此模板的这一部分不使用 topic（template.yaml 的 prose.findings.topics），请删除"),
        "{err}"
    );
    // Without topics, two levels of points are one too many.
    let mut text = String::new();
    for l in std::fs::read_to_string(seed()).unwrap().lines() {
        if l.trim_start().starts_with("topic:") {
            continue;
        }
        text.push_str(l);
        text.push('\n');
        if l.starts_with("  - title: 行政事务挤占自治空间") {
            text.push_str("    points:\n      - text: 一\n        points:\n          - text: 二\n");
        }
    }
    let data = write(tmp.path(), &text);
    let r = check(&data, Some(&pack));
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    let line = line_of(&text, "          - text: 二");
    assert!(
        err.contains(&format!(
            "d.yaml:{line}:11: 第 1 个问题的第 1 个要点的要点（points）最多 1 层，这里是第 2 层"
        )),
        "{err}"
    );
    // One level is fine.
    let ok = text.replace("        points:\n          - text: 二\n", "");
    let data = write(tmp.path(), &ok);
    let r = check(&data, Some(&pack));
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
}

/// A section the data file cannot hold, or a wrong kind, is a pack error at its line.
#[test]
fn a_misspelt_section_in_the_pack_is_a_pack_error() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_with(
        tmp.path(),
        "prose:\n  finding: { label: 问题 }\n  closing: { label: 结束语, points: 9 }\n",
    );
    let r = check(&seed(), Some(&pack));
    assert_eq!(r.status.code(), Some(2));
    let err = stderr(&r);
    assert!(
        err.contains("prose.finding：目前只支持 findings、recommendations、closing 三个部分，是否应为 findings？"),
        "{err}"
    );
    assert!(err.contains("prose.closing.kind 应为 paragraphs"), "{err}");
    assert!(err.contains("prose.closing.points 最多为 4"), "{err}");
}
