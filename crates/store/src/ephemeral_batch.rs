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
}
