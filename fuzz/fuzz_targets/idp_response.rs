//! What an IdP sends back: the token-endpoint answer, the ID token (its
//! signature, then every claim check), and userinfo as JSON or as a JWT.
//! The first byte chooses which; the rest is the IdP's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_core::partner::IdentityProvider;
use relais_oidc::idp_client::{check_id_token_claims, parse_token_answer, parse_userinfo_json};
use relais_oidc::jose::{self, Verifier};
use relais_oidc::{JwkSet, JwsAlg, SigningKey};
use std::sync::OnceLock;

struct Fixture {
    idp: IdentityProvider,
    keys: JwkSet,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = SigningKey::generate(JwsAlg::ES256, "idp").unwrap();
        let idp: IdentityProvider = serde_json::from_value(serde_json::json!({
            "id": "idp", "title": "IdP", "active": true, "display": true,
            "allowed_acr": ["eidas1", "eidas2"], "amr": [],
            "discovery_url": null,
            "endpoints": {
                "issuer": "https://idp.example",
                "authorization_endpoint": "https://idp.example/authorize",
                "token_endpoint": "https://idp.example/token",
                "userinfo_endpoint": "https://idp.example/userinfo",
                "jwks_uri": "https://idp.example/jwks",
                "end_session_endpoint": null
            },
            "client_id": "relais", "client_secret": "s",
            "token_endpoint_auth_method": "client_secret_post",
            "id_token_signed_response_alg": "ES256",
            "userinfo_signed_response_alg": null,
            "end_session": false, "timeout_ms": 1000, "scopes": ["openid"]
        }))
        .unwrap();
        Fixture {
            idp,
            keys: JwkSet {
                keys: vec![key.public_jwk()],
            },
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let now = 1_800_000_000_000;
    match which % 4 {
        0 => {
            let _ = parse_token_answer(body);
        }
        1 => {
            // Claims as if the signature had verified: the checks alone.
            if let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(body) {
                let _ = check_id_token_claims(
                    &f.idp,
                    &claims,
                    "raw",
                    "nonce-0123456789abcdef0123456789",
                    now,
                );
            }
        }
        2 => {
            let _ = parse_userinfo_json(body);
        }
        _ => {
            if let Ok(token) = std::str::from_utf8(body) {
                if let Ok(claims) =
                    jose::verify(token.trim(), JwsAlg::ES256, Verifier::Keys(&f.keys))
                {
                    let _ = check_id_token_claims(&f.idp, &claims, token, "n", now);
                }
            }
        }
    }
});
