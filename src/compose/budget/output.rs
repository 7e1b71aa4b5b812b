//! The render's output, bounded in size and time ([`Bounded`]), and the template line a
//! failed write came from ([`latest_literal`]).

use super::*;

/// The render's output: fails the write that would pass `max` bytes, or any write after
/// `deadline` (checked every 16 writes), recording why in `tripped`.
pub(in crate::compose) struct Bounded {
    /// What was written.
    pub(in crate::compose) out: Vec<u8>,
    max: u64,
    deadline: Instant,
    writes: u64,
    /// Why a write failed, if one did.
    pub(in crate::compose) tripped: Option<Trip>,
}

impl Bounded {
    pub(in crate::compose) fn new(max: u64, deadline: Instant) -> Bounded {
        Bounded {
            out: Vec::with_capacity(64 * 1024),
            max,
            deadline,
            writes: 0,
            tripped: None,
        }
    }

    fn trip(&mut self, why: Trip) -> std::io::Error {
        self.tripped = Some(why);
        std::io::Error::other("render limit")
    }
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.tripped.is_some() {
            return Err(std::io::Error::other("render limit"));
        }
        if (self.out.len() + buf.len()) as u64 > self.max {
            // Keep the start of what would have been written: it shows where (see
            // `Composer::limit_error`).
            self.out.extend_from_slice(&buf[..buf.len().min(4096)]);
            return Err(self.trip(Trip::Output));
        }
        if self.writes % 16 == 0 && Instant::now() > self.deadline {
            return Err(self.trip(Trip::Time));
        }
        self.out.extend_from_slice(buf);
        self.writes += 1;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The literal text pieces of a template — what stands between `{{ }}`, `{% %}` and
/// `{# #}` tags, whitespace-trimmed, non-empty — with the line each starts on.
pub(in crate::compose) fn literal_pieces(src: &str) -> Vec<(&str, usize)> {
    let mut pieces = Vec::new();
    let mut rest = 0;
    let line_at = |i: usize| src[..i].matches('\n').count() + 1;
    loop {
        let open = ["{{", "{%", "{#"]
            .iter()
            .filter_map(|t| src[rest..].find(t).map(|i| (rest + i, *t)))
            .min();
        let end = open.map_or(src.len(), |(i, _)| i);
        let text = &src[rest..end];
        let trimmed = text.trim();
        if !trimmed.is_empty() {
            let lead = text.len() - text.trim_start().len();
            pieces.push((trimmed, line_at(rest + lead)));
        }
        let Some((i, tag)) = open else { break };
        let close = match tag {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        match src[i + 2..].find(close) {
            Some(j) => rest = i + 2 + j + 2,
            None => break,
        }
    }
    pieces
}

/// Where in the pack the output `tail` was last written from: the literal piece (see
/// [`literal_pieces`]) whose last occurrence in `tail` ends latest (the longer on a tie)
/// among those found at exactly one place in the pack. `None` if no such piece occurs.
pub(in crate::compose) fn latest_literal(
    sources: &std::collections::HashMap<String, String>,
    tail: &str,
) -> Option<(String, usize)> {
    let mut names: Vec<&String> = sources.keys().collect();
    names.sort();
    let mut places: std::collections::HashMap<&str, Vec<(&str, usize)>> = Default::default();
    for name in names {
        for (text, line) in literal_pieces(&sources[name]) {
            places.entry(text).or_default().push((name.as_str(), line));
        }
    }
    let mut found: Vec<(usize, usize, &str)> = places
        .keys()
        .filter_map(|t| tail.rfind(t).map(|i| (i + t.len(), t.len(), *t)))
        .collect();
    found.sort_unstable_by(|a, b| b.cmp(a));
    found.into_iter().find_map(|(_, _, t)| match places[t][..] {
        [(name, line)] => Some((name.to_string(), line)),
        _ => None,
    })
}
