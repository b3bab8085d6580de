//! JOSE: compact JWS with pinned algorithms, and JWKs.
//!
//! Verification always takes the one algorithm the caller expects for this
//! peer; a token whose header says anything else (including `none`, or `HS256`
//! against an RSA key) is refused before any cryptography runs.

mod jwe;
mod jwk;
mod jws;

pub use jwe::{concat_kdf, decrypt_content, encrypt, DecryptionKey};
pub use jwk::{Jwk, JwkSet};
pub use jws::{decode_unverified_header, sign, verify, JwsHeader, Signer, Verifier};
pub use relais_core::alg::{JweAlg, JwsAlg};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

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
