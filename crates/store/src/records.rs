//! Records the durable stores hold.

use relais_core::alg::KeyAlg;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    ServiceProvider,
    IdentityProvider,
    DataProvider,
    /// Operator tokens of the admin API, stored under the token's SHA-256.
    OperatorToken,
    /// Partner space: organisations, their people (by e-mail) and the
    /// services they onboard (with every version).
    Organisation,
    PartnerUser,
    OnboardedService,
}

impl ConfigKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::ServiceProvider => "sp",
            ConfigKind::IdentityProvider => "idp",
            ConfigKind::DataProvider => "dp",
            ConfigKind::OperatorToken => "operator_token",
            ConfigKind::Organisation => "organisation",
            ConfigKind::PartnerUser => "partner_user",
            ConfigKind::OnboardedService => "onboarded_service",
        }
    }
}

/// A citizen's account (pseudonymous: keyed by identity hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub active: bool,
    pub created_at: i64,
    pub last_connection: i64,
    pub last_idp: String,
    /// IdPs the citizen blocked.
    pub blocked_idps: Vec<String>,
    /// Block IdPs that join the federation later.
    pub block_future_idps: bool,
    /// Per-organisation `sub` overrides (entity id → sub).
    pub sub_overrides: BTreeMap<String, String>,
    /// The IdPs that existed when the citizen chose to block future ones:
    /// any other IdP is refused while `block_future_idps` holds.
    pub known_idps: Vec<String>,
}

impl Account {
    pub fn new(id: &str, idp_id: &str, now_millis: i64) -> Account {
        Account {
            id: id.to_owned(),
            active: true,
            created_at: now_millis,
            last_connection: now_millis,
            last_idp: idp_id.to_owned(),
            blocked_idps: Vec::new(),
            block_future_idps: false,
            sub_overrides: BTreeMap::new(),
            known_idps: Vec::new(),
        }
    }
}

impl Account {
    /// Why this account may not log in with `idp_id` now, if it may not:
    /// disabled by the operator, or the IdP blocked by the citizen.
    pub fn refusal(&self, idp_id: &str) -> Option<relais_core::ErrorCode> {
        if !self.active {
            Some(relais_core::ErrorCode::AccountDisabled)
        } else if self.blocked_idps.iter().any(|i| i == idp_id)
            || (self.block_future_idps && !self.known_idps.iter().any(|i| i == idp_id))
        {
            Some(relais_core::ErrorCode::IdpBlockedByUser)
        } else {
            None
        }
    }
}

/// A signing key as stored: public JWK in clear, private part sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoredKey {
    pub kid: String,
    #[sqlx(try_from = "String")]
    pub alg: KeyAlg,
    pub public_jwk: String,
    pub sealed_private: Vec<u8>,
    pub created_at: i64,
    /// Signing starts at this time (published before it).
    pub active_from: i64,
    /// Not used to sign after this time; published until tokens expire.
    pub retired_at: Option<i64>,
}

/// An account's preferences as one JSON column (same layout in every backend).
#[derive(Serialize, Deserialize)]
pub(crate) struct Prefs {
    pub blocked_idps: Vec<String>,
    pub block_future_idps: bool,
    pub sub_overrides: BTreeMap<String, String>,
    #[serde(default)]
    pub known_idps: Vec<String>,
}

/// A new account's preferences column, as [`Account::prefs_json`] writes
/// it: every login binds it (the account statement refuses to update an
/// account whose column differs), so it is written once here rather than
/// built per login.
pub(crate) const DEFAULT_PREFS_JSON: &str =
    r#"{"block_future_idps":false,"blocked_idps":[],"known_idps":[],"sub_overrides":{}}"#;

impl Account {
    pub(crate) fn prefs_json(&self) -> String {
        serde_json::json!({
            "blocked_idps": self.blocked_idps,
            "block_future_idps": self.block_future_idps,
            "sub_overrides": self.sub_overrides,
            "known_idps": self.known_idps,
        })
        .to_string()
    }

    /// Rebuilds an account from its columns and its preferences column.
    pub(crate) fn from_columns(
        id: String,
        active: bool,
        created_at: i64,
        last_connection: i64,
        last_idp: String,
        prefs: &str,
    ) -> Result<Account, serde_json::Error> {
        let prefs: Prefs = serde_json::from_str(prefs)?;
        Ok(Account {
            id,
            active,
            created_at,
            last_connection,
            last_idp,
            blocked_idps: prefs.blocked_idps,
            block_future_idps: prefs.block_future_idps,
            sub_overrides: prefs.sub_overrides,
            known_idps: prefs.known_idps,
        })
    }
}

/// Which events of an account to read: a citizen's history page.
#[derive(Debug, Clone)]
pub struct AccountEvents<'a> {
    /// The account as events name it (`EventAccountId`).
    pub account_id: &'a str,
    /// Oldest instant included (Unix ms).
    pub since_millis: i64,
    /// Only these event kinds (`FC_VERIFIED`…); empty: every kind.
    pub kinds: &'a [&'a str],
    /// Only this service (`sp_id`).
    pub sp_id: Option<&'a str>,
    pub offset: u32,
    pub limit: u32,
}

/// Durable events with their bodies (each one's JSON, as the store keeps it
/// and the event stream writes it), serialised once: the event writer
/// writes a body as its stream line and stores the same text.
#[derive(Debug, Default)]
pub struct SerialisedEvents {
    events: Vec<relais_core::event::BusinessEvent>,
    /// `bodies[i]` is `events[i]` serialised; nothing else writes either.
    bodies: Vec<String>,
}

impl SerialisedEvents {
    /// Serialises `e` and keeps both; gives its body.
    pub fn push(&mut self, e: relais_core::event::BusinessEvent) -> crate::StoreResult<&str> {
        let body = event_body(&e)?;
        self.events.push(e);
        self.bodies.push(body);
        Ok(self.bodies.last().map_or("", String::as_str))
    }

    pub fn events(&self) -> &[relais_core::event::BusinessEvent] {
        &self.events
    }

    pub fn bodies(&self) -> &[String] {
        &self.bodies
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.bodies.clear();
    }
}

/// Room for an event's body before it is written: a login's dozen events
/// take 300 to 700 bytes each as JSON. `serde_json::to_string` starts at
/// 128 bytes and doubles, two or three reallocations and copies an event.
const EVENT_BODY_CAPACITY: usize = 768;

/// An event's body as the durable store keeps it.
pub(crate) fn event_body(e: &relais_core::event::BusinessEvent) -> crate::StoreResult<String> {
    let mut body = Vec::with_capacity(EVENT_BODY_CAPACITY);
    serde_json::to_writer(&mut body, e)
        .map_err(|err| crate::StoreError::Corrupt(format!("event: {err}")))?;
    String::from_utf8(body).map_err(|err| crate::StoreError::Corrupt(format!("event: {err}")))
}

/// An event read back from the durable store (durable by construction).
pub(crate) fn stored_event(body: &str) -> crate::StoreResult<relais_core::event::BusinessEvent> {
    let mut e: relais_core::event::BusinessEvent = serde_json::from_str(body)
        .map_err(|e| crate::StoreError::Corrupt(format!("event: {e}")))?;
    e.durable = true;
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::ErrorCode;

    #[test]
    fn a_logins_longest_event_is_written_in_its_first_allocation() {
        use relais_core::event::{BusinessEvent, EventKind};
        // FC_DATATRANSFER_INFORMATION_IDENTITY as the demo's login writes
        // it, the longest of its dozen events (672 bytes), with an IPv6
        // address in place of 127.0.0.1.
        let mut e = BusinessEvent::new(
            EventKind::FcDatatransferInformationIdentity,
            1_796_483_271_668,
        );
        e.session = Some("r-_v6qRM".into());
        e.interaction = Some("AWdBQbqJZwFv4NeSZkcMnZ-O".into());
        e.browsing_session = Some("AkrgSxWhtq-ELJQ7lLWZ7A".into());
        e.account_id = Some("f4".repeat(32));
        e.sp_id = Some("demo-service".into());
        e.sp_name = Some("Service de démonstration".into());
        e.sp_acr = Some("eidas1".into());
        e.sp_sub = Some(format!("{}v1", "35".repeat(32)));
        e.idp_id = Some("impots".into());
        e.idp_acr = Some("eidas1".into());
        e.idp_sub = Some("ig45ca6JZ01LqPWZAIlmmcy6bKxGntF8ATqkCEc1C5U".into());
        e.scopes = Some("birth email openid profile".into());
        e.claims = Some(
            "given_name family_name birthdate gender birthplace birthcountry email preferred_username"
                .into(),
        );
        e.ip = Some("2001:db8:85a3:8d3:1319:8a2e:370:7348".into());
        let body = event_body(&e).unwrap();
        assert_eq!(body, serde_json::to_string(&e).unwrap());
        assert!(body.len() > 512, "{} bytes", body.len());
        assert_eq!(
            body.capacity(),
            EVENT_BODY_CAPACITY,
            "grown past its first allocation"
        );
    }

    #[test]
    fn a_new_accounts_preferences_are_the_default_column() {
        assert_eq!(
            Account::new("h", "impots", 0).prefs_json(),
            DEFAULT_PREFS_JSON
        );
    }

    #[test]
    fn blocked_and_future_idps_are_refused() {
        let mut a = Account::new("h", "impots", 0);
        assert_eq!(a.refusal("ameli"), None);
        a.blocked_idps = vec!["ameli".into()];
        assert_eq!(a.refusal("ameli"), Some(ErrorCode::IdpBlockedByUser));
        a.block_future_idps = true;
        a.known_idps = vec!["impots".into(), "ameli".into()];
        assert_eq!(a.refusal("impots"), None);
        assert_eq!(a.refusal("newcomer"), Some(ErrorCode::IdpBlockedByUser));
        a.active = false;
        assert_eq!(a.refusal("impots"), Some(ErrorCode::AccountDisabled));
    }
}
