//! Shared state of a node: settings, registry, stores, keys, clients, sinks.

use crate::events::EventSink;
use crate::idp_health::IdpHealth;
use crate::keyring::KeyRing;
use crate::registry::Registry;
use crate::settings::Settings;
use relais_core::{Clock, Randomness};
use relais_oidc::idp_client::IdpClient;
use relais_store::Stores;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub registry: Registry,
    pub stores: Stores,
    pub keys: KeyRing,
    pub idp_client: IdpClient,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Randomness>,
    pub events: EventSink,
    /// IdPs this node cannot use right now (discovery failed).
    pub idp_health: IdpHealth,
    /// Rate limits, lockouts and request bounds.
    pub abuse: crate::abuse::Abuse,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Connection e-mails (none when the node has no SMTP server).
    pub mailer: Option<crate::mail::Mailer>,
    /// The national register check (Standard platform), when configured.
    pub civil_register: Option<crate::civil_register::RegisterCheck>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
