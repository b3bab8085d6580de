//! `relais bench populate`: a store at national size, to measure a node
//! that serves it (`relais bench --db FILE`): start-up time and each login
//! step against the same figures on an empty store.
//!
//! Services go through the registry like any registration (checked by the
//! registration rules, secrets sealed with the demo's master key, which the
//! spawned `relais demo` opens them with); accounts through the account
//! store's `record_connection`, as logins create them.

use crate::config::Config;
use relais_core::registration::RegistrationContext;
use relais_core::{Platform, Randomness, SystemRandomness};
use relais_oidc::sealer::Sealer;
use relais_web::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

pub struct Populate {
    pub services: u64,
    pub accounts: u64,
}

pub async fn run(mut cfg: Config, db: Option<&str>, spec: &Populate) -> Result<(), String> {
    if let Some(db) = db {
        cfg.storage.sqlite_path = db.to_owned();
    }
    let stores = crate::commands::keys::durable_stores(cfg).await?;
    let sealer = Arc::new(
        Sealer::from_master_secret(crate::node::DEMO_MASTER_KEY.as_bytes())
            .map_err(|e| e.to_string())?,
    );
    let registry = Registry::new(
        stores.config.clone(),
        sealer,
        RegistrationContext {
            platform: Platform::Standard,
            sandbox: false,
        },
    );
    let template = relais_demo::DemoWorld::new("http://127.0.0.1", crate::node::DEMO_MASTER_KEY)
        .demo_service();
    let random = SystemRandomness;
    let started = Instant::now();
    for i in 0..spec.services {
        let mut sp = template.clone();
        sp.client_id = format!("{:016x}{}", i, random.hex(24));
        sp.entity_id = sp.client_id.clone();
        sp.name = format!("Service public n° {i}");
        sp.client_secret = random.hex(32);
        sp.redirect_uris = vec![format!("https://service-{i}.example.fr/connexion/retour")];
        sp.post_logout_redirect_uris = vec![format!("https://service-{i}.example.fr/")];
        registry.upsert_sp(&sp).await.map_err(|e| e.to_string())?;
        progress("services", i + 1, 20_000, started);
    }
    say!(
        "services: {} registered in {:.1} s",
        spec.services,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let now = relais_core::Clock::now_millis(&relais_core::SystemClock);
    for i in 0..spec.accounts {
        // Shaped like an identity hash (base64 of 32 bytes).
        let id = format!("{:012x}{}=", i, random.hex(15));
        stores
            .accounts
            .record_connection(&id, "impots", now - (i as i64 % 86_400) * 1000)
            .await
            .map_err(|e| e.to_string())?;
        progress("accounts", i + 1, 200_000, started);
    }
    say!(
        "accounts: {} recorded in {:.1} s",
        spec.accounts,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Tells, every `every` items, how far a long fill has come.
fn progress(what: &str, done: u64, every: u64, started: Instant) {
    if done.is_multiple_of(every) {
        eprintln!("{what}: {done} in {:.1} s", started.elapsed().as_secs_f64());
    }
}
