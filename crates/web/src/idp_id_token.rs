//! The IdP's ID token a login keeps, only to end the IdP's session at
//! logout (`id_token_hint`). It rides in the interaction and the session,
//! which a login reads at four or five steps and writes at two, while the
//! text itself is needed once, if ever, at logout.
//!
//! So [`IdpIdToken`] holds what the store keeps: the three parts of a
//! compact JWS decoded from base64url, a quarter smaller than the text.
//! Reading a record copies those bytes, writing one copies them back, and
//! only [`IdpIdToken::text`] encodes base64url again. The check that the
//! parts give back the very text received is made once, when the callback
//! takes the token ([`IdpIdToken::from_text`]); a token that would not come
//! back byte for byte (not three parts, non-canonical base64url) is kept as
//! text.
//!
//! In the compact layout (crate::compact) the token is the enum an earlier
//! node wrote: `Text(string)` or `Parts(bytes, bytes, bytes)`, so records
//! written before and after this type read alike. Serialisers for people
//! (JSON) see the text.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

/// An IdP's ID token, as kept for logout. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct IdpIdToken(Held);

#[derive(Clone, PartialEq, Eq)]
enum Held {
    /// The decoded header, payload and signature one after the other, and
    /// where the first two end.
    Parts {
        bytes: Vec<u8>,
        header_end: usize,
        payload_end: usize,
    },
    /// What is not a canonical three-part JWS, as received.
    Text(String),
}

impl IdpIdToken {
    /// The token the IdP's token endpoint returned.
    pub fn from_text(text: String) -> IdpIdToken {
        match decoded_parts(&text) {
            Some(held) => IdpIdToken(held),
            None => IdpIdToken(Held::Text(text)),
        }
    }

    /// The token's text, as the IdP wrote it.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Held::Text(t) => Cow::Borrowed(t),
            Held::Parts { .. } => {
                let [h, p, s] = self.parts().unwrap_or_default();
                let mut text = String::with_capacity((h.len() + p.len() + s.len()) * 4 / 3 + 5);
                URL_SAFE_NO_PAD.encode_string(h, &mut text);
                text.push('.');
                URL_SAFE_NO_PAD.encode_string(p, &mut text);
                text.push('.');
                URL_SAFE_NO_PAD.encode_string(s, &mut text);
                Cow::Owned(text)
            }
        }
    }

    fn parts(&self) -> Option<[&[u8]; 3]> {
        match &self.0 {
            Held::Parts {
                bytes,
                header_end,
                payload_end,
            } => Some([
                bytes.get(..*header_end)?,
                bytes.get(*header_end..*payload_end)?,
                bytes.get(*payload_end..)?,
            ]),
            Held::Text(_) => None,
        }
    }
}

impl std::fmt::Debug for IdpIdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = match &self.0 {
            Held::Parts { bytes, .. } => bytes.len(),
            Held::Text(t) => t.len(),
        };
        write!(f, "IdpIdToken({len} bytes)")
    }
}

/// The parts of `token` if they give back `token` byte for byte.
fn decoded_parts(token: &str) -> Option<Held> {
    let mut it = token.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let mut bytes = Vec::with_capacity(token.len() * 3 / 4);
    let mut ends = [0usize; 2];
    for (i, seg) in [h, p, s].into_iter().enumerate() {
        // Only a canonical text decodes: the engine refuses padding and
        // non-zero trailing bits, the two ways several texts could give the
        // same bytes. So the parts give back `token` byte for byte, without
        // encoding it again to compare (tested below).
        URL_SAFE_NO_PAD.decode_vec(seg, &mut bytes).ok()?;
        if let Some(end) = ends.get_mut(i) {
            *end = bytes.len();
        }
    }
    let [header_end, payload_end] = ends;
    Some(Held::Parts {
        bytes,
        header_end,
        payload_end,
    })
}

/// The compact layout: a text, or the three parts as byte strings.
#[derive(Serialize, Deserialize)]
enum Stored<'a> {
    Text(Cow<'a, str>),
    Parts(
        #[serde(borrow)] Part<'a>,
        #[serde(borrow)] Part<'a>,
        #[serde(borrow)] Part<'a>,
    ),
}

/// One decoded part, written as bytes: in postcard the same layout as the
/// sequence of `u8` the first nodes wrote (a varint length, then one byte
/// each), read in one copy, or none, instead of one call per byte.
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

impl Serialize for IdpIdToken {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_str(&self.text());
        }
        let stored = match (&self.0, self.parts()) {
            (_, Some([h, p, sig])) => Stored::Parts(
                Part(Cow::Borrowed(h)),
                Part(Cow::Borrowed(p)),
                Part(Cow::Borrowed(sig)),
            ),
            (Held::Text(t), None) => Stored::Text(Cow::Borrowed(t)),
            // Not reached: the ends are the parts' own lengths, set where
            // the bytes are ([`decoded_parts`], `deserialize`). Were it
            // reached, the write fails rather than store a token it lost.
            (Held::Parts { .. }, None) => {
                return Err(serde::ser::Error::custom("ID token parts out of range"))
            }
        };
        stored.serialize(s)
    }
}

impl<'de> Deserialize<'de> for IdpIdToken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IdpIdToken, D::Error> {
        if d.is_human_readable() {
            return String::deserialize(d).map(IdpIdToken::from_text);
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Text(t) => IdpIdToken(Held::Text(t.into_owned())),
            Stored::Parts(h, p, sig) => {
                let (h, p, sig) = (h.0, p.0, sig.0);
                let mut bytes = Vec::with_capacity(h.len() + p.len() + sig.len());
                bytes.extend_from_slice(&h);
                bytes.extend_from_slice(&p);
                bytes.extend_from_slice(&sig);
                IdpIdToken(Held::Parts {
                    header_end: h.len(),
                    payload_end: h.len() + p.len(),
                    bytes,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::{decode, encode, CompactRecord, TAG};
    use relais_store::StoreError;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Holder {
        token: IdpIdToken,
        n: u32,
    }

    impl CompactRecord for Holder {}

    fn holder(token: &str, n: u32) -> Holder {
        Holder {
            token: IdpIdToken::from_text(token.into()),
            n,
        }
    }

    #[test]
    fn a_jws_comes_back_byte_for_byte_and_smaller() {
        let token =
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhYmMiLCJub25jZSI6Inh5eiJ9.c2lnbmF0dXJlLWJ5dGVz";
        let h = holder(token, 7);
        assert!(h.token.parts().is_some(), "held as parts");
        assert_eq!(h.token.text(), token);
        let bytes = encode(&h).unwrap();
        assert_eq!(bytes[0], TAG);
        assert!(bytes.len() < token.len(), "{} bytes", bytes.len());
        let back = decode::<Holder>(&bytes).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.token.text(), token);
        // For people, still the text.
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains(token), "{json}");
        let from_json: Holder = serde_json::from_str(&json).unwrap();
        assert_eq!(from_json, h);
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
        let now = holder(token, 9);
        assert_eq!(encode(&now).unwrap(), earlier, "the same bytes");
        let read = decode::<Holder>(&earlier).unwrap();
        assert_eq!(read, now);
        assert_eq!(read.token.text(), token);
    }

    #[test]
    fn what_is_not_a_canonical_jws_is_kept_as_text() {
        // "AB" and "AC" decode to the same byte: only the canonical one
        // ("AA" would be) could be rebuilt, so both stay text.
        for odd in [
            "a.b",
            "a.b.c.d.e",
            "eyJ.e30.AB",
            "e30=.e30.e30",
            "e30.e30.AC",
            "not a token",
            "",
        ] {
            let h = holder(odd, 1);
            assert!(h.token.parts().is_none(), "{odd}");
            let back = decode::<Holder>(&encode(&h).unwrap()).unwrap();
            assert_eq!(back, h, "{odd}");
            assert_eq!(back.token.text(), odd);
        }
    }

    #[test]
    fn json_written_by_an_earlier_node_is_still_read() {
        let json = br#"{"token":"a.b.c","n":3}"#;
        let h: Holder = decode(json).unwrap();
        assert_eq!(h.n, 3);
        assert_eq!(h.token.text(), "a.b.c");
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

    #[test]
    fn debug_never_shows_the_token() {
        let token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJl";
        for t in [
            IdpIdToken::from_text(token.into()),
            IdpIdToken::from_text("a.b".into()),
        ] {
            let shown = format!("{t:?}");
            assert!(!shown.contains("eyJ") && !shown.contains("a.b"), "{shown}");
        }
    }
}
