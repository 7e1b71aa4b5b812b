//! Attack round 18a (a tester's findings on the issue-16/17 work), through the binary:
//! each test renders a reproduction from `tests/fixtures/attack18a/` (see its README.md)
//! and asserts the right value. Checks that need pdftotext, LibreOffice or validate-docx
//! are in `tests/tools/attack18a.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;

fn fixture(p: &str) -> PathBuf {
    root().join("tests/fixtures/attack18a").join(p)
}

/// `render DATA --template PACK -o DIR` with the bundled fonts; returns the output.
fn render(data: &Path, pack: &Path, dir: &Path) -> std::process::Output {
    diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--no-system-fonts",
    ])
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The one file in `dir` with extension `ext`.
fn output(dir: &Path, ext: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .unwrap_or_else(|| panic!("no .{ext} in {}", dir.display()))
}

fn has_part(docx: &Path, name: &str) -> bool {
    let f = std::fs::File::open(docx).unwrap();
    zip::ZipArchive::new(f).unwrap().by_name(name).is_ok()
}

/// F1: a report without footnotes has no `word/footnotes.xml` (it would be an orphan
/// part: nothing links it), nor its content type; the seed (one footnote) keeps it,
/// linked from the document's relationships.
#[test]
fn f1_no_orphan_footnotes_part() {
    let d = tempfile::tempdir().unwrap();
    ok(&render(
        &fixture("F1/nofootnote.yaml"),
        &fixture("atk"),
        d.path(),
    ));
    let docx = output(d.path(), "docx");
    assert!(!has_part(&docx, "word/footnotes.xml"));
    assert!(!docx_part(&docx, "[Content_Types].xml").contains("footnotes"));
    // Every part directly under word/ is a target of the document's relationships.
    let rels = docx_part(&docx, "word/_rels/document.xml.rels");
    let f = std::fs::File::open(&docx).unwrap();
    let zip = zip::ZipArchive::new(f).unwrap();
    for name in zip.file_names() {
        if let Some(file) = name.strip_prefix("word/") {
            if !file.contains('/') && file != "document.xml" {
                assert!(
                    rels.contains(&format!("Target=\"{file}\"")),
                    "{name} is not linked"
                );
            }
        }
    }
    let seed = render_seed();
    let docx = output(seed.path(), "docx");
    assert!(has_part(&docx, "word/footnotes.xml"));
    assert!(docx_part(&docx, "word/_rels/document.xml.rels").contains("Target=\"footnotes.xml\""));
}

/// F6: negative values in a bar or line chart extend the DOCX's value axis below 0
/// (`c:min` is the lowest tick, not a fixed 0), and the values are kept as they are.
#[test]
fn f6_docx_axis_goes_below_zero_for_negative_values() {
    let d = tempfile::tempdir().unwrap();
    ok(&render(
        &fixture("F6/c10.yaml"),
        &fixture("F6/pack"),
        d.path(),
    ));
    let docx = output(d.path(), "docx");
    let f = std::fs::File::open(&docx).unwrap();
    let names: Vec<String> = zip::ZipArchive::new(f)
        .unwrap()
        .file_names()
        .filter(|n| n.starts_with("word/charts/chart") && n.ends_with(".xml"))
        .map(str::to_string)
        .collect();
    let mut negative = 0;
    for n in &names {
        let xml = docx_part(&docx, n);
        if !xml.contains("<c:v>-52</c:v>") {
            continue;
        }
        negative += 1;
        let min: f64 = xml
            .split("<c:min val=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .expect("c:min");
        assert!(min <= -52.0, "{n}: c:min {min} clips -52");
    }
    assert!(negative >= 2, "the bar and the line chart of v: {names:?}");
}

/// F7: all values 0: the bar, stacked and line charts are charts at 0; only the pie (no
/// shares to draw) says 无数据.
#[test]
fn f7_zeros_are_a_chart_not_no_data() {
    let d = tempfile::tempdir().unwrap();
    ok(&render(
        &fixture("F7/pie-allzero.yaml"),
        &fixture("atk-chart"),
        d.path(),
    ));
    let docx = output(d.path(), "docx");
    let xml = docx_part(&docx, "word/document.xml");
    assert_eq!(xml.matches("无数据").count(), 1, "only the pie");
    let f = std::fs::File::open(&docx).unwrap();
    let charts = zip::ZipArchive::new(f)
        .unwrap()
        .file_names()
        .filter(|n| n.starts_with("word/charts/chart") && n.ends_with(".xml"))
        .count();
    assert!(charts >= 3, "{charts} chart parts");
}

/// F9: `previous: b.docx` and `report.output: b`: the report would replace the previous
/// period's data file. Refused (exit 2, in Chinese), and nothing written.
#[test]
fn f9_never_overwrites_the_previous_data_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("F9/a.yaml"), d.path().join("a.yaml")).unwrap();
    let previous = std::fs::read(fixture("F9/b.docx.orig")).unwrap();
    std::fs::write(d.path().join("b.docx"), &previous).unwrap();
    let out = diaoyan(&[
        "render",
        d.path().join("a.yaml").to_str().unwrap(),
        "-o",
        d.path().to_str().unwrap(),
        "--no-system-fonts",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("拒绝覆盖"), "{err}");
    assert_eq!(std::fs::read(d.path().join("b.docx")).unwrap(), previous);
    assert!(!d.path().join("b.pdf").exists(), "nothing is written");
}

/// F9: nor a pack's template: a pack whose report template is `parts/body.md`, rendered
/// with `--markdown` into `parts/` under the name `body`, would replace it. Refused.
#[test]
fn f9_never_overwrites_a_pack_template() {
    let d = tempfile::tempdir().unwrap();
    let pack = d.path().join("pack");
    std::fs::create_dir_all(pack.join("parts")).unwrap();
    let schema = std::fs::read_to_string(fixture("atk/template.yaml")).unwrap();
    std::fs::write(
        pack.join("template.yaml"),
        schema.replacen("report: report.md", "report: parts/body.md", 1),
    )
    .unwrap();
    let body = "正文。\n";
    std::fs::write(pack.join("parts/body.md"), body).unwrap();
    let data = std::fs::read_to_string(fixture("F1/nofootnote.yaml")).unwrap();
    let data = data.replacen("report:\n", "report:\n  output: body\n", 1);
    assert!(data.contains("output: body"), "{data}");
    std::fs::write(d.path().join("d.yaml"), data).unwrap();
    let out = diaoyan(&[
        "render",
        d.path().join("d.yaml").to_str().unwrap(),
        "--template",
        pack.to_str().unwrap(),
        "-o",
        pack.join("parts").to_str().unwrap(),
        "--markdown",
        "--no-system-fonts",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("拒绝覆盖"), "{err}");
    assert_eq!(
        std::fs::read_to_string(pack.join("parts/body.md")).unwrap(),
        body
    );
    assert!(!pack.join("parts/body.pdf").exists(), "nothing is written");
}

/// F-lead: `batch -j 99999` on one file runs one worker (the count is capped at the files
/// and at 64), so it ends as quickly as `-j 1`; `-j 0` means every core.
#[test]
fn f_lead_batch_jobs_are_capped() {
    let d = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = diaoyan(&[
        "batch",
        fixture("F1/nofootnote.yaml").to_str().unwrap(),
        "--template",
        fixture("atk").to_str().unwrap(),
        "-o",
        d.path().to_str().unwrap(),
        "-j",
        "99999",
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    let opts = |jobs: usize, split: bool| diaoyan::batch::Options {
        inputs: Vec::new(),
        output: PathBuf::new(),
        jobs,
        formats: Vec::new(),
        split_by: split.then(|| "district".to_string()),
        shard: None,
        template: None,
        allow_missing_glyphs: false,
    };
    assert_eq!(diaoyan::batch::threads(&opts(99999, false), 1), 1);
    assert_eq!(diaoyan::batch::threads(&opts(99999, false), 500), 64);
    assert_eq!(diaoyan::batch::threads(&opts(99999, true), 1), 64);
    assert_eq!(diaoyan::batch::threads(&opts(0, false), 5), 1);
    assert_eq!(diaoyan::batch::threads(&opts(4, false), 5), 4);
}

/// F11: an unknown `group_by`, an id given to two tables, and an unknown chart kind are
/// template errors in Chinese naming the template file, with nothing written.
#[test]
fn f11_template_mistakes_are_refused_in_chinese() {
    for (data, pack, want) in [
        ("F11/d7.yaml", "F11/p7", "nosuch"),
        ("F11/d9.yaml", "F11/p9", "id “x” 已给了前面的表或图"),
        ("F11/d1.yaml", "F11/p1", "donut"),
    ] {
        let d = tempfile::tempdir().unwrap();
        let out = render(&fixture(data), &fixture(pack), d.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{pack}: accepted");
        assert!(err.contains(want), "{pack}: {err}");
        for english in ["unknown variant", "deserialization", "expected one of"] {
            assert!(!err.contains(english), "{pack}: {err}");
        }
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0, "{pack}");
    }
    // The valid kinds are listed.
    let d = tempfile::tempdir().unwrap();
    let out = render(&fixture("F11/d1.yaml"), &fixture("F11/p1"), d.path());
    let err = String::from_utf8_lossy(&out.stderr);
    for kind in ["bar", "stacked", "line", "pie"] {
        assert!(err.contains(kind), "{err}");
    }
    assert!(err.contains("report.md"), "{err}");
    // The duplicate id is named at its line (the second table(), line 3).
    let out = render(&fixture("F11/d9.yaml"), &fixture("F11/p9"), d.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("report.md:3"), "{err}");
}

/// F13: values near 2^53 whose sum is beyond it are refused with a Chinese message (their
/// 合计 and 平均 cannot be exact), exit 2, nothing written — rather than three different
/// wrong totals.
#[test]
fn f13_sums_beyond_two_to_the_53_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let out = render(&fixture("F13/bigsum.yaml"), &fixture("atk"), d.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("超出可精确计算的范围"), "{err}");
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    let out = diaoyan(&[
        "check",
        fixture("F13/bigsum.yaml").to_str().unwrap(),
        "--template",
        fixture("atk").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "check agrees with render");
}
