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

/// Partners by client id. The ids are the registry's own (a client only
/// looks one up), so foldhash's seeded hash is safe here and costs a
/// fraction of SipHash on every request that names a service.
pub type ById<V> = HashMap<String, Arc<V>, foldhash::quality::RandomState>;

/// Each kind behind its own `Arc`: a reload of one kind (an IdP's
/// discovery) shares the others with the previous snapshot instead of
/// copying 100,000 services.
#[derive(Default)]
pub struct Snapshot {
    pub sps: Arc<ById<ServiceProvider>>,
    /// In display order.
    pub idps: Arc<Vec<Arc<IdentityProvider>>>,
    /// Data providers by client id.
    pub dps: Arc<ById<DataProvider>>,
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
trait Partner: serde::Serialize + serde::de::DeserializeOwned + Send + 'static {
    const KIND: ConfigKind;
    fn check(&self, ctx: RegistrationContext) -> RuleResult;
    /// The fields [`SECRET_FIELDS`] names, as read (sealed) from a document.
    fn sealed(&mut self) -> [Option<&mut String>; 2];
}

impl Partner for ServiceProvider {
    const KIND: ConfigKind = ConfigKind::ServiceProvider;
    fn check(&self, ctx: RegistrationContext) -> RuleResult {
        ServiceProvider::check(self, ctx)
    }
    fn sealed(&mut self) -> [Option<&mut String>; 2] {
        [
            Some(&mut self.client_secret),
            self.retiring_client_secret.as_mut(),
        ]
    }
}

impl Partner for IdentityProvider {
    const KIND: ConfigKind = ConfigKind::IdentityProvider;
    fn check(&self, ctx: RegistrationContext) -> RuleResult {
        IdentityProvider::check(self, ctx)
    }
    fn sealed(&mut self) -> [Option<&mut String>; 2] {
        [Some(&mut self.client_secret), None]
    }
}

impl Partner for DataProvider {
    const KIND: ConfigKind = ConfigKind::DataProvider;
    fn check(&self, ctx: RegistrationContext) -> RuleResult {
        DataProvider::check(self, ctx)
    }
    fn sealed(&mut self) -> [Option<&mut String>; 2] {
        [Some(&mut self.client_secret), None]
    }
}

pub struct Registry {
    store: Arc<dyn ConfigStore>,
    sealer: Arc<Sealer>,
    /// The platform's rules and whether plain-http partner URLs are
    /// accepted (sandbox).
    context: RegistrationContext,
    current: ArcSwap<Snapshot>,
    /// Serialises reloads, so a slow older reload never overwrites a newer
    /// one; holds the store's fingerprint the snapshot was read at.
    reloading: tokio::sync::Mutex<Seen>,
}

/// The store's fingerprint of each kind of partner when it was last read
/// (services, IdPs, data providers), `None` before the first read.
type Seen = [Option<(i64, i64, i64)>; 3];
const KINDS: [ConfigKind; 3] = [
    ConfigKind::ServiceProvider,
    ConfigKind::IdentityProvider,
    ConfigKind::DataProvider,
];

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

/// Parses documents of one kind, opens their sealed fields, and keeps
/// those that follow the registration rules.
fn open_all<T: Partner>(
    docs: Vec<(String, String)>,
    sealer: &Sealer,
    context: RegistrationContext,
) -> StoreResult<Vec<(String, T)>> {
    let kind = T::KIND.as_str();
    let mut out = Vec::with_capacity(docs.len());
    for (id, text) in docs {
        let mut value: T = serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("{kind} {id}: {e}")))?;
        let ctx = format!("{kind}:{id}");
        for field in value.sealed().into_iter().flatten() {
            // Sealed text is never empty; an empty field was never sealed.
            if !field.is_empty() {
                *field = sealer
                    .open_text(&ctx, field)
                    .map_err(|e| StoreError::Corrupt(format!("{ctx}: {e}")))?;
            }
        }
        match value.check(context) {
            Ok(()) => out.push((id, value)),
            Err(v) => {
                tracing::error!(kind, %id, rule = %v, "stored partner breaks a registration rule; left out")
            }
        }
    }
    Ok(out)
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
            reloading: tokio::sync::Mutex::new([None; 3]),
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

    /// Reads every valid partner document of a kind, secrets opened. The
    /// documents are parsed straight into their types and opened on every
    /// core (blocking pool): at national size (100,000 services) this is
    /// most of a node's start-up.
    async fn load_all<T: Partner>(&self) -> StoreResult<Vec<(String, T)>> {
        let docs = self.store.list_config_text(T::KIND).await?;
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_worker = docs.len().div_ceil(workers).max(256);
        let mut rest = docs;
        let mut chunks = Vec::new();
        while !rest.is_empty() {
            let tail = rest.split_off(per_worker.min(rest.len()));
            chunks.push(std::mem::replace(&mut rest, tail));
        }
        let tasks: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let (sealer, context) = (self.sealer.clone(), self.context);
                tokio::task::spawn_blocking(move || open_all::<T>(chunk, &sealer, context))
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            let part = task
                .await
                .map_err(|e| StoreError::Unavailable(format!("registry load: {e}")))??;
            out.extend(part);
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
        let mut seen = self.reloading.lock().await;
        self.reload_kinds(&mut seen, [true; 3]).await
    }

    /// Re-reads the identity providers alone (one was just written: its
    /// discovery answered), keeping the services as they are.
    pub async fn reload_idps(&self) -> StoreResult<()> {
        let mut seen = self.reloading.lock().await;
        self.reload_kinds(&mut seen, [false, true, false]).await
    }

    /// The periodic check:
    /// reloads only the kinds of partner whose fingerprint in the store
    /// moved since they were read (three small queries otherwise), so a
    /// node of a federation of 100,000 services does not re-read them all
    /// every few seconds. The fingerprint is made of write times, so a
    /// node's own writes reload explicitly ([`Registry::reload`]) rather
    /// than count on it.
    pub async fn reload_if_changed(&self) -> StoreResult<bool> {
        let mut seen = self.reloading.lock().await;
        let mut moved = [true; 3];
        for (i, kind) in KINDS.iter().enumerate() {
            if let Some(old) = seen[i] {
                moved[i] = old != self.store.config_fingerprint(*kind).await?;
            }
        }
        if moved == [false; 3] {
            return Ok(false);
        }
        self.reload_kinds(&mut seen, moved).await?;
        Ok(true)
    }

    async fn reload_kinds(&self, seen: &mut Seen, reload: [bool; 3]) -> StoreResult<()> {
        // Read before the documents: a write during the reload moves it
        // again, so the next check reloads once more rather than missing it.
        let mut fingerprints = *seen;
        for (i, kind) in KINDS.iter().enumerate() {
            if reload[i] {
                fingerprints[i] = Some(self.store.config_fingerprint(*kind).await?);
            }
        }
        let started = std::time::Instant::now();
        let current = self.current.load_full();
        let sps = if reload[0] {
            let sps = self.load_all::<ServiceProvider>().await?;
            Arc::new(sps.into_iter().map(|(id, sp)| (id, Arc::new(sp))).collect())
        } else {
            current.sps.clone()
        };
        let idps = if reload[1] {
            let idps = self.load_all::<IdentityProvider>().await?;
            Arc::new(idps.into_iter().map(|(_, idp)| Arc::new(idp)).collect())
        } else {
            current.idps.clone()
        };
        let dps = if reload[2] {
            let dps = self.load_all::<DataProvider>().await?;
            Arc::new(dps.into_iter().map(|(id, dp)| (id, Arc::new(dp))).collect())
        } else {
            current.dps.clone()
        };
        tracing::info!(
            services = reload[0],
            idps = reload[1],
            data_providers = reload[2],
            partners = sps.len() + idps.len() + dps.len(),
            took_ms = started.elapsed().as_millis() as u64,
            "registry reloaded"
        );
        self.current.store(Arc::new(Snapshot { sps, idps, dps }));
        *seen = fingerprints;
        Ok(())
    }
}
