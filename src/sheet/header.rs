//! Matching spreadsheet columns to schema fields: by Chinese label (居民户数), label with unit
//! (常住人口（人）), a group's label over a part's (年龄 over 30岁以下), a short label, or the
//! field path itself. Full-width and half-width forms, dashes and spaces do not matter.

use crate::survey::schema::{FieldDef, Schema};

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Name,
    Short,
    Tag(String),
    Field(String),
    /// A column to pass over without comment (序号).
    Skip,
}

/// `s` folded for comparison: no spaces, half-width forms, one kind of dash, lower case.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '—' | '–' | '－' | '‐' | '―' | '~' | '～' | '〜' => '-',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A folded header split into its label and the unit in trailing brackets:
/// `常住人口(人)` → (`常住人口`, `人`).
pub fn split_unit(folded: &str) -> (String, Option<String>) {
    for (open, close) in [('(', ')'), ('[', ']'), ('【', '】')] {
        if let Some(body) = folded.strip_suffix(close) {
            if let Some(i) = body.rfind(open) {
                let label = &body[..i];
                if !label.is_empty() {
                    return (
                        label.to_string(),
                        Some(body[i + open.len_utf8()..].to_string()),
                    );
                }
            }
        }
    }
    (folded.to_string(), None)
}

/// Resolves column headers against one schema.
pub struct Matcher<'a> {
    schema: &'a Schema,
}

impl<'a> Matcher<'a> {
    pub fn new(schema: &'a Schema) -> Self {
        Matcher { schema }
    }

    /// Resolve a column whose header is `bottom`, under the group header `top` (a two-row
    /// header), or `None` for a one-row header. `Err` says why nothing matched.
    ///
    /// A label may itself end in brackets (`高中（中专）`, which `export` writes under its
    /// group's `…（人）`): a header is first matched whole, as a label without a unit, and
    /// only then as a label followed by its unit in brackets.
    pub fn resolve(&self, top: Option<&str>, bottom: &str) -> Result<Target, String> {
        let bottom = fold(bottom);
        let split = split_unit(&bottom);
        if split.1.is_some() {
            if let Ok(t) = self.resolve_split(top, &bottom, None) {
                return Ok(t);
            }
        }
        self.resolve_split(top, &split.0, split.1.as_deref())
    }

    /// [`Matcher::resolve`] for a folded bottom header already split into its label and
    /// unit.
    fn resolve_split(
        &self,
        top: Option<&str>,
        label: &str,
        unit: Option<&str>,
    ) -> Result<Target, String> {
        if let Some(top) = top {
            let top = fold(top);
            let (group, group_unit) = split_unit(&top);
            let found = self
                .in_group(&top, label)
                .map(|p| (p, None))
                .or_else(|| self.in_group(&group, label).map(|p| (p, group_unit)));
            if let Some((path, group_unit)) = found {
                self.check_unit(&path, unit.or(group_unit.as_deref()))?;
                return Ok(Target::Field(path));
            }
        }
        let t = self.single(label)?;
        if let Target::Field(path) = &t {
            self.check_unit(path, unit)?;
        }
        Ok(t)
    }

    fn single(&self, label: &str) -> Result<Target, String> {
        let unit_label = fold(&self.schema.unit_label);
        let names = [
            unit_label.clone(),
            format!("{unit_label}名称"),
            "名称".into(),
            "单位".into(),
            "单位名称".into(),
            "name".into(),
        ];
        if names.iter().any(|n| n == label) {
            return Ok(Target::Name);
        }
        if ["简称", "short"].contains(&label) || label == format!("{unit_label}简称") {
            return Ok(Target::Short);
        }
        if ["序号", "编号", "no", "no."].contains(&label) {
            return Ok(Target::Skip);
        }
        for (key, def) in &self.schema.tags {
            if fold(key) == label || fold(&def.label) == label {
                return Ok(Target::Tag(key.clone()));
            }
        }
        let by = |f: &dyn Fn(&str, &FieldDef) -> bool| -> Vec<String> {
            self.schema
                .fields
                .iter()
                .filter(|(p, d)| f(p, d))
                .map(|(p, _)| p.clone())
                .collect()
        };
        for found in [
            by(&|p, _| fold(p) == label),
            by(&|_, d| fold(&d.label) == label),
            by(&|_, d| d.short.as_deref().is_some_and(|s| fold(s) == label)),
        ] {
            match found.len() {
                0 => continue,
                1 => return Ok(Target::Field(found[0].clone())),
                _ => {
                    return Err(format!(
                        "列名可以指 {} 中的任何一个，请用“组名”加列名的两行表头或字段路径",
                        found.join("、")
                    ))
                }
            }
        }
        if self.schema.derived.keys().any(|k| fold(k) == label)
            || self
                .schema
                .derived
                .values()
                .any(|d| fold(&d.label) == label)
        {
            return Err("这是由其他字段算出的字段，不用填写".into());
        }
        Err("模板中没有这个字段".into())
    }

    /// The field labelled `label` in the group labelled `group` (its total or a part).
    fn in_group(&self, group: &str, label: &str) -> Option<String> {
        self.schema
            .groups
            .values()
            .filter(|g| fold(&g.label) == group)
            .flat_map(|g| g.total.iter().chain(g.parts.iter()))
            .find(|p| {
                self.schema.fields.get(*p).is_some_and(|d| {
                    fold(&d.label) == label || d.short.as_deref().is_some_and(|s| fold(s) == label)
                })
            })
            .cloned()
    }

    fn check_unit(&self, path: &str, unit: Option<&str>) -> Result<(), String> {
        let (Some(u), Some(def)) = (unit, self.schema.fields.get(path)) else {
            return Ok(());
        };
        match &def.unit {
            Some(fu) if fold(fu) != u => Err(format!(
                "单位“{}”与模板中{}的单位“{fu}”不同，请换算后再导入",
                crate::excerpt::quote(u),
                def.label
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        crate::survey::Pack::builtin("community-survey")
            .expect("builtin parses")
            .expect("builtin exists")
            .schema
    }

    #[test]
    fn folds_widths_dashes_and_spaces() {
        assert_eq!(fold("30～40岁"), fold("30—40岁"));
        assert_eq!(fold("常住人口（人）"), "常住人口(人)");
        assert_eq!(fold(" ＡＢ１ "), "ab1");
        assert_eq!(
            split_unit("常住人口(人)"),
            ("常住人口".into(), Some("人".into()))
        );
        assert_eq!(split_unit("(人)"), ("(人)".into(), None));
    }

    #[test]
    fn resolves_labels_units_groups_and_paths() {
        let s = schema();
        let m = Matcher::new(&s);
        let f = |p: &str| Ok(Target::Field(p.into()));
        assert_eq!(m.resolve(None, "居民户数"), f("households"));
        assert_eq!(m.resolve(None, "常住人口（人）"), f("residents"));
        assert_eq!(m.resolve(None, "staff.total"), f("staff.total"));
        assert_eq!(m.resolve(None, "自有(平方米)"), f("office.owned"));
        assert_eq!(
            m.resolve(Some("办公用房面积（平方米）"), "总面积"),
            f("office.total")
        );
        assert_eq!(m.resolve(Some("年龄"), "30-40岁"), f("staff.age.from30"));
        assert_eq!(m.resolve(Some("性别"), "男"), f("staff.gender.male"));
        assert_eq!(m.resolve(None, "社区"), Ok(Target::Name));
        assert_eq!(
            m.resolve(None, "所属街道"),
            Ok(Target::Tag("region".into()))
        );
        assert!(m.resolve(None, "常住人口（万人）").is_err());
        // A label ending in brackets itself (the township pack's 高中（中专）): under its
        // group with the unit, and alone with its unit after it.
        let t = crate::survey::Pack::builtin("township-villages")
            .expect("builtin parses")
            .expect("builtin exists")
            .schema;
        let mt = Matcher::new(&t);
        let high = Ok(Target::Field("committee.edu.high".into()));
        assert_eq!(
            mt.resolve(Some("村两委成员学历（人）"), "高中（中专）"),
            high
        );
        assert_eq!(mt.resolve(None, "高中（中专）（人）"), high);
        assert_eq!(mt.resolve(None, "高中（中专）"), high);
        assert!(mt.resolve(None, "高中（中专）（户）").is_err());
        assert!(m.resolve(None, "备注").is_err());
        assert!(m
            .resolve(None, "每名工作人员服务常住人口")
            .is_err_and(|e| e.contains("算出")));
    }
}
