//! The second built-in pack, `township-villages` (村级组织运转情况调研), rendered from its
//! sample (`data/township-2020.yaml`, previous year `data/township-2019.yaml`) through the
//! binary. Every figure of the report's prose is asserted from values this test computes
//! itself from the YAML (sums, means, ratios of sums, shares with largest-remainder
//! rounding, band counts, year-on-year changes): nothing here reads `diaoyan stats`.
//!
//! The formatting rules used below are the documented ones (docs/packs.md): numbers rounded
//! half away from zero, `percent` one decimal, `change` 增加/减少/持平 with the unit,
//! `growth` 增长/下降/持平 with a percent, `cn_qty` Chinese numerals with 两 for 2.

mod common;

use std::path::Path;

use common::*;
use serde_yaml::Value;

/// One village as the data file gives it.
#[derive(Debug, Clone)]
struct Village {
    name: String,
    short: String,
    area: String,
    registered: f64,
    resident: f64,
    committee: f64,
    age: [f64; 4],
    edu: [f64; 3],
    party: f64,
    income: f64,
    grids: f64,
    staff: f64,
}

fn num(v: &Value, path: &str) -> f64 {
    let mut cur = v;
    for key in path.split('.') {
        cur = &cur[key];
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("{path} is a number: {cur:?}"))
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// The villages of a data file, in file order.
fn villages(file: &Path) -> Vec<Village> {
    let yaml: Value =
        serde_yaml::from_str(&std::fs::read_to_string(file).expect("data file")).expect("YAML");
    yaml["units"]
        .as_sequence()
        .expect("units")
        .iter()
        .map(|u| Village {
            name: text(u, "name"),
            short: text(u, "short"),
            area: text(u, "area"),
            registered: num(u, "population.registered"),
            resident: num(u, "population.resident"),
            committee: num(u, "committee.size"),
            age: [
                num(u, "committee.age.under35"),
                num(u, "committee.age.from36"),
                num(u, "committee.age.from51"),
                num(u, "committee.age.over60"),
            ],
            edu: [
                num(u, "committee.edu.college"),
                num(u, "committee.edu.high"),
                num(u, "committee.edu.middle"),
            ],
            party: num(u, "party.members"),
            income: num(u, "income.collective"),
            grids: num(u, "grid.count"),
            staff: num(u, "grid.staff"),
        })
        .collect()
}

fn this_year() -> Vec<Village> {
    villages(&root().join("data/township-2020.yaml"))
}

fn last_year() -> Vec<Village> {
    villages(&root().join("data/township-2019.yaml"))
}

fn sum(vs: &[Village], f: impl Fn(&Village) -> f64) -> f64 {
    vs.iter().map(f).sum()
}

/// `x` rounded half away from zero to `d` decimals, printed with exactly `d` decimals.
fn fixed(x: f64, d: usize) -> String {
    let p = 10f64.powi(d as i32);
    let r = (x * p).round() / p;
    let s = format!("{r:.d$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

fn pct(r: f64) -> String {
    format!("{}%", fixed(r * 100.0, 1))
}

/// 增长3.2% / 下降3.2% / 持平 (one decimal).
fn growth(r: f64) -> String {
    signed(r * 100.0, 1, "增长", "下降", "%")
}

/// 增加12人 / 减少12人 / 持平.
fn change(d: f64, decimals: usize, unit: &str) -> String {
    signed(d, decimals, "增加", "减少", unit)
}

fn signed(x: f64, decimals: usize, up: &str, down: &str, unit: &str) -> String {
    let mag = fixed(x.abs(), decimals);
    if mag.chars().all(|c| c == '0' || c == '.') {
        "持平".to_string()
    } else if x > 0.0 {
        format!("{up}{mag}{unit}")
    } else {
        format!("{down}{mag}{unit}")
    }
}

/// A count as a Chinese numeral below 100, 2 read 两 (两个村).
fn cn_qty(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    assert!(n < 100);
    match n {
        2 => "两".into(),
        0..=9 => D[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n % 10]),
        _ if n % 10 == 0 => format!("{}十", D[n / 10]),
        _ => format!("{}十{}", D[n / 10], D[n % 10]),
    }
}

/// Shares of `parts` in tenths of a percent by the largest-remainder method (each part
/// floored, the missing tenths given to the largest remainders), as the README states for
/// group shares. Panics if two equal parts would be treated differently (then the rule for
/// ties applies, which this sample does not need).
fn largest_remainder(parts: &[f64]) -> Vec<f64> {
    let total: f64 = parts.iter().sum();
    let quotas: Vec<f64> = parts.iter().map(|p| p / total * 1000.0).collect();
    let mut tenths: Vec<f64> = quotas.iter().map(|q| q.floor()).collect();
    let missing = 1000.0 - tenths.iter().sum::<f64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .partial_cmp(&(quotas[a] - quotas[a].floor()))
            .unwrap()
    });
    for &i in order.iter().take(missing as usize) {
        tenths[i] += 1.0;
    }
    for i in 0..parts.len() {
        for j in 0..parts.len() {
            assert!(
                parts[i] != parts[j] || tenths[i] == tenths[j],
                "tie rule needed"
            );
        }
    }
    tenths.iter().map(|t| t / 10.0).collect()
}

fn pct_tenths(p: f64) -> String {
    format!("{}%", fixed(p, 1))
}

/// The village with the largest (`max`) or smallest value; the first in file order on a tie.
fn extreme(vs: &[Village], f: impl Fn(&Village) -> f64, max: bool) -> &Village {
    let mut best = &vs[0];
    for v in vs {
        if (max && f(v) > f(best)) || (!max && f(v) < f(best)) {
            best = v;
        }
    }
    best
}

/// The report Markdown of `data` rendered by the binary (`render --markdown`), with
/// Markdown's backslash escapes removed so figures read as printed (`75.7%`).
fn markdown_of(data: &Path) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = diaoyan(&[
        "render",
        data.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
        "--markdown",
        "--no-system-fonts",
    ]);
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = data.file_stem().unwrap().to_string_lossy().to_string();
    for ext in ["docx", "pdf"] {
        let f = dir.path().join(format!("{stem}.{ext}"));
        assert!(f.is_file(), "{} written", f.display());
    }
    let md = std::fs::read_to_string(dir.path().join(format!("{stem}.md"))).expect("markdown");
    md.replace('\\', "")
}

fn sample_markdown() -> String {
    markdown_of(&root().join("data/township-2020.yaml"))
}

fn assert_has(md: &str, want: &str) {
    assert!(md.contains(want), "the report lacks «{want}»:\n{md}");
}

#[test]
fn the_sample_and_its_previous_year_pass_check() {
    for f in ["data/township-2020.yaml", "data/township-2019.yaml"] {
        let out = diaoyan(&["check", f]);
        assert!(
            out.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_pack_is_built_in_and_listed() {
    // From a folder without `templates/`: the built-in copy is listed and used.
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .arg("templates")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("township-villages\t<内置>"), "{list}");
    for f in ["township-2020.yaml", "township-2019.yaml"] {
        std::fs::copy(root().join("data").join(f), dir.path().join(f)).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(["check", "township-2020.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_sample_has_fifteen_villages_in_three_areas_and_consistent_groups() {
    for vs in [this_year(), last_year()] {
        assert_eq!(vs.len(), 15);
        for v in &vs {
            assert_eq!(v.age.iter().sum::<f64>(), v.committee, "{}", v.name);
            assert_eq!(v.edu.iter().sum::<f64>(), v.committee, "{}", v.name);
            assert!(v.party <= v.resident && v.staff >= v.grids, "{}", v.name);
            assert!(["东片", "西片", "南片"].contains(&v.area.as_str()));
        }
    }
    let (now, before) = (this_year(), last_year());
    let names = |vs: &[Village]| vs.iter().map(|v| v.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&now), names(&before), "the same villages both years");
}

#[test]
fn population_figures_are_the_data_s() {
    let (now, before) = (this_year(), last_year());
    let md = sample_markdown();
    let reg = sum(&now, |v| v.registered);
    let res = sum(&now, |v| v.resident);
    let reg0 = sum(&before, |v| v.registered);
    let res0 = sum(&before, |v| v.resident);
    assert_has(&md, "并与2019年的数据作了对比");
    assert_has(
        &md,
        &format!(
            "全镇十五个行政村共有户籍人口{}人、常住人口{}人，常住人口占户籍人口的{}，常年在外的约{}人",
            fixed(reg, 0),
            fixed(res, 0),
            pct(res / reg),
            fixed(reg - res, 0)
        ),
    );
    assert_has(
        &md,
        &format!(
            "与上年相比，户籍人口{}，常住人口{}（{}）。",
            change(reg - reg0, 0, "人"),
            change(res - res0, 0, "人"),
            growth(res / res0 - 1.0)
        ),
    );
    let most = extreme(&now, |v| v.resident, true);
    let least = extreme(&now, |v| v.resident, false);
    assert_has(
        &md,
        &format!(
            "常住人口最多的是{}（{}人），最少的是{}（{}人）",
            most.name,
            fixed(most.resident, 0),
            least.name,
            fixed(least.resident, 0)
        ),
    );
    // The population finding repeats the share and both changes.
    assert_has(
        &md,
        &format!(
            "全镇常住人口只占户籍人口的{}；与上年相比，常住人口{}，户籍人口{}。",
            pct(res / reg),
            change(res - res0, 0, "人"),
            change(reg - reg0, 0, "人")
        ),
    );
}

#[test]
fn committee_shares_add_up_and_are_the_data_s() {
    let now = this_year();
    let md = sample_markdown();
    let size = sum(&now, |v| v.committee);
    let age: Vec<f64> = (0..4).map(|i| sum(&now, |v| v.age[i])).collect();
    let edu: Vec<f64> = (0..3).map(|i| sum(&now, |v| v.edu[i])).collect();
    let a = largest_remainder(&age);
    let e = largest_remainder(&edu);
    assert_eq!(a.iter().sum::<f64>().round(), 100.0);
    assert_has(
        &md,
        &format!(
            "全镇村两委成员共{}人，平均每村{}人。",
            fixed(size, 0),
            fixed(size / now.len() as f64, 1)
        ),
    );
    assert_has(
        &md,
        &format!(
            "从年龄看，35岁及以下的{}人，占{}；36～50岁的占{}；51～60岁的占{}；60岁以上的占{}。",
            fixed(age[0], 0),
            pct_tenths(a[0]),
            pct_tenths(a[1]),
            pct_tenths(a[2]),
            pct_tenths(a[3])
        ),
    );
    assert_has(
        &md,
        &format!(
            "从学历看，大专及以上的{}人，占{}；高中（中专）的占{}；初中及以下的{}人，占{}。",
            fixed(edu[0], 0),
            pct_tenths(e[0]),
            pct_tenths(e[1]),
            fixed(edu[2], 0),
            pct_tenths(e[2])
        ),
    );
    // The share of two parts is the sum of their printed shares.
    assert_has(
        &md,
        &format!(
            "村两委成员中51岁以上的占{}，35岁及以下的只有{}人；初中及以下学历的占{}。",
            pct_tenths(a[2] + a[3]),
            fixed(age[0], 0),
            pct_tenths(e[2])
        ),
    );
    assert!(!md.contains("四舍五入"), "no rounding note needed");
}

#[test]
fn party_figures_are_the_data_s() {
    let (now, before) = (this_year(), last_year());
    let md = sample_markdown();
    let party = sum(&now, |v| v.party);
    let res = sum(&now, |v| v.resident);
    let most = extreme(&now, |v| v.party, true);
    let least = extreme(&now, |v| v.party, false);
    assert_has(
        &md,
        &format!(
            "全镇农村党员共{}人，比上年{}，平均每村{}人，党员占常住人口的{}。党员最多的是{}（{}人），最少的是{}（{}人）。",
            fixed(party, 0),
            change(party - sum(&before, |v| v.party), 0, "人"),
            fixed(party / now.len() as f64, 1),
            pct(party / res),
            most.name,
            fixed(most.party, 0),
            least.name,
            fixed(least.party, 0)
        ),
    );
}

#[test]
fn collective_income_figures_are_the_data_s() {
    let (now, before) = (this_year(), last_year());
    let md = sample_markdown();
    let inc = sum(&now, |v| v.income);
    let inc0 = sum(&before, |v| v.income);
    let res = sum(&now, |v| v.resident);
    let top = extreme(&now, |v| v.income, true);
    let bottom = extreme(&now, |v| v.income, false);
    let lowest = if bottom.income > 0.0 {
        format!("只有{}万元", fixed(bottom.income, 1))
    } else {
        "全年没有集体经营收入".to_string()
    };
    // The per-capita figure of the township is the ratio of the sums, never a mean of
    // the villages' ratios.
    assert_has(
        &md,
        &format!(
            "2020年全镇村级集体经济收入合计{}万元，比上年{}（{}）；村均{}万元，按常住人口计人均{}元。收入最高的{}达{}万元，最低的{}{}。",
            fixed(inc, 1),
            growth(inc / inc0 - 1.0),
            change(inc - inc0, 1, "万元"),
            fixed(inc / now.len() as f64, 1),
            fixed(inc * 10000.0 / res, 0),
            top.name,
            fixed(top.income, 1),
            bottom.name,
            lowest
        ),
    );
    // Year on year per village: up, flat, down (by name, file order).
    let (mut up, mut flat, mut down) = (0, 0, Vec::new());
    for (v, p) in now.iter().zip(&before) {
        let d = v.income - p.income;
        if d > 0.0 {
            up += 1;
        } else if d < 0.0 {
            down.push(v.short.clone());
        } else {
            flat += 1;
        }
    }
    let mut want = format!("与上年相比，{}个村集体收入增加", cn_qty(up));
    if flat > 0 {
        want += &format!("，{}个村持平", cn_qty(flat));
    }
    if !down.is_empty() {
        want += &format!("，{}{}个村有所下降", down.join("、"), cn_qty(down.len()));
    }
    assert_has(&md, &(want + "。"));
}

#[test]
fn village_classes_are_counted_from_the_income_bands() {
    let now = this_year();
    let md = sample_markdown();
    // 空壳村 below 5万元, 薄弱村 below 10, 一般村 below 50, 强村 the rest.
    let bounds = [
        (5.0, "空壳村"),
        (10.0, "薄弱村"),
        (50.0, "一般村"),
        (f64::INFINITY, "强村"),
    ];
    let class = |x: f64| bounds.iter().position(|(b, _)| x < *b).unwrap();
    let mut members: Vec<Vec<&Village>> = vec![Vec::new(); 4];
    for v in &now {
        members[class(v.income)].push(v);
    }
    let parts: Vec<String> = members
        .iter()
        .zip(bounds)
        .map(|(m, (_, label))| {
            if m.is_empty() {
                format!("{label}没有")
            } else {
                let shorts: Vec<&str> = m.iter().map(|v| v.short.as_str()).collect();
                format!("{label}{}个（{}）", cn_qty(m.len()), shorts.join("、"))
            }
        })
        .collect();
    assert_has(
        &md,
        &format!(
            "按集体经济收入（5万元以下为空壳村，5～10万元为薄弱村，10～50万元为一般村，50万元及以上为强村）划分，{}。",
            parts.join("，")
        ),
    );
    let weak = members[0].len() + members[1].len();
    assert_has(
        &md,
        &format!(
            "收入不足10万元的空壳村和薄弱村合计{}个，占全镇行政村的{}",
            cn_qty(weak),
            pct(weak as f64 / now.len() as f64)
        ),
    );
    // The economy finding: the 空壳村 by full name, the strong villages' share.
    let shells: Vec<&str> = members[0].iter().map(|v| v.name.as_str()).collect();
    let strong: f64 = members[3].iter().map(|v| v.income).sum();
    let inc = sum(&now, |v| v.income);
    assert_has(
        &md,
        &format!(
            "数据显示，全镇空壳村有{}个（{}），",
            cn_qty(shells.len()),
            shells.join("、")
        ),
    );
    let bottom = extreme(&now, |v| v.income, false);
    let lowest = if bottom.income > 0.0 {
        format!("全年集体收入仅{}万元", fixed(bottom.income, 1))
    } else {
        "全年没有一分钱集体经营收入".to_string()
    };
    assert_has(&md, &format!("收入最低的{}{lowest}；", bottom.name));
    assert_has(
        &md,
        &format!(
            "{}个强村的集体收入合计{}万元，占全镇的{}。",
            cn_qty(members[3].len()),
            fixed(strong, 1),
            pct(strong / inc)
        ),
    );
}

#[test]
fn grid_figures_are_the_data_s() {
    let (now, before) = (this_year(), last_year());
    let md = sample_markdown();
    let gc = sum(&now, |v| v.grids);
    let gs = sum(&now, |v| v.staff);
    let res = sum(&now, |v| v.resident);
    let per_grid = |v: &Village| v.resident / v.grids;
    let most = extreme(&now, per_grid, true);
    let least = extreme(&now, per_grid, false);
    assert_has(
        &md,
        &format!(
            "全镇共划分网格{}个，配备网格员{}人，与上年相比网格{}、网格员{}。平均每个网格有网格员{}人、常住人口{}人；每个网格服务常住人口最多的是{}（{}人），最少的是{}（{}人）。",
            fixed(gc, 0),
            fixed(gs, 0),
            change(gc - sum(&before, |v| v.grids), 0, "个"),
            change(gs - sum(&before, |v| v.staff), 0, "人"),
            fixed(gs / gc, 2),
            fixed(res / gc, 0),
            most.name,
            fixed(per_grid(most), 0),
            least.name,
            fixed(per_grid(least), 0)
        ),
    );
    let exact = now.iter().filter(|v| v.staff == v.grids).count();
    assert_has(
        &md,
        &format!(
            "全镇平均每名网格员服务常住人口{}人；{}个村的网格员人数与网格数相等",
            fixed(res / gs, 0),
            cn_qty(exact)
        ),
    );
}

#[test]
fn the_report_has_the_shape_of_a_survey_report() {
    let md = sample_markdown();
    let level1: Vec<&str> = md.lines().filter(|l| l.starts_with("# ")).collect();
    assert_eq!(level1, ["# 基本情况", "# 存在的主要问题", "# 对策建议"]);
    // Every finding and recommendation of the data file is a level-2 heading, in order.
    let yaml: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("data/township-2020.yaml")).unwrap(),
    )
    .unwrap();
    for key in ["findings", "recommendations"] {
        for item in yaml[key].as_sequence().unwrap() {
            assert_has(&md, &format!("## {}", text(item, "title")));
        }
    }
    // Three charts, six tables (one of them the comparison with the previous year), the
    // source footnote.
    assert_eq!(md.matches("```diaoyan-chart").count(), 3);
    assert_eq!(md.matches("```diaoyan-table").count(), 6);
    assert_has(&md, "[^source]: 数据来源：");
}

/// Without `previous:` the report prints no year-on-year sentence at all.
#[test]
fn without_the_previous_year_no_change_is_stated() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("data/township-2020.yaml")).unwrap();
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("previous:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let file = dir.path().join("township-2020.yaml");
    std::fs::write(&file, without).unwrap();
    let md = markdown_of(&file);
    for word in ["上年", "同比", "2019年"] {
        assert!(!md.contains(word), "«{word}» without previous:\n{md}");
    }
    // The rest is still there.
    let now = this_year();
    assert_has(
        &md,
        &format!(
            "村级集体经济收入合计{}万元；",
            fixed(sum(&now, |v| v.income), 1)
        ),
    );
}

#[test]
fn the_sample_renders_byte_identically_twice() {
    let render = || {
        let dir = tempfile::tempdir().unwrap();
        let out = diaoyan(&[
            "render",
            "data/township-2020.yaml",
            "-o",
            dir.path().to_str().unwrap(),
            "--no-system-fonts",
        ]);
        assert!(out.status.success());
        ["docx", "pdf"]
            .map(|e| std::fs::read(dir.path().join(format!("township-2020.{e}"))).unwrap())
    };
    assert!(render() == render(), "same input, same bytes");
}

// ---------------------------------------------------------------------------------------
// The pack's issue-18 features: aggregate rules, classification bands, tags in templates,
// checks, helpers, the comparison table and the writer's points, on a copy of the pack
// and its sample in a folder of their own.

/// A folder holding `templates/township-villages/` (the pack's template, report and
/// macros) and the sample with its previous year; returns (folder, data file).
fn spec18_setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("templates/township-villages");
    std::fs::create_dir_all(&pack).unwrap();
    let src = root().join("templates/township-villages");
    for (from, to) in [
        ("template.yaml", "template.yaml"),
        ("report.md", "report.md"),
        ("macros.md", "macros.md"),
    ] {
        std::fs::copy(src.join(from), pack.join(to)).unwrap();
    }
    let data = dir.path().join("township-2020.yaml");
    std::fs::copy(root().join("data/township-2020.yaml"), &data).unwrap();
    std::fs::copy(
        root().join("data/township-2019.yaml"),
        dir.path().join("township-2019.yaml"),
    )
    .unwrap();
    (dir, data)
}

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_diaoyan"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn spec18_markdown() -> String {
    let (dir, _) = spec18_setup();
    let out = run_in(
        dir.path(),
        &[
            "render",
            "township-2020.yaml",
            "-o",
            "out",
            "--markdown",
            "--no-system-fonts",
        ],
    );
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.path().join("out/township-2020.md"))
        .unwrap()
        .replace('\\', "")
}

#[test]
fn spec18_figures_by_area_ratio_totals_and_helpers() {
    let now = this_year();
    let md = spec18_markdown();
    let res = sum(&now, |v| v.resident);
    let inc = sum(&now, |v| v.income);
    let gc = sum(&now, |v| v.grids);
    // Areas in order of first appearance, with their villages' sums.
    let mut areas: Vec<(String, Vec<&Village>)> = Vec::new();
    for v in &now {
        match areas.iter_mut().find(|(a, _)| *a == v.area) {
            Some((_, vs)) => vs.push(v),
            None => areas.push((v.area.clone(), vec![v])),
        }
    }
    let people: Vec<String> = areas
        .iter()
        .map(|(a, vs)| {
            let r: f64 = vs.iter().map(|v| v.resident).sum();
            format!("{a}{}个村常住人口{}人", cn_qty(vs.len()), fixed(r, 0))
        })
        .collect();
    assert_has(&md, &format!("按所属片区看，{}。", people.join("，")));
    let money: Vec<String> = areas
        .iter()
        .map(|(a, vs)| {
            let i: f64 = vs.iter().map(|v| v.income).sum();
            format!("{a}集体收入合计{}万元", fixed(i, 1))
        })
        .collect();
    assert_has(&md, &format!("分片区看，{}。", money.join("，")));
    // The township's per-capita income is the ratio of the sums, in prose and in the
    // table's 合计 and 平均 rows; never the mean of the villages' ratios.
    assert_has(
        &md,
        &format!("按常住人口计人均{}元", fixed(inc * 10000.0 / res, 0)),
    );
    let ratio = fixed(inc * 10000.0 / res, 2);
    assert!(
        md.matches(&format!("\"text\":\"{ratio}\"")).count() >= 2,
        "{ratio}"
    );
    let mean_of_ratios = now
        .iter()
        .map(|v| v.income * 10000.0 / v.resident)
        .sum::<f64>()
        / now.len() as f64;
    assert!(!md.contains(&format!("\"text\":\"{}\"", fixed(mean_of_ratios, 2))));
    let per_grid = fixed(res / gc, 2);
    assert!(
        md.contains(&format!("\"text\":\"{per_grid}\"")),
        "{per_grid}"
    );
    // Classes as a table column, ranges with the wave dash, the date helper.
    assert!(md.contains("\"text\":\"空壳村\"") && md.contains("\"text\":\"强村\""));
    assert_has(&md, "5～10万元为薄弱村，10～50万元为一般村");
    assert_has(&md, "2021年3月16日汇总");
    // The comparison table, and the writer's points and footnote.
    assert_has(&md, "各村集体经济收入与党员数同比");
    assert_has(&md, "### 收入来源单一");
    assert_has(&md, "#### 发包合同期长、租金低");
    // The writer's footnote [^inc], renamed per prose piece so two findings may both use it.
    assert!(
        md.contains("-inc]:"),
        "the writer's footnote [^inc] is defined"
    );
}

#[test]
fn spec18_cross_field_checks_name_the_village() {
    let (dir, data) = spec18_setup();
    let out = run_in(dir.path(), &["check", "township-2020.yaml"]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "no warning on the sample: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 河口村 with more party members than residents: an error naming it, exit code 2.
    let text = std::fs::read_to_string(&data).unwrap();
    let bad = text.replacen("party: { members: 71 }", "party: { members: 5000 }", 1);
    assert_ne!(bad, text);
    std::fs::write(&data, bad).unwrap();
    let out = run_in(dir.path(), &["check", "township-2020.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("河口村：党员数不能多于常住人口"), "{err}");
}

/// Attacker finding F17: a ratio field's previous-year figure is the ratio of the previous
/// year's sums (人均集体收入 = Σ收入 × 10000 / Σ常住人口), never the sum of the villages'
/// ratios; its change is this year's ratio of sums minus that.
#[test]
fn a_ratio_field_s_previous_figure_is_the_ratio_of_the_previous_sums() {
    let (now, before) = (this_year(), last_year());
    let per_capita = |vs: &[Village]| sum(vs, |v| v.income) * 10000.0 / sum(vs, |v| v.resident);
    let out = diaoyan(&[
        "stats",
        "--json",
        root().join("data/township-2020.yaml").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["fields"]["income.per_capita"];
    let close = |a: &serde_json::Value, b: f64| (a.as_f64().unwrap() - b).abs() < 1e-6;
    assert!(close(&f["value"], per_capita(&now)), "{}", f["value"]);
    let p = &f["previous"];
    assert!(close(&p["value"], per_capita(&before)), "{}", p["value"]);
    assert!(
        close(&p["value_change"], per_capita(&now) - per_capita(&before)),
        "{}",
        p["value_change"]
    );
}

/// Attacker finding F33: `batch --split-by area` with `previous:` keeps a village removed
/// since last year in its area's previous figures: the 西片 report names it as 撤并 and
/// states the area's true change (Σ常住人口 of this year's 西片 minus last year's, the
/// removed village included), computed here from the two files.
#[test]
fn split_by_area_keeps_a_removed_village_in_its_area_s_previous_year() {
    let dir = tempfile::tempdir().unwrap();
    let data = root().join("data");
    std::fs::copy(
        data.join("township-2019.yaml"),
        dir.path().join("township-2019.yaml"),
    )
    .unwrap();
    let text = std::fs::read_to_string(data.join("township-2020.yaml")).unwrap();
    let at = text.find("  - name: 西庄村").unwrap();
    let next = at + text[at + 5..].find("  - name:").unwrap() + 5;
    let cut = format!("{}{}", &text[..at], &text[next..]);
    let now_file = dir.path().join("township-2020.yaml");
    std::fs::write(&now_file, cut).unwrap();
    let now: Vec<Village> = villages(&now_file)
        .into_iter()
        .filter(|v| v.area == "西片")
        .collect();
    let before: Vec<Village> = last_year()
        .into_iter()
        .filter(|v| v.area == "西片")
        .collect();
    assert!(before.iter().any(|v| v.name == "西庄村") && !now.iter().any(|v| v.name == "西庄村"));
    // The split `batch --split-by area` renders (survey::split), composed as it does.
    let (survey, pack) = diaoyan::survey::load(&now_file, None).unwrap();
    let composer = diaoyan::compose::Composer::new(&pack).unwrap();
    let (_, west) = diaoyan::survey::split(&survey, "area")
        .into_iter()
        .find(|(v, _)| v == "西片")
        .unwrap();
    let figures = diaoyan::stats::compute(&west, &pack.schema);
    let md = composer.render(&west, &figures).unwrap().replace('\\', "");
    let d = sum(&now, |v| v.resident) - sum(&before, |v| v.resident);
    assert!(d < 0.0);
    assert_has(&md, "撤并西庄村");
    assert_has(&md, &format!("常住人口{}", change(d, 0, "人")));
}

/// Attacker finding F3: a point's `text` (the data file's key, shown by `stats --json`) is
/// defined in templates too, as its paragraphs joined.
#[test]
fn a_point_s_text_is_defined_in_templates() {
    let (dir, _) = spec18_setup();
    let report = dir.path().join("templates/township-villages/report.md");
    let mut t = std::fs::read_to_string(&report).unwrap();
    t.push_str("\n{% for f in findings %}{% for pt in f.points %}PT[{{ pt.text }}]\n\n{% endfor %}{% endfor %}\n");
    std::fs::write(&report, t).unwrap();
    let out = run_in(
        dir.path(),
        &["render", "township-2020.yaml", "-o", "out", "--markdown"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(dir.path().join("out/township-2020.md")).unwrap();
    let yaml: Value = serde_yaml::from_str(
        &std::fs::read_to_string(root().join("data/township-2020.yaml")).unwrap(),
    )
    .unwrap();
    let first = text(&yaml["findings"][0]["points"][0], "text");
    assert_has(&md, &format!("PT[{}]", first.trim()));
}
