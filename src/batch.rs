//! Many reports in one run: every district of an office, in parallel, isolated (one bad
//! file never stops the others), atomic (no half-written report), deterministic (the same
//! bytes whatever the thread count), and shardable across machines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::compose::Composer;
use crate::error::{Error, Result};
use crate::render::pdf::FontSet;
use crate::survey::{self, Pack, Survey};
use crate::Format;

/// What to render.
#[derive(Debug, Clone)]
pub struct Options {
    /// Data files, or folders of them (`*.yaml`, `*.yml`, searched recursively).
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    /// Worker threads (at least 1).
    pub jobs: usize,
    pub formats: Vec<Format>,
    /// Split each file by this unit tag into one report per value, plus the whole area.
    pub split_by: Option<String>,
    /// Render only slice `i` (1-based) of `n`: jobs whose index ≡ i − 1 (mod n).
    pub shard: Option<(usize, usize)>,
    pub template: Option<PathBuf>,
    /// Render a report whose unit names, title or headings hold a character no font has
    /// (drawn as □), instead of failing it (see [`crate::check_glyphs`]).
    pub allow_missing_glyphs: bool,
}

/// How one report went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The data file, and the region for a split report.
    pub label: String,
    /// The written files, or the first error (with its file and line).
    pub result: std::result::Result<Vec<PathBuf>, String>,
}

/// The whole run.
#[derive(Debug, Default)]
pub struct Summary {
    pub outcomes: Vec<Outcome>,
}

impl Summary {
    pub fn ok(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_ok()).count()
    }

    pub fn failed(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.result.is_err())
    }
}

/// Parse `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(s: &str) -> std::result::Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard 应为 I/N，例如 1/4，实际为“{s}”"))?;
    let (i, n): (usize, usize) = (
        i.trim()
            .parse()
            .map_err(|_| format!("--shard 中的 I 不是正整数：“{i}”"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("--shard 中的 N 不是正整数：“{n}”"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard {i}/{n} 无效：需要 1 ≤ I ≤ N"));
    }
    Ok((i, n))
}

/// Every data file under `inputs`, sorted, without duplicates.
pub fn collect_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in inputs {
        if p.is_dir() {
            walk(p, &mut files)?;
        } else if p.exists() {
            files.push(p.clone());
        } else {
            return Err(Error::io(
                p,
                std::io::Error::new(std::io::ErrorKind::NotFound, "文件或目录不存在"),
            ));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    Ok(())
}

/// One report to render: a data file, or one region of it. Only names are kept between
/// planning and rendering — each job loads its data again — so memory stays flat however
/// many districts a run has.
struct Job {
    label: String,
    file: PathBuf,
    /// `Some(value)`: the part of the file whose units have this `split_by` tag value.
    region: Option<String>,
    name: String,
    /// A problem found while planning (the file does not load, the tag is unknown).
    error: Option<String>,
}

/// Load every input (in parallel) and expand splits into jobs, in a fixed order.
fn plan(opts: &Options, files: &[PathBuf]) -> Vec<Job> {
    let planned: Vec<Vec<Job>> = files
        .par_iter()
        .map(|file| {
            let label = file.display().to_string();
            let failed = |error: String| {
                vec![Job {
                    label: label.clone(),
                    file: file.clone(),
                    region: None,
                    name: String::new(),
                    error: Some(error),
                }]
            };
            let (s, pack) = match survey::load(file, opts.template.as_deref()) {
                Ok(x) => x,
                Err(e) => return failed(e.to_string()),
            };
            let mut jobs = vec![Job {
                label: label.clone(),
                file: file.clone(),
                region: None,
                name: crate::output_name(&s.report, file),
                error: None,
            }];
            if let Some(tag) = &opts.split_by {
                if !pack.schema.tags.contains_key(tag) {
                    let known: Vec<&str> = pack.schema.tags.keys().map(String::as_str).collect();
                    return failed(format!(
                        "{}: --split-by {tag} 不是模板声明的单位标签（可用：{}）",
                        file.display(),
                        known.join("、")
                    ));
                }
                for (region, part) in survey::split(&s, tag) {
                    jobs.push(Job {
                        label: format!("{label} [{region}]"),
                        file: file.clone(),
                        name: crate::output_name(&part.report, file),
                        region: Some(region),
                        error: None,
                    });
                }
            }
            jobs
        })
        .collect();
    let mut jobs: Vec<Job> = planned.into_iter().flatten().collect();
    // Unique output names, decided in job order (so the same on every machine and shard).
    let mut used: HashMap<String, usize> = HashMap::new();
    for j in jobs.iter_mut().filter(|j| j.error.is_none()) {
        let n = used.entry(j.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            j.name = format!("{}-{}", j.name, n);
        }
    }
    jobs
}

/// The survey of one job: the file, or the part of it for the job's region.
fn load_job(job: &Job, opts: &Options) -> Result<(Survey, Pack)> {
    let (s, pack) = survey::load(&job.file, opts.template.as_deref())?;
    match (&job.region, &opts.split_by) {
        (Some(region), Some(tag)) => survey::split(&s, tag)
            .into_iter()
            .find(|(r, _)| r == region)
            .map(|(_, part)| (part, pack))
            .ok_or_else(|| Error::Render(format!("{}: 找不到 {region}", job.file.display()))),
        _ => Ok((s, pack)),
    }
}

/// Render every job; `progress` is told of each finished report (from worker threads).
pub fn run(
    opts: &Options,
    fonts: &FontSet,
    progress: &(dyn Fn(usize, &Outcome) + Sync),
) -> Result<Summary> {
    let files = collect_inputs(&opts.inputs)?;
    if files.is_empty() {
        return Err(Error::Input(vec![crate::Diagnostic::new(
            opts.inputs.first().cloned().unwrap_or_default(),
            "没有找到数据文件（*.yaml、*.yml）",
        )]));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| Error::Render(e.to_string()))?;
    pool.install(|| {
        let mut jobs = plan(opts, &files);
        if let Some((i, n)) = opts.shard {
            jobs = jobs
                .into_iter()
                .enumerate()
                .filter(|(k, _)| k % n == i - 1)
                .map(|(_, j)| j)
                .collect();
        }
        let total = jobs.len();
        std::fs::create_dir_all(&opts.output).map_err(|e| Error::io(&opts.output, e))?;
        let composers: Mutex<HashMap<String, Arc<Composer>>> = Mutex::new(HashMap::new());
        let done = std::sync::atomic::AtomicUsize::new(0);
        let outcomes: Vec<Outcome> = jobs
            .into_par_iter()
            .map(|job| {
                let result = match &job.error {
                    Some(e) => Err(e.clone()),
                    None => load_job(&job, opts)
                        .and_then(|(s, pack)| {
                            render_one(&s, &pack, &job.name, opts, fonts, &composers)
                        })
                        .map_err(|e| e.to_string()),
                };
                let outcome = Outcome {
                    label: job.label,
                    result,
                };
                let k = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                progress(k.min(total), &outcome);
                outcome
            })
            .collect();
        Ok(Summary { outcomes })
    })
}

fn render_one(
    s: &Survey,
    pack: &Pack,
    name: &str,
    opts: &Options,
    fonts: &FontSet,
    composers: &Mutex<HashMap<String, Arc<Composer>>>,
) -> Result<Vec<PathBuf>> {
    let key = pack.origin();
    let cached = composers.lock().ok().and_then(|m| m.get(&key).cloned());
    let composer = match cached {
        Some(c) => c,
        None => {
            let c = Arc::new(Composer::new(pack)?);
            if let Ok(mut m) = composers.lock() {
                m.insert(key, Arc::clone(&c));
            }
            c
        }
    };
    let mut report = crate::build_from(s, &pack.schema, &composer)?;
    report.name = name.to_string();
    let glyphs = if opts.allow_missing_glyphs {
        crate::MissingGlyphs::Allow
    } else {
        crate::MissingGlyphs::Refuse
    };
    Ok(crate::write_with(&report, &opts.output, &opts.formats, fonts, glyphs)?.paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards() {
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("a/b").is_err());
        assert!(parse_shard("3").is_err());
    }
}
