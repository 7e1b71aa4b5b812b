//! Export a survey's units to an Excel workbook and read them back: what an office does
//! when it hands a spreadsheet out to be filled (`diaoyan export` / `diaoyan import`).
//!
//!     cargo run --example spreadsheet_round_trip

use std::path::Path;

fn main() -> Result<(), diaoyan::Error> {
    let same = round_trip()?;
    println!("statistics identical after the round trip: {same}");
    Ok(())
}

/// Export the seed's units, import them back; whether the statistics are the same.
fn round_trip() -> Result<bool, diaoyan::Error> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
    let (survey, pack) = diaoyan::survey::load(&data, None)?;
    let figures = diaoyan::stats::compute(&survey, &pack.schema);
    let bytes = diaoyan::sheet::export(&survey, &pack, &figures)?;
    let xlsx = std::env::temp_dir().join("diaoyan-example-units.xlsx");
    std::fs::write(&xlsx, &bytes).map_err(|e| diaoyan::Error::io(&xlsx, e))?;
    println!("{}: {} bytes", xlsx.display(), bytes.len());

    let sheets = diaoyan::sheet::read(&xlsx)?;
    let imported = diaoyan::sheet::import(&xlsx, &sheets, &pack)?;
    println!("{} units read back", imported.units.len());
    // Into the original data file (`diaoyan import --into`): its units and tables are
    // replaced, and the facts and report items the spreadsheet gives; the prose is kept.
    let original = diaoyan::survey::read_text(&data)?;
    let yaml = diaoyan::sheet::data_file(&pack, &imported, &xlsx, Some((&data, &original)))?;
    let (again, _) =
        diaoyan::survey::load_bytes(Path::new("imported.yaml"), yaml.as_bytes(), None)?;
    let same = diaoyan::stats::to_json(&diaoyan::stats::compute(&again, &pack.schema))
        == diaoyan::stats::to_json(&figures);
    Ok(same)
}

/// `cargo test` runs the example (Cargo.toml: `test = true`).
#[test]
fn the_round_trip_keeps_the_statistics() {
    assert!(round_trip().expect("round trip"));
}
