//! SSO across services in one browser session, and logout chained to IdPs.

use crate::browser::{login, Browser};
use crate::harness::{authorize_url, Fed, SP_SECRET};
use relais_core::partner::IdpFilter;
use serde_json::Value;

pub async fn exchange(fed: &Fed, client_id: &str, code: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{}/token", fed.issuer()))
        .basic_auth(client_id, Some(SP_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            (
                "redirect_uri",
                &format!("http://127.0.0.1:9/{client_id}/cb"),
            ),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn sub_of(id_token: &str) -> String {
    let p = id_token.split('.').nth(1).unwrap();
    let v: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).unwrap(),
    )
    .unwrap();
    v["sub"].as_str().unwrap().to_owned()
}

/// The `id_token_hint` Relais relays to an IdP's end_session is, byte for
/// byte, the ID token that IdP signed at the login (Relais keeps it decoded
/// in its records, crates/web/src/idp_id_token.rs): its signature verifies
/// with the IdP's published keys, and it names the IdP and the citizen's
/// login.
async fn idp_hint_is_the_token_the_idp_signed(fed: &Fed, location: &str, idp: &str) {
    let url = url::Url::parse(location).unwrap();
    let hint = url
        .query_pairs()
        .find(|(k, _)| k == "id_token_hint")
        .map(|(_, v)| v.into_owned())
        .expect("an id_token_hint for the IdP");
    let issuer = format!("{}/idp/{idp}", fed.base);
    let keys: relais_oidc::jose::JwkSet = reqwest::get(format!("{issuer}/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = relais_oidc::jose::verify(
        &hint,
        relais_oidc::JwsAlg::ES256,
        relais_oidc::jose::Verifier::Keys(&keys),
    )
    .expect("the IdP's signature");
    assert_eq!(claims["iss"], issuer.as_str());
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
}

async fn first_login(fed: &Fed, b: &Browser, idp: &str) -> String {
    let done = login(
        b,
        &fed.base,
        &authorize_url(fed, "sp-a", &[]),
        idp,
        "angela",
    )
    .await;
    let code = done.location_params()["code"].clone();
    exchange(fed, "sp-a", &code).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn second_service_gets_the_identity_without_the_chooser() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let b = Browser::new();
    let id_a = first_login(&fed, &b, "impots").await;
    let start = b.get(&authorize_url(&fed, "sp-b", &[])).await;
    assert!(
        start.location.as_deref().unwrap().contains("/consent"),
        "SSO goes straight to consent: {:?}",
        start.location
    );
    let consent = b.follow(start, &fed.base).await;
    assert!(consent.body.contains("Angela Claire Louise"));
    let done = b.submit(&consent, &fed.base, "/consent", &[]).await;
    let code = done.location_params()["code"].clone();
    let id_b = exchange(&fed, "sp-b", &code).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        sub_of(&id_a),
        sub_of(&id_b),
        "each organisation its own sub"
    );
    assert!(fed
        .event_names()
        .await
        .iter()
        .any(|e| e == "FC_SSO_INITIATED"));

    // A service's prompt=login does not disable SSO (issue 9: FranceConnect
    // services always send it; Relais' own prompt=login goes to the IdP).
    let p = b
        .get(&authorize_url(&fed, "sp-b", &[("prompt", "login")]))
        .await;
    let loc = p.location.unwrap();
    assert!(loc.contains("/consent"), "{loc}");
}

#[tokio::test]
async fn sso_refused_when_the_service_excludes_the_idp() {
    let fed = Fed::start().await;
    let mut x = Fed::sp("sp-x", "org-x");
    x.idp_filter = IdpFilter::Deny(vec!["impots".into()]);
    fed.register_sp(x).await;
    let b = Browser::new();
    first_login(&fed, &b, "impots").await;
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-x", &[])).await, &fed.base)
        .await;
    assert_eq!(chooser.status, 200);
    assert!(chooser.body.contains("Se connecter avec"), "chooser shown");
    assert!(
        chooser
            .body
            .contains("disabled aria-disabled=\"true\" aria-describedby=\"why-impots\""),
        "excluded IdP greyed"
    );
    // posting the excluded IdP anyway is refused
    let p = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
        .await;
    assert_eq!(p.error_code().as_deref(), Some("Y020023"));
}

#[tokio::test]
async fn logout_chains_to_an_idp_with_end_session_and_ends_sso() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let id_token = first_login(&fed, &b, "impots").await;
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "http://127.0.0.1:9/sp-a/bye")
        .append_pair("state", "bye-state")
        .finish();
    let before = b.cookies(&fed.base).expect("a session cookie");
    let p = b.get(&format!("{}/session/end?{q}", fed.issuer())).await;
    assert!(
        p.location
            .as_deref()
            .unwrap()
            .starts_with(&format!("{}/idp/impots/session/end?", fed.base)),
        "{:?}",
        p.location
    );
    idp_hint_is_the_token_the_idp_signed(&fed, p.location.as_deref().unwrap(), "impots").await;
    // The session ends before the IdP's leg: a copy of the browser that
    // never comes back from it (the tab closed on a shared computer) is
    // shown the chooser, not logged in by SSO.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(authorize_url(&fed, "sp-a", &[]))
        .header("cookie", &before)
        .send()
        .await
        .unwrap();
    let to = stale.headers()["location"].to_str().unwrap().to_owned();
    assert!(!to.contains("/consent"), "{to}");
    let end = b.follow(p, &fed.base).await;
    assert_eq!(
        end.location.as_deref(),
        Some("http://127.0.0.1:9/sp-a/bye?state=bye-state")
    );
    let names = fed.event_names().await;
    for e in [
        "SP_REQUESTED_LOGOUT",
        "FC_REQUESTED_LOGOUT_FROM_IDP",
        "FC_SESSION_TERMINATED",
    ] {
        assert!(names.iter().any(|n| n == e), "{e}");
    }
    // the federation session is gone: next login shows the chooser, the hint is dead
    let next = b.get(&authorize_url(&fed, "sp-a", &[])).await;
    assert!(!next.location.unwrap().contains("/consent"));
    // FranceConnect's code for a hint whose session is gone (issue 9).
    let again = b.get(&format!("{}/session/end?{q}", fed.issuer())).await;
    assert_eq!(again.error_code().as_deref(), Some("Y100019"));
}

#[tokio::test]
async fn logout_without_idp_end_session_and_to_the_logged_out_page() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let id_token = first_login(&fed, &b, "ameli").await;
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", &id_token)
        .finish();
    let p = b.get(&format!("{}/session/end?{q}", fed.issuer())).await;
    assert_eq!(
        p.status, 200,
        "no end_session at ameli: straight to the logged-out page"
    );
    assert!(p.body.contains("Vous êtes déconnecté"));

    let b = Browser::new();
    let id_token = first_login(&fed, &b, "mobileconnect").await;
    let bad = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "http://evil.example/")
        .finish();
    let p = b.get(&format!("{}/session/end?{bad}", fed.issuer())).await;
    assert_eq!(p.error_code().as_deref(), Some("Y030302"));
    let forged = format!("{}x", &id_token[..id_token.len() - 1]);
    let p = b
        .get(&format!(
            "{}/session/end?id_token_hint={forged}",
            fed.issuer()
        ))
        .await;
    assert_eq!(p.error_code().as_deref(), Some("Y030301"));
    let ok = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "http://127.0.0.1:9/sp-a/bye")
        .append_pair("state", "s1")
        .finish();
    let p = b.get(&format!("{}/session/end?{ok}", fed.issuer())).await;
    assert_eq!(
        p.location.as_deref(),
        Some("http://127.0.0.1:9/sp-a/bye?state=s1")
    );
}

/// `client_id`, `ui_locales` and `state` at logout, as FranceConnect's engine
/// reads them: a `client_id` that is not the hint's audience is refused and
/// the session lives on; `ui_locales` gives the language of the refusals and
/// of the logged-out page, across the IdP's leg; a `state` is echoed up to
/// the parameters' limit and refused past it, never dropped.
#[tokio::test]
async fn logout_reads_client_id_ui_locales_and_state() {
    let fed = Fed::start().await;
    let end_session = |pairs: &[(&str, &str)]| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{}/session/end?{q}", fed.issuer())
    };
    let b = Browser::new();
    let id_token = first_login(&fed, &b, "impots").await;
    let p = b
        .get(&end_session(&[
            ("id_token_hint", &id_token),
            ("client_id", "sp-b"),
            ("ui_locales", "de en"),
        ]))
        .await;
    assert_eq!(p.error_code().as_deref(), Some("Y030301"));
    assert!(p.body.contains(r#"lang="en""#), "{}", p.body);
    let long = "s".repeat(2049);
    let p = b
        .get(&end_session(&[
            ("id_token_hint", &id_token),
            ("state", &long),
        ]))
        .await;
    assert_eq!(p.error_code().as_deref(), Some("Y030301"));
    assert!(p.body.contains(r#"lang="fr""#), "{}", p.body);
    assert!(
        fed.event_names()
            .await
            .iter()
            .all(|n| n != "SP_REQUESTED_LOGOUT"),
        "refused before the session is touched"
    );
    // The session lived through both: its own audience logs it out, and the
    // logged-out page after impots' leg speaks the language asked for.
    let p = b
        .get(&end_session(&[
            ("id_token_hint", &id_token),
            ("client_id", "sp-a"),
            ("ui_locales", "en-GB"),
        ]))
        .await;
    assert!(
        p.location
            .as_deref()
            .is_some_and(|l| l.starts_with(&format!("{}/idp/impots/session/end?", fed.base))),
        "{:?}",
        p.location
    );
    let end = b.follow(p, &fed.base).await;
    assert_eq!(end.status, 200);
    assert!(end.body.contains("You are logged out"), "{}", end.body);

    let b = Browser::new();
    let id_token = first_login(&fed, &b, "ameli").await;
    let longest = "s".repeat(2048);
    let p = b
        .get(&end_session(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "http://127.0.0.1:9/sp-a/bye"),
            ("state", &longest),
        ]))
        .await;
    assert_eq!(
        p.location,
        Some(format!("http://127.0.0.1:9/sp-a/bye?state={longest}"))
    );
}

/// `POST /session/end` (RP-Initiated Logout 1.0 §2: GET and POST): a
/// service's form posts from its own site, without the session cookie
/// (`SameSite=Lax`); Relais sends the same parameters on to `GET` by a 303,
/// which a browser follows with the cookie, and the logout proceeds.
#[tokio::test]
async fn logout_by_post_is_sent_on_to_get() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let id_token = first_login(&fed, &b, "ameli").await;
    let end = format!("{}/session/end", fed.issuer());
    let cross_site = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = [
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", "http://127.0.0.1:9/sp-a/bye"),
        ("state", "a b&c"),
        ("ui_locales", "en"),
    ];
    let r = cross_site.post(&end).form(&form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with(&format!("{end}?")), "{to}");
    let sent_on: Vec<(String, String)> = url::Url::parse(&to)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let posted: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(sent_on, posted);
    let p = b.get(&to).await;
    assert_eq!(
        p.location.as_deref(),
        Some("http://127.0.0.1:9/sp-a/bye?state=a+b%26c")
    );

    // A body of another type, and parameters too long for the GET.
    let r = cross_site
        .post(&end)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("Y030007"));
    let long = "h".repeat(7000);
    let state = "s".repeat(2000);
    let r = cross_site
        .post(&end)
        .form(&[("id_token_hint", long.as_str()), ("state", state.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("Y030301"));
}
