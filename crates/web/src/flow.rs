//! The ephemeral records a login walks through, and how they are read and
//! written. Each lives in the ephemeral store under a prefixed key with a TTL:
//!
//! - `sess:<id>`  [`BrowserSession`]: the citizen's federation session (SSO).
//! - `int:<uid>`  [`Interaction`]: one service's login request in progress.
//! - `csrf:<tok>` [`CsrfGrant`]: a single-use form token bound to its form.
//! - `idp:<state>` [`IdpAttempt`]: one redirect to an IdP (state, nonce, PKCE).
//! - `ready:<uid>` marker: the login can be completed once (consent step).
//! - `code:<code>` [`CodeGrant`], `used:<code>`, `at:<token>` [`AccessGrant`].

use crate::compact::{self, CompactRecord};
use crate::cookies;
use crate::error::PageError;
use crate::idp_id_token::IdpIdToken;
use crate::metrics::store_op::StoreOp;
use crate::state::AppState;
use axum::http::HeaderMap;
use relais_core::authorize::AuthorizeRequest;
use relais_core::pivot::PivotIdentity;
use relais_core::subject::IdentityHash;
use relais_core::token_digest::stored_key;
use relais_core::{AcrLevel, ErrorCode};
use relais_store::StoreError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub const CODE_TTL: u64 = 30;
/// FranceConnect's access-token lifetime; a service may register another.
pub const TOKEN_TTL: u64 = 60;

fn default_token_ttl() -> u64 {
    TOKEN_TTL
}

/// What an IdP proved about the citizen, once verified.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifiedLogin {
    pub identity: PivotIdentity,
    pub identity_hash: IdentityHash,
    pub idp_id: String,
    pub idp_acr: AcrLevel,
    pub idp_sub: String,
    pub amr: Vec<String>,
    /// Unix seconds.
    pub auth_time: i64,
    /// The IdP's ID token, kept only to end the IdP session at logout.
    pub idp_id_token: IdpIdToken,
    /// Per-organisation sub overrides of the account, read at login.
    #[serde(default)]
    pub sub_overrides: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BrowserSession {
    pub id: String,
    pub browsing_session: String,
    pub login: Option<VerifiedLogin>,
    /// (client_id, sub) pairs issued in this session, for logout hints.
    pub issued: Vec<(String, String)>,
    /// Unix ms when the session ends (slides on Standard, never past
    /// `started_at` + the platform's absolute lifetime).
    pub expires_at: i64,
    /// Unix ms when the session was opened.
    #[serde(default)]
    pub started_at: i64,
}

/// Where an interaction stands. Only `Done` decides anything (a finished
/// interaction is continued by no step); the others tell a person reading
/// a record how far the login went. The variants are stored by position:
/// a new one goes last.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum InteractionStep {
    /// Before the IdP, or back from it with an error. A pick at the
    /// chooser leaves it there: the pick's one trip to the store writes
    /// the IdP attempt, not the interaction.
    Chooser,
    /// Sent to the IdP the service hinted (`idp_hint`), without a chooser.
    AtIdp,
    /// Identity verified (or reused on SSO), consent to give.
    Consent,
    Done,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interaction {
    pub uid: String,
    pub session_id: String,
    pub request: AuthorizeRequest,
    pub step: InteractionStep,
    /// Title of the IdP that just failed, for the chooser's banner.
    pub idp_error: Option<String>,
    pub login: Option<VerifiedLogin>,
    pub sso: bool,
}

impl Interaction {
    /// What the store keeps of a finished interaction: its id, its session
    /// and its step, enough to tell a back button "already completed".
    /// The request's texts and the login are left out.
    pub fn finished_marker(&self) -> Interaction {
        Interaction {
            uid: self.uid.clone(),
            session_id: self.session_id.clone(),
            request: AuthorizeRequest {
                client_id: String::new(),
                redirect_uri: String::new(),
                state: String::new(),
                nonce: String::new(),
                scopes: Default::default(),
                acr: self.request.acr,
                prompt_login: false,
                prompt_consent: false,
                prompt_none: false,
                max_age: None,
                amr_requested: false,
                idp_hint: None,
                ui_locales: None,
                code_challenge: None,
            },
            step: InteractionStep::Done,
            idp_error: None,
            login: None,
            sso: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsrfGrant {
    pub session_id: String,
    pub form: String,
}

/// One redirect to an IdP, stored under its state until the callback
/// takes it. The level asked of the IdP is not kept: the callback checks
/// the ID token against the interaction's request and the IdP's allowed
/// levels, and the chooser writes the attempt before it has read the
/// interaction (journey/chooser.rs). An attempt of an earlier version,
/// which ended with that level, still reads: trailing bytes are ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdpAttempt {
    pub uid: String,
    pub session_id: String,
    pub idp_id: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// What a code (then its access token) carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: String,
    pub sub: String,
    pub acr: AcrLevel,
    pub amr: Option<Vec<String>>,
    pub auth_time: i64,
    pub scopes: relais_core::scope::ScopeSet,
    pub identity: PivotIdentity,
    pub account_id: String,
    pub idp_id: String,
    pub session_id: String,
    pub browsing_session: String,
    /// Unix seconds when the access token was issued (0 for a code).
    #[serde(default)]
    pub issued_at: i64,
    /// Lifetime of the access token, in seconds (the service's).
    #[serde(default = "default_token_ttl")]
    pub token_ttl: u64,
    /// The access token is DPoP-bound to the key of this thumbprint.
    #[serde(default)]
    pub dpop_jkt: Option<String>,
}

pub type AccessGrant = CodeGrant;

impl CompactRecord for BrowserSession {}
impl CompactRecord for Interaction {}
impl CompactRecord for CsrfGrant {}
impl CompactRecord for IdpAttempt {}
impl CompactRecord for CodeGrant {}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("ephemeral record: {e}"))
}

impl AppState {
    pub(crate) async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let started = std::time::Instant::now();
        let got = self.stores.ephemeral.get(key).await;
        self.metrics
            .store_op(StoreOp::EphemeralGet, started.elapsed());
        got
    }

    async fn take_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let started = std::time::Instant::now();
        let got = self.stores.ephemeral.take(key).await;
        self.metrics
            .store_op(StoreOp::EphemeralTake, started.elapsed());
        got
    }

    async fn put_bytes(&self, key: &str, bytes: &[u8], ttl: u64) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let put = self.stores.ephemeral.put(key, bytes, ttl).await;
        self.metrics
            .store_op(StoreOp::EphemeralPut, started.elapsed());
        put
    }

    /// Reads a JSON record (the pages' occasional records).
    pub async fn load<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.get_bytes(key).await? {
            Some(b) => serde_json::from_slice(&b).map(Some).map_err(corrupt),
            None => Ok(None),
        }
    }

    pub async fn take<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        match self.take_bytes(key).await? {
            Some(b) => serde_json::from_slice(&b).map(Some).map_err(corrupt),
            None => Ok(None),
        }
    }

    pub async fn save<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: u64,
    ) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(value).map_err(corrupt)?;
        self.put_bytes(key, &bytes, ttl).await
    }

    /// Reads one of the login's records (compact layout, [`compact`]).
    pub async fn load_record<T: CompactRecord>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.get_bytes(key)
            .await?
            .map(|b| compact::decode(&b))
            .transpose()
    }

    /// An access token's record ([`crate::access_record`]: its layout is
    /// not a compact record's).
    pub async fn load_access_grant(&self, key: &str) -> Result<Option<AccessGrant>, StoreError> {
        self.get_bytes(key)
            .await?
            .map(|b| crate::access_record::decode(&b))
            .transpose()
    }

    pub async fn take_record<T: CompactRecord>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.take_bytes(key)
            .await?
            .map(|b| compact::decode(&b))
            .transpose()
    }

    pub async fn save_record<T: CompactRecord>(
        &self,
        key: &str,
        value: &T,
        ttl: u64,
    ) -> Result<(), StoreError> {
        self.put_bytes(key, &compact::encode(value)?, ttl).await
    }

    /// The session named by the request's cookie, if live.
    pub async fn current_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<BrowserSession>, StoreError> {
        let Some(key) = self.session_key(headers) else {
            return Ok(None);
        };
        let bytes = self.get_bytes(&key).await?;
        self.live_session(bytes)
    }

    /// The store key of the session the request's cookie names.
    pub(crate) fn session_key(&self, headers: &HeaderMap) -> Option<String> {
        self.session_id(headers).as_deref().map(session_record_key)
    }

    /// The session id the request's cookie names (live or not).
    pub(crate) fn session_id(&self, headers: &HeaderMap) -> Option<String> {
        let name = cookies::session_cookie_name(self.settings.sandbox);
        cookies::read_cookie(headers, name).map(str::to_owned)
    }

    /// A stored session, unless past its end (the store's TTL is rounded
    /// to the second).
    pub(crate) fn live_session(
        &self,
        bytes: Option<Vec<u8>>,
    ) -> Result<Option<BrowserSession>, StoreError> {
        let s: Option<BrowserSession> = bytes.map(|b| compact::decode(&b)).transpose()?;
        Ok(s.filter(|s| s.expires_at > self.clock.now_millis()))
    }

    /// Slides the session's end (on Standard, within its maximum) and
    /// answers the store TTL that goes with it, in seconds.
    pub(crate) fn session_ttl(&self, s: &mut BrowserSession) -> u64 {
        let now = self.clock.now_millis();
        let ttl_ms = i64::try_from(self.settings.session_ttl_secs).unwrap_or(1800) * 1000;
        let max_ms = i64::try_from(self.settings.session_max_secs).unwrap_or(43_200) * 1000;
        if self.settings.session_sliding || s.expires_at == 0 {
            s.expires_at = (now + ttl_ms).min(s.started_at.saturating_add(max_ms));
        }
        u64::try_from((s.expires_at - now).max(1000) / 1000).unwrap_or(1)
    }

    pub fn new_session(&self) -> BrowserSession {
        BrowserSession {
            id: self.random.token(32),
            browsing_session: self.random.token(16),
            login: None,
            issued: Vec::new(),
            expires_at: 0,
            started_at: self.clock.now_millis(),
        }
    }

    pub fn session_cookie(&self, s: &BrowserSession) -> Option<axum::http::HeaderValue> {
        cookies::set_cookie(
            cookies::session_cookie_name(self.settings.sandbox),
            &s.id,
            self.settings.session_ttl_secs,
            self.settings.sandbox,
        )
    }

    /// Issues a single-use CSRF token for `form` in this session.
    pub async fn issue_csrf(&self, session_id: &str, form: &str) -> Result<String, StoreError> {
        let token = self.random.token(24);
        let grant = CsrfGrant {
            session_id: session_id.to_owned(),
            form: form.to_owned(),
        };
        self.save_record(
            &stored_key("csrf", &token),
            &grant,
            self.settings.session_ttl_secs,
        )
        .await?;
        Ok(token)
    }

    /// Consumes a CSRF token; it must exist, belong to this session and form.
    pub async fn check_csrf(
        &self,
        token: Option<&str>,
        session_id: &str,
        form: &str,
    ) -> Result<(), PageError> {
        let key = csrf_key(token)?;
        let grant: Option<CsrfGrant> = self.take_record(&key).await?;
        csrf_verdict(grant, session_id, form)
    }
}

/// The store key of the browser session `id`.
pub(crate) fn session_record_key(id: &str) -> String {
    ["sess:", id].concat()
}

/// The store key of the interaction `uid`.
pub(crate) fn interaction_record_key(uid: &str) -> String {
    ["int:", uid].concat()
}

/// The store key of the IdP attempt sent with `state`.
pub(crate) fn attempt_record_key(state: &str) -> String {
    ["idp:", state].concat()
}

/// The store key of the marker saying the interaction `uid` may issue its
/// code: single use, so of two submissions only one gets a code.
pub(crate) fn ready_marker_key(uid: &str) -> String {
    ["ready:", uid].concat()
}

/// The path of the interaction `uid`'s page (`tail` empty) or of one of
/// its actions (`/idp`, `/consent`, `/cancel`).
pub(crate) fn interaction_path(uid: &str, tail: &str) -> String {
    ["/api/v2/interaction/", uid, tail].concat()
}

/// The store key of a form's CSRF token, or why the form has none usable.
pub(crate) fn csrf_key(token: Option<&str>) -> Result<String, PageError> {
    match token.filter(|t| !t.is_empty()) {
        None => Err(PageError::page(ErrorCode::CsrfMissing, "no csrf token")),
        Some(t) if t.len() > 64 => {
            Err(PageError::page(ErrorCode::CsrfWrong, "csrf token too long"))
        }
        Some(t) => Ok(stored_key("csrf", t)),
    }
}

/// Whether the grant taken for a form's token is this session's, for this form.
pub(crate) fn csrf_verdict(
    grant: Option<CsrfGrant>,
    session_id: &str,
    form: &str,
) -> Result<(), PageError> {
    match grant {
        Some(g) if g.session_id == session_id && g.form == form => Ok(()),
        _ => Err(PageError::page(
            ErrorCode::CsrfWrong,
            "csrf token unknown, used, or for another form",
        )),
    }
}

#[cfg(test)]
#[path = "flow_records_tests.rs"]
mod records_tests;
