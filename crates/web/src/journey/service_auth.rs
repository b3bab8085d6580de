//! How a service proves who it is on the back channel (token, revocation,
//! PAR): a client secret (`client_secret_post` / `client_secret_basic`,
//! compared in constant time) or an RFC 7523 assertion (`private_key_jwt`)
//! signed with a key of its registered JWKS. A service registered for
//! `private_key_jwt` — every service on Plus — is refused with a secret.
//!
//! Either way the defences of [`crate::abuse::client_auth`] apply: a
//! locked-out client is refused as locked whatever it presented, each
//! failure is counted, and an authenticated client is charged its budget.
//! The credentials are checked before the lock is read, so that a step
//! can read the lock in its own trip ([`ServiceCaller`]); a caller that
//! fails has its lock read before its failure is counted. An assertion's
//! `jti` is single use across nodes (a new entry in the ephemeral store,
//! kept until the assertion expires), spent in the same trip as the lock
//! is read: the token step's own, or one of their own.

use crate::abuse::client_auth::{self, Caller};
use crate::abuse::{ClientIp, Lockout};
use crate::error::JsonError;
use crate::flow_batch::RecordWrites;
use crate::partner_keys::{self, KeySource};
use crate::state::AppState;
use axum::http::{header, HeaderMap};
use relais_core::partner::{ServiceProvider, SpAuthMethod};
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_oidc::client_assertion::{self, AssertionError, JWT_BEARER};
use relais_oidc::jose::JoseError;
use relais_oidc::provider::{presented_client, secret_matches, ClientAuthError, ClientAuthMethod};
use std::collections::HashMap;
use std::sync::Arc;

fn invalid_request(detail: &str) -> JsonError {
    JsonError::new(ErrorCode::TokenInvalidRequest, detail)
}

fn basic_challenge(code: ErrorCode, detail: &str) -> JsonError {
    JsonError {
        code,
        detail: detail.into(),
        retry_after: None,
        www_authenticate: Some("Basic realm=\"relais\"".into()),
    }
}

/// A service whose credentials checked out, with what is still to be
/// checked in the ephemeral store: its lock (its client from this IP,
/// [`crate::abuse::lockout`]) and, for an assertion, that its `jti` was
/// never used. The step checks them in the trip of its own records
/// ([`ServiceCaller::guard`]), or in a trip of their own
/// ([`ServiceCaller::unlocked`]); either way before any other answer:
/// whatever a locked-out caller is told but "locked" would tell it that
/// its secret was right.
pub struct ServiceCaller {
    pub sp: Arc<ServiceProvider>,
    ip: ClientIp,
    /// The assertion's `jti` entry and how long to keep it (until the
    /// assertion expires).
    jti: Option<(String, u64)>,
}

impl ServiceCaller {
    /// Adds the caller's guards to `writes`: its lock must not live, its
    /// assertion's `jti` is spent (single use across nodes).
    pub fn guard(&self, writes: &mut RecordWrites) {
        writes.absent(Lockout::lock_entry(&self.sp.client_id, self.ip));
        if let Some((key, ttl)) = &self.jti {
            writes.put_new(key.clone(), *ttl);
        }
    }

    /// Reads the guards' answers, the first of `answers`: the refusal of a
    /// locked-out caller (a lock whose end has just passed still refuses:
    /// it is gone within the second), or of a replayed assertion (counted
    /// as a failed authentication).
    pub async fn guarded(
        &self,
        app: &AppState,
        answers: &mut impl Iterator<Item = Option<Vec<u8>>>,
    ) -> Result<(), JsonError> {
        if let Some(lock) = answers.next().flatten() {
            let left = app.abuse.lockout.seconds_left(Some(&lock)).unwrap_or(1);
            return Err(client_auth::locked_out(app, left));
        }
        if self.jti.is_some() && answers.next().flatten().is_some() {
            let replayed = JsonError::new(
                ErrorCode::ClientAssertionReplayed,
                "client assertion jti already used",
            );
            let id = &self.sp.client_id;
            return Err(client_auth::failed(app, id, self.ip, Caller::Service, replayed).await);
        }
        Ok(())
    }

    /// The guards in a trip of their own.
    async fn checked(&self, app: &AppState) -> Result<(), JsonError> {
        let mut writes = RecordWrites::new();
        self.guard(&mut writes);
        let answers = app.ephemeral_batch(&writes.ops()).await?;
        self.guarded(app, &mut answers.into_iter()).await
    }

    /// The service, once its guards are checked (one trip).
    pub async fn unlocked(self, app: &AppState) -> Result<Arc<ServiceProvider>, JsonError> {
        self.checked(app).await?;
        Ok(self.sp)
    }

    /// `refusal`, or the guards' own refusal ("locked", a replayed
    /// assertion): for a step that refuses before the trip that would have
    /// checked them. An assertion's `jti` is spent all the same.
    pub async fn refusing(&self, app: &AppState, refusal: JsonError) -> JsonError {
        match self.checked(app).await {
            Ok(()) => refusal,
            Err(guard) => guard,
        }
    }
}

/// Authenticates the calling service at `endpoint` (the URL it called:
/// an assertion's `aud` may name it, the token endpoint or the issuer).
pub async fn authenticate(
    app: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    endpoint: &str,
) -> Result<Arc<ServiceProvider>, JsonError> {
    authenticate_service(app, headers, form, endpoint)
        .await?
        .unlocked(app)
        .await
}

/// [`authenticate`], the lock left to the caller ([`ServiceCaller`]): the
/// token step checks it in the trip that takes the code. A caller that
/// fails is refused as [`authenticate`] refuses it: "locked" when it is
/// locked out, else its failure counted.
pub async fn authenticate_service(
    app: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    endpoint: &str,
) -> Result<ServiceCaller, JsonError> {
    let ip = ClientIp::from_headers(headers).unwrap_or(ClientIp::UNKNOWN);
    if form.contains_key("client_assertion") || form.contains_key("client_assertion_type") {
        return by_assertion(app, headers, form, endpoint, ip).await;
    }
    let authz = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let presented = presented_client(
        authz,
        form.get("client_id").map(String::as_str),
        form.get("client_secret").map(String::as_str),
    )
    .map_err(|e| match e {
        ClientAuthError::Missing => {
            basic_challenge(ErrorCode::TokenInvalidClient, "no client credentials")
        }
        ClientAuthError::Malformed => invalid_request("malformed client credentials"),
    })?;
    let sp = app.registry.sp(&presented.client_id).filter(|sp| sp.active);
    let basic = presented.method == ClientAuthMethod::ClientSecretBasic;
    let refusal = |code: ErrorCode, detail: &str| JsonError {
        code,
        detail: detail.into(),
        retry_after: None,
        www_authenticate: basic.then(|| "Basic realm=\"relais\"".into()),
    };
    let failure = match sp {
        Some(sp) if !sp.token_endpoint_auth_method.uses_secret() => refusal(
            ErrorCode::ClientSecretRefused,
            "secret presented by a private_key_jwt client",
        ),
        Some(sp) if secret_accepted(app, &sp, &presented.secret) => {
            client_auth::charge_budget(app, &sp.client_id).await?;
            return Ok(ServiceCaller { sp, ip, jti: None });
        }
        _ => refusal(
            ErrorCode::TokenInvalidClient,
            "client authentication failed",
        ),
    };
    client_auth::refuse_if_locked(app, &presented.client_id, ip, None).await?;
    Err(client_auth::failed(app, &presented.client_id, ip, Caller::Service, failure).await)
}

/// The current secret, or the previous one during its grace period (both
/// compared in constant time, whichever matches).
fn secret_accepted(app: &AppState, sp: &ServiceProvider, presented: &str) -> bool {
    let current = secret_matches(presented, &sp.client_secret);
    let retiring = match (&sp.retiring_client_secret, sp.retiring_until) {
        (Some(old), Some(until)) if app.clock.now_millis() < until => {
            secret_matches(presented, old)
        }
        _ => false,
    };
    current | retiring
}

async fn by_assertion(
    app: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    endpoint: &str,
    ip: ClientIp,
) -> Result<ServiceCaller, JsonError> {
    if form.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
        return Err(invalid_request("client_assertion_type must be jwt-bearer"));
    }
    if headers.contains_key(header::AUTHORIZATION) || form.contains_key("client_secret") {
        return Err(invalid_request(
            "more than one client authentication method",
        ));
    }
    let assertion = form
        .get("client_assertion")
        .ok_or_else(|| invalid_request("client_assertion missing"))?;
    let client_id = client_assertion::claimed_issuer(assertion)
        .map_err(|e| JsonError::new(ErrorCode::ClientAssertionInvalid, e.to_string()))?;
    if form.get("client_id").is_some_and(|c| *c != client_id) {
        return Err(JsonError::new(
            ErrorCode::ClientAssertionInvalid,
            "client_id differs from the assertion's iss",
        ));
    }
    match verify_assertion(app, &client_id, assertion, endpoint).await {
        Ok((sp, jti)) => {
            client_auth::charge_budget(app, &sp.client_id).await?;
            Ok(ServiceCaller {
                sp,
                ip,
                jti: Some(jti),
            })
        }
        Err(refusal) => {
            client_auth::refuse_if_locked(app, &client_id, ip, None).await?;
            Err(client_auth::failed(app, &client_id, ip, Caller::Service, refusal).await)
        }
    }
}

fn refused(e: AssertionError) -> JsonError {
    let code = match e {
        AssertionError::Expired | AssertionError::TooLong => ErrorCode::ClientAssertionExpired,
        AssertionError::WrongAudience => ErrorCode::ClientAssertionWrongAudience,
        _ => ErrorCode::ClientAssertionInvalid,
    };
    JsonError::new(code, e.to_string())
}

/// The service an assertion authenticates, and its `jti`'s entry with how
/// long to keep it: spent by the step's trip ([`ServiceCaller::guard`]).
async fn verify_assertion(
    app: &AppState,
    client_id: &str,
    assertion: &str,
    endpoint: &str,
) -> Result<(Arc<ServiceProvider>, (String, u64)), JsonError> {
    let sp = app
        .registry
        .sp(client_id)
        .filter(|sp| sp.active)
        .ok_or_else(|| JsonError::new(ErrorCode::TokenInvalidClient, "unknown client"))?;
    if sp.token_endpoint_auth_method != SpAuthMethod::PrivateKeyJwt {
        return Err(JsonError::new(
            ErrorCode::TokenInvalidClient,
            "client not registered for private_key_jwt",
        ));
    }
    let source = KeySource::of(sp.jwks.as_ref(), sp.jwks_uri.as_deref());
    let keys = partner_keys::key_set(app, source, false)
        .await
        .map_err(|e| JsonError::new(ErrorCode::ClientAssertionInvalid, e))?;
    let algs = app.settings.platform.client_assertion_algs();
    let claims = match client_assertion::verify_signature(assertion, &keys, algs) {
        Err(AssertionError::Signature(JoseError::UnknownKey)) if source.is_published() => {
            // The service may have rotated its keys: ask its JWKS again.
            let fresh = partner_keys::key_set(app, source, true)
                .await
                .map_err(|e| JsonError::new(ErrorCode::ClientAssertionInvalid, e))?;
            client_assertion::verify_signature(assertion, &fresh, algs)
        }
        other => other,
    }
    .map_err(refused)?;
    let issuer = app.settings.issuer();
    let token_endpoint = format!("{issuer}/token");
    let audiences = [issuer.as_str(), token_endpoint.as_str(), endpoint];
    let now = app.clock.now_secs();
    let checked =
        client_assertion::check_claims(&claims, client_id, &audiences, now).map_err(refused)?;
    let ttl = u64::try_from(checked.exp - now).unwrap_or(1).max(1);
    let replay_key = stored_key("jti", &format!("{client_id}\u{0}{}", checked.jti));
    Ok((sp, (replay_key, ttl)))
}
