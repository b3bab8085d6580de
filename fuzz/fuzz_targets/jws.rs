//! The JWS parser and verifier: any text as a compact JWS, verified with
//! RS256, ES256 and HS256 against fixed keys; the header decoder too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_oidc::jose::{self, Verifier};
use relais_oidc::{JwkSet, JwsAlg, SigningKey};
use std::sync::OnceLock;

fn keys() -> &'static JwkSet {
    static KEYS: OnceLock<JwkSet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let rs = SigningKey::generate(JwsAlg::RS256, "rs").unwrap();
        let es = SigningKey::generate(JwsAlg::ES256, "es").unwrap();
        JwkSet {
            keys: vec![rs.public_jwk(), es.public_jwk()],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = jose::decode_unverified_header(token);
    for alg in [JwsAlg::RS256, JwsAlg::ES256] {
        let _ = jose::verify(token, alg, Verifier::Keys(keys()));
    }
    let _ = jose::verify(
        token,
        JwsAlg::HS256,
        Verifier::Secret(b"0123456789abcdef0123456789abcdef"),
    );
});
