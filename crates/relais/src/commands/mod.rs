//! What each `relais` subcommand does, one file per role; `main.rs` only
//! parses the command line and calls in here.

pub mod admin;
pub mod demo_ports;
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

/// Ctrl-C and SIGTERM, listened for from the moment [`shutdown_signal`]
/// returns. A command makes it before it serves anything: a signal that
/// arrives once the node answers `/readyz` — an orchestrator stopping what
/// it has just started — must stop it gracefully (requests finished,
/// events and spans flushed). Listening only once the node was up, from
/// the first poll of the future that awaited the signal, left a window in
/// which the signal's default action killed the process instead.
pub struct ShutdownSignal {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

/// Starts listening for Ctrl-C and SIGTERM (inside the runtime).
pub fn shutdown_signal() -> ShutdownSignal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        ShutdownSignal {
            term: signal(SignalKind::terminate()).ok(),
            interrupt: signal(SignalKind::interrupt()).ok(),
        }
    }
    #[cfg(not(unix))]
    ShutdownSignal {}
}

impl ShutdownSignal {
    /// Resolves on the first of the signals. One that could not be
    /// listened for keeps its default action: it ends the process.
    pub async fn received(mut self) {
        #[cfg(unix)]
        {
            async fn one(s: Option<&mut tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = one(self.term.as_mut()) => {},
                () = one(self.interrupt.as_mut()) => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::shutdown_signal;
    use std::time::Duration;

    /// SIGTERM sent after `shutdown_signal()` but before anything awaits
    /// it is caught and reported, not left to its default action (which
    /// would end this test process).
    #[cfg(unix)]
    #[tokio::test]
    async fn a_signal_before_the_wait_is_caught_and_reported() {
        let signal = shutdown_signal();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        tokio::time::timeout(Duration::from_secs(10), signal.received())
            .await
            .expect("the SIGTERM sent before the wait is reported");
    }
}
