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
enum Child {
    Elem(Node),
    /// Text, references, comments, CDATA: raw bytes as read.
    Raw(String),
}

#[derive(Debug)]
struct Node {
    name: String,
    /// Raw attribute text, including its leading whitespace.
    attrs: String,
    empty: bool,
    children: Vec<Child>,
}

/// Normalise one XML part. Input that is not well-formed XML is returned unchanged (the
/// parts come from docx-rs, so this only guards against surprises).
pub fn normalise(xml: &str) -> String {
    parse(xml)
        .map(|(prolog, root)| {
            let mut out = String::with_capacity(xml.len());
            out.push_str(&prolog);
            write(&root, &mut out);
            out
        })
        .unwrap_or_else(|| xml.to_string())
}

fn parse(xml: &str) -> Option<(String, Node)> {
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
                let attrs = String::from_utf8_lossy(e.attributes_raw()).into_owned();
                let empty = raw.ends_with("/>");
                let node = Node {
                    attrs: drop_attrs(&name, &attrs),
                    name,
                    empty,
                    children: Vec::new(),
                };
                if empty {
                    push(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let mut node = stack.pop()?;
                reorder(&mut node);
                push(&mut stack, &mut root, node);
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

fn push(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Child::Elem(node)),
        None => *root = Some(node),
    }
}

fn drop_attrs(element: &str, attrs: &str) -> String {
    let mut out = attrs.to_string();
    for (el, attr) in DROP_ATTRS {
        if *el != element {
            continue;
        }
        let key = format!(" {attr}=\"");
        if let Some(a) = out.find(&key) {
            if let Some(len) = out[a + key.len()..].find('"') {
                out.replace_range(a..a + key.len() + len + 1, "");
            }
        }
    }
    out
}

/// Parents whose `w:pPr` is the schema's CT_PPrGeneral, which has no `w:rPr`.
const GENERAL_PPR_PARENTS: &[&str] = &["w:lvl", "w:style", "w:pPrDefault"];

fn reorder(node: &mut Node) {
    if GENERAL_PPR_PARENTS.contains(&node.name.as_str()) {
        for c in &mut node.children {
            if let Child::Elem(p) = c {
                if p.name == "w:pPr" {
                    // docx-rs writes an empty <w:rPr/> there; drop it (only when empty).
                    p.children.retain(|g| {
                        !matches!(g, Child::Elem(e) if e.name == "w:rPr" && e.children.is_empty())
                    });
                }
            }
        }
    }
    let Some((_, order)) = ORDERS.iter().find(|(n, _)| *n == node.name) else {
        return;
    };
    let rank = |c: &Child| match c {
        Child::Elem(e) => {
            let local = e.name.strip_prefix("w:");
            local
                .and_then(|l| order.iter().position(|o| *o == l))
                .unwrap_or(order.len())
        }
        Child::Raw(_) => order.len(),
    };
    // A stable sort keeps repeated elements (headerReference …) in their written order.
    node.children.sort_by_key(rank);
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
    if node.empty && node.children.is_empty() {
        out.push_str("/>");
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
