//! The space's own session: who the citizen is (their account), which IdP
//! they came with (it cannot be blocked from here), and the ID token that
//! ends the federation session on logout. An ephemeral record behind an
//! `HttpOnly` cookie; 15 minutes, then the citizen logs in again (SSO
//! makes that one click while the federation session lives).

use crate::cookies;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use relais_core::token_digest::stored_key;
use relais_store::StoreError;
use serde::{Deserialize, Serialize};

pub const SPACE_TTL_SECS: u64 = 15 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpaceSession {
    pub id: String,
    /// The account's key (identity hash).
    pub account_id: String,
    /// The account as events name it.
    pub event_account: String,
    /// The IdP of the federation session the citizen came with.
    pub idp_id: String,
    pub id_token: String,
}

pub fn cookie_name(sandbox: bool) -> &'static str {
    if sandbox {
        "relais_space"
    } else {
        "__Host-relais_space"
    }
}

impl AppState {
    /// The space session named by the request's cookie, if live.
    pub async fn space_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<SpaceSession>, StoreError> {
        let Some(id) = cookies::read_cookie(headers, cookie_name(self.settings.sandbox)) else {
            return Ok(None);
        };
        self.load(&stored_key("space", id)).await
    }

    pub async fn open_space_session(
        &self,
        s: &SpaceSession,
    ) -> Result<Option<HeaderValue>, StoreError> {
        self.save(&stored_key("space", &s.id), s, SPACE_TTL_SECS)
            .await?;
        Ok(cookies::set_cookie(
            cookie_name(self.settings.sandbox),
            &s.id,
            SPACE_TTL_SECS,
            self.settings.sandbox,
        ))
    }

    pub async fn close_space_session(
        &self,
        s: &SpaceSession,
    ) -> Result<Option<HeaderValue>, StoreError> {
        self.stores
            .ephemeral
            .delete(&stored_key("space", &s.id))
            .await?;
        Ok(cookies::clear_cookie(
            cookie_name(self.settings.sandbox),
            self.settings.sandbox,
        ))
    }
}
