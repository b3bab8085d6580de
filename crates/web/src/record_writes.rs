//! The writes a login step gathers while it decides, to be sent in one
//! trip to the ephemeral store ([`AppState::write_records`]) — or, for a
//! step that writes ahead of its checks, in the trip that reads its records
//! ([`AppState::interaction_for_form_writing`]).
//!
//! Each record is encoded as it is added (the compact layout of
//! [`compact`]); a single-use marker added with [`RecordWrites::require`]
//! guards every write after it.
//!
//! [`AppState::write_records`]: crate::state::AppState::write_records
//! [`AppState::interaction_for_form_writing`]: crate::state::AppState::interaction_for_form_writing

use crate::compact::{self, CompactRecord};
use relais_store::{EphemeralOp, StoreError};

/// Writes gathered during a step, sent together.
#[derive(Debug, Default)]
pub struct RecordWrites {
    writes: Vec<(String, Write)>,
}

#[derive(Debug)]
enum Write {
    Put { bytes: Vec<u8>, ttl: u64 },
    PutTaken { head: Vec<u8>, ttl: u64 },
    PutNew { ttl: u64 },
    Delete,
    Require,
    Absent,
}

impl RecordWrites {
    pub fn new() -> RecordWrites {
        RecordWrites::default()
    }

    /// Stores `value` under `key` for `ttl` seconds.
    pub fn put<T: CompactRecord>(
        &mut self,
        key: String,
        value: &T,
        ttl: u64,
    ) -> Result<&mut RecordWrites, StoreError> {
        self.writes.push((
            key,
            Write::Put {
                bytes: compact::encode(value)?,
                ttl,
            },
        ));
        Ok(self)
    }

    /// Deletes `key`.
    pub fn delete(&mut self, key: String) -> &mut RecordWrites {
        self.writes.push((key, Write::Delete));
        self
    }

    /// Takes the single-use marker `key` first: without it, nothing after
    /// is written (the step's write answers `false`).
    pub fn require(&mut self, key: String) -> &mut RecordWrites {
        self.writes.push((key, Write::Require));
        self
    }

    /// Stores `head` followed by the value of the latest required marker
    /// (its record as it was), for `ttl` seconds.
    pub fn put_taken(&mut self, key: String, head: Vec<u8>, ttl: u64) -> &mut RecordWrites {
        self.writes.push((key, Write::PutTaken { head, ttl }));
        self
    }

    /// Spends the single-use identifier `key` for `ttl` seconds (an empty
    /// entry: that it lives is what counts): when it was spent already,
    /// nothing after is done.
    pub fn put_new(&mut self, key: String, ttl: u64) -> &mut RecordWrites {
        self.writes.push((key, Write::PutNew { ttl }));
        self
    }

    /// Requires that `key` does not live (a lock): when it does, nothing
    /// after is done (the step's write answers `false`).
    pub fn absent(&mut self, key: String) -> &mut RecordWrites {
        self.writes.push((key, Write::Absent));
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.writes.len()
    }

    /// The writes as store operations, in the order they were added.
    pub(crate) fn ops(&self) -> Vec<EphemeralOp<'_>> {
        self.writes
            .iter()
            .map(|(key, write)| op(key, write))
            .collect()
    }

    /// Whether every required marker was there, no lock, and no single-use
    /// identifier already spent, from the batch's answers (one per
    /// operation): none of the operations stopped the batch.
    pub(crate) fn markers_held(&self, answers: &[Option<Vec<u8>>]) -> bool {
        self.writes
            .iter()
            .zip(answers)
            .all(|((key, write), answer)| !op(key, write).stops_with(answer.as_deref()))
    }

    /// Deletes of what these writes stored. A single-use identifier
    /// (`put_new`) stays: an assertion is spent even by a step refused
    /// after its trip.
    pub(crate) fn undone(&self) -> RecordWrites {
        let mut undo = RecordWrites::new();
        for (key, write) in &self.writes {
            if let Write::Put { .. } | Write::PutTaken { .. } = write {
                undo.delete(key.clone());
            }
        }
        undo
    }
}

/// One write as the store operation that carries it out.
fn op<'a>(key: &'a str, write: &'a Write) -> EphemeralOp<'a> {
    match write {
        Write::Put { bytes, ttl } => EphemeralOp::Put {
            key,
            value: bytes,
            ttl_secs: *ttl,
        },
        Write::PutTaken { head, ttl } => EphemeralOp::PutTaken {
            key,
            head,
            ttl_secs: *ttl,
        },
        Write::PutNew { ttl } => EphemeralOp::PutNew {
            key,
            value: b"",
            ttl_secs: *ttl,
        },
        Write::Delete => EphemeralOp::Delete(key),
        Write::Require => EphemeralOp::Require(key),
        Write::Absent => EphemeralOp::Absent(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guard_holds_when_the_store_would_not_stop_the_batch() {
        let mut w = RecordWrites::new();
        w.absent("lock".into())
            .put_new("jti".into(), 30)
            .require("code".into())
            .delete("other".into());
        let held =
            |answers: [Option<&[u8]>; 4]| w.markers_held(&answers.map(|a| a.map(<[u8]>::to_vec)));
        assert!(held([None, None, Some(b"c"), None]));
        assert!(!held([Some(b"l"), None, None, None]), "a lock lives");
        assert!(!held([None, Some(b""), None, None]), "the jti was spent");
        assert!(!held([None, None, None, None]), "the code is gone");
    }

    #[test]
    fn undoing_deletes_what_was_stored_and_keeps_a_spent_identifier() {
        let mut w = RecordWrites::new();
        w.put_new("jti".into(), 30)
            .require("code".into())
            .put_taken("at".into(), vec![1], 30)
            .put("used".into(), &"at".to_owned(), 30)
            .unwrap();
        let undo = w.undone();
        let deleted: Vec<&str> = undo
            .ops()
            .iter()
            .map(|op| match op {
                EphemeralOp::Delete(key) => *key,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(deleted, ["at", "used"]);
    }
}
