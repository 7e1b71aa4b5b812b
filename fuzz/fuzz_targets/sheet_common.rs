//! Shared by the `import_*` targets: arbitrary bytes as a spreadsheet file, imported the
//! way `diaoyan import FILE --template community-survey` does (`sheet::import_file`:
//! the bounded, panic-guarded reader, then matching, the data file and its check).
//! Never a panic or an abort, only Ok or a diagnostic.

use std::path::PathBuf;
use std::sync::OnceLock;

use diaoyan::survey::Pack;

/// The built-in pack every input is imported against.
fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| {
        Pack::builtin("community-survey")
            .expect("built-in pack loads")
            .expect("built-in pack exists")
    })
}

/// One file per process and extension (parallel `-jobs`/`-fork` workers do not share it);
/// in `/dev/shm` when there is one, so the write costs no disk.
fn scratch(ext: &str) -> PathBuf {
    let dir = ["/dev/shm"]
        .iter()
        .map(PathBuf::from)
        .find(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    dir.join(format!("diaoyan-fuzz-{}.{ext}", std::process::id()))
}

/// Import `data` as a file named `*.ext` (the reader is chosen by extension, as in the CLI).
pub fn import(data: &[u8], ext: &str) {
    let path = scratch(ext);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = diaoyan::sheet::import_file(&path, pack(), None);
}
