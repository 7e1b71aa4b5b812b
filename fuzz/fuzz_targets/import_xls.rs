//! Arbitrary bytes as a `.xls` file given to `diaoyan import`: never a panic or an
//! abort, only Ok or a diagnostic. See `sheet_common.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "sheet_common.rs"]
mod sheet_common;

fuzz_target!(|data: &[u8]| {
    sheet_common::import(data, "xls");
});
