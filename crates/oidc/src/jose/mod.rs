//! JOSE: compact JWS with pinned algorithms, and JWKs.
//!
//! Verification always takes the one algorithm the caller expects for this
//! peer; a token whose header says anything else (including `none`, or `HS256`
//! against an RSA key) is refused before any cryptography runs.

pub(crate) mod base64url;
pub(crate) mod error;
mod jwe;
pub(crate) mod jwk;
mod jws;
mod numeric_date;

pub use error::JoseError;
pub use jwe::{concat_kdf, decrypt_content, encrypt, DecryptionKey};
pub use jwk::{Jwk, JwkSet};
pub use jws::{decode_unverified_header, sign, verify, JwsHeader, Signer, Verifier};
pub use numeric_date::numeric_date;
pub use relais_core::alg::{JweAlg, JwsAlg};
