//! Fonts for the PDF: the bundled OFL subsets, metrics, per-character fallback and
//! per-document subsetting.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{subset, CmapTarget, SubsetProfile};
use printpdf::ParsedFont;

/// A typographic role in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Body text (仿宋 in GB/T 9704; Noto Serif SC stands in when 仿宋 is not installed).
    Body,
    /// 黑体: level-1 headings, table headers, captions.
    Hei,
    /// 楷体: level-2 headings, subtitle.
    Kai,
    /// 小标宋: the title; also bold body text.
    Title,
    /// A footnote mark: body fonts, set small and raised.
    Note,
}

/// One bundled font file.
pub struct FontFile {
    pub name: &'static str,
    pub bytes: &'static [u8],
    pub parsed: ParsedFont,
}

impl FontFile {
    fn load(name: &'static str, bytes: &'static [u8]) -> Option<FontFile> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)?;
        Some(FontFile {
            name,
            bytes,
            parsed,
        })
    }

    pub fn glyph(&self, c: char) -> Option<u16> {
        self.parsed.lookup_glyph_index(c as u32).filter(|g| *g != 0)
    }

    /// Advance of `c` in em.
    pub fn advance(&self, gid: u16) -> f32 {
        let upm = self.parsed.units_per_em.max(1) as f32;
        self.parsed.get_glyph_width(gid).unwrap_or(0) as f32 / upm
    }
}

/// Index into [`FontSet::files`].
pub type FontIdx = usize;

/// The fonts available to the typesetter, loaded once per process.
pub struct FontSet {
    pub files: Vec<FontFile>,
}

const SERIF: &[u8] = include_bytes!("../../../fonts/NotoSerifSC-Regular-GBK.otf");
const SERIF_BOLD: &[u8] = include_bytes!("../../../fonts/NotoSerifSC-Bold-GB2312.otf");
const SANS: &[u8] = include_bytes!("../../../fonts/NotoSansSC-Regular-GB2312.otf");
const KAI: &[u8] = include_bytes!("../../../fonts/LXGWWenKai-Regular-GB2312.ttf");

impl FontSet {
    /// The bundled fonts (parsed on first use).
    pub fn bundled() -> &'static FontSet {
        static SET: OnceLock<FontSet> = OnceLock::new();
        SET.get_or_init(|| FontSet {
            files: [
                ("NotoSerifSC-Regular", SERIF),
                ("NotoSerifSC-Bold", SERIF_BOLD),
                ("NotoSansSC-Regular", SANS),
                ("LXGWWenKai-Regular", KAI),
            ]
            .into_iter()
            .filter_map(|(n, b)| FontFile::load(n, b))
            .collect(),
        })
    }

    /// Fonts to try for `role`, in order: the role's own font, then the others.
    fn chain(&self, role: Role) -> [FontIdx; 4] {
        match role {
            Role::Body | Role::Note => [0, 2, 3, 1],
            Role::Title => [1, 0, 2, 3],
            Role::Hei => [2, 0, 3, 1],
            Role::Kai => [3, 0, 2, 1],
        }
    }

    /// The font that draws `c` in `role`, with the glyph id; `None` if no font has it.
    pub fn resolve(&self, role: Role, c: char) -> Option<(FontIdx, u16)> {
        self.chain(role)
            .into_iter()
            .filter(|i| *i < self.files.len())
            .find_map(|i| self.files[i].glyph(c).map(|g| (i, g)))
    }

    /// Advance of `c` at `size` pt in `role` (0 for characters no font has).
    pub fn advance(&self, role: Role, c: char, size: f32) -> f32 {
        match self.resolve(role, c) {
            Some((f, g)) => self.files[f].advance(g) * size,
            None => 0.0,
        }
    }
}

/// Subset font `idx` to the glyphs of `chars`: a standalone font program whose cmap maps
/// exactly those characters. Glyph 0 (.notdef) is always kept first.
pub fn subset_font(file: &FontFile, chars: &BTreeSet<char>) -> Result<Vec<u8>, String> {
    let mut gids: BTreeMap<u16, char> = BTreeMap::new();
    for c in chars {
        if let Some(g) = file.glyph(*c) {
            gids.entry(g).or_insert(*c);
        }
    }
    let ids: Vec<u16> = std::iter::once(0).chain(gids.keys().copied()).collect();
    let scope = ReadScope::new(file.bytes);
    let data = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data.table_provider(0).map_err(|e| e.to_string())?;
    subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| format!("{}: {e}", file.name))
}
