//! Many reports in one run: every district of an office, in parallel, isolated (one bad
//! file never stops the others), atomic (no half-written report), deterministic (the same
//! bytes whatever the thread count), and shardable across machines.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

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

/// What [`collect_inputs`] found: the data files to render, and the paths that cannot be
/// (each with its reason, in Chinese), together in path order so every shard sees the
/// same list.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Inputs {
    /// `(path, None)` for a data file, `(path, Some(reason))` for a path that fails.
    pub entries: Vec<(PathBuf, Option<String>)>,
}

impl Inputs {
    /// The data files to render.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.entries
            .iter()
            .filter(|(_, e)| e.is_none())
            .map(|(p, _)| p.as_path())
    }
}

/// What makes two paths the same file or folder: (device, inode) on Unix; elsewhere the
/// canonical path.
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

#[cfg(unix)]
fn identity(_path: &Path, meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &std::fs::Metadata) -> Identity {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// State of one walk: what has been reached, and what was found.
#[derive(Default)]
struct Walk {
    /// The real path of the folder given on the command line being walked: a symlinked
    /// folder inside it is entered only if it leads to somewhere inside it too.
    root: Option<PathBuf>,
    folders: HashSet<Identity>,
    files: HashSet<Identity>,
    entries: Vec<(PathBuf, Option<String>)>,
}

impl Walk {
    fn fail(&mut self, path: &Path, reason: String) {
        self.entries.push((path.to_path_buf(), Some(reason)));
    }

    /// A data file (explicit, or found in a folder): refused unless regular (a FIFO,
    /// socket or device is never opened); taken once however many links reach it.
    fn file(&mut self, path: &Path, meta: &std::fs::Metadata) {
        if let Err(e) = crate::fsio::check_regular(path) {
            let reason = match e {
                Error::Input(ds) if !ds.is_empty() => ds[0].message.clone(),
                Error::Io { source, .. } => unreadable("文件", &source),
                e => e.to_string(),
            };
            return self.fail(path, reason);
        }
        // A regular file may be opened safely; one that cannot be read fails here, with a
        // reason in Chinese, rather than as an I/O error of the loader.
        if let Err(e) = std::fs::File::open(path) {
            return self.fail(path, unreadable("文件", &e));
        }
        if self.files.insert(identity(path, meta)) {
            self.entries.push((path.to_path_buf(), None));
        }
    }

    /// Whether the folder `dir` (reached through a symlink or not) really lies inside the
    /// folder the walk started from: a link such as `root -> /` or `self -> /proc/self`
    /// must not turn one district's folder into a walk of the whole file system.
    fn inside_root(&self, dir: &Path) -> bool {
        match (&self.root, dir.canonicalize()) {
            (Some(root), Ok(real)) => real.starts_with(root),
            _ => true,
        }
    }

    /// Every data file under `dir`, in name order; a folder reached again (a symlink loop,
    /// a second link to it) is walked once; one that cannot be read fails alone.
    fn folder(&mut self, dir: &Path, meta: &std::fs::Metadata) {
        if !self.folders.insert(identity(dir, meta)) {
            return;
        }
        let read = match std::fs::read_dir(dir) {
            Ok(r) => r,
            Err(e) => return self.fail(dir, unreadable("文件夹", &e)),
        };
        let mut paths = Vec::new();
        for entry in read {
            match entry {
                Ok(e) => paths.push(e.path()),
                Err(e) => return self.fail(dir, unreadable("文件夹", &e)),
            }
        }
        paths.sort();
        for p in paths {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Hidden files and folders, and our own temporary files (`.x.pdf.123.tmp`).
            if name.starts_with('.') {
                continue;
            }
            let data = p.extension().is_some_and(|x| x == "yaml" || x == "yml");
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() && !self.inside_root(&p) => self.fail(
                    &p,
                    "是指向批量目录之外的文件夹链接，未进入（如需处理，请把该文件夹直接写在命令行上）"
                        .to_string(),
                ),
                Ok(m) if m.is_dir() => self.folder(&p, &m),
                Ok(m) if data => self.file(&p, &m),
                Ok(_) => {}
                // A broken link or an unreadable entry: a failure if it names a data file.
                Err(e) if data => self.fail(&p, unreadable("文件", &e)),
                Err(_) => {}
            }
        }
    }
}

/// A reason in Chinese for a path that cannot be read.
fn unreadable(what: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::PermissionDenied => format!("没有读取此{what}的权限"),
        K::NotFound => format!("{what}不存在（或是指向不存在之处的符号链接）"),
        _ => match e.raw_os_error() {
            Some(40) if cfg!(target_os = "linux") => "符号链接层数过多（链接成环）".to_string(),
            Some(36) if cfg!(target_os = "linux") => "路径过长，无法读取".to_string(),
            _ => format!("无法读取此{what}：{}", crate::fsio::io_reason(e)),
        },
    }
}

/// Every data file under `inputs` (files, and folders searched recursively for `*.yaml`
/// and `*.yml`, hidden ones skipped), and every path that cannot be rendered, sorted by
/// path, each file once.
///
/// A folder is walked once however many times it is reached (symlink loops such as
/// `loop -> .` end); a file reached through several links is taken once. A folder or file
/// that cannot be read, and a FIFO, socket or device named like a data file, become
/// failures of their own (the rest is still rendered); they are never opened.
///
/// # Errors
/// [`Error::Io`] (exit 2) when an input given on the command line does not exist.
pub fn collect_inputs(inputs: &[PathBuf]) -> Result<Inputs> {
    let mut walk = Walk::default();
    for p in inputs {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                walk.root = p.canonicalize().ok();
                walk.folder(p, &m)
            }
            Ok(m) => walk.file(p, &m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::io(
                    p,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "文件或目录不存在"),
                ))
            }
            Err(e) => walk.fail(p, unreadable("文件", &e)),
        }
    }
    let mut entries = walk.entries;
    entries.sort();
    entries.dedup();
    Ok(Inputs { entries })
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
            let failed = |error: String| {
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
                return failed(format!("{}: {problem}", file.display()));
            }
            let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            let loaded = {
                let _permit = gate.admit(load_cost(bytes));
                survey::load(file, opts.template.as_deref())
            };
            let (s, pack) = match loaded {
                Ok(x) => x,
                Err(e) => return failed(e.to_string()),
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
                    return failed(format!(
                        "{}: --split-by {tag} 不是模板声明的单位标签（可用：{}）",
                        file.display(),
                        known.join("、")
                    ));
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
    let key = |s: &str| crate::name_key(s);
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
                Err(Error::Render(format!(
                    "{}: 找不到 {region}",
                    job.file.display()
                )))
            }
        }
        _ => Ok((s, pack)),
    }
}

/// Render every job; `progress` is told of each finished report (from worker threads).
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
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| Error::Render(e.to_string()))?;
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
            .map(|job| {
                let result = match &job.error {
                    Some(e) => Err(e.clone()),
                    None => {
                        // Started only when its memory fits beside the jobs running.
                        let _permit = gate.admit(job.cost);
                        load_job(&job, opts)
                            .and_then(|(s, pack)| {
                                render_one(&s, &pack, &job.name, opts, fonts, &composers)
                            })
                            .map_err(|e| e.to_string())
                    }
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

/// Fixed memory one report needs whatever its size (composer, fonts in use, the output
/// buffers of a small report), in bytes.
const JOB_BASE: u64 = 24 << 20;

/// Memory a report needs per unit (its own and its previous period's), in bytes: measured
/// with the built-in community-survey pack, DOCX + PDF, where the peak resident memory of
/// `render` grows by about 115 KiB a unit (2,000 units: 250 MB; 5,000 units: 600 MB), most
/// of it the DOCX tables' docx-rs tree. Rounded up for allocator slack.
const RENDER_PER_UNIT: u64 = 128 << 10;

/// Memory a report needs per byte of its data file, in bytes, whatever the bytes make:
/// measured peak resident memory of `render` (DOCX + PDF) per byte of the data file is
/// about 240 for a file of table rows (40,000 `pay_scale` rows, 2.6 MB: 613 MB) and about
/// 345 for a file of units (4,358 units, 1.6 MB: 536 MB) — the latter covered by
/// [`RENDER_PER_UNIT`]. Long prose needs less; the estimate errs on the side of running
/// jobs one after another.
const RENDER_PER_BYTE: u64 = 256;

/// Memory loading a data file needs per byte of it (the YAML event list, the value tree,
/// positions and the typed survey together peak at about 45 bytes a byte), in bytes.
const LOAD_PER_BYTE: u64 = 64;

/// The memory a report is expected to need, in bytes, from its data file's size and its
/// units: [`JOB_BASE`] + the larger of [`RENDER_PER_UNIT`] × units and
/// [`RENDER_PER_BYTE`] × bytes (units and table rows are both bytes of the file; either
/// may be what the report is made of), and at least what loading the file needs
/// ([`load_cost`]). An estimate for admission, not a limit: a report may need more (a pack
/// whose template prints a table per unit).
pub fn render_cost(bytes: u64, units: u64) -> u64 {
    let render = JOB_BASE.saturating_add(
        units
            .saturating_mul(RENDER_PER_UNIT)
            .max(bytes.saturating_mul(RENDER_PER_BYTE)),
    );
    render.max(load_cost(bytes))
}

/// The memory loading (parsing and checking) a data file of `bytes` bytes is expected to
/// need, in bytes: 8 MiB + [`LOAD_PER_BYTE`] × bytes.
pub fn load_cost(bytes: u64) -> u64 {
    (8u64 << 20).saturating_add(bytes.saturating_mul(LOAD_PER_BYTE))
}

/// The memory a batch may use for the jobs running at once, in bytes: three fifths of the
/// least of
/// - the address-space limit (`RLIMIT_AS`, `ulimit -v`, `prlimit --as`) when one is set,
///   less the address space already in use (the program, its fonts, its threads);
/// - the memory available now (`MemAvailable` in `/proc/meminfo`);
/// - a cgroup v2 memory limit (`memory.max` less `memory.current` of the process's cgroup,
///   as in a container) when one is set.
///
/// The other two fifths are left for what no estimate covers: allocator slack, the
/// per-thread arenas, thread stacks. Without any of the three (not Linux, no `/proc`),
/// 4 GiB.
pub fn memory_budget() -> u64 {
    let caps = [address_space_left(), mem_available(), cgroup_left()];
    let cap = caps.into_iter().flatten().min().unwrap_or(4 << 30);
    cap / 5 * 3
}

/// Make every thread allocate from one malloc arena (glibc). Under an address-space limit
/// this is what lets jobs run one after another: glibc gives each thread its own arenas and
/// keeps their address space reserved after a job frees its memory, so three threads that
/// each rendered one 3,000-unit report in turn held the address space of three at once (the
/// third aborted under 1 GiB). With one arena, what a job frees is reused by the next.
///
/// Done only under an address-space limit, and before any other thread allocates: glibc
/// fixes its arena count when a thread first needs an arena, and threads given arenas
/// before would keep them. Calling it again does nothing more.
pub fn prepare_allocator() {
    if address_space_left().is_some() {
        share_one_arena();
    }
}

/// `mallopt(M_ARENA_MAX, 1)` on glibc; nothing elsewhere.
fn share_one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; glibc makes it thread-safe.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// The address space left under `RLIMIT_AS`, if a limit is set.
#[cfg(unix)]
fn address_space_left() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into `lim`, a valid rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) } != 0
        || lim.rlim_cur == libc::RLIM_INFINITY
    {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every Unix
    let limit = lim.rlim_cur as u64;
    let used = proc_status_kb("VmSize:").unwrap_or(0).saturating_mul(1024);
    Some(limit.saturating_sub(used))
}

#[cfg(not(unix))]
fn address_space_left() -> Option<u64> {
    None
}

/// A `kB` figure from `/proc/self/status` (Linux), in kB.
fn proc_status_kb(key: &str) -> Option<u64> {
    kb_field(&std::fs::read_to_string("/proc/self/status").ok()?, key)
}

/// `MemAvailable` from `/proc/meminfo` (Linux), in bytes.
fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    Some(kb_field(&text, "MemAvailable:")?.saturating_mul(1024))
}

/// The value of the line starting with `key` in a `/proc` file of `key value kB` lines.
fn kb_field(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// What is left under the cgroup v2 memory limit of this process's cgroup, in bytes.
fn cgroup_left() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    // cgroup v2: one line `0::/path`.
    let rel = own.lines().find_map(|l| l.strip_prefix("0::"))?.trim();
    let dir = Path::new("/sys/fs/cgroup").join(rel.trim_start_matches('/'));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?; // "max": no limit
    let current: u64 = read("memory.current")
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    Some(max.saturating_sub(current))
}

/// Admission of jobs by memory: a job starts only when its expected cost fits in the budget
/// beside the jobs running; a job bigger than the whole budget starts when nothing else
/// runs, and runs alone.
pub struct Admission {
    budget: u64,
    running: Mutex<u64>,
    freed: Condvar,
}

/// A running job's share of an [`Admission`]'s budget, returned when dropped.
pub struct Permit<'a> {
    gate: &'a Admission,
    cost: u64,
}

impl Admission {
    /// A gate for jobs sharing `budget` bytes.
    pub fn new(budget: u64) -> Self {
        Admission {
            budget,
            running: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Wait until a job of `cost` bytes may start, and count it as running until the permit
    /// is dropped.
    pub fn admit(&self, cost: u64) -> Permit<'_> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        while *running > 0 && running.saturating_add(cost) > self.budget {
            running = self.freed.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        *running = running.saturating_add(cost);
        Permit { gate: self, cost }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut running = self.gate.running.lock().unwrap_or_else(|e| e.into_inner());
        *running = running.saturating_sub(self.cost);
        self.gate.freed.notify_all();
    }
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
    fn admission_keeps_the_running_total_within_the_budget() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let gate = Admission::new(100);
        let (now, peak) = (AtomicU64::new(0), AtomicU64::new(0));
        let costs = [60u64, 60, 30, 30, 150, 10, 90];
        std::thread::scope(|s| {
            for &c in &costs {
                let (gate, now, peak) = (&gate, &now, &peak);
                s.spawn(move || {
                    let _p = gate.admit(c);
                    let total = now.fetch_add(c, Ordering::SeqCst) + c;
                    peak.fetch_max(if c > 100 { 0 } else { total }, Ordering::SeqCst);
                    // The job bigger than the budget runs alone.
                    if c > 100 {
                        assert_eq!(total, c);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    now.fetch_sub(c, Ordering::SeqCst);
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 100);
        assert_eq!(*gate.running.lock().unwrap(), 0);
    }

    #[test]
    fn costs_grow_with_units_and_bytes() {
        assert_eq!(render_cost(0, 0), JOB_BASE);
        assert_eq!(render_cost(1000, 10), JOB_BASE + 10 * RENDER_PER_UNIT);
        // A file of few units and many bytes (table rows) is counted by its bytes: the
        // 40,000-row file of 2.6 MB measured 613 MB.
        assert!(render_cost(2_555_790, 5) > 613_000_000);
        assert_eq!(
            render_cost(100 << 20, 1),
            JOB_BASE + (100 << 20) * RENDER_PER_BYTE
        );
        assert_eq!(
            kb_field("A: 1 kB\nMemAvailable:  2048 kB\n", "MemAvailable:"),
            Some(2048)
        );
        assert!(memory_budget() > 0);
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
