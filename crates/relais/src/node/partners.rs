//! Seeds the registry with the partners the configuration file declares
//! (services, identity providers, data providers): each entry is turned
//! into a domain value and checked by the registration rules, IdP endpoints
//! are read from their discovery document, then everything is upserted.
//!
//! An IdP whose discovery document cannot be read does not stop the node:
//! it keeps the version already stored (another node or an earlier start
//! read it), or is registered unavailable; [`retry_discovery`] tries again
//! in the background and makes it available once it answers.

use super::error::NodeError;
use crate::config::{Config, IdpConfig};
use relais_core::partner::IdpEndpoints;
use relais_core::registration::RegistrationContext;
use relais_oidc::idp_client::IdpClient;
use relais_store::ConfigKind;
use relais_web::registry::Registry;
use relais_web::supervisor::Supervisor;
use relais_web::AppState;
use std::time::Duration;

/// An IdP of the file whose discovery failed at start.
pub struct PendingDiscovery {
    index: usize,
    config: IdpConfig,
    reason: String,
}

impl PendingDiscovery {
    pub fn id(&self) -> &str {
        &self.config.id
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Longest pause between two discovery attempts.
const RETRY_AT_MOST: Duration = Duration::from_secs(60);

fn discovery_timeout(idp: &IdpConfig) -> Duration {
    Duration::from_millis(idp.timeout_ms.max(1000))
}

/// Seeds the registry; returns the IdPs whose discovery must be retried.
pub async fn seed(
    cfg: &Config,
    registry: &Registry,
    idp_client: &IdpClient,
) -> Result<Vec<PendingDiscovery>, NodeError> {
    let ctx = cfg.server.registration_context();
    for (i, sp) in cfg.service_providers.iter().enumerate() {
        let sp = sp.to_domain(i, ctx).map_err(|e| NodeError(e.0))?;
        registry
            .upsert_sp(&sp)
            .await
            .map_err(|e| NodeError::during("storing services", e))?;
    }
    let mut pending = Vec::new();
    for (i, idp) in cfg.identity_providers.iter().enumerate() {
        let discovered = match &idp.discovery_url {
            Some(u) => match idp_client.discover(u, discovery_timeout(idp)).await {
                Ok(e) => Some(e),
                Err(e) => {
                    let reason = format!("discovery: {e}");
                    tracing::warn!(idp = %idp.id, %reason, "identity provider unavailable at start; retrying in the background");
                    register_unavailable(registry, i, idp, ctx).await?;
                    pending.push(PendingDiscovery {
                        index: i,
                        config: idp.clone(),
                        reason,
                    });
                    continue;
                }
            },
            None => None,
        };
        let idp = idp
            .to_domain(i, ctx, discovered)
            .map_err(|e| NodeError(e.0))?;
        registry
            .upsert_idp(&idp)
            .await
            .map_err(|e| NodeError::during("storing identity providers", e))?;
    }
    for (i, dp) in cfg.data_providers.iter().enumerate() {
        let dp = dp.to_domain(i, ctx).map_err(|e| NodeError(e.0))?;
        registry
            .upsert_dp(&dp)
            .await
            .map_err(|e| NodeError::during("storing data providers", e))?;
    }
    Ok(pending)
}

/// Keeps a stored version of the IdP if there is one; else registers it
/// unavailable (endpoints placed under its issuer, never called while
/// inactive), so the chooser shows it greyed.
async fn register_unavailable(
    registry: &Registry,
    i: usize,
    idp: &IdpConfig,
    ctx: RegistrationContext,
) -> Result<(), NodeError> {
    if registry
        .stored(ConfigKind::IdentityProvider, &idp.id)
        .await
        .map_err(|e| NodeError::during("reading identity providers", e))?
    {
        return Ok(());
    }
    let issuer = idp.issuer.clone().unwrap_or_else(|| {
        idp.discovery_url
            .as_deref()
            .unwrap_or("")
            .trim_end_matches("/.well-known/openid-configuration")
            .to_owned()
    });
    let placeholder = IdpEndpoints {
        authorization_endpoint: format!("{issuer}/authorize"),
        token_endpoint: format!("{issuer}/token"),
        userinfo_endpoint: format!("{issuer}/userinfo"),
        jwks_uri: format!("{issuer}/jwks"),
        end_session_endpoint: None,
        issuer,
    };
    let mut domain = idp
        .to_domain(i, ctx, Some(placeholder))
        .map_err(|e| NodeError(e.0))?;
    domain.active = false;
    registry
        .upsert_idp(&domain)
        .await
        .map_err(|e| NodeError::during("storing identity providers", e))
}

/// Retries the discovery of `pending` IdPs (1 s, then doubling up to a
/// minute) until each answers; then registers it as configured.
pub fn retry_discovery(tasks: &mut Supervisor, app: AppState, pending: Vec<PendingDiscovery>) {
    for p in pending {
        app.idp_health.mark_down(p.id(), p.reason());
        let app = app.clone();
        let p = std::sync::Arc::new(p);
        tasks.spawn("identity provider discovery", move |cancel| {
            let (app, p) = (app.clone(), p.clone());
            async move {
                let mut wait = Duration::from_secs(1);
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = cancel.cancelled() => return Ok(()),
                    }
                    let url = p.config.discovery_url.as_deref().unwrap_or("");
                    match app
                        .idp_client
                        .discover(url, discovery_timeout(&p.config))
                        .await
                    {
                        Ok(endpoints) => {
                            let domain = p
                                .config
                                .to_domain(p.index, app.registry.context(), Some(endpoints))
                                .map_err(|e| e.0)?;
                            app.registry
                                .upsert_idp(&domain)
                                .await
                                .map_err(|e| e.to_string())?;
                            app.registry
                                .reload_idps()
                                .await
                                .map_err(|e| e.to_string())?;
                            app.idp_health.mark_up(p.id());
                            tracing::info!(idp = %p.id(), "identity provider discovered");
                            return Ok(());
                        }
                        Err(e) => {
                            app.idp_health.mark_down(p.id(), &format!("discovery: {e}"));
                            wait = (wait * 2).min(RETRY_AT_MOST);
                        }
                    }
                }
            }
        });
    }
}
