//! Stage 3 — compose: the pack's Tera templates + figures → report Markdown.
//!
//! Every interpolated value is escaped as Markdown, so data cannot change the report's
//! structure; `| safe` is the explicit opt-out. `table(...)` emits a resolved table
//! directive that [`crate::doc::parse`] turns into a [`crate::doc::Table`].

mod escape;
pub mod format;
mod table;

pub use escape::{escape_markdown, escape_markdown_string};
pub use table::{build as build_table, TableArgs};

use std::sync::Arc;

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, Value};

use crate::doc::{chinese_numeral, TABLE_DIRECTIVE};
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
                let figs: Value = state
                    .get("figures")?
                    .ok_or_else(|| tera::Error::message("table(): 缺少统计数据"))?;
                let figs: Figures = serde_json::to_value(&figs)
                    .and_then(serde_json::from_value)
                    .map_err(|e| tera::Error::message(format!("table(): {e}")))?;
                let table =
                    table::build(&args, &table_schema, &figs).map_err(tera::Error::message)?;
                let body = serde_json::to_string(&table)
                    .map_err(|e| tera::Error::message(format!("table(): {e}")))?;
                Ok(Value::safe_string(&format!(
                    "\n```{TABLE_DIRECTIVE}\n{body}\n```\n"
                )))
            },
        );
        for (name, content) in &pack.templates {
            tera.add_raw_template(name, content)
                .map_err(|e| Error::Template(format!("{origin}/{name}: {e}")))?;
        }
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
        self.tera
            .render(&self.report, &ctx)
            .map_err(|e| Error::Template(format!("{}/{}: {e}", self.origin, self.report)))
    }
}

fn opt_f64(v: &Value) -> Option<f64> {
    if v.is_none() || v.is_undefined() {
        None
    } else {
        v.as_f64()
    }
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "fixed",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(0);
            Ok(format::fixed(opt_f64(v), d))
        },
    );
    tera.register_filter(
        "percent",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::percent(opt_f64(v), d))
        },
    );
    tera.register_filter(
        "wan",
        |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<String> {
            let d = kw.get::<usize>("decimals")?.unwrap_or(1);
            Ok(format::wan(opt_f64(v), d))
        },
    );
    tera.register_filter(
        "cn",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> {
            Ok(match v.as_i64() {
                Some(n) if n >= 0 => chinese_numeral(n as usize),
                Some(n) => n.to_string(),
                None => opt_f64(v)
                    .map(|x| format::fixed(Some(x), 0))
                    .unwrap_or_else(|| format::NO_VALUE.into()),
            })
        },
    );
    tera.register_filter(
        "cn_qty",
        |v: &Value, _: Kwargs, _: &State| -> tera::TeraResult<String> {
            Ok(match v.as_i64() {
                Some(2) => "两".to_string(),
                Some(n) if n >= 0 => chinese_numeral(n as usize),
                _ => opt_f64(v)
                    .map(|x| format::fixed(Some(x), 0))
                    .unwrap_or_else(|| format::NO_VALUE.into()),
            })
        },
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
