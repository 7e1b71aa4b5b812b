//! Stage 3 — compose: the pack's Tera templates + figures → report Markdown.
//!
//! Every interpolated value is escaped as Markdown, so data cannot change the report's
//! structure; `| safe` is the explicit opt-out. `table(...)` emits a resolved table
//! directive that [`crate::doc::parse`] turns into a [`crate::doc::Table`].

mod budget;
mod chart;
mod escape;
mod table;

pub use chart::{build as build_chart, ChartArgs};
pub use escape::{escape_markdown, escape_markdown_string};
pub use table::{build as build_table, TableArgs};

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, Value};

use crate::doc::{chinese_numeral, Block, Closing, Document, CHART_DIRECTIVE, TABLE_DIRECTIVE};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::number as format;
use crate::stats::Figures;
use crate::survey::{Pack, Prose, Schema, Survey};
use budget::{check_time, latest_literal, time_message, Bounded, Budget, Injection, Trip, BUDGET};

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

/// The template name of the pack's further 落款 line `i` (0-based), as errors show it.
fn signature_line_name(i: usize) -> String {
    format!("template.yaml（style.signature.lines 第{}项）", i + 1)
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
                let args: TableArgs = kwargs.deserialize()?;
                let table = with_figures(state, |figs| table::build(&args, &table_schema, figs))?
                    .map_err(tera::Error::message)?;
                directive(TABLE_DIRECTIVE, &table)
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
                let args: ChartArgs = kwargs.deserialize()?;
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
    pub fn render(&self, survey: &Survey, figures: &Figures) -> Result<String> {
        let ctx = self.context(survey, figures);
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
        let ctx = self.context(survey, figures);
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
    /// ([`Composer::closing`]) and one table style for every table
    /// (`style.table_rules`, also for a table directive written by hand).
    ///
    /// Errors: as [`Composer::closing`].
    pub fn finish(&self, doc: &mut Document, survey: &Survey, figures: &Figures) -> Result<()> {
        doc.closing = self.closing(survey, figures)?;
        let rules = self.schema.style.table_rules;
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

    /// The variables every template of the pack sees.
    fn context(&self, survey: &Survey, figures: &Figures) -> Context {
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
        ctx.insert("rounding_note", crate::stats::ROUNDING_NOTE);
        ctx
    }

    /// Render template `name` with `ctx` within the budget (see [`Composer::render`]).
    fn run(&self, name: &str, ctx: &Context, survey: &Survey, figures: &Figures) -> Result<String> {
        CURRENT.with(|c| *c.borrow_mut() = Some(Rc::new(figures.clone())));
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
            (Ok(()), _) => String::from_utf8(out.out)
                .map_err(|e| Error::Template(format!("{}/{name}：{e}", self.origin))),
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
            return Error::Template(format!("{}/{at}：{what}", self.origin));
        }
        let tail = String::from_utf8_lossy(&out.out[out.out.len().saturating_sub(8192)..]);
        if let Some((name, line)) = latest_literal(&self.sources, &tail) {
            return Error::Template(format!("{}/{name}:{line}：{what}", self.origin));
        }
        let chars: Vec<char> = tail.chars().filter(|c| *c != '\u{fffd}').collect();
        let quote: String = chars[chars.len().saturating_sub(40)..]
            .iter()
            .map(|c| if c.is_control() { ' ' } else { *c })
            .collect();
        Error::Template(format!(
            "{}：{what}；最后输出的是“{}”",
            self.origin,
            quote.trim()
        ))
    }

    /// A Tera rendering error as the writer's problem: a missing data value names the
    /// data path and the template line that uses it; anything else says in Chinese what
    /// went wrong and where in the template.
    fn translate(&self, e: &tera::Error, data: &std::path::Path) -> Error {
        let tera::ErrorKind::RenderingError(r) = e.kind() else {
            return syntax_error(&self.origin, e, &self.instrumented, &self.sources);
        };
        let file = if r.filename().is_empty() {
            self.report.as_str()
        } else {
            r.filename()
        };
        let mut span = r.span().clone();
        if let Some((inst, injections)) = self.instrumented.get(file) {
            match budget::unshift(injections, inst, span.range.clone()) {
                Ok((range, cols)) => {
                    span.range = range;
                    span.start_col = span.start_col.saturating_sub(cols);
                }
                // The loop step itself (time or step budget): name the `{% for %}` tag.
                Err(tag) => {
                    let src = self.sources.get(file).map(String::as_str).unwrap_or("");
                    let before = src.get(..tag).unwrap_or("");
                    let line = before.matches('\n').count() + 1;
                    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                    return Error::Template(format!(
                        "{}/{file}:{line}:{col}：{}",
                        self.origin,
                        r.message()
                    ));
                }
            }
        }
        let line = span.start_line;
        let expr = self
            .sources
            .get(file)
            .map(|src| expression_at(src, span.range.clone()))
            .unwrap_or_default();
        let msg = r.message();
        // A filter given an undefined value says so in our words; the value's expression
        // is the part before the first `|`.
        let filtered = || {
            let src = self.sources.get(file)?;
            let start = src.get(..span.range.start)?.rfind("{{")? + 2;
            let input = src.get(start..span.range.end)?.split('|').next()?.trim();
            (msg.starts_with(UNDEFINED_NUMBER) && is_path(input)).then(|| input.to_string())
        };
        if let Some(path) = undefined_path(msg, &expr).or_else(filtered) {
            let root = path.split(['.', '[']).next().unwrap_or("");
            if DATA_ROOTS.contains(&root) {
                return Error::input(
                    crate::error::Diagnostic::new(
                        data,
                        format!("缺少 {path}（模板 {file} 第{line}行用到）"),
                    )
                    .field(path),
                );
            }
            return Error::Template(format!(
                "{}/{file}:{line}:{}：模板用到的 {path} 未定义（名称是否拼错？）",
                self.origin,
                span.start_col + 1
            ));
        }
        Error::Template(format!(
            "{}/{file}:{line}:{}：{}{}",
            self.origin,
            span.start_col + 1,
            chinese_message(msg),
            if expr.is_empty() {
                String::new()
            } else {
                format!("（{expr}）")
            }
        ))
    }
}

/// A template that does not compile: where (file:line:column) and Tera's own words.
fn syntax_error(
    origin: &str,
    e: &tera::Error,
    instrumented: &HashMap<String, (String, Vec<Injection>)>,
    sources: &HashMap<String, String>,
) -> Error {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) => {
            let mut col = r.span().start_col;
            if let Some((inst, injections)) = instrumented.get(r.filename()) {
                if let Ok((_, cols)) = budget::unshift(injections, inst, r.span().range.clone()) {
                    col = col.saturating_sub(cols);
                }
            }
            let at = instrumented
                .get(r.filename())
                .and_then(|(inst, _)| inst.get(r.span().range.clone()))
                .unwrap_or("");
            Error::Template(format!(
                "{origin}/{}:{}:{}：模板语法错误：{}",
                r.filename(),
                r.span().start_line,
                col + 1,
                syntax_in_chinese(r.message(), at)
            ))
        }
        tera::ErrorKind::CircularInclude { tpl, include_chain } => Error::Template(format!(
            "{origin}/{tpl}：模板循环包含自身（{}）：include 不能形成环",
            include_chain.join(" → ")
        )),
        tera::ErrorKind::CircularExtend {
            tpl,
            inheritance_chain,
        } => Error::Template(format!(
            "{origin}/{tpl}：模板循环继承自身（{}）：extends 不能形成环",
            inheritance_chain.join(" → ")
        )),
        tera::ErrorKind::MissingParent { current, parent } => Error::Template(format!(
            "{origin}/{current}：继承的模板 {parent} 不在模板包中"
        )),
        tera::ErrorKind::TemplateNotFound(name) => {
            Error::Template(format!("{origin}：模板 {name} 不在模板包中"))
        }
        _ if e.to_string().contains("recursion depth for components") => Error::Template(format!(
            "{origin}：组件（component）嵌套调用超过 20 层（是否无条件地调用了自身？）"
        )),
        tera::ErrorKind::Msg(msg) if msg.starts_with("error: ") => {
            Error::Template(requote(origin, msg, instrumented, sources))
        }
        _ => Error::Template(format!("{origin}：{e}")),
    }
}

/// Tera's parse-error `msg` in Chinese; `at` is the source text Tera points at (the tag
/// name for an unknown tag). Messages not known here are kept, after a Chinese lead.
fn syntax_in_chinese(msg: &str, at: &str) -> String {
    let msg = msg.trim();
    let at: String = at.trim().chars().take(40).collect();
    if msg == "Unknown tag" {
        let tag = if at.is_empty() {
            String::new()
        } else {
            format!(" {at}")
        };
        return format!(
            "未知的标签{tag}（可用的标签：if、elif、else、for、break、continue、set、set_global、\
             include、extends、block、filter、raw、component；不支持宏 macro，请改用组件 component）"
        );
    }
    if msg == "Unexpected end of input" {
        return "模板意外结束：是否缺少 {% endif %}、{% endfor %}、{% endblock %} 或 }}？".into();
    }
    if msg == "The expression is too complex" {
        return "表达式过于复杂（嵌套过深），请拆开书写".into();
    }
    if msg == "The template nesting is too deep" {
        return "标签嵌套过深，请拆开书写".into();
    }
    if let Some(rest) = msg.strip_prefix("Found ") {
        for sep in [" but expected ", " but was expecting "] {
            if let Some((found, expected)) = rest.split_once(sep) {
                let expected = expected.trim_end_matches('.').replace(" or ", " 或 ");
                return format!("此处是 {found}，应为 {expected}");
            }
        }
    }
    if let Some(name) = msg
        .strip_prefix("Unclosed component ")
        .map(|n| n.trim_matches('\''))
    {
        return format!("组件 {name} 没有结束标签");
    }
    if let Some((end, start)) = msg
        .strip_prefix("Closing tag ")
        .and_then(|r| r.split_once(" doesn't match opening tag "))
    {
        return format!("结束标签 {end} 与开始标签 {start} 不对应");
    }
    if let Some(kw) = msg.strip_suffix(" can only be used in a for loop") {
        return format!("{kw} 只能用在 for 循环中");
    }
    if let Some((kw, inside)) = msg.split_once(" cannot be used inside a ") {
        return format!("{kw} 不能用在 {inside} 中");
    }
    if let Some(rest) = msg.strip_prefix("Blocks cannot be written inside a ") {
        return format!("block 不能写在 {} 中", rest.trim_end_matches('.'));
    }
    format!("无法解析（Tera：{msg}）")
}

/// Tera's reports of unknown filters, functions, tests, components and included
/// templates (`error: …`, `--> name:line:col`, the source line, carets; several joined by
/// blank lines) quote the compiled source, injected calls and all: each is rewritten
/// naming the pack's file, line and column, in Chinese, quoting the author's own line with
/// the carets under the same text.
fn requote(
    origin: &str,
    msg: &str,
    instrumented: &HashMap<String, (String, Vec<Injection>)>,
    sources: &HashMap<String, String>,
) -> String {
    let mut out = Vec::new();
    for report in msg.split("\n\nerror: ") {
        let mut lines = report.lines();
        let what = lines.next().unwrap_or("").trim_start_matches("error: ");
        let place = lines.next().unwrap_or("").trim().trim_start_matches("--> ");
        let carets = lines.nth(2).unwrap_or("");
        let width = carets.matches('^').count().max(1);
        let mut parts = place.rsplitn(3, ':');
        let (col, line, name) = (parts.next(), parts.next(), parts.next());
        let (Some(col), Some(line), Some(name)) = (
            col.and_then(|c| c.parse::<usize>().ok()),
            line.and_then(|l| l.parse::<usize>().ok()),
            name,
        ) else {
            out.push(format!("{origin}：{report}"));
            continue;
        };
        let what = if let Some(rest) = what.strip_prefix("Unknown filter ") {
            format!("未知的过滤器 {rest}（名称是否拼错？）")
        } else if let Some(rest) = what.strip_prefix("Unknown function ") {
            format!("未知的函数 {rest}（名称是否拼错？）")
        } else if let Some(rest) = what.strip_prefix("Unknown test ") {
            format!("未知的测试 {rest}（名称是否拼错？）")
        } else if let Some(rest) = what.strip_prefix("Unknown component ") {
            format!("未知的组件 {rest}（名称是否拼错？）")
        } else if let Some(rest) = what.strip_prefix("Unknown template ") {
            format!("模板 {rest} 不在模板包中")
        } else {
            format!("模板错误：{what}")
        };
        // The column in the compiled line, mapped back past the injected calls.
        let mut col = col;
        if let Some((inst, injections)) = instrumented.get(name) {
            let start: usize = inst
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            let at = inst
                .get(start..)
                .unwrap_or("")
                .char_indices()
                .nth(col.saturating_sub(1));
            if let Some((off, _)) = at {
                match budget::unshift(injections, inst, start + off..start + off + 1) {
                    Ok((_, cols)) => col = col.saturating_sub(cols).max(1),
                    Err(tag) => {
                        let src = sources.get(name).map(String::as_str).unwrap_or("");
                        let before = src.get(..tag).unwrap_or("");
                        col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                    }
                }
            }
        }
        let text = sources
            .get(name)
            .and_then(|s| s.lines().nth(line.saturating_sub(1)))
            .unwrap_or("");
        let pad = " ".repeat(line.to_string().len());
        let under: String = text
            .chars()
            .take(col - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push(format!(
            "{origin}/{name}:{line}:{col}：{what}\n{pad} |\n{line} | {text}\n{pad} | {under}{}",
            "^".repeat(width)
        ));
    }
    out.join("\n")
}

/// Top-level template names whose values come from the data file as written, so a missing
/// one is the data's problem, not the template's.
const DATA_ROOTS: [&str; 6] = [
    "facts",
    "tables",
    "report",
    "findings",
    "recommendations",
    "closing",
];

/// The expression at `range` of `src`, extended left over a dotted name chain: Tera points
/// at `seniority_raise` in `facts.seniority_raise`; the writer needs the whole path.
fn expression_at(src: &str, range: std::ops::Range<usize>) -> String {
    let Some(text) = src.get(range.clone()) else {
        return String::new();
    };
    let is_name = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"');
    let before = src.get(..range.start).unwrap_or("");
    let prefix_len: usize = before
        .chars()
        .rev()
        .take_while(|c| is_name(*c))
        .map(char::len_utf8)
        .sum();
    let start = range.start - prefix_len;
    let whole = src.get(start..range.end).unwrap_or(text);
    whole.trim().trim_start_matches('.').to_string()
}

/// For "Field `x` is not defined" / "Variable `x` is not defined": the undefined path as
/// written in the template (`facts.seniority_raise`, `tables.pay_scale`).
fn undefined_path(msg: &str, expr: &str) -> Option<String> {
    let name = msg
        .strip_prefix("Field `")
        .or_else(|| msg.strip_prefix("Variable `"))?;
    let (name, rest) = name.split_once('`')?;
    if !rest.trim_start().starts_with("is not defined")
        && !rest.trim_start().starts_with("exists but")
    {
        return None;
    }
    Some(if is_path(expr) {
        // Tera points either at the missing name itself (`facts.seniority_raise`) or at the
        // undefined value a further name was asked of (`tables.pay_scale` for `.columns`):
        // in both cases the expression up to that point is what is missing.
        expr.to_string()
    } else {
        name.to_string()
    })
}

/// A dotted (or subscripted) name chain such as `facts.funding.office` or
/// `tables["pay_scale"]`.
fn is_path(expr: &str) -> bool {
    !expr.is_empty()
        && expr
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"'))
}

/// What [`opt_f64`] says of an undefined value.
const UNDEFINED_NUMBER: &str = "数值未定义";

/// Tera's English rendering messages in Chinese; our own filters' messages are Chinese
/// already and pass through.
fn chinese_message(msg: &str) -> String {
    let msg = msg.trim();
    if msg.contains("divide by 0") {
        "除数为零（除法请用 ratio(a=…, b=…)：除数为零时得到无值，显示为“—”）".into()
    } else if let Some(rest) =
        msg.strip_prefix("Math operations can only be done on numbers, found `")
    {
        let what = rest.trim_end_matches('`');
        if what == "None" || what == "none" {
            "算术运算的对象无值（除数为零等），请改用 ratio() 或 share_of()".into()
        } else {
            format!("算术运算的对象不是数值（{what}）")
        }
    } else if let Some((op, rest)) = msg
        .strip_prefix('`')
        .and_then(|m| m.split_once("` requires both operands to be numbers, found `"))
    {
        // "`+` requires both operands to be numbers, found `u64` and `string`"
        let kinds: Vec<&str> = rest
            .split("` and `")
            .map(|k| k.trim_end_matches('`'))
            .collect();
        let name = |k: &str| match k {
            "undefined" | "none" | "None" => "没有值（数据中缺少这一项？）",
            "string" => "文字",
            "bool" => "是/否",
            "map" | "object" => "一组键值",
            "array" | "vec" => "列表",
            _ => "数值",
        };
        let found: Vec<&str> = kinds.iter().map(|k| name(k)).collect();
        format!(
            "运算 {op} 需要两个数值，实际是{}：请检查数据中参与计算的项（如 facts 中的数字是否填写、是否写成了文字）",
            found.join("和")
        )
    } else if msg.is_ascii() {
        format!("模板渲染出错：{msg}")
    } else {
        msg.to_string()
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

/// The share of a union of a group's parts as the sum of their *displayed* shares, so
/// the prose never contradicts the printed parts (issue 14 §4: 31.9% + 11.3% is 43.2%, not
/// the 43.3% a fresh division gives).
///
/// `parts` are field paths or labels of `group`'s parts; `decimals` is 1 (sum of `pct1`,
/// the default) or 0 (sum of `pct0`). Returns a fraction (0.432) for the `percent` filter,
/// or none ("—") when the group's total is zero. Errors name an unknown group or part.
fn share_of(
    figures: &Figures,
    group: &str,
    parts: &[String],
    decimals: usize,
) -> std::result::Result<Value, String> {
    let g = figures.groups.get(group).ok_or_else(|| {
        let known: Vec<&str> = figures.groups.keys().map(String::as_str).collect();
        format!(
            "share_of(): 未知的分组 {group}（可用：{}）",
            known.join("、")
        )
    })?;
    let mut units = 0i64;
    for name in parts {
        let p = g
            .parts
            .iter()
            .find(|p| p.path == *name || p.label == *name)
            .ok_or_else(|| {
                let known: Vec<&str> = g.parts.iter().map(|p| p.path.as_str()).collect();
                format!(
                    "share_of(): 分组 {group} 没有 {name} 这一项（可用：{}）",
                    known.join("、")
                )
            })?;
        let units_of = match decimals {
            0 => p.pct0,
            1 => p.pct1.map(|x| (x * 10.0).round() as i64),
            d => return Err(format!("share_of(): decimals 只能是 0 或 1，实际为 {d}")),
        };
        match units_of {
            Some(u) => units += u,
            None => return Ok(Value::none()),
        }
    }
    let scale = if decimals == 0 { 100.0 } else { 1000.0 };
    Ok(Value::from(units as f64 / scale))
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
    // Every numeric filter and function comes here: a loop calling them stops in time.
    check_time()?;
    if v.is_none() {
        Ok(None)
    } else if v.is_undefined() {
        Err(tera::Error::message(format!(
            "{UNDEFINED_NUMBER}（模板中的名称是否拼错？）"
        )))
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
            check_time()?;
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
        "ratio",
        |kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let a = opt_f64(&kw.get::<Value>("a")?.unwrap_or_else(Value::none))?;
            let b = opt_f64(&kw.get::<Value>("b")?.unwrap_or_else(Value::none))?;
            Ok(a.zip(b)
                .and_then(|(a, b)| crate::stats::ratio(a, b))
                .map(Value::from)
                .unwrap_or_else(Value::none))
        },
    );
    tera.register_function(
        "share",
        |kw: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let part = opt_f64(&kw.get::<Value>("part")?.unwrap_or_else(Value::none))?;
            let whole = opt_f64(&kw.get::<Value>("whole")?.unwrap_or_else(Value::none))?;
            Ok(part
                .zip(whole)
                .and_then(|(p, w)| crate::stats::ratio(p, w))
                .map(Value::from)
                .unwrap_or_else(Value::none))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tera's parse errors in Chinese, naming the unknown tag (finding 09: `{% macro %}`).
    #[test]
    fn parse_errors_are_translated() {
        let m = syntax_in_chinese("Unknown tag", "macro");
        assert!(
            m.contains("未知的标签 macro") && m.contains("不支持宏"),
            "{m}"
        );
        assert!(syntax_in_chinese("Unexpected end of input", "").contains("模板意外结束"));
        let m = syntax_in_chinese("Found `}}` but expected `=` or `%}`.", "");
        assert_eq!(m, "此处是 `}}`，应为 `=` 或 `%}`");
        let m = syntax_in_chinese("break can only be used in a for loop", "");
        assert_eq!(m, "break 只能用在 for 循环中");
        assert!(syntax_in_chinese("Something new", "").starts_with("无法解析"));
    }

    /// Facts of the wrong type reach Tera's arithmetic: the message is Chinese and says what
    /// was found (found by a tester: `party: "两万"` and a missing `party`).
    #[test]
    fn arithmetic_on_text_or_missing_values_is_explained_in_chinese() {
        let m =
            chinese_message("`+` requires both operands to be numbers, found `u64` and `string`");
        assert!(
            m.contains("运算 + 需要两个数值") && m.contains("数值和文字"),
            "{m}"
        );
        let m = chinese_message(
            "`+` requires both operands to be numbers, found `u64` and `undefined`",
        );
        assert!(m.contains("没有值"), "{m}");
        assert!(!m.contains("requires"), "{m}");
    }
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
    fn range_is_teras_and_loops_render_as_written() {
        let md = render(
            "{% for i in range(end=4) %}{{ i }}{% endfor %} {% for i in range(start=1, end=8, step_by=3) %}{{ i }}{% endfor %} \
             {% for i in range(start=5, end=0, step_by=-2) -%}\n {{ i }}{% endfor %} {% for u in units %}{{ loop.index }}{% else %}无{% endfor %}",
            &["甲", "乙"],
        )
        .expect("renders");
        assert_eq!(paragraphs(&md), ["0123 147 531 12"]);
        let err = render(
            "{% for i in range(end=3, step_by=0) %}{% endfor %}",
            &["甲"],
        )
        .expect_err("step 0")
        .to_string();
        assert!(
            err.contains("report.md:1:") && err.contains("step_by 不能为 0"),
            "{err}"
        );
    }

    #[test]
    fn errors_after_a_loop_tag_keep_the_pack_files_column() {
        // Tera points at the filter (`fixed`, column 32) or at the missing name (`nme`, 26).
        let err = render(
            "{% for u in units %}{{ u.nme | fixed }}{% endfor %}",
            &["甲"],
        )
        .expect_err("fails")
        .to_string();
        assert!(err.contains("report.md:1:32："), "{err}");
        let err = render(
            "{% for u in units %}\n{% for v in units %}{{ v.nme }}{% endfor %}{% endfor %}",
            &["甲"],
        )
        .expect_err("fails")
        .to_string();
        assert!(err.contains("report.md:2:26："), "{err}");
    }

    #[test]
    fn ratio_gives_no_value_for_a_zero_divisor() {
        let md = render(
            "{{ ratio(a=1, b=0) | fixed }} {{ ratio(a=3, b=2) | fixed(decimals=1) }} \
             {{ ratio(a=facts.zero, b=facts.zero) | percent }} {{ share(part=1, whole=facts.zero) | percent }}",
            &["甲"],
        )
        .expect("renders");
        assert_eq!(paragraphs(&md), ["— 1.5 — —"]);
    }

    #[test]
    fn share_of_a_union_is_the_sum_of_the_printed_parts() {
        // 30岁以下 3 and 30岁以上 6 of 9 staff: 33.3% and 66.7%.
        let md = render(
            "{{ share_of(group=\"age\", parts=[\"staff.age.young\"]) | percent }} \
             {{ share_of(group=\"age\", parts=[\"30岁以上\"]) | percent }} \
             {{ share_of(group=\"age\", parts=[\"staff.age.young\", \"staff.age.old\"]) | percent }} \
             {{ share_of(group=\"age\", parts=[\"staff.age.young\"], decimals=0) | percent(decimals=0) }}",
            &["甲", "乙", "丙"],
        )
        .expect("renders");
        assert_eq!(paragraphs(&md), ["33.3% 66.7% 100.0% 33%"]);
        let err = render("{{ share_of(group=\"age\", parts=[\"x\"]) }}", &["甲"])
            .expect_err("unknown part")
            .to_string();
        assert!(err.contains("分组 age 没有 x 这一项"), "{err}");
    }

    #[test]
    fn a_value_missing_from_the_data_is_a_data_problem_naming_path_and_line() {
        for (tpl, want) in [
            (
                "第一行\n每年增加{{ facts.seniority_raise }}元。",
                "缺少 facts.seniority_raise（模板 report.md 第2行用到）",
            ),
            (
                "{{ facts.funding.office | wan }}",
                "缺少 facts.funding（模板 report.md 第1行用到）",
            ),
            (
                "{{ facts.party | fixed }}",
                "缺少 facts.party（模板 report.md 第1行用到）",
            ),
            (
                "{%- set pay = tables.pay_scale.columns.monthly -%}\n{{ pay.mean }}",
                "缺少 tables.pay_scale（模板 report.md 第1行用到）",
            ),
        ] {
            match render(tpl, &["甲"]) {
                Err(Error::Input(d)) => {
                    assert_eq!(d[0].message, want);
                    assert_eq!(d[0].file, std::path::Path::new("x.yaml"));
                }
                other => panic!("{tpl}: {:?}", other.map_err(|e| e.to_string())),
            }
        }
    }

    #[test]
    fn other_template_errors_are_chinese_with_file_and_line() {
        let err = render("第一行\n{{ 1 / facts.zero }}", &["甲"])
            .expect_err("fails")
            .to_string();
        assert!(
            err.contains("report.md:2:") && err.contains("除数为零"),
            "{err}"
        );
        assert!(!err.contains("Cannot"), "{err}");
        let err = render("{{ fields.nope.sum }}", &["甲"])
            .expect_err("fails")
            .to_string();
        assert!(
            err.contains("fields.nope") && err.contains("未定义"),
            "{err}"
        );
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
