//! Counters and histograms under label sets that are only known at run
//! time (routes, services, IdPs). The map is an immutable snapshot swapped
//! with arc-swap: a request reads it without a lock; only the first sight
//! of a new label set copies it (rare: routes and partners are few).

use arc_swap::ArcSwap;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug)]
pub struct Labelled<T> {
    map: ArcSwap<BTreeMap<String, Arc<T>>>,
    /// Bound on distinct label sets, so a flood of odd values cannot grow
    /// the map without end; beyond it, observations go to `other`.
    max: usize,
    other: Arc<T>,
}

impl<T: Default> Labelled<T> {
    pub fn new(max: usize) -> Labelled<T> {
        Labelled {
            map: ArcSwap::from_pointee(BTreeMap::new()),
            max,
            other: Arc::new(T::default()),
        }
    }

    /// The value for `labels` (the Prometheus label text), created once.
    pub fn get(&self, labels: &str) -> Arc<T> {
        if let Some(v) = self.map.load().get(labels) {
            return v.clone();
        }
        let mut created = None;
        self.map.rcu(|current| {
            if current.contains_key(labels) || current.len() >= self.max {
                created = None;
                return current.clone();
            }
            let mut next = BTreeMap::clone(current);
            let v = Arc::new(T::default());
            next.insert(labels.to_owned(), v.clone());
            created = Some(v);
            Arc::new(next)
        });
        match created {
            Some(v) => v,
            None => self
                .map
                .load()
                .get(labels)
                .cloned()
                .unwrap_or_else(|| self.other.clone()),
        }
    }

    /// Every label set with its value, in label order.
    pub fn snapshot(&self) -> Arc<BTreeMap<String, Arc<T>>> {
        self.map.load_full()
    }
}

impl<T: Default> Default for Labelled<T> {
    fn default() -> Self {
        Labelled::new(4096)
    }
}

/// A label value escaped for the exposition format.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn label_sets_are_created_once_and_bounded() {
        let l: Labelled<AtomicU64> = Labelled::new(2);
        l.get("a").fetch_add(1, Ordering::Relaxed);
        l.get("a").fetch_add(1, Ordering::Relaxed);
        l.get("b").fetch_add(1, Ordering::Relaxed);
        l.get("c").fetch_add(1, Ordering::Relaxed);
        let snap = l.snapshot();
        assert_eq!(snap.len(), 2);
        assert_eq!(snap["a"].load(Ordering::Relaxed), 2);
        assert_eq!(escape("a\"b"), "a\\\"b");
    }
}
