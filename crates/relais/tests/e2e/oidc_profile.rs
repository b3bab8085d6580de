//! The `oidc` integration profile, driven by two independent client
//! libraries kept at their defaults: Authlib's Flask client (Python) and
//! openid-client (Node). Neither is told anything FranceConnect-specific:
//! they read the discovery document, get an RS256 ID token, read userinfo
//! as JSON, and (openid-client) use PKCE without nonce or state, `max_age`
//! and `prompt=none`.

use crate::browser::{login, sso, Browser};
use crate::harness::{Fed, SP_SECRET};
use crate::interop::run_async;
use relais_core::partner::{ServiceProvider, SpAuthMethod};
use relais_core::profile::IntegrationProfile;
use relais_core::JwsAlg;
use serde_json::{json, Value};

const SCOPE: &str = "openid identite_pivot email";

/// A vendor's product registered as an `oidc` service with the defaults
/// the configuration file gives (RS256, JSON userinfo, basic auth).
fn vendor_service(client_id: &str) -> ServiceProvider {
    let mut sp = Fed::sp(client_id, client_id);
    sp.profile = IntegrationProfile::Oidc;
    sp.id_token_signed_response_alg = IntegrationProfile::Oidc.default_id_token_alg();
    sp.userinfo_signed_response_alg = IntegrationProfile::Oidc.default_userinfo_alg();
    sp.token_endpoint_auth_method = SpAuthMethod::ClientSecretBasic;
    sp
}

fn rp_config(fed: &Fed, client_id: &str, params: Value) -> Value {
    json!({
        "issuer": fed.issuer(),
        "client_id": client_id,
        "client_secret": SP_SECRET,
        "redirect_uri": format!("http://127.0.0.1:9/{client_id}/cb"),
        "scope": SCOPE,
        "params": params,
    })
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authlib_flask_client_with_its_defaults_logs_in() {
    let fed = Fed::start().await;
    fed.register_sp(vendor_service("vendor-authlib")).await;
    // The product also sends parameters of its own, as MSAL does: the
    // profile ignores them (RFC 6749 §3.1).
    let mut cfg = rp_config(
        &fed,
        "vendor-authlib",
        json!({"client_info": "1", "x-client-SKU": "vendor.product"}),
    );
    let start = run_async("authlib_rp.py", &["start"], Some(&cfg)).await;
    let url = start["authorize_url"].as_str().unwrap().to_owned();
    // Authlib's own choices: a 20-character nonce, no acr_values, no PKCE.
    assert_eq!(query_param(&url, "nonce").unwrap().len(), 20);
    assert!(query_param(&url, "acr_values").is_none());
    assert_eq!(query_param(&url, "client_info").as_deref(), Some("1"));

    let b = Browser::new();
    let back = login(&b, &fed.base, &url, "ameli", "marie").await;
    let callback = back.location.clone().unwrap_or_default();
    assert!(callback.contains("code="), "{back:?}");
    cfg["cookie"] = start["cookie"].clone();
    cfg["callback_url"] = json!(callback);
    let out = run_async("authlib_rp.py", &["finish"], Some(&cfg)).await;
    assert!(out.get("error").is_none(), "Authlib refused: {out}");
    let id_token = &out["id_token_claims"];
    let userinfo = &out["userinfo"];
    assert_eq!(userinfo["given_name"], "Marie-Thérèse");
    assert!(userinfo["email"].as_str().unwrap().contains('@'));
    assert_eq!(id_token["sub"], userinfo["sub"]);
    assert_eq!(id_token["acr"], "eidas1");
    // Outlives Authlib's 60-second "about to expire" leeway.
    assert_eq!(out["expires_in"], 600);

    // The same library against FranceConnect's profile fails at userinfo
    // (a signed JWT, not JSON): why the profile exists.
    let mut fc = Fed::sp("vendor-authlib-fc", "vendor-authlib-fc");
    fc.id_token_signed_response_alg = JwsAlg::RS256;
    fed.register_sp(fc).await;
    let cfg = rp_config(&fed, "vendor-authlib-fc", json!({}));
    let start = run_async("authlib_rp.py", &["start"], Some(&cfg)).await;
    let page = b
        .follow(
            b.get(start["authorize_url"].as_str().unwrap()).await,
            &fed.base,
        )
        .await;
    assert_eq!(
        page.status, 400,
        "FranceConnect's profile refuses the short nonce"
    );
    assert_eq!(page.error_code().as_deref(), Some("Y030007"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_with_its_defaults_max_age_and_prompt_none() {
    let fed = Fed::start().await;
    fed.register_sp(vendor_service("vendor-node")).await;
    let b = Browser::new();

    // README usage: PKCE, no nonce, no state; max_age asks for auth_time.
    let mut cfg = rp_config(&fed, "vendor-node", json!({"max_age": "300"}));
    let start = run_async("node/openid_client_rp.mjs", &["start"], Some(&cfg)).await;
    let url = start["authorize_url"].as_str().unwrap().to_owned();
    assert!(query_param(&url, "nonce").is_none() && query_param(&url, "state").is_none());
    let back = login(&b, &fed.base, &url, "ameli", "marie").await;
    let callback = back.location.clone().unwrap_or_default();
    assert!(
        !callback.contains("state="),
        "no state sent, none returned: {callback}"
    );
    cfg["saved"] = start["saved"].clone();
    cfg["callback_url"] = json!(callback);
    let out = run_async("node/openid_client_rp.mjs", &["finish"], Some(&cfg)).await;
    assert!(out.get("error").is_none(), "openid-client refused: {out}");
    assert_eq!(out["userinfo"]["family_name"], "MARTIN");
    assert!(out["id_token_claims"]["auth_time"].is_i64());
    assert!(out["id_token_claims"].get("nonce").is_none());
    // openid-client keeps the answer's expires_in as an instant in whole
    // seconds and gives back what is left of it when read: 599 once a
    // second boundary passed between the token answer and the read.
    let left = out["expires_in"].as_i64().unwrap_or_default();
    assert!((599..=600).contains(&left), "expires_in {left}, not 600");
    let first_sub = out["userinfo"]["sub"].clone();

    // prompt=none in the same browser: answered without any page.
    let mut cfg = rp_config(&fed, "vendor-node", json!({"prompt": "none"}));
    let start = run_async("node/openid_client_rp.mjs", &["start"], Some(&cfg)).await;
    let back = sso(&b, &fed.base, start["authorize_url"].as_str().unwrap()).await;
    assert!(
        back.location.as_deref().unwrap_or("").contains("code="),
        "{back:?}"
    );
    cfg["saved"] = start["saved"].clone();
    cfg["callback_url"] = json!(back.location.unwrap());
    let out = run_async("node/openid_client_rp.mjs", &["finish"], Some(&cfg)).await;
    assert_eq!(out["userinfo"]["sub"], first_sub, "{out}");

    // max_age older than the session: silent login impossible.
    fed.clock.advance_secs(120);
    let mut cfg = rp_config(
        &fed,
        "vendor-node",
        json!({"prompt": "none", "max_age": "60"}),
    );
    let start = run_async("node/openid_client_rp.mjs", &["start"], Some(&cfg)).await;
    let back = b
        .follow(
            b.get(start["authorize_url"].as_str().unwrap()).await,
            &fed.base,
        )
        .await;
    cfg["saved"] = start["saved"].clone();
    cfg["callback_url"] = json!(back.location.clone().unwrap_or_default());
    let out = run_async("node/openid_client_rp.mjs", &["finish"], Some(&cfg)).await;
    assert_eq!(out["error"], "login_required", "{out}");

    // A fresh browser, with no session: the service hears login_required.
    // A request object, which discovery says is not supported: the
    // library hears OpenID Connect's own error at its redirect URI.
    let fresh = Browser::new();
    for (params, error) in [
        (json!({"prompt": "none"}), "login_required"),
        (
            json!({"request": "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9."}),
            "request_not_supported",
        ),
    ] {
        let mut cfg = rp_config(&fed, "vendor-node", params);
        let start = run_async("node/openid_client_rp.mjs", &["start"], Some(&cfg)).await;
        let back = fresh.get(start["authorize_url"].as_str().unwrap()).await;
        assert_eq!(back.status, 303);
        cfg["saved"] = start["saved"].clone();
        cfg["callback_url"] = json!(back.location.unwrap());
        let out = run_async("node/openid_client_rp.mjs", &["finish"], Some(&cfg)).await;
        assert_eq!(out["error"], error, "{out}");
    }
}
