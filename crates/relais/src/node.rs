//! Wiring of one node: stores, keys, registry, event sink, routers, and the
//! HTTP server with graceful shutdown. `relais serve` and `relais demo` both
//! come through [`start`]; integration tests call it on port 0 with an
//! injected clock.

use crate::config::Config;
use crate::demo_site;
use axum::Router;
use relais_core::{Clock, Randomness};
use relais_demo::canteen::Canteen;
use relais_demo::dp::{DemoDp, DEMO_DPS};
use relais_demo::idp::DemoIdp;
use relais_demo::world::DEMO_IDPS;
use relais_demo::DemoWorld;
use relais_oidc::idp_client::IdpClient;
use relais_oidc::sealer::Sealer;

use relais_web::events::{EventOutput, EventSink};
use relais_web::keyring::KeyRing;
use relais_web::registry::Registry;
use relais_web::state::Inner;
use relais_web::{AppState, Settings};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const DEMO_MASTER_KEY: &str = "relais-demo-master-key-not-for-production";
pub const DEMO_SUB_SECRET: &str = "relais-demo-sub-secret-not-for-production";

#[derive(Debug)]
pub struct NodeError(pub String);

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NodeError {}

fn ne(context: &str) -> impl Fn(String) -> NodeError + '_ {
    move |e| NodeError(format!("{context}: {e}"))
}

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
}

pub struct RunningNode {
    pub addr: SocketAddr,
    pub app: AppState,
    pub demo_idps: Vec<Arc<DemoIdp>>,
    pub demo_dps: Vec<Arc<DemoDp>>,
    /// Demo only: where the canteen service listens.
    pub canteen_addr: Option<SocketAddr>,
    side_tasks: Vec<tokio::task::JoinHandle<()>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningNode {
    /// Graceful stop: finish in-flight requests, flush events.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        for t in &self.side_tasks {
            t.abort();
        }
        self.app.events.shutdown().await;
    }

    /// Waits until the server ends (after a signal).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
        for t in &self.side_tasks {
            t.abort();
        }
        self.app.events.shutdown().await;
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

/// Builds everything and starts serving on `listener`.
pub async fn start(spec: NodeSpec, listener: TcpListener) -> Result<RunningNode, NodeError> {
    let cfg = &spec.config;
    let sandbox = cfg.server.sandbox;
    let (master, sub_secret) = if spec.demo {
        let m = if cfg.secrets.master_key.is_empty() {
            DEMO_MASTER_KEY
        } else {
            &cfg.secrets.master_key
        };
        let s = if cfg.secrets.sub_secret.is_empty() {
            DEMO_SUB_SECRET
        } else {
            &cfg.secrets.sub_secret
        };
        (m.to_owned(), s.to_owned())
    } else {
        if cfg.secrets.master_key.len() < 32 {
            return Err(NodeError("secrets.master_key: must be at least 32 characters (or set RELAIS__SECRETS__MASTER_KEY)".into()));
        }
        if cfg.secrets.sub_secret.len() < 32 {
            return Err(NodeError("secrets.sub_secret: must be at least 32 characters (or set RELAIS__SECRETS__SUB_SECRET)".into()));
        }
        (
            cfg.secrets.master_key.clone(),
            cfg.secrets.sub_secret.clone(),
        )
    };
    let sealer = Arc::new(
        Sealer::from_master_secret(master.as_bytes()).map_err(|e| NodeError(e.to_string()))?,
    );
    let public_url = cfg.server.public_url.trim_end_matches('/').to_owned();
    url::Url::parse(&public_url).map_err(|e| NodeError(format!("server.public_url: {e}")))?;

    let opened = crate::backends::open(&cfg.storage, spec.clock.clone()).await?;
    let stores = opened.stores;
    let postgres = opened.postgres;
    let keys = KeyRing::load_or_create(stores.keys.as_ref(), &sealer, spec.clock.as_ref())
        .await
        .map_err(|e| ne("signing keys")(e.to_string()))?;
    let registry = Registry::new(stores.config.clone(), sealer.clone());
    let idp_client = IdpClient::new().map_err(|e| NodeError(e.to_string()))?;

    // Static configuration: validated, then upserted.
    for (i, sp) in cfg.service_providers.iter().enumerate() {
        let sp = sp.to_domain(i, sandbox).map_err(|e| NodeError(e.0))?;
        registry
            .upsert_sp(&sp)
            .await
            .map_err(|e| ne("storing services")(e.to_string()))?;
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
            .map_err(|e| ne("storing identity providers")(e.to_string()))?;
    }
    for (i, dp) in cfg.data_providers.iter().enumerate() {
        let dp = dp.to_domain(i, sandbox).map_err(|e| NodeError(e.0))?;
        registry
            .upsert_dp(&dp)
            .await
            .map_err(|e| ne("storing data providers")(e.to_string()))?;
    }
    let mut world = DemoWorld::new(&public_url, &master);
    if let Some(url) = &spec.demo_idps_url {
        world = world.with_idp_base(url);
    }
    if spec.demo {
        for idp in world.identity_providers() {
            registry
                .upsert_idp(&idp)
                .await
                .map_err(|e| ne("demo identity providers")(e.to_string()))?;
        }
        registry
            .upsert_sp(&world.demo_service())
            .await
            .map_err(|e| ne("demo service")(e.to_string()))?;
        for dp in world.data_providers() {
            registry
                .upsert_dp(&dp)
                .await
                .map_err(|e| ne("demo data providers")(e.to_string()))?;
        }
        if let Some((_, url)) = &spec.canteen {
            registry
                .upsert_sp(&world.canteen_service(url))
                .await
                .map_err(|e| ne("canteen service")(e.to_string()))?;
        }
    }
    registry
        .reload()
        .await
        .map_err(|e| ne("loading the registry")(e.to_string()))?;

    let events = EventSink::start(
        event_output(&cfg.events.output),
        stores.events.clone(),
        cfg.events.store_before_answer.unwrap_or(postgres.is_some()),
    );
    let settings = Settings::for_platform(&public_url, cfg.server.platform, sandbox, &sub_secret);
    let app = AppState(Arc::new(Inner {
        settings,
        registry,
        stores,
        keys,
        idp_client,
        clock: spec.clock.clone(),
        random: spec.random.clone(),
        events,
    }));
    // Edits made by another node or the CLI apply without restart: at once
    // on PostgreSQL's NOTIFY, and every 5 seconds in any case.
    let changed = Arc::new(tokio::sync::Notify::new());
    if let Some(pg) = &postgres {
        let n = changed.clone();
        pg.spawn_config_listener(Arc::new(move || n.notify_one()));
    }
    let reloader = app.clone();
    let key_sealer = sealer.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = changed.notified() => {}
            }
            if let Err(e) = reloader.registry.reload().await {
                tracing::warn!(error = %e, "registry reload failed");
            }
            let now = reloader.clock.now_millis();
            if let Err(e) = reloader
                .keys
                .refresh(reloader.stores.keys.as_ref(), &key_sealer, now)
                .await
            {
                tracing::warn!(error = %e, "signing keys reload failed");
            }
        }
    });

    let mut router: Router = relais_web::federation_routes(app.clone());
    let mut demo_idps = Vec::new();
    let mut demo_dps = Vec::new();
    if spec.demo {
        for s in DEMO_IDPS.iter().filter(|_| spec.demo_idps_url.is_none()) {
            let idp = Arc::new(
                DemoIdp::new(
                    s,
                    &world,
                    &public_url,
                    spec.clock.clone(),
                    spec.random.clone(),
                )
                .map_err(|e| NodeError(format!("demo IdP {}: {e}", s.id)))?,
            );
            router = router.nest(
                &format!("/idp/{}", s.id),
                relais_demo::idp::router(idp.clone()),
            );
            demo_idps.push(idp);
        }
        let issuer = format!("{public_url}/api/v2");
        for d in DEMO_DPS {
            let dp = Arc::new(
                DemoDp::new(
                    d,
                    &format!("dp-{}", d.id),
                    &world.dp_client_secret(d.id),
                    &issuer,
                )
                .map_err(|e| NodeError(format!("demo data provider {}: {e}", d.id)))?,
            );
            router = router.nest(
                &format!("/dp/{}", d.id),
                relais_demo::dp::router(dp.clone()),
            );
            demo_dps.push(dp);
        }
        let canteen_url = spec.canteen.as_ref().map(|(_, u)| u.clone());
        router = router.merge(demo_site::router(
            app.clone(),
            world.demo_service(),
            canteen_url,
        ));
    }
    let mut side_tasks = Vec::new();
    let mut canteen_addr = None;
    if let (true, Some((listener, url))) = (spec.demo, spec.canteen) {
        let sp = world.canteen_service(&url);
        let canteen = Canteen::new(
            &url,
            &format!("{public_url}/api/v2"),
            &sp.client_id,
            &sp.client_secret,
            &format!("{public_url}/dp/caf/api/quotient-familial"),
            spec.random.clone(),
            spec.clock.clone(),
        )
        .map_err(|e| NodeError(format!("canteen: {e}")))?;
        canteen_addr = listener.local_addr().ok();
        let canteen_router =
            relais_web::with_layers(relais_demo::canteen::router(Arc::new(canteen)), sandbox);
        side_tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, canteen_router).await {
                tracing::error!(error = %e, "canteen service stopped");
            }
        }));
    }

    let router = relais_web::with_layers(router, sandbox);
    let addr = listener
        .local_addr()
        .map_err(|e| NodeError(e.to_string()))?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "server stopped with an error");
        }
    });
    Ok(RunningNode {
        addr,
        app,
        demo_idps,
        demo_dps,
        canteen_addr,
        side_tasks,
        shutdown: Some(tx),
        task,
    })
}

/// The five demo IdPs alone (`relais idps`), for a federation elsewhere.
pub async fn start_demo_idps(
    listener: TcpListener,
    idp_base_url: &str,
    federation_url: &str,
    auto_login: Option<String>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
) -> Result<tokio::task::JoinHandle<()>, NodeError> {
    let world = DemoWorld::new(federation_url, DEMO_MASTER_KEY).with_idp_base(idp_base_url);
    let mut router = Router::new();
    for s in DEMO_IDPS {
        let mut idp = DemoIdp::new(s, &world, federation_url, clock.clone(), random.clone())
            .map_err(|e| NodeError(format!("demo IdP {}: {e}", s.id)))?;
        idp.auto_login = auto_login.clone();
        router = router.nest(
            &format!("/idp/{}", s.id),
            relais_demo::idp::router(Arc::new(idp)),
        );
    }
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "demo IdPs stopped");
        }
    }))
}
