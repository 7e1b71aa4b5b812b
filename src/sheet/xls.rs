//! A pre-flight check of a legacy `.xls` (a Compound File holding a BIFF8 workbook stream)
//! before calamine opens it. calamine sizes buffers from numbers in the file — a FAT or
//! DIFAT length, a sector id (its reader grows its buffer to `id × sector size`), a stream
//! length, a sheet's DIMENSIONS record, a cell's row and column (its range is dense from
//! the first to the last cell) — and follows sector chains without a step limit. About one
//! mutated `.xls` in ten made it ask for terabytes and abort, which no `catch_unwind` can
//! stop. This module walks the same structures the way calamine does, with every size
//! bounded by the file's own size or the sheet limits, and refuses what would blow up.
//! The workbook stream whose BIFF records are checked is the one calamine reads: found
//! by name the same way and read from the mini stream when under 4096 bytes (a workbook
//! there once went unchecked and asked for 6.3 GB), from the file's sectors otherwise.
//! (Index panics are left to calamine: they are caught at the import boundary.)

use std::path::Path;

use super::guard::{damaged, Budget};
use crate::error::Result;

const RESERVED: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The file's sectors as calamine reads them: sector `id` starts at `(id + 1) × size`.
/// calamine keeps what it has read in a buffer (file bytes after the header) that it
/// grows to the end of each sector asked for, zero-filled past the end of the file:
/// `high` is that buffer's length, so a sector past the end reads as zeros once the
/// buffer has been grown over it, and as short or empty before.
struct Sectors<'a> {
    bytes: &'a [u8],
    size: usize,
    high: std::cell::Cell<usize>,
}

/// Why a walk stopped early: the file would make calamine allocate without bound.
struct Unbounded;

impl Sectors<'_> {
    /// Sector `id`'s bytes as calamine's `Sectors::get` returns them. calamine grows its
    /// buffer to `(id + 1) × size` first: refused when that is past the file (by more
    /// than a sector).
    fn get(&self, id: u32) -> std::result::Result<Vec<u8>, Unbounded> {
        let size = self.size;
        if (u64::from(id) + 1) * size as u64 > self.bytes.len() as u64 + size as u64 {
            return Err(Unbounded);
        }
        // Offsets in calamine's buffer: byte `i` is the file's byte `size + i`.
        let start = id as usize * size;
        let end = start + size;
        let avail = self.bytes.len().saturating_sub(size);
        let old = self.high.get();
        let reached = if end <= old {
            end
        } else {
            self.high.set(end);
            if old < avail {
                end.min(avail)
            } else {
                old
            }
        };
        // Past `reached` calamine slices out of bounds (a panic, caught at the boundary).
        let mut out = vec![0; reached.saturating_sub(start)];
        let real = self
            .bytes
            .get(size + start..(size + reached).min(self.bytes.len()))
            .unwrap_or_default();
        out[..real.len()].copy_from_slice(real);
        Ok(out)
    }

    /// At most how many sectors the file has: no chain is longer.
    fn count(&self) -> usize {
        self.bytes.len() / self.size + 1
    }

    /// The chain from `id` through `fats`, as calamine's `get_chain` walks it: refused if
    /// a sector is past the file or the chain is longer than the file has sectors (a
    /// loop). A link out of the FAT ends the walk (calamine panics there; caught).
    fn chain(&self, id: u32, fats: &[u32]) -> std::result::Result<Vec<u8>, Unbounded> {
        let mut out = Vec::new();
        follow(id, fats, self.count(), |id| {
            out.extend_from_slice(&self.get(id)?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// The mini stream's 64-byte sectors, as calamine reads them.
fn mini_chain(ministream: &[u8], id: u32, mini_fats: &[u32]) -> std::result::Result<(), Unbounded> {
    follow(id, mini_fats, ministream.len() / 64 + 1, |id| {
        if (u64::from(id) + 1) * 64 > ministream.len() as u64 + 64 {
            return Err(Unbounded);
        }
        Ok(())
    })
}

/// Walk the sector chain from `id` through `links` (a FAT or the mini FAT), calling
/// `visit` for each sector, as calamine walks it: refused after `max_steps` sectors (a
/// loop); a link out of the table ends the walk.
fn follow(
    mut id: u32,
    links: &[u32],
    max_steps: usize,
    mut visit: impl FnMut(u32) -> std::result::Result<(), Unbounded>,
) -> std::result::Result<(), Unbounded> {
    let mut steps = 0;
    while id != ENDOFCHAIN {
        visit(id)?;
        steps += 1;
        if steps > max_steps {
            return Err(Unbounded);
        }
        match links.get(id as usize) {
            Some(&next) => id = next,
            None => break,
        }
    }
    Ok(())
}

/// Check `bytes` (a `.xls`) before calamine opens it; see the module documentation.
/// Anything that is not a Compound File, or that calamine will reject cleanly, passes.
///
/// # Errors
/// The "damaged workbook" error for structures that would make calamine allocate without
/// bound; [`Budget`]'s limit errors for a sheet whose cells (or declared dimensions) span
/// more rows, columns or cells than allowed.
pub fn check(path: &Path, bytes: &[u8]) -> Result<()> {
    match walk(path, bytes) {
        Ok(r) => r,
        Err(Unbounded) => Err(damaged(path)),
    }
}

fn walk(path: &Path, bytes: &[u8]) -> std::result::Result<Result<()>, Unbounded> {
    let file_len = bytes.len() as u64;
    let Some(header) = bytes.get(..512) else {
        return Ok(Ok(()));
    };
    if !header.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(Ok(()));
    }
    let size = match u16_at(header, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Ok(Ok(())),
    };
    if u16_at(header, 32) != Some(6) {
        return Ok(Ok(()));
    }
    let field = |at| u32_at(header, at).unwrap_or(0);
    let (dir_len, fat_len, dir_start) = (field(40), field(44), field(48));
    let (mini_fat_start, mini_fat_len, difat_start) = (field(60), field(64), field(68));
    let difat_len = field(62);
    // Capacities calamine reserves from the header.
    let fits = |n: u64| n <= file_len + size as u64;
    // calamine reads the DIFAT length from the wrong offset (62: the high half of the
    // mini FAT start, the low half of its length), so a valid file gives up to 256 KiB or
    // so; only what no memory can hold is refused.
    if u64::from(difat_len) * 4 > 256 << 20
        || !fits(u64::from(fat_len) * 4)
        || !fits(u64::from(dir_len) * size as u64)
        || !fits(u64::from(mini_fat_len) * size as u64)
    {
        return Err(Unbounded);
    }
    let sectors = Sectors {
        bytes,
        size,
        high: std::cell::Cell::new(0),
    };
    // The DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    let mut difat: Vec<u32> = header[76..512]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let mut id = difat_start;
    let mut steps = 0;
    while id < RESERVED {
        difat.extend(
            sectors
                .get(id)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        steps += 1;
        if steps > sectors.count() {
            return Err(Unbounded);
        }
        match difat.pop() {
            Some(next) => id = next,
            None => break,
        }
    }
    // The FAT: every listed sector read and appended.
    let fat_sectors = difat.iter().filter(|&&id| id < DIFSECT).count() as u64;
    if !fits(fat_sectors * size as u64) {
        return Err(Unbounded);
    }
    let mut fats = Vec::new();
    for &id in difat.iter().filter(|&&id| id < DIFSECT) {
        fats.extend(
            sectors
                .get(id)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
    }
    // The directory: 128-byte entries (name, start sector, length). calamine cuts the
    // chain into `chunks(128)`, so a last entry cut short by the end of the file is still
    // read when it holds the bytes calamine reads (up to 124 with 512-byte sectors, 128
    // with 4096); shorter, calamine panics (caught at the boundary) and reads no more.
    let dirs = sectors.chain(dir_start, &fats)?;
    let needed = if size == 512 { 124 } else { 128 };
    let entries: Vec<(String, u32, u64)> = dirs
        .chunks(128)
        .take_while(|e| e.len() >= needed)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            let len = if size == 512 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u64::from(u32_at(e, 120).unwrap_or(0))
                    | (u64::from(u32_at(e, 124).unwrap_or(0)) << 32)
            };
            (
                String::from_utf16_lossy(&units),
                u32_at(e, 116).unwrap_or(0),
                len,
            )
        })
        .collect();
    let Some(root) = entries.first() else {
        return Ok(Ok(()));
    };
    let (ministream, mini_fats) = if mini_fat_len > 0 {
        if !fits(root.2) {
            return Err(Unbounded);
        }
        // Both cut to their lengths, as calamine's `get_chain` does.
        let mut ministream = sectors.chain(root.1, &fats)?;
        if root.2 > 0 {
            ministream.truncate(root.2 as usize);
        }
        let mut minifat = sectors.chain(mini_fat_start, &fats)?;
        minifat.truncate(mini_fat_len as usize * size);
        let mini_fats: Vec<u32> = minifat
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        (ministream, mini_fats)
    } else {
        (Vec::new(), Vec::new())
    };
    // The workbook stream next, as calamine reads it (its buffer state matters).
    let workbook = workbook_stream(&entries, &sectors, &fats, &ministream, &mini_fats)?;
    // Every stream in use: its length (reserved up front) and its chain.
    for (_, start, len) in entries.iter().skip(1) {
        if *len == 0 {
            continue;
        }
        if *len < 4096 {
            mini_chain(&ministream, *start, &mini_fats)?;
        } else {
            if !fits(*len) {
                return Err(Unbounded);
            }
            sectors.chain(*start, &fats)?;
        }
    }
    Ok(match workbook {
        Some(stream) => check_biff(path, &stream),
        None => Ok(()),
    })
}

/// The workbook stream as calamine's `Cfb::get_stream` reads it: the first directory entry
/// (the root included) named `Workbook`, else the first named `Book`; under 4096 bytes
/// (an empty one too) from the mini stream, else from the file's sectors; cut to its
/// length unless that is 0 (then the whole chain). A workbook held in the mini stream is
/// checked like any other (a 3.6 KB one once asked for 6.3 GB).
///
/// # Errors
/// [`Unbounded`] as for [`Sectors::chain`], and when a mini sector the stream needs lies
/// past the end of the mini stream: calamine then reads whatever the file reader holds at
/// that moment, which a pre-flight cannot predict; no valid file does that.
fn workbook_stream(
    entries: &[(String, u32, u64)],
    sectors: &Sectors,
    fats: &[u32],
    ministream: &[u8],
    mini_fats: &[u32],
) -> std::result::Result<Option<Vec<u8>>, Unbounded> {
    let Some((_, start, len)) = entries
        .iter()
        .find(|e| e.0 == "Workbook")
        .or_else(|| entries.iter().find(|e| e.0 == "Book"))
    else {
        return Ok(None);
    };
    let mut data = if *len < 4096 {
        let mut out = Vec::new();
        follow(*start, mini_fats, ministream.len() / 64 + 1, |id| {
            let from = id as usize * 64;
            if from + 64 > ministream.len() && (*len == 0 || (out.len() as u64) < *len) {
                return Err(Unbounded);
            }
            out.extend_from_slice(ministream.get(from..from + 64).unwrap_or_default());
            Ok(())
        })?;
        out
    } else {
        sectors.chain(*start, fats)?
    };
    if *len > 0 {
        data.truncate(usize::try_from(*len).unwrap_or(usize::MAX));
    }
    Ok(Some(data))
}

/// The BIFF records of the workbook stream: for each sheet (BOUNDSHEET's offset, as
/// calamine reads it), its DIMENSIONS record (calamine reserves rows × columns cells from
/// it) and the rows and columns of its cells (calamine's range is dense between the first
/// and the last), against the limits.
fn check_biff(path: &Path, stream: &[u8]) -> Result<()> {
    let records = |from: usize| {
        let mut at = from;
        std::iter::from_fn(move || {
            let typ = u16_at(stream, at)?;
            let len = u16_at(stream, at + 2)? as usize;
            let data = stream.get(at + 4..at + 4 + len)?;
            at += 4 + len;
            Some((typ, data))
        })
    };
    let mut budget = Budget::new(path);
    let mut sheets = Vec::new();
    for (typ, data) in records(0) {
        match typ {
            0x0085 => {
                if let Some(pos) = u32_at(data, 0) {
                    // The sheet's name, for messages (a BIFF8 short string: length,
                    // flags, then Latin-1 bytes or UTF-16LE units).
                    let cch = data.get(6).copied().unwrap_or(0) as usize;
                    let name = match data.get(7) {
                        Some(f) if f & 1 == 1 => data.get(8..8 + 2 * cch).map(|b| {
                            let u: Vec<u16> = b
                                .chunks_exact(2)
                                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                                .collect();
                            String::from_utf16_lossy(&u)
                        }),
                        Some(_) => data
                            .get(8..8 + cch)
                            .map(|b| b.iter().map(|&c| char::from(c)).collect()),
                        None => None,
                    }
                    .unwrap_or_else(|| format!("第 {} 个工作表", sheets.len() + 1));
                    sheets.push((pos as usize, name));
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    for (pos, name) in sheets {
        let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
        let mut count = 0u64;
        let mut formula_at = (0u32, 0u32);
        let mut cell = |r: u32, c: u32| {
            (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(c), c1.max(c));
        };
        for (typ, data) in records(pos) {
            match typ {
                0x0200 => {
                    let (rf, rl, cf, cl) = match data.len() {
                        10 => (
                            u16_at(data, 0),
                            u16_at(data, 2),
                            u16_at(data, 4),
                            u16_at(data, 6),
                        ),
                        14 => (
                            u32_at(data, 0),
                            u32_at(data, 4),
                            u16_at(data, 8),
                            u16_at(data, 10),
                        ),
                        _ => continue,
                    };
                    let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = (rf, rl, cf, cl) else {
                        continue;
                    };
                    if 0xFF < cf || cl < cf {
                        cf = 0;
                    }
                    let (end_r, end_c) = if rl >= 1 && cl >= 1 {
                        (rl - 1, cl - 1)
                    } else {
                        (rf, cf)
                    };
                    let rows = u64::from(end_r.wrapping_sub(rf).wrapping_add(1));
                    let cols = u64::from(end_c.wrapping_sub(cf).wrapping_add(1));
                    budget.area(&name, rows, cols)?;
                }
                0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                        cell(r, c);
                        count += 1;
                        if typ == 0x0006 {
                            formula_at = (r, c);
                        }
                    }
                }
                // A formula's string value: a cell where the last formula was (A1 before
                // any), as calamine places it.
                0x0207 => {
                    cell(formula_at.0, formula_at.1);
                    count += 1;
                }
                0x00BD => {
                    if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                        let n = (data.len().saturating_sub(6) / 6) as u32;
                        cell(r, c);
                        cell(r, c + n.saturating_sub(1));
                        count += u64::from(n);
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        budget.cells(&name, count)?;
        if r0 <= r1 && c0 <= c1 {
            budget.extent(&name, u64::from(r1), u64::from(c1))?;
            // calamine's range spans the first to the last cell; the grid import copies
            // it into is padded from column A.
            budget.area(&name, u64::from(r1 - r0) + 1, u64::from(c1) + 1)?;
        }
    }
    Ok(())
}
