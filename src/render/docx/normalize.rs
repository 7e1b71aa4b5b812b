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

impl Node {
    fn new(name: &str, attrs: &str) -> Node {
        Node {
            name: name.to_string(),
            attrs: attrs.to_string(),
            empty: true,
            children: Vec::new(),
        }
    }

    fn elems_mut(&mut self) -> impl Iterator<Item = &mut Node> {
        self.children.iter_mut().filter_map(|c| match c {
            Child::Elem(e) => Some(e),
            Child::Raw(_) => None,
        })
    }

    fn child_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.elems_mut().find(|e| e.name == name)
    }

    /// The child `name`, created (empty) if missing.
    fn ensure(&mut self, name: &str) -> &mut Node {
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

    fn push(&mut self, n: Node) {
        self.empty = false;
        self.children.push(Child::Elem(n));
    }

    fn attr(&self, key: &str) -> Option<&str> {
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

    fn set_attr(&mut self, key: &str, value: &str) {
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

    fn visit(&mut self, f: &mut dyn FnMut(&mut Node)) {
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
                mark_header_rows(&mut root, &hints.table_header_rows);
                place_charts(&mut root, &hints.chart_parts);
                number_drawings(&mut root, &hints.chart_alts);
            }
            "word/styles.xml" => {
                add_language(&mut root);
                add_paragraph_defaults(&mut root);
                default_styles(&mut root);
            }
            "word/footnotes.xml" => add_footnote_refs(&mut root),
            _ => {}
        }
        if matches!(name, "word/document.xml" | "word/footnotes.xml")
            || (name.starts_with("word/footer") && name.ends_with(".xml"))
        {
            east_asian_hints(&mut root);
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

fn mark_header_rows(root: &mut Node, counts: &[usize]) {
    let mut k = 0;
    root.visit(&mut |n| {
        if n.name != "w:tbl" {
            return;
        }
        let rows = counts.get(k).copied().unwrap_or(0);
        k += 1;
        for tr in n.elems_mut().filter(|e| e.name == "w:tr").take(rows) {
            let tr_pr = tr.ensure("w:trPr");
            if tr_pr.child_mut("w:tblHeader").is_none() {
                tr_pr.push(Node::new("w:tblHeader", ""));
            }
        }
    });
}

/// The k-th paragraph in the chart style (see [`super::FIGURE_STYLE`]) gets chart k's
/// drawing, at the chart's own extent, as its only run.
fn place_charts(root: &mut Node, parts: &[super::chart::ChartPart]) {
    let charts = parts.len();
    if charts == 0 {
        return;
    }
    let mut k = 0;
    root.visit(&mut |n| {
        if n.name != "w:p" || !has_style(n, "w:pPr", "w:pStyle", super::FIGURE_STYLE) {
            return;
        }
        k += 1;
        if k > charts {
            return;
        }
        let (cx, cy) = parts[k - 1].extent;
        let Some((_, drawing)) = parse(&super::chart::drawing(k, cx, cy)) else {
            return;
        };
        n.children
            .retain(|c| matches!(c, Child::Elem(e) if e.name == "w:pPr"));
        let mut run = Node::new("w:r", "");
        run.push(drawing);
        n.push(run);
    });
}

/// Whether `n`'s properties `props` have a style element `style` with value `value`.
fn has_style(n: &mut Node, props: &str, style: &str, value: &str) -> bool {
    n.child_mut(props)
        .and_then(|p| p.child_mut(style))
        .is_some_and(|s| s.attr("w:val") == Some(value))
}

/// Each footnote's paragraph starts with an empty run in the FootnoteReference style (see
/// `Writer::footnote`): it gets `w:footnoteRef`, Word's automatic note number.
fn add_footnote_refs(root: &mut Node) {
    for note in root.elems_mut().filter(|e| e.name == "w:footnote") {
        let Some(p) = note.elems_mut().find(|e| e.name == "w:p") else {
            continue;
        };
        let Some(r) = p.elems_mut().find(|e| e.name == "w:r") else {
            continue;
        };
        let empty = r.elems_mut().all(|e| e.name == "w:rPr");
        if empty && has_style(r, "w:rPr", "w:rStyle", "FootnoteReference") {
            r.push(Node::new("w:footnoteRef", ""));
        }
    }
}

/// Drawing ids are unique and in document order (docx-rs takes them from a process-wide
/// counter); each chart gets its alternative text.
fn number_drawings(root: &mut Node, alts: &[String]) {
    let mut k: usize = 0;
    root.visit(&mut |n| {
        if n.name == "wp:docPr" || n.name == "pic:cNvPr" {
            if n.name == "wp:docPr" {
                k += 1;
            }
            n.set_attr("id", &k.to_string());
            if let Some(alt) = alts.get(k.saturating_sub(1)) {
                let escaped = alt
                    .replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('<', "&lt;");
                n.set_attr("descr", &escaped);
            }
            n.set_attr("name", &format!("图表{k}"));
        }
    });
}

/// Text is Chinese: `w:lang` with East-Asian zh-CN in the document defaults.
fn add_language(root: &mut Node) {
    root.visit(&mut |n| {
        if n.name == "w:rPrDefault" {
            let r_pr = n.ensure("w:rPr");
            if r_pr.child_mut("w:lang").is_none() {
                r_pr.push(Node::new(
                    "w:lang",
                    r#" w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA""#,
                ));
            }
        }
    });
}

/// The default paragraph properties [`super::styles::PPR_DEFAULTS`] (autospace off), in
/// `w:pPrDefault` unless already there.
fn add_paragraph_defaults(root: &mut Node) {
    let Some((_, defaults)) = parse(&format!("<w:pPr>{}</w:pPr>", super::styles::PPR_DEFAULTS))
    else {
        return;
    };
    let mut defaults = Some(defaults);
    root.visit(&mut |n| {
        if n.name != "w:pPrDefault" {
            return;
        }
        let p_pr = n.ensure("w:pPr");
        if p_pr.child_mut("w:autoSpaceDE").is_some() {
            return;
        }
        if let Some(d) = defaults.take() {
            for c in d.children {
                if let Child::Elem(e) = c {
                    p_pr.push(e);
                }
            }
        }
    });
}

/// One paragraph style, one character style, one table style and one numbering style
/// are the defaults, as Word writes them (ECMA-376 Part 1 §17.7.4.17 `w:default`): docx-rs
/// always writes an empty `Normal` before ours, which is dropped; ours gets `w:default="1"`
/// (so paragraphs without `w:pStyle` are Normal), and the other defaults are added from
/// [`super::styles::DEFAULT_STYLES`] unless a style of that type is already the default.
fn default_styles(root: &mut Node) {
    let is_normal = |c: &Child| {
        matches!(c, Child::Elem(e) if e.name == "w:style"
            && e.attr("w:type") == Some("paragraph")
            && e.attr("w:styleId") == Some("Normal"))
    };
    // Keep the last Normal (ours); docx-rs's comes first.
    while root.children.iter().filter(|c| is_normal(c)).count() > 1 {
        if let Some(i) = root.children.iter().position(is_normal) {
            root.children.remove(i);
        }
    }
    let mut has_default = Vec::new();
    for e in root.elems_mut().filter(|e| e.name == "w:style") {
        if e.attr("w:default") == Some("1") {
            has_default.push(e.attr("w:type").unwrap_or("").to_string());
        }
    }
    if !has_default.iter().any(|t| t == "paragraph") {
        if let Some(normal) = root.elems_mut().find(|e| {
            e.name == "w:style"
                && e.attr("w:type") == Some("paragraph")
                && e.attr("w:styleId") == Some("Normal")
        }) {
            // Word writes w:type, w:default, w:styleId.
            normal.attrs = normal.attrs.replacen(
                r#"w:type="paragraph""#,
                r#"w:type="paragraph" w:default="1""#,
                1,
            );
        }
    }
    for (kind, xml) in super::styles::DEFAULT_STYLES {
        if has_default.iter().any(|t| t == kind) {
            continue;
        }
        if let Some((_, node)) = parse(xml) {
            root.push(node);
        }
    }
}

/// Runs of Chinese text holding punctuation that Unicode gives an ambiguous East Asian
/// width ([`super::styles::EAST_ASIAN_AMBIGUOUS`]) get `w:rFonts w:hint="eastAsia"`, as
/// Word writes them when the text is typed with a Chinese input method: without the hint
/// Word draws “ ” ‘ ’ — … · in the Latin font (ECMA-376 Part 1 §17.3.2.26). A paragraph is
/// Chinese text when any of its runs holds a CJK character ([`crate::doc::is_cjk`]).
fn east_asian_hints(root: &mut Node) {
    root.visit(&mut |p| {
        if p.name != "w:p" {
            return;
        }
        let mut chinese = false;
        for r in p.elems_mut().filter(|e| e.name == "w:r") {
            chinese |= run_text(r).chars().any(crate::doc::is_cjk);
        }
        if !chinese {
            return;
        }
        for r in p.elems_mut().filter(|e| e.name == "w:r") {
            if !run_text(r)
                .chars()
                .any(|c| super::styles::EAST_ASIAN_AMBIGUOUS.contains(&c))
            {
                continue;
            }
            let r_pr = r.ensure("w:rPr");
            let fonts = r_pr.ensure("w:rFonts");
            if fonts.attr("w:hint").is_none() {
                fonts.set_attr("w:hint", "eastAsia");
            }
            // w:rPr comes first in a run.
            if let Some(i) = r
                .children
                .iter()
                .position(|c| matches!(c, Child::Elem(e) if e.name == "w:rPr"))
            {
                let pr = r.children.remove(i);
                r.children.insert(0, pr);
            }
        }
    });
}

/// The text of a run's `w:t` children, as written (entities not decoded; the characters
/// looked for are never escaped).
fn run_text(r: &mut Node) -> String {
    let mut s = String::new();
    for t in r.elems_mut().filter(|e| e.name == "w:t") {
        for c in &t.children {
            if let Child::Raw(raw) = c {
                s.push_str(raw);
            }
        }
    }
    s
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
