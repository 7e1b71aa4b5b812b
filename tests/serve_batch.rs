//! Batch in the browser, through the real server (`diaoyan serve`): many files or a zip
//! in, progress to the total, the reports byte-identical to `diaoyan batch` / `import` +
//! `render` of the same files, every failure listed with its problems as the CLI words
//! them, and the limits (zip bombs, too many files, nested zips, hostile names).

mod common;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::http::{Part, Server};
use serde_json::Value;

/// `diaoyan ARGS` run in `dir` (so the CLI prints the same relative names the server
/// shows); its standard output, after asserting the exit code.
fn cli_in(dir: &Path, args: &[&str], code: i32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("diaoyan runs");
    assert_eq!(
        out.status.code(),
        Some(code),
        "diaoyan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The seed with one number written as text: the CLI's problem is on line 25 (the first
/// unit's `caseload`).
fn bad_seed() -> Vec<u8> {
    let seed = std::fs::read_to_string(common::seed()).unwrap();
    assert!(seed.contains("    caseload: 4000\n"));
    seed.replacen("    caseload: 4000\n", "    caseload: 四千\n", 1)
        .into_bytes()
}

fn read(p: &str) -> Vec<u8> {
    std::fs::read(common::root().join(p)).unwrap()
}

/// Start a job; its 202 body.
fn start(s: &Server, parts: &[Part]) -> Value {
    let r = s.upload("/api/batch", parts);
    assert_eq!(r.status, 202, "{}", r.text());
    r.json()
}

/// Poll the job until it is done (at most 4 minutes on a busy 2-core machine); the final
/// status and every `done` seen.
fn wait(s: &Server, id: &str) -> (Value, Vec<u64>) {
    let t = Instant::now();
    let mut seen = Vec::new();
    loop {
        let r = s.get(&format!("/api/batch/{id}"));
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        seen.push(v["done"].as_u64().unwrap());
        if v["state"] == "done" {
            return (v, seen);
        }
        assert_eq!(v["state"], "running");
        assert!(
            t.elapsed() < Duration::from_secs(240),
            "job never finished: {v}"
        );
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// The results zip: (name, bytes) in the zip's order.
fn results(s: &Server, status: &Value) -> Vec<(String, Vec<u8>)> {
    let url = status["download"].as_str().expect("download link");
    let r = s.get(url);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/zip"));
    assert!(r
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment;")));
    let mut zip = zip::ZipArchive::new(Cursor::new(r.bytes.clone())).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().to_string(), b)
        })
        .collect()
}

/// Every file of `dir` by name.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Whether the workspace holds anything but the job folders.
fn job_dirs(ws: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(ws.join(".batch")) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn many_data_files_and_a_bad_one_give_the_clis_reports_and_failure_list() {
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("qingnianlu-2019.yaml", read("data/qingnianlu-2019.yaml")),
        ("township-2019.yaml", read("data/township-2019.yaml")),
        // `previous: township-2019.yaml`: the file uploaded beside it.
        ("township-2020.yaml", read("data/township-2020.yaml")),
        ("bad.yaml", bad_seed()),
    ];
    let s = Server::start();
    let parts: Vec<Part> = files
        .iter()
        .map(|(n, b)| Part::file("files", n, b))
        .collect();
    let job = start(&s, &parts);
    assert_eq!(job["total"], 4);
    let id = job["id"].as_str().unwrap();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let (status, seen) = wait(&s, id);
    // Progress only grows, and reaches the total.
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(status["done"], 4);
    assert_eq!(status["total"], 4);
    assert_eq!(status["ok"], 3, "{status}");
    assert_eq!(status["failed"], 1);

    // The CLI on the same files, from their folder.
    let cli = tempfile::tempdir().unwrap();
    for (n, b) in &files {
        std::fs::write(cli.path().join(n), b).unwrap();
    }
    let summary = cli_in(
        cli.path(),
        &[
            "batch",
            "--no-system-fonts",
            "-o",
            "out",
            "bad.yaml",
            "qingnianlu-2019.yaml",
            "township-2019.yaml",
            "township-2020.yaml",
        ],
        1,
    );
    let check = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["check", "bad.yaml"])
        .current_dir(cli.path())
        .output()
        .unwrap();
    let check = String::from_utf8(check.stderr).unwrap();
    let first = check.lines().next().unwrap();
    assert!(
        first.starts_with("bad.yaml:25:15: 青年路第一社区："),
        "{check}"
    );

    // The failure: the file as uploaded, the CLI's first line, the problem with its place.
    let f = &status["failures"][0];
    assert_eq!(f["file"], "bad.yaml");
    assert_eq!(f["error"], first);
    let p = &f["problems"][0];
    assert_eq!(p["text"], first);
    assert_eq!(p["file"], "bad.yaml");
    assert_eq!(p["line"], 25);
    assert_eq!(p["unit"], "青年路第一社区");
    assert_eq!(p["severity"], "error");
    assert!(p["source"].as_str().unwrap().contains("caseload: 四千"));

    // The zip: the CLI's files byte for byte, sorted, and the failure list that starts
    // with the CLI's summary.
    let got = results(&s, &status);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let mut want = files_of(&cli.path().join("out"));
    assert_eq!(want.len(), 6);
    let list = got
        .iter()
        .find(|(n, _)| n == "失败清单.txt")
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .expect("失败清单.txt");
    assert!(list.starts_with(&summary), "{list}\n---\n{summary}");
    assert!(summary.starts_with("完成 3 份报告，失败 1 份，写出 6 个文件\n  失败：bad.yaml："));
    assert!(list.contains("caseload: 四千"), "{list}");
    want.push(("失败清单.txt".into(), list.clone().into_bytes()));
    want.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(
        got_sorted.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        want.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((n, a), (_, b)) in got_sorted.iter().zip(&want) {
        assert!(a == b, "{n} differs from the CLI's");
    }
    // The same job again: the same zip, byte for byte.
    let again = start(&s, &parts);
    let (status2, _) = wait(&s, again["id"].as_str().unwrap());
    assert_eq!(results(&s, &status2), got);
    // Unknown or malformed ids.
    for bad in [
        "00000000000000000000000000000000",
        "..%2F..%2Fetc",
        "%2e%2e",
        "ABCDEF00000000000000000000000000",
    ] {
        let r = s.get(&format!("/api/batch/{bad}"));
        assert_eq!(r.status, 404, "{bad}: {}", r.text());
        assert!(r.json()["error"]
            .as_str()
            .unwrap()
            .contains("找不到这个批量任务"));
        let r = s.get(&format!("/api/batch/{bad}/reports.zip"));
        assert_eq!(r.status, 404, "{bad}");
    }
}

/// A data file of the `aggregate` test pack (no facts to fill, so its exported workbook
/// imports into a complete data file).
const AGGREGATE: &str = "template: aggregate
report:
  title: 网格化管理调研报告
  region: 青年路街道
  period: \"2024\"
units:
  - name: 甲社区
    households: 1200
    grids: 4
    income: 35.5
    residents: 3600
    score: 88.5
  - name: 乙社区
    households: 900
    grids: 3
    income: 20
    residents: 2500
    score: 91
";

#[test]
fn a_zip_of_spreadsheets_is_imported_with_a_workspace_pack() {
    // A workspace with its own pack, and that pack's filled workbook (`export`).
    let temp = tempfile::tempdir().unwrap();
    let ws = temp.path().join("ws");
    let pack = ws.join("templates/aggregate");
    std::fs::create_dir_all(&pack).unwrap();
    for f in ["template.yaml", "report.md"] {
        std::fs::copy(
            common::root()
                .join("tests/fixtures/packs/aggregate")
                .join(f),
            pack.join(f),
        )
        .unwrap();
    }
    let cli = tempfile::tempdir().unwrap();
    std::fs::write(cli.path().join("agg.yaml"), AGGREGATE).unwrap();
    let templates = ws.join("templates");
    let templates = templates.to_str().unwrap();
    cli_in(
        cli.path(),
        &[
            "export",
            "agg.yaml",
            "--template",
            templates,
            "-o",
            "sheet/agg.xlsx",
        ],
        0,
    );
    let xlsx = std::fs::read(cli.path().join("sheet/agg.xlsx")).unwrap();
    let inner = zip_of(&[("x.yaml", b"template: aggregate\n")]);
    let upload = zip_of(&[
        ("东城/agg.xlsx", &xlsx),
        ("西城/agg.xlsx", &xlsx),
        ("__MACOSX/东城/._agg.xlsx", b"\0\x05\x16\x07junk"),
        (".DS_Store", b"junk"),
        ("inner.zip", &inner),
    ]);
    let s = Server::start_in(&ws, &[]);
    // A spreadsheet needs a pack, and a pack that exists.
    let r = s.upload(
        "/api/batch",
        &[Part::file("files", "districts.zip", &upload)],
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.json()["error"],
        "上传表格时请选择模板：表格按所选模板导入为数据文件"
    );
    assert!(job_dirs(&ws).is_empty());
    let r = s.upload(
        "/api/batch",
        &[
            Part::text("template", "../templates/aggregate"),
            Part::file("files", "districts.zip", &upload),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("找不到模板"));

    let job = start(
        &s,
        &[
            Part::text("template", "aggregate"),
            Part::file("files", "districts.zip", &upload),
        ],
    );
    assert_eq!(job["total"], 3);
    let (status, _) = wait(&s, job["id"].as_str().unwrap());
    assert_eq!(status["ok"], 2, "{status}");
    assert_eq!(status["failed"], 1);
    let f = &status["failures"][0];
    assert_eq!(f["file"], "inner.zip");
    assert_eq!(
        f["error"],
        "inner.zip: 压缩包中的压缩包不会被打开：请先解压，再上传其中的文件"
    );

    // The CLI: import with the workspace pack, then render as the server does.
    std::fs::copy(
        cli.path().join("sheet/agg.xlsx"),
        cli.path().join("agg.xlsx"),
    )
    .unwrap();
    std::fs::remove_file(cli.path().join("agg.yaml")).unwrap();
    let pack = pack.to_str().unwrap();
    cli_in(cli.path(), &["import", "agg.xlsx", "--template", pack], 0);
    cli_in(
        cli.path(),
        &[
            "render",
            "agg.yaml",
            "--template",
            templates,
            "-o",
            "out",
            "--no-system-fonts",
        ],
        0,
    );
    let want = files_of(&cli.path().join("out"));
    assert_eq!(want.len(), 2);
    let got = results(&s, &status);
    let names: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    // The second district's workbook is the same report under a distinct name.
    assert_eq!(
        names,
        [
            "agg-2.docx",
            "agg-2.pdf",
            "agg.docx",
            "agg.pdf",
            "失败清单.txt"
        ]
    );
    for (n, b) in &want {
        let found = got.iter().find(|(m, _)| m == n);
        assert!(
            found.is_some_and(|(_, a)| a == b),
            "{n} differs from the CLI's"
        );
    }
    let list = String::from_utf8(got[4].1.clone()).unwrap();
    assert!(
        list.starts_with("完成 2 份报告，失败 1 份，写出 4 个文件\n  失败：inner.zip：inner.zip: 压缩包中的压缩包不会被打开"),
        "{list}"
    );
}

#[test]
fn limits_and_hostile_names_are_refused_or_neutralised() {
    let s = Server::start_with(&["--max-files", "3", "--max-upload-mb", "1"]);
    let ws = s.dir.clone();
    let error = |r: &common::http::Reply| r.json()["error"].as_str().unwrap().to_string();

    // A zip bomb: 20 MiB of zeros in a few KiB, over 8 × 1 MiB once inflated.
    let bomb = zip_of(&[("a.yaml", &vec![b'0'; 20 << 20])]);
    assert!(bomb.len() < 200 << 10);
    let r = s.upload("/api/batch", &[Part::file("files", "bomb.zip", &bomb)]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(
        error(&r),
        "解压后的总大小超过上限 8 MiB（上传大小上限的 8 倍）：请分几次上传"
    );
    // Several entries, each small enough, too much together.
    let part = vec![b'#'; 3 << 20];
    let bomb = zip_of(&[("a.yaml", &part), ("b.yaml", &part), ("c.yaml", &part)]);
    let r = s.upload("/api/batch", &[Part::file("files", "b.zip", &bomb)]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(error(&r).starts_with("解压后的总大小超过上限 8 MiB"));

    // A cross-site request (no CSRF header) starts nothing.
    let r = s
        .req("POST", "/api/batch")
        .multipart(&[Part::file("files", "a.yaml", b"x")])
        .send();
    assert_eq!(r.status, 403, "{}", r.text());

    // Too many files: in a zip, and uploaded one by one.
    let many = zip_of(&[
        ("1.yaml", b"x"),
        ("2.yaml", b"x"),
        ("3.yaml", b"x"),
        ("4.yaml", b"x"),
    ]);
    let r = s.upload("/api/batch", &[Part::file("files", "many.zip", &many)]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(
        error(&r),
        "文件太多：这次上传含 4 个文件，一次批量最多 3 个（--max-files）"
    );
    let parts: Vec<Part> = (0..4)
        .map(|k| Part::file("files", &format!("{k}.yaml"), b"x"))
        .collect();
    let r = s.upload("/api/batch", &parts);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(error(&r), "文件太多：一次批量最多 3 个（--max-files）");

    // A body over --max-upload-mb.
    let big = vec![b'#'; (1 << 20) + 1];
    let r = s.upload("/api/batch", &[Part::file("files", "big.yaml", &big)]);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(error(&r), "上传的文件太大：每次上传最多 1 MB");
    // Nothing was left of the refused uploads.
    assert!(job_dirs(&ws).is_empty(), "{:?}", job_dirs(&ws));

    // Hostile names: flattened to their last component (and made distinct), never a
    // path out of the job's folder. Each file fails fast (no data file), by its name.
    let not_data = b"just: text\n";
    let job = start(
        &s,
        &[
            Part::file("files", "../x.yaml", not_data),
            Part::file("files", "/etc/x.yaml", not_data),
            Part::file("files", "..\\..\\C:\\y.yml", not_data),
        ],
    );
    let (status, _) = wait(&s, job["id"].as_str().unwrap());
    let files: Vec<&str> = status["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["x-2.yaml", "x.yaml", "y.yml"], "{status}");
    for f in status["failures"].as_array().unwrap() {
        let text = f["problems"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("{}:", f["file"].as_str().unwrap())),
            "{text}"
        );
        assert!(!text.contains(ws.to_str().unwrap()), "{text}");
    }
    let parent = ws.parent().unwrap();
    assert!(!parent.join("x.yaml").exists() && !ws.join("x.yaml").exists());
    assert!(!Path::new("/etc/x.yaml").exists());

    // A zip's hostile entry names, and a data file reaching out of the upload.
    let evil = zip_of(&[
        ("../../evil.yaml", not_data),
        (
            "prev.yaml",
            b"template: community-survey\nprevious: /etc/passwd\nreport: {}\nunits: []\n",
        ),
    ]);
    let job = start(&s, &[Part::file("files", "evil.zip", &evil)]);
    let (status, _) = wait(&s, job["id"].as_str().unwrap());
    assert_eq!(status["failed"], 2, "{status}");
    assert_eq!(status["failures"][0]["file"], "evil.yaml");
    let prev = &status["failures"][1];
    assert_eq!(prev["file"], "prev.yaml");
    assert_eq!(
        prev["error"],
        "prev.yaml:2:1: “previous: /etc/passwd”指向上传的文件以外的位置；批量处理只读取一起上传的文件：上一期数据请一起上传并只写文件名，模板请写模板名称"
    );
    assert_eq!(prev["problems"][0]["field"], "previous");
    assert!(!parent.join("evil.yaml").exists());
    // Only the jobs' own folders were written.
    let mut top: Vec<String> = std::fs::read_dir(&ws)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, [".batch"], "{top:?}");
}
