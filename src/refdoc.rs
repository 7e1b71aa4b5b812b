//! A pack's reference DOCX (`reference.docx`), read and checked once, as typed data the
//! DOCX writer uses — as pandoc's `--reference-doc` is used: the office's own Word file
//! gives the report its styles (`word/styles.xml`, with the document defaults and the
//! theme), its page setup (the body's last `w:sectPr`: `w:pgSz`, `w:pgMar`, `w:docGrid`)
//! and its page headers and footers (with the parts they use, such as images). The PDF
//! does not follow it: the PDF follows the pack's `style:` settings.
//!
//! The file is a user's file: [`ReferenceDoc::from_docx`] reads only the parts it needs,
//! each of bounded size after decompression ([`MAX_PART`], all of them together
//! [`MAX_TOTAL`]; a zip bomb is refused, never inflated), checks that every XML part is
//! well formed UTF-8 with no character XML forbids and no deeper nesting than
//! [`MAX_DEPTH`], and says what is wrong in Chinese. A shared low module: the survey
//! stage reads it from the pack, the DOCX backend uses it; neither sees the other.

use std::io::{Cursor, Read};
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The most bytes one part of a reference DOCX may inflate to (16 MiB).
pub const MAX_PART: u64 = 16 << 20;
/// The most bytes all the parts read from one reference DOCX may inflate to (48 MiB).
pub const MAX_TOTAL: u64 = 48 << 20;
/// The most entries a reference DOCX's zip may list.
pub const MAX_ENTRIES: usize = 10_000;
/// The deepest element nesting an XML part of a reference DOCX may have (the DOCX
/// writer's tree walks recurse per level).
pub const MAX_DEPTH: usize = 256;
/// The most relationships a header or footer may have.
const MAX_RELS: usize = 1_000;

/// What a reference DOCX gives the report's DOCX.
#[derive(Clone, PartialEq, Default)]
pub struct ReferenceDoc {
    /// `word/styles.xml`, as written (its root is `w:styles`); `None` when the file has
    /// none (the report keeps its own styles).
    pub styles: Option<String>,
    /// The theme part (`word/theme/theme1.xml` or wherever the document's relationship
    /// points), which theme fonts and colours in the styles refer to.
    pub theme: Option<String>,
    /// `word/fontTable.xml`, for the fonts the reference's styles name.
    pub font_table: Option<String>,
    /// The page of the body's last section; `None` when the file has none, or when the
    /// pack turned it off (`style.reference_page_setup: false`).
    pub page: Option<PageSetup>,
    /// The page headers, each for the pages its kind says.
    pub headers: Vec<Story>,
    /// The page footers.
    pub footers: Vec<Story>,
    /// `w:titlePg`: the first page has its own header and footer.
    pub title_page: bool,
    /// `w:evenAndOddHeaders` in the settings: even pages have their own.
    pub even_and_odd: bool,
}

impl std::fmt::Debug for ReferenceDoc {
    /// A summary: the parts are long XML.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceDoc")
            .field("styles", &self.styles.as_ref().map(String::len))
            .field("theme", &self.theme.is_some())
            .field("page", &self.page)
            .field("headers", &self.headers.len())
            .field("footers", &self.footers.len())
            .field("title_page", &self.title_page)
            .field("even_and_odd", &self.even_and_odd)
            .finish()
    }
}

/// The pages a header or footer is for (`w:headerReference w:type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryKind {
    /// `default`: every page (the odd ones when even pages have their own).
    Default,
    /// `first`: the first page, with `w:titlePg`.
    First,
    /// `even`: even pages, with `w:evenAndOddHeaders`.
    Even,
}

/// A header or a footer: its XML (root `w:hdr` or `w:ftr`) and its relationships.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Which pages it is for.
    pub kind: StoryKind,
    /// The part's XML, as written.
    pub xml: String,
    /// Its relationships (the `r:id`s its XML names).
    pub rels: Vec<Rel>,
}

/// A relationship of a header or footer.
#[derive(Debug, Clone, PartialEq)]
pub struct Rel {
    /// `Id`, as the part's XML names it.
    pub id: String,
    /// `Type` (a relationship type URI).
    pub kind: String,
    /// What it points at.
    pub target: Target,
}

/// Where a relationship points.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `TargetMode="External"`: a URI, kept as written.
    External(String),
    /// A part of the reference package, carried with its bytes.
    Part {
        /// The part's file name (its last path segment, e.g. `image1.png`).
        file: String,
        /// Its content type, from `[Content_Types].xml`.
        content_type: String,
        /// Its bytes.
        bytes: Arc<[u8]>,
    },
}

/// A section's page: size, orientation, margins and grid, in twips as WordprocessingML
/// writes them (ECMA-376 Part 1 §17.6.13, §17.6.11, §17.6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageSetup {
    /// `w:pgSz w:w`.
    pub width: u32,
    /// `w:pgSz w:h`.
    pub height: u32,
    /// `w:pgSz w:orient="landscape"`.
    pub landscape: bool,
    /// `w:pgMar w:top` (negative: the text may overlap the header).
    pub top: i32,
    /// `w:pgMar w:right`.
    pub right: i32,
    /// `w:pgMar w:bottom`.
    pub bottom: i32,
    /// `w:pgMar w:left`.
    pub left: i32,
    /// `w:pgMar w:header`: the header's distance from the top edge.
    pub header: i32,
    /// `w:pgMar w:footer`: the footer's distance from the bottom edge.
    pub footer: i32,
    /// `w:pgMar w:gutter`.
    pub gutter: i32,
    /// `w:docGrid`, if the section has one.
    pub grid: Option<Grid>,
}

impl PageSetup {
    /// The text block's width in twips (page width less the margins and gutter), at
    /// least one inch.
    pub fn text_width(&self) -> i32 {
        (self.width as i32 - self.left - self.right - self.gutter).max(1440)
    }
}

/// `w:docGrid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Grid {
    /// `w:type`.
    pub kind: GridKind,
    /// `w:linePitch`, twips.
    pub line_pitch: Option<i32>,
    /// `w:charSpace`.
    pub char_space: Option<i32>,
}

/// `w:docGrid w:type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GridKind {
    /// No grid (`default`, or the attribute absent).
    #[default]
    None,
    /// `lines`.
    Lines,
    /// `linesAndChars`.
    LinesAndChars,
    /// `snapToChars`.
    SnapToChars,
}

const MAIN_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const REL_THEME: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme";
const REL_STYLES: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles";
const REL_SETTINGS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings";
const REL_FONTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable";
const REL_OFFICE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";

/// The zip of a reference DOCX and what has been read from it.
struct Package {
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
    read: u64,
    types: Vec<(bool, String, String)>,
}

impl Package {
    /// The part `name` (no leading `/`), or `None` if the zip has no such entry.
    fn bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let mut entry = match self.zip.by_name(name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(format!("其中的 {name} 无法读取（{}）", zip_reason(&e))),
        };
        let limit = MAX_PART.min(MAX_TOTAL.saturating_sub(self.read));
        let bomb = || {
            format!(
                "其中的 {name} 解压后超过 {} MiB（疑为“压缩炸弹”），拒绝使用",
                limit >> 20
            )
        };
        if entry.size() > limit {
            return Err(bomb());
        }
        let mut out = Vec::with_capacity(entry.size() as usize);
        // The declared size may lie: read at most one byte past the limit.
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("其中的 {name} 无法解压（{e}）"))?;
        if out.len() as u64 > limit {
            return Err(bomb());
        }
        self.read += out.len() as u64;
        Ok(Some(out))
    }

    /// The part `name` as checked XML text ([`check_xml`]).
    fn xml(&mut self, name: &str) -> Result<Option<String>, String> {
        let Some(bytes) = self.bytes(name)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("其中的 {name} 不是 UTF-8 编码的 XML，请用 Word 或 WPS 另存"))?;
        // A byte-order mark is allowed before the declaration.
        let text = match text.strip_prefix('\u{FEFF}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        check_xml(&text).map_err(|why| format!("其中的 {name} {why}"))?;
        Ok(Some(text))
    }

    /// The content type of part `name`: its Override, else the Default of its extension.
    fn content_type(&self, name: &str) -> Option<String> {
        let part = format!("/{name}");
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        self.types
            .iter()
            .find(|(over, key, _)| *over && key.eq_ignore_ascii_case(&part))
            .or_else(|| {
                self.types
                    .iter()
                    .find(|(over, key, _)| !*over && Some(key.to_ascii_lowercase()) == ext)
            })
            .map(|(_, _, t)| t.clone())
    }

    /// The relationships of part `name` (`dir/_rels/file.rels`): (id, type, target
    /// resolved against the part's folder, or the URI for an external one; external).
    fn rels(&mut self, name: &str) -> Result<Vec<(String, String, String, bool)>, String> {
        let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
        let rels_name = if dir.is_empty() {
            format!("_rels/{file}.rels")
        } else {
            format!("{dir}/_rels/{file}.rels")
        };
        let Some(xml) = self.xml(&rels_name)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for_each_start(&xml, |e| {
            if local(e.name().as_ref()) != b"Relationship" {
                return;
            }
            let id = attr(e, b"Id").unwrap_or_default();
            let kind = attr(e, b"Type").unwrap_or_default();
            let target = attr(e, b"Target").unwrap_or_default();
            let external = attr(e, b"TargetMode").is_some_and(|m| m == "External");
            let target = if external {
                target
            } else {
                resolve(dir, &target)
            };
            out.push((id, kind, target, external));
        });
        Ok(out)
    }
}

/// `zip`'s error in Chinese.
fn zip_reason(e: &zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::UnsupportedArchive(what) => format!("不支持的压缩格式：{what}"),
        zip::result::ZipError::InvalidPassword => "文件有密码保护".to_string(),
        _ => "文件已损坏".to_string(),
    }
}

/// `target` (a relationship's `Target`) as a part name, resolved against `dir`: an
/// absolute target starts at the package root; `..` goes up.
fn resolve(dir: &str, target: &str) -> String {
    let mut segs: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for s in target.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    segs.join("/")
}

/// The local name of a qualified XML name.
fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The value of attribute `key` (local name) of `e`, unescaped.
fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == key)
        .and_then(|a| {
            let raw = String::from_utf8_lossy(&a.value).into_owned();
            quick_xml::escape::unescape(&raw)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Call `f` with every start (or empty) element of `xml`, which [`check_xml`] has passed.
fn for_each_start(xml: &str, mut f: impl FnMut(&BytesStart<'_>)) {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => f(&e),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
}

/// Whether `xml` is one well-formed element (matching end tags, at most [`MAX_DEPTH`]
/// deep), with no DTD and no character XML 1.0 forbids, written or referenced; else why
/// not, in Chinese.
pub fn check_xml(xml: &str) -> Result<(), String> {
    if let Some(c) = xml.chars().find(|c| !xml_char(*c)) {
        return Err(format!("含 XML 不允许的字符 U+{:04X}", c as u32));
    }
    // In text and attribute values alike (as the DOCX writer's own check scans parts).
    if let Some(c) = bad_reference(xml.as_bytes()) {
        return Err(format!("含 XML 不允许的字符引用 &#{c};"));
    }
    let mut reader = Reader::from_str(xml);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| {
            format!(
                "不是格式正确的 XML（第 {} 字节附近：{e}）",
                reader.buffer_position()
            )
        })?;
        match ev {
            Event::Start(_) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("的元素嵌套超过 {MAX_DEPTH} 层"));
                }
            }
            Event::Empty(_) if depth == 0 => roots += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::DocType(_) => return Err("含 DTD（DOCTYPE），拒绝使用".to_string()),
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 || roots != 1 {
        return Err("不是格式正确的 XML（元素未闭合或根元素不唯一）".to_string());
    }
    Ok(())
}

/// A character reference in `text` to a character XML forbids, as written.
fn bad_reference(text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(text).ok()?;
    let mut rest = text;
    while let Some(i) = rest.find("&#") {
        let after = &rest[i + 2..];
        let end = after.find(';').unwrap_or(after.len());
        let code = match after[..end].strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => after[..end].parse::<u32>().ok(),
        };
        if code.is_none_or(|c| char::from_u32(c).is_none_or(|c| !xml_char(c))) {
            return Some(after[..end].to_string());
        }
        rest = &after[end..];
    }
    None
}

/// XML 1.0's `Char` production.
fn xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Whether the root element of `xml` is `w:NAME` in the WordprocessingML namespace,
/// with the `w` prefix (the DOCX writer edits the parts by that prefix).
fn root_is(xml: &str, name: &str) -> bool {
    let mut found = false;
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let qname = format!("w:{name}");
                found = e.name().as_ref() == qname.as_bytes()
                    && e.attributes().flatten().any(|a| {
                        a.key.as_ref() == b"xmlns:w" && a.value.as_ref() == MAIN_NS.as_bytes()
                    });
                break;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    found
}

fn twips(e: &BytesStart<'_>, key: &[u8]) -> Option<i32> {
    let v = attr(e, key)?;
    // Twips are integers; Word 2010+ may write a measure with a unit ("2.5cm") — such a
    // value is not taken (the report's own value stays).
    v.trim()
        .parse::<i64>()
        .ok()
        .map(|x| x.clamp(-31_680, 31_680) as i32)
}

fn on(e: &BytesStart<'_>) -> bool {
    attr(e, b"val").is_none_or(|v| !matches!(v.as_str(), "0" | "false" | "off"))
}

impl ReferenceDoc {
    /// Read a reference DOCX from its bytes. With `page` false the page setup is not
    /// taken.
    ///
    /// Without `word/styles.xml` the report keeps its own styles; without headers or
    /// footers, its own (see the DOCX writer).
    ///
    /// # Errors
    /// A Chinese message (without the file's name: the caller adds it) when the bytes are
    /// not a zip, the zip has too many entries, a part it needs inflates beyond
    /// [`MAX_PART`] (or all of them beyond [`MAX_TOTAL`]), is encrypted or damaged, is not
    /// well-formed UTF-8 XML ([`check_xml`]), or the package has no main document.
    pub fn from_docx(bytes: &[u8], page: bool) -> Result<ReferenceDoc, String> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).map_err(|_| {
            "不是有效的 DOCX 文件（不是 zip 压缩包；请用 Word 或 WPS 另存为 .docx）".to_string()
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(format!(
                "压缩包含 {} 个条目，超过 {MAX_ENTRIES} 个，拒绝使用",
                zip.len()
            ));
        }
        let mut pkg = Package {
            zip,
            read: 0,
            types: Vec::new(),
        };
        let types = pkg
            .xml("[Content_Types].xml")?
            .ok_or("不是有效的 DOCX 文件（缺少 [Content_Types].xml）")?;
        for_each_start(&types, |e| match local(e.name().as_ref()) {
            b"Default" => pkg.types.push((
                false,
                attr(e, b"Extension").unwrap_or_default(),
                attr(e, b"ContentType").unwrap_or_default(),
            )),
            b"Override" => pkg.types.push((
                true,
                attr(e, b"PartName").unwrap_or_default(),
                attr(e, b"ContentType").unwrap_or_default(),
            )),
            _ => {}
        });
        let main = pkg
            .rels("")?
            .into_iter()
            .find(|(_, kind, _, external)| kind == REL_OFFICE && !external)
            .map(|(_, _, target, _)| target)
            .unwrap_or_else(|| "word/document.xml".to_string());
        let document = pkg
            .xml(&main)?
            .ok_or_else(|| format!("不是有效的 DOCX 文件（缺少主文档 {main}）"))?;
        if !root_is(&document, "document") {
            return Err(format!(
                "的主文档 {main} 不是 WordprocessingML 文档（根元素应为 w:document），请用 Word 或 WPS 另存为 .docx"
            ));
        }
        let rels = pkg.rels(&main)?;
        let part_of = |kind: &str| {
            rels.iter()
                .find(|(_, k, _, external)| k == kind && !external)
                .map(|(_, _, t, _)| t.clone())
        };
        let mut out = ReferenceDoc::default();
        if let Some(name) = part_of(REL_STYLES) {
            if let Some(xml) = pkg.xml(&name)? {
                if !root_is(&xml, "styles") {
                    return Err(format!(
                        "的样式 {name} 不是 Word 常规写法（根元素应为带 w 前缀的 w:styles），请用 Word 或 WPS 另存"
                    ));
                }
                out.styles = Some(xml);
            }
        }
        if let Some(name) = part_of(REL_THEME) {
            out.theme = pkg.xml(&name)?;
        }
        if let Some(name) = part_of(REL_FONTS) {
            out.font_table = pkg.xml(&name)?.filter(|x| root_is(x, "fonts"));
        }
        if let Some(name) = part_of(REL_SETTINGS) {
            if let Some(xml) = pkg.xml(&name)? {
                for_each_start(&xml, |e| {
                    if e.name().as_ref() == b"w:evenAndOddHeaders" {
                        out.even_and_odd = on(e);
                    }
                });
            }
        }
        // The body's section is the document's last w:sectPr.
        let section = last_section(&document);
        if page {
            out.page = section.page;
        }
        out.title_page = section.title_page;
        for (is_header, kind, id) in section.refs {
            let list = if is_header {
                &mut out.headers
            } else {
                &mut out.footers
            };
            // A kind given twice keeps its first.
            if list.iter().any(|s| s.kind == kind) {
                continue;
            }
            let Some((_, _, target, _)) = rels.iter().find(|(i, _, _, ext)| *i == id && !ext)
            else {
                continue;
            };
            let Some(xml) = pkg.xml(target)? else {
                continue;
            };
            let root = if is_header { "hdr" } else { "ftr" };
            if !root_is(&xml, root) {
                return Err(format!(
                    "的页眉页脚 {target} 不是 Word 常规写法（根元素应为带 w 前缀的 w:{root}），请用 Word 或 WPS 另存"
                ));
            }
            let mut story_rels = Vec::new();
            let part_rels = pkg.rels(target)?;
            if part_rels.len() > MAX_RELS {
                return Err(format!("的 {target} 关系过多（超过 {MAX_RELS} 个）"));
            }
            for (rid, rkind, rtarget, external) in part_rels {
                let target = if external {
                    Target::External(rtarget)
                } else {
                    let Some(bytes) = pkg.bytes(&rtarget)? else {
                        // A dangling relationship: dropped (what names it keeps no target).
                        continue;
                    };
                    let file = rtarget.rsplit('/').next().unwrap_or("part").to_string();
                    let content_type = pkg
                        .content_type(&rtarget)
                        .unwrap_or_else(|| "application/octet-stream".to_string());
                    if file.ends_with(".xml") || file.ends_with(".rels") {
                        let text = String::from_utf8(bytes.clone())
                            .map_err(|_| format!("其中的 {rtarget} 不是 UTF-8 编码的 XML"))?;
                        check_xml(&text).map_err(|why| format!("其中的 {rtarget} {why}"))?;
                    }
                    Target::Part {
                        file,
                        content_type,
                        bytes: bytes.into(),
                    }
                };
                story_rels.push(Rel {
                    id: rid,
                    kind: rkind,
                    target,
                });
            }
            list.push(Story {
                kind,
                xml,
                rels: story_rels,
            });
        }
        let order = |s: &Story| s.kind as u8;
        out.headers.sort_by_key(order);
        out.footers.sort_by_key(order);
        Ok(out)
    }

    /// The header or footer of `kind`, if the reference has one.
    pub fn story(&self, header: bool, kind: StoryKind) -> Option<&Story> {
        let list = if header { &self.headers } else { &self.footers };
        list.iter().find(|s| s.kind == kind)
    }
}

/// What the body's last `w:sectPr` says.
#[derive(Default)]
struct Section {
    page: Option<PageSetup>,
    title_page: bool,
    /// (header?, kind, relationship id).
    refs: Vec<(bool, StoryKind, String)>,
}

fn last_section(document: &str) -> Section {
    let mut reader = Reader::from_str(document);
    let mut last = Section::default();
    let mut current: Option<Section> = None;
    let mut page = PageSetup::default();
    let mut has_size = false;
    while let Ok(ev) = reader.read_event() {
        match ev {
            Event::Empty(e) if e.name().as_ref() == b"w:sectPr" => {
                last = Section::default();
                current = None;
            }
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name();
                let name = name.as_ref();
                if name == b"w:sectPr" {
                    current = Some(Section::default());
                    page = PageSetup::default();
                    has_size = false;
                    continue;
                }
                let Some(sec) = current.as_mut() else {
                    continue;
                };
                match name {
                    b"w:pgSz" => {
                        has_size = true;
                        page.width = twips(&e, b"w").unwrap_or(11906).max(1) as u32;
                        page.height = twips(&e, b"h").unwrap_or(16838).max(1) as u32;
                        page.landscape = attr(&e, b"orient").is_some_and(|o| o == "landscape");
                    }
                    b"w:pgMar" => {
                        page.top = twips(&e, b"top").unwrap_or(1440);
                        page.right = twips(&e, b"right").unwrap_or(1440).max(0);
                        page.bottom = twips(&e, b"bottom").unwrap_or(1440);
                        page.left = twips(&e, b"left").unwrap_or(1440).max(0);
                        page.header = twips(&e, b"header").unwrap_or(720).max(0);
                        page.footer = twips(&e, b"footer").unwrap_or(720).max(0);
                        page.gutter = twips(&e, b"gutter").unwrap_or(0).max(0);
                    }
                    b"w:docGrid" => {
                        let kind = match attr(&e, b"type").as_deref() {
                            Some("lines") => GridKind::Lines,
                            Some("linesAndChars") => GridKind::LinesAndChars,
                            Some("snapToChars") => GridKind::SnapToChars,
                            _ => GridKind::None,
                        };
                        page.grid = Some(Grid {
                            kind,
                            line_pitch: twips(&e, b"linePitch").map(|p| p.max(1)),
                            char_space: twips(&e, b"charSpace"),
                        });
                    }
                    b"w:titlePg" => sec.title_page = on(&e),
                    b"w:headerReference" | b"w:footerReference" => {
                        let kind = match attr(&e, b"type").as_deref() {
                            Some("first") => StoryKind::First,
                            Some("even") => StoryKind::Even,
                            _ => StoryKind::Default,
                        };
                        if let Some(id) = attr(&e, b"id") {
                            sec.refs.push((name == b"w:headerReference", kind, id));
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) if e.name().as_ref() == b"w:sectPr" => {
                if let Some(mut sec) = current.take() {
                    if has_size {
                        sec.page = Some(page);
                    }
                    last = sec;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_targets() {
        assert_eq!(resolve("word", "header1.xml"), "word/header1.xml");
        assert_eq!(
            resolve("word", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(resolve("word", "/word/media/a.png"), "word/media/a.png");
        assert_eq!(resolve("", "word/document.xml"), "word/document.xml");
    }

    #[test]
    fn refuses_bad_xml() {
        assert!(check_xml("<a><b></a>").is_err());
        assert!(check_xml("<a>&#1;</a>").is_err());
        assert!(check_xml("<a/><b/>").is_err());
        assert!(check_xml(&("<a>".repeat(300) + &"</a>".repeat(300))).is_err());
        assert!(check_xml("<?xml version=\"1.0\"?><a x=\"1\"><b/>t</a>").is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_zip() {
        let e = ReferenceDoc::from_docx(b"hello", true).unwrap_err();
        assert!(e.contains("不是有效的 DOCX"), "{e}");
    }
}
