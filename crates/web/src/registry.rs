//! The registry of services and identity providers: the durable store is
//! the truth, each node keeps an immutable in-memory snapshot (swapped
//! atomically with arc-swap, so the login path never takes a lock). Client
//! secrets are sealed before they reach the store and opened on load.
//!
//! Every document is checked with the registration rules of
//! `relais_core::registration` — the ones the configuration file goes
//! through — when it is written and again when it is read back, so a
//! document edited by another node or tool cannot put an invalid partner in
//! the snapshot (it is left out, with an error in the log).

use arc_swap::ArcSwap;
use relais_core::partner::{DataProvider, IdentityProvider, ServiceProvider};
use relais_core::registration::{RegistrationContext, RuleResult};
use relais_oidc::sealer::Sealer;
use relais_store::{ConfigKind, ConfigStore, StoreError, StoreResult};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct Snapshot {
    pub sps: HashMap<String, Arc<ServiceProvider>>,
    /// In display order.
    pub idps: Vec<Arc<IdentityProvider>>,
    /// Data providers by client id.
    pub dps: HashMap<String, Arc<DataProvider>>,
}

impl Snapshot {
    pub fn idp(&self, id: &str) -> Option<&Arc<IdentityProvider>> {
        self.idps.iter().find(|i| i.id == id)
    }

    /// The active data provider serving `scope`, if any.
    pub fn dp_for_scope(&self, scope: &str) -> Option<&Arc<DataProvider>> {
        let mut dps: Vec<&Arc<DataProvider>> = self
            .dps
            .values()
            .filter(|d| d.active && d.serves(scope))
            .collect();
        dps.sort_by(|a, b| a.id.cmp(&b.id));
        dps.into_iter().next()
    }
}

/// A partner document as the registry handles it: stored under an id and
/// checked by the domain's registration rules.
trait Partner: serde::Serialize + serde::de::DeserializeOwned {
    const KIND: ConfigKind;
    fn check(&self, ctx: RegistrationContext) -> RuleResult;
}

impl Partner for ServiceProvider {
    const KIND: ConfigKind = ConfigKind::ServiceProvider;
    fn check(&self, ctx: RegistrationContext) -> RuleResult {
        ServiceProvider::check(self, ctx)
    }
}

impl Partner for IdentityProvider {
    const KIND: ConfigKind = ConfigKind::IdentityProvider;
    fn check(&self, ctx: RegistrationContext) -> RuleResult {
        IdentityProvider::check(self, ctx)
    }
}

impl Partner for DataProvider {
    const KIND: ConfigKind = ConfigKind::DataProvider;
    fn check(&self, ctx: RegistrationContext) -> RuleResult {
        DataProvider::check(self, ctx)
    }
}

pub struct Registry {
    store: Arc<dyn ConfigStore>,
    sealer: Arc<Sealer>,
    /// The platform's rules and whether plain-http partner URLs are
    /// accepted (sandbox).
    context: RegistrationContext,
    current: ArcSwap<Snapshot>,
    /// Serialises reloads, so a slow older reload never overwrites a newer one.
    reloading: tokio::sync::Mutex<()>,
}

/// The fields of a partner document sealed at rest.
const SECRET_FIELDS: [&str; 2] = ["client_secret", "retiring_client_secret"];

fn seal_field(
    doc: &mut serde_json::Value,
    field: &str,
    sealer: &Sealer,
    ctx: &str,
) -> StoreResult<()> {
    if let Some(v) = doc.get_mut(field) {
        if let Some(s) = v.as_str() {
            let sealed = sealer
                .seal_text(ctx, s)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            *v = serde_json::Value::String(sealed);
        }
    }
    Ok(())
}

fn open_field(
    doc: &mut serde_json::Value,
    field: &str,
    sealer: &Sealer,
    ctx: &str,
) -> StoreResult<()> {
    if let Some(v) = doc.get_mut(field) {
        if let Some(s) = v.as_str() {
            let plain = sealer
                .open_text(ctx, s)
                .map_err(|e| StoreError::Corrupt(format!("{ctx}: {e}")))?;
            *v = serde_json::Value::String(plain);
        }
    }
    Ok(())
}

impl Registry {
    pub fn new(
        store: Arc<dyn ConfigStore>,
        sealer: Arc<Sealer>,
        context: RegistrationContext,
    ) -> Registry {
        Registry {
            store,
            sealer,
            context,
            current: ArcSwap::from_pointee(Snapshot::default()),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The node's sealer (secrets and private keys at rest).
    pub fn sealer(&self) -> &Arc<Sealer> {
        &self.sealer
    }

    pub fn context(&self) -> RegistrationContext {
        self.context
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn sp(&self, client_id: &str) -> Option<Arc<ServiceProvider>> {
        self.current.load().sps.get(client_id).cloned()
    }

    pub fn idp(&self, id: &str) -> Option<Arc<IdentityProvider>> {
        self.current.load().idp(id).cloned()
    }

    /// Stores one partner document with its client secret sealed, after
    /// checking it (nothing is written when a rule is broken).
    async fn upsert<T: Partner>(&self, id: &str, value: &T) -> StoreResult<()> {
        let kind = T::KIND;
        value
            .check(self.context)
            .map_err(|v| StoreError::Rejected(format!("{} {id}: {v}", kind.as_str())))?;
        let mut doc =
            serde_json::to_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for field in SECRET_FIELDS {
            seal_field(
                &mut doc,
                field,
                &self.sealer,
                &format!("{}:{id}", kind.as_str()),
            )?;
        }
        self.store.put_config(kind, id, &doc).await
    }

    /// Reads every valid partner document of a kind, secrets opened.
    async fn load_all<T: Partner>(&self) -> StoreResult<Vec<(String, T)>> {
        let kind = T::KIND;
        let mut out = Vec::new();
        for (id, mut doc) in self.store.list_config(kind).await? {
            for field in SECRET_FIELDS {
                open_field(
                    &mut doc,
                    field,
                    &self.sealer,
                    &format!("{}:{id}", kind.as_str()),
                )?;
            }
            let value: T = serde_json::from_value(doc)
                .map_err(|e| StoreError::Corrupt(format!("{} {id}: {e}", kind.as_str())))?;
            match value.check(self.context) {
                Ok(()) => out.push((id, value)),
                Err(v) => {
                    tracing::error!(kind = kind.as_str(), %id, rule = %v, "stored partner breaks a registration rule; left out")
                }
            }
        }
        Ok(out)
    }

    pub async fn upsert_sp(&self, sp: &ServiceProvider) -> StoreResult<()> {
        self.upsert(&sp.client_id, sp).await
    }

    /// Whether the store holds a document of this kind and id.
    pub async fn stored(&self, kind: ConfigKind, id: &str) -> StoreResult<bool> {
        Ok(self.store.get_config(kind, id).await?.is_some())
    }

    pub fn dp(&self, client_id: &str) -> Option<Arc<DataProvider>> {
        self.current.load().dps.get(client_id).cloned()
    }

    pub fn is_data_scope(&self, scope: &str) -> bool {
        self.current.load().dps.values().any(|d| d.serves(scope))
    }

    pub async fn upsert_dp(&self, dp: &DataProvider) -> StoreResult<()> {
        self.upsert(&dp.client_id, dp).await
    }

    pub async fn upsert_idp(&self, idp: &IdentityProvider) -> StoreResult<()> {
        self.upsert(&idp.id, idp).await
    }

    /// Re-reads everything from the store and swaps the snapshot.
    pub async fn reload(&self) -> StoreResult<()> {
        let _one_at_a_time = self.reloading.lock().await;
        let sps = self.load_all::<ServiceProvider>().await?;
        let idps = self.load_all::<IdentityProvider>().await?;
        let dps = self.load_all::<DataProvider>().await?;
        let sps = sps.into_iter().map(|(id, sp)| (id, Arc::new(sp))).collect();
        let idps = idps.into_iter().map(|(_, idp)| Arc::new(idp)).collect();
        let dps = dps.into_iter().map(|(id, dp)| (id, Arc::new(dp))).collect();
        self.current.store(Arc::new(Snapshot { sps, idps, dps }));
        Ok(())
    }
}
