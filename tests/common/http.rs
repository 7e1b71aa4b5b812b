//! A tiny HTTP/1.1 client for the `diaoyan serve` tests (no dependency): start the real
//! binary on `--port 0` with a temporary workspace ([`Server::start`]), then send requests
//! with [`Server::get`], [`Server::post_json`], [`Server::put_json`], [`Server::upload`]
//! (multipart) or [`Server::request`] (anything), and read a [`Reply`]'s status, headers,
//! bytes or JSON. The server process is killed when the [`Server`] is dropped.
//!
//! Requests built with the helpers carry the right `Host` and, for anything but GET/HEAD,
//! the CSRF header (read once from `GET /api/session`) and the token (when the server was
//! started with one). Use [`Request`] directly to leave any of them out.
//!
//! ```ignore
//! mod common;
//! use common::http::{Server, Part};
//! let s = Server::start();
//! let r = s.post_json("/api/projects", &serde_json::json!({"name": "青年路", "template": "community-survey"}));
//! assert_eq!(r.status, 201, "{}", r.text());
//! let p = r.json();
//! let up = s.upload(&format!("/api/projects/{}/upload", s.enc(p["id"].as_str().unwrap())),
//!     &[Part::text("base_version", p["version"].as_str().unwrap()),
//!       Part::file("file", "x.xlsx", &bytes)]);
//! ```

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `diaoyan serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing slash, no token).
    pub base: String,
    /// `127.0.0.1:PORT`, for the socket and the `Host` header.
    pub host: String,
    /// The token the server was started with, if any.
    pub token: Option<String>,
    /// The CSRF token (from `GET /api/session`), once read.
    csrf: std::sync::OnceLock<String>,
    /// The workspace folder (a temporary folder unless given).
    pub dir: PathBuf,
    /// The first lines the server printed on standard output.
    pub banner: Vec<String>,
    _temp: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `diaoyan serve --port 0 --dir <temp> --no-system-fonts` (bundled fonts only, as
    /// `render_seed` uses, so downloads compare byte for byte with the CLI's).
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    /// As [`Server::start`], with extra arguments (e.g. `["--token", "t"]`).
    pub fn start_with(args: &[&str]) -> Server {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("ws");
        let mut s = Self::start_in(&dir, args);
        s._temp = Some(temp);
        s
    }

    /// As [`Server::start`] with the workspace `dir` (kept after the server stops).
    pub fn start_in(dir: &Path, args: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_diaoyan"));
        cmd.arg("serve")
            .args(["--port", "0", "--dir"])
            .arg(dir)
            .arg("--no-system-fonts")
            .args(args)
            .env_remove("DIAOYAN_TOKEN")
            .current_dir(super::root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("diaoyan serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    banner.push(line.clone());
                    if let Some(i) = line.find("http://") {
                        break line[i..].trim().to_string();
                    }
                }
                _ => {
                    let status = child.wait();
                    panic!("diaoyan serve printed no address ({status:?}); banner: {banner:?}");
                }
            }
        };
        // The two lines after the address (workspace, Ctrl-C), then keep draining stdout
        // so the server never blocks on a full pipe.
        for _ in 0..2 {
            if let Some(Ok(l)) = lines.next() {
                banner.push(l);
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let rest = url.trim_start_matches("http://");
        let host = rest.split('/').next().unwrap_or_default().to_string();
        let token = url.split_once("?token=").map(|(_, t)| t.to_string());
        Server {
            child,
            base: format!("http://{host}"),
            host,
            token,
            csrf: std::sync::OnceLock::new(),
            dir: dir.to_path_buf(),
            banner,
            _temp: None,
        }
    }

    /// The URL the server printed on its first line with `http://`.
    pub fn printed_url(&self) -> &str {
        self.banner
            .iter()
            .find_map(|l| l.find("http://").map(|i| &l[i..]))
            .unwrap_or("")
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.host
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port")
    }

    /// The CSRF token (read from `GET /api/session` the first time).
    pub fn csrf(&self) -> String {
        self.csrf
            .get_or_init(|| {
                let r = self.get("/api/session");
                assert_eq!(r.status, 200, "session: {}", r.text());
                r.json()["csrf"].as_str().expect("csrf").to_string()
            })
            .clone()
    }

    /// Percent-encode one path segment (UTF-8), as the page's `encodeURIComponent`.
    pub fn enc(&self, segment: &str) -> String {
        encode(segment)
    }

    /// A request to `path` with the right Host and (when set) the token as a bearer; add
    /// the CSRF header with [`Request::csrf`].
    pub fn req(&self, method: &str, path: &str) -> Request {
        let mut r = Request::new(&self.host, method, path);
        if let Some(t) = &self.token {
            r = r.header("Authorization", &format!("Bearer {t}"));
        }
        r
    }

    /// `GET path` (token when set).
    pub fn get(&self, path: &str) -> Reply {
        self.req("GET", path).send()
    }

    /// `POST path` with a JSON body (token, CSRF).
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.req("POST", path).csrf(&self.csrf()).json(body).send()
    }

    /// `PUT path` with a JSON body (token, CSRF).
    pub fn put_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.req("PUT", path).csrf(&self.csrf()).json(body).send()
    }

    /// `POST path` as `multipart/form-data` with `parts` (token, CSRF).
    pub fn upload(&self, path: &str, parts: &[Part]) -> Reply {
        self.req("POST", path)
            .csrf(&self.csrf())
            .multipart(parts)
            .send()
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server process's id (e.g. to read its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// `s` percent-encoded for a path segment or query value (unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One part of a multipart body.
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name (a file part) or `None` (a text field).
    pub filename: Option<String>,
    /// The content type of a file part.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Part {
    /// A text field.
    pub fn text(name: &str, value: &str) -> Part {
        Part {
            name: name.into(),
            filename: None,
            content_type: String::new(),
            bytes: value.as_bytes().to_vec(),
        }
    }

    /// A file field.
    pub fn file(name: &str, filename: &str, bytes: &[u8]) -> Part {
        Part {
            name: name.into(),
            filename: Some(filename.into()),
            content_type: "application/octet-stream".into(),
            bytes: bytes.to_vec(),
        }
    }
}

/// A request being built; [`Request::send`] opens a fresh connection (`Connection:
/// close`) and reads the whole reply.
pub struct Request {
    /// Where to connect (`127.0.0.1:PORT`).
    pub addr: String,
    /// The method.
    pub method: String,
    /// The request target, sent as is (so tests can send raw `%2e%2e` or `..`).
    pub path: String,
    /// Headers in order (Host first unless replaced with [`Request::host`]).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Read timeout.
    pub timeout: Duration,
}

impl Request {
    /// `METHOD path` to `addr`, with `Host: addr`.
    pub fn new(addr: &str, method: &str, path: &str) -> Request {
        Request {
            addr: addr.into(),
            method: method.into(),
            path: path.into(),
            headers: vec![("Host".into(), addr.into())],
            body: Vec::new(),
            timeout: Duration::from_secs(180),
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replace the Host header (`None`: send none).
    pub fn host(mut self, host: Option<&str>) -> Request {
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
        if let Some(h) = host {
            self.headers.insert(0, ("Host".into(), h.into()));
        }
        self
    }

    /// Remove every header named `name`.
    pub fn without(mut self, name: &str) -> Request {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// Add `X-Diaoyan-CSRF: token`.
    pub fn csrf(self, token: &str) -> Request {
        self.header("X-Diaoyan-CSRF", token)
    }

    /// A JSON body.
    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.body = serde_json::to_vec(body).expect("json");
        self.header("Content-Type", "application/json")
    }

    /// A raw body with its content type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Request {
        self.body = body;
        self.header("Content-Type", content_type)
    }

    /// A `multipart/form-data` body of `parts`.
    pub fn multipart(mut self, parts: &[Part]) -> Request {
        let boundary = "----diaoyan-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for p in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match &p.filename {
                Some(f) => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                            p.name, f, p.content_type
                        )
                        .as_bytes(),
                    );
                }
                None => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                        p.name
                    )
                    .as_bytes(),
                ),
            }
            body.extend_from_slice(&p.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.body = body;
        self.header(
            "Content-Type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
    }

    /// Send the request and read the whole reply.
    pub fn send(self) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("connect to the server");
        stream.set_read_timeout(Some(self.timeout)).ok();
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        stream.write_all(head.as_bytes()).expect("send head");
        // A server may answer (413) before reading the whole body and close: ignore a
        // failed write of the rest, read what it answered.
        let _ = stream.write_all(&self.body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        Reply::parse(&raw)
    }
}

/// A reply: status, headers (names lowercased), body bytes (chunked encoding undone).
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code (0 when the server sent nothing).
    pub status: u16,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub bytes: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Reply {
                status: 0,
                headers: Vec::new(),
                bytes: raw.to_vec(),
            };
        };
        let head = String::from_utf8_lossy(&raw[..end]);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let body = &raw[end + 4..];
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
        let bytes = if chunked {
            dechunk(body)
        } else {
            body.to_vec()
        };
        Reply {
            status,
            headers,
            bytes,
        }
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): status {} {}", self.status, self.text()))
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return out;
        };
        body = &body[eol + 2..];
        if size == 0 || body.len() < size {
            out.extend_from_slice(&body[..size.min(body.len())]);
            return out;
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or_default();
    }
}
