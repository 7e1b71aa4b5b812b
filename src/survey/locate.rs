//! Line numbers for values in a block-style YAML data file.
//!
//! serde_yaml forgets positions once a document is parsed, so this finds them again in the
//! source text: the `- ` item that starts each unit, and within a unit's lines the keys of a
//! dotted path in order (block or flow style).

pub struct Locator<'a> {
    lines: Vec<&'a str>,
    /// 0-based line index of each item under the top-level `units:` key.
    unit_starts: Vec<usize>,
    units_end: usize,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let mut unit_starts = Vec::new();
        let mut units_end = lines.len();
        if let Some(start) = lines.iter().position(|l| l.starts_with("units:")) {
            let mut item_indent: Option<usize> = None;
            for (i, l) in lines.iter().enumerate().skip(start + 1) {
                let trimmed = l.trim_start();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                let indent = l.len() - trimmed.len();
                if indent == 0 && !trimmed.starts_with('-') {
                    units_end = i;
                    break;
                }
                if trimmed.starts_with("- ") || trimmed == "-" {
                    let ind = *item_indent.get_or_insert(indent);
                    if indent == ind {
                        unit_starts.push(i);
                    }
                }
            }
        }
        Locator {
            lines,
            unit_starts,
            units_end,
        }
    }

    /// 1-based line of the first top-level or nested `key:`.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| find_key(l, key).is_some())
            .map(|i| i + 1)
    }

    /// 1-based line where unit `i` starts.
    pub fn unit_line(&self, i: usize) -> Option<usize> {
        self.unit_starts.get(i).map(|l| l + 1)
    }

    /// 1-based line of a dotted field inside unit `i`.
    pub fn field_line(&self, i: usize, dotted: &str) -> Option<usize> {
        let start = *self.unit_starts.get(i)?;
        let end = self
            .unit_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.units_end);
        let mut line = start;
        let mut col = 0;
        for seg in dotted.split('.') {
            let (l, c) = (line..end).find_map(|l| {
                let from = if l == line { col } else { 0 };
                let text = self.lines[l].get(from..)?;
                find_key(text, seg).map(|c| (l, from + c + seg.len()))
            })?;
            line = l;
            col = c;
        }
        Some(line + 1)
    }
}

/// Byte offset of `key:` in a line where it stands as a mapping key.
fn find_key(line: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = line[from..].find(key) {
        let at = from + pos;
        let before = line[..at].chars().next_back();
        let after = &line[at + key.len()..];
        let key_start = matches!(before, None | Some(' ' | '{' | ',' | '-' | '"' | '\''));
        let after = after.trim_start_matches(['"', '\'']);
        if key_start && after.starts_with(':') {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_block_and_flow_fields() {
        let text = "template: x\nunits:\n  - name: 甲\n    staff:\n      total: 9\n      gender: {male: 3, female: 5}\n  - name: 乙\n    households: 1\nfindings: []\n";
        let loc = Locator::new(text);
        assert_eq!(loc.unit_line(0), Some(3));
        assert_eq!(loc.unit_line(1), Some(7));
        assert_eq!(loc.field_line(0, "staff.total"), Some(5));
        assert_eq!(loc.field_line(0, "staff.gender.female"), Some(6));
        assert_eq!(loc.field_line(1, "households"), Some(8));
        assert_eq!(loc.field_line(1, "staff.total"), None);
        assert_eq!(loc.key_line("findings"), Some(9));
    }
}
