//! Report Markdown (with directive blocks) into a Document: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = diaoyan::doc::parse(text, diaoyan::doc::Meta::default());
});
