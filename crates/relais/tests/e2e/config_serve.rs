//! `relais serve` configuration: the documented example starts as is, bad
//! entries are refused with the field named, and IdPs can be declared by
//! discovery (read from a real OpenID provider: a demo IdP).

use crate::harness::Fed;
use relais::config;
use relais::node::{self, NodeSpec};
use relais_core::{ManualClock, SystemRandomness};
use std::sync::Arc;

fn example_path() -> String {
    format!(
        "{}/../../docs/relais.example.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Starts a node on port 0 from `config` (with the demo world when `demo`).
async fn start_node(
    config: relais::config::Config,
    demo: bool,
) -> Result<node::RunningNode, node::NodeError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let spec = NodeSpec {
        config,
        demo,
        clock: Arc::new(ManualClock::starting_now()),
        random: Arc::new(SystemRandomness),
        canteen: None,
        demo_idps_url: None,
        plus_demo: None,
        mail_inbox: None,
    };
    node::start(spec, listener).await
}

#[tokio::test]
async fn documented_example_starts_a_node() {
    let mut cfg = config::load(Some(&example_path()), std::iter::empty()).unwrap();
    let db = crate::harness::temp("example.db");
    cfg.storage.sqlite_path = db.to_string_lossy().into_owned();
    cfg.events.output = "off".into();
    let n = start_node(cfg, false).await.unwrap();
    assert!(n.app.registry.sp("mairie-belleville").is_some());
    assert_eq!(
        n.app
            .registry
            .idp("my-idp")
            .unwrap()
            .id_token_signed_response_alg,
        relais_core::JwsAlg::RS256
    );
    let url = format!("http://{}/api/v2/.well-known/openid-configuration", n.addr);
    let doc: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    assert_eq!(doc["issuer"], "http://localhost:8080/api/v2");
    n.stop().await;
}

#[tokio::test]
async fn bad_configuration_names_the_field() {
    let text = std::fs::read_to_string(example_path()).unwrap();
    let bad = text.replace("allowed_acr = [\"eidas1\"]", "allowed_acr = [\"eidas9\"]");
    let path = crate::harness::temp("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let cfg = config::load(Some(path.to_str().unwrap()), std::iter::empty()).unwrap();
    let e = start_node(cfg, false).await.err().unwrap().to_string();
    assert_eq!(
        e,
        "identity_providers[0].allowed_acr: eidas9 is not eidas1, eidas2 or eidas3"
    );
    let unknown = config::load(
        None,
        [("RELAIS__SERVER__LISTN".to_owned(), "x".to_owned())].into_iter(),
    );
    assert!(unknown.unwrap_err().to_string().contains("listn"));
    // missing secrets outside demo mode
    let mut cfg = config::load(Some(&example_path()), std::iter::empty()).unwrap();
    cfg.secrets.master_key.clear();
    assert!(start_node(cfg, false)
        .await
        .err()
        .unwrap()
        .to_string()
        .starts_with("secrets.master_key"));
    // The certificate header without the proxy it is believed from.
    let cert = text.replace(
        "# client_cert_header = \"x-ssl-client-s-dn\"\n# client_cert_subjects",
        "client_cert_header = \"x-ssl-client-s-dn\"\nclient_cert_subjects",
    );
    assert_ne!(cert, text, "the example shows the certificate settings");
    std::fs::write(&path, &cert).unwrap();
    let cfg = config::load(Some(path.to_str().unwrap()), std::iter::empty()).unwrap();
    let e = start_node(cfg, false).await.err().unwrap().to_string();
    assert!(
        e.starts_with("admin.client_cert_header") && e.contains("limits.trusted_proxies"),
        "{e}"
    );
    let env = [(
        "RELAIS__LIMITS__TRUSTED_PROXIES".to_owned(),
        "[\"127.0.0.1\"]".to_owned(),
    )];
    let mut cfg = config::load(Some(path.to_str().unwrap()), env.into_iter()).unwrap();
    let db = crate::harness::temp("cert.db");
    cfg.storage.sqlite_path = db.to_string_lossy().into_owned();
    cfg.events.output = "off".into();
    let n = start_node(cfg, false).await.unwrap();
    assert_eq!(
        n.app
            .settings
            .admin_cert_header
            .as_ref()
            .map(|h| h.as_str()),
        Some("x-ssl-client-s-dn")
    );
    n.stop().await;
}

#[tokio::test]
async fn identity_provider_by_discovery() {
    let fed = Fed::start().await;
    let client = relais_oidc::idp_client::IdpClient::new().unwrap();
    let url = format!("{}/idp/laposte/.well-known/openid-configuration", fed.base);
    let e = client
        .discover(&url, std::time::Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(e.issuer, format!("{}/idp/laposte", fed.base));
    assert_eq!(e.token_endpoint, format!("{}/idp/laposte/token", fed.base));
    assert!(e.end_session_endpoint.is_some());
    let err = client
        .discover(
            &format!("{}/nope", fed.base),
            std::time::Duration::from_secs(2),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("404"));
}

/// Documents re-read from the store go through the registration rules the
/// file goes through: an invalid one is refused at write, and one edited
/// behind the registry's back is left out of the snapshot (the service is
/// then unknown to authorize), while the others stay.
#[tokio::test]
async fn stored_partners_are_checked_by_the_rules_of_the_file() {
    use crate::browser::Browser;
    use crate::harness::{authorize_url, Fed};
    use relais_store::ConfigKind;

    let fed = Fed::start().await;
    let registry = &fed.node.app.registry;
    let config = &fed.node.app.stores.config;

    let mut bad = Fed::sp("bad-sp", "org-b");
    bad.redirect_uris = vec!["ftp://sp.example/cb".into()];
    let refused = registry.upsert_sp(&bad).await.unwrap_err().to_string();
    assert!(refused.contains("redirect_uris[0]"), "{refused}");
    assert!(config
        .get_config(ConfigKind::ServiceProvider, "bad-sp")
        .await
        .unwrap()
        .is_none());

    fed.register_sp(Fed::sp("sp-edited", "org-e")).await;
    let b = Browser::new();
    let ok = b.get(&authorize_url(&fed, "sp-edited", &[])).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let mut doc = config
        .get_config(ConfigKind::ServiceProvider, "sp-edited")
        .await
        .unwrap()
        .unwrap();
    doc["redirect_uris"] = serde_json::json!(["ftp://sp.example/cb"]);
    config
        .put_config(ConfigKind::ServiceProvider, "sp-edited", &doc)
        .await
        .unwrap();
    registry.reload().await.unwrap();
    assert!(registry.sp("sp-edited").is_none());
    assert!(registry.sp("sp-a").is_some());
    let page = b.get(&authorize_url(&fed, "sp-edited", &[])).await;
    assert_eq!(
        (page.status, page.error_code().as_deref()),
        (400, Some("Y04EA6EF"))
    );
}

/// A private service whose citizens must tick the consent box cannot be
/// configured for auto-login: the node refuses to start and names the field.
#[tokio::test]
async fn mandatory_consent_cannot_be_configured_away() {
    let toml = r#"
[server]
public_url = "http://127.0.0.1:9"
sandbox = true

[[service_providers]]
client_id = "prive"
client_secret = "0123456789abcdef0123"
name = "Service privé"
type = "private"
identity_consent = true
allowed_prompts = ["login"]
redirect_uris = ["http://127.0.0.1:9/cb"]
scopes = ["openid", "profile"]
"#;
    let path = crate::harness::temp("consent.toml");
    std::fs::write(&path, toml).unwrap();
    let mut cfg = config::load(Some(path.to_str().unwrap()), std::iter::empty()).unwrap();
    cfg.storage.sqlite_path = path.with_extension("db").to_string_lossy().into_owned();
    let e = start_node(cfg, true).await.err().unwrap().to_string();
    assert!(
        e.starts_with("service_providers[0].allowed_prompts: must include consent"),
        "{e}"
    );
}

/// The issuer a discovery document names must be the one configured (or
/// the discovery URL's prefix): another one stops the node, naming the field.
#[tokio::test]
async fn discovered_issuer_must_be_the_configured_one() {
    let fed = Fed::start().await;
    let discovery = format!("{}/idp/laposte/.well-known/openid-configuration", fed.base);
    let toml = |issuer: &str| {
        format!(
            r#"
[server]
public_url = "http://127.0.0.1:9"
sandbox = true

[[identity_providers]]
id = "laposte-ext"
title = "La Poste"
allowed_acr = ["eidas1", "eidas2"]
discovery_url = "{discovery}"
{issuer}
client_id = "relais"
client_secret = "0123456789abcdef0123"
"#
        )
    };
    for (issuer_line, ok) in [
        (String::new(), true),
        (format!("issuer = \"{}/idp/laposte\"", fed.base), true),
        (
            "issuer = \"https://idp.attacker.example\"".to_owned(),
            false,
        ),
    ] {
        let path = crate::harness::temp("iss.toml");
        std::fs::write(&path, toml(&issuer_line)).unwrap();
        let mut cfg = config::load(Some(path.to_str().unwrap()), std::iter::empty()).unwrap();
        cfg.storage.sqlite_path = path.with_extension("db").to_string_lossy().into_owned();
        match start_node(cfg, true).await {
            Ok(n) => {
                assert!(ok, "{issuer_line}: started");
                n.stop().await;
            }
            Err(e) => {
                assert!(!ok, "{issuer_line}: {e}");
                assert!(
                    e.to_string().starts_with(
                        "identity_providers[0].issuer: the discovery document names issuer"
                    ),
                    "{e}"
                );
            }
        }
    }
}

/// An IdP whose discovery fails at start does not stop the node: it is
/// registered unavailable, `/readyz` names it, and once its discovery
/// document answers (retried in the background) it becomes available.
#[tokio::test]
async fn an_idp_down_at_start_is_retried_in_the_background() {
    let port = crate::harness::free_port();
    let idp_base = format!("http://127.0.0.1:{port}");
    let toml = format!(
        r#"
[server]
public_url = "http://127.0.0.1:9"
sandbox = true

[[identity_providers]]
id = "late"
title = "Arrive plus tard"
allowed_acr = ["eidas1"]
discovery_url = "{idp_base}/.well-known/openid-configuration"
client_id = "relais"
client_secret = "0123456789abcdef0123"
"#
    );
    let path = crate::harness::temp("late.toml");
    std::fs::write(&path, toml).unwrap();
    let mut cfg = config::load(Some(path.to_str().unwrap()), std::iter::empty()).unwrap();
    cfg.storage.sqlite_path = path.with_extension("db").to_string_lossy().into_owned();
    let _ = std::fs::remove_file(&cfg.storage.sqlite_path);
    let n = start_node(cfg, true).await.unwrap();
    let readyz = format!("http://{}/readyz", n.addr);
    let r = reqwest::get(&readyz).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("identity provider unavailable: late"),
        "{body}"
    );
    assert!(!n.app.registry.idp("late").unwrap().active);

    // The IdP comes up.
    let doc = serde_json::json!({
        "issuer": idp_base,
        "authorization_endpoint": format!("{idp_base}/authorize"),
        "token_endpoint": format!("{idp_base}/token"),
        "userinfo_endpoint": format!("{idp_base}/userinfo"),
        "jwks_uri": format!("{idp_base}/jwks"),
    });
    let app = axum::Router::new().route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc) }
        }),
    );
    let idp_listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(idp_listener, app).await });
    let mut up = false;
    for _ in 0..80 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let body = reqwest::get(&readyz).await.unwrap().text().await.unwrap();
        if !body.contains("late") && n.app.registry.idp("late").is_some_and(|i| i.active) {
            up = true;
            break;
        }
    }
    assert!(up, "the IdP became available after its discovery answered");
    n.stop().await;
}

/// A Plus node refuses, at start, a service that would get its answers in
/// clear or authenticate with a secret — naming the field.
#[tokio::test]
async fn a_plus_node_refuses_unencrypted_or_secret_services_at_load() {
    let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","use":"sig","x":"WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis","y":"y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE"}]}"#;
    let entry = |extra: &str| {
        format!(
            r#"
[server]
public_url = "http://127.0.0.1:9"
sandbox = true
platform = "plus"

[[service_providers]]
client_id = "banque"
name = "Banque"
redirect_uris = ["http://127.0.0.1:9/cb"]
scopes = ["openid", "profile"]
{extra}
"#
        )
    };
    let cases = [
        (
            format!("token_endpoint_auth_method = \"private_key_jwt\"\njwks = '{jwks}'"),
            "service_providers[0].id_token_encrypted_response_alg: is required on the Plus platform",
        ),
        (
            "client_secret = \"0123456789abcdef0123\"".to_owned(),
            "service_providers[0].token_endpoint_auth_method: must be private_key_jwt on the Plus platform",
        ),
        (
            format!("token_endpoint_auth_method = \"private_key_jwt\"\njwks = '{jwks}'\nid_token_encrypted_response_alg = \"RSA-OAEP-256\"\nuserinfo_encrypted_response_alg = \"RSA-OAEP-256\""),
            "service_providers[0].jwks: has no RSA key with use=enc for RSA-OAEP-256",
        ),
    ];
    for (extra, expected) in &cases {
        let path = crate::harness::temp("plus.toml");
        std::fs::write(&path, entry(extra)).unwrap();
        let mut cfg = config::load(Some(path.to_str().unwrap()), std::iter::empty()).unwrap();
        cfg.storage.sqlite_path = path.with_extension("db").to_string_lossy().into_owned();
        let e = start_node(cfg, true).await.err().unwrap().to_string();
        assert!(e.starts_with(expected), "{e}");
    }
}
