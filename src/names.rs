//! Output file names: a portable stem for every file system ([`safe_name`]) and the key
//! under which two names are one file on macOS or Windows ([`name_key`]).

/// `raw` made a file name stem every file system accepts and that opens on a Windows
/// share. Deterministic; the rules, in order:
///
/// 0. The name is put in Unicode normalisation form C (NFC): `café` written with a
///    combining accent (NFD, as macOS file names often come) and with `é` are one name.
/// 1. Each character Windows forbids in a name (`<>:"/\|?*`), each control character
///    (general category Cc), format character (Cf: bidi controls such as U+202E, zero-width
///    spaces and joiners, the byte-order mark) and line or paragraph separator (Zl, Zp)
///    becomes `_`.
/// 2. Leading white space and dots (a hidden file), trailing white space and dots (Windows
///    drops them) are removed.
/// 3. The stem is cut, at a character boundary, to [`MAX_NAME_CHARS`] characters and
///    [`MAX_NAME_BYTES`] bytes of UTF-8; trailing dots and white space are removed again.
/// 4. An empty stem becomes `report`.
/// 5. A Windows device name (`CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`, `LPT0`–`LPT9`,
///    `COM¹²³`, `LPT¹²³`, `CONIN$`, `CONOUT$`; any case; the part before the first dot,
///    trailing spaces ignored) gets `_` appended to that part: `aux` → `aux_`,
///    `con.2020` → `con_.2020` (Windows opens the device, not a file, for such a name
///    whatever its extension).
///
/// Source: Microsoft, "Naming Files, Paths, and Namespaces" (reserved characters and
/// names); POSIX `NAME_MAX` = 255 bytes (ext4, XFS, APFS); NTFS allows 255 UTF-16 units.
///
/// ```
/// assert_eq!(diaoyan::safe_name("青年路/2019:报告"), "青年路_2019_报告");
/// assert_eq!(diaoyan::safe_name("con.2020"), "con_.2020");
/// assert_eq!(diaoyan::name_key("Straße"), diaoyan::name_key("STRASSE"));
/// ```
pub fn safe_name(raw: &str) -> String {
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    use unicode_normalization::UnicodeNormalization;
    let mapped: String = raw
        .nfc()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if matches!(
                get_general_category(c),
                G::Control | G::Format | G::LineSeparator | G::ParagraphSeparator
            ) =>
            {
                '_'
            }
            c => c,
        })
        .collect();
    let trim = |s: &str| {
        s.trim_start_matches(|c: char| c.is_whitespace() || c == '.')
            .trim_end_matches(|c: char| c.is_whitespace() || c == '.')
            .to_string()
    };
    let mapped = trim(&mapped);
    let mut bytes = 0;
    let cut: String = mapped
        .chars()
        .take(MAX_NAME_CHARS)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= MAX_NAME_BYTES
        })
        .collect();
    let cut = trim(&cut);
    if cut.is_empty() {
        return "report".to_string();
    }
    let (base, rest) = cut.split_at(cut.find('.').unwrap_or(cut.len()));
    if windows_reserved(base) {
        format!("{base}_{rest}")
    } else {
        cut
    }
}

/// The key under which two output names are the same file somewhere: Unicode canonical
/// caseless matching (NFD, then full case folding, then NFD again; Unicode §3.13, D145),
/// so names that differ only by normalisation (`café` NFC and NFD: one file on macOS) or
/// by case (`Report`, `report`, `REPORT`; `Straße`, `STRASSE`: one file on macOS and
/// Windows) have one key. Batches make planned names distinct under this key.
pub fn name_key(name: &str) -> String {
    use caseless::Caseless;
    use unicode_normalization::UnicodeNormalization;
    name.chars().nfd().default_case_fold().nfd().collect()
}

/// Whether Windows reserves `base` (a name without its extension) for a device.
fn windows_reserved(base: &str) -> bool {
    let b = base.trim_end_matches(' ').to_ascii_uppercase();
    if matches!(
        b.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let mut cs = b.chars();
    let head: String = cs.by_ref().take(3).collect();
    let tail: Vec<char> = cs.collect();
    (head == "COM" || head == "LPT")
        && matches!(tail.as_slice(), [d] if d.is_ascii_digit() || matches!(d, '¹' | '²' | '³'))
}

/// Most characters of an output file's stem (NTFS counts UTF-16 units: 120 characters
/// take at most 240, leaving room for the suffix and extension).
pub const MAX_NAME_CHARS: usize = 120;
/// Most UTF-8 bytes of an output file's stem (a CJK character takes 3, so 60 of them).
///
/// The budget is the longest name written: the stem, a batch suffix `-N` ([`NAME_SUFFIX_BYTES`]),
/// the extension `.docx` and, for the temporary file, `.` before and `.<pid>.tmp` after
/// (a pid has at most 10 digits) — together within the 255 bytes file systems allow.
pub const MAX_NAME_BYTES: usize = 180;
/// Most bytes of the `-N` a batch appends to tell equal names apart (`-` and a `u64`).
pub const NAME_SUFFIX_BYTES: usize = 21;
/// Most bytes a name can hold on ext4, XFS, APFS, NTFS (for ASCII) and most others.
pub const NAME_MAX: usize = 255;
const _: () = assert!(
    MAX_NAME_BYTES + NAME_SUFFIX_BYTES + ".docx".len() + ".".len() + ".4294967295.tmp".len()
        <= NAME_MAX
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_mapped_for_every_file_system() {
        for (raw, want) in [
            ("青年路-2019", "青年路-2019"),
            ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
            ("x\u{202E}fdp", "x_fdp"),
            ("a\u{200B}b\u{FEFF}c\u{2028}d", "a_b_c_d"),
            ("tab\there", "tab_here"),
            ("..hidden", "hidden"),
            ("trailing. . ", "trailing"),
            ("  ", "report"),
            ("...", "report"),
            ("CON", "CON_"),
            ("con.2020", "con_.2020"),
            ("Aux", "Aux_"),
            ("nul .txt", "nul _.txt"),
            ("COM1", "COM1_"),
            ("lpt9", "lpt9_"),
            ("LPT0", "LPT0_"),
            ("COM¹", "COM¹_"),
            ("conin$", "conin$_"),
            ("CONSOLE", "CONSOLE"),
            ("COM10", "COM10"),
            ("LPT", "LPT"),
            ("report-CON", "report-CON"),
        ] {
            assert_eq!(safe_name(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn names_are_cut_by_bytes_at_a_character_boundary() {
        let cjk = safe_name(&"长".repeat(100));
        assert_eq!(cjk, "长".repeat(MAX_NAME_BYTES / 3));
        let mixed = safe_name(&format!("a{}", "长".repeat(100)));
        assert!(mixed.len() <= MAX_NAME_BYTES && mixed.len() > MAX_NAME_BYTES - 3);
        let ascii = safe_name(&"a".repeat(300));
        assert_eq!(ascii.len(), MAX_NAME_CHARS);
        // A cut that ends in a dot or space loses it.
        let dotted = safe_name(&format!("{}.{}", "长".repeat(59), "长".repeat(10)));
        assert_eq!(dotted, "长".repeat(59));
        let astral = safe_name(&"𠀀".repeat(100));
        assert_eq!(astral, "𠀀".repeat(MAX_NAME_BYTES / 4));
    }
}
