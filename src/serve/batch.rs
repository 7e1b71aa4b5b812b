//! Batch in the browser (`/api/batch…`): many files or a zip in, a job running them as
//! `diaoyan batch` does, its progress polled, a zip of the reports and the failure list out.

pub mod intake;
pub mod results;
pub mod runner;
