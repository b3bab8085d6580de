//! Pseudonymous subjects. An identity is reduced to an [`IdentityHash`]
//! (the same whichever IdP the person used); each organisation then sees its
//! own [`PairwiseSub`] derived from that hash and a platform secret, so two
//! organisations cannot correlate their users.

use crate::pivot::PivotIdentity;
use aws_lc_rs::digest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::fmt;

/// base64(SHA-256(given_name ‖ family_name ‖ birthdate ‖ gender ‖ birthplace' ‖ birthcountry)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentityHash(String);

impl IdentityHash {
    pub fn of(identity: &PivotIdentity) -> IdentityHash {
        let birthplace = if identity.born_in_france() {
            identity.birthplace.as_str()
        } else {
            ""
        };
        let mut ctx = digest::Context::new(&digest::SHA256);
        for part in [
            identity.given_name.as_str(),
            identity.family_name.as_str(),
            identity.birthdate.as_claim().as_str(),
            identity.gender.as_str(),
            birthplace,
            identity.birthcountry.as_str(),
        ] {
            ctx.update(part.as_bytes());
        }
        IdentityHash(STANDARD.encode(ctx.finish().as_ref()))
    }

    /// Rebuilds a hash read back from storage.
    pub fn from_stored(s: String) -> IdentityHash {
        IdentityHash(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdentityHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How business events name an account: lowercase hex(HMAC-SHA256(platform
/// secret, "account" ‖ identityHash)). The identity hash is a bare digest of
/// a civil identity (anyone can compute it for a known person); the event
/// stream, read by more people and kept longer, carries this keyed value
/// instead, stable for one platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventAccountId(String);

/// The platform secret prepared once as an HMAC key (a login names its
/// account in a dozen events).
#[derive(Debug, Clone)]
pub struct EventAccountKey(aws_lc_rs::hmac::Key);

impl EventAccountKey {
    pub fn new(platform_secret: &[u8]) -> EventAccountKey {
        EventAccountKey(aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            platform_secret,
        ))
    }
}

impl EventAccountId {
    pub fn derive(identity: &IdentityHash, platform_secret: &[u8]) -> EventAccountId {
        Self::derive_with(identity, &EventAccountKey::new(platform_secret))
    }

    pub fn derive_with(identity: &IdentityHash, key: &EventAccountKey) -> EventAccountId {
        let mut ctx = aws_lc_rs::hmac::Context::with_key(&key.0);
        ctx.update(b"account");
        ctx.update(identity.0.as_bytes());
        EventAccountId(crate::lower_hex::lower_hex(ctx.sign().as_ref()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex text itself, for an event's field (no copy).
    pub fn into_string(self) -> String {
        self.0
    }
}

/// lowercase hex(SHA-256(entity_id ‖ identityHash ‖ secret)) + "v1": 66 chars.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PairwiseSub(String);

impl PairwiseSub {
    pub fn derive(entity_id: &str, identity: &IdentityHash, platform_secret: &[u8]) -> PairwiseSub {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(entity_id.as_bytes());
        ctx.update(identity.0.as_bytes());
        ctx.update(platform_secret);
        PairwiseSub(crate::lower_hex::lower_hex_between(
            "",
            ctx.finish().as_ref(),
            "v1",
        ))
    }

    /// A sub configured by an operator for one organisation (account migration).
    pub fn overridden(value: String) -> PairwiseSub {
        PairwiseSub(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PairwiseSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_account_ids_are_keyed_and_stable() {
        let h = IdentityHash::of(&identity("75107", "99100"));
        let a = EventAccountId::derive(&h, b"secret-one");
        assert_eq!(a, EventAccountId::derive(&h, b"secret-one"));
        assert_ne!(a, EventAccountId::derive(&h, b"secret-two"));
        assert_ne!(a.as_str(), h.as_str());
        assert_eq!(a.as_str().len(), 64);
    }
    use crate::acr::Platform;
    use serde_json::json;

    fn identity(birthplace: &str, country: &str) -> PivotIdentity {
        let v = json!({"given_name":"Jean","family_name":"DUPONT","birthdate":"1970-01-01",
            "gender":"male","birthplace":birthplace,"birthcountry":country,"email":"j@d.fr"});
        match v {
            serde_json::Value::Object(m) => PivotIdentity::from_claims(&m, Platform::Standard),
            _ => panic!("not the expected shape"),
        }
        .unwrap()
    }

    #[test]
    fn identity_hash_matches_formula() {
        let h = IdentityHash::of(&identity("75107", "99100"));
        let raw = digest::digest(&digest::SHA256, b"JeanDUPONT1970-01-01male7510799100");
        assert_eq!(h.as_str(), STANDARD.encode(raw.as_ref()));
        let abroad = IdentityHash::of(&identity("", "99217"));
        let raw = digest::digest(&digest::SHA256, b"JeanDUPONT1970-01-01male99217");
        assert_eq!(abroad.as_str(), STANDARD.encode(raw.as_ref()));
    }

    #[test]
    fn pairwise_sub_is_66_hex_chars_and_per_entity() {
        let h = IdentityHash::of(&identity("75107", "99100"));
        let a = PairwiseSub::derive("org-a", &h, b"secret");
        let b = PairwiseSub::derive("org-b", &h, b"secret");
        assert_eq!(a.as_str().len(), 66);
        assert!(a.as_str().ends_with("v1"));
        assert!(a.as_str()[..64]
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_ne!(a, b);
        assert_eq!(a, PairwiseSub::derive("org-a", &h, b"secret"));
    }
}
