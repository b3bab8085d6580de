//! Every authorize rule of docs/design.md §2, observed from the outside: error pages
//! (never a redirect) for untrusted clients and malformed requests, OAuth
//! error redirects with `state` and `iss` once the client is trusted.

use crate::browser::Browser;
use crate::harness::{authorize_url, Fed};

async fn page_error(fed: &Fed, extra: &[(&str, &str)]) -> (u16, Option<String>, Option<String>) {
    let b = Browser::new();
    let p = b.get(&authorize_url(fed, "sp-a", extra)).await;
    (p.status, p.error_code(), p.location)
}

#[tokio::test]
async fn missing_or_malformed_parameters_give_an_error_page() {
    let fed = Fed::start().await;
    for k in [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "nonce",
        "acr_values",
    ] {
        let (status, code, location) = page_error(&fed, &[(k, "<drop>")]).await;
        assert_eq!(
            (status, code.as_deref(), location),
            (400, Some("Y030007"), None),
            "missing {k}"
        );
    }
    for (k, v) in [
        ("nonce", "too-short"),
        ("prompt", "none"),
        ("prompt", "select_account"),
        ("prompt", ""),
        ("claims", "{oops"),
        ("code_challenge_method", "plain"),
        ("unexpected", "1"),
    ] {
        let (status, code, location) = page_error(&fed, &[(k, v)]).await;
        assert_eq!(
            (status, code.as_deref(), location),
            (400, Some("Y030007"), None),
            "{k}={v}"
        );
    }
}

/// FranceConnect's behaviour (issue 9): a redirect_uri that is not a URL is
/// a malformed request (Y030007, never redirected); a scope without openid
/// from a trusted client goes back to the service as invalid_request.
#[tokio::test]
async fn redirect_uri_not_a_url_and_scope_without_openid() {
    let fed = Fed::start().await;
    for uri in ["not a url", "/relative/cb", "sp-a/cb"] {
        let (status, code, location) = page_error(&fed, &[("redirect_uri", uri)]).await;
        assert_eq!(
            (status, code.as_deref(), location),
            (400, Some("Y030007"), None),
            "{uri}"
        );
    }
    let (status, _, location) = page_error(&fed, &[("scope", "profile email")]).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9/sp-a/cb?"),
        "{location}"
    );
    let params: std::collections::HashMap<String, String> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], "state-123");
    assert_eq!(params["iss"], fed.issuer());
    // Discovery says acr is a claim a service receives.
    let doc: serde_json::Value =
        reqwest::get(format!("{}/.well-known/openid-configuration", fed.issuer()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(doc["claims_supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "acr"));
}

#[tokio::test]
async fn untrusted_client_or_redirect_is_never_redirected() {
    let fed = Fed::start().await;
    let (status, code, location) = page_error(&fed, &[("client_id", "nobody")]).await;
    assert_eq!(
        (status, code.as_deref(), location),
        (400, Some("Y04EA6EF"), None)
    );
    for uri in [
        "http://127.0.0.1:9/sp-a/cb/",
        "http://evil.example/cb",
        "http://127.0.0.1:9/sp-a/CB",
    ] {
        let (status, code, location) = page_error(&fed, &[("redirect_uri", uri)]).await;
        assert_eq!(
            (status, code.as_deref(), location),
            (400, Some("Y04C013C"), None),
            "{uri}"
        );
    }
    let mut inactive = Fed::sp("sp-off", "org-off");
    inactive.active = false;
    fed.register_sp(inactive).await;
    let b = Browser::new();
    let p = b.get(&authorize_url(&fed, "sp-off", &[])).await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (400, Some("Y04EA6EF"))
    );
}

fn redirect_error(p: &crate::browser::Page) -> (String, String, String) {
    assert_eq!(p.status, 303, "{}", p.body);
    let params = p.location_params();
    (
        params.get("error").cloned().unwrap_or_default(),
        params.get("state").cloned().unwrap_or_default(),
        params.get("iss").cloned().unwrap_or_default(),
    )
}

#[tokio::test]
async fn trusted_client_errors_go_back_to_the_service() {
    let fed = Fed::start().await;
    let iss = fed.issuer();
    let b = Browser::new();
    // unsupported response types; hybrid ones in the fragment
    let p = b
        .get(&authorize_url(
            &fed,
            "sp-a",
            &[("response_type", "code id_token")],
        ))
        .await;
    assert!(
        p.location
            .as_deref()
            .unwrap_or("")
            .starts_with("http://127.0.0.1:9/sp-a/cb#"),
        "{:?}",
        p.location
    );
    assert_eq!(
        redirect_error(&p),
        (
            "unsupported_response_type".into(),
            "state-123".into(),
            iss.clone()
        )
    );
    let p = b
        .get(&authorize_url(&fed, "sp-a", &[("response_type", "token")]))
        .await;
    assert!(p.location.as_deref().unwrap_or("").contains("#error="));
    // a known scope the service is not registered for
    let mut narrow = Fed::sp("sp-narrow", "org-n");
    narrow.scopes = ["openid", "given_name"].into_iter().collect();
    fed.register_sp(narrow).await;
    let p = b
        .get(&authorize_url(
            &fed,
            "sp-narrow",
            &[("scope", "openid given_name email")],
        ))
        .await;
    assert_eq!(
        redirect_error(&p),
        ("invalid_scope".into(), "state-123".into(), iss.clone())
    );
    let p = b
        .get(&authorize_url(
            &fed,
            "sp-narrow",
            &[("scope", "openid cnaf_quotient_familial")],
        ))
        .await;
    assert_eq!(redirect_error(&p).0, "invalid_scope");
    // unknown scopes are ignored
    let p = b
        .get(&authorize_url(
            &fed,
            "sp-narrow",
            &[("scope", "openid given_name made_up_scope")],
        ))
        .await;
    assert!(
        p.location
            .as_deref()
            .unwrap_or("")
            .contains("/api/v2/interaction/"),
        "{:?}",
        p.location
    );
    // acr: unserved level
    let p = b
        .get(&authorize_url(&fed, "sp-a", &[("acr_values", "eidas2")]))
        .await;
    assert_eq!(
        redirect_error(&p),
        ("invalid_acr".into(), "state-123".into(), iss.clone())
    );
    let p = b
        .get(&authorize_url(
            &fed,
            "sp-a",
            &[("acr_values", "eidas3 eidas2")],
        ))
        .await;
    assert_eq!(redirect_error(&p).0, "invalid_acr");
    // acr: unknown values dropped, default used; lowest taken
    for acr in ["foo", "eidas1 eidas2", "bar eidas1"] {
        let p = b
            .get(&authorize_url(&fed, "sp-a", &[("acr_values", acr)]))
            .await;
        assert!(
            p.location
                .as_deref()
                .unwrap_or("")
                .contains("/api/v2/interaction/"),
            "acr_values={acr}"
        );
    }
}

#[tokio::test]
async fn idp_hint_and_amr_entitlement() {
    let fed = Fed::start().await;
    let b = Browser::new();
    // platform list: any displayed IdP; a valid hint skips the chooser
    let p = b
        .get(&authorize_url(&fed, "sp-a", &[("idp_hint", "ameli")]))
        .await;
    let loc = p.location.clone().unwrap_or_default();
    assert!(
        loc.starts_with(&format!("{}/idp/ameli/authorize?", fed.base)),
        "{loc}"
    );
    let p = b
        .get(&authorize_url(&fed, "sp-a", &[("idp_hint", "unknown-idp")]))
        .await;
    assert_eq!(redirect_error(&p).0, "invalid_idp_hint");
    let mut hinted = Fed::sp("sp-hint", "org-h");
    hinted.idp_hints = vec!["impots".into()];
    fed.register_sp(hinted).await;
    let p = b
        .get(&authorize_url(&fed, "sp-hint", &[("idp_hint", "ameli")]))
        .await;
    assert_eq!(redirect_error(&p).0, "invalid_idp_hint");
    let p = b
        .get(&authorize_url(&fed, "sp-hint", &[("idp_hint", "impots")]))
        .await;
    assert!(p
        .location
        .unwrap_or_default()
        .contains("/idp/impots/authorize"));
    assert!(fed
        .event_names()
        .await
        .iter()
        .any(|e| e == "FC_REDIRECTED_TO_HINTED_IDP"));

    // amr through claims needs the entitlement
    let claims = r#"{"id_token":{"amr":{"essential":true}}}"#;
    let p = b
        .get(&authorize_url(&fed, "sp-a", &[("claims", claims)]))
        .await;
    assert_eq!(
        (p.status, p.error_code().as_deref(), p.location),
        (400, Some("Y100009"), None)
    );
    let mut entitled = Fed::sp("sp-amr", "org-amr");
    entitled.amr_entitled = true;
    fed.register_sp(entitled).await;
    let p = b
        .get(&authorize_url(&fed, "sp-amr", &[("claims", claims)]))
        .await;
    assert_eq!(p.status, 303);
}

#[tokio::test]
async fn authorize_by_post_and_discovery() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let url = authorize_url(&fed, "sp-a", &[]);
    let (endpoint, query) = url.split_once('?').unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let p = b.post(endpoint, &form).await;
    assert_eq!(p.status, 303);
    assert!(p
        .location
        .unwrap_or_default()
        .contains("/api/v2/interaction/"));

    let d = b
        .get(&format!(
            "{}/.well-known/openid-configuration",
            fed.issuer()
        ))
        .await;
    assert_eq!(d.status, 200);
    assert!(
        d.headers.get("set-cookie").is_none(),
        "discovery sets no cookie"
    );
    let doc: serde_json::Value = serde_json::from_str(&d.body).unwrap();
    assert_eq!(doc["issuer"], fed.issuer());
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["pairwise"])
    );
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    let j = b.get(&format!("{}/jwks", fed.issuer())).await;
    let jwks: serde_json::Value = serde_json::from_str(&j.body).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    // Signing keys for services, encryption keys for IdPs that encrypt to
    // Relais; never a private part.
    assert!(keys.iter().all(|k| k["kid"].is_string()
        && ["d", "p", "q", "dp", "dq", "qi"]
            .iter()
            .all(|private| k.get(*private).is_none())));
    let uses: Vec<&str> = keys.iter().map(|k| k["use"].as_str().unwrap()).collect();
    assert_eq!(uses.iter().filter(|u| **u == "sig").count(), 2, "{jwks}");
    assert_eq!(uses.iter().filter(|u| **u == "enc").count(), 2, "{jwks}");
    assert!(j
        .headers
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("max-age=600"));
}
