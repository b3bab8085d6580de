//! The JWK parser: any JSON as a key set, each key asked whether it fits
//! each algorithm and made to verify a signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_oidc::{JwkSet, JwsAlg};

fuzz_target!(|data: &[u8]| {
    let Ok(set) = serde_json::from_slice::<JwkSet>(data) else {
        return;
    };
    for alg in [JwsAlg::RS256, JwsAlg::ES256, JwsAlg::HS256] {
        let _ = set.find(None, alg);
        for k in &set.keys {
            if k.fits(alg) {
                let _ = k.verify(alg, b"header.payload", &data[..data.len().min(256)]);
            }
        }
    }
});
