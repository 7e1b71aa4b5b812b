//! Admission of batch jobs by memory: what a report is expected to need, what the machine
//! (or its address-space or cgroup limit) leaves, and a gate that starts a job only when
//! it fits beside the jobs running.

use std::path::Path;
use std::sync::{Condvar, Mutex};

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
/// units: `JOB_BASE` + the larger of `RENDER_PER_UNIT` × units and
/// `RENDER_PER_BYTE` × bytes (units and table rows are both bytes of the file; either
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
/// need, in bytes: 8 MiB + `LOAD_PER_BYTE` × bytes.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
