//! Issue 18 (B): the flagship report with `previous:` states 同比 in its prose and shows a
//! comparison table; every figure is computed here from the two YAML files, independently
//! of diaoyan, and looked for in the report's Markdown and in the DOCX's text. Without
//! `previous:` the report is unchanged (tests/golden.rs guards the seed's bytes).

mod common;
#[path = "yoy_common/mod.rs"]
mod yoy_common;

use std::path::Path;

use yoy_common::{markdown, two_years, values};

/// Round half away from zero to `d` decimals, as text without a sign on zero.
fn fixed(x: f64, d: i32) -> String {
    let p = 10f64.powi(d);
    let r = (x * p).round() / p;
    let s = format!("{r:.*}", d as usize);
    if s.trim_start_matches(['-', '0', '.']).is_empty() {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A change in words: 增加/减少 with the magnitude, or 持平.
fn change(x: f64, d: i32, unit: &str) -> String {
    let mag = fixed(x.abs(), d);
    if mag.trim_start_matches(['0', '.']).is_empty() {
        "持平".into()
    } else if x > 0.0 {
        format!("增加{mag}{unit}")
    } else {
        format!("减少{mag}{unit}")
    }
}

/// A rate in words: 增长/下降 with the percent, or 持平.
fn growth(r: f64) -> String {
    let mag = fixed((r * 100.0).abs(), 1);
    if mag.trim_start_matches(['0', '.']).is_empty() {
        "持平".into()
    } else if r > 0.0 {
        format!("增长{mag}%")
    } else {
        format!("下降{mag}%")
    }
}

/// A share's change in points (shares as printed, one decimal).
fn points(now: f64, before: f64) -> String {
    let d = (now * 1000.0).round() - (before * 1000.0).round();
    if d == 0.0 {
        "持平".into()
    } else if d > 0.0 {
        format!("提高{}个百分点", fixed(d / 10.0, 1))
    } else {
        format!("下降{}个百分点", fixed(-d / 10.0, 1))
    }
}

/// The one-decimal share of part `i` among `parts` (fractions), by largest remainder as a
/// report prints a group's shares so they add up to 100.0%.
fn share1(file: &Path, parts: &[&str], i: usize) -> f64 {
    let sums: Vec<f64> = parts.iter().map(|p| sum(file, p)).collect();
    let total: f64 = sums.iter().sum();
    let quotas: Vec<f64> = sums.iter().map(|s| s * 1000.0 / total).collect();
    let mut tenths: Vec<f64> = quotas.iter().map(|q| q.floor()).collect();
    let left = 1000.0 - tenths.iter().sum::<f64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| (quotas[*b] - tenths[*b]).total_cmp(&(quotas[*a] - tenths[*a])));
    for k in order.iter().take(left as usize) {
        tenths[*k] += 1.0;
    }
    tenths[i] / 1000.0
}

const EDUCATION: [&str; 3] = [
    "staff.education.graduate",
    "staff.education.college",
    "staff.education.secondary",
];
const OFFICE: [&str; 2] = ["office.owned", "office.rented"];

fn sum(file: &Path, path: &str) -> f64 {
    values(file, path).iter().map(|(_, x)| x).sum()
}

fn mean(file: &Path, path: &str) -> f64 {
    sum(file, path) / values(file, path).len() as f64
}

/// The report's text: its Markdown without escapes, and its DOCX's paragraphs' text.
fn report(data: &Path, dir: &Path) -> (String, String) {
    let md = markdown(data, None, dir);
    let docx = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "docx"))
        .unwrap();
    let xml = common::docx_part(&docx, "word/document.xml");
    // The text of each paragraph, tags dropped.
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.replace("</w:p>", "\n").chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    (md, text)
}

fn assert_in(want: &str, md: &str, docx: &str) {
    assert!(md.contains(want), "Markdown lacks {want}:\n{md}");
    assert!(docx.contains(want), "DOCX lacks {want}:\n{docx}");
}

/// Different communities (西北一路社区 new, 青年路第四社区 gone): the 说明 names them and
/// every change compares averages per community.
#[test]
fn with_different_units_the_report_compares_averages_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let now = two_years(dir.path(), |t| t);
    let before = dir.path().join("2018.yaml");
    let (md, docx) = report(&now, dir.path());
    assert_in(
        "与2018年相比，新增西北一路社区，撤并青年路第四社区；社区数量不同，下列同比按社区平均值比较。",
        &md,
        &docx,
    );
    let m = |p: &str| (mean(&now, p), mean(&before, p));
    let (h, hb) = m("households");
    let (r, rb) = m("residents");
    assert_in(
        &format!(
            "平均每个社区居民{}户、常住人口{}人，分别比上年{}（{}）和{}（{}）。",
            fixed(h, 0),
            fixed(r, 0),
            change(h - hb, 0, "户"),
            growth((h - hb) / hb),
            change(r - rb, 0, "人"),
            growth((r - rb) / rb)
        ),
        &md,
        &docx,
    );
    let (o, ob) = m("office.total");
    let rented = share1(&now, &OFFICE, 1);
    let rented_b = share1(&before, &OFFICE, 1);
    assert_in(
        &format!(
            "平均每个社区办公用房{}平方米，比上年{}；租赁用房占全部办公用房的{}%，比上年{}。",
            fixed(o, 0),
            change(o - ob, 0, "平方米"),
            fixed(rented * 100.0, 1),
            points(rented, rented_b)
        ),
        &md,
        &docx,
    );
    let (s, sb) = m("staff.total");
    let grad = share1(&now, &EDUCATION, 0);
    let grad_b = share1(&before, &EDUCATION, 0);
    assert_in(
        &format!(
            "平均每个社区工作人员{}人，比上年{}；本科及研究生学历占{}%，比上年{}。",
            fixed(s, 1),
            change(s - sb, 1, "人"),
            fixed(grad * 100.0, 1),
            points(grad, grad_b)
        ),
        &md,
        &docx,
    );
    let (c, cb) = m("caseload");
    assert_in(
        &format!(
            "平均每个社区年办理业务{}件，比上年{}（{}）。",
            fixed(c, 0),
            change(c - cb, 0, "件"),
            growth((c - cb) / cb)
        ),
        &md,
        &docx,
    );
    // One comparison table.
    assert_in("各社区户数与人口同比", &md, &docx);
    assert_eq!(md.matches("```diaoyan-table").count(), 7);
}

/// The same communities in both years (2018's 青年路第四社区 renamed to 西北一路社区):
/// changes of the totals, no 说明.
#[test]
fn with_the_same_units_the_report_compares_totals() {
    let dir = tempfile::tempdir().unwrap();
    let now = two_years(dir.path(), |t| {
        t.replace("青年路第四社区", "西北一路社区")
            .replace("short: 青四", "short: 西北一路")
    });
    let before = dir.path().join("2018.yaml");
    let (md, docx) = report(&now, dir.path());
    assert!(!md.contains("平均值比较") && !md.contains("新增"), "{md}");
    let s = |p: &str| (sum(&now, p), sum(&before, p));
    let (h, hb) = s("households");
    let (r, rb) = s("residents");
    assert_in(
        &format!(
            "与2018年相比，辖区居民{}户、常住人口{}人，分别{}（{}）和{}（{}）。",
            fixed(h, 0),
            fixed(r, 0),
            change(h - hb, 0, "户"),
            growth((h - hb) / hb),
            change(r - rb, 0, "人"),
            growth((r - rb) / rb)
        ),
        &md,
        &docx,
    );
    let (o, ob) = s("office.total");
    assert_in(
        &format!(
            "办公用房合计{}平方米，比上年{}；",
            fixed(o, 0),
            change(o - ob, 0, "平方米")
        ),
        &md,
        &docx,
    );
    let (st, sb) = s("staff.total");
    assert_in(
        &format!(
            "工作人员{}人，比上年{}；",
            fixed(st, 0),
            change(st - sb, 0, "人")
        ),
        &md,
        &docx,
    );
    let (c, cb) = s("caseload");
    assert_in(
        &format!(
            "全年办理各类业务{}件，比上年{}（{}）。",
            fixed(c, 0),
            change(c - cb, 0, "件"),
            growth((c - cb) / cb)
        ),
        &md,
        &docx,
    );
}

/// A fall reads 减少 / 下降, never a minus sign in the prose.
#[test]
fn a_fall_reads_decrease_without_a_minus_sign() {
    let dir = tempfile::tempdir().unwrap();
    // 2018 with far more business: the caseload fell.
    let now = two_years(dir.path(), |t| {
        t.replace("caseload: 9650", "caseload: 29650")
    });
    let before = dir.path().join("2018.yaml");
    let (md, docx) = report(&now, dir.path());
    let (c, cb) = (mean(&now, "caseload"), mean(&before, "caseload"));
    assert!(c < cb);
    let want = format!(
        "平均每个社区年办理业务{}件，比上年{}（{}）。",
        fixed(c, 0),
        change(c - cb, 0, "件"),
        growth((c - cb) / cb)
    );
    assert!(want.contains("减少") && want.contains("下降"), "{want}");
    assert_in(&want, &md, &docx);
    assert!(!md.contains("增加-") && !md.contains("增长-") && !md.contains("比上年-"));
}

#[test]
fn without_previous_there_is_no_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let md = markdown(&common::seed(), None, dir.path());
    assert!(!md.contains("与上年比较") && !md.contains("同比"), "{md}");
}
