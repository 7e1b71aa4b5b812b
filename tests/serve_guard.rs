//! `diaoyan serve` under a tester's attacks (issue 19, attack19): a render past the time
//! limit leaves the project usable (F7), API reads from another site are refused (F8), an
//! uploaded YAML with a syntax error is told at its line in the CLI's words (F1), the
//! browser's favicon request is not a 404 (F9).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::http::{encode, Part, Server};
use serde_json::json;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/serve")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A render that takes longer than `--render-timeout` (a workspace pack whose template
/// writes tens of thousands of paragraphs): the upload is saved and says so (200, the
/// timeout as the project's problem), the project still opens within the limit, and
/// reopening it does not start a second render.
#[test]
fn a_render_past_the_time_limit_leaves_the_project_usable() {
    let temp = tempfile::tempdir().unwrap();
    let ws = temp.path().join("ws");
    copy_dir(&fixture("slow-pack"), &ws.join("templates/slow-pack"));
    let s = Server::start_in(&ws, &["--render-timeout", "1"]);
    let r = s.post_json("/api/projects", &json!({"name": "慢", "template": "slow"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let version = r.json()["version"].as_str().unwrap().to_string();
    let yaml = std::fs::read(fixture("slow.yaml")).unwrap();
    let t = Instant::now();
    let r = s.upload(
        &format!("/api/projects/{}/upload", encode("慢")),
        &[
            Part::text("base_version", &version),
            Part::file("file", "slow.yaml", &yaml),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    let problems = p["problems"].to_string();
    assert!(problems.contains("生成超时（超过 1 秒）"), "{problems}");
    assert_eq!(
        std::fs::read(ws.join("慢/survey.yaml")).unwrap(),
        yaml,
        "the upload is saved"
    );
    // Reopening while the render goes on: answered within the limit (plus slack), 200.
    for _ in 0..3 {
        let t = Instant::now();
        let r = s.get(&format!("/api/projects/{}", encode("慢")));
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.json()["problems"].to_string().contains("生成超时"));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }
    assert!(t.elapsed() < Duration::from_secs(30));
}

/// A browser names the requesting site: an API read from another site is refused (403),
/// the page's own reads and navigations are not.
#[test]
fn api_reads_from_another_site_are_refused() {
    let s = Server::start();
    let cross = s
        .req("GET", "/api/projects")
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "no-cors")
        .send();
    assert_eq!(cross.status, 403, "{}", cross.text());
    assert!(cross.text().contains("拒绝跨站请求"), "{}", cross.text());
    let same_site = s
        .req("GET", "/api/packs")
        .header("Sec-Fetch-Site", "same-site")
        .header("Sec-Fetch-Mode", "cors")
        .send();
    assert_eq!(same_site.status, 403);
    let own = s
        .req("GET", "/api/projects")
        .header("Sec-Fetch-Site", "same-origin")
        .header("Sec-Fetch-Mode", "cors")
        .send();
    assert_eq!(own.status, 200, "{}", own.text());
    // A download link opened from elsewhere is a navigation: allowed (nothing is read
    // by the other site).
    let nav = s
        .req("GET", "/api/packs/community-survey/form.xlsx")
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "navigate")
        .send();
    assert_eq!(nav.status, 200);
    assert_eq!(s.get("/favicon.ico").status, 204);
}

/// An uploaded YAML with a syntax error: refused (422) with `diaoyan check`'s own words
/// and line, and the project's data file unchanged.
#[test]
fn an_uploaded_yaml_with_a_syntax_error_is_told_at_its_line() {
    let s = Server::start();
    let r = s.post_json(
        "/api/projects",
        &json!({"name": "p", "template": "community-survey"}),
    );
    assert_eq!(r.status, 201);
    let version = r.json()["version"].as_str().unwrap().to_string();
    let bad = std::fs::read(fixture("bad-syntax.yaml")).unwrap();
    let r = s.upload(
        "/api/projects/p/upload",
        &[
            Part::text("base_version", &version),
            Part::file("file", "bad-syntax.yaml", &bad),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .arg("check")
        .arg(fixture("bad-syntax.yaml"))
        .output()
        .unwrap();
    let cli_err = String::from_utf8_lossy(&cli.stderr).to_string();
    let first = cli_err.lines().next().unwrap();
    // `…/bad-syntax.yaml:29:14: YAML 格式错误：…` — the same text after the file name.
    let tail = &first[first.find("bad-syntax.yaml").unwrap()..];
    assert!(
        tail.starts_with("bad-syntax.yaml:29:14: YAML 格式错误"),
        "{tail}"
    );
    let text = r.json()["problems"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(text, format!("p/uploads/{tail}"));
}
