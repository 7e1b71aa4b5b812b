//! Unknown keys and their “是否应为 …？” suggestions (Levenshtein distance by `strsim`).

use super::*;

/// Every field path and every prefix of one (for typo hints).
pub(super) fn known_paths(schema: &Schema) -> Vec<String> {
    let mut known: Vec<String> = schema.fields.keys().cloned().collect();
    for f in schema.fields.keys() {
        let mut prefix = String::new();
        for seg in f.split('.') {
            if !prefix.is_empty() {
                known.push(prefix.clone());
                prefix.push('.');
            }
            prefix.push_str(seg);
        }
    }
    known.sort();
    known.dedup();
    known
}

pub(super) fn lookup<'a>(v: &'a Yaml, dotted: &str) -> Option<&'a Yaml> {
    dotted.split('.').try_fold(v, |v, key| v.get(key))
}

/// Report every leaf key under a unit that the schema does not know.
pub(super) fn unknown_keys(v: &Yaml, prefix: &str, schema: &Schema, report: &mut dyn FnMut(&str)) {
    let Yaml::Mapping(m) = v else { return };
    for (k, child) in m {
        let key = match k {
            Yaml::String(s) => s.clone(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if prefix.is_empty()
            && (key == "name" || key == "short" || key == "id" || schema.tags.contains_key(&key))
        {
            continue;
        }
        if schema.fields.contains_key(&full) {
            continue;
        }
        let is_branch = schema
            .fields
            .keys()
            .any(|f| f.starts_with(&format!("{full}.")));
        if is_branch && matches!(child, Yaml::Mapping(_)) {
            unknown_keys(child, &full, schema, report);
        } else {
            report(&full);
        }
    }
}

/// The known name closest to a typo (Levenshtein distance over characters ≤ 2, by
/// `strsim`; the first of equally close names), if any.
pub(super) fn nearest<'a>(typo: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::levenshtein(typo, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
