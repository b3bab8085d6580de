//! Partners' public keys: what a service or a data provider gives inline
//! in its registration (a JWKS, or one JWK) or publishes at its `jwks_uri`
//! (fetched through the shared HTTP client, cached for a minute, fetched
//! again when a token names a key the cached set lacks, or when no cached
//! key can encrypt to it).
//!
//! Signing keys verify `private_key_jwt` assertions; `use=enc` keys receive
//! encrypted ID tokens, userinfo and checktoken answers.

use crate::state::AppState;
use relais_core::JweAlg;
use relais_oidc::jose::{Jwk, JwkSet};
use serde_json::Value;
use std::sync::Arc;

/// Where a partner's keys are.
#[derive(Debug, Clone, Copy)]
pub enum KeySource<'a> {
    /// A JWKS document (`{"keys": […]}`) or a single JWK.
    Inline(&'a Value),
    Published(&'a str),
    Missing,
}

impl<'a> KeySource<'a> {
    pub fn of(inline: Option<&'a Value>, jwks_uri: Option<&'a str>) -> KeySource<'a> {
        match (inline, jwks_uri) {
            (Some(v), _) => KeySource::Inline(v),
            (None, Some(u)) => KeySource::Published(u),
            (None, None) => KeySource::Missing,
        }
    }

    /// Whether asking again may give other keys.
    pub fn is_published(self) -> bool {
        matches!(self, KeySource::Published(_))
    }
}

fn inline_set(v: &Value) -> Result<JwkSet, String> {
    if v.get("keys").is_some() {
        serde_json::from_value(v.clone()).map_err(|_| "inline jwks is not a key set".into())
    } else {
        serde_json::from_value::<Jwk>(v.clone())
            .map(|k| JwkSet { keys: vec![k] })
            .map_err(|_| "inline key is not a JWK".into())
    }
}

/// The partner's key set; `refresh` asks a published set again.
pub async fn key_set(
    app: &AppState,
    source: KeySource<'_>,
    refresh: bool,
) -> Result<Arc<JwkSet>, String> {
    match source {
        KeySource::Inline(v) => inline_set(v).map(Arc::new),
        KeySource::Published(url) => app
            .idp_client
            .partner_key_set(url, app.clock.now_millis(), refresh)
            .await
            .map_err(|e| format!("partner keys: {e}")),
        KeySource::Missing => Err("no keys registered".into()),
    }
}

fn encryption_fit(k: &Jwk, alg: JweAlg) -> bool {
    k.kty == alg.key_type()
        && k.use_.as_deref().is_none_or(|u| u == "enc")
        && k.alg.as_deref().is_none_or(|a| a == alg.as_str())
}

/// The key to encrypt to with `alg`: the first `use=enc` key of that type
/// (its `kid` goes in the JWE header); a published set is asked again once
/// when none fits (the partner may have just added it).
pub async fn encryption_key(
    app: &AppState,
    source: KeySource<'_>,
    alg: JweAlg,
) -> Result<Jwk, String> {
    let set = key_set(app, source, false).await?;
    if let Some(k) = set.keys.iter().find(|k| encryption_fit(k, alg)) {
        return Ok(k.clone());
    }
    if source.is_published() {
        let fresh = key_set(app, source, true).await?;
        if let Some(k) = fresh.keys.iter().find(|k| encryption_fit(k, alg)) {
            return Ok(k.clone());
        }
    }
    Err(format!("no {} key with use=enc for {alg}", alg.key_type()))
}
