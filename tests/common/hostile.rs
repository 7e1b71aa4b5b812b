//! Generated hostile data files for the end-to-end property test (issue 14, "Done when"):
//! the seed survey with arbitrary Unicode — control and default-ignorable characters,
//! astral CJK, emoji, Markdown/XML/Tera syntax, `[@id]`, `[^n]` and the pipeline's other
//! markers — mixed into a unit name, the title, the organisation, a finding and a
//! recommendation.
//!
//! The cases are drawn with proptest's deterministic runner, so every run (and CI) sees the
//! same cases; a failure names the case and keeps its data file.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// Fragments chosen for what they break: each is a kind of input a peer tool got wrong.
const FRAGMENTS: &[&str] = &[
    // Plain text, so most strings stay readable.
    "安定",
    "社区",
    "青年路",
    "居民",
    "2019年",
    "55.4%",
    "abc",
    " ",
    "　",
    // XML-illegal control characters.
    "\u{0}",
    "\u{1}",
    "\u{8}",
    "\u{B}",
    "\u{C}",
    "\u{E}",
    "\u{1D}",
    "\u{1F}",
    "\u{FFFE}",
    "\u{FFFF}",
    // Default-ignorable characters pasted from the web, and the Unicode line separator.
    "\u{AD}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{FE0F}",
    "\u{202A}",
    "\u{202E}",
    "\u{2066}",
    "\u{2028}",
    "\u{2029}",
    // Ideographs outside GBK, and characters no CJK font has.
    "𠮷",
    "䶮",
    "𡉃",
    "鿏",
    "𠀀",
    "😀",
    "👍🏽",
    "❤️",
    "\u{E000}",
    "\u{F8FF}",
    "\u{30000}",
    // Markdown, HTML and XML syntax.
    "*",
    "**",
    "_",
    "#",
    "# 标题",
    "|",
    "> ",
    "- ",
    "1. ",
    "`",
    "```",
    "~~~",
    "[链接](http://x)",
    "<b>",
    "</w:t>",
    "&",
    "&amp;",
    "]]>",
    "\"",
    "'",
    "\\",
    "\\\\",
    // Tera syntax.
    "{{ 1+1 }}",
    "{% if true %}",
    "{#",
    "#}",
    "{{",
    "}}",
    // The pipeline's own markers.
    "[@office]",
    "[@tab1]",
    "[^1]",
    "[^p]",
    "\\newpage",
    "newpage",
    "{-}",
    "{.unnumbered}",
    "\u{E000}diaoyan-chart-1\u{E001}",
];

/// One generated case: the data file's text and the strings it carries.
pub struct Case {
    pub yaml: String,
    /// (field, value) of every generated string, as a writer would have typed it.
    pub strings: Vec<(&'static str, String)>,
}

/// XML 1.0 forbids these in a document (§2.2 Char): the loader must refuse them.
pub fn xml_illegal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// One fragment; with `controls` false, none holding an XML-illegal character (so that
/// enough cases get past the loader to test the outputs).
fn fragment(controls: bool) -> impl Strategy<Value = String> {
    let pool: Vec<&str> = FRAGMENTS
        .iter()
        .copied()
        .filter(|f| controls || !f.chars().any(xml_illegal))
        .collect();
    prop_oneof![
        8 => proptest::sample::select(pool).prop_map(str::to_string),
        1 => any::<char>()
            .prop_filter("legal", move |&c| controls || !xml_illegal(c))
            .prop_map(|c| c.to_string()),
        1 => proptest::char::range('\u{4E00}', '\u{9FFF}').prop_map(|c| c.to_string()),
    ]
}

fn string(max: usize, controls: bool) -> impl Strategy<Value = String> {
    proptest::collection::vec(fragment(controls), 1..max).prop_map(|v| v.concat())
}

/// A YAML double-quoted scalar for `s`: characters YAML cannot hold literally are escaped.
pub fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || (0x7F..0xA0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `n` cases drawn deterministically from the seed survey `seed_yaml`.
pub fn cases(seed_yaml: &str, n: usize) -> Vec<Case> {
    let mut runner = TestRunner::deterministic();
    // One case in three may hold control characters anywhere; the rest hold none.
    let strategy = (0..3u8).prop_flat_map(|kind| {
        let c = kind == 0;
        (
            string(6, c),
            string(6, c),
            string(4, c),
            string(10, c),
            string(10, c),
            0..4u8,
        )
    });
    (0..n)
        .map(|_| {
            let (name, title, org, finding, rec, shape) = strategy
                .new_tree(&mut runner)
                .expect("a value tree")
                .current();
            // Some names get an ordinary stem so that not every case is refused for a name
            // that normalises to nothing or duplicates another unit.
            let name = if shape == 0 {
                name
            } else {
                format!("{name}社区")
            };
            let yaml = seed_yaml
                .replacen(
                    "  - name: 安定社区",
                    &format!("  - name: {}", yaml_quoted(&name)),
                    1,
                )
                .replacen(
                    "  title: 强化基层保障 理顺管理体制 推动社区治理能力现代化",
                    &format!("  title: {}", yaml_quoted(&title)),
                    1,
                )
                .replacen(
                    "  organisation: 青年路街道办事处",
                    &format!("  organisation: {}", yaml_quoted(&org)),
                    1,
                )
                .replacen(
                    "  - title: 转变街道职能，强化对社区的指导与服务",
                    &format!("  - title: {}", yaml_quoted(&rec)),
                    1,
                );
            let yaml = replace_first_finding_text(&yaml, &yaml_quoted(&finding));
            Case {
                yaml,
                strings: vec![
                    ("units[安定社区].name", name),
                    ("report.title", title),
                    ("report.organisation", org),
                    ("findings[0].text", finding),
                    ("recommendations[0].title", rec),
                ],
            }
        })
        .collect()
}

/// Replace the block scalar of the first finding's `text:` with `value` on one line.
fn replace_first_finding_text(yaml: &str, value: &str) -> String {
    let mut out = Vec::new();
    let mut lines = yaml.lines().peekable();
    let mut in_findings = false;
    let mut done = false;
    while let Some(line) = lines.next() {
        if line.starts_with("findings:") {
            in_findings = true;
        }
        if in_findings && !done && line == "    text: |" {
            out.push(format!("    text: {value}"));
            while lines
                .peek()
                .is_some_and(|l| l.starts_with("      ") || l.trim().is_empty())
            {
                lines.next();
            }
            done = true;
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

/// Whether `c` must reach the PDF text layer: not a control, not whitespace, not a
/// default-ignorable code point (DerivedCoreProperties.txt, the ranges data can carry).
pub fn must_print(c: char) -> bool {
    let u = c as u32;
    !(c.is_control()
        || c.is_whitespace()
        || u == 0xAD
        || u == 0x34F
        || u == 0x61C
        || (0x115F..=0x1160).contains(&u)
        || (0x17B4..=0x17B5).contains(&u)
        || (0x180B..=0x180F).contains(&u)
        || (0x200B..=0x200F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2060..=0x206F).contains(&u)
        || u == 0x3164
        || (0xFE00..=0xFE0F).contains(&u)
        || u == 0xFEFF
        || u == 0xFFA0
        || (0xFFF0..=0xFFF8).contains(&u)
        || (0x1BCA0..=0x1BCA3).contains(&u)
        || (0x1D173..=0x1D17A).contains(&u)
        || (0xE0000..=0xE0FFF).contains(&u)
        || u == 0xFFFE
        || u == 0xFFFF)
}
