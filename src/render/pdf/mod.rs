//! Document → PDF: our own typesetting (fonts, line breaking, pages) with printpdf for the
//! PDF objects. Fonts are subset per document, so the file grows with the text.

pub(crate) mod fonts;

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, TextMatrix,
    TextRenderingMode, WindingOrder,
};

pub use crate::render::layout::{self, layout, linebreak, Layout, Preset};
pub use fonts::{
    describe as describe_fonts, is_ignorable, uncovered, FontSet, Glyphs, Role, PLACEHOLDER,
};

use crate::doc::Document;
use crate::error::{Error, Result};

/// A rendered PDF and what the writer should know about it.
pub struct Rendered {
    /// The PDF file's bytes.
    pub bytes: Vec<u8>,
    /// Warnings in Chinese: characters no font can draw (drawn as □, kept in the text
    /// layer), with where they occur.
    pub warnings: Vec<String>,
}

/// Render `doc` to PDF bytes with the bundled fonts.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    render_with(doc, FontSet::bundled()).map(|r| r.bytes)
}

/// Render `doc` with `fonts`.
pub fn render_with(doc: &Document, fonts: &FontSet) -> Result<Rendered> {
    if fonts.files.is_empty() {
        return Err(Error::render("内置字体无法读取"));
    }
    let lay = layout(doc, fonts, Preset::gbt9704());
    let warnings = lay
        .missing
        .iter()
        .map(|(c, ctx)| {
            format!(
                "字符“{c}”（U+{:04X}）没有可用的字体，以方框“{PLACEHOLDER}”代替显示（复制文字时仍是原字符）；出现在“{}”。可用 --font-dir 指定含有该字的字体所在文件夹",
                *c as u32,
                visible(ctx)
            )
        })
        .collect();
    Ok(Rendered {
        bytes: to_pdf(doc, &lay, fonts)?,
        warnings,
    })
}

fn to_pdf(doc: &Document, lay: &Layout, fonts: &FontSet) -> Result<Vec<u8>> {
    // Document info is text, not glyphs: every character is kept but the ignorable ones.
    let mut pdf = PdfDocument::new(&visible(&doc.meta.title));
    let info = &mut pdf.metadata.info;
    info.author = visible(doc.meta.author.as_deref().unwrap_or_default());
    info.subject = visible(doc.meta.subject.as_deref().unwrap_or_default());
    info.creator = "diaoyan".into();
    info.producer = "diaoyan".into();
    if let Some(date) = doc.meta.date {
        // The report's day at 00:00 UTC; the day count is the `time` crate's.
        let ts = date.midnight().assume_utc().unix_timestamp();
        if let Ok(d) = printpdf::OffsetDateTime::from_unix_timestamp(ts) {
            info.creation_date = d;
            info.modification_date = d;
            info.metadata_date = d;
        }
    }

    // Per-document subsets: only the characters each font actually draws, and the
    // placeholder □ where a text item holds a character its font (and every font) lacks.
    // Glyph lookups are memoised for this document: the same characters recur throughout.
    let glyphs = Glyphs::new(fonts);
    let mut used: BTreeMap<usize, BTreeSet<char>> = BTreeMap::new();
    for page in &lay.pages {
        for item in &page.items {
            if let layout::Item::Text { font, text, .. } = item {
                if fonts.files.get(*font).is_none() {
                    continue;
                }
                let set = used.entry(*font).or_default();
                for c in text.chars().filter(|c| !is_ignorable(*c)) {
                    if c != ' ' && glyphs.glyph(*font, c).is_none() {
                        set.insert(PLACEHOLDER);
                    }
                    set.insert(c);
                }
            }
        }
    }
    let mut ids = BTreeMap::new();
    for (idx, chars) in &used {
        let file = &fonts.files[*idx];
        let bytes = fonts::subset_font(file, chars).map_err(Error::render)?;
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| Error::render(format!("子集字体无法读取：{}", file.name)))?;
        // Our own id, which is also the PDF font name: a subset tag (six letters from a
        // hash of the characters) and the font's name. printpdf's own ids come from a
        // process-wide counter, so they would differ between documents.
        let tag: String = fnv64(chars.iter().collect::<String>().as_bytes())
            .to_le_bytes()
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let id = FontId(format!("{tag}+{}", file.name));
        pdf.resources
            .fonts
            .map
            .insert(id.clone(), PdfFont::new(parsed));
        ids.insert(*idx, id);
    }

    let p = Preset::gbt9704();
    let mut pages = Vec::with_capacity(lay.pages.len());
    for page in &lay.pages {
        let mut ops = vec![
            Op::SetOutlineColor {
                col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
            },
            Op::SetFillColor {
                col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
            },
        ];
        let mut width = -1.0;
        let rgb = |c: [u8; 3]| {
            Color::Rgb(Rgb::new(
                c[0] as f32 / 255.0,
                c[1] as f32 / 255.0,
                c[2] as f32 / 255.0,
                None,
            ))
        };
        let pt = |(x, y): (f32, f32), bezier: bool| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier,
        };
        for item in &page.items {
            match item {
                layout::Item::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width: w,
                } => {
                    if *w != width {
                        ops.push(Op::SetOutlineThickness { pt: Pt(*w) });
                        width = *w;
                    }
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![pt((*x1, *y1), false), pt((*x2, *y2), false)],
                            is_closed: false,
                        },
                    });
                }
                layout::Item::Fill {
                    points,
                    bezier,
                    color,
                } => {
                    ops.push(Op::SetFillColor { col: rgb(*color) });
                    ops.push(Op::DrawPolygon {
                        polygon: Polygon {
                            rings: vec![PolygonRing {
                                points: points
                                    .iter()
                                    .zip(bezier)
                                    .map(|(p, b)| pt(*p, *b))
                                    .collect(),
                            }],
                            mode: PaintMode::Fill,
                            winding_order: WindingOrder::NonZero,
                        },
                    });
                }
                layout::Item::Stroke {
                    points,
                    width: w,
                    color,
                } => {
                    ops.push(Op::SetOutlineColor { col: rgb(*color) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*w) });
                    width = *w;
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: points.iter().map(|p| pt(*p, false)).collect(),
                            is_closed: false,
                        },
                    });
                    ops.push(Op::SetOutlineColor {
                        col: rgb([0, 0, 0]),
                    });
                }
                _ => {}
            }
        }
        ops.push(Op::SetFillColor {
            col: rgb([0, 0, 0]),
        });
        ops.push(Op::StartTextSection);
        let mut cur: Option<(usize, f32)> = None;
        let mut cur_bold = false;
        let mut tc = 0.0;
        for item in &page.items {
            if let layout::Item::TextColor(c) = item {
                // Synthetic bold strokes the outline in the text's colour.
                ops.push(Op::SetFillColor { col: rgb(*c) });
                ops.push(Op::SetOutlineColor { col: rgb(*c) });
                continue;
            }
            if let layout::Item::Text {
                x,
                y,
                size,
                font,
                text,
                advances,
                bold,
            } = item
            {
                let Some(id) = ids.get(font) else { continue };
                if cur != Some((*font, *size)) {
                    ops.push(Op::SetFont {
                        font: PdfFontHandle::External(id.clone()),
                        size: Pt(*size),
                    });
                    cur = Some((*font, *size));
                }
                if *bold != cur_bold {
                    if *bold {
                        ops.push(Op::SetOutlineThickness {
                            pt: Pt(size * SYNTHETIC_BOLD),
                        });
                    }
                    ops.push(Op::SetTextRenderingMode {
                        mode: if *bold {
                            TextRenderingMode::FillStroke
                        } else {
                            TextRenderingMode::Fill
                        },
                    });
                    cur_bold = *bold;
                }
                ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(Pt(*x), Pt(*y)),
                });
                show_text(&mut ops, &glyphs, *font, text, advances, *size, &mut tc);
            }
        }
        ops.push(Op::EndTextSection);
        pages.push(PdfPage::new(
            printpdf::Mm(p.page_w / layout::MM),
            printpdf::Mm(p.page_h / layout::MM),
            ops,
        ));
    }
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let pdf = pdf.with_pages(pages);
    let mut lo = printpdf::serialize::to_lopdf_doc(pdf, &opts, &mut warnings);
    finish(&mut lo, doc.meta.date.is_some());
    outline(&mut lo, &lay.bookmarks, p.page_h);
    set_document_id(&mut lo);
    let mut bytes = Vec::new();
    let save = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(6)
        .build();
    lo.save_with_options(&mut bytes, save)
        .map_err(|e| Error::render(format!("PDF 写出失败：{e}")))?;
    Ok(bytes)
}

/// Stroke width of a synthesised bold weight, in em: text is filled and stroked with this
/// outline (PDF text rendering mode 2), which thickens each stem by the width — about what
/// Word and WPS draw for `w:b` on a face with no bold (仿宋, 楷体).
const SYNTHETIC_BOLD: f32 = 0.03;

/// Show `text` in the current font (`font` of `glyphs`' fonts, at `size` pt), the pen advancing by
/// `advances[i]` pt after character `i` (a TJ offset wherever that differs from the
/// glyph's own advance). Characters the font draws are shown as they are; each run of
/// characters it lacks (no font has them: the layout set them in the placeholder's font)
/// as one □ per character inside a marked-content span whose `/ActualText` is the original
/// text, so a reader sees a box and text extraction (pdftotext, copy, search) gets the
/// characters back. Default-ignorable characters are dropped (a second line of defence:
/// the layout drops them already).
///
/// A justified line spreads one amount between most characters: that amount is set as
/// character spacing (`Tc`, tracked in `tc`), so only the exceptions need TJ offsets.
fn show_text(
    ops: &mut Vec<Op>,
    glyphs: &Glyphs<'_>,
    font: fonts::FontIdx,
    text: &str,
    advances: &[f32],
    size: f32,
    tc: &mut f32,
) {
    let Some(file) = glyphs.fonts.files.get(font) else {
        return;
    };
    let drawn = |c: char| c == ' ' || glyphs.glyph(font, c).is_some();
    let natural = |c: char| {
        glyphs
            .glyph(font, c)
            .or_else(|| glyphs.glyph(font, PLACEHOLDER))
            .map_or(0.0, |g| file.advance(g) * size)
    };
    // (character, drawn, TJ adjustment after it in thousandths of an em)
    let glyphs: Vec<(char, bool, f32)> = text
        .chars()
        .zip(advances.iter().copied().chain(std::iter::repeat(f32::NAN)))
        .filter(|(c, _)| !is_ignorable(*c))
        .map(|(c, adv)| {
            let d = drawn(c);
            let shown = if d { c } else { PLACEHOLDER };
            let adj = if adv.is_finite() && size > 0.0 {
                (natural(shown) - adv) * 1000.0 / size
            } else {
                0.0
            };
            (c, d, adj)
        })
        .collect();
    // The most common adjustment (rounded to 0.01/1000 em) becomes the character spacing.
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for g in glyphs.iter().take(glyphs.len().saturating_sub(1)) {
        *counts.entry((g.2 * 100.0).round() as i64).or_default() += 1;
    }
    let common = counts
        .iter()
        .max_by_key(|(k, n)| (**n, -k.abs()))
        .map_or(0.0, |(k, _)| *k as f32 / 100.0);
    let want = -common * size / 1000.0;
    if (want - *tc).abs() > 1e-4 {
        ops.push(Op::SetCharacterSpacing { multiplier: want });
        *tc = want;
    }
    let rest = *tc * 1000.0 / size.max(f32::MIN_POSITIVE);
    let glyphs: Vec<(char, bool, f32)> = glyphs
        .into_iter()
        .map(|(c, d, adj)| (c, d, adj + rest))
        .collect();
    let mut i = 0;
    while i < glyphs.len() {
        let d = glyphs[i].1;
        let mut j = i;
        while j < glyphs.len() && glyphs[j].1 == d {
            j += 1;
        }
        let mut items = Vec::new();
        let mut seg = String::new();
        for (k, &(c, _, adj)) in glyphs.iter().enumerate().take(j).skip(i) {
            seg.push(if d { c } else { PLACEHOLDER });
            // The pen after the run's last glyph does not matter: every run sets its origin.
            if adj.abs() > 0.01 && k + 1 < glyphs.len() {
                items.push(TextItem::Text(std::mem::take(&mut seg)));
                items.push(TextItem::Offset(adj));
            }
        }
        if !seg.is_empty() {
            items.push(TextItem::Text(seg));
        }
        if d {
            ops.push(Op::ShowText { items });
        } else {
            let original: String = glyphs[i..j].iter().map(|g| g.0).collect();
            ops.push(actual_text(&original));
            ops.push(Op::ShowText { items });
            ops.push(Op::EndMarkedContent);
        }
        i = j;
    }
}

/// `BDC /Span << /ActualText <FEFF…> >>`: what the enclosed glyphs stand for (ISO
/// 32000-1 §14.9.4), in UTF-16BE with a byte-order mark. Close with `EMC`.
fn actual_text(text: &str) -> Op {
    let mut data = vec![0xFE, 0xFF];
    data.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let map = [(
        "ActualText".to_string(),
        printpdf::DictItem::String {
            data,
            literal: false,
        },
    )]
    .into_iter()
    .collect();
    Op::BeginMarkedContentWithProperties {
        tag: "Span".to_string(),
        properties: printpdf::DictItem::Dict { map },
    }
}

/// `text` without its default-ignorable characters: for the text-only places of the PDF
/// (document info, outline), which keep every other character.
fn visible(text: &str) -> String {
    text.chars().filter(|c| !is_ignorable(*c)).collect()
}

/// Last touches on printpdf's document before it is written:
/// * PDF 1.7 (ISO 32000-1) is declared: printpdf says 1.3, and the object and cross-reference
///   streams we write need 1.5;
/// * every stream is deflated (zlib format) by libdeflate at level 6: about a third of
///   zlib-rs's CPU time at its default level for slightly smaller output (the embedded
///   仿宋 subset is most of the bytes). printpdf's own pass uses zlib level 9, which took a
///   sixth of a report's CPU time for 0.1 % smaller files;
/// * the Info dictionary loses `/GTS_PDFXVersion`, which printpdf writes (empty) into every
///   file and which makes readers report a PDF/X conformance we do not claim.
/// * an undated report (no `report.date`) loses `/CreationDate` and `/ModDate`, which
///   printpdf always writes (1970-01-01 when not set): the file claims no date at all.
fn finish(doc: &mut lopdf::Document, dated: bool) {
    doc.version = "1.7".into();
    // One compressor for every stream: setting one up costs more than deflating a
    // typical content stream.
    // libdeflate's default level is 6.
    let mut z = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
    for obj in doc.objects.values_mut() {
        let lopdf::Object::Stream(s) = obj else {
            continue;
        };
        if s.dict.get(b"Filter").is_ok() {
            continue;
        }
        let Some(packed) = deflate(&mut z, &s.content) else {
            continue;
        };
        if packed.len() + 19 < s.content.len() {
            s.dict.set("Filter", "FlateDecode");
            s.set_content(packed);
        }
    }
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        .ok();
    if let Some(lopdf::Object::Dictionary(d)) = info.and_then(|id| doc.objects.get_mut(&id)) {
        d.remove(b"GTS_PDFXVersion");
        if !dated {
            d.remove(b"CreationDate");
            d.remove(b"ModDate");
        }
    }
}

/// The outline (bookmarks) as a tree: each level-2 heading under its level-1 heading, each
/// entry jumping to the heading's top; the reader opens with the outline shown. printpdf
/// writes a flat list only.
fn outline(doc: &mut lopdf::Document, marks: &[layout::Bookmark], page_h: f32) {
    use lopdf::{Dictionary, Object, ObjectId};
    let pages = doc.get_pages();
    let marks: Vec<&layout::Bookmark> = marks.iter().filter(|b| b.level <= 2).collect();
    if marks.is_empty() {
        return;
    }
    // Each entry's parent (a level-2 entry belongs to the latest level-1 entry) and the
    // children of each entry; slot `marks.len()` holds the top-level entries.
    let top = marks.len();
    let mut parent = vec![top; marks.len()];
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); marks.len() + 1];
    let mut last_top: Option<usize> = None;
    for (i, b) in marks.iter().enumerate() {
        match last_top {
            Some(t) if b.level > 1 => parent[i] = t,
            _ => last_top = Some(i),
        }
        kids[parent[i]].push(i);
    }
    let root = doc.new_object_id();
    let ids: Vec<ObjectId> = marks.iter().map(|_| doc.new_object_id()).collect();
    let title = |t: &str| {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(t.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, lopdf::StringFormat::Hexadecimal)
    };
    // First, Last and Count of a node with these children.
    let link = |d: &mut Dictionary, children: &[usize]| {
        if let (Some(&first), Some(&last)) = (children.first(), children.last()) {
            d.set("First", ids[first]);
            d.set("Last", ids[last]);
            d.set("Count", children.len() as i64);
        }
    };
    for (i, b) in marks.iter().enumerate() {
        let siblings = &kids[parent[i]];
        let at = siblings.iter().position(|&s| s == i).unwrap_or(0);
        let mut d = Dictionary::new();
        d.set("Title", title(&visible(&b.title)));
        d.set(
            "Parent",
            if parent[i] == top {
                root
            } else {
                ids[parent[i]]
            },
        );
        if at > 0 {
            d.set("Prev", ids[siblings[at - 1]]);
        }
        if let Some(&next) = siblings.get(at + 1) {
            d.set("Next", ids[next]);
        }
        link(&mut d, &kids[i]);
        if let Some(page) = pages.get(&(b.page as u32)) {
            d.set(
                "Dest",
                vec![
                    Object::Reference(*page),
                    "XYZ".into(),
                    Object::Null,
                    Object::Real(page_h - b.top),
                    Object::Null,
                ],
            );
        }
        doc.objects.insert(ids[i], Object::Dictionary(d));
    }
    let mut r = Dictionary::new();
    r.set("Type", "Outlines");
    link(&mut r, &kids[top]);
    // Every entry is visible: the level-1 entries are open.
    r.set("Count", marks.len() as i64);
    doc.objects.insert(root, Object::Dictionary(r));
    if let Ok(catalog) = doc.catalog_mut() {
        catalog.set("Outlines", root);
        catalog.set("PageMode", "UseOutlines");
    }
}

/// `data` as a zlib stream (RFC 1950), with a reused compressor; `None` if it cannot be
/// compressed (libdeflate reports no room, which its bound rules out).
fn deflate(z: &mut libdeflater::Compressor, data: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0; z.zlib_compress_bound(data.len())];
    let n = z.zlib_compress(data, &mut out).ok()?;
    out.truncate(n);
    Some(out)
}

/// FNV-1a, 64 bit: a small stable hash for ids (not for security).
fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Set the trailer's `/ID` (ISO 32000-1 §14.4; random in printpdf) to two equal 16-byte
/// strings derived from the document's content: every object's stream bytes and
/// dictionary, in object-number order, through [`fnv64`] (twice, from two seeds). The same
/// document gets the same id; any change of content gives another.
fn set_document_id(doc: &mut lopdf::Document) {
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4_u64);
    let mut feed = |bytes: &[u8]| {
        for x in bytes {
            a = (a ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3);
            b = (b ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3);
        }
    };
    for (id, obj) in &doc.objects {
        feed(&id.0.to_le_bytes());
        match obj {
            lopdf::Object::Stream(st) => {
                feed(format!("{:?}", st.dict).as_bytes());
                feed(&st.content);
            }
            other => feed(format!("{other:?}").as_bytes()),
        }
    }
    let mut digest = a.to_be_bytes().to_vec();
    digest.extend_from_slice(&b.to_be_bytes());
    let id = lopdf::Object::String(digest, lopdf::StringFormat::Hexadecimal);
    doc.trailer
        .set("ID", lopdf::Object::Array(vec![id.clone(), id]));
}

#[cfg(test)]
mod tests;
