//! Issue 18 (C): finding a pack from a data file's `template:` line — by folder name, by
//! `name:`, by a path relative to the data file — and `init --template DIR` writing a line
//! that `check` resolves. When nothing is found, the error lists every place looked.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{root, seed};

/// Run `diaoyan ARGS` in `cwd`.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the diaoyan binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A copy of the flagship pack at `dir`, its `name:` set to `name`.
fn copy_pack(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let src = root().join("templates/community-survey");
    for f in ["template.yaml", "report.md"] {
        let text = std::fs::read_to_string(src.join(f)).unwrap();
        let text = if f == "template.yaml" {
            text.replacen("name: community-survey", &format!("name: {name}"), 1)
        } else {
            text
        };
        std::fs::write(dir.join(f), text).unwrap();
    }
}

/// The seed data with its `template:` line reading `reference`, written to `path`.
fn seed_naming(path: &Path, reference: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = std::fs::read_to_string(seed()).unwrap().replacen(
        "template: community-survey",
        &format!("template: {reference}"),
        1,
    );
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn template_line(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("template:"))
        .expect("a template: line")
        .to_string()
}

/// The regression: `init --template DIR` for a pack whose folder and `name:` differ, from a
/// folder where no `templates/` holds it, then `check`: the written line finds the pack.
#[test]
fn init_with_a_pack_folder_writes_a_line_check_resolves() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("packs/office-pack");
    copy_pack(&pack, "banner-name");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let out = run_in(
        &work,
        &["init", "--template", pack.to_str().unwrap(), "new.yaml"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let line = template_line(&work.join("new.yaml"));
    assert_eq!(line, "template: ../packs/office-pack");
    // The unfilled file: `check` lists what is left to fill, never a missing pack.
    let out = run_in(&work, &["check", "new.yaml"]);
    assert!(!stderr(&out).contains("找不到模板"), "{}", stderr(&out));
    // The same line in a filled file: `check` passes, from any current folder.
    let data = seed_naming(&work.join("filled.yaml"), "../packs/office-pack");
    let out = run_in(&root(), &["check", data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `init --template NAME` of a pack in `./templates` writes the plain name.
#[test]
fn init_with_a_pack_name_writes_the_name() {
    let tmp = tempfile::tempdir().unwrap();
    copy_pack(&tmp.path().join("templates/office-pack"), "banner-name");
    let out = run_in(
        tmp.path(),
        &["init", "--template", "templates/office-pack", "a.yaml"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        template_line(&tmp.path().join("a.yaml")),
        "template: office-pack"
    );
    let out = run_in(tmp.path(), &["init", "--template", "office-pack", "b.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        template_line(&tmp.path().join("b.yaml")),
        "template: office-pack"
    );
}

/// `template: NAME` finds `templates/NAME/` by its folder name even when `name:` differs,
/// and by `name:` when no folder is called NAME.
#[test]
fn a_pack_is_found_by_folder_name_or_by_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    copy_pack(&tmp.path().join("templates/office-pack"), "banner-name");
    let by_folder = seed_naming(&tmp.path().join("a.yaml"), "office-pack");
    let out = run_in(tmp.path(), &["check", by_folder.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let by_name = seed_naming(&tmp.path().join("b.yaml"), "banner-name");
    let out = run_in(tmp.path(), &["check", by_name.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `--template DIR` (a folder of packs, or the pack itself) finds the pack by folder name.
#[test]
fn template_dir_finds_a_pack_by_folder_name() {
    let tmp = tempfile::tempdir().unwrap();
    let packs = tmp.path().join("packs");
    copy_pack(&packs.join("office-pack"), "banner-name");
    let data = seed_naming(&tmp.path().join("d/a.yaml"), "office-pack");
    for dir in [packs.clone(), packs.join("office-pack")] {
        let out = run_in(
            &root(),
            &[
                "check",
                data.to_str().unwrap(),
                "--template",
                dir.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}: {}", dir.display(), stderr(&out));
    }
}

/// `template: ./x` and `../x` are relative to the data file, not the current folder.
#[test]
fn relative_paths_are_relative_to_the_data_file() {
    let tmp = tempfile::tempdir().unwrap();
    copy_pack(&tmp.path().join("proj/packs/p"), "whatever");
    let a = seed_naming(&tmp.path().join("proj/a.yaml"), "./packs/p");
    let b = seed_naming(&tmp.path().join("proj/data/b.yaml"), "../packs/p");
    for data in [a, b] {
        let out = run_in(&root(), &["check", data.to_str().unwrap()]);
        assert!(out.status.success(), "{}: {}", data.display(), stderr(&out));
    }
    let missing = seed_naming(&tmp.path().join("proj/c.yaml"), "./packs/nope");
    let out = run_in(&root(), &["check", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("c.yaml:3:11: 找不到模板“./packs/nope”"),
        "{err}"
    );
    assert!(err.contains("packs/nope，该文件夹不存在"), "{err}");
}

/// Not found: the error, at the `template:` line, lists every place looked, in order (a
/// folder of packs that does not exist is not searched by `name:`).
#[test]
fn not_found_lists_every_place_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let packs = tmp.path().join("packs");
    copy_pack(&packs.join("other"), "other");
    let data = seed_naming(&tmp.path().join("d/a.yaml"), "nope");
    let out = run_in(
        tmp.path(),
        &[
            "check",
            data.to_str().unwrap(),
            "--template",
            packs.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let d = tmp.path().join("d");
    let want = format!(
        "a.yaml:3:11: 找不到模板“nope”（依次查找了：1. {p}/nope；2. {p} 下 name 为“nope”的模板包；3. templates/nope；4. {d}/templates/nope；5. 内置模板（community-survey、township-villages））",
        p = packs.display(),
        d = d.display()
    );
    assert!(err.contains(&want), "{err}\nwant: {want}");
}
