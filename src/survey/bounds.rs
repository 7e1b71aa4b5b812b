//! The unit limit, checked before a data file is parsed into a tree.
//!
//! Building serde_yaml's tree for a million units takes gigabytes before any check could
//! run, so the units are first counted with yaml-rust2's event parser: one pass over the
//! text holding only the stack of open collections (and the item count of each anchored
//! sequence, for `units: *alias`), stopping at the first unit over the limit.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, Parser};

use crate::error::{Diagnostic, Error, Result};

/// The lists whose items are units: the data file's own, and an inline previous period's.
const UNIT_LISTS: [&str; 2] = ["units", "previous.units"];

/// Refuse `text` (the data file `path`) if `units` or `previous.units` holds more than
/// `limit` items: [`Error::Input`] at the line and column of the first unit over the limit,
/// naming `DIAOYAN_MAX_UNITS`. Text the event parser cannot read is let through (the
/// loader reports its syntax error with a better message).
#[cfg(test)]
pub fn refuse_too_many_units(path: &Path, text: &str, limit: u64) -> Result<()> {
    refuse_too_many(path, text, limit, u64::MAX)
}

/// Refuse `text` (the data file `path`) if `units` or `previous.units` holds more than
/// `limit` items — [`Error::Input`] at the first unit over the limit, naming
/// `DIAOYAN_MAX_UNITS` — and also refuse `text` if it holds more than `max_nodes`
/// YAML values (every scalar, alias, list and mapping, keys included), naming
/// `DIAOYAN_MAX_NODES`: serde_yaml keeps every event of a document in memory before it
/// builds the tree.
pub fn refuse_too_many(path: &Path, text: &str, limit: u64, max_nodes: u64) -> Result<()> {
    let mut counter = Counter::default();
    let mut parser = Parser::new_from_str(text);
    let mut nodes: u64 = 0;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(x) => x,
            // The scanner's own nesting limit (flow collections nested past 255 levels):
            // refused here, before serde_yaml's loader takes a time quadratic in the depth.
            Err(e) if e.info().contains("recursion limit") => {
                return Err(too_deep(path, e.marker().line(), e.marker().col() + 1))
            }
            Err(_) => return Ok(()),
        };
        if matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        ) {
            nodes += 1;
            if nodes > max_nodes {
                return Err(Error::input(
                    Diagnostic::new(
                        path,
                        format!(
                            "数据文件中的值过多：超过上限 {max_nodes} 个（从此处起超出）。为免耗尽内存，解析前即拒绝；\
                             如确需处理，可设置环境变量 DIAOYAN_MAX_NODES 调高上限"
                        ),
                    )
                    .at(Some(mark.line()), Some(mark.col() + 1)),
                ));
            }
        }
        // serde_yaml refuses nesting deeper than 128 anyway, but only after a walk that is
        // quadratic in the depth (200,000 `[` ran past two minutes): refuse it here first.
        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            && counter.stack.len() >= MAX_NESTING
        {
            return Err(too_deep(path, mark.line(), mark.col() + 1));
        }
        let over = match event {
            Event::StreamEnd | Event::DocumentEnd => return Ok(()),
            Event::Scalar(s, ..) => counter.start(Some(&s), limit).over,
            Event::Alias(id) => {
                let node = counter.start(None, limit);
                let aliased = counter.anchored.get(&id).copied().unwrap_or(0);
                node.over
                    || (node.path.is_some_and(|p| UNIT_LISTS.contains(&p.as_str()))
                        && aliased > limit)
            }
            Event::SequenceStart(anchor, _) => {
                let node = counter.start(None, limit);
                let units = node
                    .path
                    .as_deref()
                    .is_some_and(|p| UNIT_LISTS.contains(&p));
                counter.stack.push(Frame::Seq {
                    items: 0,
                    anchor,
                    units,
                });
                node.over
            }
            Event::MappingStart(..) => {
                let node = counter.start(None, limit);
                // Only the top level and `previous` lead to a list of units.
                let path = node.path.filter(|p| p.is_empty() || p == "previous");
                counter.stack.push(Frame::Map { path, key: None });
                node.over
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { items, anchor, .. }) = counter.stack.pop() {
                    if anchor != 0 {
                        counter.anchored.insert(anchor, items);
                    }
                }
                false
            }
            Event::MappingEnd => {
                counter.stack.pop();
                false
            }
            _ => false,
        };
        if over {
            // A unit written as a block item (`  - name: …`): point at its dash (the
            // parser marks a block mapping at its first value).
            let line = mark.line();
            let col = text
                .lines()
                .nth(line.saturating_sub(1))
                .and_then(|l| {
                    let t = l.trim_start_matches(' ');
                    (t.starts_with("- ") || t == "-").then(|| l.len() - t.len() + 1)
                })
                .unwrap_or(mark.col() + 1);
            return Err(Error::input(
                Diagnostic::new(
                    path,
                    format!(
                        "单位过多：超过上限 {limit} 个（从此处起超出）。为免耗尽内存，解析前即拒绝；\
                         如确需处理，可设置环境变量 DIAOYAN_MAX_UNITS 调高上限"
                    ),
                )
                .at(Some(line), Some(col)),
            ));
        }
    }
}

/// The deepest nesting of lists and mappings a data file may have: serde_yaml's own
/// recursion limit (a survey needs about six levels).
pub const MAX_NESTING: usize = 128;

/// The refusal of nesting deeper than [`MAX_NESTING`], at `line`:`col` (1-based).
fn too_deep(path: &Path, line: usize, col: usize) -> Error {
    Error::input(
        Diagnostic::new(
            path,
            format!(
                "数据文件嵌套层数过深：列表或映射嵌套超过 {MAX_NESTING} 层（从此处起超出），拒绝解析"
            ),
        )
        .at(Some(line), Some(col)),
    )
}

/// An open collection.
enum Frame {
    /// A mapping; `path` is known only where a unit list may lie below. `key` is `None`
    /// while a key is expected, else the pending key (`Some(None)` when not tracked).
    Map {
        path: Option<String>,
        key: Option<Option<String>>,
    },
    /// A sequence with the number of items so far; `units` if its items are units.
    Seq {
        items: u64,
        anchor: usize,
        units: bool,
    },
}

#[derive(Default)]
struct Counter {
    stack: Vec<Frame>,
    /// Item counts of anchored sequences (for an alias used as the unit list).
    anchored: HashMap<usize, u64>,
}

/// A node that starts: its path where tracked, and whether it is a unit over the limit.
struct Node {
    path: Option<String>,
    over: bool,
}

impl Counter {
    /// A node starts (a key when its mapping expects one; `scalar` is its text if any).
    fn start(&mut self, scalar: Option<&str>, limit: u64) -> Node {
        match self.stack.last_mut() {
            None => Node {
                path: Some(String::new()),
                over: false,
            },
            Some(Frame::Seq { items, units, .. }) => {
                *items += 1;
                Node {
                    path: None,
                    over: *units && *items > limit,
                }
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => Node {
                    path: path.as_deref().zip(k).map(|(p, k)| {
                        if p.is_empty() {
                            k
                        } else {
                            format!("{p}.{k}")
                        }
                    }),
                    over: false,
                },
                None => {
                    *key = Some(path.as_ref().and(scalar).map(str::to_string));
                    Node {
                        path: None,
                        over: false,
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str, limit: u64) -> Option<(usize, usize)> {
        match refuse_too_many_units(Path::new("d.yaml"), text, limit) {
            Ok(()) => None,
            Err(Error::Input(d)) => Some((d[0].line.unwrap(), d[0].column.unwrap())),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn units_over_the_limit_are_refused_at_the_first_one_over() {
        let text =
            "template: t\nreport: {title: x}\nunits:\n  - name: a\n  - name: b\n  - {name: c}\n";
        assert_eq!(refused(text, 3), None);
        assert_eq!(refused(text, 2), Some((6, 3)));
        // Lists elsewhere do not count; an inline previous period's units do.
        let other = "tables:\n  t: [1, 2, 3, 4]\nfacts: {units: [1, 2, 3]}\nunits: [a]\n";
        assert_eq!(refused(other, 1), None);
        let prev = "units: [a]\nprevious:\n  period: '2018'\n  units: [a, b]\n";
        assert_eq!(refused(prev, 1), Some((4, 14)));
    }

    #[test]
    fn an_aliased_unit_list_counts_its_items() {
        let text = "x: &u [a, b, c]\nunits: *u\n";
        assert_eq!(refused(text, 3), None);
        assert_eq!(refused(text, 2), Some((2, 8)));
    }

    #[test]
    fn too_many_values_anywhere_are_refused() {
        let text = "units: [a]\nfacts:\n  a: 1\n  b: 2\n";
        // Root map, units, its list, a, facts, its map, a, 1, b, 2: ten values.
        assert!(refuse_too_many(Path::new("d.yaml"), text, 5, 10).is_ok());
        let Err(Error::Input(d)) = refuse_too_many(Path::new("d.yaml"), text, 5, 9) else {
            panic!("refused")
        };
        assert_eq!((d[0].line, d[0].column), (Some(4), Some(6)));
        assert!(
            d[0].message.contains("DIAOYAN_MAX_NODES"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn complex_keys_and_broken_yaml_do_not_confuse_the_count() {
        let text = "? [units]\n: [a, b, c]\nunits: [a]\n";
        assert_eq!(refused(text, 1), None);
        assert_eq!(refused("units: [a, b\n", 5), None);
        assert_eq!(refused("units: - : - ]\n", 1), None);
    }
}
