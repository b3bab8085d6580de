//! `relais bench`'s options: what to measure (a running deployment or a
//! spawned one, Standard or Plus, which backends), how hard (closed or open
//! loop), and how to report.

use clap::{Args, Subcommand};

#[derive(Subcommand, Debug, Clone)]
pub enum BenchAction {
    /// Fills a store with many services and accounts (a node at national
    /// size), for `relais bench --db FILE` to measure start-up and logins.
    Populate {
        /// SQLite file to fill (else the configuration's store, e.g.
        /// RELAIS__STORAGE__DURABLE=postgres://…).
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 100_000)]
        services: u64,
        #[arg(long, default_value_t = 1_000_000)]
        accounts: u64,
        #[arg(long, short)]
        config: Option<String>,
    },
    /// Times the signatures a login needs, per algorithm, on this machine:
    /// the floor under the CPU per login (ES256 as `relais bench` runs,
    /// RS256 as in FranceConnect's topology).
    CryptoFloor,
    /// Times what one kept-alive request costs the federation when its
    /// handler does nothing (`GET /healthz`, through every layer): the
    /// floor a login's exchanges put under its CPU, beside the signatures'.
    HttpFloor(HttpFloorArgs),
}

/// `relais bench http-floor`'s options.
#[derive(Args, Debug, Clone)]
pub struct HttpFloorArgs {
    /// Measured requests (after the warm-up's).
    #[arg(long, default_value_t = 20_000)]
    pub requests: u64,
    /// Unmeasured requests first (connections opened, caches warm).
    #[arg(long, default_value_t = 1_000)]
    pub warmup_requests: u64,
    /// Virtual users sharing one pooled client.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// A running federation (else one is spawned, as `relais bench`).
    #[arg(long, requires = "server_pid")]
    pub url: Option<String>,
    /// PID of that federation's process, for its CPU time.
    #[arg(long, requires = "url")]
    pub server_pid: Option<u32>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub action: Option<BenchAction>,
    /// Spawned deployment: serve this SQLite file (e.g. one filled by
    /// `relais bench populate`) instead of a fresh temporary one.
    #[arg(long)]
    pub db: Option<String>,
    /// Public URL of a running federation (else one is spawned).
    #[arg(long)]
    pub url: Option<String>,
    /// PID of the federation process when using --url (for CPU figures).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Measured logins (after warm-up), completed or failed; the run
    /// stops when reached.
    #[arg(long, default_value_t = 2000)]
    pub logins: u64,
    /// Or stop after this many measured seconds.
    #[arg(long)]
    pub duration: Option<u64>,
    /// Virtual users (closed loop), or the cap on logins in flight (open loop).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Open loop: start this many logins per second, whatever the latency.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds over which virtual users start.
    #[arg(long, default_value_t = 1.0)]
    pub ramp_up: f64,
    /// Seconds of warm-up excluded from every figure.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    #[arg(long, default_value = "impots")]
    pub idp: String,
    /// The demo citizen who logs in, or several separated by commas, who
    /// log in in turn (`jean,angela,marie,…`): with one, every login
    /// updates the same account (in PostgreSQL, one row every concurrent
    /// login waits on), which a population of citizens does not.
    #[arg(long, default_value = "jean")]
    pub citizen: String,
    /// Demo IdPs skip their login form (measures the federation alone more closely).
    #[arg(long)]
    pub idp_auto_login: bool,
    /// Also call the CAF demo API (triggers /checktoken) in each login.
    #[arg(long)]
    pub with_dp: bool,
    /// Spawned deployment: ephemeral store — memory, sqlite, postgres, or a redis:// URL.
    #[arg(long, default_value = "memory")]
    pub ephemeral: String,
    /// Spawned deployment: a postgres:// URL for the durable store (default
    /// SQLite). The demo world is written there, its IdPs' addresses
    /// included: one bench per database at a time, as two would each
    /// point the other's federation at their own IdPs.
    #[arg(long)]
    pub durable: Option<String>,
    /// A fresh HTTP client (new TCP connections, no pool) for each login,
    /// as a population of browsers does, instead of keep-alive clients.
    #[arg(long)]
    pub new_connections: bool,
    /// Keep the federation's rate limits (spawned deployment: off by
    /// default, as every virtual user comes from 127.0.0.1), each login
    /// from an address of its own: `X-Forwarded-For` through 127.0.0.1,
    /// trusted as a load balancer. With Redis, what a population of
    /// citizens costs in shared budgets.
    #[arg(long)]
    pub rate_limits: bool,
    /// Measure the Plus platform (spawned deployment only): a service with
    /// private_key_jwt and encrypted ID token and userinfo, at eidas3,
    /// through France Identité (démo) — which itself authenticates Relais
    /// with private_key_jwt and encrypts to it.
    #[arg(long)]
    pub plus: bool,
    /// `acr_values` sent (default: eidas1, or eidas3 with --plus; La Poste
    /// (démo) on Plus serves eidas2 only).
    #[arg(long)]
    pub acr: Option<String>,
    /// Soak mode: sample the federation's resident memory (and the
    /// in-memory ephemeral store's entries and bytes, from `/metrics`; or,
    /// with a redis:// `--ephemeral`, the Redis server's memory and keys)
    /// every `--sample-every` seconds of the measured window, and report
    /// the growth per completed login — what a live session costs. Use
    /// with `--rate` and `--duration` (sessions live 30 minutes, so a soak
    /// shorter than that only grows).
    #[arg(long)]
    pub soak: bool,
    /// Seconds between two soak samples.
    #[arg(long, default_value_t = 5.0)]
    pub sample_every: f64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit with an error when any login failed, after the report (by
    /// default only a run that completed no login does): for scripts that
    /// must not go on from a deployment, or a binary, that fails logins.
    #[arg(long)]
    pub strict: bool,
}
