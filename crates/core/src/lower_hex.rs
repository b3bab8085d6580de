//! Digests written as lowercase hex, the form every stored key, pairwise
//! `sub` and event account id takes.
//!
//! A login writes about sixteen of them (a digest per code, token, CSRF
//! token and account, a keyed one per event). The `hex` crate's `encode`
//! collects an iterator of `char`s into a fresh `String`, and each caller
//! then copied it into a `format!`; here the digits go straight into the
//! string that is kept, sized once.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes` to `out` as lowercase hex, two digits a byte.
pub fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
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
    }
}
