//! Data providers validate an access token (`POST /checktoken`, docs/design.md §6).
//!
//! The DP authenticates with its own credentials; the answer is a JWT signed
//! by Relais (`application/token-introspection+jwt`), encrypted to the DP's
//! key when it asked for it. It tells the DP whether the token is active, for
//! which service, under which DP-specific pairwise `sub`, and which of *its*
//! scopes were granted — never another DP's — plus the pivot identity it
//! needs to find its records.

use crate::abuse::client_auth::{self, Caller};
use crate::abuse::ClientIp;
use crate::access_record;
use crate::error::JsonError;
use crate::extract::OAuthForm;
use crate::flow::AccessGrant;
use crate::partner_keys::{self, KeySource};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use relais_core::event::EventKind;
use relais_core::scope::Claim;
use relais_core::subject::{IdentityHash, PairwiseSub};
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_oidc::jose::{self, Signer};
use relais_oidc::provider::secret_matches;
use relais_oidc::JwsAlg;
use serde_json::{json, Map, Value};

const PIVOT: [Claim; 6] = [
    Claim::GivenName,
    Claim::FamilyName,
    Claim::Birthdate,
    Claim::Gender,
    Claim::Birthplace,
    Claim::Birthcountry,
];

fn missing(field: &str) -> JsonError {
    JsonError::new(
        ErrorCode::TokenInvalidRequest,
        format!("{field} is missing"),
    )
}

pub async fn checktoken(
    State(app): State<AppState>,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm,
) -> Result<Response, JsonError> {
    let field = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let token = field("token").ok_or_else(|| missing("token"))?;
    let client_id = field("client_id").ok_or_else(|| missing("client_id"))?;
    let secret = field("client_secret").ok_or_else(|| missing("client_secret"))?;
    let peer = ClientIp::from_headers(&headers);
    let ip = peer.map(|p| p.0.to_string());
    let peer = peer.unwrap_or(ClientIp::UNKNOWN);
    // The access token is read with the lock (one trip), used only once
    // the data provider is authenticated.
    let at_key = (token.len() <= 128).then(|| stored_key("at", token));
    let grant = client_auth::refuse_if_locked(&app, client_id, peer, at_key.as_deref()).await?;
    let dp = app.registry.dp(client_id).filter(|d| d.active);
    let Some(dp) = dp.filter(|d| secret_matches(secret, &d.client_secret)) else {
        let mut e = app.event(EventKind::DpUsedInvalidCredential);
        e.dp_id = Some(client_id.chars().take(64).collect());
        e.ip = ip;
        app.events.emit(e);
        let refusal = JsonError::new(
            ErrorCode::TokenInvalidClient,
            "unknown data provider or wrong secret",
        );
        return Err(
            client_auth::failed(&app, client_id, peer, Caller::DataProvider, refusal).await,
        );
    };
    client_auth::charge_budget(&app, &dp.id).await?;
    let grant: Option<AccessGrant> = grant.map(|b| access_record::decode(&b)).transpose()?;
    let now = app.clock.now_secs();
    let mut verified = None;
    let introspection = match &grant {
        None => {
            let mut e = app.event(EventKind::DpUsedInvalidAccessToken);
            e.dp_id = Some(dp.id.clone());
            e.ip = ip;
            app.events.emit(e);
            json!({"active": false})
        }
        Some(g) => {
            let granted: Vec<&str> = g.scopes.iter().filter(|s| dp.serves(s)).collect();
            let mut t = Map::new();
            t.insert("active".into(), json!(true));
            t.insert("aud".into(), json!(g.client_id));
            let hash = IdentityHash::from_stored(g.account_id.clone());
            t.insert(
                "sub".into(),
                json!(PairwiseSub::derive(
                    &format!("dp:{}", dp.id),
                    &hash,
                    app.settings.sub_secret.as_bytes()
                )
                .as_str()),
            );
            t.insert("iat".into(), json!(g.issued_at));
            t.insert(
                "exp".into(),
                json!(g.issued_at + i64::try_from(g.token_ttl).unwrap_or(60)),
            );
            t.insert("acr".into(), json!(g.acr.as_str()));
            t.insert("jti".into(), json!(app.random.token(16)));
            t.insert("scope".into(), json!(granted.join(" ")));
            // RFC 9449 §6.2: the DP checks the service's proof against this key.
            if let Some(jkt) = &g.dpop_jkt {
                t.insert("cnf".into(), json!({ "jkt": jkt }));
            }
            if !granted.is_empty() {
                for c in PIVOT {
                    if let Some(v) = g.identity.claim_value(c) {
                        t.insert(c.name().into(), v);
                    }
                }
            }
            let mut e = app.event(EventKind::DpVerifiedFcChecktoken);
            e.dp_id = Some(dp.id.clone());
            e.sp_id = Some(g.client_id.clone());
            e.account_id = Some(app.event_account_id(&g.account_id));
            e.scopes = Some(granted.join(" "));
            e.ip = ip;
            verified = Some(e);
            Value::Object(t)
        }
    };
    if let Some(e) = verified {
        app.events.record(vec![e]).await;
    }
    let payload = json!({"iss": app.settings.issuer(), "aud": dp.client_id, "iat": now, "token_introspection": introspection});
    let alg = match dp.checktoken_signed_response_alg {
        JwsAlg::RS256 => JwsAlg::RS256,
        _ => JwsAlg::ES256,
    };
    let key = app
        .keys
        .signing_key(alg)
        .ok_or_else(|| JsonError::new(ErrorCode::Internal, "no signing key"))?;
    let signed = jose::sign(&payload, Signer::Key(&key), Some("token-introspection+jwt"))
        .map_err(|e| JsonError::new(ErrorCode::Internal, e.to_string()))?;
    let body = match dp.checktoken_encrypted_response_alg {
        None => signed,
        Some(jwe_alg) => {
            let source = KeySource::of(dp.encryption_jwk.as_ref(), dp.jwks_uri.as_deref());
            let jwk = partner_keys::encryption_key(&app, source, jwe_alg)
                .await
                .map_err(|e| JsonError::new(ErrorCode::Internal, e))?;
            jose::encrypt(signed.as_bytes(), &jwk, jwe_alg, Some("JWT"))
                .map_err(|e| JsonError::new(ErrorCode::Internal, e.to_string()))?
        }
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/token-introspection+jwt"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
