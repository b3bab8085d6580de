//! The JWE parser and decrypter: any text as a compact JWE, decrypted with
//! fixed RSA-OAEP-256 and ECDH-ES keys.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_oidc::jose::{DecryptionKey, JweAlg};
use std::sync::OnceLock;

fn keys() -> &'static [DecryptionKey; 2] {
    static KEYS: OnceLock<[DecryptionKey; 2]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            DecryptionKey::generate(JweAlg::RsaOaep256, "rsa").unwrap(),
            DecryptionKey::generate(JweAlg::EcdhEs, "ec").unwrap(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    for k in keys() {
        let _ = k.decrypt(token);
    }
});
