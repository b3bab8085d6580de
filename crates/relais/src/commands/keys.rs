//! `relais keys …` and `relais migrate`: operations on the durable store
//! from the command line, without starting a node.

use super::load_config;
use crate::config::Config;
use clap::Subcommand;
use relais_core::registration::MIN_NODE_SECRET_LEN;
use relais_core::SystemClock;
use std::sync::Arc;

#[derive(Subcommand, Debug, Clone)]
pub enum KeysAction {
    /// Lists signing keys (kid, algorithm, dates).
    List,
    /// Publishes new signing keys now; they sign after `--delay` seconds,
    /// when the current ones retire (still published until their tokens expire).
    Rotate {
        #[arg(long, default_value_t = 60)]
        delay: u64,
    },
}

/// `relais keys list|rotate [--config FILE]`.
pub async fn run(action: KeysAction, config: Option<String>) -> Result<(), String> {
    let cfg = load_config(config.as_deref())?;
    match action {
        KeysAction::List => list(cfg).await,
        KeysAction::Rotate { delay } => rotate(cfg, delay).await,
    }
}

/// The durable tier alone (the ephemeral one is not needed by the CLI).
pub async fn durable_stores(mut cfg: Config) -> Result<relais_store::Stores, String> {
    cfg.storage.ephemeral = "memory".into();
    Ok(
        crate::node::open_stores(&cfg.storage, Arc::new(SystemClock), Arc::default())
            .await
            .map_err(|e| e.to_string())?
            .stores,
    )
}

/// `relais keys list`.
pub async fn list(cfg: Config) -> Result<(), String> {
    let stores = durable_stores(cfg).await?;
    let keys = stores.keys.list_keys().await.map_err(|e| e.to_string())?;
    say!(
        "{:<24} {:<12} {:<26} {:<26} retired",
        "kid",
        "alg",
        "created",
        "active from"
    );
    for k in keys {
        say!(
            "{:<24} {:<12} {:<26} {:<26} {}",
            k.kid,
            k.alg.as_str(),
            relais_core::timefmt::rfc3339_millis(k.created_at),
            relais_core::timefmt::rfc3339_millis(k.active_from),
            k.retired_at
                .map(relais_core::timefmt::rfc3339_millis)
                .unwrap_or_else(|| "-".into())
        );
    }
    Ok(())
}

/// `relais keys rotate --delay N`.
pub async fn rotate(cfg: Config, delay: u64) -> Result<(), String> {
    if cfg.secrets.master_key.len() < MIN_NODE_SECRET_LEN {
        return Err(format!("secrets.master_key: must be at least {MIN_NODE_SECRET_LEN} characters (or set RELAIS__SECRETS__MASTER_KEY)"));
    }
    let sealer = relais_oidc::sealer::Sealer::from_master_secret(cfg.secrets.master_key.as_bytes())
        .map_err(|e| e.to_string())?;
    let stores = durable_stores(cfg).await?;
    let now = relais_core::Clock::now_millis(&SystemClock);
    let delay_ms = i64::try_from(delay.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let kids = relais_web::keyring::KeyRing::rotate(stores.keys.as_ref(), &sealer, now, delay_ms)
        .await
        .map_err(|e| e.to_string())?;
    say!(
        "new keys {} published now; they sign from {} on",
        kids.join(", "),
        relais_core::timefmt::rfc3339_millis(now + delay_ms)
    );
    Ok(())
}

/// `relais migrate`: opens the durable store (which applies migrations).
pub async fn migrate(config: Option<String>) -> Result<(), String> {
    let cfg = load_config(config.as_deref())?;
    let target = cfg
        .storage
        .durable
        .clone()
        .map(|d| d.split('@').next_back().unwrap_or("").to_owned())
        .unwrap_or_else(|| cfg.storage.sqlite_path.clone());
    durable_stores(cfg).await?;
    say!("database {target} is up to date");
    Ok(())
}
