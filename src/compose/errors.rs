//! Template errors in Chinese: Tera's syntax and rendering errors translated, naming the
//! pack file, line and column, and for a value missing from the data its data path.

use super::*;

impl Composer {
    /// A Tera rendering error as the writer's problem: a missing data value names the
    /// data path and the template line that uses it; anything else says in Chinese what
    /// went wrong and where in the template.
    pub(super) fn translate(&self, e: &tera::Error, data: &std::path::Path) -> Error {
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
                    return TemplateError::new(r.message())
                        .pack(&self.origin)
                        .file(file)
                        .at(Some(line), Some(col))
                        .into();
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
            return TemplateError::new(format!("模板用到的 {path} 未定义（名称是否拼错？）"))
                .pack(&self.origin)
                .file(file)
                .at(Some(line), Some(span.start_col + 1))
                .into();
        }
        let expr = if expr.is_empty() {
            String::new()
        } else {
            format!("（{expr}）")
        };
        TemplateError::new(format!("{}{expr}", chinese_message(msg)))
            .pack(&self.origin)
            .file(file)
            .at(Some(line), Some(span.start_col + 1))
            .into()
    }
}

/// A template that does not compile: where (file:line:column) and Tera's own words.
pub(super) fn syntax_error(
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
            TemplateError::new(format!(
                "模板语法错误：{}",
                syntax_in_chinese(r.message(), at)
            ))
            .pack(origin)
            .file(r.filename())
            .at(Some(r.span().start_line), Some(col + 1))
            .into()
        }
        tera::ErrorKind::CircularInclude { tpl, include_chain } => TemplateError::new(format!(
            "模板循环包含自身（{}）：include 不能形成环",
            include_chain.join(" → ")
        ))
        .pack(origin)
        .file(tpl)
        .into(),
        tera::ErrorKind::CircularExtend {
            tpl,
            inheritance_chain,
        } => TemplateError::new(format!(
            "模板循环继承自身（{}）：extends 不能形成环",
            inheritance_chain.join(" → ")
        ))
        .pack(origin)
        .file(tpl)
        .into(),
        tera::ErrorKind::MissingParent { current, parent } => {
            TemplateError::new(format!("继承的模板 {parent} 不在模板包中"))
                .pack(origin)
                .file(current)
                .into()
        }
        tera::ErrorKind::TemplateNotFound(name) => {
            TemplateError::new(format!("模板 {name} 不在模板包中"))
                .pack(origin)
                .into()
        }
        _ if e.to_string().contains("recursion depth for components") => {
            TemplateError::new("组件（component）嵌套调用超过 20 层（是否无条件地调用了自身？）")
                .pack(origin)
                .into()
        }
        tera::ErrorKind::Msg(msg) if msg.starts_with("error: ") => {
            Error::template(requote(origin, msg, instrumented, sources))
        }
        _ => TemplateError::new(e.to_string()).pack(origin).into(),
    }
}

/// Tera's parse-error `msg` in Chinese; `at` is the source text Tera points at (the tag
/// name for an unknown tag). Messages not known here are kept, after a Chinese lead.
pub(super) fn syntax_in_chinese(msg: &str, at: &str) -> String {
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
pub(super) fn requote(
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
pub(super) const DATA_ROOTS: [&str; 6] = [
    "facts",
    "tables",
    "report",
    "findings",
    "recommendations",
    "closing",
];

/// The expression at `range` of `src`, extended left over a dotted name chain: Tera points
/// at `seniority_raise` in `facts.seniority_raise`; the writer needs the whole path.
pub(super) fn expression_at(src: &str, range: std::ops::Range<usize>) -> String {
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
pub(super) fn undefined_path(msg: &str, expr: &str) -> Option<String> {
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
pub(super) fn is_path(expr: &str) -> bool {
    !expr.is_empty()
        && expr
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"'))
}

/// What [`super::filters::opt_f64`] says of an undefined value.
pub(super) const UNDEFINED_NUMBER: &str = "数值未定义";

/// Tera's English rendering messages in Chinese; our own filters' messages are Chinese
/// already and pass through.
pub(super) fn chinese_message(msg: &str) -> String {
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
