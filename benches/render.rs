//! Benchmarks of one report: the PDF layout alone, each backend, and the whole pipeline
//! from the seed data file to DOCX and PDF bytes. Run with `cargo bench`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use diaoyan::render::pdf::{layout, FontSet, Preset};
use diaoyan::render::{docx, pdf};

fn seed() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/qingnianlu-2019.yaml"
    ))
}

fn benches(c: &mut Criterion) {
    let report = diaoyan::build(seed(), None).expect("the seed builds");
    let fonts = FontSet::bundled();
    c.bench_function("layout (PDF pages of the seed)", |b| {
        b.iter(|| layout(&report.document, fonts, Preset::gbt9704()))
    });
    c.bench_function("pdf render (seed)", |b| {
        b.iter(|| pdf::render(&report.document).expect("pdf"))
    });
    c.bench_function("docx render (seed)", |b| {
        b.iter(|| docx::render(&report.document).expect("docx"))
    });
    c.bench_function("whole report: YAML to DOCX + PDF (seed)", |b| {
        b.iter(|| {
            let r = diaoyan::build(seed(), None).expect("builds");
            let d = docx::render(&r.document).expect("docx");
            let p = pdf::render(&r.document).expect("pdf");
            (d.len(), p.len())
        })
    });
}

criterion_group! {
    name = render;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(render);
