//! The access token's record, as the token step writes it: in the trip to
//! the ephemeral store that takes the code.
//!
//! The access token carries the code's grant, plus what only the token
//! step knows: when the token was issued, how long it lives, and the DPoP
//! key it is bound to. For the store to write it in the trip that takes
//! the code (one round trip to Redis instead of two), the node cannot
//! decode the code and encode the grant again: it sends a head, and the
//! store writes that head followed by the code's record as it was
//! ([`EphemeralOp::PutTaken`]). So the record is:
//!
//! ```text
//! ACCESS_TAG | AccessStamp (postcard) | the code's record (compact or JSON)
//! ```
//!
//! and reading takes the stamp, then the code's grant, whose own
//! `issued_at` (0), `token_ttl` and `dpop_jkt` (none) the stamp's replace.
//! A record written whole by an earlier node (the grant again, the compact
//! [`TAG`](crate::compact::TAG) first) still reads. An earlier node fails
//! closed on this layout (a corrupt record, never a token without its DPoP
//! binding): during a rolling upgrade, a token issued by a new node is
//! refused by an old one.
//!
//! [`EphemeralOp::PutTaken`]: relais_store::EphemeralOp::PutTaken

use crate::compact;
use crate::flow::{AccessGrant, CodeGrant};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use relais_store::StoreError;
use serde::{Deserialize, Serialize};

/// First byte of an access token's record written with a stamp (the
/// compact records' tag is `0xB1`; JSON text never starts with either).
pub const ACCESS_TAG: u8 = 0xB2;

/// What the token step adds to the code's grant.
#[derive(Debug, Serialize, Deserialize)]
struct AccessStamp<'a> {
    issued_at: i64,
    token_ttl: u64,
    /// The RFC 7638 thumbprint of the DPoP key, as its 32 bytes of
    /// SHA-256 (11 bytes fewer than its base64url text).
    #[serde(borrow)]
    dpop_key: Option<&'a [u8]>,
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("access token record: {what}"))
}

/// The head the store writes before the code's record.
pub fn head(issued_at: i64, token_ttl: u64, dpop_jkt: Option<&str>) -> Result<Vec<u8>, StoreError> {
    let thumbprint = dpop_jkt
        .map(|jkt| {
            let bytes = URL_SAFE_NO_PAD.decode(jkt).map_err(corrupt)?;
            if bytes.len() == 32 {
                Ok(bytes)
            } else {
                Err(corrupt("a DPoP thumbprint is 32 bytes"))
            }
        })
        .transpose()?;
    let stamp = AccessStamp {
        issued_at,
        token_ttl,
        dpop_key: thumbprint.as_deref(),
    };
    let mut out = Vec::with_capacity(48);
    out.push(ACCESS_TAG);
    postcard::to_extend(&stamp, out).map_err(corrupt)
}

/// Reads an access token's record, either layout.
pub fn decode(bytes: &[u8]) -> Result<AccessGrant, StoreError> {
    let Some((&ACCESS_TAG, rest)) = bytes.split_first() else {
        return compact::decode(bytes);
    };
    let (stamp, code) = postcard::take_from_bytes::<AccessStamp>(rest).map_err(corrupt)?;
    let dpop_jkt = match stamp.dpop_key {
        Some(key) if key.len() == 32 => Some(URL_SAFE_NO_PAD.encode(key)),
        Some(_) => return Err(corrupt("a DPoP thumbprint is 32 bytes")),
        None => None,
    };
    Ok(stamped(
        compact::decode(code)?,
        stamp.issued_at,
        stamp.token_ttl,
        dpop_jkt,
    ))
}

/// The access token's grant: the code's, with what the token step adds
/// (as the record's stamp carries it, and as the step answers).
pub fn stamped(
    code: CodeGrant,
    issued_at: i64,
    token_ttl: u64,
    dpop_jkt: Option<String>,
) -> AccessGrant {
    AccessGrant {
        issued_at,
        token_ttl,
        dpop_jkt,
        ..code
    }
}
