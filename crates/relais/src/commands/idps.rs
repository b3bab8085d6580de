//! `relais idps`: the demo IdPs alone (the five of Standard, or with
//! `--plus` those of the Plus platform), for a federation running elsewhere
//! (a benchmark tells their CPU apart this way).

use clap::Args;
use relais_core::{Platform, SystemClock, SystemRandomness};
use std::sync::Arc;

/// `relais idps`' options.
#[derive(Args, Debug, Clone)]
pub struct IdpsArgs {
    #[arg(long, default_value_t = 8010)]
    port: u16,
    /// The federation's public URL (where IdPs send citizens back).
    #[arg(long, default_value = "http://localhost:8000")]
    federation: String,
    /// Skip the login form and log this test citizen in at once (benchmarks).
    #[arg(long)]
    auto_login: Option<String>,
    /// The demo IdPs of the Plus platform (eidas2/eidas3) instead.
    #[arg(long)]
    plus: bool,
}

pub async fn run(a: IdpsArgs) -> Result<(), String> {
    let stop = super::shutdown_signal();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", a.port))
        .await
        .map_err(|e| format!("--port {}: {e}", a.port))?;
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().map_err(|e| e.to_string())?.port()
    );
    let task = crate::node::start_demo_idps(
        listener,
        &base,
        &a.federation,
        a.auto_login,
        if a.plus {
            Platform::Plus
        } else {
            Platform::Standard
        },
        Arc::new(SystemClock),
        Arc::new(SystemRandomness),
    )
    .await
    .map_err(|e| e.to_string())?;
    say!(
        "Demo IdPs at {base}/idp/<id> for the federation {}",
        a.federation
    );
    tokio::select! {
        () = stop.received() => {},
        _ = task => {},
    }
    Ok(())
}
