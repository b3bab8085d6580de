//! `relais dp`: one demo data provider alone; its API checks tokens at the
//! federation named on the command line.

use clap::Args;

/// `relais dp`'s options.
#[derive(Args, Debug, Clone)]
pub struct DpArgs {
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
}

/// `relais dp --id …`: one demo data provider alone.
pub async fn run(a: DpArgs) -> Result<(), String> {
    let stop = super::shutdown_signal();
    let (id, port, federation) = (a.id.as_str(), a.port, a.federation.as_str());
    let (client_id, secret) = (a.client_id, a.client_secret);
    let spec = relais_demo::dp::spec(id).ok_or_else(|| {
        format!("--id: unknown demo data provider {id} (caf, dgfip, francetravail, etudiant)")
    })?;
    let fed_public = federation.trim_end_matches('/').trim_end_matches("/api/v2");
    let world = relais_demo::DemoWorld::new(fed_public, crate::node::DEMO_MASTER_KEY);
    let client_id = client_id.unwrap_or_else(|| format!("dp-{id}"));
    let secret = secret.unwrap_or_else(|| world.dp_client_secret(id));
    let dp = relais_demo::dp::DemoDp::new(spec, &client_id, &secret, federation)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("--port {port}: {e}"))?;
    say!(
        "Demo data provider {} ({}) on http://localhost:{port}/api/{}",
        spec.id,
        spec.title,
        spec.resource
    );
    if spec.encryption.is_some() {
        say!("  It asks for encrypted answers: register jwks_uri = \"http://localhost:{port}/jwks\" for {client_id} in the federation.");
    }
    let router = relais_demo::dp::router(std::sync::Arc::new(dp));
    axum::serve(listener, router)
        .with_graceful_shutdown(stop.received())
        .await
        .map_err(|e| e.to_string())
}
