//! Whether a citizen's account may use a login *now*. Checked when the IdP
//! answers, again on every SSO reuse of the session's login, and again when
//! consent is completed (`relais_store::AccountStore::standing_with_events`),
//! so an account disabled (or an IdP blocked by the citizen) in between
//! stops the login wherever it stands — which is how disabling an account
//! ends its live sessions.

use crate::state::AppState;
use relais_core::ErrorCode;
use relais_store::StoreError;

impl AppState {
    /// `Some(code)` when the account `identity_hash` may not log in with
    /// `idp_id`; an account not known yet may.
    pub async fn account_refusal(
        &self,
        identity_hash: &str,
        idp_id: &str,
    ) -> Result<Option<ErrorCode>, StoreError> {
        relais_store::refusal_of(self.stores.accounts.as_ref(), identity_hash, idp_id).await
    }
}
