//! Whether a citizen's account may use a login *now*. Checked when the IdP
//! answers, again on every SSO reuse of the session's login, and again when
//! consent is completed, so an account disabled (or an IdP blocked by the
//! citizen) in between stops the login wherever it stands — which is how
//! disabling an account ends its live sessions.

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
        Ok(self
            .stores
            .accounts
            .get_account(identity_hash)
            .await?
            .and_then(|a| a.refusal(idp_id)))
    }
}
