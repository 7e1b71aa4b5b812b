//! A template pack is user input: an arbitrary `template.yaml` (the bytes before the first
//! line `---8<---`), then a data file (the bytes after it) checked against it and its
//! statistics computed. Never a panic, only Ok or a diagnostic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (schema_yaml, data_yaml) = text.split_once("\n---8<---\n").unwrap_or((text, ""));
    let Ok(schema) = diaoyan::survey::parse_schema(Path::new("template.yaml"), schema_yaml)
    else {
        return;
    };
    let pack = diaoyan::survey::Pack {
        dir: None,
        schema,
        templates: Vec::new(),
    };
    if let Ok(survey) =
        diaoyan::survey::load_bytes_with(Path::new("data.yaml"), data_yaml.as_bytes(), &pack)
    {
        let _ = diaoyan::stats::compute(&survey, &pack.schema);
    }
});
