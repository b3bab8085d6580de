//! `relais`: one binary, subcommands for each role. The library half
//! (`relais::node`) does the wiring; this file only parses arguments,
//! sets up logging and handles signals.

use clap::{Parser, Subcommand};
use relais::config::{self, Config};
use relais::node::{self, NodeSpec};
use relais_core::{SystemClock, SystemRandomness};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "relais",
    version,
    about = "Relais — identity federation compatible with FranceConnect v2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything in one process on localhost: federation, demo IdPs, demo service.
    Demo {
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
    },
    /// The five demo IdPs alone, for a federation running elsewhere.
    Idps {
        #[arg(long, default_value_t = 8002)]
        port: u16,
        /// The federation's public URL (where IdPs send citizens back).
        #[arg(long, default_value = "http://localhost:8000")]
        federation: String,
        /// Skip the login form and log this test citizen in at once (benchmarks).
        #[arg(long)]
        auto_login: Option<String>,
    },
    /// Measures complete logins (see docs/benchmarks.md).
    Bench(relais::bench::BenchArgs),
    /// A federation node configured by a TOML file (RELAIS__… env overrides).
    Serve {
        #[arg(long, short)]
        config: Option<String>,
    },
    /// Creates or upgrades the database schema, then exits.
    Migrate {
        #[arg(long, short)]
        config: Option<String>,
    },
    /// One demo data provider alone (its API checks tokens at the federation).
    Dp {
        /// caf, dgfip, francetravail or etudiant.
        #[arg(long)]
        id: String,
        #[arg(long, default_value_t = 9100)]
        port: u16,
        /// The federation's issuer.
        #[arg(long, default_value = "http://localhost:8000/api/v2")]
        federation: String,
        /// Defaults to the demo's registration (dp-<id>).
        #[arg(long)]
        client_id: Option<String>,
        /// Defaults to the demo's secret for this provider; or RELAIS_DP_SECRET.
        #[arg(long, env = "RELAIS_DP_SECRET")]
        client_secret: Option<String>,
    },
    /// Signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
        #[arg(long, short, global = true)]
        config: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Lists signing keys (kid, algorithm, dates).
    List,
    /// Publishes new signing keys now; they sign after `--delay` seconds,
    /// when the current ones retire (still published until their tokens expire).
    Rotate {
        #[arg(long, default_value_t = 60)]
        delay: u64,
    },
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RELAIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn load_config(path: Option<&str>) -> Result<Config, String> {
    config::load(path, std::env::vars()).map_err(|e| format!("configuration error: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn run_node(
    cfg: Config,
    demo: bool,
    canteen: Option<(tokio::net::TcpListener, String)>,
    idps_url: Option<String>,
) -> Result<(), String> {
    let listen = cfg.server.listen.clone();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("server.listen ({listen}): {e}"))?;
    let public = cfg.server.public_url.clone();
    let canteen_url = canteen.as_ref().map(|(_, u)| u.clone());
    let spec = NodeSpec {
        config: cfg,
        demo,
        clock: Arc::new(SystemClock),
        random: Arc::new(SystemRandomness),
        canteen,
        demo_idps_url: idps_url,
    };
    let mut running = node::start(spec, listener)
        .await
        .map_err(|e| e.to_string())?;
    let issuer = format!("{}/api/v2", public.trim_end_matches('/'));
    if demo {
        let sp = running.app.registry.sp("demo-service");
        println!("Relais demo is running.");
        println!("  Home page (start here): {public}/");
        if let Some(u) = &canteen_url {
            println!("  Canteen service:        {u}/   (Inscription à la cantine scolaire, Belleville-sur-Loire)");
        }
        println!("  Federation issuer:      {issuer}");
        println!("  Discovery:              {issuer}/.well-known/openid-configuration");
        if let Some(sp) = sp {
            println!("  Demo service client_id: {}", sp.client_id);
            println!("  Demo service secret:    {}", sp.client_secret);
            println!("  Redirect URIs:          {}", sp.redirect_uris.join(", "));
        }
        println!(
            "  Demo IdPs:              {}",
            running
                .demo_idps
                .iter()
                .map(|i| i.spec.id)
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("  Test citizens (password 123): jean, angela, marie (usage name), pascal (Corsica), amina (born abroad),");
        println!("                                louis (presumed date), camille (unspecified gender); broken: sans-genre, mauvais-cog, sans-email");
        println!("Press Ctrl-C to stop.");
    } else {
        tracing::info!(%issuer, listen = %listen, "relais node started");
    }
    let stop = running.take_shutdown();
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests and flushing events");
    if let Some(tx) = stop {
        let _ = tx.send(());
    }
    running.wait().await;
    Ok(())
}

async fn run_dp(
    id: &str,
    port: u16,
    federation: &str,
    client_id: Option<String>,
    secret: Option<String>,
) -> Result<(), String> {
    let spec = relais_demo::dp::spec(id).ok_or_else(|| {
        format!("--id: unknown demo data provider {id} (caf, dgfip, francetravail, etudiant)")
    })?;
    let fed_public = federation.trim_end_matches('/').trim_end_matches("/api/v2");
    let world = relais_demo::DemoWorld::new(fed_public, node::DEMO_MASTER_KEY);
    let client_id = client_id.unwrap_or_else(|| format!("dp-{id}"));
    let secret = secret.unwrap_or_else(|| world.dp_client_secret(id));
    let dp = relais_demo::dp::DemoDp::new(spec, &client_id, &secret, federation)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("--port {port}: {e}"))?;
    println!(
        "Demo data provider {} ({}) on http://localhost:{port}/api/{}",
        spec.id, spec.title, spec.resource
    );
    if spec.encryption.is_some() {
        println!("  It asks for encrypted answers: register jwks_uri = \"http://localhost:{port}/jwks\" for {client_id} in the federation.");
    }
    let router = relais_demo::dp::router(std::sync::Arc::new(dp));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn durable_stores(mut cfg: Config) -> Result<relais_store::Stores, String> {
    cfg.storage.ephemeral = "memory".into();
    Ok(relais::backends::open(&cfg.storage, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?
        .stores)
}

async fn keys_list(cfg: Config) -> Result<(), String> {
    let stores = durable_stores(cfg).await?;
    let keys = stores.keys.list_keys().await.map_err(|e| e.to_string())?;
    println!(
        "{:<24} {:<6} {:<26} {:<26} retired",
        "kid", "alg", "created", "active from"
    );
    for k in keys {
        println!(
            "{:<24} {:<6} {:<26} {:<26} {}",
            k.kid,
            k.alg,
            relais_core::timefmt::rfc3339_millis(k.created_at),
            relais_core::timefmt::rfc3339_millis(k.active_from),
            k.retired_at
                .map(relais_core::timefmt::rfc3339_millis)
                .unwrap_or_else(|| "-".into())
        );
    }
    Ok(())
}

async fn keys_rotate(cfg: Config, delay: u64) -> Result<(), String> {
    if cfg.secrets.master_key.len() < 32 {
        return Err("secrets.master_key: must be at least 32 characters (or set RELAIS__SECRETS__MASTER_KEY)".into());
    }
    let sealer = relais_oidc::sealer::Sealer::from_master_secret(cfg.secrets.master_key.as_bytes())
        .map_err(|e| e.to_string())?;
    let stores = durable_stores(cfg).await?;
    let now = relais_core::Clock::now_millis(&SystemClock);
    let delay_ms = i64::try_from(delay.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let kids = relais_web::keyring::KeyRing::rotate(stores.keys.as_ref(), &sealer, now, delay_ms)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "new keys {} published now; they sign from {} on",
        kids.join(", "),
        relais_core::timefmt::rfc3339_millis(now + delay_ms)
    );
    Ok(())
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Demo {
            port,
            public_url,
            db,
            events,
            persistent_sessions,
            canteen_port,
            idps_url,
        } => {
            let mut cfg = load_config(None)?;
            cfg.server.listen = format!("127.0.0.1:{port}");
            cfg.server.public_url =
                public_url.unwrap_or_else(|| format!("http://localhost:{port}"));
            cfg.server.sandbox = true;
            cfg.storage.sqlite_path = db;
            cfg.events.output = events;
            if persistent_sessions {
                cfg.storage.ephemeral = "sqlite".into();
            }
            let canteen = if canteen_port == 0 {
                None
            } else {
                let l = tokio::net::TcpListener::bind(("127.0.0.1", canteen_port))
                    .await
                    .map_err(|e| format!("--canteen-port {canteen_port}: {e}"))?;
                Some((l, format!("http://localhost:{canteen_port}")))
            };
            run_node(cfg, true, canteen, idps_url).await
        }
        Command::Idps {
            port,
            federation,
            auto_login,
        } => {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| format!("--port {port}: {e}"))?;
            let base = format!(
                "http://127.0.0.1:{}",
                listener.local_addr().map_err(|e| e.to_string())?.port()
            );
            let task = node::start_demo_idps(
                listener,
                &base,
                &federation,
                auto_login,
                Arc::new(SystemClock),
                Arc::new(SystemRandomness),
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("Demo IdPs at {base}/idp/<id> for the federation {federation}");
            tokio::select! {
                _ = shutdown_signal() => {},
                _ = task => {},
            }
            Ok(())
        }
        Command::Bench(args) => relais::bench::run(args).await,
        Command::Serve { config } => {
            run_node(load_config(config.as_deref())?, false, None, None).await
        }
        Command::Migrate { config } => {
            let cfg = load_config(config.as_deref())?;
            let target = cfg
                .storage
                .durable
                .clone()
                .map(|d| d.split('@').next_back().unwrap_or("").to_owned())
                .unwrap_or_else(|| cfg.storage.sqlite_path.clone());
            durable_stores(cfg).await?;
            println!("database {target} is up to date");
            Ok(())
        }
        Command::Dp {
            id,
            port,
            federation,
            client_id,
            client_secret,
        } => run_dp(&id, port, &federation, client_id, client_secret).await,
        Command::Keys { action, config } => {
            let cfg = load_config(config.as_deref())?;
            match action {
                KeysAction::List => keys_list(cfg).await,
                KeysAction::Rotate { delay } => keys_rotate(cfg, delay).await,
            }
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais: {e}");
            ExitCode::FAILURE
        }
    }
}
