//! Many reports in one run: every district of an office, in parallel, isolated (one bad
//! file never stops the others), atomic (no half-written report), deterministic (the same
//! bytes whatever the thread count), and shardable across machines.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

mod memory;
mod walk;

pub use memory::{load_cost, memory_budget, prepare_allocator, render_cost, Admission, Permit};
pub use walk::{collect_inputs, Inputs};

use crate::compose::Composer;
use crate::error::{Diagnostic, Error, Result};
use crate::render::pdf::FontSet;
use crate::survey::{self, Pack, Survey};
use crate::Format;

/// What a batch renders, and how: everything `diaoyan batch` takes on its command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// Data files, or folders of them (`*.yaml`, `*.yml`, searched recursively; hidden
    /// ones skipped). An input that does not exist is an error of the whole run (exit 2).
    pub inputs: Vec<PathBuf>,
    /// The folder every report's files are written to (created if missing).
    pub output: PathBuf,
    /// Worker threads asked for: the run uses at least 1 and at most [`MAX_JOBS`], and no
    /// more than there are data files when each file is one report (see [`threads`]).
    pub jobs: usize,
    /// The formats each report is written in, in the order they are rendered (sorted and
    /// without repeats, as the command line gives them).
    pub formats: Vec<Format>,
    /// Split each file by this unit tag into one report per value, plus the whole area.
    pub split_by: Option<String>,
    /// Render only slice `i` (1-based) of `n`: jobs whose index ≡ i − 1 (mod n).
    pub shard: Option<(usize, usize)>,
    /// A template pack folder (or a folder of packs) looked in before `./templates` and
    /// the built-in packs (as `render --template`).
    pub template: Option<PathBuf>,
    /// Render a report whose unit names, title or headings hold a character no font has
    /// (drawn as □), instead of failing it (see [`crate::check_glyphs`]).
    pub allow_missing_glyphs: bool,
}

/// How one report went.
#[derive(Debug)]
pub struct Outcome {
    /// The data file, and the region for a split report.
    pub label: String,
    /// The written files, or the error that stopped the report (its problems with their
    /// places, for a data file that does not load).
    pub result: std::result::Result<Vec<PathBuf>, Error>,
    /// What the writer should know about a written report (characters drawn as □).
    pub warnings: Vec<Diagnostic>,
}

impl Outcome {
    /// The first line of the error's text (the summary's `失败：` line), or `None` for a
    /// report that was written.
    pub fn first_error_line(&self) -> Option<String> {
        let e = self.result.as_ref().err()?;
        Some(e.to_string().lines().next().unwrap_or("").to_string())
    }
}

/// The whole run.
#[derive(Debug, Default)]
pub struct Summary {
    /// One per report planned (after sharding), in a fixed order: inputs by path, each
    /// file's whole area before its split parts.
    pub outcomes: Vec<Outcome>,
}

impl Summary {
    /// How many reports were rendered.
    pub fn ok(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_ok()).count()
    }

    /// The reports that failed.
    pub fn failed(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.result.is_err())
    }

    /// How many files the run wrote: the distinct paths of the rendered reports that are
    /// on disk now (what a user finds in the output folder, not a count of jobs).
    pub fn files(&self) -> usize {
        let paths: std::collections::BTreeSet<&PathBuf> = self
            .outcomes
            .iter()
            .filter_map(|o| o.result.as_ref().ok())
            .flatten()
            .collect();
        paths.into_iter().filter(|p| p.is_file()).count()
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
    error: Option<Error>,
    /// The memory the job is expected to need, in bytes ([`render_cost`]).
    cost: u64,
}

/// Load every input (in parallel, each load admitted by `gate`) and expand splits into
/// jobs, in a fixed order.
fn plan(opts: &Options, inputs: &Inputs, gate: &Admission) -> Vec<Job> {
    let planned: Vec<Vec<Job>> = inputs
        .entries
        .par_iter()
        .map(|(file, problem)| {
            let label = file.display().to_string();
            let failed = |error: Error| {
                vec![Job {
                    label: label.clone(),
                    file: file.clone(),
                    region: None,
                    name: String::new(),
                    error: Some(error),
                    cost: 0,
                }]
            };
            if let Some(problem) = problem {
                return failed(Error::input(Diagnostic::new(file, problem.clone())));
            }
            let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            let loaded = {
                let _permit = gate.admit(load_cost(bytes));
                survey::load(file, opts.template.as_deref())
            };
            let (s, pack) = match loaded {
                Ok(x) => x,
                Err(e) => return failed(e),
            };
            let units = |s: &Survey| {
                s.units.len() as u64 + s.previous.as_ref().map_or(0, |p| p.units.len() as u64)
            };
            let mut jobs = vec![Job {
                label: label.clone(),
                file: file.clone(),
                region: None,
                name: crate::output_name(&s.report, file),
                error: None,
                cost: render_cost(bytes, units(&s)),
            }];
            if let Some(tag) = &opts.split_by {
                if !pack.schema.tags.contains_key(tag) {
                    let known: Vec<&str> = pack.schema.tags.keys().map(String::as_str).collect();
                    return failed(Error::input(Diagnostic::new(
                        file,
                        format!(
                            "--split-by {tag} 不是模板声明的单位标签（可用：{}）",
                            known.join("、")
                        ),
                    )));
                }
                // One part at a time: all parts at once held a copy of the file per region.
                for region in survey::split_values(&s, tag) {
                    let part = survey::split_part(&s, tag, &region);
                    // A part is loaded from the whole file, then rendered for its units.
                    let cost = load_cost(bytes).max(render_cost(bytes / 4, units(&part)));
                    jobs.push(Job {
                        label: format!("{label} [{region}]"),
                        file: file.clone(),
                        name: crate::output_name(&part.report, file),
                        region: Some(region),
                        error: None,
                        cost,
                    });
                }
            }
            jobs
        })
        .collect();
    let mut jobs: Vec<Job> = planned.into_iter().flatten().collect();
    let mut names: Vec<&mut String> = jobs
        .iter_mut()
        .filter(|j| j.error.is_none())
        .map(|j| &mut j.name)
        .collect();
    distinct_names(&mut names);
    jobs
}

/// Make planned output names distinct, in order (so the same on every machine and
/// shard): the first job holding a name keeps it; a later one takes the first `name-N`
/// (N = 2, 3, …) that no job holds — neither one planned before it nor any job's own
/// name, so `report`, `report`, `report-2` become `report`, `report-3`, `report-2`.
/// Names are compared by [`crate::name_key`]: case-insensitively and whatever their Unicode
/// normalisation (`Report` and `report`, `café` in NFC and NFD, are one file on Windows
/// or macOS). Files already in the output folder are not considered: a batch run again
/// replaces its previous reports, as `render` does.
pub fn distinct_names(names: &mut [&mut String]) {
    let key = |s: &str| crate::names::name_key(s);
    let mut held: HashSet<String> = names.iter().map(|n| key(n)).collect();
    let mut kept: HashSet<String> = HashSet::new();
    for name in names.iter_mut() {
        if kept.insert(key(name)) {
            continue;
        }
        let base = name.clone();
        let mut n = 2u64;
        let next = loop {
            let candidate = format!("{base}-{n}");
            if !held.contains(&key(&candidate)) {
                break candidate;
            }
            n += 1;
        };
        held.insert(key(&next));
        kept.insert(key(&next));
        **name = next;
    }
}

/// The survey of one job: the file, or the part of it for the job's region.
fn load_job(job: &Job, opts: &Options) -> Result<(Survey, Pack)> {
    let (s, pack) = survey::load(&job.file, opts.template.as_deref())?;
    match (&job.region, &opts.split_by) {
        // Only this job's part is built (building every part to keep one made a batch of
        // V regions copy the file V² times).
        (Some(region), Some(tag)) => {
            if s.units.iter().any(|u| u.tags.get(tag) == Some(region)) {
                Ok((survey::split_part(&s, tag, region), pack))
            } else {
                Err(Error::render(format!(
                    "{}: 找不到 {region}",
                    job.file.display()
                )))
            }
        }
        _ => Ok((s, pack)),
    }
}

/// The most worker threads a batch runs (`-j` above it is capped): beyond a few per core
/// threads only add memory and scheduling (attacker note F-lead, issue 18: `-j 99999`
/// spawned thousands of threads for one file).
pub const MAX_JOBS: usize = 64;

/// The worker threads a run of `opts` over `files` data files uses: `opts.jobs` (0 taken
/// as 1), at most [`MAX_JOBS`], and at most `files` when each file makes one report (with
/// `split_by` a file makes several).
pub fn threads(opts: &Options, files: usize) -> usize {
    let mut n = opts.jobs.clamp(1, MAX_JOBS);
    if opts.split_by.is_none() {
        n = n.min(files.max(1));
    }
    n
}

/// Render every job; `progress` is told of each finished report (from worker threads),
/// with how many have finished so far.
///
/// # Errors
/// Only for the run as a whole: an input on the command line that does not exist
/// ([`Error::Io`]), no data file found ([`Error::Input`]), the output folder cannot be
/// created. A report that fails is an [`Outcome`] with its error; the others go on.
pub fn run(
    opts: &Options,
    fonts: &FontSet,
    progress: &(dyn Fn(usize, &Outcome) + Sync),
) -> Result<Summary> {
    let inputs = collect_inputs(&opts.inputs)?;
    if inputs.entries.is_empty() {
        return Err(Error::Input(vec![crate::Diagnostic::new(
            opts.inputs.first().cloned().unwrap_or_default(),
            "没有找到数据文件（*.yaml、*.yml）",
        )]));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads(opts, inputs.entries.len()))
        .build()
        .map_err(|e| Error::render_caused(e.to_string(), e))?;
    let gate = Admission::new(memory_budget());
    // Late if a thread has allocated already: the command line calls it first thing.
    prepare_allocator();
    pool.install(|| {
        let mut jobs = plan(opts, &inputs, &gate);
        if let Some((i, n)) = opts.shard {
            jobs = jobs
                .into_iter()
                .enumerate()
                .filter(|(k, _)| k % n == i - 1)
                .map(|(_, j)| j)
                .collect();
        }
        let total = jobs.len();
        crate::fsio::create_dir_all(&opts.output)?;
        let composers: Mutex<HashMap<String, Arc<Composer>>> = Mutex::new(HashMap::new());
        let done = std::sync::atomic::AtomicUsize::new(0);
        let outcomes: Vec<Outcome> = jobs
            .into_par_iter()
            .map(|mut job| {
                let written = match job.error.take() {
                    Some(e) => Err(e),
                    None => {
                        // Started only when its memory fits beside the jobs running.
                        let _permit = gate.admit(job.cost);
                        load_job(&job, opts).and_then(|(s, pack)| {
                            render_one(&s, &pack, &job.name, opts, fonts, &composers)
                        })
                    }
                };
                let (result, warnings) = match written {
                    Ok(w) => (Ok(w.paths), w.warnings),
                    Err(e) => (Err(e), Vec::new()),
                };
                let outcome = Outcome {
                    label: job.label,
                    result,
                    warnings,
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
) -> Result<crate::Written> {
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
    report.inputs.extend(crate::pack_files(pack));
    let glyphs = if opts.allow_missing_glyphs {
        crate::MissingGlyphs::Allow
    } else {
        crate::MissingGlyphs::Refuse
    };
    crate::write_with(&report, &opts.output, &opts.formats, fonts, glyphs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(names: &[&str]) -> Vec<String> {
        let mut owned: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut refs: Vec<&mut String> = owned.iter_mut().collect();
        distinct_names(&mut refs);
        owned
    }

    #[test]
    fn planned_names_are_distinct_against_every_planned_name() {
        assert_eq!(
            distinct(&["report", "report", "report-2"]),
            ["report", "report-3", "report-2"]
        );
        assert_eq!(
            distinct(&["a", "A", "a", "a-2"]),
            ["a", "A-3", "a-4", "a-2"]
        );
        assert_eq!(distinct(&["x", "y"]), ["x", "y"]);
    }

    #[test]
    fn shards() {
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("a/b").is_err());
        assert!(parse_shard("3").is_err());
    }
}
