//! Units: each unit's fields checked (types, bounds, required, groups summing to their
//! total, duplicates) into [`Unit`]s.

use super::*;

impl Checker<'_> {
    pub(super) fn units(&mut self, raw: &[Yaml], base: &str) -> Vec<Unit> {
        let schema = self.schema;
        if raw.is_empty() {
            let d = self.at(
                base,
                format!("{base} 为空：至少需要一个{}", schema.unit_label),
            );
            crate::error::push_capped(&mut self.diags, d);
        }
        let mut units = Vec::with_capacity(raw.len());
        let mut seen: IndexMap<String, usize> = IndexMap::new();
        let rules = rules::Rules::new(schema);
        let mut seen_ids: IndexMap<String, usize> = IndexMap::new();
        for (i, u) in raw.iter().enumerate() {
            let here = format!("{base}.{i}");
            let name = match u.get("name") {
                Some(Yaml::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
                Some(Yaml::Number(n)) => match self.number_text(&format!("{here}.name"), n) {
                    Ok(t) => t,
                    Err(msg) => {
                        let d = self.at(&format!("{here}.name"), format!("名称{msg}"));
                        crate::error::push_capped(&mut self.diags, d);
                        n.to_string()
                    }
                },
                _ => {
                    let d = self.at(
                        &format!("{here}.name"),
                        format!("第 {} 个{}缺少名称（name）", i + 1, schema.unit_label),
                    );
                    crate::error::push_capped(&mut self.diags, d);
                    continue;
                }
            };
            if let Some(first) = seen.insert(name.clone(), i) {
                let d = self
                    .at(
                        &format!("{here}.name"),
                        format!("名称重复：与第 {} 个{}同名", first + 1, schema.unit_label),
                    )
                    .unit(&name);
                crate::error::push_capped(&mut self.diags, d);
            }
            let short = match u.get("short") {
                Some(Yaml::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                Some(Yaml::Number(n)) => match self.number_text(&format!("{here}.short"), n) {
                    Ok(t) => t,
                    Err(msg) => {
                        let d = self
                            .at(&format!("{here}.short"), format!("简称{msg}"))
                            .unit(&name);
                        crate::error::push_capped(&mut self.diags, d);
                        n.to_string()
                    }
                },
                _ => name.clone(),
            };
            // `id:` (optional): a stable key across years, text or a number as written.
            let id = match u.get("id") {
                None | Some(Yaml::Null) => None,
                Some(Yaml::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Some(Yaml::Number(n)) => match self.number_text(&format!("{here}.id"), n) {
                    Ok(t) => Some(t),
                    Err(msg) => {
                        let d = self
                            .at(&format!("{here}.id"), format!("编号（id）{msg}"))
                            .unit(&name);
                        crate::error::push_capped(&mut self.diags, d);
                        None
                    }
                },
                Some(_) => {
                    let d = self
                        .at(
                            &format!("{here}.id"),
                            "编号（id）应为文字或数字，且不能为空".to_string(),
                        )
                        .unit(&name);
                    crate::error::push_capped(&mut self.diags, d);
                    None
                }
            };
            if let Some(id) = &id {
                if let Some(first) = seen_ids.insert(id.clone(), i) {
                    let d = self
                        .at(
                            &format!("{here}.id"),
                            format!(
                                "编号（id）“{id}”重复：与第 {} 个{}相同",
                                first + 1,
                                schema.unit_label
                            ),
                        )
                        .unit(&name);
                    crate::error::push_capped(&mut self.diags, d);
                }
            }
            // Every text of a unit may go into a spreadsheet cell (the DOCX chart's
            // workbook, `export`): one longer than a cell holds is refused here, so check
            // refuses what render could not write.
            let mut long = Vec::new();
            long_texts(u, "", &mut long);
            for (key, chars) in long {
                let label = match key.as_str() {
                    "name" => "名称".to_string(),
                    "short" => "简称".to_string(),
                    k => k.to_string(),
                };
                let d = self
                    .at(
                        &format!("{here}.{key}"),
                        format!(
                            "{label}有 {chars} 个字，超过单元格的上限 {} 个字（报告图表的数据表和导出的工作簿把它写进单元格，Excel 的单元格最多 {} 个字），请缩短",
                            crate::limits::CELL_CHARS,
                            crate::limits::CELL_CHARS
                        ),
                    )
                    .unit(&name);
                crate::error::push_capped(&mut self.diags, d);
            }
            let mut values = IndexMap::new();
            for (fpath, def) in &schema.fields {
                let at = format!("{here}.{fpath}");
                match lookup(u, fpath) {
                    None | Some(Yaml::Null) => {
                        if def.required {
                            let d = self
                                .at(&at, format!("缺少必填字段 {}（{}）", def.label, fpath))
                                .unit(&name)
                                .field(fpath);
                            crate::error::push_capped(&mut self.diags, d);
                        }
                    }
                    Some(v) => match number(v, def) {
                        Ok(x) => {
                            values.insert(fpath.clone(), x);
                        }
                        Err(msg) => {
                            let d = self
                                .at(&at, format!("{}（{}）{}", def.label, fpath, msg))
                                .unit(&name)
                                .field(fpath);
                            crate::error::push_capped(&mut self.diags, d);
                        }
                    },
                }
            }
            let mut unknown = Vec::new();
            unknown_keys(u, "", schema, &mut |key| unknown.push(key.to_string()));
            for key in unknown {
                let hint = nearest(&key, known_paths(schema).iter().map(String::as_str))
                    .map(|n| format!("，是否应为 {n}？"))
                    .unwrap_or_default();
                let d = self
                    .at(
                        &format!("{here}.{key}"),
                        format!("未知字段 {}{hint}", crate::excerpt::quote(&key)),
                    )
                    .unit(&name)
                    .field(&key);
                crate::error::push_capped(&mut self.diags, d);
            }
            for (gname, g) in &schema.groups {
                let Some(total_path) = &g.total else { continue };
                let Some(total) = values.get(total_path) else {
                    continue;
                };
                let parts: Option<Vec<f64>> =
                    g.parts.iter().map(|p| values.get(p).copied()).collect();
                let Some(parts) = parts else { continue };
                let sum: f64 = parts.iter().sum();
                if (sum - total).abs() > 1e-9 {
                    let tdef = &schema.fields[total_path];
                    let unit = tdef.unit.clone().unwrap_or_default();
                    // Point at the group's first part: the line a writer edits.
                    let first = g.parts.first().unwrap_or(total_path);
                    let d = self
                        .at(
                            &format!("{here}.{first}"),
                            format!(
                                "{}合计 {} {unit}，与{} {} {unit}不一致",
                                g.label,
                                shortest(sum),
                                tdef.label,
                                shortest(*total)
                            ),
                        )
                        .unit(&name)
                        .field(gname);
                    crate::error::push_capped(&mut self.diags, d);
                }
            }
            let mut tags = IndexMap::new();
            for (tag, def) in &schema.tags {
                match u.get(tag.as_str()) {
                    Some(Yaml::String(t)) if !t.trim().is_empty() => {
                        tags.insert(tag.clone(), t.trim().to_string());
                    }
                    Some(Yaml::Number(n)) => {
                        let at = format!("{here}.{tag}");
                        match self.number_text(&at, n) {
                            Ok(t) => {
                                tags.insert(tag.clone(), t);
                            }
                            Err(msg) => {
                                let d = self
                                    .at(&at, format!("{}（{tag}）{msg}", def.label))
                                    .unit(&name)
                                    .field(tag);
                                crate::error::push_capped(&mut self.diags, d);
                            }
                        }
                    }
                    None | Some(Yaml::Null) if !def.required => {}
                    _ => {
                        let d = self
                            .at(
                                &format!("{here}.{tag}"),
                                format!("{}（{tag}）应为文字，且不能为空", def.label),
                            )
                            .unit(&name)
                            .field(tag);
                        crate::error::push_capped(&mut self.diags, d);
                    }
                }
            }
            // What `init` leaves behind: its example unit (named 示例<unit>, every number 0).
            let example_name = format!("示例{}", schema.unit_label);
            let all_zero = !values.is_empty() && values.values().all(|x| *x == 0.0);
            if name == example_name || all_zero {
                let why = if name == example_name {
                    format!("是 diaoyan init 写入的示例{}", schema.unit_label)
                } else {
                    "所有数字都是 0（diaoyan init 写入的示例？）".to_string()
                };
                let d = self
                    .at(
                        &format!("{here}.name"),
                        format!("{why}：请填写实际的名称和数字，或删除这一项"),
                    )
                    .unit(&name);
                crate::error::push_capped(&mut self.diags, d);
            }
            self.unit_rules(&rules, &here, &name, &values);
            units.push(Unit {
                name,
                short,
                id,
                values,
                tags,
            });
        }
        self.sums_in_range(&units, base);
        units
    }

    /// Refuse a field whose values over the units add up (in magnitude) beyond
    /// `MAX_MAGNITUDE` (2^53): its 合计 and 平均 could not be computed exactly as `f64`
    /// and the table, the text and `stats` would print different wrong figures (attacker
    /// finding F13, issue 18). Each value alone is already within the range.
    fn sums_in_range(&mut self, units: &[Unit], base: &str) {
        let mut sums: IndexMap<&str, f64> = IndexMap::new();
        for u in units {
            for (path, v) in &u.values {
                *sums.entry(path.as_str()).or_insert(0.0) += v.abs();
            }
        }
        for (path, sum) in sums {
            if sum > super::values::MAX_MAGNITUDE {
                let d = self.at(
                    base,
                    format!(
                        "字段 {path} 各{}之和超出可精确计算的范围（绝对值之和不能超过 9007199254740992），合计与平均无法精确给出；请核对，或改用更大的计量单位（如万元）",
                        self.schema.unit_label
                    ),
                );
                crate::error::push_capped(&mut self.diags, d);
            }
        }
    }
}
