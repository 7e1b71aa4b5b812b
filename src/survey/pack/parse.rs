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
            push(at, format!("{what} 引用了未定义的字段 {field}"));
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
        if let (Some(lo), Some(hi)) = (f.min, f.max) {
            if lo > hi || !lo.is_finite() || !hi.is_finite() {
                push(&at, format!("fields.{name} 的 min {lo} 大于 max {hi}"));
            }
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
    for (name, b) in &s.bands {
        let at = format!("bands.{name}");
        need(&mut push, &format!("{at}.field"), at.clone(), &b.field);
        if b.bands.is_empty() {
            push(
                &format!("{at}.bands"),
                format!("bands.{name}.bands 为空：至少需要一档"),
            );
        }
        for (i, band) in b.bands.iter().enumerate() {
            let finite = [band.below, band.upto, Some(band.value)]
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
        // Bounded before evalexpr sees it: its parser and evaluator recurse per level.
        if let Some(why) = crate::survey::schema::expr_too_big(&d.expr) {
            diags.push(here(format!("derived.{name} 的表达式{why}")));
            known.push(name.clone());
            continue;
        }
        match evalexpr::build_operator_tree::<evalexpr::DefaultNumericTypes>(&d.expr) {
            Err(e) => diags.push(here(format!(
                "derived.{name} 的表达式“{}”无法解析：{e}",
                d.expr
            ))),
            Ok(tree) => {
                for var in tree.iter_variable_identifiers() {
                    if !known.iter().any(|k| k == var) {
                        diags.push(here(format!("derived.{name} 的表达式引用了未定义的 {var}")));
                    }
                }
            }
        }
        known.push(name.clone());
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(diags))
    }
}
