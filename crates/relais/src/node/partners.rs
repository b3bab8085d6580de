//! Seeds the registry with the partners the configuration file declares
//! (services, identity providers, data providers): each entry is turned
//! into a domain value and checked by the registration rules, IdP endpoints
//! are read from their discovery document, then everything is upserted.

use super::error::NodeError;
use crate::config::Config;
use relais_oidc::idp_client::IdpClient;
use relais_web::registry::Registry;
use std::time::Duration;

pub async fn seed(
    cfg: &Config,
    registry: &Registry,
    idp_client: &IdpClient,
) -> Result<(), NodeError> {
    let sandbox = cfg.server.sandbox;
    for (i, sp) in cfg.service_providers.iter().enumerate() {
        let sp = sp.to_domain(i, sandbox).map_err(|e| NodeError(e.0))?;
        registry
            .upsert_sp(&sp)
            .await
            .map_err(|e| NodeError::during("storing services", e))?;
    }
    for (i, idp) in cfg.identity_providers.iter().enumerate() {
        let discovered = match &idp.discovery_url {
            Some(u) => Some(
                idp_client
                    .discover(u, Duration::from_millis(idp.timeout_ms.max(1000)))
                    .await
                    .map_err(|e| {
                        NodeError(format!("identity_providers[{i}].discovery_url: {e}"))
                    })?,
            ),
            None => None,
        };
        let idp = idp
            .to_domain(i, sandbox, discovered)
            .map_err(|e| NodeError(e.0))?;
        registry
            .upsert_idp(&idp)
            .await
            .map_err(|e| NodeError::during("storing identity providers", e))?;
    }
    for (i, dp) in cfg.data_providers.iter().enumerate() {
        let dp = dp.to_domain(i, sandbox).map_err(|e| NodeError(e.0))?;
        registry
            .upsert_dp(&dp)
            .await
            .map_err(|e| NodeError::during("storing data providers", e))?;
    }
    Ok(())
}
