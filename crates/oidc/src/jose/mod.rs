//! JOSE: compact JWS with pinned algorithms, and JWKs.
//!
//! Verification always takes the one algorithm the caller expects for this
//! peer; a token whose header says anything else (including `none`, or `HS256`
//! against an RSA key) is refused before any cryptography runs.

mod jwe;
mod jwk;
mod jws;

pub use jwe::{concat_kdf, decrypt_content, encrypt, DecryptionKey, JweAlg};
pub use jwk::{Jwk, JwkSet};
pub use jws::{decode_unverified_header, sign, verify, JwsHeader, Signer, Verifier};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Signature algorithms Relais speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwsAlg {
    ES256,
    RS256,
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

impl From<relais_core::partner::SigningAlg> for JwsAlg {
    fn from(a: relais_core::partner::SigningAlg) -> Self {
        use relais_core::partner::SigningAlg;
        match a {
            SigningAlg::ES256 => JwsAlg::ES256,
            SigningAlg::RS256 => JwsAlg::RS256,
            SigningAlg::HS256 => JwsAlg::HS256,
        }
    }
}

impl fmt::Display for JwsAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    #[error("token is not a compact JWS")]
    Malformed,
    #[error("algorithm {0} is not the expected one")]
    UnexpectedAlg(String),
    #[error("no key matches the token's kid")]
    UnknownKey,
    #[error("signature does not verify")]
    BadSignature,
    #[error("key is unusable: {0}")]
    BadKey(&'static str),
    #[error("signing failed")]
    SigningFailed,
}

pub(crate) fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub(crate) fn unb64(s: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| JoseError::Malformed)
}
