//! `relais dp`: one demo data provider alone; its API checks tokens at the
//! federation named on the command line.

/// `relais dp --id …`: one demo data provider alone.
pub async fn run(
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
    let world = relais_demo::DemoWorld::new(fed_public, crate::node::DEMO_MASTER_KEY);
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
        .with_graceful_shutdown(super::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
