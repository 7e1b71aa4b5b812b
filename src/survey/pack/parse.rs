//! A pack's `template.yaml`: parsed into a [`Schema`] and checked (every reference
//! resolves, groups and bands are well formed), each problem at its line.

use super::*;

/// Read a pack's `template.yaml` (`path` names it in messages) and check that it is
/// consistent: every problem is a diagnostic with the file and, where the YAML has one,
/// line and column.
pub fn parse_schema(path: &Path, yaml: &str) -> Result<Schema> {
    if let Some((i, c)) = yaml
        .char_indices()
        .find(|(_, c)| crate::survey::text::is_xml_illegal(*c))
    {
        let line = yaml[..i].matches('\n').count() + 1;
        let col = yaml[..i]
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        return Err(Error::input(
            Diagnostic::new(
                path,
                format!("模板定义含控制字符 {}", crate::survey::text::code_point(c)),
            )
            .at(Some(line), Some(col)),
        ));
    }
    // Nesting and size bounded by a streaming pass first: serde_yaml's loader is
    // quadratic in the depth (100,000 `[` took 27 s before its own refusal).
    crate::survey::bounds::refuse_too_large_pack(path, yaml, crate::limits::current().nodes)?;
    let schema: Schema = serde_yaml::from_str(yaml).map_err(|e| {
        if crate::survey::positions::first_duplicate_key(yaml).is_some() {
            return crate::survey::data::duplicate_key(path, yaml, &e, (None, None));
        }
        let loc = e.location();
        let line = loc.as_ref().map(|l| l.line()).or_else(|| {
            let key = e.to_string().split('`').nth(1).map(str::to_string)?;
            Positions::of(yaml).line(&key)
        });
        Error::input(
            Diagnostic::new(
                path,
                format!(
                    "模板定义格式错误：{}",
                    crate::survey::data::yaml_message(&e)
                ),
            )
            .at(line, loc.as_ref().map(|l| l.column())),
        )
    })?;
    check_schema(path, yaml, &schema)?;
    Ok(schema)
}

/// `，是否应为 X？（可用：…）` for an unknown name: the closest known names by
/// Levenshtein distance (strsim), at most five; empty when none is close.
fn close_names<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    let mut near: Vec<(usize, &str)> = known
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|(d, k)| *d <= (name.chars().count().max(k.chars().count()) / 2).max(2))
        .collect();
    near.sort();
    near.dedup_by(|a, b| a.1 == b.1);
    match near.as_slice() {
        [] => String::new(),
        [(_, one)] => format!("，是否应为 {one}？"),
        more => format!(
            "，是否应为 {}？",
            more.iter()
                .take(5)
                .map(|(_, k)| *k)
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

/// An `aggregate:` ratio names two known fields and a finite, non-zero scale.
fn check_aggregate(
    push: &mut dyn FnMut(&str, String),
    all: &IndexMap<String, FieldDef>,
    at: &str,
    a: &Aggregate,
) {
    let Aggregate::Ratio(r) = a else {
        if a.kind() == AggregateKind::Ratio {
            push(
                &format!("{at}.aggregate"),
                format!("{at}.aggregate 写 ratio 时须给出两个字段：{{ ratio: [分子, 分母] }}"),
            );
        }
        return;
    };
    for f in &r.ratio {
        if !all.contains_key(f) {
            push(
                &format!("{at}.aggregate"),
                format!(
                    "{at}.aggregate 引用了未定义的字段 {f}{}",
                    close_names(f, all.keys().map(String::as_str))
                ),
            );
        }
    }
    if r.scale.is_some_and(|k| !k.is_finite() || k == 0.0) {
        push(
            &format!("{at}.aggregate"),
            format!("{at}.aggregate 的 scale 应为非零的有限数值"),
        );
    }
}

/// The schema's consistency: every path a group, standard or band names is a declared
/// field; groups have parts, bands have bands, tables have columns; bounds are in order;
/// names do not collide. Each problem at the line of the item concerned.
fn check_schema(path: &Path, yaml: &str, s: &Schema) -> Result<()> {
    let pos = Positions::of(yaml);
    let mut diags = Vec::new();
    let mut push = |at: &str, msg: String| {
        let p = pos.find(at);
        diags.push(Diagnostic::new(path, msg).at(p.map(|p| p.0), p.map(|p| p.1)));
    };
    let all = s.all_fields();
    let need = |push: &mut dyn FnMut(&str, String), at: &str, what: String, field: &str| {
        if !all.contains_key(field) {
            push(
                at,
                format!(
                    "{what} 引用了未定义的字段 {field}{}",
                    close_names(field, all.keys().map(String::as_str))
                ),
            );
        }
    };
    if s.unit_label.trim().is_empty() {
        push(
            "unit_label",
            "unit_label（单位名称，如“社区”）不能为空".into(),
        );
    }
    if s.fields.is_empty() {
        push("fields", "fields 为空：至少需要一个字段".into());
    }
    // `facts:`: dotted names of identifiers (they become keys of the data file's `facts:`
    // and names in templates); no path may be a prefix of another (a figure is not a map).
    for path in s.facts.keys() {
        let ident = |p: &str| {
            let mut cs = p.chars();
            cs.next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if !path.split('.').all(ident) {
            push(
                &format!("facts.{path}"),
                format!(
                    "facts 中的名称“{path}”无效：应为以点分隔的英文标识符（如 funding.office）"
                ),
            );
        } else if let Some(longer) = s.facts.keys().find(|o| o.starts_with(&format!("{path}."))) {
            push(
                &format!("facts.{path}"),
                format!("facts 中的 {path} 既是一个数字又含有 {longer}：请只保留其中之一"),
            );
        }
    }
    // `prose:` (issue 18): the sections a data file's own text may hold. The data file
    // reads findings, recommendations and closing; other names are not supported yet.
    for (name, sec) in &s.prose {
        let at = format!("prose.{name}");
        let kind = match name.as_str() {
            "findings" | "recommendations" => Some(super::super::schema::ProseKind::Items),
            "closing" => Some(super::super::schema::ProseKind::Paragraphs),
            _ => None,
        };
        match kind {
            None => push(
                &at,
                format!(
                    "prose.{name}：目前只支持 findings、recommendations、closing 三个部分{}",
                    ["findings", "recommendations", "closing"]
                        .into_iter()
                        .map(|k| (strsim::levenshtein(name, k), k))
                        .filter(|(d, _)| *d <= 2)
                        .min_by_key(|(d, _)| *d)
                        .map(|(_, k)| format!("，是否应为 {k}？"))
                        .unwrap_or_default()
                ),
            ),
            Some(k) if k != sec.kind => push(
                &at,
                format!(
                    "prose.{name}.kind 应为 {}",
                    if k == super::super::schema::ProseKind::Items {
                        "items（一条条带标题的文字）"
                    } else {
                        "paragraphs（一段或几段文字）"
                    }
                ),
            ),
            _ => {}
        }
        if sec.points > 4 {
            push(
                &at,
                format!(
                    "prose.{name}.points 最多为 4（要点最多四层），实际为 {}",
                    sec.points
                ),
            );
        }
        if sec.label.trim().is_empty() {
            push(&at, format!("prose.{name}.label 不能为空"));
        }
    }
    for (name, f) in &s.fields {
        let at = format!("fields.{name}");
        if f.kind == Kind::Text {
            push(
                &at,
                format!("fields.{name} 不能是 text 类型：单位的文字属性请写在 tags 中"),
            );
        }
        let (min, max) = (
            f.min.as_ref().and_then(Bound::number),
            f.max.as_ref().and_then(Bound::number),
        );
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi || !lo.is_finite() || !hi.is_finite() {
                push(&at, format!("fields.{name} 的 min {lo} 大于 max {hi}"));
            }
        }
        for (key, b) in [("min", &f.min), ("max", &f.max)] {
            let Some(other) = b.as_ref().and_then(Bound::field) else {
                continue;
            };
            let at = format!("{at}.{key}");
            if other == name {
                push(&at, format!("fields.{name}.{key} 不能是字段自身"));
            } else {
                need(&mut push, &at, format!("fields.{name}.{key}"), other);
            }
        }
        if let Some(a) = &f.aggregate {
            check_aggregate(&mut push, &all, &format!("fields.{name}"), a);
        }
        if name.split('.').any(str::is_empty) {
            push(&at, format!("字段名 {name} 无效（含空的一段）"));
        }
    }
    for name in s.tags.keys() {
        if s.fields.contains_key(name) || name == "name" || name == "short" {
            push(
                &format!("tags.{name}"),
                format!("tags.{name} 与字段或 name/short 同名"),
            );
        }
    }
    for (name, g) in &s.groups {
        let at = format!("groups.{name}");
        if g.parts.is_empty() {
            push(
                &format!("{at}.parts"),
                format!("groups.{name}.parts 为空：至少需要一个组成部分"),
            );
        }
        for (i, p) in g.parts.iter().enumerate() {
            need(&mut push, &format!("{at}.parts.{i}"), at.clone(), p);
            if g.parts[..i].contains(p) {
                push(
                    &format!("{at}.parts.{i}"),
                    format!("groups.{name}.parts 中 {p} 重复"),
                );
            }
            if g.total.as_deref() == Some(p.as_str()) {
                push(
                    &format!("{at}.parts.{i}"),
                    format!("groups.{name} 的合计 {p} 不能同时是组成部分"),
                );
            }
        }
        if let Some(t) = &g.total {
            need(&mut push, &format!("{at}.total"), at.clone(), t);
        }
    }
    for (name, st) in &s.standards {
        let at = format!("standards.{name}");
        need(&mut push, &format!("{at}.field"), at.clone(), &st.field);
        if !st.value.is_finite() {
            push(&format!("{at}.value"), format!("{at}.value 不是有限数值"));
        }
    }
    for (name, d) in &s.derived {
        if let Some(a) = &d.aggregate {
            check_aggregate(&mut push, &all, &format!("derived.{name}"), a);
        }
    }
    for (name, b) in &s.bands {
        let at = format!("bands.{name}");
        need(&mut push, &format!("{at}.field"), at.clone(), &b.field);
        let valued = b.bands.iter().filter(|x| x.value.is_some()).count();
        if valued != 0 && valued != b.bands.len() {
            push(
                &format!("{at}.bands"),
                format!(
                    "bands.{name} 的各档要么都有 value（按档取值），要么都没有（只分类），不能混用"
                ),
            );
        }
        if b.bands.is_empty() {
            push(
                &format!("{at}.bands"),
                format!("bands.{name}.bands 为空：至少需要一档"),
            );
        }
        for (i, band) in b.bands.iter().enumerate() {
            let finite = [band.below, band.upto, band.value]
                .iter()
                .flatten()
                .all(|x| x.is_finite());
            if !finite {
                push(
                    &format!("{at}.bands.{i}"),
                    format!("bands.{name} 第 {} 档含非有限数值", i + 1),
                );
            }
        }
    }
    for (name, t) in &s.tables {
        if t.columns.is_empty() {
            push(
                &format!("tables.{name}.columns"),
                format!("tables.{name}.columns 为空：至少需要一列"),
            );
        }
    }
    // Derived expressions: they must parse, and use only fields, earlier derived fields
    // and standards.
    let mut known: Vec<String> = s.fields.keys().cloned().collect();
    known.extend(s.standards.keys().map(|k| format!("standards.{k}")));
    for (name, d) in &s.derived {
        let p = pos.find(&format!("derived.{name}"));
        let here = |msg: String| Diagnostic::new(path, msg).at(p.map(|p| p.0), p.map(|p| p.1));
        if s.fields.contains_key(name) {
            diags.push(here(format!("derived.{name} 与已有字段同名")));
        }
        // Bounded before evalexpr sees it (its parser and evaluator recurse per level),
        // and `a ? b : c` refused with the evalexpr spelling.
        match crate::survey::expr::compile(&d.expr) {
            Err(why) => diags.push(here(format!(
                "derived.{name} 的表达式“{}”{why}",
                crate::excerpt::quote(&d.expr)
            ))),
            Ok(tree) => {
                for var in tree.iter_variable_identifiers() {
                    if !known.iter().any(|k| k == var) {
                        diags.push(here(format!(
                            "derived.{name} 的表达式引用了未定义的 {var}{}",
                            close_names(var, known.iter().map(String::as_str))
                        )));
                    }
                }
            }
        }
        known.push(name.clone());
    }
    // Cross-field rules: they parse, name known fields, and give true/false.
    for (i, c) in s.checks.iter().enumerate() {
        let p = pos.find(&format!("checks.{i}.rule"));
        let here = |msg: String| Diagnostic::new(path, msg).at(p.map(|p| p.0), p.map(|p| p.1));
        let what = format!(
            "checks 第 {} 条规则“{}”",
            i + 1,
            crate::excerpt::quote(&c.rule)
        );
        if c.message.trim().is_empty() {
            diags.push(here(format!("{what}缺少 message（规则不成立时的说明）")));
        }
        let tree = match crate::survey::expr::compile(&c.rule) {
            Err(why) => {
                diags.push(here(format!("{what}{why}")));
                continue;
            }
            Ok(t) => t,
        };
        let mut unknown = false;
        for var in tree.iter_variable_identifiers() {
            if !known.iter().any(|k| k == var) {
                unknown = true;
                diags.push(here(format!(
                    "{what}引用了未定义的字段 {var}{}",
                    close_names(var, known.iter().map(String::as_str))
                )));
            }
        }
        if unknown {
            continue;
        }
        // A trial with every value 1: a rule that is not true/false, or mixes types, fails
        // for every unit, so it is the pack's error.
        let ones: IndexMap<String, f64> = known
            .iter()
            .filter(|k| !k.starts_with("standards."))
            .map(|k| (k.clone(), 1.0))
            .collect();
        let ctx = crate::survey::expr::context(&ones, s);
        if let Err(crate::survey::expr::EvalError::Invalid(why)) =
            crate::survey::expr::boolean(&tree, &ctx)
        {
            diags.push(here(format!("{what}：{why}")));
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(diags))
    }
}
