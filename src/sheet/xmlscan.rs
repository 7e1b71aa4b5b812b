//! A streaming XML scanner with bounded memory, for counting cell text before calamine
//! reads it (see [`super::text`]), and the zip-entry lookup it reads parts through.

use std::io::{Cursor, Read};

use crate::error::Result;

/// One token of [`scan_xml`]: an element's start (local name, the raw tag up to 4 KiB for
/// its attributes), its end (an empty element `<x/>` is a start and an end), or a run of
/// text (characters and UTF-8 bytes, entities decoded, CDATA included).
pub(super) enum Tok<'a> {
    Start { local: &'a [u8], tag: &'a [u8] },
    End { local: &'a [u8] },
    Text { chars: u64, bytes: u64 },
}

/// Where [`scan_xml`] is.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum State {
    Text,
    /// Just after `<`.
    Open,
    /// Inside a tag; the quote character if inside an attribute value.
    Tag(Option<u8>),
    /// After `<!`: deciding between a comment, CDATA and a declaration.
    Bang,
    Comment,
    CData,
    /// A declaration (`<!DOCTYPE …>`, with its `[…]` depth) or a processing instruction.
    Decl(u32),
    Pi,
    /// Inside `&…;`.
    Entity,
}

/// Longest tag kept for its attributes; longer tags are scanned but cut.
pub(super) const TAG_MAX: usize = 4096;

/// Scan the XML read from `r` with a bounded amount of memory, handing each [`Tok`] to
/// `f`. Not a validating parser: it follows XML's lexical structure (tags with quoted
/// attributes, comments, CDATA, declarations, processing instructions, entities) closely
/// enough to count text the way quick-xml then delivers it. A read error ends the scan
/// (the reader reports the broken part itself).
pub(super) fn scan_xml<R: Read>(mut r: R, mut f: impl FnMut(Tok) -> Result<()>) -> Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut state = State::Text;
    let mut tag: Vec<u8> = Vec::with_capacity(256);
    let mut tag_len = 0usize;
    let mut bang: Vec<u8> = Vec::with_capacity(8);
    let mut entity: Vec<u8> = Vec::with_capacity(16);
    let (mut chars, mut bytes) = (0u64, 0u64);
    // The last two bytes seen in a comment, CDATA section or instruction.
    let mut tail = [0u8; 2];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut i = 0;
        while i < n {
            if state == State::Text {
                // Fast path: the run of plain text up to the next `<` or `&`.
                let run = buf[i..n]
                    .iter()
                    .position(|&b| b == b'<' || b == b'&')
                    .unwrap_or(n - i);
                let text = &buf[i..i + run];
                chars += text.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64;
                bytes += run as u64;
                i += run;
                if i == n {
                    break;
                }
                if buf[i] == b'&' {
                    state = State::Entity;
                    entity.clear();
                } else {
                    if chars > 0 || bytes > 0 {
                        f(Tok::Text { chars, bytes })?;
                        (chars, bytes) = (0, 0);
                    }
                    state = State::Open;
                }
                i += 1;
                continue;
            }
            let b = buf[i];
            i += 1;
            match state {
                State::Text => unreachable!("handled above"),
                State::Entity => {
                    if b == b';' || entity.len() >= 12 {
                        chars += 1;
                        bytes += entity_len(&entity);
                        state = State::Text;
                    } else {
                        entity.push(b);
                    }
                }
                State::Open => match b {
                    b'!' => {
                        state = State::Bang;
                        bang.clear();
                    }
                    b'?' => {
                        state = State::Pi;
                        tail = [0, 0];
                    }
                    _ => {
                        tag.clear();
                        tag.push(b);
                        tag_len = 1;
                        state = State::Tag(None);
                    }
                },
                State::Bang => {
                    bang.push(b);
                    if bang == b"--" {
                        state = State::Comment;
                        tail = [0, 0];
                    } else if bang == b"[CDATA[" {
                        state = State::CData;
                        tail = [0, 0];
                    } else if !b"--".starts_with(&bang) && !b"[CDATA[".starts_with(&bang) {
                        state = if b == b'>' {
                            State::Text
                        } else {
                            State::Decl(u32::from(b == b'['))
                        };
                    }
                }
                State::Comment => {
                    if b == b'>' && tail == *b"--" {
                        state = State::Text;
                    }
                    tail = [tail[1], b];
                }
                State::CData => {
                    if b == b'>' && tail == *b"]]" {
                        // The two `]` were counted as text: they close the section.
                        chars -= 2;
                        bytes -= 2;
                        state = State::Text;
                    } else {
                        chars += u64::from(b & 0xC0 != 0x80);
                        bytes += 1;
                    }
                    tail = [tail[1], b];
                }
                State::Decl(depth) => match b {
                    b'[' => state = State::Decl(depth + 1),
                    b']' => state = State::Decl(depth.saturating_sub(1)),
                    b'>' if depth == 0 => state = State::Text,
                    _ => {}
                },
                State::Pi => {
                    if b == b'>' && tail[1] == b'?' {
                        state = State::Text;
                    }
                    tail = [tail[1], b];
                }
                State::Tag(quote) => {
                    match (quote, b) {
                        (None, b'>') => {
                            state = State::Text;
                            let kept = &tag[..tag.len().min(TAG_MAX)];
                            let end = kept.first() == Some(&b'/');
                            let body = if end { &kept[1..] } else { kept };
                            let name_end = body
                                .iter()
                                .position(|&c| c.is_ascii_whitespace() || c == b'/')
                                .unwrap_or(body.len());
                            let name = &body[..name_end];
                            let local = match name.iter().rposition(|&c| c == b':') {
                                Some(p) => &name[p + 1..],
                                None => name,
                            };
                            if end {
                                f(Tok::End { local })?;
                            } else {
                                let empty = tag_len <= TAG_MAX && kept.last() == Some(&b'/');
                                f(Tok::Start { local, tag: kept })?;
                                if empty {
                                    f(Tok::End { local })?;
                                }
                            }
                            continue;
                        }
                        (None, b'"' | b'\'') => state = State::Tag(Some(b)),
                        (Some(q), c) if c == q => state = State::Tag(None),
                        _ => {}
                    }
                    tag_len += 1;
                    if tag.len() < TAG_MAX {
                        tag.push(b);
                    }
                }
            }
        }
    }
    if chars > 0 || bytes > 0 {
        f(Tok::Text { chars, bytes })?;
    }
    Ok(())
}

/// The UTF-8 bytes an entity (`amp`, `#x4E2D` …, without `&` and `;`) stands for.
pub(super) fn entity_len(name: &[u8]) -> u64 {
    let code = match name {
        [b'#', b'x' | b'X', hex @ ..] => std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok()),
        [b'#', dec @ ..] => std::str::from_utf8(dec).ok().and_then(|d| d.parse().ok()),
        _ => return 1,
    };
    code.and_then(char::from_u32)
        .map_or(4, |c| c.len_utf8() as u64)
}

/// An attribute's value in a raw tag (as [`Tok::Start`] gives it), by local name.
pub(super) fn attr(tag: &[u8], key: &[u8]) -> Option<String> {
    let name_len = tag
        .iter()
        .position(|c| c.is_ascii_whitespace() || *c == b'/')
        .unwrap_or(tag.len());
    let start = quick_xml::events::BytesStart::from_content(
        String::from_utf8_lossy(tag).into_owned(),
        name_len,
    );
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// The zip entry named `name` (compared as calamine does: ASCII case ignored, `\` as `/`),
/// read through at most `max` bytes.
pub(super) fn part<'a, 'b>(
    zip: &'a mut zip::ZipArchive<Cursor<&'b [u8]>>,
    name: &str,
    max: u64,
) -> Option<std::io::Take<zip::read::ZipFile<'a, Cursor<&'b [u8]>>>> {
    let found = zip
        .file_names()
        .find(|n| n.replace('\\', "/").eq_ignore_ascii_case(name))?
        .to_string();
    Some(zip.by_name(&found).ok()?.take(max))
}
