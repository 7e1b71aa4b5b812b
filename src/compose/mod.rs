//! Stage 3 — compose: the pack's Tera templates + figures → report Markdown.
//!
//! Every interpolated value is escaped as Markdown, so data cannot change the report's
//! structure; `| safe` is the explicit opt-out. `table(...)` emits a resolved table
//! directive that [`crate::doc::parse`] turns into a [`crate::doc::Table`].

mod budget;
mod chart;
pub mod context;
mod errors;
mod escape;
mod filters;
mod prose;
mod table;

pub use chart::{build as build_chart, pie_shares, ChartArgs};
pub use escape::{escape_markdown, escape_markdown_string};
pub use table::{build as build_table, TableArgs};

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use tera::{Context, Kwargs, State, Tera, Value};

use crate::doc::{chinese_numeral, Block, Closing, Document, CHART_DIRECTIVE, TABLE_DIRECTIVE};
use crate::error::{Error, Result, TemplateError};
use crate::limits::Limits;
use crate::number as format;
use crate::stats::Figures;
use crate::survey::{Pack, Schema, Survey};
use budget::{check_time, latest_literal, time_message, Bounded, Budget, Injection, Trip, BUDGET};
use errors::{syntax_error, UNDEFINED_NUMBER};
use filters::{claim_id, directive, register_filters, share_of, with_figures, CURRENT, IDS};

/// A template pack ready to render reports; build once, render many.
#[derive(Clone)]
pub struct Composer {
    tera: Tera,
    report: String,
    origin: String,
    schema: Arc<Schema>,
    /// The pack's template sources by name, to quote the expression an error points at.
    sources: Arc<HashMap<String, String>>,
    /// The sources Tera compiled (loop bodies instrumented) and where the calls went, to
    /// map Tera's spans back to the pack's files.
    instrumented: Arc<HashMap<String, (String, Vec<Injection>)>>,
    /// The pack's reference DOCX, handed to the Document ([`Composer::finish`]).
    reference: Option<Arc<crate::refdoc::ReferenceDoc>>,
}

/// The template name of the pack's further 落款 line `i` (0-based), as errors show it.
fn signature_line_name(i: usize) -> String {
    format!("template.yaml（style.signature.lines 第{}项）", i + 1)
}

impl Composer {
    /// A composer for `pack`: its templates instrumented and compiled once, with the
    /// Chinese filters and the `table()`, `chart()` and `share_of()` functions registered.
    ///
    /// Errors: a template that does not compile ([`Error::Template`], naming the pack
    /// file, line and column, in Chinese).
    pub fn new(pack: &Pack) -> Result<Self> {
        let origin = pack.origin();
        let mut tera = Tera::new();
        tera.autoescape_on([".md"]);
        tera.set_escape_fn(escape_markdown);
        register_filters(&mut tera);
        budget::register_checked_filters(&mut tera);
        // Tera's own range() allows 100,000 numbers per call and any number of calls: two
        // nested loops over it ran for hours. Ours checks the time and a per-report budget.
        tera.register_function("range", budget::range);
        tera.register_function(budget::TICK, budget::tick);
        tera.register_function(budget::CHECK, budget::check);
        let schema = Arc::new(pack.schema.clone());
        let table_schema = Arc::clone(&schema);
        tera.register_function(
            "table",
            move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
                check_time()?;
                let args: TableArgs = kwargs.deserialize().map_err(|e| in_chinese("table", &e))?;
                claim_id("table", args.id.as_ref())?;
                let table = with_figures(state, |figs| table::build(&args, &table_schema, figs))?
                    .map_err(tera::Error::message)?;
                directive(TABLE_DIRECTIVE, &table)
            },
        );
        // `{{ f.points | outline(level=3) }}` (not `points`: that filter reads a change in
        // percentage points): a finding's points as numbered headings or
        // numbered paragraphs (compose::prose::points_markdown), safe Markdown.
        tera.register_filter(
            "outline",
            |v: &Value, kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
                check_time()?;
                let level = kw.get::<usize>("level")?.unwrap_or(3);
                Ok(Value::safe_string(&prose::points_markdown(v, level)))
            },
        );
        tera.register_function(
            "share_of",
            |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
                check_time()?;
                let group = kwargs
                    .get::<String>("group")?
                    .ok_or_else(|| tera::Error::message("share_of(): 需要 group"))?;
                let parts = kwargs
                    .get::<Vec<String>>("parts")?
                    .ok_or_else(|| tera::Error::message("share_of(): 需要 parts"))?;
                let decimals = kwargs.get::<usize>("decimals")?.unwrap_or(1);
                with_figures(state, |figs| share_of(figs, &group, &parts, decimals))?
                    .map_err(tera::Error::message)
            },
        );
        let chart_schema = Arc::clone(&schema);
        tera.register_function(
            "chart",
            move |kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
                check_time()?;
                let args: ChartArgs = kwargs.deserialize().map_err(|e| in_chinese("chart", &e))?;
                claim_id("chart", args.id.as_ref())?;
                let chart = with_figures(state, |figs| chart::build(&args, &chart_schema, figs))?
                    .map_err(tera::Error::message)?;
                directive(CHART_DIRECTIVE, &chart)
            },
        );
        // All at once, so templates may include each other (only the pack's own files
        // exist for Tera: includes cannot reach outside the pack).
        // Each loop body calls budget::TICK first (see budget::instrument).
        // The 落款's further lines (`style.signature.lines`) are templates too, named so an
        // error points at them; not `*.md`, so not escaped as Markdown (they are not
        // Markdown: they become text of the Document as they render).
        let mut templates = pack.templates.clone();
        templates.extend(
            pack.schema
                .style
                .signature
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| (signature_line_name(i), l.clone())),
        );
        let instrumented: HashMap<String, (String, Vec<Injection>)> = templates
            .iter()
            .map(|(n, c)| (n.clone(), budget::instrument(c, Some(n))))
            .collect();
        let sources: HashMap<String, String> = templates.iter().cloned().collect();
        tera.add_raw_templates(
            instrumented
                .iter()
                .map(|(n, (c, _))| (n.as_str(), c.as_str())),
        )
        .map_err(|e| syntax_error(&origin, &e, &instrumented, &sources))?;
        Ok(Composer {
            reference: pack.reference.clone(),
            tera,
            report: pack.schema.report.clone(),
            origin,
            schema,
            sources: Arc::new(sources),
            instrumented: Arc::new(instrumented),
        })
    }

    /// Render the report Markdown for one survey.
    ///
    /// Errors: a value the template needs from the data file that the data file lacks
    /// (`facts.…`, `tables.…`, `report.…`) is an [`Error::Input`] naming the data file and
    /// the path (`缺少 facts.seniority_raise（模板 report.md 第54行用到）`); any other
    /// failure is an [`Error::Template`] in Chinese naming the template file, line and
    /// column. Both map to exit code 2.
    ///
    /// Bounds (see `budget`): the templates run at most [`Limits::template_seconds`],
    /// take at most [`Limits::template_steps`] loop iterations and `range()` numbers, and
    /// write at most [`Limits::output_mb`] MiB; past any of them the error names the limit,
    /// its `DIAOYAN_MAX_…` variable and the template line (for the output limit, the line
    /// of the literal text written last; failing that, a quote of the output's end).
    ///
    /// ```
    /// let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/qingnianlu-2019.yaml");
    /// let (survey, pack) = diaoyan::survey::load(&data, None)?;
    /// let figures = diaoyan::stats::compute(&survey, &pack.schema);
    /// let markdown = diaoyan::compose::Composer::new(&pack)?.render(&survey, &figures)?;
    /// assert!(markdown.lines().any(|l| l.starts_with("# ")));
    /// # Ok::<(), diaoyan::Error>(())
    /// ```
    pub fn render(&self, survey: &Survey, figures: &Figures) -> Result<String> {
        let ctx = self.context(survey, figures)?;
        self.run(&self.report, &ctx, survey, figures)
    }

    /// The 落款 of one survey's report (GB/T 9704-2012 §7.3.5.2), or `None` when the pack
    /// turns it off (`style.signature.show: false`) or there is nothing to print: the
    /// organisation (`report.organisation`), the date (`report.date`) and the pack's
    /// further lines (`style.signature.lines`, each rendered as a template with the report
    /// template's variables; a line that renders blank is left out).
    ///
    /// Errors: as [`Composer::render`], naming the line (`template.yaml（style.signature.lines
    /// 第N项）`).
    pub fn closing(&self, survey: &Survey, figures: &Figures) -> Result<Option<Closing>> {
        let sig = &self.schema.style.signature;
        if !sig.show {
            return Ok(None);
        }
        let ctx = self.context(survey, figures)?;
        let mut lines = Vec::new();
        for i in 0..sig.lines.len() {
            let text = self.run(&signature_line_name(i), &ctx, survey, figures)?;
            let text = text.trim();
            if !text.is_empty() {
                lines.push(text.to_string());
            }
        }
        let closing = Closing {
            signature: survey
                .report
                .organisation
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string),
            date: survey.report.date,
            lines,
        };
        Ok((!closing.is_empty()).then_some(closing))
    }

    /// What the pack decides for the parsed report as a whole: its 落款
    /// ([`Composer::closing`]), its reference DOCX (`doc.meta.reference`, for the DOCX
    /// only) and one table style for every table
    /// (`style.table_rules`, also for a table directive written by hand).
    ///
    /// Errors: as [`Composer::closing`].
    pub fn finish(&self, doc: &mut Document, survey: &Survey, figures: &Figures) -> Result<()> {
        doc.closing = self.closing(survey, figures)?;
        doc.meta.reference = self.reference.clone();
        let rules = table::rules(self.schema.style.table_rules);
        // Iterative: the Document's nesting is bounded by the parser, but no recursion
        // follows it anyway.
        let mut stack: Vec<&mut Block> = doc.blocks.iter_mut().collect();
        while let Some(b) = stack.pop() {
            match b {
                Block::Table(t) => t.rules = rules,
                Block::List { items, .. } => stack.extend(items.iter_mut().flatten()),
                Block::Quote(inner) => stack.extend(inner.iter_mut()),
                _ => {}
            }
        }
        Ok(())
    }

    /// The variables every template of the pack sees: [`context::context`], the one
    /// builder `stats --json` prints too.
    ///
    /// The writer's prose (findings, recommendations, closing) is then replaced by its
    /// Markdown rendered to safe report Markdown ([`prose`]): the same names, each
    /// paragraph a block `{{ p }}` prints unescaped.
    fn context(&self, survey: &Survey, figures: &Figures) -> Result<Context> {
        let mut ctx = Context::from_serialize(&context::context(survey, figures, &self.schema))
            .map_err(|e| -> Error {
                TemplateError::new(format!("模板变量无法生成：{e}"))
                    .pack(&self.origin)
                    .into()
            })?;
        let mut piece = 0;
        let findings: Vec<Value> = survey
            .findings
            .iter()
            .map(|p| prose::item_value(p, &mut piece))
            .collect();
        let recs: Vec<Value> = survey
            .recommendations
            .iter()
            .map(|p| prose::item_value(p, &mut piece))
            .collect();
        ctx.insert_value("findings", Value::from(findings));
        ctx.insert_value("recommendations", Value::from(recs));
        let closing = prose::paragraphs_value(survey.closing.as_deref().unwrap_or(""), &mut piece);
        ctx.insert_value("closing", closing);
        Ok(ctx)
    }

    /// Render template `name` with `ctx` within the budget (see [`Composer::render`]).
    fn run(&self, name: &str, ctx: &Context, survey: &Survey, figures: &Figures) -> Result<String> {
        CURRENT.with(|c| *c.borrow_mut() = Some(Rc::new(figures.clone())));
        IDS.with(|ids| ids.borrow_mut().clear());
        let limits = crate::limits::current();
        let budget = Budget::new(limits);
        let deadline = budget.deadline;
        BUDGET.with(|b| *b.borrow_mut() = Some(budget));
        let mut out = Bounded::new(Limits::bytes(limits.output_mb), deadline);
        budget::printing();
        let result = self.tera.render_to(name, ctx, &mut out);
        CURRENT.with(|c| *c.borrow_mut() = None);
        BUDGET.with(|b| *b.borrow_mut() = None);
        match (result, out.tripped) {
            (Ok(()), _) => String::from_utf8(out.out).map_err(|e| {
                let msg = e.to_string();
                TemplateError::new(msg)
                    .pack(&self.origin)
                    .file(name)
                    .caused_by(e)
                    .into()
            }),
            (Err(_), Some(trip)) => Err(self.limit_error(trip, &out)),
            (Err(e), None) => Err(self.translate(&e, &survey.source)),
        }
    }

    /// The error for a render stopped by its output writer ([`Bounded`]): which limit,
    /// and where. Tera reports a failed write without a position, so the template line is
    /// found from the output: of the pack's literal text pieces (the text between tags,
    /// written as it stands), the one that ends latest in the last few KiB of output and
    /// stands at a single place in the pack. Failing that, the end of the output is quoted
    /// so the author can find the loop.
    fn limit_error(&self, trip: Trip, out: &Bounded) -> Error {
        let limits = crate::limits::current();
        let what = match trip {
            Trip::Output => format!(
                "模板输出超过 {} MiB（循环是否过多？可设置环境变量 DIAOYAN_MAX_OUTPUT_MB 提高上限）",
                limits.output_mb
            ),
            Trip::Time => time_message(limits.template_seconds),
        };
        // Stopped while a `{{ … }}` printed: that tag (its CHECK call before it named it).
        if let Some(at) = budget::printing() {
            return TemplateError::new(what).pack(&self.origin).file(at).into();
        }
        let tail = String::from_utf8_lossy(&out.out[out.out.len().saturating_sub(8192)..]);
        if let Some((name, line)) = latest_literal(&self.sources, &tail) {
            return TemplateError::new(what)
                .pack(&self.origin)
                .file(name)
                .at(Some(line), None)
                .into();
        }
        let chars: Vec<char> = tail.chars().filter(|c| *c != '\u{fffd}').collect();
        let quote: String = chars[chars.len().saturating_sub(40)..]
            .iter()
            .map(|c| if c.is_control() { ' ' } else { *c })
            .collect();
        TemplateError::new(format!("{what}；最后输出的是“{}”", quote.trim()))
            .pack(&self.origin)
            .into()
    }
}

#[cfg(test)]
mod tests;

/// A directive's argument error from serde (English: "unknown variant `donut`, expected
/// one of `bar`, …") said in Chinese, with the valid values listed (attacker finding F11,
/// issue 18). Anything else keeps serde's detail after a Chinese lead.
fn in_chinese(directive: &str, e: &tera::Error) -> tera::Error {
    let msg = e.to_string();
    // The back-quoted words after `from` in `msg`.
    let quoted = |from: usize| -> Vec<String> {
        msg[from..]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    for (what, lead) in [
        ("unknown variant `", "未知的取值"),
        ("unknown field `", "未知参数"),
    ] {
        if let Some(a) = msg.find(what) {
            let words = quoted(a);
            if let Some((given, valid)) = words.split_first() {
                let valid = if valid.is_empty() {
                    String::new()
                } else {
                    format!("（可用：{}）", valid.join("、"))
                };
                return tera::Error::message(format!("{directive}(): {lead} {given}{valid}"));
            }
        }
    }
    let detail = msg
        .split_once("deserialization failed: ")
        .map_or(msg.as_str(), |(_, d)| d);
    tera::Error::message(format!("{directive}(): 参数无法读取（{detail}）"))
}
