//! [`validate()`]: the raw data checked against the schema into a typed [`Survey`]; the
//! [`Checker`] that collects every problem at once.

use super::*;

/// Check the raw data against the schema and build the typed survey. Every problem is
/// collected and reported at once.
pub fn validate(path: &Path, text: &str, mut raw: RawSurvey, schema: &Schema) -> Result<Survey> {
    let positions = LazyPositions::with(text, std::mem::take(&mut raw.positions));
    let mut ck = Checker::new(path, text, schema, positions);
    let prev_units: &[Yaml] = match &raw.previous {
        Some(RawPrevious::Inline(p)) => &p.units,
        _ => &[],
    };
    let early = problem_diagnostics(
        path,
        text,
        &ck.pos,
        &raw.problems,
        Some(schema),
        Some((&raw.units, prev_units)),
    );
    for d in early {
        crate::error::push_capped(&mut ck.diags, d);
    }
    // The paths already told about, looked up per report item and finding (a search of
    // every problem for each made findings × problems steps).
    let told_paths: HashSet<&str> = raw.problems.iter().map(|p| p.path.as_str()).collect();
    for (key, label, value) in [
        ("title", "报告标题", &raw.report.title),
        ("region", "调研地区", &raw.report.region),
        ("period", "调研期", &raw.report.period),
    ] {
        let path_told = told_paths.contains(format!("report.{key}").as_str());
        if value.trim().is_empty() && !path_told {
            let d = ck.at(
                &format!("report.{key}"),
                format!("{label}（report.{key}）不能为空"),
            );
            crate::error::push_capped(&mut ck.diags, d);
        }
    }
    // An optional item left as '' is an item not given.
    let r = &mut raw.report;
    for opt in [
        &mut r.subtitle,
        &mut r.organisation,
        &mut r.author,
        &mut r.output,
    ] {
        if opt.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *opt = None;
        }
    }
    let units = ck.units(&raw.units, "units");
    let tables = ck.tables(&raw.tables, "tables");
    for (list, items, what) in [
        ("findings", &mut raw.findings, "问题"),
        ("recommendations", &mut raw.recommendations, "建议"),
    ] {
        for (i, item) in items.iter_mut().enumerate() {
            for (part, value) in [("title", &item.title), ("text", &item.text)] {
                let at = format!("{list}.{i}.{part}");
                let told = told_paths.contains(at.as_str());
                if value.trim().is_empty() && !told {
                    let d = ck.at(&at, format!("{}不能为空", label_of(&at, None)));
                    crate::error::push_capped(&mut ck.diags, d);
                }
            }
            if item.topic.as_deref().is_some_and(|t| t.trim().is_empty()) {
                item.topic = None;
            }
            let Some(topic) = item.topic.as_deref().map(str::trim) else {
                continue;
            };
            let topics_allowed = schema.prose.get(list).is_none_or(|s| s.topics);
            if topics_allowed && schema.topics.contains_key(topic) {
                continue;
            }
            let msg = if !topics_allowed {
                format!(
                    "第 {} 个{what}的 topic “{topic}”：此模板的这一部分不使用 topic（template.yaml 的 prose.{list}.topics），请删除",
                    i + 1
                )
            } else if schema.topics.is_empty() {
                format!(
                    "第 {} 个{what}的 topic “{topic}”：此模板不使用 topic，请删除",
                    i + 1
                )
            } else {
                let hint = nearest(topic, schema.topics.keys().map(String::as_str))
                    .map(|n| format!("，是否应为 {n}？"))
                    .unwrap_or_default();
                let known: Vec<String> = schema
                    .topics
                    .iter()
                    .map(|(k, v)| {
                        if v.is_empty() {
                            k.clone()
                        } else {
                            format!("{k}（{v}）")
                        }
                    })
                    .collect();
                format!(
                    "第 {} 个{what}的 topic “{topic}”不是此模板认识的主题{hint}（可用：{}）",
                    i + 1,
                    known.join("、")
                )
            };
            let d = ck.at(&format!("{list}.{i}.topic"), msg);
            crate::error::push_capped(&mut ck.diags, d);
        }
    }
    prose_problems(&mut ck, &raw, schema);
    let previous = match &raw.previous {
        None => None,
        Some(RawPrevious::Inline(p)) => {
            let units = ck.units(&p.units, "previous.units");
            let tables = ck.tables(&p.tables, "previous.tables");
            Some(Period {
                file: None,
                period: p.period.clone(),
                units,
                tables,
            })
        }
        Some(RawPrevious::Path(rel)) => ck.previous_file(rel, &raw.template),
    };
    for (k, v) in &raw.facts {
        facts_problems(&mut ck, &format!("facts.{k}"), v);
    }
    if !ck.diags.is_empty() {
        return Err(Error::Input(ck.diags));
    }
    // The pack's `checks:` warnings, then the units new or gone since the previous period.
    let mut warnings = std::mem::take(&mut ck.warnings);
    if let Some(p) = previous.as_ref() {
        warnings.extend(ck.matching_warnings(&units, p));
    }
    let facts = serde_json::to_value(&raw.facts)
        .map_err(|e| Error::input(Diagnostic::new(path, format!("facts 无法读取：{e}"))))?;
    Ok(Survey {
        source: path.to_path_buf(),
        template: raw.template,
        report: raw.report,
        units,
        tables,
        facts,
        findings: raw.findings,
        recommendations: raw.recommendations,
        closing: raw.closing,
        previous,
        warnings,
    })
}

/// Facts become JSON for the templates: numbers must be finite, keys text, and no fact
/// left empty (as `init` and `import` write them). Each problem at its place.
pub(super) fn facts_problems(ck: &mut Checker<'_>, at: &str, v: &Yaml) {
    match v {
        Yaml::Number(n) if too_large(n).is_some() => {
            let msg = too_large(n).unwrap_or_default();
            let d = ck.at(at, format!("{at} {msg}"));
            crate::error::push_capped(&mut ck.diags, d);
        }
        Yaml::Number(n) if n.as_f64().is_some_and(|x| !x.is_finite()) => {
            let d = ck.at(at, format!("{at} 为 {n}，不是有限数值（NaN 或无穷大）"));
            crate::error::push_capped(&mut ck.diags, d);
        }
        Yaml::Mapping(m) => {
            for (k, child) in m {
                match k {
                    Yaml::String(k) => facts_problems(ck, &format!("{at}.{k}"), child),
                    Yaml::Number(n) => facts_problems(ck, &format!("{at}.{n}"), child),
                    _ => {
                        let d = ck.at(at, format!("{at} 下的键应为文字"));
                        crate::error::push_capped(&mut ck.diags, d);
                    }
                }
            }
        }
        Yaml::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                facts_problems(ck, &format!("{at}.{i}"), child);
            }
        }
        Yaml::Tagged(t) => facts_problems(ck, at, &t.value),
        // `init` and `import` leave facts empty for the writer to fill: a fact with no
        // value would print "—" where the report needs a figure.
        Yaml::Null => {
            let d = ck.at(at, format!("{at} 尚未填写：请填入数值或文字"));
            crate::error::push_capped(&mut ck.diags, d);
        }
        _ => {}
    }
}

impl Checker<'_> {
    /// One warning per unit new this period (at its `name:`) and per unit of the previous
    /// period gone since (at `previous:`), naming it: 同比 figures leave them out of the
    /// unit-by-unit comparison, and the report's 说明 names them.
    fn matching_warnings(&self, units: &[Unit], previous: &Period) -> Vec<Diagnostic> {
        let m = crate::survey::match_units(units, &previous.units);
        let label = &self.schema.unit_label;
        let period = &previous.period;
        let mut out = Vec::new();
        for i in &m.added {
            let name = &units[*i].name;
            let mut d = self
                .at(
                    &format!("units.{i}.name"),
                    format!("上一期（{period}）数据中没有这个{label}：按新增{label}处理，不参与逐个{label}的同比"),
                )
                .unit(name);
            d.severity = crate::error::Severity::Warning;
            out.push(d);
        }
        for j in &m.removed {
            let name = &previous.units[*j].name;
            let mut d = self
                .at(
                    "previous",
                    format!("是上一期（{period}）的{label}，本期数据中没有：按撤并{label}处理（如是漏填，请补上）"),
                )
                .unit(name);
            d.severity = crate::error::Severity::Warning;
            out.push(d);
        }
        out
    }
}

impl<'a> Checker<'a> {
    pub(super) fn new(
        path: &'a Path,
        text: &'a str,
        schema: &'a Schema,
        pos: LazyPositions<'a>,
    ) -> Self {
        Checker {
            path,
            lines: text.lines().collect(),
            pos,
            schema,
            diags: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A diagnostic at the value `at` (a dotted path in the document).
    pub(super) fn at(&self, at: &str, message: String) -> Diagnostic {
        let p = self.pos.find(at);
        let mut d = Diagnostic::new(self.path, message).at(p.map(|p| p.0), p.map(|p| p.1));
        if !crate::error::is_full(&self.diags) {
            d.set_source(p.and_then(|p| self.lines.get(p.0 - 1)).copied());
        }
        d
    }

    /// A number given where text belongs (`at`), as text, or the message ending why not.
    pub(super) fn number_text(
        &self,
        at: &str,
        n: &serde_yaml::Number,
    ) -> std::result::Result<String, String> {
        number_as_text(n, written_at(&self.lines, self.pos.find(at)))
            .map_err(|(w, r)| spelling_message(&w, &r))
    }
}

/// The writer's prose checked as Markdown ([`super::prose::markdown_problems`]) and its
/// points against the pack's `prose:` sections (depth), each problem at its line.
fn prose_problems(ck: &mut Checker<'_>, raw: &RawSurvey, schema: &Schema) {
    if let Some(text) = &raw.closing {
        markdown_at(ck, "closing", text);
    }
    for (list, items) in [
        ("findings", &raw.findings),
        ("recommendations", &raw.recommendations),
    ] {
        let depth = schema.prose.get(list).map_or(0, |s| s.points);
        for (i, item) in items.iter().enumerate() {
            let at = format!("{list}.{i}");
            markdown_at(ck, &format!("{at}.text"), &item.text);
            points_problems(ck, &at, &item.points, 1, depth);
        }
    }
}

/// The points under `at` (at level `level`, 1 for an item's own points), at most `max`
/// levels deep.
fn points_problems(ck: &mut Checker<'_>, at: &str, points: &[Point], level: usize, max: usize) {
    if points.is_empty() {
        return;
    }
    if level > max {
        let msg = if max == 0 {
            format!(
                "{}：此模板的这一部分不分要点（points），请删除",
                label_of(at, None)
            )
        } else {
            format!(
                "{}的要点（points）最多 {max} 层，这里是第 {level} 层：请并入上一层",
                label_of(at, None)
            )
        };
        let d = ck.at(&format!("{at}.points"), msg);
        crate::error::push_capped(&mut ck.diags, d);
        return;
    }
    for (j, p) in points.iter().enumerate() {
        let here = format!("{at}.points.{j}");
        let untitled = p.title.as_deref().is_none_or(|t| t.trim().is_empty());
        if p.text.trim().is_empty() && untitled && p.points.is_empty() {
            let d = ck.at(
                &here,
                format!("{}是空的：请写 text（或 title）", label_of(&here, None)),
            );
            crate::error::push_capped(&mut ck.diags, d);
        }
        markdown_at(ck, &format!("{here}.text"), &p.text);
        points_problems(ck, &here, &p.points, level + 1, max);
    }
}

/// [`super::prose::markdown_problems`] of the prose `text` at `at`, each at the data file's
/// line: a block scalar (`|`, `>`) starts on the line after its key, a plain or quoted
/// one on the key's line (its later lines are then approximate: YAML folds them).
fn markdown_at(ck: &mut Checker<'_>, at: &str, text: &str) {
    let problems = super::prose::markdown_problems(text);
    if problems.is_empty() {
        return;
    }
    let start = ck.pos.find(at);
    let block = start
        .and_then(|(l, c)| ck.lines.get(l - 1).map(|src| (src, c)))
        .is_some_and(|(src, c)| {
            src.chars()
                .nth(c.saturating_sub(1))
                .is_some_and(|ch| ch == '|' || ch == '>')
        });
    // Leading blank lines of a block scalar are kept by YAML; `text` has them too.
    for (line, msg) in problems {
        let file_line = start.map(|(l, _)| if block { l + line } else { l + line - 1 });
        // The column: the value's own on its key's line; else where the line's text starts.
        let column = match (start, file_line) {
            (Some((_, c)), _) if !block && line == 1 => Some(c),
            (_, Some(l)) => ck
                .lines
                .get(l - 1)
                .map(|src| src.chars().take_while(|c| *c == ' ').count() + 1),
            _ => None,
        };
        let mut d = Diagnostic::new(ck.path, format!("{}：{msg}", label_of(at, None)))
            .at(file_line, column);
        if !crate::error::is_full(&ck.diags) {
            d.set_source(file_line.and_then(|l| ck.lines.get(l - 1)).copied());
        }
        crate::error::push_capped(&mut ck.diags, d);
    }
}
