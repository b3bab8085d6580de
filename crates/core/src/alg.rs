//! The JOSE algorithms the federation speaks, as enums from the moment they
//! are read (configuration file, stored document, peer metadata), so no
//! layer ever compares algorithm strings.
//!
//! [`JwsAlg`] signs ID tokens, userinfo and checktoken answers; [`JweAlg`]
//! wraps the content key of encrypted answers (content: A256GCM only).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum JwsAlg {
    #[default]
    ES256,
    RS256,
    /// Legacy: HMAC with the client secret.
    HS256,
}

impl JwsAlg {
    pub fn parse(s: &str) -> Option<JwsAlg> {
        match s {
            "ES256" => Some(JwsAlg::ES256),
            "RS256" => Some(JwsAlg::RS256),
            "HS256" => Some(JwsAlg::HS256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JwsAlg::ES256 => "ES256",
            JwsAlg::RS256 => "RS256",
            JwsAlg::HS256 => "HS256",
        }
    }
}

/// For stored text columns (`signing_keys.alg`).
impl TryFrom<String> for JwsAlg {
    type Error = String;

    fn try_from(s: String) -> Result<JwsAlg, String> {
        JwsAlg::parse(&s).ok_or_else(|| format!("{s} is not ES256, RS256 or HS256"))
    }
}

impl fmt::Display for JwsAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Key-management algorithms of encrypted answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JweAlg {
    #[serde(rename = "RSA-OAEP-256")]
    RsaOaep256,
    /// RSA-OAEP with SHA-1 (RFC 7518 §4.3): what FranceConnect+ itself uses
    /// (with ECDH-ES); kept for services written against it.
    #[serde(rename = "RSA-OAEP")]
    RsaOaep,
    #[serde(rename = "ECDH-ES")]
    EcdhEs,
}

impl JweAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            JweAlg::RsaOaep256 => "RSA-OAEP-256",
            JweAlg::RsaOaep => "RSA-OAEP",
            JweAlg::EcdhEs => "ECDH-ES",
        }
    }

    pub fn parse(s: &str) -> Option<JweAlg> {
        match s {
            "RSA-OAEP-256" => Some(JweAlg::RsaOaep256),
            "RSA-OAEP" => Some(JweAlg::RsaOaep),
            "ECDH-ES" => Some(JweAlg::EcdhEs),
            _ => None,
        }
    }

    /// The JWK key type this algorithm needs.
    pub fn key_type(self) -> &'static str {
        match self {
            JweAlg::RsaOaep256 | JweAlg::RsaOaep => "RSA",
            JweAlg::EcdhEs => "EC",
        }
    }
}

impl fmt::Display for JweAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a key of Relais' own key ring does: sign (ID tokens, userinfo,
/// checktoken answers, client assertions to IdPs) or receive encrypted
/// answers from IdPs (`use=enc`). Stored as the algorithm's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyAlg {
    Sig(JwsAlg),
    Enc(JweAlg),
}

impl KeyAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::Sig(a) => a.as_str(),
            KeyAlg::Enc(a) => a.as_str(),
        }
    }
}

/// For stored text columns (`signing_keys.alg`).
impl TryFrom<String> for KeyAlg {
    type Error = String;

    fn try_from(s: String) -> Result<KeyAlg, String> {
        JwsAlg::parse(&s)
            .map(KeyAlg::Sig)
            .or_else(|| JweAlg::parse(&s).map(KeyAlg::Enc))
            .ok_or_else(|| format!("{s} is not ES256, RS256, HS256, RSA-OAEP-256 or ECDH-ES"))
    }
}

/// Content encryption of encrypted answers: `A256GCM`, the only one
/// FranceConnect+ uses (a service registering anything else is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum JweEnc {
    #[default]
    A256GCM,
}

impl JweEnc {
    pub fn as_str(self) -> &'static str {
        "A256GCM"
    }

    pub fn parse(s: &str) -> Option<JweEnc> {
        (s == "A256GCM").then_some(JweEnc::A256GCM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_text_and_json() {
        for a in [JwsAlg::ES256, JwsAlg::RS256, JwsAlg::HS256] {
            assert_eq!(JwsAlg::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_value(a).ok(),
                Some(serde_json::json!(a.as_str()))
            );
        }
        for a in [JweAlg::RsaOaep256, JweAlg::RsaOaep, JweAlg::EcdhEs] {
            assert_eq!(JweAlg::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_value(a).ok(),
                Some(serde_json::json!(a.as_str()))
            );
        }
        assert_eq!(JwsAlg::parse("none"), None);
        assert_eq!(JwsAlg::parse("es256"), None);
    }
}
