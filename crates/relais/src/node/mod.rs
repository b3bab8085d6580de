//! Wiring of one node: stores, keys, registry, event sink, routers, and the
//! HTTP server with graceful shutdown. `relais serve` and `relais demo` both
//! come through [`start`]; integration tests call it on port 0 with an
//! injected clock.
//!
//! The steps, each in its own file: [`stores`] opens the storage tiers the
//! configuration names; the signing keys are loaded (or created); the
//! registry is seeded from the file by [`partners`] (and with the demo world
//! by [`demo`] when `relais demo` runs); then the routes are mounted and
//! served. Every background loop runs under the node's [`Supervisor`], so
//! [`RunningNode::stop`] (or SIGTERM) finishes in-flight requests, then
//! stops the loops — the event writer flushes what it holds — and returns.

mod abuse;
pub mod demo;
mod error;
mod mail;
mod partners;
pub(crate) mod stores;

pub use demo::{start_demo_idps, DEMO_MASTER_KEY, DEMO_SUB_SECRET};
pub use error::NodeError;
pub use stores::{open as open_stores, Opened};

use crate::config::Config;
use relais_core::registration::MIN_NODE_SECRET_LEN;
use relais_core::{Clock, Randomness};
use relais_demo::dp::DemoDp;
use relais_demo::idp::DemoIdp;
use relais_oidc::idp_client::IdpClient;
use relais_oidc::sealer::Sealer;
use relais_web::events::{EventOutput, EventSink};
use relais_web::keyring::KeyRing;
use relais_web::registry::Registry;
use relais_web::state::Inner;
use relais_web::supervisor::Supervisor;
use relais_web::{AppState, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How often the registry and keys are re-read even without a notification.
const RELOAD_EVERY: Duration = Duration::from_secs(5);

pub struct NodeSpec {
    pub config: Config,
    /// Mount the demo world (IdPs, home page, demo service) in this node.
    pub demo: bool,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Randomness>,
    /// Demo only: the canteen service's own listener and public URL.
    pub canteen: Option<(TcpListener, String)>,
    /// Demo only: the demo IdPs run in another process at this URL
    /// (`relais idps`), e.g. so a benchmark can tell their CPU apart.
    pub demo_idps_url: Option<String>,
    /// Demo only: where the Plus platform runs beside this Standard demo
    /// (the home page links to it).
    pub plus_demo: Option<PlusDemoLinks>,
    /// Demo only: the mail catcher's inbox, shown at `/demo/courriels`.
    pub mail_inbox: Option<relais_demo::mail_catcher::Inbox>,
}

/// The Plus platform of `relais demo`, as the Standard home page shows it.
#[derive(Debug, Clone)]
pub struct PlusDemoLinks {
    pub issuer: String,
    /// The registered-letter service.
    pub letter: Option<String>,
}

pub struct RunningNode {
    pub addr: SocketAddr,
    pub app: AppState,
    pub demo_idps: Vec<Arc<DemoIdp>>,
    pub demo_dps: Vec<Arc<DemoDp>>,
    /// Demo only: where the canteen service listens.
    pub canteen_addr: Option<SocketAddr>,
    tasks: Supervisor,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

impl RunningNode {
    /// Graceful stop: finish in-flight requests, stop the background loops
    /// (events flushed), and return once all of them have.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.wait().await;
    }

    /// Waits until the server ends (after [`Self::take_shutdown`]'s sender
    /// fired), then stops the background loops.
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
        self.tasks.shutdown().await;
    }

    pub fn take_shutdown(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

fn event_output(s: &str) -> EventOutput {
    match s {
        "stdout" | "" => EventOutput::Stdout,
        "off" => EventOutput::Off,
        path => EventOutput::File(path.into()),
    }
}

/// The master key and the pairwise-sub secret: from the configuration, or
/// the demo's fixed ones in `relais demo` when unset.
fn secrets(cfg: &Config, demo: bool) -> Result<(String, String), NodeError> {
    let pick = |value: &str, demo_value: &str, field: &str, env: &str| {
        if demo && value.is_empty() {
            Ok(demo_value.to_owned())
        } else if !demo && value.len() < MIN_NODE_SECRET_LEN {
            Err(NodeError(format!(
                "secrets.{field}: must be at least {MIN_NODE_SECRET_LEN} characters (or set {env})"
            )))
        } else {
            Ok(value.to_owned())
        }
    };
    Ok((
        pick(
            &cfg.secrets.master_key,
            DEMO_MASTER_KEY,
            "master_key",
            "RELAIS__SECRETS__MASTER_KEY",
        )?,
        pick(
            &cfg.secrets.sub_secret,
            DEMO_SUB_SECRET,
            "sub_secret",
            "RELAIS__SECRETS__SUB_SECRET",
        )?,
    ))
}

/// Builds everything and starts serving on `listener`.
pub async fn start(spec: NodeSpec, listener: TcpListener) -> Result<RunningNode, NodeError> {
    let cfg = &spec.config;
    let sandbox = cfg.server.sandbox;
    let (master, sub_secret) = secrets(cfg, spec.demo)?;
    let sealer = Arc::new(
        Sealer::from_master_secret(master.as_bytes()).map_err(|e| NodeError(e.to_string()))?,
    );
    let public_url = cfg.server.public_url.trim_end_matches('/').to_owned();
    url::Url::parse(&public_url).map_err(|e| NodeError::during("server.public_url", e))?;

    let metrics = Arc::new(relais_web::metrics::Metrics::default());
    let opened = stores::open(
        &cfg.storage,
        spec.clock.clone(),
        metrics.ephemeral_memory.clone(),
    )
    .await?;
    let (abuse, server_limits) = abuse::build(cfg, &opened.stores, spec.clock.clone(), &metrics)?;
    let keys = KeyRing::load_or_create(opened.stores.keys.as_ref(), &sealer, spec.clock.as_ref())
        .await
        .map_err(|e| NodeError::during("signing keys", e))?;
    let registry = Registry::new(
        opened.stores.config.clone(),
        sealer.clone(),
        cfg.server.registration_context(),
    );
    let idp_client = IdpClient::new().map_err(|e| NodeError(e.to_string()))?;
    let pending_discovery = partners::seed(cfg, &registry, &idp_client).await?;
    let world = if spec.demo {
        let canteen_url = spec.canteen.as_ref().map(|(_, u)| u.as_str());
        Some(
            demo::seed(
                &registry,
                &public_url,
                &master,
                spec.demo_idps_url.as_deref(),
                canteen_url,
                cfg.server.platform,
            )
            .await?,
        )
    } else {
        None
    };

    let mut tasks = Supervisor::new();
    let events = EventSink::start(
        event_output(&cfg.events.output),
        opened.stores.events.clone(),
        cfg.events
            .store_before_answer
            .unwrap_or(opened.postgres.is_some()),
        metrics.clone(),
        &mut tasks,
    );
    let mut settings =
        Settings::for_platform(&public_url, cfg.server.platform, sandbox, &sub_secret);
    if let Some(on) = cfg.server.citizen_space {
        settings.citizen_space = on;
    }
    cfg.ui.check().map_err(NodeError)?;
    relais_web::pages::theme::set(cfg.ui.theme);
    settings.theme = cfg.ui.theme;
    settings.dsfr_dir = cfg.ui.dsfr_dir.clone();
    if let Some(name) = &cfg.ui.operator_name {
        settings.operator_name = name.clone();
    }
    if let Some(mail) = &cfg.ui.contact_email {
        settings.contact_email = mail.clone();
    }
    settings.partner_space = cfg.partners.enabled.unwrap_or(spec.demo);
    settings.sandbox_idps = match (&world, cfg.partners.sandbox_idps.is_empty()) {
        (Some(w), true) => w.identity_providers().into_iter().map(|i| i.id).collect(),
        _ => cfg.partners.sandbox_idps.clone(),
    };
    settings.partner_agent_idp = cfg.partners.agent_idp.clone();
    settings.admin_cert_header = cfg
        .admin
        .cert_header(&cfg.limits.trusted_proxies)
        .map_err(NodeError)?;
    settings.admin_cert_subjects = cfg.admin.client_cert_subjects.clone();
    let mailer = mail::start(&cfg.mail, cfg.server.platform, &mut tasks)?;
    let app = AppState(Arc::new(Inner {
        settings,
        registry,
        stores: opened.stores.clone(),
        keys,
        idp_client,
        clock: spec.clock.clone(),
        random: spec.random.clone(),
        events,
        idp_health: relais_web::idp_health::IdpHealth::default(),
        abuse,
        metrics: metrics.clone(),
        mailer,
        civil_register: civil_register(cfg, spec.demo),
    }));
    if app.settings.citizen_space {
        // The citizen space is a service of the federation itself.
        app.registry
            .upsert_sp(&relais_web::citizen_space::provider::registration(
                &app.settings,
            ))
            .await
            .map_err(|e| NodeError::during("registering the citizen space", e))?;
    }
    // Read once every partner is written: a node of a federation of
    // 100,000 services reads them all once, not again for its own writes.
    app.registry
        .reload()
        .await
        .map_err(|e| NodeError::during("loading the registry", e))?;
    abuse::supervise(&mut tasks, app.clone());
    supervise_retention(&mut tasks, app.clone(), &cfg.retention);
    // Edits made by another node or the CLI apply without restart: at once
    // on PostgreSQL's NOTIFY, and every few seconds in any case.
    let changed = Arc::new(tokio::sync::Notify::new());
    let notify = changed.clone();
    opened.supervise(&mut tasks, Arc::new(move || notify.notify_one()));
    supervise_reload(&mut tasks, app.clone(), sealer, changed);
    partners::retry_discovery(&mut tasks, app.clone(), pending_discovery);

    let router = relais_web::federation_routes(app.clone());
    let (router, mounted) = match &world {
        Some(world) => {
            let canteen = spec
                .canteen
                .map(|(listener, url)| demo::CanteenSite { listener, url });
            let serve_idps = spec.demo_idps_url.is_none();
            let sites = demo::Sites {
                canteen,
                plus: spec.plus_demo.clone(),
                mail_inbox: spec.mail_inbox.clone(),
            };
            demo::mount(router, &app, world, serve_idps, sites, &mut tasks)?
        }
        None => (router, demo::Mounted::default()),
    };
    let router = relais_web::with_federation_layers(router, &app);
    let addr = listener
        .local_addr()
        .map_err(|e| NodeError(e.to_string()))?;
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(relais_web::server::serve(
        listener,
        router,
        server_limits,
        metrics,
        async move {
            let _ = rx.await;
        },
    ));
    Ok(RunningNode {
        addr,
        app,
        demo_idps: mounted.idps,
        demo_dps: mounted.dps,
        canteen_addr: mounted.canteen_addr,
        tasks,
        shutdown: Some(tx),
        server,
    })
}

/// Re-reads the registry and the signing keys every few seconds, and at
/// once when `changed` is notified.
fn supervise_reload(
    tasks: &mut Supervisor,
    app: AppState,
    sealer: Arc<Sealer>,
    changed: Arc<tokio::sync::Notify>,
) {
    tasks.spawn("registry reload", move |cancel| {
        let (app, sealer, changed) = (app.clone(), sealer.clone(), changed.clone());
        async move {
            let mut tick = tokio::time::interval(RELOAD_EVERY);
            tick.tick().await;
            loop {
                // A notification (another node wrote) reloads at once; the
                // tick only when the store's fingerprint moved.
                let reloaded = tokio::select! {
                    _ = tick.tick() => app.registry.reload_if_changed().await.map(|_| ()),
                    () = changed.notified() => app.registry.reload().await,
                    () = cancel.cancelled() => return Ok(()),
                };
                if let Err(e) = reloaded {
                    tracing::warn!(error = %e, "registry reload failed");
                }
                let now = app.clock.now_millis();
                if let Err(e) = app
                    .keys
                    .refresh(app.stores.keys.as_ref(), &sealer, now)
                    .await
                {
                    tracing::warn!(error = %e, "signing keys reload failed");
                }
            }
        }
    });
}

/// The retention job, every few hours (and once soon after start).
fn supervise_retention(
    tasks: &mut Supervisor,
    app: AppState,
    cfg: &crate::config::RetentionConfig,
) {
    let policy = relais_web::retention::RetentionPolicy {
        events_days: cfg.events_days,
        accounts_days: cfg.accounts_days,
    };
    let every = std::time::Duration::from_secs(u64::from(cfg.every_hours) * 3600);
    tasks.every("retention", every, move || {
        let app = app.clone();
        async move {
            relais_web::retention::purge(&app, policy)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    });
}

/// The national register check: the demo's table in `relais demo` unless
/// turned off; none otherwise (Standard platform only).
fn civil_register(cfg: &Config, demo: bool) -> Option<relais_web::civil_register::RegisterCheck> {
    use crate::config::RegisterMode;
    let on = match cfg.civil_register.mode {
        Some(RegisterMode::Demo) => true,
        Some(RegisterMode::Off) => false,
        None => demo,
    };
    (on && cfg.server.platform == relais_core::Platform::Standard).then(|| {
        relais_web::civil_register::RegisterCheck {
            register: Arc::new(demo::register::DemoCivilRegister),
            timeout: std::time::Duration::from_millis(
                cfg.civil_register
                    .timeout_ms
                    .unwrap_or(2000)
                    .clamp(100, 30_000),
            ),
            on_outage: cfg.civil_register.on_outage,
        }
    })
}
