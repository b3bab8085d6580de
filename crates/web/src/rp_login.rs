//! Relais as the relying party of another OpenID provider, outside the
//! citizens' federation login: the citizen space (towards Relais itself)
//! and the partner space's public agents (towards the operator's agent
//! provider). One way to do it: a pending login stored under its `state`
//! with a nonce and a PKCE verifier, bound to the browser that started it
//! by a cookie; on return the state is spent once, the binding compared in
//! constant time, the code exchanged, the ID token verified and userinfo
//! read with Relais' hardened IdP client.

use crate::cookies;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use relais_core::partner::IdentityProvider;
use relais_core::token_digest::stored_key;
use relais_oidc::idp_client::{CodeExchange, IdpError, OwnKeys, VerifiedIdToken};
use relais_store::StoreError;
use serde::{Deserialize, Serialize};

const TTL_SECS: u64 = 10 * 60;

/// What is kept between the redirect and the return.
#[derive(Serialize, Deserialize)]
pub struct PendingLogin {
    pub nonce: String,
    pub code_verifier: String,
    binding: String,
}

/// Why a return is refused.
#[derive(Debug)]
pub enum ReturnRefused {
    /// Unknown, spent, or started by another browser.
    State(&'static str),
    Store(StoreError),
}

impl From<StoreError> for ReturnRefused {
    fn from(e: StoreError) -> Self {
        ReturnRefused::Store(e)
    }
}

/// One kind of login: its store prefix and binding cookie.
pub struct RpLogin {
    pub prefix: &'static str,
    pub cookie: &'static str,
}

impl RpLogin {
    /// A new pending login under a fresh state; returns the state, the
    /// login and the binding cookie to set.
    pub async fn begin(
        &self,
        app: &AppState,
    ) -> Result<(String, PendingLogin, Option<HeaderValue>), StoreError> {
        let state = app.random.hex(32);
        let pending = PendingLogin {
            nonce: app.random.hex(32),
            code_verifier: app.random.token(48),
            binding: app.random.token(24),
        };
        app.save(&stored_key(self.prefix, &state), &pending, TTL_SECS)
            .await?;
        let cookie = cookies::set_cookie(
            self.cookie,
            &pending.binding,
            TTL_SECS,
            app.settings.sandbox,
        );
        Ok((state, pending, cookie))
    }

    /// Spends the pending login of `state`, if this browser started it.
    pub async fn resume(
        &self,
        app: &AppState,
        headers: &HeaderMap,
        state: Option<&str>,
    ) -> Result<PendingLogin, ReturnRefused> {
        let state = state
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .ok_or(ReturnRefused::State("return without state"))?;
        let pending: PendingLogin = app
            .take(&stored_key(self.prefix, state))
            .await?
            .ok_or(ReturnRefused::State("unknown or spent state"))?;
        let bound = cookies::read_cookie(headers, self.cookie).is_some_and(|b| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                b.as_bytes(),
                pending.binding.as_bytes(),
            ))
        });
        if !bound {
            return Err(ReturnRefused::State("state from another browser"));
        }
        Ok(pending)
    }

    /// The cookie that ends the binding.
    pub fn clear_cookie(&self, app: &AppState) -> Option<HeaderValue> {
        cookies::clear_cookie(self.cookie, app.settings.sandbox)
    }
}

/// Exchanges the code, verifies the ID token, reads userinfo. With
/// `assert`, Relais authenticates with its ES256 key when the provider
/// wants `private_key_jwt`.
pub async fn finish(
    app: &AppState,
    provider: &IdentityProvider,
    pending: &PendingLogin,
    code: &str,
    redirect_uri: &str,
    assert: bool,
) -> Result<(VerifiedIdToken, serde_json::Map<String, serde_json::Value>), IdpError> {
    let keys = app.keys.current();
    let es256 = if assert {
        app.keys.signing_key(relais_oidc::JwsAlg::ES256)
    } else {
        None
    };
    let own = OwnKeys {
        signing: es256.as_deref(),
        decryption: &keys.decryption,
    };
    let now = app.clock.now_millis();
    let jti = app.random.token(16);
    let tokens = app
        .idp_client
        .exchange_code(
            provider,
            CodeExchange {
                code,
                redirect_uri,
                code_verifier: &pending.code_verifier,
                assertion_jti: &jti,
                now_secs: app.clock.now_secs(),
            },
            own,
        )
        .await?;
    let id_token = app
        .idp_client
        .verify_id_token(provider, &tokens.id_token, &pending.nonce, now, own)
        .await?;
    let claims = app
        .idp_client
        .userinfo(provider, &tokens.access_token, now, own)
        .await?;
    Ok((id_token, claims))
}
