//! The pack's reference DOCX in the report's DOCX, as pandoc's `--reference-doc`: its
//! styles (the reference's definition wins for a style the report uses; ours fill in the
//! rest), its document defaults, theme and fonts, its page setup, and its headers and
//! footers (with the parts they use).
//!
//! Rules:
//! - Styles are matched by `w:styleId`, else by `w:name` (case-insensitive) within the same
//!   `w:type`, so a Chinese Word file (Normal is `a`, heading 1 is `1`) matches as well as
//!   an English one; a matched style takes our id, and every reference to it (`w:basedOn`,
//!   `w:next`, `w:link`, `w:pStyle` … in the headers and footers) follows. The reference's
//!   numbering is not carried: its styles lose their `w:numPr`, and our headings keep
//!   ours (一、 （一） 1. （1）).
//! - The page (size, margins, grid) is the reference's unless the pack says
//!   `style.reference_page_setup: false` ([`crate::refdoc::ReferenceDoc::page`]).
//! - With footers of its own, the reference gives every header and footer, with its
//!   `w:titlePg` and `w:evenAndOddHeaders`. With headers only, its headers are used with
//!   our folio (GB/T 9704 §7.5) as the footers: even pages repeat the default header
//!   unless the reference has its own even one, and a first page of its own (`w:titlePg`)
//!   keeps the odd folio.

use docx_rs::{Docx, Footer, Header, PageMargin};

use super::normalize::{parse, write, Child, Node};
use super::page;
use crate::refdoc::{GridKind, ReferenceDoc, Story, StoryKind, Target};

/// What each header and footer part of the package is: the reference's story, or ours
/// (`None`, a footer written by docx-rs). Index `i` is part `header{i+1}.xml`.
#[derive(Debug, Default)]
pub struct Plan<'r> {
    /// The reference, if the report has one.
    pub reference: Option<&'r ReferenceDoc>,
    /// Header parts in docx-rs's order.
    pub headers: Vec<Option<&'r Story>>,
    /// Footer parts in docx-rs's order.
    pub footers: Vec<Option<&'r Story>>,
}

/// The page, headers and footers of `d`: ours (GB/T 9704), or the reference's by the
/// rules above.
pub fn setup<'r>(mut d: Docx, reference: Option<&'r ReferenceDoc>) -> (Docx, Plan<'r>) {
    let mut plan = Plan {
        reference,
        ..Plan::default()
    };
    match reference.and_then(|r| r.page) {
        Some(p) => {
            d = d.page_size(p.width, p.height).page_margin(
                PageMargin::new()
                    .top(p.top)
                    .bottom(p.bottom)
                    .left(p.left)
                    .right(p.right)
                    .header(p.header)
                    .footer(p.footer)
                    .gutter(p.gutter),
            );
            if p.landscape {
                d = d.page_orient(docx_rs::PageOrientationType::Landscape);
            }
            if let Some(g) = p.grid {
                let mut grid = docx_rs::DocGrid::with_empty().grid_type(match g.kind {
                    GridKind::None => docx_rs::DocGridType::Default,
                    GridKind::Lines => docx_rs::DocGridType::Lines,
                    GridKind::LinesAndChars => docx_rs::DocGridType::LinesAndChars,
                    GridKind::SnapToChars => docx_rs::DocGridType::SnapToChars,
                });
                if let Some(lp) = g.line_pitch {
                    grid = grid.line_pitch(lp.max(1) as usize);
                }
                if let Some(cs) = g.char_space {
                    grid = grid.char_space(cs as isize);
                }
                d.document = d.document.doc_grid(grid);
            }
        }
        None => {
            d = d
                .page_size(page::PAGE_W as u32, page::PAGE_H as u32)
                .page_margin(page::margins());
            d.document = d.document.doc_grid(page::grid());
        }
    }
    let Some(r) = reference else {
        d = d
            .footer(page::folio(page::Side::Odd))
            .even_footer(page::folio(page::Side::Even));
        return (d, plan);
    };
    let first = r.title_page;
    if !r.footers.is_empty() {
        // Everything from the reference; a story of a kind its flags leave unused is not
        // carried.
        for s in &r.headers {
            match s.kind {
                StoryKind::Default => d = d.header(Header::new()),
                StoryKind::First if first => d = d.first_header(Header::new()),
                StoryKind::Even if r.even_and_odd => d = d.even_header(Header::new()),
                _ => continue,
            }
            plan.headers.push(Some(s));
        }
        for s in &r.footers {
            match s.kind {
                StoryKind::Default => d = d.footer(Footer::new()),
                StoryKind::First if first => d = d.first_footer(Footer::new()),
                StoryKind::Even if r.even_and_odd => d = d.even_footer(Footer::new()),
                _ => continue,
            }
            plan.footers.push(Some(s));
        }
    } else {
        let default = r.story(true, StoryKind::Default);
        let even = match r.story(true, StoryKind::Even) {
            Some(e) if r.even_and_odd => Some(e),
            // Our folio needs even and odd footers: even pages repeat the default header.
            _ if !r.even_and_odd => default,
            _ => None,
        };
        if let Some(s) = default {
            d = d.header(Header::new());
            plan.headers.push(Some(s));
        }
        if first {
            if let Some(s) = r.story(true, StoryKind::First) {
                d = d.first_header(Header::new());
                plan.headers.push(Some(s));
            }
        }
        if let Some(s) = even {
            d = d.even_header(Header::new());
            plan.headers.push(Some(s));
        }
        d = d.footer(page::folio(page::Side::Odd));
        plan.footers.push(None);
        if first {
            d = d.first_footer(page::folio(page::Side::Odd));
            plan.footers.push(None);
        }
        d = d.even_footer(page::folio(page::Side::Even));
        plan.footers.push(None);
    }
    if first {
        d.document.section_property = d.document.section_property.title_pg();
    }
    (d, plan)
}

/// The text width of the page in twips: the reference's, or GB/T 9704's 156 mm.
pub fn text_width(reference: Option<&ReferenceDoc>) -> i32 {
    reference
        .and_then(|r| r.page)
        .map_or(page::TEXT_WIDTH, |p| p.text_width())
}

fn children<'n, 'a>(n: &'n Node<'a>) -> impl Iterator<Item = &'n Node<'a>> {
    n.children.iter().filter_map(|c| match c {
        Child::Elem(e) => Some(e),
        Child::Raw(_) => None,
    })
}

fn child_val<'n>(n: &'n Node<'_>, name: &str) -> Option<&'n str> {
    children(n)
        .find(|e| e.name == name)
        .and_then(|e| e.attr("w:val"))
}

/// (type, id, name) of a `w:style`.
fn key(n: &Node<'_>) -> (String, String, String) {
    (
        n.attr("w:type").unwrap_or("paragraph").to_string(),
        n.attr("w:styleId").unwrap_or("").to_string(),
        child_val(n, "w:name").unwrap_or("").to_lowercase(),
    )
}

/// Our styles part (docx-rs's) merged into the reference's, with the renames made
/// (reference id → ours); `None` when either is not well-formed (ours then stays).
pub fn merge_styles(ours: &str, theirs: &str) -> Option<(String, Vec<(String, String)>)> {
    let (_, mut our_root) = parse(ours)?;
    let (prolog, mut root) = parse(theirs)?;
    let our_keys: Vec<(String, String, String)> = children(&our_root)
        .filter(|e| e.name == "w:style")
        .map(key)
        .collect();
    let their_keys: Vec<(String, String, String)> = children(&root)
        .filter(|e| e.name == "w:style")
        .map(key)
        .collect();
    // Our style id each reference style becomes, if it matches one.
    let mut matched: Vec<Option<String>> = vec![None; their_keys.len()];
    for (i, (t, id, _)) in their_keys.iter().enumerate() {
        if our_keys.iter().any(|(ot, oid, _)| ot == t && oid == id) {
            matched[i] = Some(id.clone());
        }
    }
    for (i, (t, _, name)) in their_keys.iter().enumerate() {
        if matched[i].is_some() || name.is_empty() {
            continue;
        }
        let target = our_keys
            .iter()
            .find(|(ot, oid, oname)| {
                ot == t && oname == name && !matched.iter().flatten().any(|m| m == oid)
            })
            .map(|(_, oid, _)| oid.clone());
        matched[i] = target;
    }
    let mut renames: Vec<(String, String)> = Vec::new();
    for (i, (t, id, _)) in their_keys.iter().enumerate() {
        match &matched[i] {
            Some(ours) if ours != id => renames.push((id.clone(), ours.clone())),
            None if our_keys.iter().any(|(ot, oid, _)| oid == id && ot != t)
                || renames.iter().any(|(_, to)| to == id) =>
            {
                // An unrelated style with one of our ids: it keeps its own, renamed.
                renames.push((id.clone(), format!("{id}Ref")));
            }
            _ => {}
        }
    }
    let rename = |v: &str| -> Option<String> {
        renames
            .iter()
            .find(|(from, _)| from == v)
            .map(|(_, to)| to.clone())
    };
    // Our numbering of the styles that keep it (headings), by our id.
    let mut numbering: Vec<(String, String)> = Vec::new();
    for st in children(&our_root).filter(|e| e.name == "w:style") {
        if let Some(num) = children(st)
            .find(|e| e.name == "w:pPr")
            .and_then(|p| children(p).find(|e| e.name == "w:numPr"))
        {
            let mut xml = String::new();
            write(num, &mut xml);
            numbering.push((st.attr("w:styleId").unwrap_or("").to_string(), xml));
        }
    }
    let mut taken: Vec<String> = Vec::new();
    for st in root.elems_mut().filter(|e| e.name == "w:style") {
        if let Some(to) = st.attr("w:styleId").and_then(rename) {
            st.set_attr("w:styleId", &to);
        }
        for c in st.elems_mut() {
            if matches!(&*c.name, "w:basedOn" | "w:next" | "w:link") {
                if let Some(to) = c.attr("w:val").and_then(rename) {
                    c.set_attr("w:val", &to);
                }
            }
            if c.name == "w:pPr" {
                c.children
                    .retain(|g| !matches!(g, Child::Elem(e) if e.name == "w:numPr"));
            }
        }
        let id = st.attr("w:styleId").unwrap_or("").to_string();
        if let Some((_, xml)) = numbering.iter().find(|(sid, _)| *sid == id) {
            if let Some((_, num)) = parse(xml) {
                st.ensure("w:pPr").push(num.into_owned());
            }
        }
        taken.push(id);
    }
    let has_defaults = children(&root).any(|e| e.name == "w:docDefaults");
    let mut ours_left: Vec<Child<'_>> = Vec::new();
    let mut our_defaults = None;
    for c in our_root.children.drain(..) {
        match c {
            Child::Elem(e) if e.name == "w:docDefaults" => our_defaults = Some(e),
            Child::Elem(e)
                if e.name == "w:style"
                    && !taken
                        .iter()
                        .any(|t| Some(t.as_str()) == e.attr("w:styleId")) =>
            {
                ours_left.push(Child::Elem(e))
            }
            _ => {}
        }
    }
    if !has_defaults {
        if let Some(d) = our_defaults {
            root.children.insert(0, Child::Elem(d));
        }
    }
    root.children.extend(ours_left);
    root.empty = root.children.is_empty();
    let mut out = String::with_capacity(theirs.len() + ours.len());
    out.push_str(prolog);
    write(&root, &mut out);
    Some((out, renames))
}

/// A part a header or footer uses, carried into the report: (part name, content type,
/// bytes).
pub type CarriedPart = (String, String, Vec<u8>);

/// A header or footer of the reference as a part of the report: style ids renamed as
/// the styles were, and its relationships' targets `media/reference{k}…` (k counting
/// `next` on), returned with their bytes and content types as parts.
pub fn story_part(
    story: &Story,
    renames: &[(String, String)],
    next: &mut usize,
) -> (String, String, Vec<CarriedPart>) {
    let xml = match parse(&story.xml) {
        Some((prolog, mut root)) => {
            root.visit(&mut |n| {
                if matches!(&*n.name, "w:pStyle" | "w:rStyle" | "w:tblStyle") {
                    if let Some(to) = n
                        .attr("w:val")
                        .and_then(|v| renames.iter().find(|(f, _)| f == v))
                        .map(|(_, t)| t.clone())
                    {
                        n.set_attr("w:val", &to);
                    }
                }
            });
            let mut out = String::from(prolog);
            write(&root, &mut out);
            out
        }
        None => story.xml.clone(),
    };
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut parts = Vec::new();
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    for r in &story.rels {
        match &r.target {
            Target::External(uri) => rels.push_str(&format!(
                r#"<Relationship Id="{}" Type="{}" Target="{}" TargetMode="External"/>"#,
                esc(&r.id),
                esc(&r.kind),
                esc(uri)
            )),
            Target::Part {
                file,
                content_type,
                bytes,
            } => {
                *next += 1;
                let ext = file
                    .rsplit_once('.')
                    .map(|(_, e)| e)
                    .filter(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric()))
                    .unwrap_or("bin")
                    .to_ascii_lowercase();
                let name = format!("media/reference{}.{ext}", *next);
                rels.push_str(&format!(
                    r#"<Relationship Id="{}" Type="{}" Target="{name}"/>"#,
                    esc(&r.id),
                    esc(&r.kind)
                ));
                parts.push((format!("word/{name}"), content_type.clone(), bytes.to_vec()));
            }
        }
    }
    rels.push_str("</Relationships>");
    (xml, rels, parts)
}

/// Our font table with the reference's fonts it lacks (without their embedded font
/// parts, which are not carried).
pub fn merge_fonts(ours: &str, theirs: Option<&str>) -> String {
    let Some((_, mut their_root)) = theirs.and_then(parse) else {
        return ours.to_string();
    };
    let Some(at) = ours.rfind("</w:fonts>") else {
        return ours.to_string();
    };
    let mut extra = String::new();
    for f in their_root.elems_mut().filter(|e| e.name == "w:font") {
        let Some(name) = f.attr("w:name") else {
            continue;
        };
        let entry = format!(r#"w:name="{name}""#);
        if ours.contains(&entry) || extra.contains(&entry) {
            continue;
        }
        f.children
            .retain(|c| !matches!(c, Child::Elem(e) if e.name.starts_with("w:embed")));
        write(f, &mut extra);
    }
    let mut out = ours.to_string();
    out.insert_str(at, &extra);
    out
}
