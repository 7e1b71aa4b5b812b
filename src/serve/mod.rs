//! TEMPORARY scaffolding until serve19's first commit is merged.
pub mod batch;
