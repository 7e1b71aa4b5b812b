//! Stage 3 — compose: the pack's Tera templates + figures → report Markdown.
//!
//! Every interpolated value is escaped as Markdown, so data cannot change the report's
//! structure; `| safe` is the explicit opt-out. `table(...)` emits a resolved table
//! directive that [`crate::doc::parse`] turns into a [`crate::doc::Table`].

mod chart;
mod escape;
pub mod format;
mod table;

pub use chart::{build as build_chart, ChartArgs};
pub use escape::{escape_markdown, escape_markdown_string};
pub use table::{build as build_table, TableArgs};

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, Value};

use crate::doc::{chinese_numeral, CHART_DIRECTIVE, TABLE_DIRECTIVE};
use crate::error::{Error, Result};
use crate::stats::Figures;
use crate::survey::{Pack, Prose, Schema, Survey};

/// A template pack ready to render reports; build once, render many.
#[derive(Clone)]
pub struct Composer {
    tera: Tera,
    report: String,
    origin: String,
    schema: Arc<Schema>,
}

/// The writer's prose, split into paragraphs for templates.
#[derive(Serialize)]
struct ProseView<'a> {
    title: &'a str,
    topic: Option<&'a str>,
    paragraphs: Vec<&'a str>,
}

fn prose_view(p: &Prose) -> ProseView<'_> {
    ProseView {
        title: p.title.trim(),
        topic: p.topic.as_deref(),
        paragraphs: split_paragraphs(&p.text),
    }
}

fn split_paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

impl Composer {
    pub fn new(pack: &Pack) -> Result<Self> {
        let origin = pack.origin();
        let mut tera = Tera::new();
        tera.autoescape_on([".md"]);
        tera.set_escape_fn(escape_markdown);
        register_filters(&mut tera);
        let schema = Arc::new(pack.schema.clone());
        let table_schema = Arc::clone(&schema);
        tera.register_function(
            "table",
            move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
                let args: TableArgs = kwargs.deserialize()?;
                let table = with_figures(state, |figs| table::build(&args, &table_schema, figs))?
                    .map_err(tera::Error::message)?;
                directive(TABLE_DIRECTIVE, &table)
            },
        );
        let chart_schema = Arc::clone(&schema);
        tera.register_function(
            "chart",
            move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
                let args: ChartArgs = kwargs.deserialize()?;
                let chart = with_figures(state, |figs| chart::build(&args, &chart_schema, figs))?
                    .map_err(tera::Error::message)?;
                directive(CHART_DIRECTIVE, &chart)
            },
        );
        // All at once, so templates may include each other (only the pack's own files
        // exist for Tera: includes cannot reach outside the pack).
        tera.add_raw_templates(pack.templates.iter().map(|(n, c)| (n.as_str(), c.as_str())))
            .map_err(|e| Error::Template(format!("{origin}: {e}")))?;
        Ok(Composer {
            tera,
            report: pack.schema.report.clone(),
            origin,
            schema,
        })
    }

    /// Render the report Markdown for one survey.
    pub fn render(&self, survey: &Survey, figures: &Figures) -> Result<String> {
        let mut ctx = Context::new();
        ctx.insert("figures", figures);
        ctx.insert("report", &survey.report);
        ctx.insert("unit_label", &self.schema.unit_label);
        ctx.insert("unit_count", &figures.unit_count);
        ctx.insert("units", &figures.units);
        ctx.insert("fields", &figures.fields);
        ctx.insert("groups", &figures.groups);
        ctx.insert("standards", &figures.standards);
        ctx.insert("bands", &figures.bands);
        ctx.insert("tables", &figures.tables);
        ctx.insert("facts", &survey.facts);
        let findings: Vec<ProseView> = survey.findings.iter().map(prose_view).collect();
        let recs: Vec<ProseView> = survey.recommendations.iter().map(prose_view).collect();
        ctx.insert("findings", &findings);
        ctx.insert("recommendations", &recs);
        let closing: Vec<&str> = survey
            .closing
            .as_deref()
            .map(split_paragraphs)
            .unwrap_or_default();
        ctx.insert("closing", &closing);
        CURRENT.with(|c| *c.borrow_mut() = Some(Rc::new(figures.clone())));
        let out = self
            .tera
            .render(&self.report, &ctx)
            .map_err(|e| Error::Template(format!("{}/{}: {e}", self.origin, self.report)));
        CURRENT.with(|c| *c.borrow_mut() = None);
        out
    }
}

thread_local! {
    /// The figures of the report this thread is rendering, for `table()` and `chart()`:
    /// reading them back from the template context meant a JSON round trip of every figure
    /// per call (a tenth of a report's CPU time).
    static CURRENT: RefCell<Option<Rc<Figures>>> = const { RefCell::new(None) };
}

/// Run `f` on the figures of the report being rendered (read back from the template
/// context only when rendering did not go through [`Composer::render`]).
fn with_figures<T>(state: &State, f: impl FnOnce(&Figures) -> T) -> tera::TeraResult<T> {
    let figures = match CURRENT.with(|c| c.borrow().clone()) {
        Some(figs) => figs,
        None => Rc::new(figures_of(state)?),
    };
    Ok(f(&figures))
}

/// The figures of the report being rendered, from the template context.
fn figures_of(state: &State) -> tera::TeraResult<Figures> {
    let figs: Value = state
        .get("figures")?
        .ok_or_else(|| tera::Error::message("缺少统计数据"))?;
    serde_json::to_value(&figs)
        .and_then(serde_json::from_value)
        .map_err(|e| tera::Error::message(format!("统计数据无法读取：{e}")))
}

/// A fenced directive block carrying `value` as JSON, marked safe (it is built from
/// resolved data, and JSON strings cannot end the fence).
fn directive<T: Serialize>(info: &str, value: &T) -> tera::TeraResult<Value> {
    let body = serde_json::to_string(value).map_err(|e| tera::Error::message(e.to_string()))?;
    Ok(Value::safe_string(&format!("\n```{info}\n{body}\n```\n")))
}

/// A filter's numeric input: a number, or `none` for "no value" (printed "—"). Anything
/// else — an undefined name (a typo in the template) or text — is an error, never a silent
/// "—".
fn opt_f64(v: &Value) -> tera::TeraResult<Option<f64>> {
    if v.is_none() {
        Ok(None)
    } else if v.is_undefined() {
        Err(tera::Error::message("数值未定义（模板中的名称是否拼错？）"))
    } else {
        v.as_f64()
            .map(Some)
            .ok_or_else(|| tera::Error::message(format!("应为数值，实际为 {v}")))
    }
}

/// A whole number as a Chinese numeral (十二); with `quantity`, 2 reads 两 (两个社区).
/// Other numbers print as digits, no value as "—".
fn cn(v: &Value, quantity: bool) -> tera::TeraResult<String> {
    Ok(match opt_f64(v)? {
        Some(x) if x.fract() == 0.0 && (0.0..100.0).contains(&x) => {
            if quantity && x == 2.0 {
                "两".to_string()
            } else {
                chinese_numeral(x as usize)
            }
        }
        x => format::fixed(x, 0),
    })
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "fixed",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(0);
            Ok(format::fixed(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "percent",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::percent(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "growth",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::growth(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "points",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::points(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "change",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(0);
            let unit = kw.get::<String>("unit")?.unwrap_or_default();
            Ok(format::change(opt_f64(v)?, d, &unit))
        },
    );
    tera.register_filter(
        "wan",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::wan(opt_f64(v)?, d))
        },
    );
    tera.register_filter(
        "cn",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> { cn(v, false) },
    );
    tera.register_filter(
        "cn_qty",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> { cn(v, true) },
    );
    tera.register_filter(
        "join_cn",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let attr = kw.get::<String>("attribute")?;
            let items: Vec<String> = v
                .as_array()
                .unwrap_or(&[])
                .iter()
                .map(|x| {
                    let x = match &attr {
                        Some(a) => x.get_from_path(a).cloned().unwrap_or_else(Value::none),
                        None => x.clone(),
                    };
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect();
            Ok(items.join("、"))
        },
    );
    tera.register_function(
        "share",
        |kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let part = kw.get::<f64>("part")?;
            let whole = kw.get::<f64>("whole")?;
            Ok(match (part, whole) {
                (Some(p), Some(w)) => crate::stats::ratio(p, w)
                    .map(Value::from)
                    .unwrap_or_else(Value::none),
                _ => Value::none(),
            })
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse, Block, Meta};
    use crate::survey::{Survey, Unit};

    const SCHEMA: &str = r#"
name: t
unit_label: 社区
fields:
  staff.total: { label: 工作人员总数, unit: 人 }
  staff.age.young: { label: 30岁以下, unit: 人 }
  staff.age.old: { label: 30岁以上, unit: 人 }
  staff.gender.male: { label: 男, unit: 人 }
  staff.gender.female: { label: 女, unit: 人 }
  office.total: { label: 办公用房总面积, short: 总面积, unit: 平方米 }
  office.owned: { label: 自有, unit: 平方米 }
  office.rented: { label: 租赁, unit: 平方米 }
groups:
  age: { label: 年龄, total: staff.total, parts: [staff.age.young, staff.age.old] }
  gender: { label: 性别, total: staff.total, parts: [staff.gender.male, staff.gender.female] }
  office: { label: 办公用房面积, total: office.total, parts: [office.owned, office.rented] }
"#;

    fn pack(templates: &[(&str, &str)]) -> Pack {
        Pack {
            dir: None,
            schema: serde_yaml::from_str(SCHEMA).expect("schema"),
            templates: templates
                .iter()
                .map(|(n, c)| (n.to_string(), c.to_string()))
                .collect(),
        }
    }

    fn survey(names: &[&str]) -> Survey {
        let units = names
            .iter()
            .map(|n| Unit {
                name: n.to_string(),
                short: n.to_string(),
                values: [
                    ("staff.total", 3.0),
                    ("staff.age.young", 1.0),
                    ("staff.age.old", 2.0),
                    ("staff.gender.male", 1.0),
                    ("staff.gender.female", 2.0),
                    ("office.total", 100.0),
                    ("office.owned", 40.0),
                    ("office.rented", 60.0),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
                tags: Default::default(),
            })
            .collect();
        Survey {
            source: "x.yaml".into(),
            template: "t".into(),
            report: Default::default(),
            units,
            tables: Default::default(),
            facts: serde_json::json!({ "zero": 0, "neg": -0.05 }),
            findings: Vec::new(),
            recommendations: Vec::new(),
            closing: None,
            previous: None,
        }
    }

    fn render(tpl: &str, names: &[&str]) -> Result<String> {
        let p = pack(&[("report.md", tpl)]);
        let s = survey(names);
        let f = crate::stats::compute(&s, &p.schema);
        Composer::new(&p)?.render(&s, &f)
    }

    fn paragraphs(md: &str) -> Vec<String> {
        parse(md, Meta::default())
            .expect("parses")
            .blocks
            .into_iter()
            .filter_map(|b| match b {
                Block::Paragraph(r) => Some(r.into_iter().map(|r| r.text).collect()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_markdown_metacharacter_in_data_stays_literal() {
        for c in (0x21u8..0x7f)
            .map(char::from)
            .filter(char::is_ascii_punctuation)
        {
            let name = format!("甲{c}乙{c}{c}丙");
            let md = render("名称：{{ units[0].name }}。", &[&name]).expect("renders");
            assert_eq!(
                paragraphs(&md),
                [format!("名称：{name}。")],
                "metacharacter {c:?}"
            );
        }
    }

    #[test]
    fn the_injection_string_stays_literal_and_tables_keep_their_columns() {
        let evil = "安定*甲*社区 **乙** | 丙 # 丁 <b>戊</b> {{ 1+1 }} [链接](http://x) `代码`";
        let md = render(
            "# 标题\n\n{{ units[0].name }}\n\n{{ table(columns=[\"staff.total\"]) }}",
            &[evil],
        )
        .expect("renders");
        let doc = parse(&md, Meta::default()).expect("parses");
        assert!(matches!(&doc.blocks[1], Block::Paragraph(r) if r.len() == 1 && r[0].text == evil));
        let Block::Table(t) = &doc.blocks[2] else {
            panic!("a table")
        };
        assert_eq!(t.columns, 2);
        assert_eq!(t.body[0][0].text(), evil);
        // Only the template's own heading is a heading.
        assert_eq!(
            doc.blocks
                .iter()
                .filter(|b| matches!(b, Block::Heading { .. }))
                .count(),
            1
        );
    }

    #[test]
    fn safe_is_the_explicit_opt_out() {
        let md = render("{{ units[0].name | safe }}", &["**粗**"]).expect("renders");
        assert_eq!(md, "**粗**");
    }

    #[test]
    fn filters() {
        let md = render(
            "{{ 0.554 | percent }} {{ 0.554 | percent(decimals=0) }} {{ none | percent }} \
             {{ 207.666 | fixed }} {{ 35000 | wan }} {{ 12 | cn }} {{ 2 | cn_qty }} {{ 2 | cn }} \
             {{ facts.neg | growth }} {{ facts.zero | growth }} {{ 0.012 | points }} \
             {{ -3 | change(unit=\"人\") }} {{ units | join_cn(attribute=\"name\") }} \
             {{ share(part=1, whole=0) | percent }}",
            &["甲", "乙"],
        )
        .expect("renders");
        assert_eq!(
            paragraphs(&md),
            ["55.4% 55% — 208 3.5万 十二 两 二 下降5.0% 持平 提高1.2个百分点 减少3人 甲、乙 —"]
        );
    }

    #[test]
    fn table_headers_merge_from_groups() {
        let md = render(
            "{{ table(columns=[\"staff.age.young\", \"staff.age.old\", \"staff.gender.male\", \"staff.gender.female\"], total=true) }}\n\n\
             {{ table(columns=[\"office.total\", \"office.owned\", \"office.rented\"]) }}\n\n\
             {{ table(columns=[\"staff.total\", \"staff.gender.male\", \"staff.gender.female\"]) }}",
            &["甲", "乙"],
        )
        .expect("renders");
        let doc = parse(&md, Meta::default()).expect("parses");
        let tables: Vec<&crate::doc::Table> = doc
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect();
        let heads = |t: &crate::doc::Table| -> Vec<Vec<(String, u16, u16)>> {
            t.head
                .iter()
                .map(|r| r.iter().map(|c| (c.text(), c.colspan, c.rowspan)).collect())
                .collect()
        };
        let h = |s: &str, c: u16, r: u16| (s.to_string(), c, r);
        assert_eq!(
            heads(tables[0]),
            [
                vec![h("社区", 1, 2), h("年龄", 2, 1), h("性别", 2, 1)],
                vec![
                    h("30岁以下", 1, 1),
                    h("30岁以上", 1, 1),
                    h("男", 1, 1),
                    h("女", 1, 1)
                ],
            ]
        );
        assert_eq!(tables[0].unit_note.as_deref(), Some("单位：人"));
        assert_eq!(tables[0].foot[0][1].text(), "2"); // 合计 of 30岁以下
                                                      // A group's total heads the group when it totals nothing else.
        assert_eq!(
            heads(tables[1])[0],
            [h("社区", 1, 2), h("办公用房面积", 3, 1)]
        );
        assert_eq!(heads(tables[1])[1][0], h("总面积", 1, 1));
        // 工作人员总数 totals two groups: it stands alone over two header rows.
        assert_eq!(
            heads(tables[2])[0],
            [h("社区", 1, 2), h("工作人员总数", 1, 2), h("性别", 2, 1)]
        );
    }

    #[test]
    fn charts_resolve_to_directives() {
        let md = render(
            "{{ chart(kind=\"pie\", group=\"gender\", caption=\"性别\", id=\"g\") }}\n\n见[@g]。\n\n\
             {{ chart(kind=\"stacked\", group=\"age\", caption=\"年龄\") }}",
            &["甲", "乙"],
        )
        .expect("renders");
        let doc = parse(&md, Meta::default()).expect("parses");
        let Block::Chart(pie) = &doc.blocks[0] else {
            panic!("a chart")
        };
        assert_eq!(pie.categories, ["男", "女"]);
        assert_eq!(pie.series[0].values, [Some(2.0), Some(4.0)]);
        assert_eq!(pie.number, Some(1));
        assert!(
            matches!(&doc.blocks[1], Block::Paragraph(r) if crate::doc::plain_text(r) == "见图1。")
        );
        let Block::Chart(st) = &doc.blocks[2] else {
            panic!("a chart")
        };
        assert_eq!((st.categories.len(), st.series.len()), (2, 2));
        assert_eq!(st.label(), "图2　年龄");
    }

    #[test]
    fn includes_stay_inside_the_pack() {
        let p = pack(&[
            ("report.md", "{% include \"part.md\" %}"),
            ("part.md", "部分"),
        ]);
        let s = survey(&["甲"]);
        let f = crate::stats::compute(&s, &p.schema);
        assert_eq!(
            Composer::new(&p)
                .expect("compiles")
                .render(&s, &f)
                .expect("renders"),
            "部分"
        );
        let p = pack(&[("report.md", "{% include \"../../../etc/passwd\" %}")]);
        let err = match Composer::new(&p) {
            Err(e) => e.to_string(),
            Ok(c) => c.render(&s, &f).expect_err("outside the pack").to_string(),
        };
        assert!(err.contains("passwd"), "{err}");
    }

    #[test]
    fn template_errors_name_file_line_and_column() {
        let err = render("第一行\n{{ units[0].nme | fixed }}", &["甲"])
            .expect_err("fails")
            .to_string();
        assert!(err.contains("report.md"), "{err}");
        assert!(err.contains(":2:"), "{err}");
        let err = render("{% if %}", &["甲"]).expect_err("fails").to_string();
        assert!(err.contains("report.md:1:"), "{err}");
    }
}
