//! Why a JOSE operation failed (never with key or token material).

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
