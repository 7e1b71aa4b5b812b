//! A check of an `.xls` file's container (a Compound File Binary, MS-CFB) before calamine
//! reads it. calamine 0.30 trusts the sector numbers it finds: a sector number past the end
//! of the file makes it grow a buffer to that sector (`cfb::Sectors::get`: one changed byte
//! of the DIFAT asked for 2 TB), and a header field sizes a vector up front
//! (`Cfb::new`: 16 GiB). Those end in an allocation failure, an abort that no
//! `catch_unwind` can turn into an error (found by fuzzing; issue 15). Every sector number
//! calamine follows — header fields, the DIFAT and its chain, every FAT and mini FAT
//! entry — must lie inside the file, so what calamine allocates is bounded by the file.

/// Sector numbers at or above this are markers (free, end of chain, FAT, DIFAT), not places.
const MAXREGSECT: u32 = 0xFFFF_FFFA;
/// The DIFAT entries below it name FAT sectors.
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// `Err(why)` (English, for the "damaged workbook" message) when `bytes`, a Compound File,
/// names a sector outside itself or sizes a table beyond it. Not a Compound File at all:
/// `Ok` (calamine says what it is not).
pub fn check(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 512 || u32_at(bytes, 0) != 0xE011_CFD0 {
        return Ok(());
    }
    let size: usize = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        _ => return Ok(()),
    };
    // Sector `i` starts at byte (i + 1) × size.
    let sectors = (bytes.len().saturating_sub(size)).div_ceil(size) as u64;
    let inside = |id: u32| u64::from(id) < sectors;
    let place = |id: u32| inside(id) || id >= MAXREGSECT;
    let sector = |id: u32| -> &[u8] {
        let start = (id as usize + 1) * size;
        &bytes[start.min(bytes.len())..(start + size).min(bytes.len())]
    };
    let entries = |s: &[u8]| -> Vec<u32> { s.chunks_exact(4).map(|c| u32_at(c, 0)).collect() };

    let dir_len = u32_at(bytes, 40);
    let fat_len = u32_at(bytes, 44);
    let dir_start = u32_at(bytes, 48);
    let mini_fat_start = u32_at(bytes, 60);
    let mini_fat_len = u32_at(bytes, 64);
    let difat_start = u32_at(bytes, 68);
    let difat_len = u32_at(bytes, 72);
    // calamine sizes its DIFAT from the four bytes at 62 (not 72): bound them as well.
    let difat_capacity = u32_at(bytes, 62);
    let n = sectors;
    // One mini FAT sector describes size / 4 mini sectors of 64 bytes, all inside the file.
    let mini_fat_max = (bytes.len() as u64 * 4 / 64).div_ceil(size as u64) + 1;
    if u64::from(dir_len) > n
        || u64::from(fat_len) > n
        || u64::from(difat_len) > n
        || u64::from(mini_fat_len) > mini_fat_max
        || u64::from(difat_capacity) > (bytes.len() as u64).max(1 << 17)
        || !place(dir_start)
        || !place(mini_fat_start)
        || !place(difat_start)
    {
        return Err("复合文档头中的扇区数或扇区号超出文件".into());
    }
    // The DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    let mut difat = entries(&bytes[76..512]);
    let mut next = difat_start;
    let mut steps = 0u64;
    while next < MAXREGSECT {
        if !inside(next) || steps > n {
            return Err("DIFAT 链指向文件之外或成环".into());
        }
        steps += 1;
        let mut part = entries(sector(next));
        next = part.pop().unwrap_or(ENDOFCHAIN);
        difat.extend(part);
    }
    // The FAT: every entry is a place in the file or a marker.
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        if !inside(id) {
            return Err("DIFAT 指向文件之外的 FAT 扇区".into());
        }
        fat.extend(entries(sector(id)));
    }
    if let Some(bad) = fat.iter().find(|id| !place(**id)) {
        return Err(format!("FAT 中的扇区号 {bad} 超出文件"));
    }
    // Mini sectors (64 bytes) lie in the mini stream, itself inside the file.
    let minis = bytes.len() as u64 / 64 + 1;
    // A chain as calamine follows it: each link a sector inside the limit, until
    // ENDOFCHAIN; a marker met on the way (a free sector) or a cycle is refused.
    let walk = |first: u32, table: &[u32], limit: u64| -> Result<Vec<u32>, String> {
        let mut chain = Vec::new();
        let mut id = first;
        while id != ENDOFCHAIN {
            if u64::from(id) >= limit || chain.len() > table.len() {
                return Err(format!("扇区链中的扇区号 {id} 超出文件或成环"));
            }
            chain.push(id);
            id = table.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
        }
        Ok(chain)
    };
    let dir_chain = walk(dir_start, &fat, n)?;
    let mut dirs = Vec::new();
    for id in dir_chain {
        dirs.extend(sector(id).chunks_exact(128));
    }
    let mini_fat = if mini_fat_len > 0 {
        let mut table = Vec::new();
        for id in walk(mini_fat_start, &fat, n)? {
            table.extend(entries(sector(id)));
        }
        table
    } else {
        Vec::new()
    };
    for (i, entry) in dirs.iter().enumerate() {
        // An unused entry is all zeros but for its sector and sibling numbers.
        if i > 0 && entry[64..68].iter().all(|b| *b == 0) {
            continue;
        }
        // calamine reserves a stream's stated length before reading it.
        let len = if size == 512 {
            u64::from(u32_at(entry, 120))
        } else {
            u64::from(u32_at(entry, 120)) | u64::from(u32_at(entry, 124)) << 32
        };
        if len > bytes.len() as u64 {
            return Err(format!("目录中的流长度 {len} 超出文件"));
        }
        // The root entry's chain (the mini stream) and a long stream's are file sectors,
        // a short stream's mini sectors.
        let start = u32_at(entry, 116);
        if i == 0 {
            if mini_fat_len > 0 {
                walk(start, &fat, n)?;
            }
        } else if len >= 4096 {
            walk(start, &fat, n)?;
        } else {
            walk(start, &mini_fat, minis)?;
        }
    }
    Ok(())
}
