//! `relais`: one binary, subcommands for each role. This file only parses
//! the command line, sets up logging and calls into `relais::commands`;
//! the wiring of a node is `relais::node`.

use clap::{Parser, Subcommand};
use relais::commands;
use std::process::ExitCode;

/// jemalloc rather than glibc's malloc: about a fifth of a login's CPU
/// went to glibc's allocator (its `_int_malloc` and consolidations) on the
/// request path's many small, short-lived buffers. One arena
/// (`.cargo/config.toml`) keeps resident memory where glibc's was.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    Demo(commands::node::DemoArgs),
    /// The five demo IdPs alone, for a federation running elsewhere.
    Idps(commands::idps::IdpsArgs),
    /// Measures complete logins (see docs/benchmarks.md).
    Bench(relais::bench::args::BenchArgs),
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
    Dp(commands::dp::DpArgs),
    /// Statistics: connections, users, services per month (or one month by
    /// service, IdP, platform, day); `generate` measures them at scale.
    Stats(commands::stats::StatsArgs),
    /// The operator's tools: tokens (on the store), then services, IdPs,
    /// data providers, accounts, keys and events through the admin API.
    Admin(commands::admin::AdminArgs),
    /// Signing keys.
    Keys {
        #[command(subcommand)]
        action: commands::keys::KeysAction,
        #[arg(long, short, global = true)]
        config: Option<String>,
    },
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Demo(args) => commands::node::demo(args).await,
        Command::Idps(args) => commands::idps::run(args).await,
        // Stopped by a signal, the bench drops what it runs, and with it the
        // federation and IdPs it spawned (SIGTERM, then SIGKILL): without
        // this, `timeout` or `kill` on the bench left them running.
        Command::Bench(args) => tokio::select! {
            done = relais::bench::run(args) => done,
            () = commands::shutdown_signal().received() => Err("bench interrupted; the processes it started are stopped".into()),
        },
        Command::Serve { config } => commands::node::serve(config).await,
        Command::Migrate { config } => commands::keys::migrate(config).await,
        Command::Dp(args) => commands::dp::run(args).await,
        Command::Admin(args) => commands::admin::run(args).await,
        Command::Stats(args) => commands::stats::run(args).await,
        Command::Keys { action, config } => commands::keys::run(action, config).await,
    }
}

fn main() -> ExitCode {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = relais::workers::default_workers() {
        runtime.worker_threads(n);
    }
    let runtime = match runtime.build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("relais: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let _telemetry = relais::telemetry::init();
        match run(Cli::parse()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("relais: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
