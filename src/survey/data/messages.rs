//! Diagnostics in Chinese: labels and units of paths, text problems and YAML errors
//! placed at their line and column.

use super::*;

/// A reader's name for the value at `path`: `名称`, `报告标题（report.title）`,
/// `第 2 个问题的正文` … using the schema's labels when it is known.
pub(super) fn label_of(path: &str, schema: Option<&Schema>) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let report = |k: &str| match k {
        "title" => "报告标题",
        "subtitle" => "副标题",
        "region" => "调研地区",
        "period" => "调研期",
        "organisation" => "调研单位",
        "author" => "作者",
        "date" => "成文日期",
        "output" => "输出文件名",
        _ => "",
    };
    let nth = |i: &str| i.parse::<usize>().map(|i| i + 1).unwrap_or(0);
    let prose_part = |k: &str| -> String {
        match k {
            "title" => "标题",
            "text" => "正文",
            _ => k,
        }
        .to_string()
    };
    let unit_field = |rest: &[&str]| -> String {
        let key = rest.join(".");
        match key.as_str() {
            "name" => "名称".to_string(),
            "short" => "简称".to_string(),
            _ => match schema.and_then(|s| {
                s.fields
                    .get(&key)
                    .map(|f| f.label.clone())
                    .or_else(|| s.tags.get(&key).map(|t| t.label.clone()))
            }) {
                Some(l) => format!("{l}（{key}）"),
                None => format!("字段 {key}"),
            },
        }
    };
    let table_cell = |t: &str, r: &str, rest: &[&str]| -> String {
        let col = rest.join(".");
        let tdef = schema.and_then(|s| s.tables.get(t));
        let tl = tdef.map_or(t.to_string(), |d| d.label.clone());
        let cl = tdef
            .and_then(|d| d.columns.get(&col))
            .map_or(col.clone(), |c| c.label.clone());
        format!("{tl} 第 {} 行{cl}", nth(r))
    };
    match parts.as_slice() {
        ["template"] => "模板名称（template）".into(),
        ["report", k] if !report(k).is_empty() => format!("{}（report.{k}）", report(k)),
        ["closing"] => "结束语（closing）".into(),
        ["findings", i, k] => format!("第 {} 个问题的{}", nth(i), prose_part(k)),
        ["recommendations", i, k] => format!("第 {} 条建议的{}", nth(i), prose_part(k)),
        [list @ ("findings" | "recommendations"), i, "points", rest @ ..] if !rest.is_empty() => {
            // 第 1 个问题的第 2 个要点的第 1 个要点的正文
            let mut out = if *list == "findings" {
                format!("第 {} 个问题", nth(i))
            } else {
                format!("第 {} 条建议", nth(i))
            };
            let mut rest = rest;
            loop {
                match rest {
                    [j, "points", tail @ ..] if !tail.is_empty() => {
                        out.push_str(&format!("的第 {} 个要点", nth(j)));
                        rest = tail;
                    }
                    [j, k] => {
                        out.push_str(&format!("的第 {} 个要点的{}", nth(j), prose_part(k)));
                        break;
                    }
                    [j] => {
                        out.push_str(&format!("的第 {} 个要点", nth(j)));
                        break;
                    }
                    _ => break,
                }
            }
            out
        }
        ["units", _, rest @ ..] if !rest.is_empty() => unit_field(rest),
        ["previous", "units", _, rest @ ..] if !rest.is_empty() => {
            format!("上一期{}", unit_field(rest))
        }
        ["tables", t, r, rest @ ..] if !rest.is_empty() => table_cell(t, r, rest),
        ["previous", "tables", t, r, rest @ ..] if !rest.is_empty() => {
            format!("上一期{}", table_cell(t, r, rest))
        }
        ["previous", "period"] => "上一期调研期（previous.period）".into(),
        _ => path.to_string(),
    }
}

/// The unit a path lies in, by its name as cleaned for display (without control
/// characters), if it lies in one.
pub(super) fn unit_of(top_units: &[Yaml], prev_units: &[Yaml], path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('.').collect();
    let (units, i) = match parts.as_slice() {
        ["units", i, ..] => (top_units, i),
        ["previous", "units", i, ..] => (prev_units, i),
        _ => return None,
    };
    let name = match units.get(i.parse::<usize>().ok()?)?.get("name")? {
        Yaml::String(s) => s.chars().filter(|c| !text::is_refused(*c)).collect(),
        Yaml::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(name).filter(|n: &String| !n.trim().is_empty())
}

/// Diagnostics for the problems found while reading `raw`'s strings, without the schema
/// (for when the template pack cannot be found).
pub fn early_diagnostics(path: &Path, text: &str, raw: &RawSurvey) -> Vec<Diagnostic> {
    let pos = LazyPositions::new(text);
    problem_diagnostics(path, text, &pos, &raw.problems, None, None)
}

impl<'a> LazyPositions<'a> {
    /// Positions of `text`, not read yet.
    pub(super) fn new(text: &'a str) -> Self {
        LazyPositions {
            text,
            pos: std::cell::OnceCell::new(),
        }
    }

    /// Positions of `text` already read (`pos`), or read on first use if `pos` is empty.
    pub(super) fn with(text: &'a str, pos: Positions) -> Self {
        let lazy = LazyPositions::new(text);
        if !pos.is_empty() {
            let _ = lazy.pos.set(pos);
        }
        lazy
    }

    /// The positions, read now if not yet.
    pub(super) fn get(&self) -> &Positions {
        self.pos.get_or_init(|| Positions::of(self.text))
    }

    /// [`Positions::find`].
    pub(super) fn find(&self, path: &str) -> Option<(usize, usize)> {
        self.get().find(path)
    }

    /// The positions if they were read, else empty ones.
    pub(super) fn into_inner(self) -> Positions {
        self.pos.into_inner().unwrap_or_default()
    }
}

/// Diagnostics for the problems found while reading strings, with positions, the unit,
/// and the schema's labels when known.
pub(super) fn problem_diagnostics(
    path: &Path,
    text: &str,
    pos: &LazyPositions<'_>,
    problems: &[TextProblem],
    schema: Option<&Schema>,
    units: Option<(&[Yaml], &[Yaml])>,
) -> Vec<Diagnostic> {
    if problems.is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    // At most LISTED are told in full, the rest counted.
    let mut out: Vec<Diagnostic> = problems
        .iter()
        .take(crate::error::LISTED)
        .map(|p| {
            let label: String = label_of(&p.path, schema)
                .chars()
                .filter(|c| !text::is_refused(*c))
                .collect();
            let msg = match &p.kind {
                TextProblemKind::Illegal { ch, in_key } => format!(
                    "{label}{}含控制字符 {}（文档中不允许出现，请删除）",
                    if *in_key { "的键名" } else { "" },
                    text::code_point(*ch)
                ),
                TextProblemKind::NotText(found) => format!("{label}应为文字，实际为{found}"),
                TextProblemKind::NumberSpelling { written, read } => {
                    format!("{label}{}", spelling_message(written, read))
                }
                TextProblemKind::BadDate(t, DateError::NoSuchDay) => {
                    format!("{label}“{}”不是存在的日期", crate::excerpt::quote(t))
                }
                TextProblemKind::BadDate(t, DateError::OutOfRange) => format!(
                    "{label}“{}”的年份超出范围（应在 {} 年至 {} 年之间）",
                    crate::excerpt::quote(t),
                    date::YEARS.start(),
                    date::YEARS.end()
                ),
                TextProblemKind::BadDate(t, DateError::Form) => format!(
                    "{label}“{}”无法识别为日期，请写成 2020-03-16、2020/3/16 或 2020年3月16日",
                    crate::excerpt::quote(t)
                ),
                TextProblemKind::DateNumber(n) => {
                    let serial = n
                        .parse::<f64>()
                        .ok()
                        .and_then(date::from_excel_serial)
                        .filter(|_| n.parse::<f64>().is_ok_and(|x| x >= 3000.0))
                        .map(|d| format!("，像是 Excel 的日期序号（即 {}）", date::ymd(d)))
                        .unwrap_or_default();
                    format!("{label}为数字 {n}{serial}，请写成 2020-03-16 或 2020年3月16日")
                }
            };
            let at = pos.find(&p.path);
            let mut d = Diagnostic::new(path, msg).at(at.map(|a| a.0), at.map(|a| a.1));
            d.set_source(at.and_then(|a| lines.get(a.0 - 1)).copied());
            if let Some(u) = units.and_then(|(u, pu)| unit_of(u, pu, &p.path)) {
                d = d.unit(u);
            }
            d
        })
        .collect();
    if problems.len() > crate::error::LISTED {
        let mut summary = Diagnostic::new(path, String::new());
        summary.unlisted = problems.len() - crate::error::LISTED;
        out.push(summary);
    }
    out
}

/// serde_yaml's message in Chinese where we know it; positions are carried separately.
pub(in crate::survey) fn yaml_message(e: &serde_yaml::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    // serde_yaml puts the path of a nested value first (`units[1].staff: invalid type…`);
    // the position is told separately.
    let msg = match msg.split_once(": ") {
        Some((p, rest))
            if !p.is_empty()
                && !p.contains(' ')
                && rest.starts_with(|c: char| c.is_ascii_lowercase()) =>
        {
            rest.to_string()
        }
        _ => msg,
    };
    let quoted = |m: &str| crate::excerpt::quote(m.split('`').nth(1).unwrap_or("")).into_owned();
    if msg.contains("found a tab character") || msg.contains("tab") && msg.contains("indent") {
        "不能用 Tab 缩进，请改用空格".into()
    } else if let Some((key, expected)) = quoted_field(&msg) {
        if msg.starts_with("missing field") {
            format!("缺少字段 {key}")
        } else if expected.is_empty() {
            format!("未知字段 {key}（此处不能有字段）")
        } else {
            format!("未知字段 {key}（可用：{}）", expected.join("、"))
        }
    } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
        // `unknown variant `x`, expected `a` or `b`` / `expected one of `a`, `b`, `c``.
        let (value, tail) = rest.split_once("`, expected ").unwrap_or((rest, ""));
        let valid: Vec<&str> = tail
            .trim_start_matches("one of ")
            .split([',', ' '])
            .map(|v| v.trim_matches('`'))
            .filter(|v| !v.is_empty() && *v != "or")
            .collect();
        format!(
            "取值 {} 无效（可用：{}）",
            crate::excerpt::quote(value),
            valid.join("、")
        )
    } else if msg.contains("recursion limit exceeded") {
        "嵌套层数过深".into()
    } else if msg.contains("repetition limit exceeded")
        || msg.contains("alias") && msg.contains("limit")
    {
        "别名（alias）展开过多，文件可能是恶意构造的".into()
    } else if msg.contains(" as u128") || msg.contains(" as i128") {
        format!(
            "整数 {} 过大，超出可处理的范围（如是编号，请加引号写成文字）",
            quoted(&msg)
        )
    } else if let Some(rest) = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
    {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!(
            "类型不对：应为{}，实际为{}",
            kind_cn(expected),
            kind_cn(found)
        )
    } else if let Some(key) = msg.strip_prefix("duplicate entry with key ") {
        format!(
            "键 {} 写了两次，同一层的键只能出现一次",
            key.trim_matches('"')
        )
    } else if let Some(rest) = msg.strip_prefix("duplicate field ") {
        format!(
            "键 {} 写了两次，同一层的键只能出现一次",
            rest.trim_matches('`')
        )
    } else if msg.starts_with("duplicate entry") {
        "同一层有两个相同的键，同一层的键只能出现一次".into()
    } else if msg.starts_with("data did not match any variant of untagged enum") {
        "值的写法不是允许的任何一种（请对照示例检查这一项的写法）".into()
    } else if msg.starts_with("invalid length") {
        "列表长度不对".into()
    } else {
        const SYNTAX: &[(&str, &str)] = &[
            ("control characters are not allowed", "含有不允许的控制字符"),
            (
                "found character that cannot start any token",
                "含有不能出现在此处的字符（如 @、`、% 开头的值要加引号）",
            ),
            (
                "mapping values are not allowed in this context",
                "此处不能出现“:”（值中含冒号时请加引号）",
            ),
            ("did not find expected key", "缩进不对齐或缺少键名"),
            ("did not find expected node content", "缺少值"),
            ("did not find expected ',' or ']'", "方括号列表缺少“,”或“]”"),
            ("did not find expected ',' or '}'", "花括号缺少“,”或“}”"),
            (
                "found unexpected end of stream",
                "文件意外结束（引号或括号未闭合）",
            ),
            ("found undefined alias", "引用了未定义的别名（*名称）"),
            (
                "found unknown escape character",
                "双引号字符串中有无效的转义（\\ 后的字符）",
            ),
            (
                "invalid Unicode character escape code",
                "无效的 Unicode 转义",
            ),
            ("could not find expected ':'", "缺少“:”"),
            (
                "block sequence entries are not allowed in this context",
                "此处不能开始“- ”列表项（检查缩进）",
            ),
            ("did not find expected '-' indicator", "列表项缩进不对齐"),
            ("found a tab character", "不能用 Tab 缩进，请改用空格"),
            ("found incompatible YAML document", "YAML 版本不兼容"),
            (
                "deserializing from YAML containing more than one document",
                "文件中有多个 YAML 文档（---），只能有一个",
            ),
            (
                "found unexpected ':'",
                "此处不能出现“:”（值中含冒号时请加引号）",
            ),
            (
                "mapping keys are not allowed in this context",
                "此处不能开始新的键（检查缩进）",
            ),
            (
                "found unexpected document indicator",
                "引号内的文字中出现了 --- 或 ...（文档分隔符），请调整",
            ),
            (
                "found an incorrect leading UTF-8 octet",
                "含有无效的 UTF-8 字节",
            ),
            (
                "found an incorrect trailing UTF-8 octet",
                "含有无效的 UTF-8 字节",
            ),
            (
                "found an indentation indicator equal to 0",
                "多行文字（| 或 >）的缩进数字不能是 0",
            ),
            (
                "did not find expected comment or line break",
                "此处之后应换行（值后多了内容，或 # 前缺空格）",
            ),
            (
                "did not find expected alphabetic or numeric character",
                "锚点（&）或别名（*）的名称缺失或含有不允许的字符",
            ),
            (
                "did not find expected whitespace or line break",
                "此处之后应有空格或换行",
            ),
            ("did not find expected whitespace", "此处之后应有空格"),
            (
                "did not find expected hexadecimal number",
                "双引号字符串中的 \\x、\\u 转义后应为十六进制数字",
            ),
            ("did not find the expected '>'", "标签（!<…>）缺少“>”"),
            ("did not find expected '!'", "标签（!…）写法不对"),
            ("did not find expected tag URI", "标签（!…）写法不对"),
            ("did not find URI escaped octet", "标签（!…）写法不对"),
            ("found undefined tag handle", "使用了未定义的标签（!…）"),
            ("empty YAML tag is not allowed", "标签（!）不能为空"),
            (
                "unexpected tagged value in merge",
                "合并键（<<）的值不能带标签",
            ),
            ("for merging", "合并键（<<）的值应为键值对（或键值对列表）"),
            ("unknown anchor", "引用了未定义的别名（*名称）"),
            ("failed to parse YAML number", "数字写法无效"),
            ("EOF while parsing a value", "文件意外结束（缺少值）"),
            (
                "serialization and deserialization of bytes",
                "不支持二进制（!!binary）值",
            ),
            (
                "did not find expected <document start>",
                "文档开始（---）之前有多余内容",
            ),
            ("did not find expected <stream-start>", "文件开头无法读取"),
            (
                "directive",
                "以 % 开头的指令写法不对（值以 % 开头时请加引号）",
            ),
            ("version number", "以 %YAML 开头的版本指令写法不对"),
            (
                "found unknown directive name",
                "以 % 开头的指令写法不对（值以 % 开头时请加引号）",
            ),
            (
                "found unexpected non-alphabetical character",
                "以 % 开头的指令写法不对",
            ),
            (
                "did not find expected digit or '.' character",
                "以 %YAML 开头的版本指令写法不对",
            ),
            ("while scanning a quoted scalar", "引号未闭合"),
            (
                "while scanning a block scalar",
                "多行文字（| 或 >）写法不对",
            ),
            ("while scanning an anchor", "锚点（&）写法不对"),
            ("while scanning an alias", "别名（*）写法不对"),
            ("while scanning a tag", "标签（!）写法不对"),
            (
                "while scanning a simple key",
                "键后缺少“:”，或键太长（超过 1024 个字符）",
            ),
            (
                "while parsing",
                "此处的写法无法解析（检查缩进、引号和括号）",
            ),
            (
                "while scanning",
                "此处的写法无法解析（检查缩进、引号和括号）",
            ),
        ];
        match SYNTAX.iter().find(|(en, _)| msg.contains(en)) {
            Some((_, cn)) => (*cn).to_string(),
            // Nothing above knows it: a Chinese message all the same; the parser's own
            // words are not shown to the writer.
            None => "此处的写法无法解析（检查缩进、引号、括号和冒号）".to_string(),
        }
    }
}

/// serde's name of a kind of value, in Chinese.
pub(super) fn kind_cn(what: &str) -> String {
    let what = what.trim();
    let base = what.split(' ').next().unwrap_or(what);
    let value = what.split('`').nth(1);
    let cn = match base {
        "integer" | "floating" => "数字",
        "string" => "文字",
        "sequence" => "列表",
        "map" => "键值对",
        "boolean" => "true/false",
        "unit" | "null" => "空值",
        "a" | "an" => match what.split(' ').nth(1).unwrap_or("") {
            "string" => "文字",
            "sequence" => "列表",
            "map" => "键值对",
            "boolean" => "true 或 false",
            "number" | "integer" | "float" => "数字",
            _ => "其他类型",
        },
        "struct" => "键值对",
        "" => "其他类型",
        _ => "其他类型",
    };
    match value {
        Some(v) => format!("{cn} {v}"),
        None => cn.to_string(),
    }
}
