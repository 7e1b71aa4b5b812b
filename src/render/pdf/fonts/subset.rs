//! Font subsetting (allsorts) for the PDF and for DOCX embedding: the glyphs a document
//! uses, with a cmap reduced to its characters.

#[allow(unused_imports)]
use super::*;

/// What a subset is for, which decides the tables it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubsetKind {
    /// A PDF font program: outlines, metrics and cmap only.
    Pdf,
    /// A font a word processor installs (DOCX embedding): also `name`, `OS/2` and `post`
    /// (allsorts' minimal OpenType profile), so it keeps its family name and
    /// embedding permissions.
    Embedding,
}

/// Subset `file` to the glyphs of `chars` for a PDF: see [`subset_font_with`].
pub fn subset_font(file: &FontFile, chars: &BTreeSet<char>) -> Result<Vec<u8>, String> {
    subset_font_with(file, chars, SubsetKind::Pdf)
}

/// Subset `file` to the glyphs of `chars`: a standalone font program whose cmap maps
/// exactly those of `chars` the font has (the others are left out). Glyph 0 (.notdef) is
/// always kept first.
///
/// # Errors
/// allsorts' message when the font cannot be read or subset.
pub fn subset_font_with(
    file: &FontFile,
    chars: &BTreeSet<char>,
    kind: SubsetKind,
) -> Result<Vec<u8>, String> {
    let mut gids: BTreeMap<u16, char> = BTreeMap::new();
    for c in chars {
        if let Some(g) = file.glyph(*c) {
            gids.entry(g).or_insert(*c);
        }
    }
    let ids: Vec<u16> = std::iter::once(0).chain(gids.keys().copied()).collect();
    let scope = ReadScope::new(file.bytes);
    let data = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data
        .table_provider(file.face_index)
        .map_err(|e| e.to_string())?;
    let profile = match kind {
        SubsetKind::Pdf => SubsetProfile::Pdf,
        SubsetKind::Embedding => SubsetProfile::Minimal,
    };
    let done = match kept_cmap(&provider, &ids) {
        Some(cmap) => subset(
            &WithCmap {
                inner: &provider,
                cmap,
            },
            &ids,
            &profile,
            CmapTarget::Unicode,
        ),
        None => subset(&provider, &ids, &profile, CmapTarget::Unicode),
    };
    done.map_err(|e| format!("{}: {e}", file.name))
}

/// The font's `cmap` reduced to the mappings a subset to `ids` keeps: every (character,
/// glyph) pair of the subtable allsorts reads whose glyph is in `ids`, as one format 12
/// subtable (Windows, UCS-4), which allsorts then prefers. `None` unless that subtable is
/// a Unicode one (a symbol or legacy cmap is left to allsorts as it is).
///
/// allsorts keeps exactly these mappings itself, but tests each of the font's mappings
/// against the glyph list one by one (a linear search: most of a subset's time for a CJK
/// font). Handing it the reduced table gives the same subset, byte for byte.
pub(super) fn kept_cmap(provider: &impl FontTableProvider, ids: &[u16]) -> Option<Vec<u8>> {
    let data = provider.read_table_data(allsorts::tag::CMAP).ok()?;
    let cmap = ReadScope::new(&data).read::<Cmap<'_>>().ok()?;
    let (encoding, table) = read_cmap_subtable(&cmap).ok()??;
    if encoding != Encoding::Unicode {
        return None;
    }
    let mut wanted = vec![false; usize::from(ids.iter().copied().max().unwrap_or(0)) + 1];
    for g in ids {
        wanted[usize::from(*g)] = true;
    }
    // As allsorts collects them: a later mapping of a character replaces an earlier one.
    let mut pairs: BTreeMap<u32, u16> = BTreeMap::new();
    table
        .mappings_fn(|c, g| {
            if g != 0 && wanted.get(usize::from(g)).copied().unwrap_or(false) {
                pairs.insert(c, g);
            }
        })
        .ok()?;
    // cmap header, one encoding record, then the format 12 subtable (OpenType `cmap`).
    let len = u32::try_from(16 + 12 * pairs.len()).ok()?;
    let mut out = Vec::with_capacity(12 + len as usize);
    out.extend(0u16.to_be_bytes()); // version
    out.extend(1u16.to_be_bytes()); // numTables
    out.extend(3u16.to_be_bytes()); // platformID: Windows
    out.extend(10u16.to_be_bytes()); // encodingID: Unicode full repertoire
    out.extend(12u32.to_be_bytes()); // subtable offset
    out.extend(12u16.to_be_bytes()); // format
    out.extend(0u16.to_be_bytes()); // reserved
    out.extend(len.to_be_bytes());
    out.extend(0u32.to_be_bytes()); // language
    out.extend(u32::try_from(pairs.len()).ok()?.to_be_bytes());
    for (c, g) in pairs {
        out.extend(c.to_be_bytes());
        out.extend(c.to_be_bytes());
        out.extend(u32::from(g).to_be_bytes());
    }
    Some(out)
}

/// A font's tables with its `cmap` replaced (see [`kept_cmap`]).
pub(super) struct WithCmap<'a, P> {
    inner: &'a P,
    cmap: Vec<u8>,
}

impl<P: FontTableProvider> FontTableProvider for WithCmap<'_, P> {
    fn table_data(&self, tag: u32) -> Result<Option<Cow<'_, [u8]>>, ParseError> {
        if tag == allsorts::tag::CMAP {
            Ok(Some(Cow::Borrowed(&self.cmap)))
        } else {
            self.inner.table_data(tag)
        }
    }

    fn has_table(&self, tag: u32) -> bool {
        tag == allsorts::tag::CMAP || self.inner.has_table(tag)
    }

    fn table_tags(&self) -> Option<Vec<u32>> {
        self.inner.table_tags()
    }
}
