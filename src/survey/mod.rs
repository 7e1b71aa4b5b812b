//! Stage 1 — load: a data file and its template pack become a validated [`Survey`].

mod data;
mod pack;
mod positions;
pub mod schema;

pub use data::{Cell, Period, Prose, ReportMeta, Survey, Unit};
pub use pack::{builtin_names, Pack};
pub use positions::Positions;
pub use schema::Schema;

use std::path::Path;

use crate::error::{Error, Result};

/// Read `path`, find its template pack, and check the data against the pack's schema.
pub fn load(path: &Path, template_dir: Option<&Path>) -> Result<(Survey, Pack)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    load_bytes(path, &bytes, template_dir)
}

/// [`load`] for data already in memory; `path` names it in messages.
pub fn load_bytes(
    path: &Path,
    bytes: &[u8],
    template_dir: Option<&Path>,
) -> Result<(Survey, Pack)> {
    let text = data::decode(path, bytes)?;
    let raw = data::parse_raw(path, &text)?;
    let pack = Pack::resolve(&raw.template, template_dir, path)?;
    let survey = data::validate(path, &text, raw, &pack.schema)?;
    Ok((survey, pack))
}
