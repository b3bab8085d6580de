//! The partner space's records in the durable store (configuration
//! documents: written in one statement each, announced to every node like
//! the partners themselves), read and written as typed values.

use crate::state::AppState;
use relais_core::onboarding::org::{Organisation, PartnerUser};
use relais_core::onboarding::OnboardedService;
use relais_store::{ConfigKind, StoreError, StoreResult};
use serde::de::DeserializeOwned;
use serde::Serialize;

async fn get<T: DeserializeOwned>(
    app: &AppState,
    kind: ConfigKind,
    id: &str,
) -> StoreResult<Option<T>> {
    match app.stores.config.get_config(kind, id).await? {
        Some(doc) => serde_json::from_value(doc)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{} {id}: {e}", kind.as_str()))),
        None => Ok(None),
    }
}

async fn put<T: Serialize>(app: &AppState, kind: ConfigKind, id: &str, v: &T) -> StoreResult<()> {
    let doc = serde_json::to_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    app.stores.config.put_config(kind, id, &doc).await
}

async fn all<T: DeserializeOwned>(app: &AppState, kind: ConfigKind) -> StoreResult<Vec<T>> {
    let mut out = Vec::new();
    for (id, doc) in app.stores.config.list_config(kind).await? {
        out.push(
            serde_json::from_value(doc)
                .map_err(|e| StoreError::Corrupt(format!("{} {id}: {e}", kind.as_str())))?,
        );
    }
    Ok(out)
}

pub async fn user(app: &AppState, email: &str) -> StoreResult<Option<PartnerUser>> {
    get(app, ConfigKind::PartnerUser, email).await
}

pub async fn save_user(app: &AppState, u: &PartnerUser) -> StoreResult<()> {
    put(app, ConfigKind::PartnerUser, &u.email, u).await
}

/// The people of an organisation.
pub async fn members(app: &AppState, org_id: &str) -> StoreResult<Vec<PartnerUser>> {
    let mut out: Vec<PartnerUser> = all::<PartnerUser>(app, ConfigKind::PartnerUser)
        .await?
        .into_iter()
        .filter(|u| u.org_id == org_id)
        .collect();
    out.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(out)
}

pub async fn org(app: &AppState, id: &str) -> StoreResult<Option<Organisation>> {
    get(app, ConfigKind::Organisation, id).await
}

pub async fn save_org(app: &AppState, o: &Organisation) -> StoreResult<()> {
    put(app, ConfigKind::Organisation, &o.id, o).await
}

pub async fn service(app: &AppState, id: &str) -> StoreResult<Option<OnboardedService>> {
    get(app, ConfigKind::OnboardedService, id).await
}

pub async fn save_service(app: &AppState, s: &OnboardedService) -> StoreResult<()> {
    put(app, ConfigKind::OnboardedService, &s.id, s).await
}

pub async fn services(app: &AppState) -> StoreResult<Vec<OnboardedService>> {
    all(app, ConfigKind::OnboardedService).await
}

/// A free id for `slug` among documents of `kind`: the slug, or slug-2…
pub async fn free_id(app: &AppState, kind: ConfigKind, slug: &str) -> StoreResult<String> {
    for n in 1..100 {
        let id = if n == 1 {
            slug.to_owned()
        } else {
            format!("{slug}-{n}")
        };
        let taken = app.stores.config.get_config(kind, &id).await?.is_some()
            || (kind == ConfigKind::OnboardedService
                && (app.registry.sp(&id).is_some()
                    || app.registry.sp(&format!("sandbox-{id}")).is_some()));
        if !taken {
            return Ok(id);
        }
    }
    Err(StoreError::Rejected(format!(
        "name: too many services named {slug}"
    )))
}
