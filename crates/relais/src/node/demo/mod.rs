//! Everything only `relais demo` does: register the demo world (five demo
//! IdPs, the demo service, four demo data providers, the canteen service),
//! mount the demo IdPs, data providers and pages ([`site`]) beside the
//! federation, and serve the canteen on its own listener — a task owned by
//! the node's supervisor, stopped with it. `relais idps` runs the demo IdPs
//! alone ([`start_demo_idps`]).

pub mod register;
mod site;

use super::error::NodeError;
use axum::Router;
use relais_core::{Clock, Platform, Randomness};
use relais_demo::canteen::Canteen;
use relais_demo::dp::{DemoDp, DEMO_DPS};
use relais_demo::idp::DemoIdp;
use relais_demo::DemoWorld;
use relais_web::registry::Registry;
use relais_web::supervisor::Supervisor;
use relais_web::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub const DEMO_MASTER_KEY: &str = "relais-demo-master-key-not-for-production";
pub const DEMO_SUB_SECRET: &str = "relais-demo-sub-secret-not-for-production";

/// The canteen's own site: where it listens and its public URL.
pub struct CanteenSite {
    pub listener: TcpListener,
    pub url: String,
}

/// The demo's web sites beside the federation: its service site (canteen
/// on Standard, registered letter on Plus) and, on a Standard demo, where
/// the Plus platform runs.
pub struct Sites {
    pub canteen: Option<CanteenSite>,
    pub plus: Option<crate::node::PlusDemoLinks>,
    pub mail_inbox: Option<relais_demo::mail_catcher::Inbox>,
}

/// What the demo mounted in the node.
#[derive(Default)]
pub struct Mounted {
    pub idps: Vec<Arc<DemoIdp>>,
    pub dps: Vec<Arc<DemoDp>>,
    pub canteen_addr: Option<SocketAddr>,
}

/// Registers the demo world's partners; returns the world.
pub async fn seed(
    registry: &Registry,
    public_url: &str,
    master: &str,
    idps_url: Option<&str>,
    canteen_url: Option<&str>,
    platform: Platform,
) -> Result<DemoWorld, NodeError> {
    let mut world = DemoWorld::new(public_url, master).on_platform(platform);
    if let Some(url) = idps_url {
        world = world.with_idp_base(url);
    }
    for idp in world.identity_providers() {
        registry
            .upsert_idp(&idp)
            .await
            .map_err(|e| NodeError::during("demo identity providers", e))?;
    }
    // The demo service authenticates with a secret: Standard only (the
    // Plus demo service is the registered-letter service).
    if platform == Platform::Standard {
        registry
            .upsert_sp(&world.demo_service())
            .await
            .map_err(|e| NodeError::during("demo service", e))?;
    }
    for dp in world.data_providers() {
        registry
            .upsert_dp(&dp)
            .await
            .map_err(|e| NodeError::during("demo data providers", e))?;
    }
    // The demo's own service site: the canteen on Standard, the
    // registered-letter service on Plus.
    if let Some(url) = canteen_url {
        let sp = match platform {
            Platform::Standard => world.canteen_service(url),
            Platform::Plus => world.lettre_service(url),
        };
        registry
            .upsert_sp(&sp)
            .await
            .map_err(|e| NodeError::during("demo service site", e))?;
    }
    Ok(world)
}

/// Mounts the demo beside the federation's routes; starts the canteen.
pub fn mount(
    mut router: Router,
    app: &AppState,
    world: &DemoWorld,
    serve_idps: bool,
    sites: Sites,
    tasks: &mut Supervisor,
) -> Result<(Router, Mounted), NodeError> {
    let canteen = sites.canteen;
    let public_url = app.settings.public_url.clone();
    let issuer = app.settings.issuer();
    let mut mounted = Mounted::default();
    for s in world.idp_specs().iter().filter(|_| serve_idps) {
        let idp = Arc::new(
            DemoIdp::new(s, world, &public_url, app.clock.clone(), app.random.clone())
                .map_err(|e| NodeError(format!("demo IdP {}: {e}", s.id)))?,
        );
        router = router.nest(
            &format!("/idp/{}", s.id),
            relais_demo::idp::router(idp.clone()),
        );
        mounted.idps.push(idp);
    }
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
        mounted.dps.push(dp);
    }
    let canteen_url = canteen.as_ref().map(|c| c.url.clone());
    if app.settings.platform == Platform::Standard {
        router = router.merge(site::router(
            app.clone(),
            world.demo_service(),
            canteen_url,
            sites.plus,
            sites.mail_inbox,
        ));
    }
    if let Some(site) = canteen {
        mounted.canteen_addr = site.listener.local_addr().ok();
        let router = match app.settings.platform {
            Platform::Standard => canteen_router(app, world, &site.url)?,
            Platform::Plus => lettre_router(app, world, &site.url)?,
        };
        serve_site(site, router, tasks);
    }
    Ok((router, mounted))
}

fn lettre_router(app: &AppState, world: &DemoWorld, url: &str) -> Result<Router, NodeError> {
    let sp = world.lettre_service(url);
    let keys = Arc::new(
        relais_demo::service_client::ServiceKeys::generate()
            .map_err(|e| NodeError(format!("registered-letter service keys: {e}")))?,
    );
    let lettre = relais_demo::lettre::Lettre::new(
        url,
        &app.settings.issuer(),
        &sp.client_id,
        keys,
        app.random.clone(),
        app.clock.clone(),
    )
    .map_err(|e| NodeError(format!("registered-letter service: {e}")))?;
    Ok(relais_web::with_layers(
        relais_demo::lettre::router(Arc::new(lettre)),
        app.settings.sandbox,
    ))
}

fn canteen_router(app: &AppState, world: &DemoWorld, url: &str) -> Result<Router, NodeError> {
    let sp = world.canteen_service(url);
    let public_url = &app.settings.public_url;
    let canteen = Canteen::new(
        url,
        &app.settings.issuer(),
        &sp.client_id,
        &sp.client_secret,
        &format!("{public_url}/dp/caf/api/quotient-familial"),
        app.random.clone(),
        app.clock.clone(),
    )
    .map_err(|e| NodeError(format!("canteen: {e}")))?;
    Ok(relais_web::with_layers(
        relais_demo::canteen::router(Arc::new(canteen)),
        app.settings.sandbox,
    ))
}

/// Serves the demo's service site on its own listener, under the node's
/// supervisor.
fn serve_site(site: CanteenSite, router: Router, tasks: &mut Supervisor) {
    // The listener is taken by the first attempt; a failed server is not
    // restarted (its port is gone with it), which the log says.
    let listener = Arc::new(std::sync::Mutex::new(Some(site.listener)));
    tasks.spawn("demo service site", move |cancel| {
        let taken = listener.lock().ok().and_then(|mut l| l.take());
        let router = router.clone();
        async move {
            let Some(listener) = taken else {
                tracing::error!("demo service site stopped and cannot listen again");
                return Ok(());
            };
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { cancel.cancelled().await })
                .await
                .map_err(|e| format!("demo service site stopped: {e}"))
        }
    });
}

/// The demo IdPs alone (`relais idps`), for a federation elsewhere.
pub async fn start_demo_idps(
    listener: TcpListener,
    idp_base_url: &str,
    federation_url: &str,
    auto_login: Option<String>,
    platform: Platform,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
) -> Result<tokio::task::JoinHandle<()>, NodeError> {
    let world = DemoWorld::new(federation_url, DEMO_MASTER_KEY)
        .with_idp_base(idp_base_url)
        .on_platform(platform);
    let mut router = Router::new();
    for s in world.idp_specs() {
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
