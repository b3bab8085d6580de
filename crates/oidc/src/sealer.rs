//! Encryption at rest (AES-256-GCM) for private keys and client secrets.
//!
//! The master key comes from configuration or the environment, never from
//! the database it protects. A sealed value is `nonce ‖ ciphertext ‖ tag`,
//! bound to a context string (e.g. `"key:<kid>"`) as associated data so a
//! sealed value cannot be moved to another row.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::digest;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed value is corrupt or was sealed with another master key")]
    Open,
    #[error("encryption failed")]
    Seal,
}

pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// Derives the AES key from a master secret of any length (SHA-256).
    pub fn from_master_secret(secret: &[u8]) -> Result<Sealer, SealError> {
        let k = digest::digest(&digest::SHA256, secret);
        let key = UnboundKey::new(&AES_256_GCM, k.as_ref()).map_err(|_| SealError::Seal)?;
        Ok(Sealer {
            key: LessSafeKey::new(key),
        })
    }

    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| SealError::Seal)?;
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .map_err(|_| SealError::Seal)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(SealError::Open);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Open)?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| SealError::Open)?;
        Ok(plain.to_vec())
    }

    /// Sealed text as `sealed:v1:<base64>` for JSON documents.
    pub fn seal_text(&self, context: &str, plaintext: &str) -> Result<String, SealError> {
        Ok(format!(
            "sealed:v1:{}",
            STANDARD.encode(self.seal(context, plaintext.as_bytes())?)
        ))
    }

    pub fn open_text(&self, context: &str, sealed: &str) -> Result<String, SealError> {
        let b = sealed.strip_prefix("sealed:v1:").ok_or(SealError::Open)?;
        let raw = STANDARD.decode(b).map_err(|_| SealError::Open)?;
        String::from_utf8(self.open(context, &raw)?).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_context_binding() {
        let s = Sealer::from_master_secret(b"master").unwrap();
        let sealed = s.seal_text("sp:a", "secret").unwrap_or_default();
        assert!(sealed.starts_with("sealed:v1:"));
        assert_eq!(s.open_text("sp:a", &sealed), Ok("secret".to_owned()));
        assert_eq!(s.open_text("sp:b", &sealed), Err(SealError::Open));
        let other = Sealer::from_master_secret(b"other").unwrap();
        assert_eq!(other.open_text("sp:a", &sealed), Err(SealError::Open));
    }
}
