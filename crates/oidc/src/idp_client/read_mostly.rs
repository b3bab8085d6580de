//! A map read on every login and written only when something changes: the
//! IdPs' key sets and their endpoints' parsed URLs.
//!
//! Every login reads both (the ID token's keys, the token and userinfo
//! endpoints); they change when an IdP rotates its keys or an operator edits
//! its configuration. So readers load an immutable map through `ArcSwap`
//! (no lock on the login path: two atomic operations and a hash look-up),
//! and a writer publishes a copy with its change (copy on write, `rcu`). A
//! bound keeps the map from growing with every edit an operator ever made:
//! an insertion that finds it full starts it again from empty, and the
//! entries still in use come back at their next miss. The keys are the
//! operator's (IdP ids, endpoint URLs), never a client's, so the map hashes
//! with foldhash's seeded hash rather than SipHash.

use arc_swap::ArcSwap;
use foldhash::quality::RandomState;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) struct ReadMostly<V> {
    map: ArcSwap<HashMap<Box<str>, V, RandomState>>,
    max_entries: usize,
}

impl<V: Clone> ReadMostly<V> {
    pub(crate) fn new(max_entries: usize) -> ReadMostly<V> {
        ReadMostly {
            map: ArcSwap::from_pointee(HashMap::default()),
            max_entries,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<V> {
        self.map.load().get(key).cloned()
    }

    pub(crate) fn insert(&self, key: &str, value: V) {
        self.map.rcu(|current| {
            let mut next = if current.len() >= self.max_entries && !current.contains_key(key) {
                HashMap::default()
            } else {
                HashMap::clone(current)
            };
            next.insert(key.into(), value.clone());
            Arc::new(next)
        });
    }

    pub(crate) fn remove(&self, key: &str) {
        if !self.map.load().contains_key(key) {
            return;
        }
        self.map.rcu(|current| {
            let mut next = HashMap::clone(current);
            next.remove(key);
            Arc::new(next)
        });
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.load().len()
    }
}

#[cfg(test)]
mod tests {
    use super::ReadMostly;
    use std::sync::Arc;

    #[test]
    fn reads_what_was_inserted_until_it_is_replaced_or_removed() {
        let m = ReadMostly::new(8);
        assert_eq!(m.get("a"), None);
        m.insert("a", 1);
        m.insert("b", 2);
        assert_eq!((m.get("a"), m.get("b")), (Some(1), Some(2)));
        m.insert("a", 3);
        assert_eq!(m.get("a"), Some(3));
        m.remove("a");
        m.remove("absent");
        assert_eq!((m.get("a"), m.get("b")), (None, Some(2)));
    }

    #[test]
    fn a_full_map_starts_again_instead_of_growing() {
        let m = ReadMostly::new(3);
        for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
            m.insert(k, i);
        }
        // Replacing an entry of a full map keeps the others.
        m.insert("b", 9);
        assert_eq!((m.len(), m.get("a"), m.get("b")), (3, Some(0), Some(9)));
        m.insert("d", 3);
        assert_eq!((m.len(), m.get("a"), m.get("d")), (1, None, Some(3)));
    }

    #[test]
    fn concurrent_writers_lose_no_insertion() {
        let m = Arc::new(ReadMostly::new(1000));
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        m.insert(&format!("{t}-{i}"), i);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(m.len(), 200);
        assert_eq!(m.get("3-49"), Some(49));
    }
}
