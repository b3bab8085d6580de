//! `relais serve` and `relais demo`: start a node, print where it is, and
//! stop it gracefully on a signal (requests finished, events flushed).

use crate::config::Config;
use crate::node::NodeSpec;
use relais_core::{SystemClock, SystemRandomness};
use std::sync::Arc;

/// `relais serve` and `relais demo`: a node until Ctrl-C or SIGTERM.
pub async fn run(
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
    let mut running = crate::node::start(spec, listener)
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
    super::shutdown_signal().await;
    tracing::info!("shutting down: finishing requests and flushing events");
    if let Some(tx) = stop {
        let _ = tx.send(());
    }
    running.wait().await;
    Ok(())
}
