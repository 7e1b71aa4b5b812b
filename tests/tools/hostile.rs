//! Issue 14's end-to-end property, with the tools: every generated hostile case that
//! renders gives a DOCX with 0 validate-docx problems that LibreOffice converts, and a PDF
//! whose text layer holds every non-ignorable character of every generated string.
//! (`tests/hostile.rs` checks the verdicts without tools.)

use std::process::Command;

use crate::common::hostile;
use crate::common::*;

/// How many generated cases run (≥ 200: issue 14's "Done when").
const CASES: usize = 200;

pub fn every_rendered_hostile_case_is_valid_and_keeps_its_text() {
    let seed_yaml = std::fs::read_to_string(seed()).unwrap();
    let cases = hostile::cases(&seed_yaml, CASES);
    let dir = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let data = dir.path().join(format!("case-{i:03}.yaml"));
        std::fs::write(&data, &case.yaml).unwrap();
        let out_dir = dir.path().join(format!("out-{i:03}"));
        let out = diaoyan(&[
            "render",
            data.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--no-system-fonts",
        ]);
        if out.status.success() {
            docs.push((i, out_dir.join("qingnianlu-2019")));
        }
    }
    // The writer's prose is Markdown since issue 18: generated prose holding raw HTML, a
    // link or an undefined footnote is refused (tests/hostile.rs checks those refusals), so
    // fewer cases render than before; the property below holds for every one that does.
    assert!(
        docs.len() >= 10,
        "only {} of {CASES} cases rendered",
        docs.len()
    );

    // Every PDF's text layer holds every character that must print.
    for (i, stem) in &docs {
        // Words as drawn (`-bbox`): plain pdftotext would join a line ending in "-" to the
        // next and drop the "-" as a hyphenation.
        let text = Command::new("pdftotext")
            .arg("-bbox")
            .arg(stem.with_extension("pdf"))
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout)
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        for (field, value) in &cases[*i].strings {
            let lost: Vec<String> = value
                .chars()
                .filter(|&c| hostile::must_print(c) && !text.contains(c))
                .map(|c| format!("U+{:04X}", c as u32))
                .collect();
            assert!(
                lost.is_empty(),
                "case {i}: {field} = {value:?} lost {lost:?} in the PDF"
            );
        }
    }

    // One validator run over every DOCX: 0 problems.
    let docx: Vec<_> = docs.iter().map(|(_, s)| s.with_extension("docx")).collect();
    let report = validate_docx_all(&docx);
    assert_eq!(report.lines().last(), Some("0 problems"), "{report}");

    // One LibreOffice run converts every DOCX.
    let lo = dir.path().join("lo");
    let mut copies = Vec::new();
    for (i, stem) in &docs {
        let copy = dir.path().join(format!("case-{i:03}.docx"));
        std::fs::copy(stem.with_extension("docx"), &copy).unwrap();
        copies.push(copy);
    }
    let out = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&lo)
        .args(&copies)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for copy in &copies {
        let pdf = lo.join(copy.file_stem().unwrap()).with_extension("pdf");
        let len = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
        assert!(
            len > 10_000,
            "LibreOffice could not convert {}",
            copy.display()
        );
    }
}
