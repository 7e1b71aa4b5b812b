//! Matching the units of two periods (同比): by a stable `id:` when every unit of both
//! periods has one, else by name; the units new this period and those gone since.

use serde::Serialize;

use super::Unit;

/// How the units of two periods were matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchBy {
    /// By `id:` (every unit of both periods carries one).
    Id,
    /// By name (some unit of either period has no `id:`).
    Name,
}

impl MatchBy {
    /// `"id"` or `"name"`, as templates see it (`previous.matched_by`).
    pub fn name(self) -> &'static str {
        match self {
            MatchBy::Id => "id",
            MatchBy::Name => "name",
        }
    }
}

/// The units of this period paired with those of the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    /// By id or by name.
    pub by: MatchBy,
    /// For each unit of this period (data order), the index of its unit in the previous
    /// period, or `None` for a unit new this period.
    pub pairs: Vec<Option<usize>>,
    /// Indices (in this period) of the units new this period, in data order.
    pub added: Vec<usize>,
    /// Indices (in the previous period) of the units gone since, in their data order.
    pub removed: Vec<usize>,
}

impl Matching {
    /// `true` when both periods hold the same units (nothing added, nothing removed).
    pub fn same_units(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Pair `current` units with `previous` ones: by `id:` when every unit of both lists has
/// one (a renamed community keeps its id), otherwise by name (ids are then ignored, so a
/// file that only starts carrying ids this year still matches last year's by name). Names
/// and ids are unique within a period (checked at load), so the pairing is one-to-one.
///
/// ```
/// use diaoyan::survey::{match_units, MatchBy, Unit};
/// let unit = |name: &str, id: Option<&str>| Unit {
///     name: name.into(), short: name.into(), id: id.map(str::to_string),
///     values: Default::default(), tags: Default::default(),
/// };
/// let m = match_units(&[unit("甲", None), unit("丙", None)], &[unit("甲", None), unit("乙", None)]);
/// assert_eq!((m.by, m.pairs.clone(), m.added.clone(), m.removed.clone()),
///            (MatchBy::Name, vec![Some(0), None], vec![1], vec![1]));
/// let m = match_units(&[unit("新甲", Some("a"))], &[unit("甲", Some("a"))]);
/// assert_eq!((m.by, m.same_units()), (MatchBy::Id, true));
/// ```
pub fn match_units(current: &[Unit], previous: &[Unit]) -> Matching {
    let all_ids = current.iter().chain(previous).all(|u| u.id.is_some());
    let by = if all_ids { MatchBy::Id } else { MatchBy::Name };
    let key = |u: &Unit| -> String {
        match (by, &u.id) {
            (MatchBy::Id, Some(id)) => id.clone(),
            _ => u.name.clone(),
        }
    };
    let index: std::collections::HashMap<String, usize> = previous
        .iter()
        .enumerate()
        .map(|(i, u)| (key(u), i))
        .collect();
    let pairs: Vec<Option<usize>> = current
        .iter()
        .map(|u| index.get(&key(u)).copied())
        .collect();
    let added = (0..current.len()).filter(|i| pairs[*i].is_none()).collect();
    let mut used = vec![false; previous.len()];
    for j in pairs.iter().flatten() {
        used[*j] = true;
    }
    let removed = (0..previous.len()).filter(|j| !used[*j]).collect();
    Matching {
        by,
        pairs,
        added,
        removed,
    }
}
