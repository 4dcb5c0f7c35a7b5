//! The difference between two versions of a set: keys and parties added and removed.

use super::set::{SanctionsSet, SetParty};
use std::collections::BTreeSet;
use zktr_circuits::field::ScreeningKey;

/// Keys and parties added and removed from `old` to `new`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetDiff {
    /// Keys in the new set only, with the new set's parties of each.
    pub keys_added: Vec<(ScreeningKey, Vec<String>)>,
    /// Keys in the old set only, with the old set's parties of each.
    pub keys_removed: Vec<(ScreeningKey, Vec<String>)>,
    /// Parties in the new set only.
    pub parties_added: Vec<SetParty>,
    /// Parties in the old set only.
    pub parties_removed: Vec<SetParty>,
}

impl SetDiff {
    /// Whether the sets hold the same keys and parties.
    pub fn is_empty(&self) -> bool {
        self.keys_added.is_empty()
            && self.keys_removed.is_empty()
            && self.parties_added.is_empty()
            && self.parties_removed.is_empty()
    }
}

/// Compares two sets (both key lists are sorted, so this is one merge pass).
pub fn diff(old: &SanctionsSet, new: &SanctionsSet) -> SetDiff {
    let ids = |s: &SanctionsSet, k: &ScreeningKey| {
        s.parties_of(k)
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    };
    let (a, b) = (old.keys(), new.keys());
    let (mut i, mut j) = (0, 0);
    let mut d = SetDiff::default();
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                d.keys_removed.push((*x, ids(old, x)));
                i += 1;
            }
            (Some(x), None) => {
                d.keys_removed.push((*x, ids(old, x)));
                i += 1;
            }
            (_, Some(y)) => {
                d.keys_added.push((*y, ids(new, y)));
                j += 1;
            }
            (None, None) => break,
        }
    }
    let old_ids: BTreeSet<&str> = old.parties().iter().map(|p| p.id.as_str()).collect();
    let new_ids: BTreeSet<&str> = new.parties().iter().map(|p| p.id.as_str()).collect();
    d.parties_added = new
        .parties()
        .iter()
        .filter(|p| !old_ids.contains(p.id.as_str()))
        .cloned()
        .collect();
    d.parties_removed = old
        .parties()
        .iter()
        .filter(|p| !new_ids.contains(p.id.as_str()))
        .cloned()
        .collect();
    d
}
