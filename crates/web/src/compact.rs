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

/// A compact JWS (an IdP's ID token kept for logout) stored as its three
/// decoded parts instead of base64url text: a quarter smaller. Serialisers
/// for people (JSON) still see the text. A token whose parts would not come
/// back byte for byte (not three parts, non-canonical base64url) is kept as
/// text.
pub mod jws_text {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::borrow::Cow;

    #[derive(Serialize, Deserialize)]
    enum Stored<'a> {
        Text(Cow<'a, str>),
        Parts(
            #[serde(borrow)] Part<'a>,
            #[serde(borrow)] Part<'a>,
            #[serde(borrow)] Part<'a>,
        ),
    }

    /// One decoded part, written as bytes: in postcard the same layout as
    /// the sequence of `u8` an earlier node wrote (a varint length, then
    /// one byte each), read in one copy, or none, instead of one call per
    /// byte (a login reads an ID token's 280 bytes four times).
    struct Part<'a>(Cow<'a, [u8]>);

    impl Serialize for Part<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    impl<'de: 'a, 'a> Deserialize<'de> for Part<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Part<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("the bytes of a JWS part")
                }
                fn visit_borrowed_bytes<E>(self, b: &'de [u8]) -> Result<Part<'de>, E> {
                    Ok(Part(Cow::Borrowed(b)))
                }
                fn visit_bytes<E>(self, b: &[u8]) -> Result<Part<'de>, E> {
                    Ok(Part(Cow::Owned(b.to_vec())))
                }
                fn visit_byte_buf<E>(self, b: Vec<u8>) -> Result<Part<'de>, E> {
                    Ok(Part(Cow::Owned(b)))
                }
            }
            d.deserialize_bytes(Visitor)
        }
    }

    fn parts(token: &str) -> Option<[Part<'static>; 3]> {
        let mut it = token.split('.');
        let (h, p, s) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        let dec = |seg: &str| {
            let b = URL_SAFE_NO_PAD.decode(seg).ok()?;
            (URL_SAFE_NO_PAD.encode(&b) == seg).then_some(Part(Cow::Owned(b)))
        };
        Some([dec(h)?, dec(p)?, dec(s)?])
    }

    pub fn serialize<S: Serializer>(token: &str, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(token);
        }
        match parts(token) {
            Some([h, p, sig]) => Stored::Parts(h, p, sig).serialize(s),
            None => Stored::Text(token.into()).serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        if d.is_human_readable() {
            return String::deserialize(d);
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Text(t) => t.into_owned(),
            Stored::Parts(h, p, sig) => {
                let mut text =
                    String::with_capacity((h.0.len() + p.0.len() + sig.0.len()) * 4 / 3 + 5);
                URL_SAFE_NO_PAD.encode_string(&h.0, &mut text);
                text.push('.');
                URL_SAFE_NO_PAD.encode_string(&p.0, &mut text);
                text.push('.');
                URL_SAFE_NO_PAD.encode_string(&sig.0, &mut text);
                text
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "jws_text")]
        token: String,
        n: u32,
    }

    impl CompactRecord for Holder {}

    #[test]
    fn a_jws_comes_back_byte_for_byte_and_smaller() {
        let token =
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhYmMiLCJub25jZSI6Inh5eiJ9.c2lnbmF0dXJlLWJ5dGVz";
        let h = Holder {
            token: token.into(),
            n: 7,
        };
        let bytes = encode(&h).unwrap();
        assert_eq!(bytes[0], TAG);
        assert!(bytes.len() < token.len(), "{} bytes", bytes.len());
        assert_eq!(decode::<Holder>(&bytes).unwrap(), h);
        // For people, still the text.
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains(token), "{json}");
    }

    /// The layout an earlier node wrote: each part a sequence of `u8`.
    #[derive(Serialize)]
    enum EarlierStored {
        #[allow(dead_code)]
        Text(String),
        Parts(Vec<u8>, Vec<u8>, Vec<u8>),
    }

    #[derive(Serialize)]
    struct EarlierHolder {
        token: EarlierStored,
        n: u32,
    }

    #[test]
    fn parts_are_written_as_an_earlier_node_wrote_them_and_read_back() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJl";
        let part = |i: usize| {
            URL_SAFE_NO_PAD
                .decode(token.split('.').nth(i).unwrap())
                .unwrap()
        };
        let mut earlier = vec![TAG];
        earlier.extend(
            postcard::to_allocvec(&EarlierHolder {
                token: EarlierStored::Parts(part(0), part(1), part(2)),
                n: 9,
            })
            .unwrap(),
        );
        let now = Holder {
            token: token.into(),
            n: 9,
        };
        assert_eq!(encode(&now).unwrap(), earlier, "the same bytes");
        assert_eq!(decode::<Holder>(&earlier).unwrap(), now);
    }

    #[test]
    fn what_is_not_a_canonical_jws_is_kept_as_text() {
        for odd in ["a.b", "a.b.c.d.e", "eyJ.e30.AB", "not a token", ""] {
            let h = Holder {
                token: odd.into(),
                n: 1,
            };
            assert_eq!(decode::<Holder>(&encode(&h).unwrap()).unwrap(), h, "{odd}");
        }
    }

    #[test]
    fn json_written_by_an_earlier_node_is_still_read() {
        let json = br#"{"token":"a.b.c","n":3}"#;
        let h: Holder = decode(json).unwrap();
        assert_eq!(h.n, 3);
        assert!(decode::<bool>(b"true").unwrap());
    }

    #[test]
    fn garbage_is_a_corrupt_record_not_a_panic() {
        for junk in [&[TAG][..], &[TAG, 0xFF, 0xFF, 0xFF][..], b"{", b""] {
            assert!(matches!(
                decode::<Holder>(junk),
                Err(StoreError::Corrupt(_))
            ));
        }
    }
}
