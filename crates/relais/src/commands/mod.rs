//! What each `relais` subcommand does, one file per role; `main.rs` only
//! parses the command line and calls in here.

pub mod admin;
pub mod dp;
pub mod idps;
pub mod keys;
pub mod node;
pub mod stats;

use crate::config::{self, Config};

/// Reads the configuration file (if any) with its `RELAIS__…` overrides.
pub fn load_config(path: Option<&str>) -> Result<Config, String> {
    config::load(path, std::env::vars()).map_err(|e| format!("configuration error: {e}"))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
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
