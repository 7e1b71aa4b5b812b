//! The template pack's schema (`template.yaml`): what a survey of one kind contains.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// `template.yaml`, deserialised.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// The pack's name, as data files name it in `template:`.
    pub name: String,
    /// What the pack produces, for `diaoyan` listings.
    #[serde(default)]
    pub description: String,
    /// The report template file inside the pack (Markdown + Tera).
    #[serde(default = "default_report")]
    pub report: String,
    /// What one surveyed unit is called (社区).
    pub unit_label: String,
    /// Per-unit numeric fields by dotted path.
    pub fields: IndexMap<String, FieldDef>,
    /// Per-unit text attributes (e.g. the 街道 a community belongs to), usable to split a
    /// file into one report per value (`diaoyan batch --split-by`).
    #[serde(default)]
    pub tags: IndexMap<String, TagDef>,
    /// Per-unit fields computed by expressions over other fields (evalexpr syntax; field
    /// paths and `standards.<name>` are the variables).
    #[serde(default)]
    pub derived: IndexMap<String, DerivedDef>,
    /// Parts that make a whole.
    #[serde(default)]
    pub groups: IndexMap<String, GroupDef>,
    /// Named thresholds with their source.
    #[serde(default)]
    pub standards: IndexMap<String, Standard>,
    /// Per-unit values looked up in bands of a field (committee size by households).
    #[serde(default)]
    pub bands: IndexMap<String, BandDef>,
    /// Other tables a data file carries (the pay scale).
    #[serde(default)]
    pub tables: IndexMap<String, TableDef>,
    /// The report's other figures (`facts:` of a data file, not any unit's), by dotted path
    /// (`funding.office`), with the label a writer sees in the workbook, the browser form
    /// and the data file's comments. Facts the templates use without a declaration are
    /// still asked for, labelled by their path ([`super::skeleton::fact_slots`]).
    #[serde(default)]
    pub facts: IndexMap<String, FactDef>,
    /// The topics a finding or recommendation may name in `topic:` (name → what it is
    /// about). When a pack declares none, they are read from its templates
    /// (`topic == "office"`); a data file naming another topic is refused.
    #[serde(default)]
    pub topics: IndexMap<String, String>,
    /// Cross-field rules checked per unit (`party.members <= population.resident`).
    #[serde(default)]
    pub checks: Vec<CheckDef>,
    /// How the pack's reports look: table rules, the 落款 ([`super::style::Style`]).
    #[serde(default)]
    pub style: super::style::Style,
    /// The writer's prose sections a data file may hold at its top level (issue 18), by key,
    /// in order. Without `prose:` in `template.yaml`: [`ProseSection::defaults`]
    /// (`findings`, `recommendations`, `closing`).
    #[serde(default = "ProseSection::defaults")]
    pub prose: IndexMap<String, ProseSection>,
}

/// One prose section of a pack (`prose:` in `template.yaml`): what the data file's key of
/// that name holds and how deep it may go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProseSection {
    /// What the section is called in the report and in messages (存在的主要问题).
    pub label: String,
    /// How many levels of `points:` an item may have (0 = none; at most 4).
    #[serde(default)]
    pub points: usize,
    /// Whether items may name a `topic:` (one of the pack's `topics`).
    #[serde(default)]
    pub topics: bool,
    /// `items` (a list of {title, text, topic?, points?}) or `paragraphs` (one Markdown
    /// text, like `closing`).
    #[serde(default)]
    pub kind: ProseKind,
}

/// The shape of a prose section's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ProseKind {
    /// A list of items, each {title, text, topic?, points?}.
    #[default]
    Items,
    /// One Markdown text of paragraphs.
    Paragraphs,
}

impl ProseSection {
    /// The sections of a pack without `prose:` — today's: findings (topics, two levels of
    /// points), recommendations (two levels of points), closing (paragraphs).
    pub fn defaults() -> IndexMap<String, ProseSection> {
        let s = |label: &str, points, topics, kind| ProseSection {
            label: label.to_string(),
            points,
            topics,
            kind,
        };
        IndexMap::from([
            (
                "findings".to_string(),
                s("存在的主要问题", 2, true, ProseKind::Items),
            ),
            (
                "recommendations".to_string(),
                s("对策建议", 2, true, ProseKind::Items),
            ),
            (
                "closing".to_string(),
                s("结束语", 0, false, ProseKind::Paragraphs),
            ),
        ])
    }
}

fn default_report() -> String {
    "report.md".to_string()
}

/// The type of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A count: a whole number.
    #[default]
    Integer,
    /// A measurement that may have decimals.
    Decimal,
    /// Text (only in other tables).
    Text,
    /// Yes or no (stored as 1 or 0; aggregates count the yeses).
    Boolean,
}

/// One field: label, unit, type, bounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The label tables and messages print (居民户数).
    pub label: String,
    /// A shorter label for a column under its group's header (总面积 under 办公用房面积).
    #[serde(default)]
    pub short: Option<String>,
    /// The unit (户), printed after the label in headers and messages.
    #[serde(default)]
    pub unit: Option<String>,
    /// The value type (`type:`), integer by default.
    #[serde(default, rename = "type")]
    pub kind: Kind,
    /// Whether every unit must give a value (default `true`).
    #[serde(default = "yes")]
    pub required: bool,
    /// Lower bound: a number, or another field's path (checked per unit against that
    /// unit's value of the field); counts default to 0.
    #[serde(default)]
    pub min: Option<Bound>,
    /// Upper bound, if any: a number or another field's path (as `min`).
    #[serde(default)]
    pub max: Option<Bound>,
    /// How the field aggregates over the units (`sum`, `mean`, `none` or
    /// `{ ratio: [NUM, DEN], scale: k }`); `None`: the default ([`Schema::aggregate`]).
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
}

/// A bound of a field (`min:`/`max:`): a number, or the path of another field whose value
/// in the same unit bounds this one (`max: population.registered`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Bound {
    /// A fixed number.
    Number(f64),
    /// Another field's dotted path.
    Field(String),
}

impl Bound {
    /// The number, when the bound is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Bound::Number(x) => Some(*x),
            Bound::Field(_) => None,
        }
    }

    /// The field path, when the bound names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Bound::Number(_) => None,
            Bound::Field(f) => Some(f),
        }
    }
}

/// How a field's whole-survey figure is formed from its units' values (`aggregate:`),
/// which tables' 合计 and 平均 rows and `fields.X.value` follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Aggregate {
    /// `sum`, `mean` or `none`.
    Simple(AggregateKind),
    /// `{ ratio: [NUM, DEN], scale: k }`: k·ΣNUM/ΣDEN over the units that have both.
    Ratio(RatioOf),
}

/// The simple aggregation rules, and the name each rule has in `fields.X.aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AggregateKind {
    /// The sum of the values (counts, areas; for a yes/no field the count of yeses).
    Sum,
    /// The mean of the values (a score, a rate given per unit).
    Mean,
    /// No whole-survey figure (a classification, a code).
    None,
    /// The ratio of two fields' sums (only as [`Aggregate::Ratio`]).
    Ratio,
}

/// `{ ratio: [NUM, DEN], scale: k }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioOf {
    /// The numerator's and denominator's field paths.
    pub ratio: [String; 2],
    /// The factor the ratio of sums is multiplied by (default 1; 10000 for 万元 → 元).
    #[serde(default)]
    pub scale: Option<f64>,
}

impl Aggregate {
    /// The rule's name (`sum`, `mean`, `none`, `ratio`).
    pub fn kind(&self) -> AggregateKind {
        match self {
            Aggregate::Simple(k) => *k,
            Aggregate::Ratio(_) => AggregateKind::Ratio,
        }
    }
}

fn yes() -> bool {
    true
}

impl FieldDef {
    /// The label with its unit, as a table header shows it: `居民户数（户）`.
    pub fn label_with_unit(&self) -> String {
        match &self.unit {
            Some(u) if !u.is_empty() => format!("{}（{}）", self.label, u),
            _ => self.label.clone(),
        }
    }

    /// The label a column shows under its group's header.
    pub fn column_label(&self) -> &str {
        self.short.as_deref().unwrap_or(&self.label)
    }

    /// The smallest value admitted: `min`, or 0 for counts and measurements.
    /// A bound naming another field is checked per unit, not here: the default applies.
    pub fn lower_bound(&self) -> Option<f64> {
        self.min
            .as_ref()
            .and_then(Bound::number)
            .or(match self.kind {
                Kind::Integer | Kind::Decimal => Some(0.0),
                Kind::Text | Kind::Boolean => None,
            })
    }

    /// The numeric upper bound, if `max` is a number.
    pub fn upper_bound(&self) -> Option<f64> {
        self.max.as_ref().and_then(Bound::number)
    }
}

/// A field computed per unit from an expression.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DerivedDef {
    /// The label tables print.
    pub label: String,
    /// A shorter label under a group's header.
    #[serde(default)]
    pub short: Option<String>,
    /// The unit of the computed value.
    #[serde(default)]
    pub unit: Option<String>,
    /// e.g. `residents / staff.total` or `office.total >= standards.office_area`.
    pub expr: String,
    /// The value type (decimal by default).
    #[serde(default = "decimal", rename = "type")]
    pub kind: Kind,
    /// How it aggregates (as [`FieldDef::aggregate`]); by default the ratio of sums when
    /// `expr` is exactly `A / B` of two fields, else `none`.
    #[serde(default)]
    pub aggregate: Option<Aggregate>,
}

/// The longest derived-field expression accepted, in characters. A survey's expressions
/// are a few dozen characters; evalexpr builds and evaluates its tree recursively, so a
/// long chain (`a + a + …`) would otherwise overflow a thread's stack.
pub const MAX_EXPR_CHARS: usize = 1024;

/// The deepest nesting accepted in a derived-field expression: open parentheses plus the
/// run of prefix/unary operators (`-`, `+`, `!`) at a point. evalexpr recurses once per
/// level (20,000 `(` overflowed the stack; 20,000 `-` took seconds, quadratic).
pub const MAX_EXPR_DEPTH: usize = 32;

/// Why `expr` is refused before evalexpr parses it: longer than [`MAX_EXPR_CHARS`]
/// characters, or nested deeper than [`MAX_EXPR_DEPTH`] (see there). `None` when it is
/// within both. Text inside string literals (`"…"`, with `\` escapes) is not counted
/// for depth. The message is Chinese, to follow "derived.NAME 的表达式".
pub fn expr_too_big(expr: &str) -> Option<String> {
    let (mut parens, mut run, mut deepest) = (0usize, 0usize, 0usize);
    let (mut in_str, mut escaped) = (false, false);
    for c in expr.chars() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                run = 0;
            }
            '(' => parens += 1,
            ')' => {
                parens = parens.saturating_sub(1);
                run = 0;
            }
            '-' | '+' | '!' => run += 1,
            c if c.is_whitespace() => {}
            _ => run = 0,
        }
        deepest = deepest.max(parens + run);
    }
    if deepest > MAX_EXPR_DEPTH {
        return Some(format!(
            "嵌套过深：括号与一元运算符（- + !）连续嵌套超过 {MAX_EXPR_DEPTH} 层"
        ));
    }
    let chars = expr.chars().count();
    (chars > MAX_EXPR_CHARS)
        .then(|| format!("过长：{chars} 个字符，上限 {MAX_EXPR_CHARS} 个（请拆成几个派生字段）"))
}

fn decimal() -> Kind {
    Kind::Decimal
}

impl DerivedDef {
    /// The derived field seen as a field (label, unit, type) for tables and statistics.
    pub fn as_field(&self) -> FieldDef {
        FieldDef {
            label: self.label.clone(),
            short: self.short.clone(),
            unit: self.unit.clone(),
            kind: self.kind,
            required: false,
            min: None,
            max: None,
            aggregate: self.aggregate.clone(),
        }
    }
}

impl Schema {
    /// Every per-unit field, data fields first, then derived ones, in declaration order.
    pub fn all_fields(&self) -> IndexMap<String, FieldDef> {
        let mut all = self.fields.clone();
        for (p, d) in &self.derived {
            all.insert(p.clone(), d.as_field());
        }
        all
    }

    /// How the field at `path` aggregates: its `aggregate:`, else the default — `sum` for
    /// data fields (yes/no fields: the count of yeses), the ratio of sums for a derived
    /// field whose expression is exactly `A / B` of two fields, `none` for other derived
    /// fields. `None` for an unknown path.
    pub fn aggregate(&self, path: &str) -> Option<Aggregate> {
        if let Some(f) = self.fields.get(path) {
            return Some(
                f.aggregate
                    .clone()
                    .unwrap_or(Aggregate::Simple(AggregateKind::Sum)),
            );
        }
        let d = self.derived.get(path)?;
        if let Some(a) = &d.aggregate {
            return Some(a.clone());
        }
        let all = self.all_fields();
        Some(match plain_ratio(&d.expr) {
            Some((a, b)) if all.contains_key(a) && all.contains_key(b) => {
                Aggregate::Ratio(RatioOf {
                    ratio: [a.to_string(), b.to_string()],
                    scale: None,
                })
            }
            _ => Aggregate::Simple(AggregateKind::None),
        })
    }
}

/// `A / B` when `expr` is exactly one division of two variables (spaces, and parentheses
/// around the whole, allowed): the two names.
fn plain_ratio(expr: &str) -> Option<(&str, &str)> {
    let mut e = expr.trim();
    while let Some(inner) = e.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        e = inner.trim();
    }
    let (a, b) = e.split_once('/')?;
    let (a, b) = (a.trim(), b.trim());
    let name = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    };
    (name(a) && name(b)).then_some((a, b))
}

/// A cross-field rule (`checks:`): an evalexpr boolean expression over field paths and
/// `standards.NAME`, evaluated per unit after derived fields (see [`super::expr`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    /// The rule, true when the unit is right (`grid.staff >= grids`).
    pub rule: String,
    /// What is wrong when the rule is false, in the writer's words (Chinese).
    pub message: String,
    /// `error` (default: the data file is refused) or `warning` (reported, rendered anyway).
    #[serde(default)]
    pub level: CheckLevel,
}

/// How serious a failed check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    /// The data file is refused (exit 2).
    #[default]
    Error,
    /// Reported as a warning; the report renders.
    Warning,
}

/// One of the report's other figures (`facts:` in `template.yaml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactDef {
    /// What it is (每个社区每年的办公经费).
    pub label: String,
    /// Its unit (元), if any.
    #[serde(default)]
    pub unit: Option<String>,
}

/// A per-unit text attribute.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagDef {
    /// The label messages and tables print.
    pub label: String,
    /// Whether every unit must give it.
    #[serde(default)]
    pub required: bool,
}

/// Parts that make a whole; with `total`, a consistency check.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    /// The group's label (学历).
    pub label: String,
    /// The field the parts must add up to, if any (a consistency check).
    #[serde(default)]
    pub total: Option<String>,
    /// The parts' field paths.
    pub parts: Vec<String>,
}

/// A named threshold (300 ㎡ office space) applied to a field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// The standard's label (办公用房面积标准).
    pub label: String,
    /// The field it applies to.
    pub field: String,
    /// The threshold: a unit meets the standard at or above it.
    pub value: f64,
    /// The threshold's unit (㎡).
    #[serde(default)]
    pub unit: Option<String>,
    /// Where the standard comes from (a regulation), for the report to cite.
    #[serde(default)]
    pub source: Option<String>,
}

/// Bands of a field's value, each giving a value (committee size by households).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandDef {
    /// The band table's label (居委会班子职数).
    pub label: String,
    /// The field whose value picks the band.
    pub field: String,
    /// The unit of the bands' values (人).
    #[serde(default)]
    pub unit: Option<String>,
    /// Checked in order; the first band whose bound admits the value wins.
    pub bands: Vec<Band>,
}

/// One band: a bound, its label, and the value it gives (if any).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The band holds values strictly below this.
    #[serde(default)]
    pub below: Option<f64>,
    /// The band holds values up to and including this.
    #[serde(default)]
    pub upto: Option<f64>,
    /// The value a unit in this band gets (a committee of 5); absent in a classification
    /// (every band of a table has one, or none has).
    #[serde(default)]
    pub value: Option<f64>,
    /// How the band is named in prose (2000户以下).
    pub label: String,
}

impl Band {
    /// Whether `x` falls in this band (`below` is exclusive, `upto` inclusive, neither
    /// admits everything).
    pub fn admits(&self, x: f64) -> bool {
        match (self.below, self.upto) {
            (Some(b), _) => x < b,
            (None, Some(u)) => x <= u,
            (None, None) => true,
        }
    }
}

/// Another table of the data file: its columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    /// The table's label.
    pub label: String,
    /// Its columns by name, each typed like a field.
    pub columns: IndexMap<String, FieldDef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_bounded_in_length_and_depth() {
        assert_eq!(expr_too_big("residents / staff.total"), None);
        assert_eq!(expr_too_big("-(a + -(b * !(c)))"), None);
        let ok = format!(
            "{}a{}",
            "(".repeat(MAX_EXPR_DEPTH),
            ")".repeat(MAX_EXPR_DEPTH)
        );
        assert_eq!(expr_too_big(&ok), None);
        let deep = format!("{}a{}", "(".repeat(MAX_EXPR_DEPTH + 1), ")".repeat(40));
        assert!(expr_too_big(&deep).unwrap().contains("嵌套过深"));
        let unary = format!("{}a", "- ".repeat(MAX_EXPR_DEPTH + 1));
        assert!(expr_too_big(&unary).unwrap().contains("嵌套过深"));
        // Inside a string literal nothing counts for depth.
        let s = format!("\"{}\\\"\" == a", "(".repeat(100));
        assert_eq!(expr_too_big(&s), None);
        let long = "a + ".repeat(MAX_EXPR_CHARS / 4) + "a";
        assert!(expr_too_big(&long).unwrap().contains("过长"));
    }
}
