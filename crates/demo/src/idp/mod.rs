//! One demo identity provider: a plain OpenID provider over the table of
//! test citizens. It uses the same OIDC building blocks as the federation
//! (JWS, PKCE, client authentication) and keeps its codes and tokens in its
//! own in-memory ephemeral store.
//!
//! Routes, relative to its issuer: discovery, `jwks`, `authorize` (login
//! form), `login` (form POST), `token`, `userinfo`, `session/end`.

mod federation_keys;
mod login;
mod token;

use crate::world::{DemoIdpSpec, DemoWorld};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use relais_core::partner::IdpClientAuth;
use relais_core::{Clock, Randomness};
use relais_oidc::jose::JwkSet;
use relais_oidc::SigningKey;
use relais_store::memory::MemoryEphemeral;
use relais_store::EphemeralStore;
use serde_json::json;
use std::sync::Arc;

pub struct DemoIdp {
    pub spec: DemoIdpSpec,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the federation may be sent back to (login and logout).
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    key: SigningKey,
    jwks: String,
    store: MemoryEphemeral,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
    /// Bench mode: skip the form and log this citizen in at once.
    pub auto_login: Option<String>,
    /// The federation's base URL (its JWKS, for Plus IdPs).
    federation_url: String,
    federation_keys: federation_keys::FederationKeys,
}

impl DemoIdp {
    pub fn new(
        spec: &DemoIdpSpec,
        world: &DemoWorld,
        federation_url: &str,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
    ) -> Result<DemoIdp, relais_oidc::JoseError> {
        let key = SigningKey::generate(spec.alg, "")?;
        let jwks = serde_json::to_string(&JwkSet {
            keys: vec![key.public_jwk()],
        })
        .unwrap_or_default();
        let fed = federation_url.trim_end_matches('/');
        Ok(DemoIdp {
            spec: spec.clone(),
            issuer: world.idp_issuer(spec.id),
            client_id: "relais".into(),
            client_secret: world.idp_client_secret(spec.id),
            // Relais as a client: citizens' logins, and public agents signing in
            // to the partner space when this IdP is `[partners] agent_idp`.
            redirect_uris: vec![
                format!("{fed}/api/v2/idp/callback"),
                format!("{fed}/partenaires/agent/retour"),
            ],
            post_logout_redirect_uris: vec![format!("{fed}/api/v2/idp/logout-callback")],
            key,
            jwks,
            store: MemoryEphemeral::new(clock.clone()),
            clock,
            random,
            auto_login: None,
            federation_url: fed.to_owned(),
            federation_keys: Default::default(),
        })
    }

    async fn put_json<T: serde::Serialize>(&self, key: &str, v: &T, ttl: u64) -> bool {
        match serde_json::to_vec(v) {
            Ok(b) => self.store.put(key, &b, ttl).await.is_ok(),
            Err(_) => false,
        }
    }

    async fn take_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let b = self.store.take(key).await.ok().flatten()?;
        serde_json::from_slice(&b).ok()
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let b = self.store.get(key).await.ok().flatten()?;
        serde_json::from_slice(&b).ok()
    }

    /// The IdP's own subject for a citizen (differs per IdP on purpose).
    fn sub_for(&self, login: &str) -> String {
        relais_oidc::pkce::s256_challenge(&format!("{}:{login}", self.spec.id))
    }
}

async fn discovery(State(idp): State<Arc<DemoIdp>>) -> Response {
    let iss = &idp.issuer;
    let mut doc = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [idp.spec.alg.as_str()],
        "token_endpoint_auth_methods_supported": [match idp.spec.client_auth {
            IdpClientAuth::PrivateKeyJwt => "private_key_jwt",
            IdpClientAuth::ClientSecretBasic => "client_secret_basic",
            IdpClientAuth::ClientSecretPost => "client_secret_post",
        }],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": idp.spec.allowed_acr.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        "scopes_supported": ["openid", "given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry", "email", "preferred_username"],
    });
    if idp.spec.end_session {
        doc["end_session_endpoint"] = json!(format!("{iss}/session/end"));
    }
    if idp.spec.userinfo_signed {
        doc["userinfo_signing_alg_values_supported"] = json!([idp.spec.alg.as_str()]);
    }
    if let Some(alg) = idp.spec.encrypts_to_relais {
        for k in ["id_token", "userinfo"] {
            doc[format!("{k}_encryption_alg_values_supported")] = json!([alg.as_str()]);
            doc[format!("{k}_encryption_enc_values_supported")] = json!(["A256GCM"]);
        }
    }
    axum::Json(doc).into_response()
}

async fn jwks(State(idp): State<Arc<DemoIdp>>) -> Response {
    let mut r = idp.jwks.clone().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The routes of one demo IdP, to be nested at its issuer's path.
pub fn router(idp: Arc<DemoIdp>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(login::authorize))
        .route("/login", post(login::submit))
        .route("/token", post(token::token))
        .route("/userinfo", get(token::userinfo).post(token::userinfo))
        .route("/session/end", get(login::end_session))
        .with_state(idp)
}
