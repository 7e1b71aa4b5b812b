//! `diaoyan batch`: every district in one run, isolated failures, deterministic bytes
//! whatever the thread count, splits, shards, no stray files.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

fn sample(dir: &Path, n: usize, extra: &[&str]) {
    let mut args = vec!["sample", "--districts"];
    let n = n.to_string();
    args.push(&n);
    args.extend_from_slice(&["--seed", "11", "-o", dir.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let out = diaoyan(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn batch(args: &[&str]) -> std::process::Output {
    let mut all = vec!["batch", "--no-system-fonts"];
    all.extend_from_slice(args);
    diaoyan(&all)
}

/// File name → FNV hash of its bytes; fails on stray (hidden or temporary) files.
fn hashes(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with('.') && !name.ends_with(".tmp"),
                "stray file {name}"
            );
            let bytes = std::fs::read(e.path()).unwrap();
            let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
            });
            (name, h)
        })
        .collect()
}

#[test]
fn a_hundred_districts_with_three_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    sample(&input, 100, &[]);
    std::fs::write(
        input.join("zz-broken.yaml"),
        "template: community-survey\nunits: [\n  - { name: 甲\n",
    )
    .unwrap();
    std::fs::write(
        input.join("zz-garbage.yaml"),
        [0u8, 159, 146, 150, 255, 0, 1, 2, 3],
    )
    .unwrap();
    let good = std::fs::read_to_string(input.join("sample-0001.yaml")).unwrap();
    std::fs::write(
        input.join("zz-template.yaml"),
        good.replace("template: community-survey", "template: no-such-pack"),
    )
    .unwrap();

    let out2 = dir.path().join("out2");
    let o = batch(&[
        input.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "-j",
        "2",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("完成 100 份报告，失败 3 份"), "{summary}");
    for bad in ["zz-broken.yaml", "zz-garbage.yaml", "zz-template.yaml"] {
        assert!(
            summary
                .lines()
                .any(|l| l.contains("失败") && l.contains(bad)),
            "{bad} not named: {summary}"
        );
    }
    assert!(summary.contains("找不到模板“no-such-pack”"));
    let h2 = hashes(&out2);
    assert_eq!(h2.len(), 200);

    let out1 = dir.path().join("out1");
    let o = batch(&[
        input.to_str().unwrap(),
        "-o",
        out1.to_str().unwrap(),
        "-j",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(hashes(&out1), h2, "-j 1 and -j 2 differ");
}

/// `diaoyan batch INPUT -o OUT --split-by region --format pdf`.
fn split_by_region(input: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    batch(&[
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--split-by",
        "region",
        "--format",
        "pdf",
    ])
}

#[test]
fn split_by_region_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    sample(&input, 3, &["--one-file"]);
    let out = dir.path().join("out");
    let o = split_by_region(&input, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names: Vec<String> = hashes(&out).into_keys().collect();
    assert_eq!(
        names,
        [
            "sample-0000-示范第1街道.pdf",
            "sample-0000-示范第2街道.pdf",
            "sample-0000-示范第3街道.pdf",
            "sample-0000.pdf"
        ]
    );
    // Two shards: disjoint, and together the whole run, byte for byte.
    let mut union = BTreeMap::new();
    for s in ["1/2", "2/2"] {
        let so = dir.path().join(format!("shard{}", &s[..1]));
        let o = batch(&[
            input.to_str().unwrap(),
            "-o",
            so.to_str().unwrap(),
            "--split-by",
            "region",
            "--format",
            "pdf",
            "--shard",
            s,
        ]);
        assert!(o.status.success());
        for (k, v) in hashes(&so) {
            assert!(union.insert(k, v).is_none(), "a report in both shards");
        }
    }
    assert_eq!(union, hashes(&out));
    // An unknown tag is a clear failure.
    let o = batch(&[
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--split-by",
        "street",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--split-by street 不是模板声明的单位标签"));
}

#[test]
fn hostile_names_cannot_leave_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    sample(&input, 2, &["--one-file"]);
    let city = input.join("city.yaml");
    let text = std::fs::read_to_string(&city).unwrap();
    std::fs::write(
        &city,
        text.replace("region: 示范第1街道", "region: ../../逃逸")
            .replace("output: sample-0000", "output: ../../../x"),
    )
    .unwrap();
    let out = dir.path().join("deep/out");
    let o = split_by_region(&input, &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names: Vec<String> = hashes(&out).into_keys().collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| !n.contains('/') && !n.starts_with('.')),
        "{names:?}"
    );
    // Nothing was written outside the output folder.
    let outside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside.len(), 2, "{outside:?}"); // in, deep
}

#[test]
fn no_inputs_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = batch(&[
        dir.path().to_str().unwrap(),
        "-o",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("没有找到数据文件"));
    let o = batch(&[dir.path().to_str().unwrap(), "--shard", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
}
