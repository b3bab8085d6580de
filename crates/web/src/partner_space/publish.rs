//! From an onboarded service to the clients the federation serves: the
//! sandbox client follows the newest version at once; the production
//! client follows the published version (after an operator's approval or
//! rollback). Secrets are generated here, handed back once, and stored
//! sealed by the registry like every client secret.

use crate::state::AppState;
use relais_core::onboarding::OnboardedService;
use relais_store::{StoreError, StoreResult};

/// A new client secret.
pub fn new_secret(app: &AppState) -> String {
    app.random.token(32)
}

/// Registers (or updates) the sandbox client; `secret`: a new one, else
/// the stored one is kept.
pub async fn sync_sandbox(
    app: &AppState,
    svc: &OnboardedService,
    secret: Option<&str>,
) -> StoreResult<()> {
    let spec = svc
        .sandbox_spec()
        .ok_or_else(|| StoreError::Rejected("versions: none".into()))?;
    let client_id = &svc.sandbox_client_id;
    let stored = app.registry.sp(client_id).map(|s| s.client_secret.clone());
    let secret = match (secret, stored) {
        (Some(s), _) => s.to_owned(),
        (None, Some(s)) => s,
        (None, None) => new_secret(app),
    };
    let sp = spec.to_service_provider(
        client_id,
        client_id,
        &secret,
        Some(&app.settings.sandbox_idps),
    );
    app.registry.upsert_sp(&sp).await?;
    app.registry.reload().await
}

/// Registers (or updates) the production client from the published
/// version; `secret`: a new one, else the stored one (or an unknown random
/// one until the partner generates theirs).
pub async fn sync_production(
    app: &AppState,
    svc: &OnboardedService,
    secret: Option<&str>,
) -> StoreResult<()> {
    let (Some(v), Some(client_id)) = (svc.published(), svc.production_client_id.as_deref()) else {
        return Err(StoreError::Rejected(
            "versions: nothing is published".into(),
        ));
    };
    let stored = app.registry.sp(client_id).map(|s| s.client_secret.clone());
    let secret = match (secret, stored) {
        (Some(s), _) => s.to_owned(),
        (None, Some(s)) => s,
        (None, None) => new_secret(app),
    };
    let sp = v
        .spec
        .to_service_provider(client_id, &svc.id, &secret, None);
    app.registry.upsert_sp(&sp).await?;
    app.registry.reload().await
}
