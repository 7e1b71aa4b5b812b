//! Compute the figures of a survey without rendering anything: totals, means, largest and
//! smallest units, and the shares of a group (largest remainder, adding to 100).
//!
//!     cargo run --example statistics

use std::path::Path;

fn main() -> Result<(), diaoyan::Error> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
    let (survey, pack) = diaoyan::survey::load(&data, None)?;
    let figures = diaoyan::stats::compute(&survey, &pack.schema);
    let residents = &figures.fields["residents"];
    println!(
        "{}：合计 {}，平均 {:.0}，最多 {}（{}）",
        residents.label,
        residents.sum,
        residents.mean.unwrap_or_default(),
        residents.max_unit.as_deref().unwrap_or(""),
        residents.max.unwrap_or_default()
    );
    for part in &figures.groups["education"].parts {
        println!(
            "{}：{} 人，{:.1}%",
            part.label,
            part.sum,
            part.pct1.unwrap_or_default()
        );
    }
    Ok(())
}

/// `cargo test` runs the example (Cargo.toml: `test = true`).
#[test]
fn the_example_runs() {
    main().expect("the seed's figures");
}
