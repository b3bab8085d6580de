//! From an onboarded service to the clients the federation serves: the
//! sandbox client follows the newest version at once; the production
//! client follows the published version (after an operator's approval or
//! rollback). Secrets are generated here, handed back once, and stored
//! sealed by the registry like every client secret.

use crate::state::AppState;
use relais_core::onboarding::OnboardedService;
use relais_core::partner::ServiceProvider;
use relais_store::{StoreError, StoreResult};

/// How long the previous secret keeps working after a rotation.
pub const SECRET_GRACE_MILLIS: i64 = 24 * 3600 * 1000;

/// The secret to register: a new one (the stored one then retires after
/// the grace period), else the stored one with its retiring state, else a
/// random one nobody knows yet.
fn apply_secret(
    app: &AppState,
    sp: &mut ServiceProvider,
    new: Option<&str>,
    stored: Option<&ServiceProvider>,
) {
    match (new, stored) {
        (Some(s), Some(old)) => {
            sp.client_secret = s.to_owned();
            sp.retiring_client_secret = Some(old.client_secret.clone());
            sp.retiring_until = Some(app.clock.now_millis() + SECRET_GRACE_MILLIS);
        }
        (Some(s), None) => sp.client_secret = s.to_owned(),
        (None, Some(old)) => {
            sp.client_secret = old.client_secret.clone();
            sp.retiring_client_secret = old.retiring_client_secret.clone();
            sp.retiring_until = old.retiring_until;
        }
        (None, None) => sp.client_secret = new_secret(app),
    }
}

/// A new client secret.
pub fn new_secret(app: &AppState) -> String {
    app.random.token(32)
}

/// Registers (or updates) the sandbox client; `secret`: a new one (the
/// previous one retires after the grace period), else the stored one.
pub async fn sync_sandbox(
    app: &AppState,
    svc: &OnboardedService,
    secret: Option<&str>,
) -> StoreResult<()> {
    let spec = svc
        .sandbox_spec()
        .ok_or_else(|| StoreError::Rejected("versions: none".into()))?;
    let client_id = &svc.sandbox_client_id;
    let stored = app.registry.sp(client_id);
    let mut sp =
        spec.to_service_provider(client_id, client_id, "", Some(&app.settings.sandbox_idps));
    apply_secret(app, &mut sp, secret, stored.as_deref());
    app.registry.upsert_sp(&sp).await?;
    app.registry.reload().await
}

/// Registers (or updates) the production client from the published
/// version; `secret` as for the sandbox (until the partner generates
/// theirs, an unknown random one).
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
    let stored = app.registry.sp(client_id);
    let mut sp = v.spec.to_service_provider(client_id, &svc.id, "", None);
    apply_secret(app, &mut sp, secret, stored.as_deref());
    app.registry.upsert_sp(&sp).await?;
    app.registry.reload().await
}
