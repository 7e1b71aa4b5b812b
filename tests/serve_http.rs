//! `diaoyan serve` over HTTP: every endpoint, the security cases, traversal attempts,
//! limits, two-tab conflicts, previews and downloads byte-identical to the CLI's.

mod common;

use std::path::Path;
use std::process::Command;

use common::http::{encode, Part, Request, Server};
use serde_json::{json, Value};

/// Create project `name` with the community-survey pack; returns its JSON.
fn create(s: &Server, name: &str) -> Value {
    let r = s.post_json(
        "/api/projects",
        &json!({"name": name, "template": "community-survey"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// Upload `bytes` as `file_name` into project `id` at `version`.
fn upload(
    s: &Server,
    id: &str,
    version: &str,
    file_name: &str,
    bytes: &[u8],
) -> common::http::Reply {
    s.upload(
        &format!("/api/projects/{}/upload", encode(id)),
        &[
            Part::text("base_version", version),
            Part::file("file", file_name, bytes),
        ],
    )
}

/// A project holding the seed data file (uploaded as YAML); returns its JSON.
fn seeded(s: &Server, name: &str) -> Value {
    let p = create(s, name);
    let seed = std::fs::read(common::seed()).unwrap();
    let r = upload(
        s,
        p["id"].as_str().unwrap(),
        p["version"].as_str().unwrap(),
        "qingnianlu-2019.yaml",
        &seed,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// `diaoyan ARGS` run in `dir`.
fn cli_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("diaoyan runs")
}

#[test]
fn serve_prints_its_address_and_serves_the_page_with_the_csrf_token() {
    let s = Server::start();
    assert!(
        s.banner[0].starts_with("diaoyan 工作台已启动：http://127.0.0.1:"),
        "{:?}",
        s.banner
    );
    assert!(s.banner[1].starts_with("工作区："), "{:?}", s.banner);
    assert_eq!(s.banner.get(2).map(String::as_str), Some("Ctrl-C 退出"));
    let csrf = s.csrf();
    assert_eq!(csrf.len(), 32);
    let page = s.get("/");
    assert_eq!(page.status, 200);
    assert!(page
        .text()
        .contains(&format!("<meta name=\"diaoyan-csrf\" content=\"{csrf}\">")));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'self'"));
    let js = s.get("/assets/app.js");
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(js.header("cache-control"), Some("no-cache"));
    assert_eq!(s.get("/assets/nope.js").status, 404);
    let session = s.get("/api/session").json();
    assert_eq!(session["limits"]["max_upload_mb"], 32);
    assert_eq!(session["limits"]["max_files"], 500);
    assert_eq!(session["limits"]["render_timeout_s"], 60);
    assert_eq!(session["version"], env!("CARGO_PKG_VERSION"));
    let missing = s.get("/api/nothing");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "没有这个地址");
}

#[test]
fn packs_are_listed_and_the_empty_form_downloads() {
    let s = Server::start();
    let packs = s.get("/api/packs").json();
    let cs = packs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "community-survey")
        .expect("community-survey listed");
    assert_eq!(cs["unit_label"], "社区");
    assert!(cs["problem"].is_null());
    let form = s.get("/api/packs/community-survey/form.xlsx");
    assert_eq!(form.status, 200, "{}", form.text());
    assert!(form.bytes.starts_with(b"PK"));
    assert_eq!(
        form.header("content-disposition"),
        Some(
            "attachment; filename=\"community-survey-__.xlsx\"; filename*=UTF-8''community-survey-%E8%A1%A8%E6%A0%BC.xlsx"
        )
    );
    // The same bytes as the library's form workbook (edit19's `init … 表格.xlsx`).
    assert_eq!(s.get("/api/packs/no-such-pack/form.xlsx").status, 404);
    assert_eq!(s.get("/api/packs/..%2F..%2Fetc/form.xlsx").status, 404);
}

#[test]
fn a_project_is_created_listed_and_refused_twice() {
    let s = Server::start();
    let p = create(&s, "青年路街道");
    assert_eq!(p["id"], "青年路街道");
    assert_eq!(p["template"], "community-survey");
    assert_eq!(p["version"].as_str().unwrap().len(), 16);
    assert!(s.dir.join("青年路街道/survey.yaml").is_file());
    // A fresh skeleton has problems (check's), no download of the report yet.
    assert!(!p["problems"].as_array().unwrap().is_empty());
    assert_eq!(p["files"]["docx"], false);
    assert_eq!(p["files"]["yaml"], true);
    let again = s.post_json(
        "/api/projects",
        &json!({"name": "青年路街道", "template": "community-survey"}),
    );
    assert_eq!(again.status, 409);
    assert_eq!(
        again.json()["error"],
        "项目“青年路街道”已存在，请直接打开它或换一个名称"
    );
    let empty = s.post_json(
        "/api/projects",
        &json!({"name": "  ", "template": "community-survey"}),
    );
    assert_eq!(empty.status, 400);
    assert_eq!(empty.json()["error"], "请填写项目名称");
    let dots = s.post_json(
        "/api/projects",
        &json!({"name": "../../x", "template": "community-survey"}),
    );
    // `../../x` becomes the safe name `_.._x`, inside the workspace.
    assert_eq!(dots.status, 201, "{}", dots.text());
    assert!(s.dir.join(dots.json()["id"].as_str().unwrap()).is_dir());
    assert!(!s.dir.parent().unwrap().join("x").exists());
    let unknown = s.post_json(
        "/api/projects",
        &json!({"name": "乙", "template": "no-such"}),
    );
    assert_eq!(unknown.status, 422, "{}", unknown.text());
    assert!(!s.dir.join("乙").exists());
    let list = s.get("/api/projects").json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"青年路街道"), "{ids:?}");
    let one = s.get(&format!("/api/projects/{}", encode("青年路街道")));
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["version"], p["version"]);
}

#[test]
fn traversal_attempts_never_leave_the_workspace() {
    let s = Server::start();
    create(&s, "甲");
    // A folder outside the workspace and a symlinked project folder.
    let outside = s.dir.parent().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("survey.yaml"), "template: community-survey\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, s.dir.join("link")).unwrap();
    for id in [
        "..",
        "%2e%2e",
        "%2E%2E",
        "..%2F..%2Foutside",
        "%2Fetc",
        "%2F",
        "a%5C..%5C..",
        "%5C..",
        "C%3A%5Cwindows",
        "%00",
        "%E7%94%B2%00",
        "templates",
        ".batch",
        "link",
        "%2Ftmp",
    ] {
        for path in [
            format!("/api/projects/{id}"),
            format!("/api/projects/{id}/download/yaml"),
            format!("/api/projects/{id}/preview/0000000000000000.pdf"),
        ] {
            let r = s.get(&path);
            assert_eq!(r.status, 404, "{path}: {}", r.text());
            assert!(!r.text().contains(s.dir.to_str().unwrap()));
        }
    }
    // A real project folder whose data file is a symlink to a file outside.
    #[cfg(unix)]
    {
        std::fs::create_dir_all(s.dir.join("乙")).unwrap();
        std::os::unix::fs::symlink(outside.join("survey.yaml"), s.dir.join("乙/survey.yaml"))
            .unwrap();
        for path in [
            "/api/projects/%E4%B9%99",
            "/api/projects/%E4%B9%99/download/yaml",
        ] {
            let r = s.get(path);
            assert_eq!(r.status, 404, "{path}: {}", r.text());
        }
        let listed = s.get("/api/projects").json();
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != "乙" && p["id"] != "link"));
    }
    // A raw `..` segment in the request target.
    let raw = s.req("GET", "/api/projects/../../etc/passwd").send();
    assert_eq!(raw.status, 404);
    // An upload's name is only ever a safe name under the project's uploads/.
    let p = s.get(&format!("/api/projects/{}", encode("甲"))).json();
    let r = upload(
        &s,
        "甲",
        p["version"].as_str().unwrap(),
        "../../../escape.yaml",
        b"template: community-survey\n",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(s.dir.join("甲/uploads/escape.yaml").is_file());
    assert!(!s.dir.parent().unwrap().join("escape.yaml").exists());
    let r = upload(
        &s,
        "甲",
        r.json()["version"].as_str().unwrap(),
        "x.exe",
        b"MZ",
    );
    assert_eq!(r.status, 422);
}

#[test]
fn csrf_origin_and_host_are_checked() {
    let s = Server::start();
    let body = json!({"name": "甲", "template": "community-survey"});
    let no_csrf = s.req("POST", "/api/projects").json(&body).send();
    assert_eq!(no_csrf.status, 403);
    assert!(no_csrf.json()["error"]
        .as_str()
        .unwrap()
        .contains("X-Diaoyan-CSRF"));
    let wrong = s
        .req("POST", "/api/projects")
        .csrf("0123456789abcdef0123456789abcdef")
        .json(&body)
        .send();
    assert_eq!(wrong.status, 403);
    let cross = s
        .req("POST", "/api/projects")
        .csrf(&s.csrf())
        .header("Origin", "http://evil.example")
        .json(&body)
        .send();
    assert_eq!(cross.status, 403);
    assert_eq!(cross.json()["error"], "拒绝跨站请求：请求来自其他网站");
    let site = s
        .req("POST", "/api/projects")
        .csrf(&s.csrf())
        .header("Sec-Fetch-Site", "cross-site")
        .json(&body)
        .send();
    assert_eq!(site.status, 403);
    let same = s
        .req("POST", "/api/projects")
        .csrf(&s.csrf())
        .header("Origin", &s.base)
        .header("Sec-Fetch-Site", "same-origin")
        .json(&body)
        .send();
    assert_eq!(same.status, 201, "{}", same.text());
    // DNS rebinding: another host name for this address.
    let rebound = s
        .req("GET", "/api/session")
        .host(Some(&format!("evil.example:{}", s.port())))
        .send();
    assert_eq!(rebound.status, 403);
    let localhost = s
        .req("GET", "/api/session")
        .host(Some(&format!("localhost:{}", s.port())))
        .send();
    assert_eq!(localhost.status, 200);
    // Nothing was created by the refused requests: one project only.
    assert_eq!(s.get("/api/projects").json().as_array().unwrap().len(), 1);
}

#[test]
fn a_token_is_required_when_set() {
    let s = Server::start_with(&["--token", "s3cret"]);
    assert!(
        s.printed_url().ends_with("/?token=s3cret"),
        "{:?}",
        s.banner
    );
    let bare = Request::new(&s.host, "GET", "/api/session").send();
    assert_eq!(bare.status, 401);
    assert!(bare.json()["error"].as_str().unwrap().contains("访问令牌"));
    let page = Request::new(&s.host, "GET", "/").send();
    assert_eq!(page.status, 401);
    let wrong = Request::new(&s.host, "GET", "/api/session")
        .header("Authorization", "Bearer nope")
        .send();
    assert_eq!(wrong.status, 401);
    let bearer = s.get("/api/session");
    assert_eq!(bearer.status, 200);
    let cookie = Request::new(&s.host, "GET", "/api/session")
        .header("Cookie", "a=b; diaoyan_token=s3cret")
        .send();
    assert_eq!(cookie.status, 200);
    let login = Request::new(&s.host, "GET", "/?token=s3cret").send();
    assert_eq!(login.status, 303);
    assert_eq!(login.header("location"), Some("/"));
    assert_eq!(
        login.header("set-cookie"),
        Some("diaoyan_token=s3cret; HttpOnly; SameSite=Strict; Path=/")
    );
    let bad_login = Request::new(&s.host, "GET", "/?token=nope").send();
    assert_eq!(bad_login.status, 401);
}

#[test]
fn a_remote_bind_without_a_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["serve", "--bind", "0.0.0.0", "--port", "0", "--dir"])
        .arg(dir.path().join("ws"))
        .env_remove("DIAOYAN_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "拒绝在 0.0.0.0 上监听：绑定到本机以外的地址必须用 --token（或环境变量 DIAOYAN_TOKEN）设置访问令牌"
    );
    assert!(!dir.path().join("ws").exists());
}

#[test]
fn an_upload_over_the_limit_is_413() {
    let s = Server::start_with(&["--max-upload-mb", "1"]);
    let p = create(&s, "甲");
    let big = vec![b'a'; 2 << 20];
    let r = upload(&s, "甲", p["version"].as_str().unwrap(), "big.csv", &big);
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"], "上传的文件太大：每次上传最多 1 MB");
    let huge_json = json!({"text": "字".repeat(1 << 20)});
    let r = s.post_json("/api/markdown", &huge_json);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"], "请求内容太大（最多 2 MB）");
    assert!(!s.dir.join("甲/uploads/big.csv").exists());
}

#[test]
fn two_tabs_do_not_overwrite_each_other() {
    let s = Server::start();
    let p = create(&s, "甲");
    let v0 = p["version"].as_str().unwrap().to_string();
    let mut form = p["form"].clone();
    form["report"]["title"] = json!("第一个标签页的标题");
    let first = s.put_json(
        &format!("/api/projects/{}/form", encode("甲")),
        &json!({"base_version": v0, "form": form}),
    );
    assert_eq!(first.status, 200, "{}", first.text());
    let v1 = first.json()["version"].as_str().unwrap().to_string();
    assert_ne!(v0, v1);
    let on_disk = std::fs::read_to_string(s.dir.join("甲/survey.yaml")).unwrap();
    assert!(on_disk.contains("第一个标签页的标题"));
    // The second tab still has v0.
    let mut other = p["form"].clone();
    other["report"]["title"] = json!("第二个标签页的标题");
    let second = s.put_json(
        &format!("/api/projects/{}/form", encode("甲")),
        &json!({"base_version": v0, "form": other}),
    );
    assert_eq!(second.status, 409);
    let body = second.json();
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("数据文件已在别处修改"));
    assert_eq!(body["current"]["version"], v1);
    assert_eq!(
        body["current"]["form"]["report"]["title"],
        "第一个标签页的标题"
    );
    assert_eq!(
        std::fs::read_to_string(s.dir.join("甲/survey.yaml")).unwrap(),
        on_disk
    );
    // A change made outside (the CLI, an editor) is a conflict too.
    std::fs::write(
        s.dir.join("甲/survey.yaml"),
        format!("{on_disk}\n# 编辑器\n"),
    )
    .unwrap();
    let third = s.put_json(
        &format!("/api/projects/{}/form", encode("甲")),
        &json!({"base_version": v1, "form": form}),
    );
    assert_eq!(third.status, 409);
    let preview = s.post_json(
        &format!("/api/projects/{}/preview", encode("甲")),
        &json!({"base_version": v1}),
    );
    assert_eq!(preview.status, 409);
}

#[test]
fn preview_of_the_seed_and_downloads_equal_the_cli() {
    let s = Server::start();
    let p = seeded(&s, "青年路");
    assert_eq!(p["problems"], json!([]), "{p}");
    assert_eq!(p["units"], 12);
    assert_eq!(p["unit_label"], "社区");
    assert_eq!(p["files"]["docx"], true);
    let version = p["version"].as_str().unwrap();
    let r = s.post_json(
        &format!("/api/projects/{}/preview", encode("青年路")),
        &json!({"base_version": version}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let preview = r.json();
    assert_eq!(preview["ok"], true);
    assert_eq!(preview["version"], version);
    let pdf_url = preview["pdf"].as_str().unwrap();
    assert_eq!(
        pdf_url,
        format!("/api/projects/%E9%9D%92%E5%B9%B4%E8%B7%AF/preview/{version}.pdf")
    );
    let pdf = s.get(pdf_url);
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    // The CLI's render of the project's data file, with the same fonts.
    let cli_out = tempfile::tempdir().unwrap();
    let out = cli_in(
        &common::root(),
        &[
            "render",
            s.dir.join("青年路/survey.yaml").to_str().unwrap(),
            "-o",
            cli_out.path().to_str().unwrap(),
            "--no-system-fonts",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_pdf = std::fs::read(cli_out.path().join("qingnianlu-2019.pdf")).unwrap();
    let cli_docx = std::fs::read(cli_out.path().join("qingnianlu-2019.docx")).unwrap();
    assert!(pdf.bytes == cli_pdf, "preview PDF differs from the CLI's");
    let docx = s.get(&format!("/api/projects/{}/download/docx", encode("青年路")));
    assert_eq!(docx.status, 200, "{}", docx.text());
    assert!(
        docx.bytes == cli_docx,
        "downloaded DOCX differs from the CLI's"
    );
    assert_eq!(
        docx.header("content-disposition"),
        Some(
            "attachment; filename=\"qingnianlu-2019.docx\"; filename*=UTF-8''qingnianlu-2019.docx"
        )
    );
    let dl_pdf = s.get(&format!("/api/projects/{}/download/pdf", encode("青年路")));
    assert!(
        dl_pdf.bytes == cli_pdf,
        "downloaded PDF differs from the CLI's"
    );
    // Written into the project's output/ as `render` writes them.
    assert!(std::fs::read(s.dir.join("青年路/output/qingnianlu-2019.docx")).unwrap() == cli_docx);
    assert!(std::fs::read(s.dir.join("青年路/output/qingnianlu-2019.pdf")).unwrap() == cli_pdf);
    let yaml = s.get(&format!("/api/projects/{}/download/yaml", encode("青年路")));
    assert_eq!(yaml.bytes, std::fs::read(common::seed()).unwrap());
    let xlsx = s.get(&format!("/api/projects/{}/download/xlsx", encode("青年路")));
    assert_eq!(xlsx.status, 200);
    // The filled workbook imports with the CLI into the same units.
    let wb = cli_out.path().join("filled.xlsx");
    std::fs::write(&wb, &xlsx.bytes).unwrap();
    let out = cli_in(
        cli_out.path(),
        &[
            "import",
            "filled.xlsx",
            "--template",
            "community-survey",
            "-o",
            "back.yaml",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "back.yaml：12 个社区"
    );
    assert_eq!(
        s.get(&format!("/api/projects/{}/download/exe", encode("青年路")))
            .status,
        404
    );
}

#[test]
fn a_failing_preview_lists_its_problems_with_unit_and_field() {
    let s = Server::start();
    seeded(&s, "甲");
    let path = s.dir.join("甲/survey.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // One unit's total no longer matches its parts.
    let bad = text.replacen("total: ", "total: 9999", 1);
    assert_ne!(bad, text);
    std::fs::write(&path, &bad).unwrap();
    let p = s.get(&format!("/api/projects/{}", encode("甲"))).json();
    let version = p["version"].as_str().unwrap();
    let r = s.post_json(
        &format!("/api/projects/{}/preview", encode("甲")),
        &json!({"base_version": version}),
    );
    assert_eq!(r.status, 200);
    let body = r.json();
    assert_eq!(body["ok"], false);
    let problems = body["problems"].as_array().unwrap();
    assert!(!problems.is_empty());
    // The same first lines as `diaoyan check`, run in the workspace on the same file.
    let out = cli_in(&s.dir, &["check", "甲/survey.yaml", "--no-system-fonts"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for p in problems {
        let text = p["text"].as_str().unwrap();
        assert!(stderr.contains(text), "{text} not in {stderr}");
        assert_eq!(p["file"], "甲/survey.yaml");
        assert_eq!(p["severity"], "error");
    }
    assert!(problems
        .iter()
        .any(|p| p["unit"].is_string() && p["line"].is_number()));
    let download = s.get(&format!("/api/projects/{}/download/docx", encode("甲")));
    assert_eq!(download.status, 422);
    assert!(!download.json()["problems"].as_array().unwrap().is_empty());
    // The server still serves.
    assert_eq!(s.get("/api/session").status, 200);
}

#[test]
fn a_spreadsheet_upload_is_checked_alone_then_merged() {
    let s = Server::start();
    seeded(&s, "甲");
    let xlsx = s
        .get(&format!("/api/projects/{}/download/xlsx", encode("甲")))
        .bytes;
    let q = create(&s, "乙");
    let r = upload(
        &s,
        "乙",
        q["version"].as_str().unwrap(),
        "社区统计.xlsx",
        &xlsx,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let merged = r.json();
    assert_eq!(merged["units"], 12);
    assert!(s.dir.join("乙/uploads/社区统计.xlsx").is_file());
    assert_ne!(merged["version"], q["version"]);
    // A broken spreadsheet is refused with the CLI's problems and changes nothing.
    let before = std::fs::read(s.dir.join("乙/survey.yaml")).unwrap();
    let r = upload(
        &s,
        "乙",
        merged["version"].as_str().unwrap(),
        "坏.xlsx",
        b"not a workbook",
    );
    assert_eq!(r.status, 422, "{}", r.text());
    let body = r.json();
    assert_eq!(body["error"], "上传的文件有问题，数据文件未改动");
    let problem = &body["problems"][0];
    assert!(problem["text"]
        .as_str()
        .unwrap()
        .starts_with("乙/uploads/坏.xlsx"));
    assert_eq!(std::fs::read(s.dir.join("乙/survey.yaml")).unwrap(), before);
    let out = cli_in(
        &s.dir,
        &[
            "import",
            "乙/uploads/坏.xlsx",
            "--template",
            "community-survey",
            "-o",
            "x.yaml",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains(problem["text"].as_str().unwrap()),
        "{stderr} vs {problem}"
    );
    // A stale version is a conflict.
    let r = upload(
        &s,
        "乙",
        q["version"].as_str().unwrap(),
        "社区统计.xlsx",
        &xlsx,
    );
    assert_eq!(r.status, 409);
}

#[test]
fn markdown_preview_is_safe_and_names_what_check_refuses() {
    let s = Server::start();
    let r = s.post_json(
        "/api/markdown",
        &json!({"text": "第一段**重点**。\n\n<script>alert(1)</script>\n\n# 标题\n"}),
    );
    assert_eq!(r.status, 200);
    let body = r.json();
    let html = body["html"].as_str().unwrap();
    assert!(html.contains("<strong>重点</strong>"));
    assert!(!html.contains("<script>"));
    let lines: Vec<i64> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 5]);
    assert!(body["problems"][1]["text"]
        .as_str()
        .unwrap()
        .starts_with("这一行会成为标题"));
    let bad = s
        .req("POST", "/api/markdown")
        .csrf(&s.csrf())
        .body("application/json", b"{not json".to_vec())
        .send();
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("请求内容不是有效的 JSON"));
}

/// `xlsx` with the cell `D3` of its first sheet (the first unit's 居民户数) made the text
/// `两千多`.
fn with_text_in_d3(xlsx: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut changed = false;
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let text = String::from_utf8(bytes).unwrap();
            let cell = text
                .split("<c r=\"D3\"")
                .nth(1)
                .and_then(|rest| rest.split("</c>").next())
                .map(|inner| format!("<c r=\"D3\"{inner}</c>"))
                .expect("a D3 cell");
            let new = text.replacen(
                &cell,
                "<c r=\"D3\" t=\"inlineStr\"><is><t>两千多</t></is></c>",
                1,
            );
            changed = new != text;
            bytes = new.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    assert!(changed);
    out.finish().unwrap().into_inner()
}

#[test]
fn a_text_in_a_number_cell_is_shown_with_its_cell_then_fixed() {
    let s = Server::start();
    seeded(&s, "甲");
    let good = s
        .get(&format!("/api/projects/{}/download/xlsx", encode("甲")))
        .bytes;
    let bad = with_text_in_d3(&good);
    let q = create(&s, "乙");
    let v = q["version"].as_str().unwrap();
    let r = upload(&s, "乙", v, "社区统计.xlsx", &bad);
    assert_eq!(r.status, 422, "{}", r.text());
    let body = r.json();
    let first = &body["problems"][0];
    assert_eq!(
        first["text"],
        "乙/uploads/社区统计.xlsx: 青年路第一社区：工作表“社区数据”D3：居民户数（户）应是数字，不是“两千多”"
    );
    assert_eq!(first["unit"], "青年路第一社区");
    assert_eq!(first["file"], "乙/uploads/社区统计.xlsx");
    // Exactly what `diaoyan import` says, run in the workspace on the stored file.
    let out = cli_in(
        &s.dir,
        &[
            "import",
            "乙/uploads/社区统计.xlsx",
            "--template",
            "community-survey",
            "-o",
            "x.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let texts: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(stderr.trim_end().lines().collect::<Vec<_>>(), texts);
    // Fixed: the same version (nothing changed) takes the good workbook.
    let r = upload(&s, "乙", v, "社区统计.xlsx", &good);
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(p["units"], 12);
}

#[test]
fn a_yaml_upload_must_name_a_known_pack() {
    let s = Server::start();
    let p = create(&s, "甲");
    let v = p["version"].as_str().unwrap();
    let before = std::fs::read(s.dir.join("甲/survey.yaml")).unwrap();
    let r = upload(&s, "甲", v, "x.yaml", b"report:\n  title: t\n");
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        r.json()["problems"][0]["text"],
        "甲/uploads/x.yaml: 这不是 diaoyan 的数据文件：缺少 template:（模板名称）"
    );
    let r = upload(&s, "甲", v, "y.yml", b"template: no-such-pack\n");
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(std::fs::read(s.dir.join("甲/survey.yaml")).unwrap(), before);
    let r = upload(&s, "甲", v, "z.yaml", &[0xff, 0xfe, 0x00]);
    assert_eq!(r.status, 422);
    assert_eq!(std::fs::read(s.dir.join("甲/survey.yaml")).unwrap(), before);
}

#[test]
fn the_reports_facts_are_filled_through_the_form() {
    let s = Server::start();
    let p = create(&s, "丙");
    // The seed with its three declared facts left to fill (as after a workbook upload).
    let seed = std::fs::read_to_string(common::seed()).unwrap();
    let blank = seed
        .replace(
            "funding: { office: 15000, party: 20000 }",
            "funding: { office: ~, party: ~ }",
        )
        .replace("seniority_raise: 15", "seniority_raise: ~");
    assert_ne!(blank, seed);
    let r = upload(
        &s,
        "丙",
        p["version"].as_str().unwrap(),
        "丙.yaml",
        blank.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    let problems = p["problems"].to_string();
    assert!(problems.contains("facts.funding.office"), "{problems}");
    let facts = p["form"]["facts"].as_array().expect("facts in the form");
    let paths: Vec<&str> = facts.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["funding.office", "funding.party", "seniority_raise"],
        "{facts:?}"
    );
    assert!(facts.iter().all(|f| f["value"] == ""), "{facts:?}");
    assert!(facts
        .iter()
        .all(|f| !f["label"].as_str().unwrap().is_empty() && f["unit"] == "元"));
    let mut form = p["form"].clone();
    for (i, v) in ["15000", "20000", "15"].into_iter().enumerate() {
        form["facts"][i]["value"] = json!(v);
        // A label sent by the client is not what is written: the pack's is.
        form["facts"][i]["label"] = json!("客户端\n# 注入");
    }
    let r = s.put_json(
        &format!("/api/projects/{}/form", encode("丙")),
        &json!({"base_version": p["version"], "form": form}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let after = r.json();
    assert_eq!(after["problems"], json!([]), "{}", after["problems"]);
    assert_eq!(after["form"]["facts"][0]["value"], "15000");
    let on_disk = std::fs::read_to_string(s.dir.join("丙/survey.yaml")).unwrap();
    assert!(!on_disk.contains("客户端"), "{on_disk}");
    let facts_yaml: Value = serde_yaml::from_str::<serde_yaml::Value>(&on_disk)
        .map(|y| serde_json::to_value(&y["facts"]).unwrap())
        .unwrap();
    assert_eq!(
        facts_yaml,
        json!({"funding": {"office": 15000, "party": 20000}, "seniority_raise": 15, "admin_share": 0.6})
    );
    let out = cli_in(&s.dir, &["check", "丙/survey.yaml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
