//! Token, userinfo and revocation endpoints under hostile or clumsy use.

use crate::browser::{login, Browser};
use crate::harness::{authorize_url, Fed, SP_SECRET};
use relais_oidc::pkce::s256_challenge;
use serde_json::{json, Value};

const VERIFIER: &str = "verifier-0123456789-0123456789-0123456789-abc";

async fn code_for(fed: &Fed, b: &Browser, pkce: bool) -> String {
    let challenge = s256_challenge(VERIFIER);
    let extra: Vec<(&str, &str)> = if pkce {
        vec![
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ]
    } else {
        vec![]
    };
    let done = login(
        b,
        &fed.base,
        &authorize_url(fed, "sp-a", &extra),
        "impots",
        "jean",
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    done.location_params().get("code").cloned().expect("code")
}

async fn token(
    fed: &Fed,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/token", fed.issuer()))
        .form(form);
    if let Some((u, p)) = basic {
        req = req.basic_auth(u, Some(p));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

fn redirect() -> &'static str {
    "http://127.0.0.1:9/sp-a/cb"
}

/// The exchange the service would make for `code`, every parameter right.
fn right_for(code: &str) -> [(&'static str, &str); 4] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect()),
        ("code_verifier", VERIFIER),
    ]
}

/// The right exchange for `code` is refused: an earlier attempt spent it.
async fn assert_spent(fed: &Fed, code: &str) {
    let (s, body, _) = token(fed, &right_for(code), Some(("sp-a", SP_SECRET))).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "the failed attempt spent the code"
    );
}

#[tokio::test]
async fn token_endpoint_rules() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let code = code_for(&fed, &b, true).await;
    // wrong secret (basic) → 401 with WWW-Authenticate
    let (s, body, h) = token(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect()),
            ("code_verifier", VERIFIER),
        ],
        Some(("sp-a", "wrong")),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    assert!(h.get("www-authenticate").is_some());
    // wrong secret (post)
    let (s, body, _) = token(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "sp-a"),
            ("client_secret", "nope"),
        ],
        None,
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    // missing parameters
    let (s, body, _) = token(
        &fed,
        &[("code", &code), ("redirect_uri", redirect())],
        Some(("sp-a", SP_SECRET)),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
    let (s, body, _) = token(
        &fed,
        &[("grant_type", "refresh_token"), ("code", &code)],
        Some(("sp-a", SP_SECRET)),
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    // a verifier that cannot be one (RFC 7636 §4.1): invalid_request, as
    // FranceConnect's engine answers, and the code is not taken (the old
    // code spent it with invalid_grant)
    let before = fed.store_entries();
    for malformed in [
        "x".repeat(42),
        format!("{}+", "x".repeat(43)),
        "x".repeat(129),
    ] {
        let (s, body, _) = token(
            &fed,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect()),
                ("code_verifier", malformed.as_str()),
            ],
            Some(("sp-a", SP_SECRET)),
        )
        .await;
        assert_eq!(
            (s, body["error"].as_str(), body["code"].as_str()),
            (400, Some("invalid_request"), Some("Y030101")),
            "{malformed}"
        );
    }
    assert_eq!(fed.store_entries(), before, "nothing taken");
    // wrong PKCE verifier: refused, and the code is consumed; the access
    // token written with its take is deleted
    let before = fed.store_entries();
    let (s, body, _) = token(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect()),
            ("code_verifier", "x".repeat(50).as_str()),
        ],
        Some(("sp-a", SP_SECRET)),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(fed.store_entries(), before - 1, "code taken, no token");
    assert_spent(&fed, &code).await;

    // wrong redirect_uri: refused, and the code is consumed too
    let code = code_for(&fed, &Browser::new(), true).await;
    let before = fed.store_entries();
    let (s, body, _) = token(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("code_verifier", VERIFIER),
        ],
        Some(("sp-a", SP_SECRET)),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(fed.store_entries(), before - 1, "code taken, no token");
    assert_spent(&fed, &code).await;
    // a wrong secret does not spend it: the service can try again
    let code = code_for(&fed, &Browser::new(), true).await;
    let (s, _, _) = token(&fed, &right_for(&code), Some(("sp-a", "wrong"))).await;
    assert_eq!(s, 401);
    let (s, body, _) = token(&fed, &right_for(&code), Some(("sp-a", SP_SECRET))).await;
    assert_eq!(s, 200, "{body}");

    // success has exactly the five keys; reuse revokes the access token
    let code = code_for(&fed, &Browser::new(), true).await;
    let good = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect()),
        ("code_verifier", VERIFIER),
    ];
    let (s, body, h) = token(&fed, &good, Some(("sp-a", SP_SECRET))).await;
    assert_eq!(s, 200, "{body}");
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "id_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("Bearer"), Some(60))
    );
    assert_eq!(h.get("cache-control").unwrap(), "no-store");
    let at = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(userinfo(&fed, &at).await.0, 200);
    let (s, body, _) = token(&fed, &good, Some(("sp-a", SP_SECRET))).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "code reuse"
    );
    assert_eq!(
        userinfo(&fed, &at).await.0,
        401,
        "reuse revoked the first access token"
    );
}

#[tokio::test]
async fn one_code_sent_twice_at_once_gives_one_token_and_revokes_it() {
    let fed = Fed::start().await;
    for _ in 0..5 {
        let code = code_for(&fed, &Browser::new(), true).await;
        let auth = Some(("sp-a", SP_SECRET));
        let form = right_for(&code);
        let (a, b) = tokio::join!(token(&fed, &form, auth), token(&fed, &form, auth));
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 400], "{} / {}", a.1, b.1);
        let (won, lost) = if a.0 == 200 { (a.1, b.1) } else { (b.1, a.1) };
        assert_eq!(lost["error"], "invalid_grant");
        // The loser is a second use: the winner's token may have been
        // revoked already (if its trip came first), never left usable
        // after the loser's answer.
        let at = won["access_token"].as_str().unwrap();
        assert_eq!(
            userinfo(&fed, at).await.0,
            401,
            "the reused code's token is revoked"
        );
    }
}

#[tokio::test]
async fn codes_expire_after_30_seconds_on_the_injected_clock() {
    let fed = Fed::start().await;
    let code = code_for(&fed, &Browser::new(), false).await;
    fed.clock.advance_secs(31);
    let (s, body, _) = token(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect()),
        ],
        Some(("sp-a", SP_SECRET)),
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    // without PKCE at authorize, a verifier at token is refused
    let code = code_for(&fed, &Browser::new(), false).await;
    let (s, _, _) = token(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect()),
            ("code_verifier", VERIFIER),
        ],
        Some(("sp-a", SP_SECRET)),
    )
    .await;
    assert_eq!(s, 400);
}

async fn userinfo(fed: &Fed, token: &str) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .get(format!("{}/userinfo", fed.issuer()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let www = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let _ = r.text().await;
    (status, www, ctype)
}

#[tokio::test]
async fn userinfo_with_unknown_expired_or_revoked_tokens() {
    let fed = Fed::start().await;
    let (s, www, _) = userinfo(&fed, "unknown-token").await;
    assert_eq!(s, 401);
    assert!(www.contains("invalid_token"));
    let no_header = reqwest::Client::new()
        .get(format!("{}/userinfo", fed.issuer()))
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status().as_u16(), 401);
    assert!(no_header.headers().get("www-authenticate").is_some());

    let mut tokens = Vec::new();
    for _ in 0..2 {
        let code = code_for(&fed, &Browser::new(), false).await;
        let (_, body, _) = token(
            &fed,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect()),
            ],
            Some(("sp-a", SP_SECRET)),
        )
        .await;
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    let (s, _, ctype) = userinfo(&fed, &tokens[0]).await;
    assert_eq!((s, ctype.as_str()), (200, "application/jwt"));
    let revoke = |client: &'static str, token: String| {
        let url = format!("{}/token/revocation", fed.issuer());
        async move {
            reqwest::Client::new()
                .post(url)
                .basic_auth(client, Some(SP_SECRET))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
        }
    };
    // another service cannot revoke it (RFC 7009 §2.1), and hears why
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let r = revoke("sp-b", tokens[0].clone()).await;
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body["error"].as_str(), body["code"].as_str()),
        (Some("invalid_request"), Some("Y030117"))
    );
    assert_eq!(userinfo(&fed, &tokens[0]).await.0, 200);
    // revoked
    let r = revoke("sp-a", tokens[0].clone()).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(userinfo(&fed, &tokens[0]).await.0, 401);
    // expired (60 s)
    assert_eq!(userinfo(&fed, &tokens[1]).await.0, 200);
    fed.clock.advance_secs(61);
    let (s, www, _) = userinfo(&fed, &tokens[1]).await;
    assert_eq!(s, 401);
    assert!(www.contains("invalid_token"));
}

/// Retired signing keys stay in the JWKS for the publication delay (tokens
/// they signed may still be checked), then leave it.
#[tokio::test]
async fn retired_keys_leave_the_jwks_after_the_publication_delay() {
    let fed = Fed::start().await;
    let kids = |fed: &Fed| {
        let url = format!("{}/jwks", fed.issuer());
        async move {
            let v: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            v["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let before = kids(&fed).await;
    let sealer =
        relais_oidc::sealer::Sealer::from_master_secret(relais::node::DEMO_MASTER_KEY.as_bytes())
            .unwrap();
    let store = fed.node.app.stores.keys.clone();
    let now = relais_core::Clock::now_millis(&fed.clock);
    let new = relais_web::keyring::KeyRing::rotate(store.as_ref(), &sealer, now, 0)
        .await
        .unwrap();
    fed.node
        .app
        .keys
        .refresh(store.as_ref(), &sealer, now)
        .await
        .unwrap();
    assert_eq!(
        new.len(),
        4,
        "ES256, RS256 and both encryption keys (use=enc) rotate together"
    );
    assert_eq!(new.iter().filter(|k| k.starts_with("enc-")).count(), 2);
    let during = kids(&fed).await;
    assert!(before.iter().all(|k| during.contains(k)), "{during:?}");
    assert!(new.iter().all(|k| during.contains(k)), "{during:?}");
    fed.clock.advance_secs(11 * 60);
    let later = relais_core::Clock::now_millis(&fed.clock);
    fed.node
        .app
        .keys
        .refresh(store.as_ref(), &sealer, later)
        .await
        .unwrap();
    let after = kids(&fed).await;
    assert!(before.iter().all(|k| !after.contains(k)), "{after:?}");
    assert!(new.iter().all(|k| after.contains(k)), "{after:?}");
}

/// Codes, access tokens and CSRF tokens are stored under a digest of their
/// value: the store holds nothing a thief could present, and the tokens
/// still work for their holders.
#[tokio::test]
async fn single_use_secrets_are_stored_under_a_digest() {
    use relais_core::token_digest::stored_key;
    let fed = Fed::start().await;
    let eph = fed.node.app.stores.ephemeral.clone();
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    let (_, fields) = chooser.form("/idp");
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(eph.get(&format!("csrf:{csrf}")).await.unwrap().is_none());
    assert!(eph.get(&stored_key("csrf", &csrf)).await.unwrap().is_some());

    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    let code = done.location_params()["code"].clone();
    assert!(eph.get(&format!("code:{code}")).await.unwrap().is_none());
    assert!(eph.get(&stored_key("code", &code)).await.unwrap().is_some());

    let t = crate::sso_logout::exchange(&fed, "sp-a", &code).await;
    let at = t["access_token"].as_str().unwrap().to_owned();
    assert!(eph.get(&format!("at:{at}")).await.unwrap().is_none());
    assert!(eph.get(&stored_key("at", &at)).await.unwrap().is_some());
    let reuse = eph.get(&stored_key("used", &code)).await.unwrap().unwrap();
    assert!(!String::from_utf8_lossy(&reuse).contains(&at));

    let ui = reqwest::Client::new()
        .get(format!("{}/userinfo", fed.issuer()))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    // Reusing the code still revokes the token it produced.
    crate::sso_logout::exchange(&fed, "sp-a", &code).await;
    assert!(eph.get(&stored_key("at", &at)).await.unwrap().is_none());
}

/// RFC 9110 §11.1: an authentication scheme is matched without regard to
/// case. A service sending `BASIC` at the token endpoint was refused with
/// 401 (only `Basic` and `basic` were read), and an operator's `bearer`
/// token at the admin API too.
#[tokio::test]
async fn the_authorization_scheme_is_read_in_any_case() {
    use base64::Engine;
    let fed = Fed::start().await;
    let http = reqwest::Client::new();
    let code = code_for(&fed, &Browser::new(), false).await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("sp-a:{SP_SECRET}"));
    let r = http
        .post(format!("{}/token", fed.issuer()))
        .header("authorization", format!("BASIC {basic}"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "BASIC at the token endpoint");
    let body: Value = r.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    for scheme in ["bearer", "BEARER"] {
        let r = http
            .get(format!("{}/userinfo", fed.issuer()))
            .header("authorization", format!("{scheme} {access}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{scheme} at userinfo");
    }
    // A wrong secret is still refused, whatever the case of the scheme.
    let wrong = base64::engine::general_purpose::STANDARD.encode("sp-a:wrong");
    let r = http
        .post(format!("{}/token", fed.issuer()))
        .header("authorization", format!("BASIC {wrong}"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));

    let operator = fed.operator_token("alice").await;
    for (header, status) in [
        (format!("bearer {operator}"), 200),
        (format!("BEARER {operator}"), 200),
        ("bearer rop_not-a-real-token".to_owned(), 401),
    ] {
        let r = http
            .get(format!("{}/api/admin/v1/services", fed.base))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "admin API with {header:.6}…");
    }
}

/// Userinfo takes the access token in a `POST` form body too (RFC 6750
/// §2.2, as FranceConnect's engine does), by one means only, and never in
/// the URL.
#[tokio::test]
async fn userinfo_takes_the_token_in_a_form_body_by_one_means_only() {
    let fed = Fed::start().await;
    let http = reqwest::Client::new();
    let code = code_for(&fed, &Browser::new(), false).await;
    let r = http
        .post(format!("{}/token", fed.issuer()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect()),
            ("client_id", "sp-a"),
            ("client_secret", SP_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let userinfo = format!("{}/userinfo", fed.issuer());

    let by_header = http
        .get(&userinfo)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status().as_u16(), 200);
    let kind = by_header.headers()["content-type"].clone();
    let in_body = http
        .post(&userinfo)
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(in_body.status().as_u16(), 200, "the token in a form body");
    assert_eq!(in_body.headers()["content-type"], kind);
    assert!(!in_body.text().await.unwrap().is_empty());

    let refused = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (
            status,
            body["code"].as_str().map(str::to_owned),
            body["error"].clone(),
        )
    };
    let both = http
        .post(&userinfo)
        .bearer_auth(&access)
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap();
    // RFC 6750 §3: the challenge says why (none before).
    assert_eq!(
        both.headers()["www-authenticate"],
        "Bearer error=\"invalid_request\""
    );
    assert_eq!(
        refused(both).await,
        (400, Some("Y030203".to_owned()), json!("invalid_request")),
        "header and body"
    );
    for with_header in [false, true] {
        let mut req = http.get(format!("{userinfo}?access_token={access}"));
        if with_header {
            req = req.bearer_auth(&access);
        }
        assert_eq!(
            refused(req.send().await.unwrap()).await,
            (400, Some("Y030203".to_owned()), json!("invalid_request")),
            "in the URL (with the header too: {with_header})"
        );
    }
    let unknown = http
        .post(&userinfo)
        .form(&[("access_token", "not-a-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(unknown).await,
        (401, Some("Y030201".to_owned()), json!("invalid_token"))
    );
    // A JSON body is not a form: refused, its token not read (see
    // typed_bodies_other_than_forms_are_refused).
    let json_body = http
        .post(&userinfo)
        .json(&json!({"access_token": access}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(json_body).await,
        (400, Some("Y030203".to_owned()), json!("invalid_request"))
    );
}

/// A body typed as something else than a form is refused, as FranceConnect's
/// engine refuses it (oidc-provider: `only application/x-www-form-urlencoded
/// content-type bodies are supported`), and it spends nothing. Before, the
/// token endpoint read any body as a form (a `text/plain` exchange got its
/// tokens), a JSON body was refused as missing its parameters or its
/// client, and userinfo ignored a JSON body. A form with parameters after
/// its type, or a body with no type at all, is read.
#[tokio::test]
async fn typed_bodies_other_than_forms_are_refused() {
    let fed = Fed::start().await;
    let http = reqwest::Client::new();
    let code = code_for(&fed, &Browser::new(), true).await;
    let right = right_for(&code);
    let form_text = right
        .iter()
        .fold(
            relais_core::form_encoding::FormQuery::with_capacity(256),
            |q, (k, v)| q.pair(k, v),
        )
        .finish();
    let send = |content_type: Option<&'static str>, path: &'static str, body: String| {
        let mut req = http
            .post(format!("{}{path}", fed.issuer()))
            .basic_auth("sp-a", Some(SP_SECRET))
            .body(body);
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let refused = |(status, body): (u16, Value)| {
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "invalid_request", "{body}");
        body["code"].as_str().unwrap_or_default().to_owned()
    };
    for content_type in [
        "text/plain",
        "application/json",
        "multipart/form-data; boundary=x",
    ] {
        let answer = send(Some(content_type), "/token", form_text.clone()).await;
        assert_eq!(refused(answer), "Y030101", "{content_type}");
    }
    let json_body = json!({ "grant_type": "authorization_code", "code": code }).to_string();
    assert_eq!(
        refused(send(Some("application/json"), "/token", json_body.clone()).await),
        "Y030101"
    );
    for path in ["/token/revocation", "/checktoken", "/par"] {
        let answer = send(
            Some("application/json"),
            path,
            json!({ "token": "x" }).to_string(),
        )
        .await;
        assert_eq!(refused(answer), "Y030101", "{path}");
    }
    // Nothing was spent: the same exchange as a form, its type with a
    // charset, gets the tokens.
    let (status, body) = send(
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        "/token",
        form_text,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    // Userinfo: a POST typed JSON is refused, with or without the header.
    let userinfo = format!("{}/userinfo", fed.issuer());
    for with_header in [false, true] {
        let mut req = http
            .post(&userinfo)
            .header("content-type", "application/json")
            .body(json!({ "access_token": access }).to_string());
        if with_header {
            req = req.bearer_auth(&access);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "header too: {with_header}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "Y030203", "{body}");
    }
    // A POST without a type carries no body to read: the header is enough.
    let r = http
        .post(&userinfo)
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The authorization request as a JSON body: the catalogue's page.
    let r = http
        .post(format!("{}/authorize", fed.issuer()))
        .header("content-type", "application/json")
        .body(json!({ "client_id": "sp-a" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("Y030007"));
}
