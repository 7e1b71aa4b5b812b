//! The OOXML normalisation pass: puts the children of WordprocessingML property elements in
//! the order the ECMA-376 schema requires (docx-rs writes some of them out of order) and
//! drops attributes the schema does not allow. Text and attribute values pass through
//! byte for byte.

use quick_xml::events::Event;
use quick_xml::Reader;

/// Child order of the elements docx-rs gets wrong, from the ECMA-376 transitional schema.
const ORDERS: &[(&str, &[&str])] = &[
    (
        "w:pPr",
        &[
            "pStyle",
            "keepNext",
            "keepLines",
            "pageBreakBefore",
            "framePr",
            "widowControl",
            "numPr",
            "suppressLineNumbers",
            "pBdr",
            "shd",
            "tabs",
            "suppressAutoHyphens",
            "kinsoku",
            "wordWrap",
            "overflowPunct",
            "topLinePunct",
            "autoSpaceDE",
            "autoSpaceDN",
            "bidi",
            "adjustRightInd",
            "snapToGrid",
            "spacing",
            "ind",
            "contextualSpacing",
            "mirrorIndents",
            "suppressOverlap",
            "jc",
            "textDirection",
            "textAlignment",
            "textboxTightWrap",
            "outlineLvl",
            "divId",
            "cnfStyle",
            "rPr",
            "sectPr",
            "pPrChange",
        ],
    ),
    (
        "w:rPr",
        &[
            "ins",
            "del",
            "moveFrom",
            "moveTo",
            "rStyle",
            "rFonts",
            "b",
            "bCs",
            "i",
            "iCs",
            "caps",
            "smallCaps",
            "strike",
            "dstrike",
            "outline",
            "shadow",
            "emboss",
            "imprint",
            "noProof",
            "snapToGrid",
            "vanish",
            "webHidden",
            "color",
            "spacing",
            "w",
            "kern",
            "position",
            "sz",
            "szCs",
            "highlight",
            "u",
            "effect",
            "bdr",
            "shd",
            "fitText",
            "vertAlign",
            "rtl",
            "cs",
            "em",
            "lang",
            "eastAsianLayout",
            "specVanish",
            "oMath",
            "rPrChange",
        ],
    ),
    (
        "w:tblPr",
        &[
            "tblStyle",
            "tblpPr",
            "tblOverlap",
            "bidiVisual",
            "tblStyleRowBandSize",
            "tblStyleColBandSize",
            "tblW",
            "jc",
            "tblCellSpacing",
            "tblInd",
            "tblBorders",
            "shd",
            "tblLayout",
            "tblCellMar",
            "tblLook",
            "tblCaption",
            "tblDescription",
            "tblPrChange",
        ],
    ),
    (
        "w:tcPr",
        &[
            "cnfStyle",
            "tcW",
            "gridSpan",
            "hMerge",
            "vMerge",
            "tcBorders",
            "shd",
            "noWrap",
            "tcMar",
            "textDirection",
            "tcFitText",
            "vAlign",
            "hideMark",
            "headers",
            "cellIns",
            "cellDel",
            "cellMerge",
            "tcPrChange",
        ],
    ),
    (
        "w:sectPr",
        &[
            "headerReference",
            "footerReference",
            "footnotePr",
            "endnotePr",
            "type",
            "pgSz",
            "pgMar",
            "paperSrc",
            "pgBorders",
            "lnNumType",
            "pgNumType",
            "cols",
            "formProt",
            "vAlign",
            "noEndnote",
            "titlePg",
            "textDirection",
            "bidi",
            "rtlGutter",
            "docGrid",
            "printerSettings",
            "sectPrChange",
        ],
    ),
    (
        "w:style",
        &[
            "name",
            "aliases",
            "basedOn",
            "next",
            "link",
            "autoRedefine",
            "hidden",
            "uiPriority",
            "semiHidden",
            "unhideWhenUsed",
            "qFormat",
            "locked",
            "personal",
            "personalCompose",
            "personalReply",
            "rsid",
            "pPr",
            "rPr",
            "tblPr",
            "trPr",
            "tcPr",
            "tblStylePr",
        ],
    ),
    (
        "w:lvl",
        &[
            "start",
            "numFmt",
            "lvlRestart",
            "pStyle",
            "isLgl",
            "suff",
            "lvlText",
            "lvlPicBulletId",
            "legacy",
            "lvlJc",
            "pPr",
            "rPr",
        ],
    ),
    ("w:docDefaults", &["rPrDefault", "pPrDefault"]),
    ("w:numPr", &["ilvl", "numId", "numberingChange", "ins"]),
    (
        "w:settings",
        &[
            "writeProtection",
            "view",
            "zoom",
            "removePersonalInformation",
            "removeDateAndTime",
            "doNotDisplayPageBoundaries",
            "displayBackgroundShape",
            "printPostScriptOverText",
            "printFractionalCharacterWidth",
            "printFormsData",
            "embedTrueTypeFonts",
            "embedSystemFonts",
            "saveSubsetFonts",
            "saveFormsData",
            "mirrorMargins",
            "alignBordersAndEdges",
            "bordersDoNotSurroundHeader",
            "bordersDoNotSurroundFooter",
            "gutterAtTop",
            "hideSpellingErrors",
            "hideGrammaticalErrors",
            "activeWritingStyle",
            "proofState",
            "formsDesign",
            "attachedTemplate",
            "linkStyles",
            "stylePaneFormatFilter",
            "stylePaneSortMethod",
            "documentType",
            "mailMerge",
            "revisionView",
            "trackRevisions",
            "doNotTrackMoves",
            "doNotTrackFormatting",
            "documentProtection",
            "autoFormatOverride",
            "styleLockTheme",
            "styleLockQFSet",
            "defaultTabStop",
            "autoHyphenation",
            "consecutiveHyphenLimit",
            "hyphenationZone",
            "doNotHyphenateCaps",
            "showEnvelope",
            "summaryLength",
            "clickAndTypeStyle",
            "defaultTableStyle",
            "evenAndOddHeaders",
            "bookFoldRevPrinting",
            "bookFoldPrinting",
            "bookFoldPrintingSheets",
            "drawingGridHorizontalSpacing",
            "drawingGridVerticalSpacing",
            "displayHorizontalDrawingGridEvery",
            "displayVerticalDrawingGridEvery",
            "doNotUseMarginsForDrawingGridOrigin",
            "drawingGridHorizontalOrigin",
            "drawingGridVerticalOrigin",
            "doNotShadeFormData",
            "noPunctuationKerning",
            "characterSpacingControl",
            "printTwoOnOne",
            "strictFirstAndLastChars",
            "noLineBreaksAfter",
            "noLineBreaksBefore",
            "savePreviewPicture",
            "doNotValidateAgainstSchema",
            "saveInvalidXml",
            "ignoreMixedContent",
            "alwaysShowPlaceholderText",
            "doNotDemarcateInvalidXml",
            "saveXmlDataOnly",
            "useXSLTWhenSaving",
            "saveThroughXslt",
            "showXMLTags",
            "alwaysMergeEmptyNamespace",
            "updateFields",
            "hdrShapeDefaults",
            "footnotePr",
            "endnotePr",
            "compat",
            "docVars",
            "rsids",
            "mathPr",
            "attachedSchema",
            "themeFontLang",
            "clrSchemeMapping",
            "doNotIncludeSubdocsInStats",
            "doNotAutoCompressPictures",
            "forceUpgrade",
            "captions",
            "readModeInkLockDown",
            "smartTagType",
            "schemaLibrary",
            "shapeDefaults",
            "doNotEmbedSmartTags",
            "decimalSymbol",
            "listSeparator",
        ],
    ),
];

/// Attributes docx-rs writes that the schema does not allow: (element, attribute).
const DROP_ATTRS: &[(&str, &str)] = &[("w:gridCol", "w:type")];

#[derive(Debug)]
pub(super) enum Child {
    Elem(Node),
    /// Text, references, comments, CDATA: raw bytes as read.
    Raw(String),
}

#[derive(Debug)]
pub(super) struct Node {
    pub(super) name: String,
    /// Raw attribute text, including its leading whitespace.
    pub(super) attrs: String,
    pub(super) empty: bool,
    pub(super) children: Vec<Child>,
}

impl Node {
    pub(super) fn new(name: &str, attrs: &str) -> Node {
        Node {
            name: name.to_string(),
            attrs: attrs.to_string(),
            empty: true,
            children: Vec::new(),
        }
    }

    pub(super) fn elems_mut(&mut self) -> impl Iterator<Item = &mut Node> {
        self.children.iter_mut().filter_map(|c| match c {
            Child::Elem(e) => Some(e),
            Child::Raw(_) => None,
        })
    }

    pub(super) fn child_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.elems_mut().find(|e| e.name == name)
    }

    /// The child `name`, created (empty) if missing.
    pub(super) fn ensure(&mut self, name: &str) -> &mut Node {
        if self.child_mut(name).is_none() {
            self.push(Node::new(name, ""));
        }
        match self.children.iter_mut().rev().find_map(|c| match c {
            Child::Elem(e) if e.name == name => Some(e),
            _ => None,
        }) {
            Some(e) => e,
            None => unreachable!("just inserted"),
        }
    }

    pub(super) fn push(&mut self, n: Node) {
        self.empty = false;
        self.children.push(Child::Elem(n));
    }

    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        let mut from = 0;
        while let Some(i) = self.attrs[from..].find(key) {
            let at = from + i;
            let boundary = at == 0 || self.attrs[..at].ends_with(char::is_whitespace);
            let after = at + key.len();
            if !self.attrs[after..].starts_with("=\"") {
                from = after;
                continue;
            }
            let start = after + 2;
            let end = start + self.attrs[start..].find('"')?;
            if boundary {
                return Some(&self.attrs[start..end]);
            }
            from = end;
        }
        None
    }

    pub(super) fn set_attr(&mut self, key: &str, value: &str) {
        if let Some(old) = self.attr(key).map(str::to_string) {
            self.attrs = self.attrs.replacen(
                &format!("{key}=\"{old}\""),
                &format!("{key}=\"{value}\""),
                1,
            );
        } else {
            self.attrs.push_str(&format!(" {key}=\"{value}\""));
        }
    }

    pub(super) fn visit(&mut self, f: &mut dyn FnMut(&mut Node)) {
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
}

impl Normaliser {
    /// Normalise the part `name`. Input that is not well-formed XML is returned unchanged
    /// (the parts come from docx-rs, so this only guards against surprises).
    pub fn part(&mut self, name: &str, xml: &str, hints: &Hints) -> String {
        let Some((prolog, mut root)) = parse(xml) else {
            return xml.to_string();
        };
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
            _ => {}
        }
        if matches!(name, "word/document.xml" | "word/footnotes.xml")
            || (name.starts_with("word/footer") && name.ends_with(".xml"))
        {
            super::styles::east_asian_hints(&mut root);
        }
        root.visit(&mut |n| {
            if n.attr("w14:paraId").is_some() {
                self.next_para_id += 1;
                // Word requires ids below 0x80000000.
                n.set_attr("w14:paraId", &format!("{:08X}", self.next_para_id));
            }
            if n.name == "w:ind" && n.attr("w:firstLine") == Some("640") {
                // docx-rs drops firstLineChars: 2 characters of 三号 = 640 twips.
                n.set_attr("w:firstLineChars", "200");
            }
            drop_attrs(n);
            reorder(n);
        });
        let mut out = String::with_capacity(xml.len() + 256);
        out.push_str(&prolog);
        write(&root, &mut out);
        out
    }
}

/// Normalise one XML part on its own.
#[cfg(test)]
pub fn normalise(xml: &str) -> String {
    Normaliser::default().part("", xml, &Hints::default())
}

pub(super) fn parse(xml: &str) -> Option<(String, Node)> {
    let mut reader = Reader::from_str(xml);
    let mut prolog = String::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let start = reader.buffer_position() as usize;
        let ev = reader.read_event().ok()?;
        let end = reader.buffer_position() as usize;
        let raw = xml.get(start..end)?;
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attrs = String::from_utf8_lossy(e.attributes_raw())
                    .trim_end()
                    .to_string();
                let empty = raw.ends_with("/>");
                let node = Node {
                    attrs,
                    name,
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
                Some(parent) => parent.children.push(Child::Raw(raw.to_string())),
                None if root.is_none() => prolog.push_str(raw),
                None => {}
            },
        }
    }
    if !stack.is_empty() {
        return None;
    }
    root.map(|r| (prolog, r))
}

fn push_to(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Child::Elem(node)),
        None => *root = Some(node),
    }
}

fn drop_attrs(node: &mut Node) {
    for (el, attr) in DROP_ATTRS {
        if *el != node.name {
            continue;
        }
        let key = format!(" {attr}=\"");
        if let Some(a) = node.attrs.find(&key) {
            if let Some(len) = node.attrs[a + key.len()..].find('"') {
                node.attrs.replace_range(a..a + key.len() + len + 1, "");
            }
        }
    }
}

/// Parents whose `w:pPr` is the schema's CT_PPrGeneral, which has no `w:rPr`.
const GENERAL_PPR_PARENTS: &[&str] = &["w:lvl", "w:style", "w:pPrDefault"];

fn reorder(node: &mut Node) {
    if GENERAL_PPR_PARENTS.contains(&node.name.as_str()) {
        for p in node.elems_mut().filter(|e| e.name == "w:pPr") {
            // docx-rs writes an empty <w:rPr/> there; drop it (only when empty).
            p.children.retain(
                |g| !matches!(g, Child::Elem(e) if e.name == "w:rPr" && e.children.is_empty()),
            );
        }
    }
    let Some((_, order)) = ORDERS.iter().find(|(n, _)| *n == node.name) else {
        return;
    };
    let rank = |c: &Child| match c {
        Child::Elem(e) => e
            .name
            .strip_prefix("w:")
            .and_then(|l| order.iter().position(|o| *o == l))
            .unwrap_or(order.len()),
        Child::Raw(_) => order.len(),
    };
    // A stable sort keeps repeated elements (headerReference …) in their written order.
    if !node.children.is_sorted_by_key(rank) {
        node.children.sort_by_cached_key(rank);
    }
}

fn write(node: &Node, out: &mut String) {
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
mod tests {
    use super::normalise;

    #[test]
    fn reorders_paragraph_properties_and_keeps_text() {
        let xml = r#"<?xml version="1.0"?><w:p><w:pPr><w:rPr /><w:jc w:val="center" /><w:spacing w:line="578" /><w:pStyle w:val="a" /></w:pPr><w:r><w:t xml:space="preserve">甲 &amp; 乙</w:t></w:r></w:p>"#;
        let out = normalise(xml);
        assert_eq!(
            out,
            r#"<?xml version="1.0"?><w:p><w:pPr><w:pStyle w:val="a" /><w:spacing w:line="578" /><w:jc w:val="center" /><w:rPr /></w:pPr><w:r><w:t xml:space="preserve">甲 &amp; 乙</w:t></w:r></w:p>"#
        );
    }

    #[test]
    fn drops_grid_col_type() {
        let out = normalise(r#"<w:tblGrid><w:gridCol w:w="100" w:type="dxa" /></w:tblGrid>"#);
        assert_eq!(out, r#"<w:tblGrid><w:gridCol w:w="100" /></w:tblGrid>"#);
    }

    #[test]
    fn malformed_input_passes_through() {
        assert_eq!(normalise("<a><b></a>"), "<a><b></a>");
    }
}
