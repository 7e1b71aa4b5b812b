//! Load: 20 concurrent clients × 10 preview renders of the seed through the real server
//! (issue 19). Each client has its own project made from the seed's YAML upload; before
//! each preview it saves the form with its first finding changed, so every preview is a
//! real render; then one round of previews of unchanged data (served from the cache).
//!
//! The server renders when the form is saved (the save answers with the saved data's
//! problems) and keeps the PDF for the preview request that follows, so the render's time
//! is the preview's `render_ms` and the writer's wait is the save plus the preview request.
//!
//! Asserted: every response is what it should be (200, `ok: true`, the version just
//! saved), and the server's resident memory (`VmRSS`) grows by at most [`MAX_GROWTH_KIB`]
//! between the end of round 2 and the end of round 10 (memory flat under load). Printed,
//! never asserted (times depend on the machine): p50/p95/max of the server's `server_ms`
//! and of the wall latency seen by the clients, for the rendering rounds and for the
//! cached round, and the memory figures. Run with `--nocapture` to see them.

mod common;

use std::sync::{Arc, Barrier, Mutex};
use std::time::Instant;

use common::http::{encode, Part, Server};
use serde_json::{json, Value};

/// Concurrent clients.
const CLIENTS: usize = 20;
/// Rendering previews per client.
const ROUNDS: usize = 10;
/// Largest growth of the server's resident memory from round 2 to round 10, in KiB.
const MAX_GROWTH_KIB: u64 = 64 << 10;

/// The resident memory of process `pid`, in KiB (`VmRSS` in `/proc/PID/status`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// One measured change and preview, in ms: the preview request's `server_ms`, the
/// render's own time (`render_ms`: the check that rendered the PDF — the server renders
/// when the form is saved, so the saved data's problems come back with the save, and the
/// preview that follows is served from that render), the client's wall time of the save
/// and of the preview request.
#[derive(Clone, Copy)]
struct Sample {
    server_ms: f64,
    render_ms: f64,
    save_ms: f64,
    wall_ms: f64,
}

/// `p`-th percentile (nearest rank) of sorted `v`.
fn pct(v: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn line(what: &str, mut v: Vec<f64>) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    format!(
        "{what}: n={} p50={:.0} ms p95={:.0} ms max={:.0} ms",
        v.len(),
        pct(&v, 50.0),
        pct(&v, 95.0),
        v[v.len() - 1]
    )
}

/// What one client does; every unexpected answer is recorded in `errors` (a client never
/// panics, so the others never wait at a barrier for it).
fn client(
    s: &Server,
    k: usize,
    barrier: &Barrier,
    errors: &Mutex<Vec<String>>,
    renders: &Mutex<Vec<Sample>>,
    cached: &Mutex<Vec<Sample>>,
) {
    let fail = |e: String| errors.lock().unwrap().push(format!("客户 {k}: {e}"));
    let name = format!("负载-{k}");
    let id = encode(&name);
    // Setup: the project and the seed's data file.
    let mut state: Option<(String, Value, String)> = None;
    let r = s.post_json(
        "/api/projects",
        &json!({"name": name, "template": "community-survey"}),
    );
    if r.status != 201 {
        fail(format!("create {}: {}", r.status, r.text()));
    } else {
        let p = r.json();
        let seed = std::fs::read(common::seed()).unwrap();
        let r = s.upload(
            &format!("/api/projects/{id}/upload"),
            &[
                Part::text("base_version", p["version"].as_str().unwrap_or("")),
                Part::file("file", "qingnianlu-2019.yaml", &seed),
            ],
        );
        if r.status != 200 {
            fail(format!("upload {}: {}", r.status, r.text()));
        } else {
            let p = r.json();
            let text = p["form"]["findings"][0]["text"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if text.is_empty() {
                fail(format!("no first finding in the seed's form: {p}"));
            }
            state = Some((
                p["version"].as_str().unwrap_or("").to_string(),
                p["form"].clone(),
                text,
            ));
        }
    }
    barrier.wait();
    for round in 0..ROUNDS {
        if let Some((version, form, text)) = state.as_mut() {
            form["findings"][0]["text"] = json!(format!("{text}（第 {round} 轮修改，客户 {k}）"));
            let t = Instant::now();
            let r = s.put_json(
                &format!("/api/projects/{id}/form"),
                &json!({"base_version": version, "form": form}),
            );
            if r.status != 200 {
                fail(format!("round {round} form {}: {}", r.status, r.text()));
            } else {
                let save_ms = t.elapsed().as_secs_f64() * 1000.0;
                let saved = r.json()["version"].as_str().unwrap_or("").to_string();
                if saved == *version {
                    fail(format!(
                        "round {round}: the form did not change the data file"
                    ));
                }
                *version = saved;
                let t = Instant::now();
                let r = s.post_json(
                    &format!("/api/projects/{id}/preview"),
                    &json!({"base_version": version}),
                );
                let wall_ms = t.elapsed().as_secs_f64() * 1000.0;
                let v = if r.status == 200 {
                    r.json()
                } else {
                    Value::Null
                };
                if v["ok"] != true || v["version"] != json!(version) {
                    fail(format!("round {round} preview {}: {}", r.status, r.text()));
                } else {
                    renders.lock().unwrap().push(Sample {
                        server_ms: v["server_ms"].as_f64().unwrap_or(f64::NAN),
                        render_ms: v["render_ms"].as_f64().unwrap_or(f64::NAN),
                        save_ms,
                        wall_ms,
                    });
                }
            }
        }
        barrier.wait();
    }
    // The cached round: the same data again, and the PDF it names.
    if let Some((version, _, _)) = &state {
        let t = Instant::now();
        let r = s.post_json(
            &format!("/api/projects/{id}/preview"),
            &json!({"base_version": version}),
        );
        let wall_ms = t.elapsed().as_secs_f64() * 1000.0;
        let v = if r.status == 200 {
            r.json()
        } else {
            Value::Null
        };
        if v["ok"] != true {
            fail(format!("cached preview {}: {}", r.status, r.text()));
        } else {
            cached.lock().unwrap().push(Sample {
                server_ms: v["server_ms"].as_f64().unwrap_or(f64::NAN),
                render_ms: v["render_ms"].as_f64().unwrap_or(f64::NAN),
                save_ms: 0.0,
                wall_ms,
            });
            let pdf = s.get(v["pdf"].as_str().unwrap_or(""));
            if pdf.status != 200 || !pdf.bytes.starts_with(b"%PDF-") {
                fail(format!("preview PDF {}", pdf.status));
            }
        }
    }
    barrier.wait();
}

#[test]
fn twenty_clients_render_ten_previews_each_without_errors_and_flat_memory() {
    let s = Arc::new(Server::start());
    let pid = s.pid();
    let barrier = Arc::new(Barrier::new(CLIENTS + 1));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let renders = Arc::new(Mutex::new(Vec::new()));
    let cached = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let (s, b, e, r, c) = (
                Arc::clone(&s),
                Arc::clone(&barrier),
                Arc::clone(&errors),
                Arc::clone(&renders),
                Arc::clone(&cached),
            );
            std::thread::spawn(move || client(&s, k, &b, &e, &r, &c))
        })
        .collect();
    barrier.wait();
    let rss_setup = rss_kib(pid);
    let mut rss = Vec::new();
    for _ in 0..ROUNDS {
        barrier.wait();
        rss.push(rss_kib(pid));
    }
    barrier.wait();
    let rss_end = rss_kib(pid);
    for t in threads {
        t.join().expect("client thread");
    }
    let elapsed = start.elapsed();
    let errors = errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "{} errors: {errors:#?}", errors.len());
    let renders = renders.lock().unwrap().clone();
    let cached = cached.lock().unwrap().clone();
    assert_eq!(renders.len(), CLIENTS * ROUNDS);
    assert_eq!(cached.len(), CLIENTS);
    let mib = |k: u64| k as f64 / 1024.0;
    let growth = rss[ROUNDS - 1].saturating_sub(rss[1]);
    println!(
        "serve load: {CLIENTS} clients × {ROUNDS} rendering previews of the seed + 1 cached round, {:.1} s in all",
        elapsed.as_secs_f64()
    );
    let of = |v: &[Sample], f: fn(&Sample) -> f64| v.iter().map(f).collect::<Vec<f64>>();
    println!(
        "{}",
        line("render (server, render_ms)", of(&renders, |x| x.render_ms))
    );
    println!("{}", line("save form (wall)", of(&renders, |x| x.save_ms)));
    println!(
        "{}",
        line("preview request, server_ms", of(&renders, |x| x.server_ms))
    );
    println!(
        "{}",
        line("preview request (wall)", of(&renders, |x| x.wall_ms))
    );
    println!(
        "{}",
        line(
            "save + preview (wall)",
            of(&renders, |x| x.save_ms + x.wall_ms)
        )
    );
    println!(
        "{}",
        line("cached round, server_ms", of(&cached, |x| x.server_ms))
    );
    println!(
        "{}",
        line("cached round (wall)", of(&cached, |x| x.wall_ms))
    );
    println!(
        "server RSS: after setup {:.1} MiB; after each round {}; after the cached round {:.1} MiB; growth round 2 → 10: {:.1} MiB (limit {:.0} MiB)",
        mib(rss_setup),
        rss.iter().map(|k| format!("{:.1}", mib(*k))).collect::<Vec<_>>().join(" / "),
        mib(rss_end),
        mib(growth),
        mib(MAX_GROWTH_KIB)
    );
    assert!(
        growth <= MAX_GROWTH_KIB,
        "server memory grew by {:.1} MiB from round 2 to round 10: {rss:?} KiB",
        mib(growth)
    );
}
