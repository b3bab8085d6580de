//! `relais`: one binary, subcommands for each role. This file only parses
//! the command line, sets up logging and calls into `relais::commands`;
//! the wiring of a node is `relais::node`.

use clap::{Parser, Subcommand};
use relais::commands::{self, load_config};
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
            commands::node::run(cfg, true, canteen, idps_url).await
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
            let task = relais::node::start_demo_idps(
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
                _ = commands::shutdown_signal() => {},
                _ = task => {},
            }
            Ok(())
        }
        Command::Bench(args) => relais::bench::run(args).await,
        Command::Serve { config } => {
            commands::node::run(load_config(config.as_deref())?, false, None, None).await
        }
        Command::Migrate { config } => {
            commands::keys::migrate(load_config(config.as_deref())?).await
        }
        Command::Dp {
            id,
            port,
            federation,
            client_id,
            client_secret,
        } => commands::dp::run(&id, port, &federation, client_id, client_secret).await,
        Command::Keys { action, config } => {
            let cfg = load_config(config.as_deref())?;
            match action {
                KeysAction::List => commands::keys::list(cfg).await,
                KeysAction::Rotate { delay } => commands::keys::rotate(cfg, delay).await,
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
