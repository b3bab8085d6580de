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
    PutNew { bytes: Vec<u8>, ttl: u64 },
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

    /// Stores `bytes` under `key` for `ttl` seconds if no entry has it (a
    /// single-use identifier): when one does, nothing after is done.
    pub fn put_new(&mut self, key: String, bytes: Vec<u8>, ttl: u64) -> &mut RecordWrites {
        self.writes.push((key, Write::PutNew { bytes, ttl }));
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
            .map(|(key, write)| match write {
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
                Write::PutNew { bytes, ttl } => EphemeralOp::PutNew {
                    key,
                    value: bytes,
                    ttl_secs: *ttl,
                },
                Write::Delete => EphemeralOp::Delete(key),
                Write::Require => EphemeralOp::Require(key),
                Write::Absent => EphemeralOp::Absent(key),
            })
            .collect()
    }

    /// Whether every required marker was there, and no lock, from the
    /// batch's answers (one per operation).
    pub(crate) fn markers_held(&self, answers: &[Option<Vec<u8>>]) -> bool {
        self.writes
            .iter()
            .zip(answers)
            .all(|((_, w), answer)| match w {
                Write::Require => answer.is_some(),
                Write::Absent | Write::PutNew { .. } => answer.is_none(),
                _ => true,
            })
    }

    /// Deletes of what these writes stored.
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
