//! Fonts for the PDF: the bundled OFL subsets, installed fonts found by family name
//! (fontdb) that take precedence per role, per-character fallback, and per-document
//! subsetting.
//!
//! Every character of the text is one of three kinds (see [`FontSet::font_for`]):
//! * drawn by a font: the role's chain, then the bundled fallbacks (every character
//!   Debian's Noto CJK fonts have), then any other loaded font;
//! * default-ignorable ([`is_ignorable`]): never drawn, zero width, not in the text layer;
//! * covered by no font: drawn as the placeholder box □ (U+25A1) of the bundled serif,
//!   one em wide, and kept in the text layer (the PDF writer wraps it in an `/ActualText`
//!   span); [`uncovered`] lists such characters so callers can refuse them where they
//!   matter (unit names, the title, headings).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use std::borrow::Cow;
use std::cell::RefCell;

use allsorts::binary::read::ReadScope;
use allsorts::error::ParseError;
use allsorts::font::{read_cmap_subtable, Encoding};
use allsorts::font_data::FontData;
use allsorts::subset::{subset, CmapTarget, SubsetProfile};
use allsorts::tables::cmap::Cmap;
use allsorts::tables::FontTableProvider;
use rustc_hash::FxHashMap;

mod subset;
pub use subset::*;

/// A typographic role in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Body text (仿宋 in GB/T 9704): an installed 仿宋_GB2312/仿宋 first, else the bundled
    /// Zhuque Fangsong (朱雀仿宋, GB2312), with per-character fallback to the bundled 宋体 (Noto
    /// Serif SC, GBK) for what it lacks (full-width digits, GBK-only hanzi).
    Body,
    /// 黑体: level-1 headings, table headers, captions.
    Hei,
    /// 楷体: level-2 headings, subtitle.
    Kai,
    /// 小标宋: the title; also bold body text.
    Title,
    /// A footnote mark: body fonts, set small and raised.
    Note,
    /// 宋体: the folio (GB/T 9704-2012 §7.5: 4号半角宋体阿拉伯数字), as the DOCX footer sets it.
    Song,
}

impl Role {
    /// Every role with a font chain of its own (Note shares Body's fonts).
    pub const ALL: [Role; 5] = [Role::Body, Role::Hei, Role::Kai, Role::Title, Role::Song];

    /// Installed families that serve this role, best first.
    fn families(self) -> &'static [&'static str] {
        match self {
            Role::Body | Role::Note => &[
                "仿宋_GB2312",
                "仿宋",
                "FangSong_GB2312",
                "FangSong",
                "STFangsong",
            ],
            Role::Hei => &["黑体", "SimHei", "STHeiti"],
            Role::Song => &["宋体", "SimSun", "STSong"],
            Role::Kai => &["楷体_GB2312", "楷体", "KaiTi_GB2312", "KaiTi", "STKaiti"],
            Role::Title => &[
                "方正小标宋简体",
                "方正小标宋_GBK",
                "FZXiaoBiaoSong-B05S",
                "FZXiaoBiaoSong-B05",
            ],
        }
    }

    /// The role's name in messages (Chinese), e.g. "正文（仿宋）".
    pub fn label(self) -> &'static str {
        match self {
            Role::Body | Role::Note => "正文（仿宋）",
            Role::Hei => "黑体",
            Role::Kai => "楷体",
            Role::Title => "标题（小标宋）",
            Role::Song => "页码（宋体）",
        }
    }
}

/// One font face. Metrics are read in place from the font's bytes (ttf-parser); only the
/// per-document subsets are parsed by printpdf, so a 7 MB font is never copied.
pub struct FontFile {
    /// The PostScript-like name used in the PDF.
    pub name: String,
    /// Where it came from: a path, or `内置` for the bundled subsets.
    pub origin: String,
    /// The face's index in its file (a TrueType collection holds several).
    pub face_index: usize,
    /// The whole font file.
    pub bytes: &'static [u8],
    /// The parsed face, for metrics and glyph lookups.
    pub face: ttf_parser::Face<'static>,
}

impl FontFile {
    /// `bytes` live for the whole process: the bundled fonts are in the binary, and an
    /// installed font is read once and kept (fonts are loaded once per process).
    pub(crate) fn load(
        name: &str,
        origin: String,
        bytes: &'static [u8],
        face_index: usize,
    ) -> Option<FontFile> {
        let face = ttf_parser::Face::parse(bytes, face_index as u32).ok()?;
        Some(FontFile {
            name: name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect(),
            origin,
            face_index,
            bytes,
            face,
        })
    }

    /// The glyph id for `c` in this face, or `None` when the face has none (.notdef).
    pub fn glyph(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0).filter(|g| *g != 0)
    }

    /// Advance of glyph `gid` in em.
    pub fn advance(&self, gid: u16) -> f32 {
        let upm = self.face.units_per_em().max(1) as f32;
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0) as f32
            / upm
    }
}

/// Index into [`FontSet::files`].
pub type FontIdx = usize;

/// The fonts available to the typesetter.
pub struct FontSet {
    /// The loaded font files, indexed by `FontIdx`.
    pub files: Vec<FontFile>,
    /// Per role, the fonts to try in order.
    chains: BTreeMap<Role, Vec<FontIdx>>,
}

/// 仿宋: Zhuque Fangsong 0.211 (OFL 1.1), GB2312 hanzi and common symbols.
const FANGSONG: &[u8] = include_bytes!("../../../fonts/ZhuqueFangsong-Regular-GB2312.ttf");
const SERIF: &[u8] = include_bytes!("../../../fonts/NotoSerifSC-Regular-GBK.otf");
const SERIF_BOLD: &[u8] = include_bytes!("../../../fonts/NotoSerifSC-Bold-GB2312.otf");
const SANS: &[u8] = include_bytes!("../../../fonts/NotoSansSC-Regular-GB2312.otf");
const KAI: &[u8] = include_bytes!("../../../fonts/DiaoyanKai-Regular-GB2312.ttf");
/// Every character Noto Serif CJK SC has beyond the GBK subset (Hangul excepted): CJK
/// Ext A, the Ext B–I ideographs Noto covers, compatibility ideographs, radicals, symbols.
const FALLBACK: &[u8] = include_bytes!("../../../fonts/NotoSerifSC-Regular-Fallback.otf");
/// The 64 ideographs only Noto Sans CJK SC has.
const FALLBACK_SANS: &[u8] = include_bytes!("../../../fonts/NotoSansSC-Regular-Fallback.otf");

/// The bundled fonts' order in `files`: the role fonts first, then the fallbacks.
const B_SERIF: usize = 0;
const B_SERIF_BOLD: usize = 1;
const B_SANS: usize = 2;
const B_KAI: usize = 3;
const B_FANGSONG: usize = 4;
const B_FALLBACK: usize = 5;
const B_FALLBACK_SANS: usize = 6;

/// The bundled 仿宋 face (Zhuque Fangsong, TrueType, GB2312): for embedding a
/// per-document subset in the DOCX.
pub fn bundled_fangsong() -> &'static FontFile {
    &FontSet::bundled().files[B_FANGSONG]
}

/// The placeholder drawn for a character no font has: WHITE SQUARE, from the bundled serif.
pub const PLACEHOLDER: char = '\u{25A1}';

/// Whether `c` is a default-ignorable code point (Unicode's `Default_Ignorable_Code_Point`,
/// DerivedCoreProperties.txt, Unicode 15.1): soft hyphen, zero-width space and joiners,
/// bidi controls and isolates, word joiner and invisible operators, variation selectors,
/// the BOM, Hangul fillers, tags. Such a character is never drawn, takes no width, raises
/// no "no font" warning and is not written to the PDF's text layer.
pub fn is_ignorable(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// Whether `c` needs a glyph at all: not whitespace, not a control character, not
/// default-ignorable.
pub fn needs_glyph(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_ignorable(c)
}

/// The characters of `text` that no font of `fonts` can draw, each once, in order of
/// first appearance (whitespace, control and default-ignorable characters need no glyph
/// and are never listed). Pure: the same answer `render` acts on.
pub fn uncovered(fonts: &FontSet, text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if needs_glyph(c) && !fonts.covers(c) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

impl FontSet {
    fn bundled_files() -> Vec<FontFile> {
        [
            ("NotoSerifSC-Regular", SERIF),
            ("NotoSerifSC-Bold", SERIF_BOLD),
            ("NotoSansSC-Regular", SANS),
            ("DiaoyanKai-Regular", KAI),
            ("ZhuqueFangsong-Regular", FANGSONG),
            ("NotoSerifSC-Regular-Fallback", FALLBACK),
            ("NotoSansSC-Regular-Fallback", FALLBACK_SANS),
        ]
        .into_iter()
        .filter_map(|(n, b)| FontFile::load(n, "内置".into(), b, 0))
        .collect()
    }

    /// Each role's bundled chain; the fallback subsets come last in every chain. The body
    /// (and its footnote marks) is 仿宋 first, then the 宋体 face for what 仿宋 lacks.
    fn bundled_chains() -> BTreeMap<Role, Vec<FontIdx>> {
        [
            (
                Role::Body,
                vec![B_FANGSONG, B_SERIF, B_SANS, B_KAI, B_SERIF_BOLD],
            ),
            (
                Role::Note,
                vec![B_FANGSONG, B_SERIF, B_SANS, B_KAI, B_SERIF_BOLD],
            ),
            (Role::Title, vec![B_SERIF_BOLD, B_SERIF, B_SANS, B_KAI]),
            (Role::Hei, vec![B_SANS, B_SERIF, B_KAI, B_SERIF_BOLD]),
            (Role::Song, vec![B_SERIF, B_SANS, B_KAI, B_SERIF_BOLD]),
            (Role::Kai, vec![B_KAI, B_SERIF, B_SANS, B_SERIF_BOLD]),
        ]
        .into_iter()
        .map(|(role, mut chain)| {
            chain.extend([B_FALLBACK, B_FALLBACK_SANS]);
            (role, chain)
        })
        .collect()
    }

    /// The bundled fonts with `file` first in `role`'s chain (tests with a font of
    /// unusual metrics).
    #[cfg(test)]
    pub(crate) fn bundled_with(role: Role, file: FontFile) -> FontSet {
        let mut files = Self::bundled_files();
        let mut chains = Self::bundled_chains();
        if let Some(chain) = chains.get_mut(&role) {
            chain.insert(0, files.len());
        }
        files.push(file);
        FontSet { files, chains }
    }

    /// Only the bundled fonts (parsed once per process): the same bytes on every machine.
    pub fn bundled() -> &'static FontSet {
        static SET: OnceLock<FontSet> = OnceLock::new();
        SET.get_or_init(|| FontSet {
            files: Self::bundled_files(),
            chains: Self::bundled_chains(),
        })
    }

    /// The bundled fonts, with installed fonts taking precedence per role: those in
    /// `dirs`, then (with `system`) the system's, found by family name (仿宋_GB2312, 楷体_GB2312,
    /// 方正小标宋简体, …). Every other font in `dirs` serves as a last fallback for every
    /// role (after the bundled ones, in file name order), so `--font-dir` can supply the
    /// characters no bundled font has (e.g. HanaMin for CJK Ext B).
    pub fn discover(dirs: &[PathBuf], system: bool) -> FontSet {
        let mut set = FontSet {
            files: Self::bundled_files(),
            chains: Self::bundled_chains(),
        };
        if dirs.is_empty() && !system {
            return set;
        }
        let mut db = fontdb::Database::new();
        for d in dirs {
            db.load_fonts_dir(d);
        }
        if system {
            db.load_system_fonts();
        }
        for role in [Role::Body, Role::Hei, Role::Kai, Role::Title] {
            let found = role.families().iter().find_map(|fam| {
                db.faces()
                    .find(|f| f.families.iter().any(|(n, _)| n == fam))
            });
            let Some(face) = found else { continue };
            let (path, index) = match &face.source {
                fontdb::Source::File(p) => (Some(p.clone()), face.index),
                _ => (None, face.index),
            };
            let Some(path) = path else { continue };
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            // Kept for the process: fonts are discovered once per run.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            let name = face.post_script_name.clone();
            let Some(file) =
                FontFile::load(&name, path.display().to_string(), bytes, index as usize)
            else {
                continue;
            };
            let idx = set.files.len();
            set.files.push(file);
            for r in if role == Role::Body {
                vec![Role::Body, Role::Note]
            } else {
                vec![role]
            } {
                if let Some(chain) = set.chains.get_mut(&r) {
                    chain.insert(0, idx);
                }
            }
        }
        set.add_fallbacks(dirs);
        set
    }

    /// Load every face of every font file in `dirs` not loaded yet, as fallbacks after
    /// the chains: [`FontSet::resolve`] tries them in this order.
    fn add_fallbacks(&mut self, dirs: &[PathBuf]) {
        let mut db = fontdb::Database::new();
        for d in dirs {
            db.load_fonts_dir(d);
        }
        let mut faces: Vec<(PathBuf, u32, String)> = db
            .faces()
            .filter_map(|f| match &f.source {
                fontdb::Source::File(p) => Some((p.clone(), f.index, f.post_script_name.clone())),
                _ => None,
            })
            .collect();
        faces.sort();
        faces.dedup();
        let mut cache: BTreeMap<PathBuf, &'static [u8]> = BTreeMap::new();
        for (path, index, name) in faces {
            let origin = path.display().to_string();
            if self
                .files
                .iter()
                .any(|f| f.origin == origin && f.face_index == index as usize)
            {
                continue;
            }
            let bytes = match cache.get(&path) {
                Some(b) => *b,
                None => {
                    let Ok(bytes) = std::fs::read(&path) else {
                        continue;
                    };
                    // Kept for the process, like the role fonts.
                    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                    cache.insert(path.clone(), bytes);
                    bytes
                }
            };
            if let Some(file) = FontFile::load(&name, origin, bytes, index as usize) {
                self.files.push(file);
            }
        }
    }

    /// The font that draws `c` in `role`, with the glyph id: the role's chain first, then
    /// every other loaded font in order. `None` if no font has it, and for default-ignorable
    /// characters, which are never drawn.
    pub fn resolve(&self, role: Role, c: char) -> Option<(FontIdx, u16)> {
        if is_ignorable(c) {
            return None;
        }
        let chain = self.chains.get(&role)?;
        chain
            .iter()
            .find_map(|i| self.files.get(*i)?.glyph(c).map(|g| (*i, g)))
            .or_else(|| {
                (0..self.files.len())
                    .filter(|i| !chain.contains(i))
                    .find_map(|i| self.files[i].glyph(c).map(|g| (i, g)))
            })
    }

    /// Whether some font can draw `c`.
    pub fn covers(&self, c: char) -> bool {
        self.resolve(Role::Body, c).is_some()
    }

    /// The font a text item holding `c` is set in: the one that draws it, or the
    /// placeholder's font when no font has it (the writer draws □ in its place). `None`
    /// for default-ignorable characters.
    pub fn font_for(&self, role: Role, c: char) -> Option<FontIdx> {
        if is_ignorable(c) {
            return None;
        }
        font_of(self.resolve(role, c), || self.placeholder())
    }

    /// The placeholder box □ drawn for a character no font has: its font and glyph.
    pub fn placeholder(&self) -> Option<(FontIdx, u16)> {
        self.files
            .get(B_SERIF)?
            .glyph(PLACEHOLDER)
            .map(|g| (B_SERIF, g))
    }

    /// Advance of `c`'s glyph at `size` pt in `role`: 0 for default-ignorable characters,
    /// the placeholder's advance for characters no font has. The box a character takes in a
    /// line (one em or the grid pitch for full-width characters, whatever the glyph) is
    /// the layout's (`layout::inline`).
    pub fn advance(&self, role: Role, c: char, size: f32) -> f32 {
        if is_ignorable(c) {
            return 0.0;
        }
        self.advance_of(self.resolve(role, c), || self.placeholder(), size)
    }

    /// [`FontSet::advance`] of a character that resolved to `found` (`placeholder` gives the
    /// placeholder's font and glyph when nothing did).
    fn advance_of(
        &self,
        found: Option<(FontIdx, u16)>,
        placeholder: impl FnOnce() -> Option<(FontIdx, u16)>,
        size: f32,
    ) -> f32 {
        match found.or_else(placeholder) {
            Some((f, g)) => self.files[f].advance(g) * size,
            None => 0.0,
        }
    }

    /// The horizontal extent of `c`'s ink at `size` pt in `role`, relative to its glyph's
    /// origin: `(left, right)` in pt, `None` for a blank glyph or one no font has.
    ///
    /// The layout joins —— with it: the bundled fonts' — and ― span their em box by
    /// construction; an installed font's shorter dashes are set overlapping so their ink
    /// touches (`layout::inline`).
    pub fn ink(&self, role: Role, c: char, size: f32) -> Option<(f32, f32)> {
        self.ink_of(self.resolve(role, c)?, size)
    }

    /// [`FontSet::ink`] of glyph `g` of font `f`.
    fn ink_of(&self, (f, g): (FontIdx, u16), size: f32) -> Option<(f32, f32)> {
        let file = &self.files[f];
        let upm = file.face.units_per_em().max(1) as f32;
        let bb = file.face.glyph_bounding_box(ttf_parser::GlyphId(g))?;
        Some((bb.x_min as f32 / upm * size, bb.x_max as f32 / upm * size))
    }

    /// The font that serves `role` first: for `diaoyan fonts`.
    pub fn primary(&self, role: Role) -> Option<&FontFile> {
        self.chains
            .get(&role)?
            .first()
            .and_then(|i| self.files.get(*i))
    }
}

/// A font and glyph id, as [`FontSet::resolve`] finds them.
type Found = (FontIdx, u16);

/// The font of a character that resolved to `found`, or the placeholder's font
/// (`placeholder`) when no font has it: [`FontSet::font_for`] and [`Glyphs::font_for`].
fn font_of(found: Option<Found>, placeholder: impl FnOnce() -> Option<Found>) -> Option<FontIdx> {
    found.or_else(placeholder).map(|(f, _)| f)
}

/// A memo of [`FontSet`] lookups for one render: which font and glyph draw a character
/// in a role, and which glyph a font has for a character. The answers are the
/// [`FontSet`]'s; each is looked up in the fonts' `cmap`s once per render instead of once
/// per occurrence (a report sets a few hundred distinct characters some ten thousand
/// times). It lives as long as the render that makes it (the layout, the PDF writer):
/// [`FontSet`] itself stays immutable, shared between `batch`'s threads.
pub struct Glyphs<'f> {
    /// The fonts asked.
    pub fonts: &'f FontSet,
    by_role: RefCell<FxHashMap<(Role, char), Option<Found>>>,
    by_file: RefCell<FxHashMap<(FontIdx, char), Option<u16>>>,
    placeholder: Option<(FontIdx, u16)>,
}

impl<'f> Glyphs<'f> {
    /// An empty memo of `fonts`.
    pub fn new(fonts: &'f FontSet) -> Glyphs<'f> {
        Glyphs {
            fonts,
            by_role: RefCell::default(),
            by_file: RefCell::default(),
            placeholder: fonts.placeholder(),
        }
    }

    /// [`FontSet::resolve`], memoised.
    pub fn resolve(&self, role: Role, c: char) -> Option<(FontIdx, u16)> {
        if let Some(found) = self.by_role.borrow().get(&(role, c)) {
            return *found;
        }
        let found = self.fonts.resolve(role, c);
        self.by_role.borrow_mut().insert((role, c), found);
        found
    }

    /// `FontFile::glyph` of font `font` (an index into [`FontSet::files`]; `None` for an
    /// index out of range), memoised.
    pub fn glyph(&self, font: FontIdx, c: char) -> Option<u16> {
        if let Some(found) = self.by_file.borrow().get(&(font, c)) {
            return *found;
        }
        let found = self.fonts.files.get(font).and_then(|f| f.glyph(c));
        self.by_file.borrow_mut().insert((font, c), found);
        found
    }

    /// [`FontSet::advance`] (pt at `size` pt), memoised.
    pub fn advance(&self, role: Role, c: char, size: f32) -> f32 {
        if is_ignorable(c) {
            return 0.0;
        }
        self.fonts
            .advance_of(self.resolve(role, c), || self.placeholder, size)
    }

    /// [`FontSet::font_for`], memoised.
    pub fn font_for(&self, role: Role, c: char) -> Option<FontIdx> {
        if is_ignorable(c) {
            return None;
        }
        font_of(self.resolve(role, c), || self.placeholder)
    }

    /// [`FontSet::ink`] (pt at `size` pt), memoised.
    pub fn ink(&self, role: Role, c: char, size: f32) -> Option<(f32, f32)> {
        self.fonts.ink_of(self.resolve(role, c)?, size)
    }
}

/// A display of where each role's font comes from, then the fallbacks (`后备`) that draw
/// the characters the role fonts lack (the bundled 宋体 for what the bundled 仿宋 lacks, the
/// bundled Noto CJK remainder, then `--font-dir` fonts), one `label\tname\torigin` line each.
pub fn describe(set: &FontSet) -> String {
    let mut out = String::new();
    let mut primaries = Vec::new();
    for role in Role::ALL {
        if let Some(i) = set.chains.get(&role).and_then(|c| c.first()) {
            primaries.push(*i);
        }
        if let Some(f) = set.primary(role) {
            out.push_str(&format!("{}\t{}\t{}\n", role.label(), f.name, f.origin));
        }
    }
    for (i, f) in set.files.iter().enumerate() {
        // The 宋体 face is listed too: it draws what the bundled 仿宋 lacks in the body.
        let bundled_role_font = i < B_FALLBACK && i != B_SERIF;
        if !primaries.contains(&i) && !bundled_role_font {
            out.push_str(&format!("后备\t{}\t{}\n", f.name, f.origin));
        }
    }
    out
}

#[cfg(test)]
mod tests;
