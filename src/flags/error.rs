//! clap's errors told in Chinese (clap's own messages are English).

use std::process::ExitCode;

/// A command-line error told in Chinese (clap's own messages are English): what is wrong
/// with which argument, clap's suggestion, and the usage line. Help and version are
/// printed as asked (exit 0); every error exits 2, as bad input does.
pub fn command_line_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind as C, ErrorKind as K};
    match e.kind() {
        K::DisplayHelp | K::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        K::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let get = |k: C| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let arg = get(C::InvalidArg);
    let value = get(C::InvalidValue);
    let valid = get(C::ValidValue);
    let msg = match e.kind() {
        K::InvalidValue if value.is_empty() => format!("参数 {arg} 缺少值"),
        K::InvalidValue | K::ValueValidation => {
            let source = std::error::Error::source(e);
            let why = if source.is_some_and(|s| s.is::<std::num::ParseIntError>()) {
                "（应为整数）"
            } else if source.is_some_and(|s| s.is::<std::num::ParseFloatError>()) {
                "（应为数字）"
            } else {
                ""
            };
            format!("参数 {arg} 的值“{value}”无效{why}")
        }
        K::UnknownArgument => format!("无法识别的参数“{arg}”"),
        K::InvalidSubcommand => format!("没有“{}”这个命令", get(C::InvalidSubcommand)),
        K::NoEquals => format!("参数 {arg} 须用“=”给值"),
        K::TooManyValues => format!("参数 {arg} 的值过多（多出“{value}”）"),
        K::TooFewValues | K::WrongNumberOfValues => format!("参数 {arg} 的值个数不对"),
        K::ArgumentConflict => format!("参数 {arg} 不能与 {} 同时使用", get(C::PriorArg)),
        K::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        K::MissingSubcommand => "缺少命令".to_string(),
        K::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    eprintln!("错误：{msg}");
    if !valid.is_empty() {
        eprintln!("  可用的值：{}", valid.replace(", ", "、"));
    }
    let suggested = [get(C::SuggestedSubcommand), get(C::SuggestedArg)]
        .into_iter()
        .find(|s| !s.is_empty());
    if let Some(s) = suggested {
        eprintln!("  提示：是否想用 {s}？");
    }
    let rendered = e.render().to_string();
    if let Some(usage) = rendered.lines().find_map(|l| l.strip_prefix("Usage: ")) {
        eprintln!("\n用法：{usage}");
    }
    eprintln!("更多信息请运行 diaoyan --help 或 diaoyan <命令> --help");
    ExitCode::from(2)
}
