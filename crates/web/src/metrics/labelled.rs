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

/// A label value escaped for the exposition format (backslash, double
/// quote and line feed), as [`LabelText::push_value`] writes it.
pub fn escape(v: &str) -> String {
    let mut t = LabelText::new();
    t.push_value(v);
    t.as_str().to_owned()
}

/// A label set's text, written on the stack: every request and every store
/// operation looks its histogram up by that text, which cost a heap string
/// each (and three more to escape a request's route). Text longer than the
/// buffer goes to the heap.
pub struct LabelText {
    buf: [u8; 192],
    len: usize,
    spilled: Option<String>,
}

impl LabelText {
    pub fn new() -> LabelText {
        LabelText {
            buf: [0; 192],
            len: 0,
            spilled: None,
        }
    }

    /// `name="value",…` for these pairs, each value escaped.
    pub fn of(pairs: &[(&str, &str)]) -> LabelText {
        let mut t = LabelText::new();
        for (i, (name, value)) in pairs.iter().enumerate() {
            if i > 0 {
                t.push(",");
            }
            t.push(name);
            t.push("=\"");
            t.push_value(value);
            t.push("\"");
        }
        t
    }

    /// Appends a label value, escaped as [`escape`] does.
    pub fn push_value(&mut self, v: &str) {
        let mut rest = v;
        // A byte scan: the three are ASCII, so never inside a multi-byte
        // character, and `str::find` with a set of chars decodes each one.
        while let Some(i) = rest.bytes().position(|b| matches!(b, b'\\' | b'"' | b'\n')) {
            self.push(&rest[..i]);
            self.push(match rest.as_bytes().get(i) {
                Some(b'\\') => "\\\\",
                Some(b'"') => "\\\"",
                _ => "\\n",
            });
            rest = &rest[i + 1..];
        }
        self.push(rest);
    }

    pub fn push(&mut self, s: &str) {
        if let Some(heap) = &mut self.spilled {
            heap.push_str(s);
            return;
        }
        match self.buf.get_mut(self.len..self.len + s.len()) {
            Some(room) => {
                room.copy_from_slice(s.as_bytes());
                self.len += s.len();
            }
            None => {
                let mut heap = String::with_capacity(self.len + s.len());
                heap.push_str(self.as_str());
                heap.push_str(s);
                self.spilled = Some(heap);
            }
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.spilled {
            Some(heap) => heap,
            // Only whole `&str`s are copied in, so the bytes are UTF-8.
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default(),
        }
    }
}

impl Default for LabelText {
    fn default() -> Self {
        LabelText::new()
    }
}

impl std::fmt::Write for LabelText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push(s);
        Ok(())
    }
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

    #[test]
    fn label_text_is_the_escaped_text_on_the_stack_or_the_heap() {
        for (v, escaped) in [
            ("plain", "plain"),
            ("a\"b", "a\\\"b"),
            ("back\\slash", "back\\\\slash"),
            ("two\nlines", "two\\nlines"),
            ("\"\"", "\\\"\\\""),
            ("", ""),
            ("é\"à", "é\\\"à"),
            ("日本\\\n", "日本\\\\\\n"),
        ] {
            let mut t = LabelText::new();
            t.push("k=\"");
            t.push_value(v);
            t.push("\"");
            assert_eq!(t.as_str(), format!("k=\"{escaped}\""));
            assert_eq!(escape(v), escaped);
        }
        let long = "é".repeat(150);
        let mut t = LabelText::new();
        t.push("k=\"");
        t.push_value(&long);
        t.push_value("\"");
        assert_eq!(t.as_str(), format!("k=\"{long}\\\""));
        assert_eq!(
            LabelText::of(&[("a", "x\"y"), ("b", "2")]).as_str(),
            "a=\"x\\\"y\",b=\"2\""
        );
        use std::fmt::Write;
        let mut t = LabelText::new();
        let _ = write!(t, "status=\"{}\"", 302);
        assert_eq!(t.as_str(), "status=\"302\"");
    }
}
