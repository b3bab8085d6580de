//! What a client proves itself with on the back channel: a `private_key_jwt`
//! assertion (unverified `iss`, signature against a key set, claim checks)
//! and a DPoP proof (header, embedded key, signature, claims). The first
//! byte chooses which; the rest is the client's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_oidc::{client_assertion, dpop, JwkSet, JwsAlg, SigningKey};
use std::sync::OnceLock;

fn keys() -> &'static JwkSet {
    static K: OnceLock<JwkSet> = OnceLock::new();
    K.get_or_init(|| JwkSet {
        keys: SigningKey::generate(JwsAlg::ES256, "k")
            .map(|k| vec![k.public_jwk()])
            .unwrap_or_default(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if first % 2 == 0 {
        let _ = client_assertion::claimed_issuer(text);
        if let Ok(claims) =
            client_assertion::verify_signature(text, keys(), &[JwsAlg::ES256, JwsAlg::RS256])
        {
            let _ = client_assertion::check_claims(&claims, "sp", &["https://r.example/token"], 0);
        }
        if let Ok(serde_json::Value::Object(claims)) = serde_json::from_str(text) {
            let _ = client_assertion::check_claims(&claims, "sp", &["https://r.example/token"], 0);
        }
    } else {
        let _ = dpop::verify_proof(text, "POST", "https://r.example/token", Some("at"), 0);
    }
});
