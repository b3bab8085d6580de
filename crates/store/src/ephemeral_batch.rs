//! Several ephemeral operations sent together.
//!
//! A login step touches two to four ephemeral records at once (its session
//! and its interaction, with the form's CSRF grant; or the code, the
//! session and the finished interaction). On Redis each operation alone is
//! a network round trip, a write, a read and two task wake-ups; sent as one
//! pipeline they cost one. The operations are not a transaction: each keeps
//! its own guarantee (a take is still atomic, of concurrent takers exactly
//! one wins) and they apply in order, exactly as if called one by one —
//! which is what the trait's default implementation does for backends where a call
//! costs no round trip (memory) or where batching would not save one.

/// One operation of a batch ([`EphemeralStore::batch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EphemeralOp<'a> {
    /// Reads a live entry: answers its value.
    Get(&'a str),
    /// Reads and deletes a live entry atomically: answers its value.
    Take(&'a str),
    /// Stores a value for `ttl_secs`: answers `None`.
    Put {
        key: &'a str,
        value: &'a [u8],
        ttl_secs: u64,
    },
    /// Deletes an entry: answers `None`.
    Delete(&'a str),
    /// Stores a value for `ttl_secs` only while the entry `if_present`
    /// lives: answers `None`. A page's form token is written in the trip
    /// that reads the page's records, yet never for an interaction that
    /// does not exist (no write on a made-up URL).
    PutIfPresent {
        key: &'a str,
        value: &'a [u8],
        ttl_secs: u64,
        if_present: &'a str,
    },
    /// Takes an entry like [`EphemeralOp::Take`]; when there was none, the
    /// batch stops there: the operations after it are not run and answer
    /// `None`. A single-use marker guards the writes that follow it (of
    /// two concurrent batches, exactly one writes).
    Require(&'a str),
    /// Reads an entry that must not live: when it does, answers its value
    /// and the batch stops there, like a [`EphemeralOp::Require`] that
    /// found nothing. A lock guards the operations after it (a client
    /// locked out takes no code).
    Absent(&'a str),
    /// Stores a value for `ttl_secs` only if no live entry has the key,
    /// like [`EphemeralStore::put_new`]: answers `None` when it stored;
    /// when the entry lived, answers `Some` (its value, or nothing where
    /// the backend does not read it) and the batch stops there. A
    /// single-use identifier (an assertion's `jti`) guards the operations
    /// after it.
    ///
    /// [`EphemeralStore::put_new`]: crate::EphemeralStore::put_new
    PutNew {
        key: &'a str,
        value: &'a [u8],
        ttl_secs: u64,
    },
    /// Stores `head` followed by the value the batch's latest take (a
    /// [`EphemeralOp::Take`] or a [`EphemeralOp::Require`]) answered, for
    /// `ttl_secs`: answers `None`. Nothing is stored when that take found
    /// nothing, or when no take came before. A record made from a
    /// single-use one is written in the trip that takes it, without a trip
    /// to read it first (the token step's access token, from its code).
    PutTaken {
        key: &'a str,
        head: &'a [u8],
        ttl_secs: u64,
    },
}

impl EphemeralOp<'_> {
    /// Whether the operation depends on the store's state or on another
    /// operation of the batch (a pipeline cannot carry it).
    pub fn is_conditional(&self) -> bool {
        matches!(
            self,
            EphemeralOp::PutIfPresent { .. }
                | EphemeralOp::Require(_)
                | EphemeralOp::Absent(_)
                | EphemeralOp::PutNew { .. }
                | EphemeralOp::PutTaken { .. }
        )
    }

    /// Whether the batch stops after this operation, given its answer.
    pub fn stops_with(&self, answer: Option<&[u8]>) -> bool {
        match self {
            EphemeralOp::Require(_) => answer.is_none(),
            EphemeralOp::Absent(_) | EphemeralOp::PutNew { .. } => answer.is_some(),
            _ => false,
        }
    }
}
