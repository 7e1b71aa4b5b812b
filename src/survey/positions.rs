//! Where every value of a YAML document starts, by path (`units.3.staff.total`).
//!
//! serde_yaml forgets positions once a document is deserialised, so the same text is read
//! a second time with yaml-rust2's event parser, which marks every node.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// 1-based line and column.
pub type Pos = (usize, usize);

/// Value positions by dotted path; sequence items are numbered from 0.
#[derive(Debug, Default)]
pub struct Positions {
    values: HashMap<String, Pos>,
}

impl Positions {
    /// Read the positions of `text`; a document yaml-rust2 cannot read yields none.
    pub fn of(text: &str) -> Positions {
        let mut rec = Recorder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut rec, false).is_err() {
            return Positions::default();
        }
        Positions { values: rec.values }
    }

    /// Whether no position is known (a document yaml-rust2 could not read, or none read).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Position of the value at `path`, or of its nearest recorded ancestor.
    pub fn find(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.values.get(p) {
                return Some(*pos);
            }
            p = &p[..p.rfind('.')?];
        }
    }

    /// The path of the last value that starts at or before `(line, column)`: the value a
    /// character at that place belongs to (a scalar, or the collection around it).
    pub fn path_at(&self, at: Pos) -> Option<&str> {
        self.values
            .iter()
            .filter(|(_, p)| **p <= at)
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.len().cmp(&b.0.len())))
            .map(|(k, _)| k.as_str())
    }

    /// Line of the value at `path` (or its nearest ancestor).
    pub fn line(&self, path: &str) -> Option<usize> {
        self.find(path).map(|p| p.0)
    }
}

/// A key written twice in one mapping: the mapping's dotted path (empty at the top
/// level), the key, and where each of the two is written (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateKey {
    pub path: String,
    pub key: String,
    pub first: Pos,
    pub second: Pos,
}

/// The first key written twice in one mapping of `text` (serde_yaml refuses such a file
/// but names neither the key's lines nor, for a string key, the key itself).
///
/// Keys are compared as written (scalars only; a complex key is never a duplicate here).
/// `None` if there is none, or if yaml-rust2 cannot read the text.
pub fn first_duplicate_key(text: &str) -> Option<DuplicateKey> {
    struct Map {
        path: String,
        keys: HashMap<String, Pos>,
        /// The pending key once a key is read; `None` while a key is expected.
        key: Option<String>,
    }
    enum F {
        Map(Map),
        Seq(String, usize),
    }
    let mut stack: Vec<F> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (ev, mark) = parser.next_token().ok()?;
        let pos = (mark.line(), mark.col() + 1);
        // Only a plain or quoted scalar key can be compared (an alias key is not).
        let scalar = match &ev {
            Event::Scalar(s, ..) => Some(s.clone()),
            _ => None,
        };
        let starts = matches!(
            ev,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
        );
        // The path of a node that starts now (`None` for a mapping key).
        let mut node = None;
        if starts {
            node = match stack.last_mut() {
                None => Some(String::new()),
                Some(F::Seq(path, next)) => {
                    *next += 1;
                    Some(join(path, &(*next - 1).to_string()))
                }
                Some(F::Map(m)) => match m.key.take() {
                    Some(k) => Some(join(&m.path, &k)),
                    None => {
                        let k = scalar.clone().unwrap_or_else(|| "?".into());
                        if scalar.is_some() {
                            if let Some(first) = m.keys.get(&k) {
                                return Some(DuplicateKey {
                                    path: m.path.clone(),
                                    key: k,
                                    first: *first,
                                    second: pos,
                                });
                            }
                            m.keys.insert(k.clone(), pos);
                        }
                        m.key = Some(k);
                        None
                    }
                },
            };
        }
        match ev {
            Event::MappingStart(..) => stack.push(F::Map(Map {
                path: node.unwrap_or_else(|| "?".into()),
                keys: HashMap::new(),
                key: None,
            })),
            Event::SequenceStart(..) => stack.push(F::Seq(node.unwrap_or_else(|| "?".into()), 0)),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::StreamEnd => return None,
            _ => {}
        }
    }
}

enum Frame {
    /// A mapping: the pending key, if the next node is a value.
    Map {
        path: String,
        key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    values: HashMap<String, Pos>,
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

impl Recorder {
    /// The path of the node that starts now, or `None` if it is a mapping key.
    fn node_path(&mut self, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = join(path, &next.to_string());
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => Some(join(path, &k)),
                None => {
                    // This node is a key; remember it (complex keys become "?"), cleaned as
                    // the loader cleans keys, so paths match.
                    *key = Some(
                        super::text::clean(scalar.unwrap_or("?"), super::text::Use::Line)
                            .into_owned(),
                    );
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(s, ..) => {
                if let Some(p) = self.node_path(Some(&s)) {
                    self.values.insert(p, pos);
                }
            }
            Event::Alias(_) => {
                if let Some(p) = self.node_path(Some("*")) {
                    self.values.insert(p, pos);
                }
            }
            Event::MappingStart(..) => {
                let path = self.node_path(None).unwrap_or_else(|| "?".into());
                self.values.insert(path.clone(), pos);
                self.stack.push(Frame::Map { path, key: None });
            }
            Event::SequenceStart(..) => {
                let path = self.node_path(None).unwrap_or_else(|| "?".into());
                self.values.insert(path.clone(), pos);
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_flow_values_have_positions() {
        let text = "template: x\nunits:\n  - name: 甲\n    staff:\n      total: 9\n      gender: {male: 3, female: 5}\n  - name: 乙\n    households: 1\nfindings: []\n";
        let p = Positions::of(text);
        assert_eq!(p.find("template"), Some((1, 11)));
        assert_eq!(p.line("units.0.staff.total"), Some(5));
        assert_eq!(p.find("units.0.staff.gender.female"), Some((6, 33)));
        assert_eq!(p.line("units.1.households"), Some(8));
        // A missing field falls back to its unit.
        assert_eq!(p.line("units.1.staff.total"), Some(7));
        assert_eq!(p.line("findings"), Some(9));
        assert_eq!(p.path_at((5, 14)), Some("units.0.staff.total"));
        assert_eq!(p.path_at((6, 34)), Some("units.0.staff.gender.female"));
    }

    #[test]
    fn a_key_written_twice_is_found_with_both_places() {
        let text =
            "template: x\nreport:\n  title: a\n  region: b\n  title: c\nunits: []\ntemplate: y\n";
        assert_eq!(
            first_duplicate_key(text),
            Some(DuplicateKey {
                path: "report".into(),
                key: "title".into(),
                first: (3, 3),
                second: (5, 3),
            })
        );
        let top = "template: x\nunits: [{a: 1, b: {c: 1}}, {a: 2}]\ntemplate: y\n";
        let d = first_duplicate_key(top).unwrap();
        assert_eq!(
            (d.path.as_str(), d.key.as_str(), d.first, d.second),
            ("", "template", (1, 1), (3, 1))
        );
        assert_eq!(
            first_duplicate_key("a: 1\nb: {a: 1}\nc: [{a: 1}, {a: 2}]\n"),
            None
        );
    }
}
