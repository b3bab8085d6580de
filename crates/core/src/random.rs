//! Injected randomness. Production uses the operating system's CSPRNG through
//! aws-lc; the trait exists so tests can make identifiers predictable when
//! they need to.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub trait Randomness: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);

    /// `n` random bytes, hex encoded (used for state and nonce sent to IdPs).
    fn hex(&self, n: usize) -> String {
        let mut buf = vec![0u8; n];
        self.fill(&mut buf);
        crate::lower_hex::lower_hex(&buf)
    }

    /// `n` random bytes, base64url without padding (codes, tokens, ids).
    fn token(&self, n: usize) -> String {
        let mut buf = vec![0u8; n];
        self.fill(&mut buf);
        URL_SAFE_NO_PAD.encode(buf)
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandomness;

impl Randomness for SystemRandomness {
    fn fill(&self, buf: &mut [u8]) {
        // aws-lc's RAND_bytes aborts the process rather than returning weak
        // bytes, so an error here cannot mean "predictable output".
        let _ = aws_lc_rs::rand::fill(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_have_expected_length() {
        let r = SystemRandomness;
        let a = r.token(32);
        let b = r.token(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(r.hex(32).len(), 64);
    }
}
