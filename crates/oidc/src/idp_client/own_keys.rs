//! Relais' own keys as a client of IdPs: its ES256 key signs the
//! `private_key_jwt` assertions some IdPs require, its `use=enc` keys open
//! the ID tokens and userinfo answers Plus IdPs encrypt to it.
//!
//! What an IdP sends is pinned by its registration: an IdP registered with
//! an encryption algorithm must send a JWE with exactly that `alg` (and
//! A256GCM); one registered without must send a plain JWS. A JWE is opened
//! with the key its header's `kid` names, else with each key of that alg.

use crate::jose::{self, DecryptionKey, JoseError, Signer};
use crate::keys::SigningKey;
use relais_core::alg::JweAlg;
use relais_core::partner::IdentityProvider;
use serde_json::json;
use std::sync::Arc;

/// The keys the caller lends the IdP client for one call.
#[derive(Clone, Copy)]
pub struct OwnKeys<'a> {
    /// Signs client assertions (ES256).
    pub signing: Option<&'a SigningKey>,
    /// Every published encryption key, newest first.
    pub decryption: &'a [Arc<DecryptionKey>],
}

/// A client assertion for `idp`'s token endpoint: `iss` = `sub` = Relais'
/// client id there, `aud` = the token endpoint, one minute, a fresh `jti`.
pub fn client_assertion(
    idp: &IdentityProvider,
    key: &SigningKey,
    jti: &str,
    now_secs: i64,
) -> Result<String, JoseError> {
    let claims = json!({
        "iss": idp.client_id,
        "sub": idp.client_id,
        "aud": idp.endpoints.token_endpoint,
        "iat": now_secs,
        "exp": now_secs + 60,
        "jti": jti,
    });
    jose::sign(&claims, Signer::Key(key), None)
}

fn is_jwe(token: &str) -> bool {
    token.bytes().filter(|b| *b == b'.').count() == 4
}

/// The signed JWT inside an IdP answer: the answer itself when the IdP
/// signs only, the plaintext of its JWE when it encrypts (`expected`).
pub fn open_answer(
    token: &str,
    expected: Option<JweAlg>,
    keys: &[Arc<DecryptionKey>],
) -> Result<String, String> {
    let Some(alg) = expected else {
        if is_jwe(token) {
            return Err("encrypted, but this IdP is registered to sign only".into());
        }
        return Ok(token.to_owned());
    };
    if !is_jwe(token) {
        return Err(format!(
            "not encrypted, but this IdP must encrypt with {alg}"
        ));
    }
    let kid = token
        .split('.')
        .next()
        .and_then(|h| crate::jose::base64url::unb64(h).ok())
        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
        .and_then(|h| h.get("kid").and_then(|k| k.as_str()).map(str::to_owned));
    let candidates = keys
        .iter()
        .filter(|k| k.alg().key_type() == alg.key_type())
        .filter(|k| match &kid {
            Some(kid) => k.public_jwk().kid.as_deref() == Some(kid.as_str()),
            None => true,
        });
    let mut last = "no key of Relais can open it (unknown kid)".to_owned();
    for key in candidates {
        match key.decrypt_as(token, alg) {
            Ok(plain) => {
                return String::from_utf8(plain).map_err(|_| "plaintext is not text".into())
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("cannot decrypt: {last}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_pinned_to_the_registration() {
        let rsa = Arc::new(DecryptionKey::generate(JweAlg::RsaOaep256, "r1").unwrap());
        let ec = Arc::new(DecryptionKey::generate(JweAlg::EcdhEs, "e1").unwrap());
        let keys = [rsa.clone(), ec.clone()];
        let jws = "a.b.c";
        assert_eq!(open_answer(jws, None, &keys).as_deref(), Ok(jws));
        assert!(open_answer(jws, Some(JweAlg::EcdhEs), &keys).is_err());
        let jwe = jose::encrypt(
            jws.as_bytes(),
            &ec.public_jwk(),
            JweAlg::EcdhEs,
            Some("JWT"),
        )
        .unwrap();
        assert_eq!(
            open_answer(&jwe, Some(JweAlg::EcdhEs), &keys).as_deref(),
            Ok(jws)
        );
        assert!(
            open_answer(&jwe, None, &keys).is_err(),
            "encrypted to a sign-only IdP"
        );
        assert!(
            open_answer(&jwe, Some(JweAlg::RsaOaep256), &keys).is_err(),
            "another alg than registered"
        );
        let stranger = DecryptionKey::generate(JweAlg::EcdhEs, "e1").unwrap();
        let jwe =
            jose::encrypt(jws.as_bytes(), &stranger.public_jwk(), JweAlg::EcdhEs, None).unwrap();
        assert!(
            open_answer(&jwe, Some(JweAlg::EcdhEs), &keys).is_err(),
            "to someone else's key"
        );
    }
}
