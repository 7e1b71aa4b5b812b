//! Other tables and the previous period (inline or a file beside the data file).

use super::*;

impl Checker<'_> {
    pub(super) fn tables(
        &mut self,
        raw: &IndexMap<String, Vec<IndexMap<String, Yaml>>>,
        base: &str,
    ) -> IndexMap<String, Vec<IndexMap<String, Cell>>> {
        let schema = self.schema;
        let mut tables = IndexMap::new();
        for (tname, rows) in raw {
            let Some(tdef) = schema.tables.get(tname) else {
                let known: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
                let d = self.at(
                    &format!("{base}.{tname}"),
                    format!("未知的表 {base}.{tname}（可用：{}）", known.join("、")),
                );
                crate::error::push_capped(&mut self.diags, d);
                continue;
            };
            let mut out_rows = Vec::new();
            for (r, row) in rows.iter().enumerate() {
                let here = format!("{base}.{tname}.{r}");
                let mut out = IndexMap::new();
                for (cname, cdef) in &tdef.columns {
                    let at = format!("{here}.{cname}");
                    let problem = |msg: String| {
                        format!("{} 第 {} 行：{}{}", tdef.label, r + 1, cdef.label, msg)
                    };
                    let cell = match row.get(cname) {
                        None | Some(Yaml::Null) => Cell::Empty,
                        Some(v) if cdef.kind == Kind::Text => match v {
                            Yaml::String(s) if s.trim().is_empty() && cdef.required => {
                                let d = self.at(&at, problem("不能为空".into()));
                                crate::error::push_capped(&mut self.diags, d);
                                Cell::Text(String::new())
                            }
                            Yaml::String(s) => Cell::Text(s.clone()),
                            Yaml::Number(n) => match self.number_text(&at, n) {
                                Ok(t) => Cell::Text(t),
                                Err(msg) => {
                                    let d = self.at(&at, problem(msg));
                                    crate::error::push_capped(&mut self.diags, d);
                                    Cell::Empty
                                }
                            },
                            _ => {
                                let d = self.at(&at, problem("应为文字".into()));
                                crate::error::push_capped(&mut self.diags, d);
                                Cell::Empty
                            }
                        },
                        Some(v) => match number(v, cdef) {
                            Ok(x) => Cell::Number(x),
                            Err(msg) => {
                                let d = self.at(&at, problem(msg));
                                crate::error::push_capped(&mut self.diags, d);
                                Cell::Empty
                            }
                        },
                    };
                    if cell == Cell::Empty && cdef.required && row.get(cname).is_none() {
                        let d = self.at(&here, problem("缺失".into()));
                        crate::error::push_capped(&mut self.diags, d);
                    }
                    out.insert(cname.clone(), cell);
                }
                // What `init` leaves behind: a row with no text and every number 0.
                let blank = out.values().all(|c| match c {
                    Cell::Empty => true,
                    Cell::Text(t) => t.trim().is_empty(),
                    Cell::Number(x) => *x == 0.0,
                });
                if blank && row.keys().all(|k| tdef.columns.contains_key(k)) {
                    let d = self.at(
                        &here,
                        format!(
                            "{} 第 {} 行是空行（diaoyan init 写入的示例行？）：请填写或删除",
                            tdef.label,
                            r + 1
                        ),
                    );
                    crate::error::push_capped(&mut self.diags, d);
                }
                for key in row.keys() {
                    if !tdef.columns.contains_key(key) {
                        let hint = nearest(key, tdef.columns.keys().map(String::as_str))
                            .map(|n| format!("，是否应为 {n}？"))
                            .unwrap_or_default();
                        let d = self.at(
                            &format!("{here}.{key}"),
                            format!(
                                "{} 第 {} 行：未知列 {}{hint}",
                                tdef.label,
                                r + 1,
                                crate::excerpt::quote(key)
                            ),
                        );
                        crate::error::push_capped(&mut self.diags, d);
                    }
                }
                out_rows.push(out);
            }
            tables.insert(tname.clone(), out_rows);
        }
        tables
    }

    /// Load the previous period from a data file next to this one.
    pub(super) fn previous_file(&mut self, rel: &str, template: &str) -> Option<Period> {
        let file = self.path.parent().unwrap_or(Path::new(".")).join(rel);
        // Only a regular file of bounded size: `previous: /dev/zero` or a FIFO is refused
        // before it is opened, at the `previous:` line of this file.
        let bytes = match crate::fsio::read_data(&file) {
            Ok(b) => b,
            Err(e) => {
                let why = match e {
                    Error::Input(ds) => ds
                        .into_iter()
                        .map(|d| d.message)
                        .collect::<Vec<_>>()
                        .join("；"),
                    Error::Io { source, .. } => crate::fsio::io_reason(&source),
                    e => e.to_string(),
                };
                let d = self.at(
                    "previous",
                    format!("无法读取上一期数据 {}：{why}", file.display()),
                );
                crate::error::push_capped(&mut self.diags, d);
                return None;
            }
        };
        let loaded = decode(&file, &bytes)
            .map(text::protect_separators)
            .and_then(|text| {
                let mut raw = parse_raw(&file, &text)?;
                if raw.template != template {
                    return Err(Error::input(Diagnostic::new(
                        &file,
                        format!(
                            "上一期数据使用模板“{}”，与本期“{template}”不同",
                            raw.template
                        ),
                    )));
                }
                let same = file
                    .canonicalize()
                    .ok()
                    .is_some_and(|f| self.path.canonicalize().ok().is_some_and(|p| p == f));
                if same {
                    // Told at the file's own `previous:` value.
                    let at = Positions::of(&text).find("previous");
                    return Err(Error::input(
                        Diagnostic::new(
                            &file,
                            "previous 指向本文件自身；上一期数据应是另一个数据文件",
                        )
                        .at(at.map(|a| a.0), at.map(|a| a.1)),
                    ));
                }
                // Last year's file names the year before (`init --from` writes it so):
                // only the adjacent period is compared, so its own `previous:` is not read
                // (attacker finding F9: year two of the yearly workflow was refused).
                raw.previous = None;
                let period = raw.report.period.clone();
                let s = validate(&file, &text, raw, self.schema)?;
                Ok(Period {
                    file: Some(file.clone()),
                    period,
                    units: s.units,
                    tables: s.tables,
                })
            });
        match loaded {
            Ok(p) => Some(p),
            Err(Error::Input(ds)) => {
                for d in ds {
                    crate::error::push_capped(&mut self.diags, d);
                }
                None
            }
            Err(e) => {
                let d = self.at("previous", format!("无法读取上一期数据：{e}"));
                crate::error::push_capped(&mut self.diags, d);
                None
            }
        }
    }
}
