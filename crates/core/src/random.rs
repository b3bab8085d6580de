//! Injected randomness. Production uses aws-lc's CSPRNG (a DRBG seeded from
//! the operating system); the trait exists so tests can make identifiers
//! predictable when they need to.
//!
//! A login draws a dozen small values (codes, tokens, ids, nonces: 16 to 32
//! bytes each). aws-lc's `RAND_bytes` costs about the same for 32 bytes as
//! for 256: each call mixes fresh bytes from the CPU's entropy instruction
//! into its generator and re-keys it. So [`SystemRandomness`] draws 256
//! bytes at a time into a buffer of the calling thread, hands them out once
//! each, and wipes what it hands out (docs/benchmarks-log.md, eighteenth pass).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub trait Randomness: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);

    /// `n` random bytes, hex encoded (used for state and nonce sent to IdPs).
    fn hex(&self, n: usize) -> String {
        with_random_bytes(self, n, crate::lower_hex::lower_hex)
    }

    /// `n` random bytes, base64url without padding (codes, tokens, ids).
    fn token(&self, n: usize) -> String {
        with_random_bytes(self, n, |b| URL_SAFE_NO_PAD.encode(b))
    }
}

/// Calls `f` with `n` fresh random bytes, on the stack when they fit.
fn with_random_bytes<R: Randomness + ?Sized>(
    random: &R,
    n: usize,
    f: impl FnOnce(&[u8]) -> String,
) -> String {
    let mut small = [0u8; 64];
    match small.get_mut(..n) {
        Some(buf) => {
            random.fill(buf);
            let out = f(buf);
            buf.fill(0);
            out
        }
        None => {
            let mut buf = vec![0u8; n];
            random.fill(&mut buf);
            f(&buf)
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandomness;

/// Bytes drawn from aws-lc at a time, per thread.
const POOL: usize = 256;
/// Requests larger than this go to aws-lc directly.
const POOLED_AT_MOST: usize = 64;

/// A thread's unused random bytes: `bytes[used..]`; used ones are zero.
struct Pool {
    bytes: [u8; POOL],
    used: usize,
}

thread_local! {
    static THREAD_POOL: std::cell::RefCell<Pool> =
        const { std::cell::RefCell::new(Pool { bytes: [0; POOL], used: POOL }) };
}

fn draw(buf: &mut [u8]) {
    // aws-lc's RAND_bytes aborts the process rather than returning weak
    // bytes, so an error here cannot mean "predictable output".
    let _ = aws_lc_rs::rand::fill(buf);
}

impl Pool {
    fn take(&mut self, out: &mut [u8]) {
        if POOL - self.used < out.len() {
            draw(&mut self.bytes);
            self.used = 0;
        }
        let end = self.used + out.len();
        if let Some(fresh) = self.bytes.get_mut(self.used..end) {
            out.copy_from_slice(fresh);
            // Handed out once: a later dump of the thread's memory shows
            // no value that was given away.
            fresh.fill(0);
            self.used = end;
        } else {
            draw(out);
        }
    }
}

impl Randomness for SystemRandomness {
    fn fill(&self, buf: &mut [u8]) {
        if buf.len() > POOLED_AT_MOST {
            return draw(buf);
        }
        let pooled = THREAD_POOL.try_with(|pool| match pool.try_borrow_mut() {
            Ok(mut pool) => {
                pool.take(buf);
                true
            }
            Err(_) => false,
        });
        if pooled != Ok(true) {
            draw(buf);
        }
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
        assert_eq!(r.token(100).len(), 134, "longer than the stack buffer");
    }

    #[test]
    fn the_pool_hands_each_byte_out_once_and_wipes_it() {
        let mut pool = Pool {
            bytes: [0; POOL],
            used: POOL,
        };
        let mut seen = Vec::new();
        // Three refills' worth, in sizes that do not divide the pool.
        for _ in 0..(3 * POOL / 24) {
            let mut out = [0u8; 24];
            pool.take(&mut out);
            assert!(pool.bytes[..pool.used].iter().all(|b| *b == 0));
            seen.push(out);
        }
        // 24 bytes of a DRBG's output repeat only if the pool re-served them.
        let distinct: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len());
        assert!(seen.iter().all(|v| v.iter().any(|b| *b != 0)));
    }

    #[test]
    fn every_thread_draws_its_own_values() {
        let draw32 = || {
            let mut v = [0u8; 32];
            SystemRandomness.fill(&mut v);
            v
        };
        let here: Vec<[u8; 32]> = (0..20).map(|_| draw32()).collect();
        let there: Vec<[u8; 32]> = std::thread::spawn(move || (0..20).map(|_| draw32()).collect())
            .join()
            .unwrap();
        let all: std::collections::HashSet<_> = here.iter().chain(&there).collect();
        assert_eq!(all.len(), 40);
    }
}
