//! `relais serve` and `relais demo`: start a node, print where it is, and
//! stop it gracefully on a signal (requests finished, events flushed).

use super::demo_ports::{bind_demo_port, Bound, DemoPorts};
use super::load_config;
use crate::config::Config;
use crate::node::NodeSpec;
use clap::Args;
use relais_core::{SystemClock, SystemRandomness};
use std::sync::Arc;

/// `relais demo`'s options.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Public URL (default http://localhost:PORT).
    #[arg(long)]
    public_url: Option<String>,
    #[arg(long, default_value = "relais-demo.db")]
    db: String,
    /// Where business events go: stdout, off, or a file.
    #[arg(long, default_value = "relais-demo-events.jsonl")]
    events: String,
    /// Keep ephemeral state in the SQLite file (survives restarts).
    #[arg(long)]
    persistent_sessions: bool,
    /// Port of the demo canteen service (its own site); 0 = no canteen.
    #[arg(long, default_value_t = 8001)]
    canteen_port: u16,
    /// Use demo IdPs running in another process (`relais idps`) at this URL.
    #[arg(long)]
    idps_url: Option<String>,
    /// Port of the Plus platform (FranceConnect+, eidas2/eidas3, its own
    /// issuer and demo IdPs); 0 = Standard only.
    #[arg(long, default_value_t = 8002)]
    plus_port: u16,
    /// Port of the Plus demo service (registered electronic letter).
    #[arg(long, default_value_t = 8003)]
    letter_port: u16,
    /// A configuration file whose partners (your own services, IdPs, data
    /// providers) join the demo's; `[server] platform = "plus"` makes the
    /// demo a Plus node.
    #[arg(long)]
    config: Option<String>,
    /// Port of the demo's mail catcher (a local SMTP server that keeps the
    /// connection e-mails; read them at /demo/courriels); 0 = none.
    #[arg(long, default_value_t = 8025)]
    mail_port: u16,
    /// Where the mail catcher also writes each e-mail as an .eml file.
    #[arg(long, default_value = "relais-demo-mail")]
    mail_dir: String,
    /// Pages in the State's look (DSFR), from the `dist` folder of the npm
    /// package @gouvfr/dsfr (e.g. after `scripts/fetch-dsfr.sh`: vendor/dsfr/dist).
    #[arg(long)]
    dsfr_dir: Option<String>,
    /// Each of the demo's servers (those not turned off with 0) listens on
    /// a port the system picks instead of its --*-port value, so that a
    /// port taken by another program cannot stop the start; see --ports-file.
    #[arg(long)]
    free_ports: bool,
    /// Once every server listens, write the ports they got to this file,
    /// one `name=port` line each (port, canteen_port, plus_port,
    /// letter_port, mail_port; 0 for a server not started). A file an
    /// earlier run left is removed at start, and the new one appears whole:
    /// a script can wait for the file, then read it.
    #[arg(long)]
    ports_file: Option<String>,
}

/// `relais demo`: the embedded defaults, overridden by the options.
pub async fn demo(a: DemoArgs) -> Result<(), String> {
    // Before anything serves: the Plus platform starts first.
    let stop = super::shutdown_signal();
    let mut cfg = load_config(a.config.as_deref())?;
    if let Some(path) = &a.ports_file {
        DemoPorts::forget(path)?;
    }
    let mut ports = DemoPorts::default();
    let (listener, port) = bind_demo_port("--port", a.port, a.free_ports).await?;
    ports.port = port;
    cfg.server.listen = format!("127.0.0.1:{port}");
    cfg.server.public_url = a
        .public_url
        .unwrap_or_else(|| format!("http://localhost:{port}"));
    cfg.server.sandbox = true;
    cfg.storage.sqlite_path = a.db;
    cfg.events.output = a.events;
    if a.persistent_sessions {
        cfg.storage.ephemeral = "sqlite".into();
    }
    let canteen = if a.canteen_port == 0 {
        None
    } else {
        let (l, port) = bind_demo_port("--canteen-port", a.canteen_port, a.free_ports).await?;
        ports.canteen_port = port;
        Some((l, format!("http://localhost:{port}")))
    };
    if let Some(dir) = a.dsfr_dir {
        cfg.ui.theme = relais_web::pages::theme::Theme::State;
        cfg.ui.dsfr_dir = Some(dir.into());
    }
    // The demo's e-mails go to its own catcher unless the file names a server.
    let catcher = if a.mail_port == 0 || cfg.mail.smtp_url.is_some() {
        None
    } else {
        let (l, port) = bind_demo_port("--mail-port", a.mail_port, a.free_ports).await?;
        ports.mail_port = port;
        let c = relais_demo::mail_catcher::MailCatcher::start(l, Some(a.mail_dir.clone().into()))
            .map_err(|e| format!("mail catcher: {e}"))?;
        cfg.mail.smtp_url = Some(c.smtp_url());
        Some(c)
    };
    // A demo that is already Plus has no second platform beside it.
    let plus = if a.plus_port == 0 || cfg.server.platform == relais_core::Platform::Plus {
        None
    } else {
        let plus = bind_demo_port("--plus-port", a.plus_port, a.free_ports).await?;
        let letter = bind_demo_port("--letter-port", a.letter_port, a.free_ports).await?;
        ports.plus_port = plus.1;
        ports.letter_port = letter.1;
        Some(start_plus_demo(&cfg, plus, letter).await?)
    };
    if let Some(path) = &a.ports_file {
        ports.write(path)?;
    }
    let inbox = catcher.as_ref().map(|c| c.inbox.clone());
    let node = Launch {
        cfg,
        demo: true,
        listener,
        canteen,
        idps_url: a.idps_url,
        plus,
        mail_inbox: inbox,
    };
    let outcome = run(node, stop).await;
    if let Some(c) = &catcher {
        say!(
            "E-mails caught by the demo: {} (also in {}/)",
            c.inbox.messages().len(),
            a.mail_dir
        );
    }
    outcome
}

/// The Plus platform of `relais demo`: a second node with its own issuer,
/// database file, demo IdPs and the registered-letter service.
async fn start_plus_demo(
    standard: &Config,
    (listener, port): Bound,
    (letter, letter_port): Bound,
) -> Result<crate::node::RunningNode, String> {
    let mut cfg = standard.clone();
    cfg.server.platform = relais_core::Platform::Plus;
    // The file's partners are the Standard node's; Plus has its own demo.
    cfg.service_providers.clear();
    cfg.identity_providers.clear();
    cfg.data_providers.clear();
    cfg.server.listen = format!("127.0.0.1:{port}");
    cfg.server.public_url = format!("http://localhost:{port}");
    cfg.storage.sqlite_path = sibling(&standard.storage.sqlite_path, "plus");
    if !matches!(cfg.events.output.as_str(), "stdout" | "off") {
        cfg.events.output = sibling(&standard.events.output, "plus");
    }
    let spec = NodeSpec {
        config: cfg,
        demo: true,
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandomness),
        canteen: Some((letter, format!("http://localhost:{letter_port}"))),
        demo_idps_url: None,
        plus_demo: None,
        mail_inbox: None,
    };
    crate::node::start(spec, listener)
        .await
        .map_err(|e| format!("Plus platform: {e}"))
}

/// `relais-demo.db` → `relais-demo-plus.db`.
fn sibling(path: &str, tag: &str) -> String {
    match path.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.contains('/') => {
            format!("{stem}-{tag}.{ext}")
        }
        _ => format!("{path}-{tag}"),
    }
}

/// `relais serve --config FILE`.
pub async fn serve(config: Option<String>) -> Result<(), String> {
    let stop = super::shutdown_signal();
    let cfg = load_config(config.as_deref())?;
    let listen = cfg.server.listen.clone();
    let listener = relais_web::server::bind(&listen)
        .await
        .map_err(|e| format!("server.listen ({listen}): {e}"))?;
    let node = Launch {
        cfg,
        demo: false,
        listener,
        canteen: None,
        idps_url: None,
        plus: None,
        mail_inbox: None,
    };
    run(node, stop).await
}

/// What `run` starts: a node's configuration and listener, and, for the
/// demo, the servers beside it.
struct Launch {
    cfg: Config,
    demo: bool,
    listener: tokio::net::TcpListener,
    canteen: Option<(tokio::net::TcpListener, String)>,
    idps_url: Option<String>,
    plus: Option<crate::node::RunningNode>,
    mail_inbox: Option<relais_demo::mail_catcher::Inbox>,
}

/// A node until Ctrl-C or SIGTERM (`stop`, listened for since before the
/// node served).
async fn run(node: Launch, stop_signal: super::ShutdownSignal) -> Result<(), String> {
    let Launch {
        cfg,
        demo,
        listener,
        canteen,
        idps_url,
        mut plus,
        mail_inbox,
    } = node;
    let catching = mail_inbox.is_some();
    let listen = cfg.server.listen.clone();
    let public = cfg.server.public_url.clone();
    let canteen_url = canteen.as_ref().map(|(_, u)| u.clone());
    let spec = NodeSpec {
        config: cfg,
        demo,
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandomness),
        canteen,
        demo_idps_url: idps_url,
        plus_demo: plus.as_ref().map(|p| crate::node::PlusDemoLinks {
            issuer: p.app.settings.issuer(),
            letter: p
                .canteen_addr
                .map(|a| format!("http://localhost:{}/", a.port())),
        }),
        mail_inbox,
    };
    let mut running = crate::node::start(spec, listener)
        .await
        .map_err(|e| e.to_string())?;
    let issuer = format!("{}/api/v2", public.trim_end_matches('/'));
    if demo {
        let sp = running.app.registry.sp("demo-service");
        say!("Relais demo is running.");
        say!("  Home page (start here): {public}/");
        if let Some(u) = &canteen_url {
            say!("  Canteen service:        {u}/   (Inscription à la cantine scolaire, Belleville-sur-Loire)");
        }
        say!("  Citizen space:          {public}/espace");
        if catching {
            say!("  E-mails sent:           {public}/demo/courriels");
        }
        say!("  Federation issuer:      {issuer}");
        say!("  Discovery:              {issuer}/.well-known/openid-configuration");
        if let Some(sp) = sp {
            say!("  Demo service client_id: {}", sp.client_id);
            say!("  Demo service secret:    {}", sp.client_secret);
            say!("  Redirect URIs:          {}", sp.redirect_uris.join(", "));
        }
        say!(
            "  Demo IdPs:              {}",
            running
                .demo_idps
                .iter()
                .map(|i| i.spec.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
        say!("  Test citizens (password 123): jean, angela, marie (usage name), pascal (Corsica), amina (born abroad),");
        say!("                                louis (presumed date), camille (unspecified gender); broken: sans-genre, mauvais-cog, sans-email");
        if let Some(p) = &plus {
            let url = &p.app.settings.public_url;
            say!("Plus platform (FranceConnect+: eidas2/eidas3, private_key_jwt, encrypted answers):");
            say!("  Federation issuer:      {url}/api/v2");
            if let Some(a) = p.canteen_addr {
                say!("  Registered-letter demo: http://localhost:{}/   (Envoi de lettre recommandée électronique)", a.port());
            }
            say!(
                "  Demo IdPs:              {}",
                p.demo_idps
                    .iter()
                    .map(|i| i.spec.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        say!("Press Ctrl-C to stop.");
    } else {
        tracing::info!(%issuer, listen = %listen, "relais node started");
    }
    let stop = running.take_shutdown();
    stop_signal.received().await;
    tracing::info!("shutting down: finishing requests and flushing events");
    if let Some(tx) = stop {
        let _ = tx.send(());
    }
    if let Some(tx) = plus.as_mut().and_then(|p| p.take_shutdown()) {
        let _ = tx.send(());
    }
    running.wait().await;
    if let Some(p) = plus {
        p.wait().await;
    }
    Ok(())
}
