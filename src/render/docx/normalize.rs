//! The OOXML normalisation pass: puts the children of WordprocessingML property elements in
//! the order the ECMA-376 schema requires (docx-rs writes some of them out of order) and
//! drops attributes the schema does not allow. Text and attribute values pass through
//! byte for byte.

use std::borrow::Cow;
use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::Reader;

mod schema;
use schema::{DROP_ATTRS, ORDERS};

/// A child of an element. Text borrows the part's XML (see [`parse`]).
#[derive(Debug)]
pub(super) enum Child<'a> {
    Elem(Node<'a>),
    /// Text, references, comments, CDATA: raw bytes as read.
    Raw(Cow<'a, str>),
}

/// An element of a part. Its name and attributes borrow the part's XML until changed, so
/// parsing a part allocates only the child lists.
#[derive(Debug)]
pub(super) struct Node<'a> {
    pub(super) name: Cow<'a, str>,
    /// Raw attribute text, including its leading whitespace.
    pub(super) attrs: Cow<'a, str>,
    pub(super) empty: bool,
    pub(super) children: Vec<Child<'a>>,
}

/// The attributes of an element's raw attribute text, in order: (name, value, byte range
/// of the value in `attrs`). Values are as written (entities not decoded); both quote
/// characters are accepted. Stops at the first malformed attribute.
fn attributes(attrs: &str) -> impl Iterator<Item = (&str, &str, std::ops::Range<usize>)> {
    let bytes = attrs.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let key_start = at;
        while at < bytes.len() && bytes[at] != b'=' && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let key_end = at;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if key_end == key_start || bytes.get(at) != Some(&b'=') {
            return None;
        }
        at += 1;
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let quote = *bytes.get(at).filter(|q| matches!(q, b'"' | b'\''))?;
        let start = at + 1;
        let len = bytes[start..].iter().position(|b| *b == quote)?;
        at = start + len + 1;
        // Every delimiter is ASCII, so these are character boundaries.
        Some((
            attrs.get(key_start..key_end)?,
            attrs.get(start..start + len)?,
            start..start + len,
        ))
    })
}

impl<'a> Node<'a> {
    pub(super) fn new(name: &'a str, attrs: &'a str) -> Node<'a> {
        Node {
            name: Cow::Borrowed(name),
            attrs: Cow::Borrowed(attrs),
            empty: true,
            children: Vec::new(),
        }
    }

    /// The same tree, owning all its text (for a tree parsed from a temporary string).
    pub(super) fn into_owned(self) -> Node<'static> {
        Node {
            name: Cow::Owned(self.name.into_owned()),
            attrs: Cow::Owned(self.attrs.into_owned()),
            empty: self.empty,
            children: self
                .children
                .into_iter()
                .map(|c| match c {
                    Child::Elem(e) => Child::Elem(e.into_owned()),
                    Child::Raw(r) => Child::Raw(Cow::Owned(r.into_owned())),
                })
                .collect(),
        }
    }

    pub(super) fn elems_mut(&mut self) -> impl Iterator<Item = &mut Node<'a>> {
        self.children.iter_mut().filter_map(|c| match c {
            Child::Elem(e) => Some(e),
            Child::Raw(_) => None,
        })
    }

    pub(super) fn child_mut(&mut self, name: &str) -> Option<&mut Node<'a>> {
        self.elems_mut().find(|e| e.name == name)
    }

    /// The child `name`, created (empty) if missing.
    pub(super) fn ensure(&mut self, name: &'a str) -> &mut Node<'a> {
        let at = self
            .children
            .iter()
            .position(|c| matches!(c, Child::Elem(e) if e.name == name));
        let at = match at {
            Some(i) => i,
            None => {
                self.push(Node::new(name, ""));
                self.children.len() - 1
            }
        };
        match &mut self.children[at] {
            Child::Elem(e) => e,
            Child::Raw(_) => unreachable!("an element was found or pushed at this index"),
        }
    }

    pub(super) fn push(&mut self, n: Node<'a>) {
        self.empty = false;
        self.children.push(Child::Elem(n));
    }

    /// The byte range of attribute `key`'s value in `attrs`.
    fn attr_range(&self, key: &str) -> Option<std::ops::Range<usize>> {
        if self.attrs.is_empty() {
            return None;
        }
        attributes(&self.attrs).find_map(|(k, _, r)| (k == key).then_some(r))
    }

    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        let r = self.attr_range(key)?;
        self.attrs.get(r)
    }

    /// Set attribute `key` to `value` (written as given: escape it first), in place, or
    /// appended when missing.
    pub(super) fn set_attr(&mut self, key: &str, value: &str) {
        match self.attr_range(key) {
            Some(r) => {
                if self.attrs.get(r.clone()) != Some(value) {
                    self.attrs.to_mut().replace_range(r, value);
                }
            }
            None => {
                let attrs = self.attrs.to_mut();
                attrs.reserve(key.len() + value.len() + 4);
                attrs.push(' ');
                attrs.push_str(key);
                attrs.push_str("=\"");
                attrs.push_str(value);
                attrs.push('"');
            }
        }
    }

    pub(super) fn visit(&mut self, f: &mut dyn FnMut(&mut Node<'a>)) {
        f(self);
        for c in self.elems_mut() {
            c.visit(f);
        }
    }
}

/// What the pass knows about the document beyond its XML.
#[derive(Debug, Default)]
pub struct Hints {
    /// Header rows of each table, in document order: they get `w:tblHeader` (repeated on
    /// every page).
    pub table_header_rows: Vec<usize>,
    /// The charts' alternative texts, in order.
    pub chart_alts: Vec<String>,
    /// The chart parts, in order: chart `n` is `word/charts/chart{n}.xml`.
    pub chart_parts: Vec<super::chart::ChartPart>,
}

/// Normalises the parts of one package; paragraph ids are renumbered across all of them,
/// so a document's bytes never depend on what was built before it in the process.
#[derive(Debug, Default)]
pub struct Normaliser {
    next_para_id: u32,
    /// Drawings of the headers and footers (a reference DOCX's) numbered so far: their
    /// `wp:docPr` ids must not repeat the body's (unique across the package's stories).
    next_doc_pr: u32,
}

/// The first `wp:docPr` id of a drawing in a header or footer (the body's charts count
/// from 1).
const STORY_DOC_PR: u32 = 100_000;

impl Normaliser {
    /// Normalise the part `name`. Input that is not well-formed XML is returned unchanged
    /// (the parts come from docx-rs, so this only guards against surprises).
    pub fn part(&mut self, name: &str, xml: &str, hints: &Hints) -> String {
        self.part_inspected(name, xml, hints, &mut |_| {})
    }

    /// [`Normaliser::part`], showing `inspect` the part's tree as written (before any
    /// change), so a caller can read the part without parsing it again.
    pub fn part_inspected(
        &mut self,
        name: &str,
        xml: &str,
        hints: &Hints,
        inspect: &mut dyn FnMut(&Node<'_>),
    ) -> String {
        let Some((prolog, mut root)) = parse(xml) else {
            return xml.to_string();
        };
        inspect(&root);
        match name {
            "word/document.xml" => {
                super::table::mark_header_rows(&mut root, &hints.table_header_rows);
                super::chart::place_charts(&mut root, &hints.chart_parts);
                super::chart::number_drawings(&mut root, &hints.chart_alts);
            }
            "word/styles.xml" => {
                super::styles::add_language(&mut root);
                super::styles::add_paragraph_defaults(&mut root);
                super::styles::default_styles(&mut root);
            }
            "word/footnotes.xml" => super::add_footnote_refs(&mut root),
            _ if name.starts_with("word/header") || name.starts_with("word/footer") => {
                let mut id = String::new();
                root.visit(&mut |n| {
                    if n.name == "wp:docPr" {
                        self.next_doc_pr += 1;
                        id.clear();
                        let _ = write!(id, "{}", STORY_DOC_PR + self.next_doc_pr);
                        n.set_attr("id", &id);
                    }
                });
            }
            _ => {}
        }
        if matches!(name, "word/document.xml" | "word/footnotes.xml")
            || (name.starts_with("word/footer") && name.ends_with(".xml"))
        {
            super::styles::east_asian_hints(&mut root);
        }
        let mut id = String::new();
        root.visit(&mut |n| {
            if !n.attrs.is_empty() {
                if n.attr_range("w14:paraId").is_some() {
                    self.next_para_id += 1;
                    // Word requires ids below 0x80000000.
                    id.clear();
                    let _ = write!(id, "{:08X}", self.next_para_id);
                    n.set_attr("w14:paraId", &id);
                }
                if n.name == "w:ind" && n.attr("w:firstLine") == Some("640") {
                    // docx-rs drops firstLineChars: 2 characters of 三号 = 640 twips.
                    n.set_attr("w:firstLineChars", "200");
                }
                drop_attrs(n);
            }
            reorder(n);
        });
        let mut out = String::with_capacity(xml.len() + 256);
        out.push_str(prolog);
        write(&root, &mut out);
        out
    }
}

/// Normalise one XML part on its own.
#[cfg(test)]
pub fn normalise(xml: &str) -> String {
    Normaliser::default().part("", xml, &Hints::default())
}

/// The prolog (text before the root element) and the root element of `xml`, or `None`
/// when `xml` is not well-formed (as quick-xml checks it: matching end tags). Names,
/// attributes and text borrow `xml`.
pub(super) fn parse(xml: &str) -> Option<(&str, Node<'_>)> {
    let mut reader = Reader::from_str(xml);
    let mut prolog_end = 0;
    let mut stack: Vec<Node<'_>> = Vec::new();
    let mut root = None;
    loop {
        let start = reader.buffer_position() as usize;
        let ev = reader.read_event().ok()?;
        let end = reader.buffer_position() as usize;
        let raw = xml.get(start..end)?;
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = raw.ends_with("/>");
                // `raw` is `<` name attributes `>` (or `/>`); the name ends at an ASCII
                // byte, so every cut is a character boundary.
                let name_end = 1 + e.name().as_ref().len();
                let attrs_end = raw.len() - if empty { 2 } else { 1 };
                let name = raw.get(1..name_end)?;
                let attrs = raw.get(name_end..attrs_end.max(name_end))?.trim_end();
                let node = Node {
                    name: Cow::Borrowed(name),
                    attrs: Cow::Borrowed(attrs),
                    empty,
                    children: Vec::new(),
                };
                if empty {
                    push_to(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop()?;
                push_to(&mut stack, &mut root, node);
            }
            Event::Eof => break,
            _ => match stack.last_mut() {
                Some(parent) => parent.children.push(Child::Raw(Cow::Borrowed(raw))),
                None if root.is_none() => prolog_end = end,
                None => {}
            },
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root.map(|r| (&xml[..prolog_end], r))
}

fn push_to<'a>(stack: &mut [Node<'a>], root: &mut Option<Node<'a>>, node: Node<'a>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Child::Elem(node)),
        None => *root = Some(node),
    }
}

fn drop_attrs(node: &mut Node<'_>) {
    for (el, attr) in DROP_ATTRS {
        if node.name != *el {
            continue;
        }
        let Some(r) = node.attr_range(attr) else {
            continue;
        };
        // From the space before the name to the closing quote.
        let head = &node.attrs[..r.start];
        let Some(name_at) = head.rfind(attr) else {
            continue;
        };
        let from = if head[..name_at].ends_with(' ') {
            name_at - 1
        } else {
            name_at
        };
        node.attrs.to_mut().replace_range(from..r.end + 1, "");
    }
}

/// Parents whose `w:pPr` is the schema's CT_PPrGeneral, which has no `w:rPr`.
const GENERAL_PPR_PARENTS: &[&str] = &["w:lvl", "w:style", "w:pPrDefault"];

/// The schema order of the children of an element named `name`, if it is one docx-rs
/// gets wrong.
fn order_of(name: &str) -> Option<&'static [&'static str]> {
    // Every ordered element is in the `w:` namespace.
    if !name.starts_with("w:") {
        return None;
    }
    ORDERS.iter().find(|(n, _)| *n == name).map(|(_, o)| *o)
}

fn reorder(node: &mut Node<'_>) {
    if node.children.is_empty() {
        return;
    }
    if GENERAL_PPR_PARENTS.contains(&&*node.name) {
        for p in node.elems_mut().filter(|e| e.name == "w:pPr") {
            // docx-rs writes an empty <w:rPr/> there; drop it (only when empty).
            p.children.retain(
                |g| !matches!(g, Child::Elem(e) if e.name == "w:rPr" && e.children.is_empty()),
            );
        }
    }
    let Some(order) = order_of(&node.name) else {
        return;
    };
    let rank = |c: &Child<'_>| match c {
        Child::Elem(e) => e
            .name
            .strip_prefix("w:")
            .and_then(|l| order.iter().position(|o| *o == l))
            .unwrap_or(order.len()),
        Child::Raw(_) => order.len(),
    };
    let ranks: Vec<usize> = node.children.iter().map(rank).collect();
    if ranks.is_sorted() {
        return;
    }
    // A stable sort keeps repeated elements (headerReference …) in their written order.
    let mut keyed: Vec<(usize, Child<'_>)> =
        ranks.into_iter().zip(node.children.drain(..)).collect();
    keyed.sort_by_key(|(r, _)| *r);
    node.children.extend(keyed.into_iter().map(|(_, c)| c));
}

/// Write `node` (and its subtree) as XML to `out`.
pub(super) fn write(node: &Node<'_>, out: &mut String) {
    out.push('<');
    out.push_str(&node.name);
    if !node.attrs.is_empty() {
        if !node.attrs.starts_with(char::is_whitespace) {
            out.push(' ');
        }
        out.push_str(&node.attrs);
    }
    if node.children.is_empty() && node.empty {
        out.push_str(" />");
        return;
    }
    out.push('>');
    for c in &node.children {
        match c {
            Child::Elem(e) => write(e, out),
            Child::Raw(r) => out.push_str(r),
        }
    }
    out.push_str("</");
    out.push_str(&node.name);
    out.push('>');
}

#[cfg(test)]
mod tests;
