//! Single-use secrets (authorization codes, access tokens, CSRF tokens) are
//! stored under a digest of their value, never the value itself: a dump of
//! the ephemeral store (Redis, the SQLite file, a PostgreSQL backup) yields
//! no token anyone can present. The values are 32 random bytes, so a plain
//! SHA-256 is enough (no dictionary to try); every node computes the same key.

use aws_lc_rs::digest;

/// The ephemeral-store key of `token` of this kind (`code`, `at`, `csrf`).
pub fn stored_key(kind: &str, token: &str) -> String {
    let d = digest::digest(&digest::SHA256, token.as_bytes());
    let mut key = String::with_capacity(kind.len() + 1 + 64);
    key.push_str(kind);
    key.push(':');
    crate::lower_hex::push_lower_hex(&mut key, d.as_ref());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_contains_the_token() {
        let k = stored_key("at", "secret-access-token");
        assert!(k.starts_with("at:"));
        assert!(!k.contains("secret-access-token"));
        assert_eq!(k.len(), 3 + 64);
        assert_eq!(k, stored_key("at", "secret-access-token"));
        assert_ne!(k, stored_key("code", "secret-access-token"));
    }
}
