//! Synthetic survey data for the flagship template: plausible numbers that pass validation,
//! for benchmarks and batch tests (`diaoyan sample`).

use std::fmt::Write;

/// SplitMix64: a tiny deterministic generator (same seed, same files on every machine).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    /// `total` split into `parts` non-negative whole parts.
    fn split(&mut self, total: u64, parts: usize) -> Vec<u64> {
        let mut cuts: Vec<u64> = (0..parts - 1).map(|_| self.range(0, total)).collect();
        cuts.sort_unstable();
        let mut out = Vec::with_capacity(parts);
        let mut prev = 0;
        for c in cuts {
            out.push(c - prev);
            prev = c;
        }
        out.push(total - prev);
        out
    }
}

const STREETS: [&str; 12] = [
    "东风", "解放", "建设", "和平", "胜利", "幸福", "光明", "团结", "新华", "人民", "友谊", "朝阳",
];
const SUFFIX: [&str; 6] = [
    "第一社区",
    "第二社区",
    "第三社区",
    "北社区",
    "南社区",
    "东社区",
];

fn units(rng: &mut Rng, prefix: &str, region: Option<&str>, out: &mut String) {
    let n = rng.range(MIN_UNITS_PER_DISTRICT, MAX_UNITS_PER_DISTRICT) as usize;
    let base = rng.range(0, STREETS.len() as u64 - 1) as usize;
    for k in 0..n {
        let street = STREETS[(base + k / SUFFIX.len()) % STREETS.len()];
        let name = format!("{prefix}{street}{}", SUFFIX[k % SUFFIX.len()]);
        let households = rng.range(300, 5200);
        let residents = households * rng.range(22, 32) / 10;
        let office = rng.range(80, 420);
        let rented = if rng.range(0, 2) == 0 {
            0
        } else {
            rng.range(0, office)
        };
        let staff = rng.range(6, 16);
        let edu = rng.split(staff, 3);
        let age = rng.split(staff, 4);
        let male = rng.range(0, staff / 2);
        let _ = writeln!(out, "  - name: {name}");
        if let Some(r) = region {
            let _ = writeln!(out, "    region: {r}");
        }
        let _ = writeln!(out, "    households: {households}");
        let _ = writeln!(out, "    residents: {residents}");
        let _ = writeln!(
            out,
            "    office: {{ total: {office}, owned: {}, rented: {rented} }}",
            office - rented
        );
        let _ = writeln!(out, "    staff:");
        let _ = writeln!(out, "      total: {staff}");
        let _ = writeln!(
            out,
            "      education: {{ graduate: {}, college: {}, secondary: {} }}",
            edu[0], edu[1], edu[2]
        );
        let _ = writeln!(
            out,
            "      age: {{ under30: {}, from30: {}, from40: {}, over50: {} }}",
            age[0], age[1], age[2], age[3]
        );
        let _ = writeln!(
            out,
            "      gender: {{ male: {male}, female: {} }}",
            staff - male
        );
        let _ = writeln!(out, "    caseload: {}", rng.range(3, 110) * 100);
    }
}

const TAIL: &str = r#"tables:
  pay_scale:
    - { category: 居委会, post: 书记兼主任, monthly: 2400 }
    - { category: 居委会, post: 副主任, monthly: 1800 }
    - { category: 居委会, post: 委员, monthly: 1500 }
    - { category: 公益性岗位, monthly: 1600 }
    - { category: 社区专职工作者, post: 研究生, monthly: 3000 }
    - { category: 社区专职工作者, post: 本科, monthly: 2500 }
    - { category: 社区专职工作者, post: 大专, monthly: 2200 }
facts:
  funding: { office: 15000, party: 20000 }
  seniority_raise: 15
findings:
  - title: 经费和用房保障不足
    topic: office
    text: 社区经费来源单一，办公用房面积普遍偏小，部分社区仍需租房办公。
  - title: 薪酬待遇偏低
    topic: pay
    text: 社区工作人员收入与工作量不相称，队伍稳定面临压力。
  - title: 队伍结构有待优化
    topic: staff
    text: 年龄、学历和性别结构仍不均衡，系统培训不足。
recommendations:
  - title: 加大投入，改善办公条件
    text: 建立稳定的经费保障机制，逐步解决租房办公问题。
  - title: 提高待遇，稳定队伍
    text: 完善薪酬和激励制度，吸引和留住优秀人才。
closing: 以数据为依据持续改进社区管理，是提升基层治理能力的重要途径。
"#;

fn header(out: &mut String, k: usize, region: &str, year: u64) {
    let _ = writeln!(out, "template: community-survey");
    let _ = writeln!(out, "report:");
    let _ = writeln!(out, "  title: {region}社区管理情况调研报告");
    let _ = writeln!(out, "  region: {region}");
    let _ = writeln!(out, "  period: \"{year}\"");
    let _ = writeln!(out, "  organisation: {region}办事处");
    let _ = writeln!(out, "  date: \"{}-03-01\"", year + 1);
    let _ = writeln!(out, "  output: sample-{k:04}");
    let _ = writeln!(out, "units:");
}

/// Fewest communities [`districts`] and [`city`] give one district.
pub const MIN_UNITS_PER_DISTRICT: u64 = 8;
/// Most communities [`districts`] and [`city`] give one district.
pub const MAX_UNITS_PER_DISTRICT: u64 = 15;
/// Most files `diaoyan sample` writes in one run (one per district).
pub const MAX_DISTRICT_FILES: usize = 10_000;

/// Check a `diaoyan sample` request before anything is generated: at least one district;
/// with `one_file`, at most as many districts as keep the city file within `max_units`
/// units (the `DIAOYAN_MAX_UNITS` limit, counting [`MAX_UNITS_PER_DISTRICT`] a district,
/// so `check` accepts every file written); otherwise at most [`MAX_DISTRICT_FILES`].
///
/// # Errors
/// The reason, in Chinese.
pub fn check_districts(n: usize, one_file: bool, max_units: u64) -> Result<(), String> {
    if n == 0 {
        return Err("--districts 须至少为 1（每个街道一个样例文件）".to_string());
    }
    if one_file {
        let most = (max_units / MAX_UNITS_PER_DISTRICT).max(1);
        if n as u64 > most {
            return Err(format!(
                "--districts {n} 过多：--one-file 写出的全市文件每个街道最多 \
                 {MAX_UNITS_PER_DISTRICT} 个社区，单位数须不超过上限 {max_units}，\
                 故最多 {most} 个街道（可设置环境变量 DIAOYAN_MAX_UNITS 提高上限）"
            ));
        }
    } else if n > MAX_DISTRICT_FILES {
        return Err(format!(
            "--districts {n} 过多：每个街道写一个文件，一次最多 {MAX_DISTRICT_FILES} 个"
        ));
    }
    Ok(())
}

/// One data file per district: (file name, YAML text).
pub fn districts(n: usize, seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng(seed);
    (1..=n)
        .map(|k| {
            let region = format!("示范第{k}街道");
            let mut out = String::new();
            header(&mut out, k, &region, 2019);
            units(&mut rng, "", None, &mut out);
            out.push_str(TAIL);
            (format!("sample-{k:04}.yaml"), out)
        })
        .collect()
}

/// One data file for a whole city: every district's communities tagged with `region`.
pub fn city(n: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut out = String::new();
    header(&mut out, 0, "示范市", 2019);
    for k in 1..=n {
        let region = format!("示范第{k}街道");
        units(&mut rng, &format!("{k}区"), Some(&region), &mut out);
    }
    out.push_str(TAIL);
    out
}

/// `diaoyan sample`: write the sample files into `output` (created if missing), each
/// atomically — one per district ([`districts`]), or with `one_file` one city-wide
/// `city.yaml` ([`city`]) — telling `written` each path once it is in place. Check the
/// request with [`check_districts`] first.
///
/// # Errors
/// [`crate::Error::Io`] when the folder or a file cannot be written (the files written
/// before stay).
pub fn write_files(
    districts_n: usize,
    seed: u64,
    output: &std::path::Path,
    one_file: bool,
    mut written: impl FnMut(&std::path::Path),
) -> crate::Result<()> {
    crate::fsio::create_dir_all(output)?;
    let files = if one_file {
        vec![("city.yaml".to_string(), city(districts_n, seed))]
    } else {
        districts(districts_n, seed)
    };
    for (name, text) in files {
        let p = output.join(name);
        crate::write::write_atomic(&p, text.as_bytes())?;
        written(&p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_valid_and_deterministic() {
        let a = districts(3, 7);
        assert_eq!(a, districts(3, 7));
        assert_ne!(a, districts(3, 8));
        let dir = std::env::temp_dir().join(format!("diaoyan-sample-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in a
            .iter()
            .chain(std::iter::once(&("city.yaml".to_string(), city(3, 7))))
        {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            let loaded = crate::survey::load(&p, None);
            assert!(
                loaded.is_ok(),
                "{name}: {}",
                loaded.err().map(|e| e.to_string()).unwrap_or_default()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
