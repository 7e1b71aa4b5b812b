//! Loading and validation of arbitrary bytes as a data file: never a panic, only Ok or a
//! diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = diaoyan::survey::load_bytes(std::path::Path::new("fuzz.yaml"), data, None);
});
