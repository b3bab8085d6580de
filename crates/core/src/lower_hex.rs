//! Digests written as lowercase hex, the form every stored key, pairwise
//! `sub` and event account id takes.
//!
//! A login writes about sixteen of them (a digest per code, token, CSRF
//! token and account, a keyed one per event). The `hex` crate's `encode`
//! collects an iterator of `char`s into a fresh `String`, and each caller
//! then copied it into a `format!`; here the digits go straight into the
//! string that is kept, sized once.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Bytes written per step of [`push_lower_hex`]: a SHA-256 digest's 32 in
/// one.
const STEP: usize = 32;

/// Appends `bytes` to `out` as lowercase hex, two digits a byte.
///
/// The digits go to a buffer on the stack, then into `out` in one copy:
/// `String::push` checks the capacity and encodes a `char` for each digit,
/// three times the work of the digits themselves.
pub fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    let mut digits = [0u8; STEP * 2];
    for chunk in bytes.chunks(STEP) {
        for (pair, b) in digits.chunks_exact_mut(2).zip(chunk) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0x0f)];
        }
        // Only ASCII digits were written: the check cannot fail.
        if let Ok(text) = std::str::from_utf8(&digits[..chunk.len() * 2]) {
            out.push_str(text);
        }
    }
}

/// `bytes` in lowercase hex.
pub fn lower_hex(bytes: &[u8]) -> String {
    lower_hex_between("", bytes, "")
}

/// `prefix` followed by `bytes` in lowercase hex and `suffix`, in one
/// allocation.
pub fn lower_hex_between(prefix: &str, bytes: &[u8], suffix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + bytes.len() * 2 + suffix.len());
    out.push_str(prefix);
    push_lower_hex(&mut out, bytes);
    out.push_str(suffix);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_the_hex_crate_writes() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&all), hex::encode(&all));
        assert_eq!(lower_hex_between("at:", &[0x0f, 0xa0], "v1"), "at:0fa0v1");
        let mut s = String::from("x");
        push_lower_hex(&mut s, &[]);
        assert_eq!(s, "x");
        // Across the stack buffer's steps: 0, 1, 31, 32, 33 and 65 bytes.
        for n in [1, 31, 32, 33, 65, 256] {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let mut s = String::from("at:");
            push_lower_hex(&mut s, &bytes);
            assert_eq!(s, format!("at:{}", hex::encode(&bytes)), "{n} bytes");
        }
    }
}
