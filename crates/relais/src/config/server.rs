//! The node's own sections: where it listens and what it is (`[server]`),
//! its secrets (`[secrets]`), its stores (`[storage]`) and where business
//! events go (`[events]`).

use relais_core::registration::RegistrationContext;
use relais_core::Platform;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default = "default_public_url")]
    pub public_url: String,
    #[serde(default)]
    pub platform: Platform,
    /// Plain-http sandbox (local development, demos).
    #[serde(default)]
    pub sandbox: bool,
    /// Serve the citizen space (`/espace`); default: on the Standard
    /// platform only.
    #[serde(default)]
    pub citizen_space: Option<bool>,
}

fn default_listen() -> String {
    "127.0.0.1:8000".into()
}
fn default_public_url() -> String {
    "http://localhost:8000".into()
}

impl ServerConfig {
    /// The rules partner registrations of this node follow.
    pub fn registration_context(&self) -> RegistrationContext {
        RegistrationContext {
            platform: self.platform,
            sandbox: self.sandbox,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            public_url: default_public_url(),
            platform: Platform::Standard,
            sandbox: false,
            citizen_space: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// Seals private keys and client secrets at rest.
    #[serde(default)]
    pub master_key: String,
    /// Mixed into every pairwise sub; never change it once in production.
    #[serde(default)]
    pub sub_secret: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Durable tier when `durable` is unset.
    #[serde(default = "default_sqlite")]
    pub sqlite_path: String,
    /// `postgres://…` for the durable tier (configuration, accounts, events, keys).
    pub durable: Option<String>,
    /// `memory`, `sqlite`, `postgres`, or a `redis://` / `rediss://` /
    /// `redis-sentinel://` / cluster URL.
    #[serde(default = "default_ephemeral")]
    pub ephemeral: String,
    /// Prefix of every Redis key (several federations can share a Redis).
    #[serde(default = "default_redis_prefix")]
    pub redis_prefix: String,
    /// Bound of the in-memory ephemeral store (about 1 KB each); past it
    /// the entries closest to expiry are evicted and counted in /metrics.
    #[serde(default = "default_memory_max_entries")]
    pub memory_max_entries: usize,
}

fn default_memory_max_entries() -> usize {
    relais_store::memory::DEFAULT_MAX_ENTRIES
}

fn default_ephemeral() -> String {
    "memory".into()
}

fn default_redis_prefix() -> String {
    "relais:".into()
}

fn default_sqlite() -> String {
    "relais.db".into()
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            sqlite_path: default_sqlite(),
            durable: None,
            ephemeral: default_ephemeral(),
            redis_prefix: default_redis_prefix(),
            memory_max_entries: default_memory_max_entries(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// `stdout`, `off`, or a file path (JSON lines, appended).
    #[serde(default = "default_events")]
    pub output: String,
    /// Store durable events before each step answers (no loss on a crash).
    /// Default: true with PostgreSQL, false with SQLite (written within 50 ms).
    pub store_before_answer: Option<bool>,
}

fn default_events() -> String {
    "stdout".into()
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            output: default_events(),
            store_before_answer: None,
        }
    }
}
