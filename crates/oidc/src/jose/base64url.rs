//! base64url without padding, the encoding of every JOSE part.

use super::error::JoseError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub(crate) fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Appends `data`, encoded, to `out` (no string of its own).
pub(crate) fn push_b64(out: &mut String, data: &[u8]) {
    URL_SAFE_NO_PAD.encode_string(data, out);
}

pub(crate) fn unb64(s: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(s).map_err(|_| JoseError::Malformed)
}
