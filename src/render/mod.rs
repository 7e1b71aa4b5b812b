//! Stage 5 — render: the Document into DOCX and PDF.

pub mod docx;
pub mod pdf;
