//! One file per step of a login, in the order a citizen walks them:
//! [`authorize`] → [`chooser`] → [`idp_callback`] → [`consent`] →
//! [`token`] → [`userinfo`] → [`logout`]; plus [`discovery`] (metadata and
//! keys) and [`revocation`].

pub mod answer;
pub mod authorize;
pub mod checktoken;
pub mod chooser;
pub mod consent;
pub mod discovery;
pub mod idp_callback;
pub mod logout;
pub mod par;
pub mod revocation;
pub mod service_auth;
pub mod token;
pub mod userinfo;

use crate::flow::{BrowserSession, Interaction, VerifiedLogin};
use crate::state::AppState;
use axum::http::HeaderMap;
use relais_core::event::{BusinessEvent, EventKind};

/// The client's IP as the guard resolved it (trusted proxies only).
pub fn client_ip(headers: &HeaderMap) -> Option<String> {
    crate::abuse::ClientIp::text_in(headers).map(str::to_owned)
}

impl AppState {
    /// How events name the account of `identity_hash` (keyed, see
    /// `relais_core::subject::EventAccountId`).
    pub fn event_account_id(&self, identity_hash: &str) -> String {
        let hash = relais_core::subject::IdentityHash::from_stored(identity_hash.to_owned());
        relais_core::subject::EventAccountId::derive_with(&hash, &self.settings.event_account_key)
            .into_string()
    }

    /// A business event stamped with the injected clock.
    pub fn event(&self, kind: EventKind) -> BusinessEvent {
        BusinessEvent::new(kind, self.clock.now_millis())
    }

    /// Emits `FC_LOGIN_REFUSED` for a login stopped at `idp_id` with `code`
    /// and a reason (never personal data).
    pub fn emit_refusal(
        &self,
        headers: &HeaderMap,
        session: &BrowserSession,
        interaction: &Interaction,
        idp_id: &str,
        code: relais_core::ErrorCode,
        reason: &str,
    ) {
        let mut e = self.idp_event(
            EventKind::FcLoginRefused,
            headers,
            session,
            interaction,
            idp_id,
        );
        e.error = Some(code.code().to_owned());
        e.reason = Some(reason.to_owned());
        self.events.emit(e);
    }

    /// A login's event about the IdP `idp_id` ([`AppState::login_event`],
    /// naming the IdP before the login has one).
    pub fn idp_event(
        &self,
        kind: EventKind,
        headers: &HeaderMap,
        session: &BrowserSession,
        interaction: &Interaction,
        idp_id: &str,
    ) -> BusinessEvent {
        let mut e = self.login_event(kind, headers, Some(session), Some(interaction));
        e.idp_id = Some(idp_id.to_owned());
        e
    }

    /// An event carrying the session, interaction and service of a login.
    pub fn login_event(
        &self,
        kind: EventKind,
        headers: &HeaderMap,
        session: Option<&BrowserSession>,
        interaction: Option<&Interaction>,
    ) -> BusinessEvent {
        let mut e = self.event(kind);
        e.ip = client_ip(headers);
        if let Some(s) = session {
            e.session = Some(session_label(&s.id));
            e.browsing_session = Some(s.browsing_session.clone());
        }
        if let Some(i) = interaction {
            e.interaction = Some(i.uid.clone());
            e.sp_id = Some(i.request.client_id.clone());
            e.sp_name = self
                .registry
                .sp(&i.request.client_id)
                .map(|sp| sp.name.clone());
            e.sp_acr = Some(i.request.acr.as_str().into());
            e.scopes = Some(i.request.scopes.to_oauth_string());
            if let Some(l) = &i.login {
                self.with_login(&mut e, l);
            }
        }
        e
    }

    /// Names in `e` the account and the IdP of `login`.
    pub fn with_login(&self, e: &mut BusinessEvent, login: &VerifiedLogin) {
        e.account_id = Some(self.event_account_id(login.identity_hash.as_str()));
        e.idp_id = Some(login.idp_id.clone());
        e.idp_acr = Some(login.idp_acr.as_str().into());
        e.idp_sub = Some(login.idp_sub.clone());
    }
}

/// How events name a session: the start of its id, enough to follow one
/// session through the stream without handing out the cookie's value.
pub fn session_label(session_id: &str) -> String {
    session_id.chars().take(8).collect()
}
