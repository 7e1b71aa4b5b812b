//! Batch throughput: reports per second for generated districts (DOCX + PDF), on all
//! cores, and the peak memory of the process. Run with `cargo bench --bench batch`.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use diaoyan::batch::{run, Options};
use diaoyan::render::pdf::FontSet;
use diaoyan::Format;

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn setup(n: usize) -> (tempfile::TempDir, Options) {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    for (name, text) in diaoyan::sample::districts(n, 42) {
        std::fs::write(input.join(name), text).expect("write");
    }
    let opts = Options {
        inputs: vec![input],
        output: dir.path().join("out"),
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        formats: vec![Format::Docx, Format::Pdf],
        split_by: None,
        shard: None,
        template: None,
        allow_missing_glyphs: false,
    };
    (dir, opts)
}

fn benches(c: &mut Criterion) {
    let fonts = FontSet::bundled();
    for n in [100usize, 400] {
        let (_dir, opts) = setup(n);
        let t = Instant::now();
        let s = run(&opts, fonts, &|_, _| {}).expect("runs");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(s.ok(), n);
        eprintln!(
            "batch of {n}: {:.1} reports/s on {} threads, peak RSS {:.0} MB",
            n as f64 / secs,
            opts.jobs,
            peak_rss_mb()
        );
    }
    let (_dir, opts) = setup(100);
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.bench_function("100 districts, DOCX + PDF", |b| {
        b.iter(|| run(&opts, fonts, &|_, _| {}).expect("runs"))
    });
    group.finish();
}

criterion_group!(batch, benches);
criterion_main!(batch);
