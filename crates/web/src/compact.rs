//! How the login's ephemeral records are laid out in the store: compact
//! binary, because at the national peak a node (or Redis) holds every
//! session of the last half hour — 360,000 of them at 200 logins/s — and
//! JSON with its field names, quotes and base64 text cost several times the
//! information they carry.
//!
//! A record is one tag byte ([`TAG`], never the first byte of JSON text)
//! followed by its fields in declaration order ([postcard]: lengths and
//! integers as varints, no names). Reading also accepts JSON, so records
//! written by an earlier version of the node (in Redis or SQLite across an
//! upgrade) are still understood until they expire.
//!
//! Only the types that implement [`CompactRecord`] are written this way:
//! the encoding is positional, so a type must not skip fields when
//! serialising, and each such type has a round-trip test beside it.

use relais_store::StoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// First byte of a compact record. JSON text starts with `{`, `[`, `"`, a
/// digit, `t`, `f`, `n` or whitespace, never with this byte.
pub const TAG: u8 = 0xB1;

/// A record the login writes often enough to deserve the compact layout.
pub trait CompactRecord: Serialize + DeserializeOwned {}

impl CompactRecord for bool {}
impl CompactRecord for String {}

pub fn encode<T: CompactRecord>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(256);
    out.push(TAG);
    postcard::to_extend(value, out)
        .map_err(|e| StoreError::Corrupt(format!("ephemeral record not encodable: {e}")))
}

pub fn decode<T: CompactRecord>(bytes: &[u8]) -> Result<T, StoreError> {
    let decoded = match bytes.split_first() {
        Some((&TAG, rest)) => postcard::from_bytes(rest).map_err(|e| e.to_string()),
        _ => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
    };
    decoded.map_err(|e| StoreError::Corrupt(format!("ephemeral record: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_written_by_an_earlier_node_is_still_read() {
        assert!(decode::<bool>(b"true").unwrap());
        assert_eq!(decode::<String>(br#""a.b.c""#).unwrap(), "a.b.c");
    }

    #[test]
    fn a_compact_record_starts_with_its_tag_and_comes_back() {
        let bytes = encode(&"relais".to_owned()).unwrap();
        assert_eq!(bytes[0], TAG);
        assert_eq!(decode::<String>(&bytes).unwrap(), "relais");
    }

    #[test]
    fn garbage_is_a_corrupt_record_not_a_panic() {
        for junk in [&[TAG][..], &[TAG, 0xFF, 0xFF, 0xFF][..], b"{", b""] {
            assert!(matches!(
                decode::<String>(junk),
                Err(StoreError::Corrupt(_))
            ));
        }
    }
}
