//! Signing in to the partner space with an e-mail magic link: the address
//! gets a single-use link (15 minutes, stored as a digest), whose page asks
//! for one click (a POST, so mail scanners that open links do not spend
//! it), which opens an 8-hour session behind an `HttpOnly` cookie. A
//! pre-session cookie binds the forms' CSRF tokens before sign-in.

use crate::cookies;
use crate::error::PageError;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_store::StoreError;
use serde::{Deserialize, Serialize};

pub const LINK_TTL_SECS: u64 = 15 * 60;
pub const SESSION_TTL_SECS: u64 = 8 * 3600;
/// One sign-in e-mail per address per minute.
pub const LINK_PACE_SECS: u64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerSession {
    pub id: String,
    pub email: String,
}

fn session_cookie(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_partner"
    } else {
        "__Host-relais_partner"
    }
}

fn pre_cookie(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_partner_pre"
    } else {
        "__Host-relais_partner_pre"
    }
}

/// The pre-session id CSRF tokens are bound to before sign-in (and the
/// cookie to set when the browser has none yet).
pub fn pre_session(app: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookies::read_cookie(headers, pre_cookie(app.settings.sandbox)) {
        Some(id)
            if id.len() == 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            (id.to_owned(), None)
        }
        _ => {
            let id = app.random.token(24);
            let c = cookies::set_cookie(
                pre_cookie(app.settings.sandbox),
                &id,
                3600,
                app.settings.sandbox,
            );
            (id, c)
        }
    }
}

impl AppState {
    pub async fn partner_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<PartnerSession>, StoreError> {
        let Some(id) = cookies::read_cookie(headers, session_cookie(self.settings.sandbox)) else {
            return Ok(None);
        };
        self.load(&stored_key("psess", id)).await
    }

    /// The signed-in partner, or the sign-in page's error.
    pub async fn require_partner(&self, headers: &HeaderMap) -> Result<PartnerSession, PageError> {
        self.partner_session(headers).await?.ok_or_else(|| {
            PageError::page(
                ErrorCode::PartnerSignInRequired,
                "partner space without a session",
            )
        })
    }

    /// Sends the magic link to `email` (queued; never on the request path).
    /// At most one a minute per address, so the form cannot be used to
    /// flood someone's mailbox (the page says the same either way).
    pub async fn send_magic_link(
        &self,
        email: &str,
        locale: relais_i18n::Locale,
    ) -> Result<(), StoreError> {
        if !self
            .stores
            .ephemeral
            .put_new(&stored_key("plink-sent", email), b"1", LINK_PACE_SECS)
            .await?
        {
            return Ok(());
        }
        let token = self.random.token(32);
        self.save(
            &stored_key("plink", &token),
            &email.to_owned(),
            LINK_TTL_SECS,
        )
        .await?;
        let link = self.settings.url(&format!("/partenaires/lien/{token}"));
        match &self.mailer {
            Some(m) => {
                m.queue(crate::mail::OutgoingMail {
                    to: email.to_owned(),
                    subject: locale.text("partner-mail-subject").into_owned(),
                    text: locale.text_with("partner-mail-body", &[("link", link.as_str())]),
                });
            }
            None => tracing::warn!("partner space: no SMTP server configured ([mail] smtp_url); the sign-in link cannot be sent"),
        }
        Ok(())
    }

    /// Spends a magic link: the address it was sent to, once.
    pub async fn take_magic_link(&self, token: &str) -> Result<Option<String>, StoreError> {
        if token.len() > 128 {
            return Ok(None);
        }
        self.take(&stored_key("plink", token)).await
    }

    pub async fn open_partner_session(
        &self,
        email: &str,
    ) -> Result<Option<HeaderValue>, StoreError> {
        let s = PartnerSession {
            id: self.random.token(32),
            email: email.to_owned(),
        };
        self.save(&stored_key("psess", &s.id), &s, SESSION_TTL_SECS)
            .await?;
        Ok(cookies::set_cookie(
            session_cookie(self.settings.sandbox),
            &s.id,
            SESSION_TTL_SECS,
            self.settings.sandbox,
        ))
    }

    pub async fn close_partner_session(
        &self,
        s: &PartnerSession,
    ) -> Result<Option<HeaderValue>, StoreError> {
        self.stores
            .ephemeral
            .delete(&stored_key("psess", &s.id))
            .await?;
        Ok(cookies::clear_cookie(
            session_cookie(self.settings.sandbox),
            self.settings.sandbox,
        ))
    }
}
