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
    refuse_in(path, text, limit, max_nodes, "数据文件")
}

/// Refuse a pack's `template.yaml` (`text`, read from `path`) that nests deeper than
/// [`MAX_NESTING`] or holds more than `max_nodes` YAML values, as [`refuse_too_many`]
/// does for a data file (same streaming pass, one step per event), before serde_yaml
/// takes a time quadratic in the depth. Messages say 模板定义.
pub fn refuse_too_large_pack(path: &Path, text: &str, max_nodes: u64) -> Result<()> {
    refuse_in(path, text, u64::MAX, max_nodes, "模板定义")
}

/// The pass behind [`refuse_too_many`] and [`refuse_too_large_pack`]; `noun` names the
/// kind of file in messages.
fn refuse_in(path: &Path, text: &str, limit: u64, max_nodes: u64, noun: &str) -> Result<()> {
    let mut counter = Counter::default();
    let mut parser = Parser::new_from_str(text);
    let mut nodes: u64 = 0;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(x) => x,
            // The scanner's own nesting limit (flow collections nested past 255 levels):
            // refused here, before serde_yaml's loader takes a time quadratic in the depth.
            Err(e) if e.info().contains("recursion limit") => {
                return Err(too_deep(
                    path,
                    e.marker().line(),
                    e.marker().col() + 1,
                    noun,
                ))
            }
            Err(_) => return Ok(()),
        };
        // Every value counts; an alias counts every value of what it repeats, each time it
        // is used (serde_yaml expands it), so an alias bomb is refused at its first use
        // past the budget, after one step per alias.
        let weight = match &event {
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) => 1,
            Event::Alias(id) => counter.anchored.get(id).map_or(1, |a| a.nodes.max(1)),
            _ => 0,
        };
        nodes = nodes.saturating_add(weight);
        if nodes > max_nodes {
            return Err(Error::input(
                Diagnostic::new(
                    path,
                    format!(
                        "{noun}中的值过多：超过上限 {max_nodes} 个（别名 * 每用一次都按其内容计数；从此处起超出）。为免耗尽内存，解析前即拒绝；\
                         如确需处理，可设置环境变量 DIAOYAN_MAX_NODES 调高上限"
                    ),
                )
                .at(Some(mark.line()), Some(mark.col() + 1)),
            ));
        }
        // serde_yaml refuses nesting deeper than 128 anyway, but only after a walk that is
        // quadratic in the depth (200,000 `[` ran past two minutes): refuse it here first.
        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            && counter.stack.len() >= MAX_NESTING
        {
            return Err(too_deep(path, mark.line(), mark.col() + 1, noun));
        }
        match event {
            Event::StreamEnd | Event::DocumentEnd => return Ok(()),
            Event::Scalar(s, _, anchor, _) => {
                counter.start(Some(&s));
                if anchor != 0 {
                    counter.anchored.insert(anchor, Anchored::scalar());
                }
            }
            Event::Alias(id) => {
                let node = counter.start(None);
                let a = counter.anchored.get(&id).copied().unwrap_or_default();
                // An alias used as a unit list brings its items; used as `previous:`, the
                // units of the period it repeats.
                match node.path.as_deref() {
                    Some(p) if UNIT_LISTS.contains(&p) => counter.add_units(a.items),
                    Some("previous") => counter.add_units(a.units),
                    _ => {}
                }
                if let Some(Frame::Map {
                    units,
                    key_was_units: true,
                    ..
                }) = counter.stack.last_mut()
                {
                    *units = a.items;
                }
            }
            Event::SequenceStart(anchor, _) => {
                let node = counter.start(None);
                let units = node
                    .path
                    .as_deref()
                    .is_some_and(|p| UNIT_LISTS.contains(&p));
                let key_was_units = counter.value_of_units_key();
                counter.stack.push(Frame::Seq {
                    items: 0,
                    anchor,
                    units,
                    nodes_before: nodes - 1,
                    key_was_units,
                });
            }
            Event::MappingStart(anchor, _) => {
                let node = counter.start(None);
                // Only the top level and `previous` lead to a list of units.
                let path = node.path.filter(|p| p.is_empty() || p == "previous");
                counter.stack.push(Frame::Map {
                    path,
                    key: None,
                    anchor,
                    nodes_before: nodes - 1,
                    units: 0,
                    key_was_units: false,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    anchor,
                    nodes_before,
                    key_was_units,
                    ..
                }) = counter.stack.pop()
                {
                    if anchor != 0 {
                        counter.anchored.insert(
                            anchor,
                            Anchored {
                                nodes: nodes - nodes_before,
                                items,
                                units: 0,
                            },
                        );
                    }
                    if key_was_units {
                        if let Some(Frame::Map { units, .. }) = counter.stack.last_mut() {
                            *units = items;
                        }
                    }
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    anchor,
                    nodes_before,
                    units,
                    ..
                }) = counter.stack.pop()
                {
                    if anchor != 0 {
                        counter.anchored.insert(
                            anchor,
                            Anchored {
                                nodes: nodes - nodes_before,
                                items: 0,
                                units,
                            },
                        );
                    }
                }
            }
            _ => {}
        }
        if counter.units > limit {
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
                        "单位过多：超过上限 {limit} 个（本期与内联上一期合计，别名 * 每用一次都计入；从此处起超出）。为免耗尽内存，解析前即拒绝；\
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
fn too_deep(path: &Path, line: usize, col: usize, noun: &str) -> Error {
    Error::input(
        Diagnostic::new(
            path,
            format!(
                "{noun}嵌套层数过深：列表或映射嵌套超过 {MAX_NESTING} 层（从此处起超出），拒绝解析"
            ),
        )
        .at(Some(line), Some(col)),
    )
}

/// An open collection.
enum Frame {
    /// A mapping; `path` is known only where a unit list may lie below. `key` is `None`
    /// while a key is expected, else the pending key (`Some(None)` when not tracked).
    /// `units` is the item count of its `units:` value (what it brings as `previous:`);
    /// `key_was_units` whether the value being read is that of a `units` key.
    Map {
        path: Option<String>,
        key: Option<Option<String>>,
        anchor: usize,
        nodes_before: u64,
        units: u64,
        key_was_units: bool,
    },
    /// A sequence with the number of items so far; `units` if its items are units;
    /// `key_was_units` if it is the value of a `units` key of the mapping around it.
    Seq {
        items: u64,
        anchor: usize,
        units: bool,
        nodes_before: u64,
        key_was_units: bool,
    },
}

/// What an anchored node repeats wherever an alias uses it.
#[derive(Clone, Copy, Default)]
struct Anchored {
    /// Values in it (itself included).
    nodes: u64,
    /// Items, if it is a sequence.
    items: u64,
    /// The items of its `units:` value, if it is a mapping.
    units: u64,
}

impl Anchored {
    fn scalar() -> Self {
        Anchored {
            nodes: 1,
            ..Default::default()
        }
    }
}

#[derive(Default)]
struct Counter {
    stack: Vec<Frame>,
    /// What each anchor holds (for aliases).
    anchored: HashMap<usize, Anchored>,
    /// Units so far: the data file's and an inline previous period's, aliases expanded.
    units: u64,
}

/// A node that starts: its path where tracked.
struct Node {
    path: Option<String>,
}

impl Counter {
    fn add_units(&mut self, n: u64) {
        self.units = self.units.saturating_add(n);
    }

    /// Whether the node about to be pushed is the value of a `units` key (read just
    /// after [`Counter::start`] took the key).
    fn value_of_units_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame::Map {
                key_was_units: true,
                ..
            })
        )
    }

    /// A node starts (a key when its mapping expects one; `scalar` is its text if any).
    fn start(&mut self, scalar: Option<&str>) -> Node {
        match self.stack.last_mut() {
            None => Node {
                path: Some(String::new()),
            },
            Some(Frame::Seq { items, units, .. }) => {
                *items += 1;
                if *units {
                    self.units = self.units.saturating_add(1);
                }
                Node { path: None }
            }
            Some(Frame::Map {
                path,
                key,
                key_was_units,
                ..
            }) => match key.take() {
                Some(k) => Node {
                    path: path.as_deref().zip(k).map(|(p, k)| {
                        if p.is_empty() {
                            k
                        } else {
                            format!("{p}.{k}")
                        }
                    }),
                },
                None => {
                    *key_was_units = scalar == Some("units");
                    *key = Some(path.as_ref().and(scalar).map(str::to_string));
                    Node { path: None }
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
        // The limit is for both together.
        let prev = "units: [a]\nprevious:\n  period: '2018'\n  units: [a, b]\n";
        assert_eq!(refused(prev, 3), None);
        assert_eq!(refused(prev, 2), Some((4, 14)));
        assert_eq!(refused(prev, 1), Some((4, 11)));
    }

    #[test]
    fn an_aliased_unit_list_counts_its_items() {
        let text = "x: &u [a, b, c]\nunits: *u\n";
        assert_eq!(refused(text, 3), None);
        assert_eq!(refused(text, 2), Some((2, 8)));
    }

    /// Issue 15: `units: &all [...]` then `previous: {units: *all}` is twice the units.
    #[test]
    fn an_alias_counts_each_time_it_is_used() {
        let text = "units: &all [a, b, c]\nprevious: {period: '2018', units: *all}\n";
        assert_eq!(refused(text, 6), None);
        assert_eq!(refused(text, 5), Some((2, 35)));
        // `previous: *p`, p a period held elsewhere: its units count.
        let text = "x: &p {period: '2018', units: [a, b]}\nunits: [a, b]\nprevious: *p\n";
        assert_eq!(refused(text, 4), None);
        assert_eq!(refused(text, 3), Some((3, 11)));
    }

    /// A billion laughs is refused by the value budget after a few steps, not expanded.
    #[test]
    fn an_alias_bomb_is_refused_fast() {
        let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_string();
        for i in 1..40 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        let t = std::time::Instant::now();
        let Err(Error::Input(d)) = refuse_too_many(Path::new("d.yaml"), &text, 5, 1_000_000) else {
            panic!("refused")
        };
        assert!(
            d[0].message.contains("DIAOYAN_MAX_NODES"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].line, Some(6));
        assert!(t.elapsed().as_millis() < 500);
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
