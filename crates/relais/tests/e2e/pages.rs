//! What citizens see and how the pages hold up: CSRF, replays, expiry,
//! consent variants, greyed IdPs, headers, cookies, locales, error pages.

use crate::browser::{login, to_consent, Browser};
use crate::harness::{authorize_url, Fed};
use relais_core::partner::SpType;

#[tokio::test]
async fn csrf_replay_and_expiry() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    let (action, _) = chooser.form("/idp");
    let url = format!("{}{action}", fed.base);
    let p = b.post(&url, &[("idp".into(), "impots".into())]).await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (400, Some("Y470002"))
    );
    let p = b
        .post(
            &url,
            &[
                ("idp".into(), "impots".into()),
                ("csrf".into(), "forged".into()),
            ],
        )
        .await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (401, Some("Y470001"))
    );
    // a token is single use
    let ok = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
        .await;
    assert_eq!(ok.status, 303);
    let again = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
        .await;
    assert_eq!(again.error_code().as_deref(), Some("Y470001"));

    // replayed consent: one code, then "step already done"
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    let form = b
        .follow(
            b.submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
                .await,
            &fed.base,
        )
        .await;
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "jean"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    let first = b.submit(&consent, &fed.base, "/consent", &[]).await;
    assert!(first.location_params().contains_key("code"));
    let replay = b.submit(&consent, &fed.base, "/consent", &[]).await;
    assert_eq!(
        (replay.status, replay.error_code().as_deref()),
        (400, Some("Y420001"))
    );
    let refresh = b
        .get(&format!("{}{}", fed.base, consent.form("/consent").0))
        .await;
    assert_eq!(refresh.error_code().as_deref(), Some("Y420001"));

    // expired session (30 min, injected clock)
    let b = Browser::new();
    let start = b.get(&authorize_url(&fed, "sp-a", &[])).await;
    fed.clock.advance_secs(31 * 60);
    let p = b.get(start.location.as_deref().unwrap()).await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (401, Some("Y190001"))
    );
}

#[tokio::test]
async fn consent_pages_show_real_values_and_variants() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let chooser = b
        .follow(
            b.get(&authorize_url(
                &fed,
                "sp-a",
                &[("scope", "openid profile birth email")],
            ))
            .await,
            &fed.base,
        )
        .await;
    let form = b
        .follow(
            b.submit(&chooser, &fed.base, "/idp", &[("idp", "laposte")])
                .await,
            &fed.base,
        )
        .await;
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "angela"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    for text in [
        "Angela Claire Louise",
        "DUBOIS",
        "24 août 1962",
        "Féminin",
        "Paris 7e Arrondissement",
        "France",
        "angela.dubois@example.fr",
    ] {
        assert!(consent.body.contains(text), "consent shows {text}");
    }
    assert!(
        !consent.body.contains("type=\"checkbox\""),
        "public service: information page"
    );

    // anonymous
    let b = Browser::new();
    let chooser = b
        .follow(
            b.get(&authorize_url(&fed, "sp-a", &[("scope", "openid")]))
                .await,
            &fed.base,
        )
        .await;
    let form = b
        .follow(
            b.submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
                .await,
            &fed.base,
        )
        .await;
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "amina"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    assert!(consent.body.contains("Aucune donnée personnelle"));
    assert!(!consent.body.contains("BENALI"));

    // private service with mandatory consent
    let mut private = Fed::sp("sp-priv", "org-p");
    private.sp_type = SpType::Private;
    private.identity_consent = true;
    fed.register_sp(private).await;
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-priv", &[])).await, &fed.base)
        .await;
    let form = b
        .follow(
            b.submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
                .await,
            &fed.base,
        )
        .await;
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "jean"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    assert!(consent.body.contains("type=\"checkbox\""));
    let unticked = b.submit(&consent, &fed.base, "/consent", &[]).await;
    assert_eq!(unticked.status, 200);
    assert!(
        unticked.body.contains("role=\"alert\""),
        "asks to tick the box"
    );
    let ticked = b
        .submit(&unticked, &fed.base, "/consent", &[("consent", "yes")])
        .await;
    assert!(ticked.location_params().contains_key("code"));
    assert!(fed
        .event_names()
        .await
        .iter()
        .any(|e| e == "FC_DATATRANSFER_CONSENT_IDENTITY"));

    // auto-login: no consent screen when the service is registered for it
    let mut auto = Fed::sp("sp-auto", "org-auto");
    auto.allowed_prompts = vec!["login".into()];
    fed.register_sp(auto).await;
    let b = Browser::new();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-auto", &[]),
        "msa",
        "pascal",
    )
    .await;
    assert!(
        done.location_params().contains_key("code"),
        "{:?}",
        done.location
    );
    assert!(fed.event_names().await.iter().any(|e| e == "FC_AUTO_LOGIN"));
}

#[tokio::test]
async fn a_foreign_cookie_with_bytes_outside_ascii_does_not_hide_ours() {
    use reqwest::header::{HeaderValue, COOKIE, LOCATION, SET_COOKIE};
    let fed = Fed::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = http
        .get(authorize_url(&fed, "sp-a", &[]))
        .send()
        .await
        .unwrap();
    let sid = start.headers()[SET_COOKIE].to_str().unwrap();
    let sid = sid.split(';').next().unwrap().to_owned();
    let location = start.headers()[LOCATION].to_str().unwrap();
    let chooser = if location.starts_with('/') {
        format!("{}{location}", fed.base)
    } else {
        location.to_owned()
    };
    let show = |cookie: Vec<u8>| {
        let request = http
            .get(&chooser)
            .header(COOKIE, HeaderValue::from_bytes(&cookie).unwrap());
        async move {
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // Without our session cookie, the chooser is refused.
    let (status, _) = show(b"theme=caf\xc3\xa9".to_vec()).await;
    assert_eq!(status, 401);
    // Beside cookies another application on the host set with UTF-8 and
    // with a Latin-1 byte, ours are read: the session and the language.
    let mut cookie = b"theme=caf\xc3\xa9; legacy=\xe9t\xe9; ".to_vec();
    cookie.extend_from_slice(sid.as_bytes());
    cookie.extend_from_slice(b"; relais_lang=en");
    let (status, page) = show(cookie).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<html lang=\"en\">"), "{page}");
    assert!(page.contains("/idp"), "{page}");
}

#[tokio::test]
async fn chooser_cancel_headers_cookies_and_locale() {
    let fed = Fed::start().await;
    let mut idp = fed.node.app.registry.idp("msa").unwrap().as_ref().clone();
    idp.active = false;
    fed.register_idp(idp).await;
    let b = Browser::new();
    let start = b.get(&authorize_url(&fed, "sp-a", &[])).await;
    let cookie = start
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("relais_sid=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let chooser = b.follow(start, &fed.base).await;
    let h = &chooser.headers;
    assert!(h
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(
        chooser.body.contains("<html lang=\"fr\">") && chooser.body.matches("<h1").count() == 1
    );
    assert!(!chooser.body.contains("<script"), "no JavaScript");
    assert!(
        chooser.body.contains("aria-describedby=\"why-msa\""),
        "inactive IdP greyed with a reason"
    );
    for title in [
        "impots.gouv.fr (démo)",
        "ameli.fr (démo)",
        "L'Identité Numérique La Poste (démo)",
        "MobileConnect et moi (démo)",
    ] {
        assert!(
            crate::browser::html_unescape(&chooser.body).contains(title),
            "{title}"
        );
    }
    // back to the service
    let cancel = chooser
        .body
        .split("href=\"")
        .find(|s| s.contains("/cancel"))
        .unwrap();
    let cancel = &cancel[..cancel.find('"').unwrap()];
    let p = b.get(&format!("{}{cancel}", fed.base)).await;
    let params = p.location_params();
    assert_eq!(
        (params["error"].as_str(), params["state"].as_str()),
        ("access_denied", "state-123")
    );
    assert_eq!(params["iss"], fed.issuer());

    // English on request
    let b = Browser::new();
    let chooser = b
        .follow(
            b.get(&authorize_url(&fed, "sp-a", &[("ui_locales", "en")]))
                .await,
            &fed.base,
        )
        .await;
    assert!(chooser.body.contains("<html lang=\"en\">") && chooser.body.contains("Log in with"));

    // unknown page, oversized body
    let p = b.get(&format!("{}/nope", fed.base)).await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (404, Some("Y000404"))
    );
    let big = "x".repeat(200 * 1024);
    let r = reqwest::Client::new()
        .post(format!("{}/token", fed.issuer()))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
}

#[tokio::test]
async fn error_pages_speak_the_browser_language_and_bad_requests_get_catalogue_codes() {
    let fed = Fed::start().await;
    let http = reqwest::Client::new();
    let page = |lang: &'static str, path: &'static str| {
        let http = http.clone();
        let url = format!("{}{path}", fed.base);
        async move {
            let r = http
                .get(url)
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, en) = page("en-GB,en;q=0.8", "/nope").await;
    assert_eq!(status, 404);
    assert!(en.contains("<html lang=\"en\">"), "{en}");
    assert!(
        en.contains("The page you asked for does not exist."),
        "{en}"
    );
    assert!(en.contains("Y000404"));
    let (_, fr) = page("fr-FR", "/nope").await;
    assert!(
        fr.contains("<html lang=\"fr\">") && fr.contains("La page demandée n"),
        "{fr}"
    );
    // By weight, not by order (RFC 9110 §12.5.4); French refused by q=0
    // gives English, not the default refused. Both were French before.
    for lang in ["fr;q=0.5, en;q=0.9", "fr;q=0, de"] {
        let (_, body) = page(lang, "/nope").await;
        assert!(body.contains("<html lang=\"en\">"), "{lang}: {body}");
    }
    // A malformed query on a page: the catalogue's page, not a framework text.
    let (status, body) = page("en", "/api/v2/idp/callback?state=a&state=b").await;
    assert!(body.contains("class=\"code\""), "{status} {body}");
    // Wrong method on a back-channel route: OAuth JSON a service can parse,
    // with the methods it takes (a French page before).
    for (method, path, allow) in [
        ("GET", "/api/v2/token", "POST"),
        ("GET", "/api/v2/checktoken", "POST"),
        ("PUT", "/api/v2/userinfo", "GET,HEAD,POST"),
    ] {
        let r = http
            .request(method.parse().unwrap(), format!("{}{path}", fed.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 405, "{path}");
        assert_eq!(r.headers()["allow"], allow, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "Y000405", "{body}");
        assert_eq!(body["error"], "invalid_request", "{body}");
    }
    // A page route keeps its page.
    let r = http
        .post(format!("{}/api/v2/logged-out", fed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert!(r.text().await.unwrap().contains("Y000405"));
    // Repeated parameter at the token endpoint: OAuth JSON.
    let r = http
        .post(format!("{}/api/v2/token", fed.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=authorization_code&grant_type=authorization_code")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["error"], "invalid_request");

    // A refusal at the chooser speaks the language the service asked for,
    // whatever the browser prefers.
    let mut sp = Fed::sp("sp-deny", "org-d");
    sp.idp_filter = relais_core::partner::IdpFilter::Deny(vec!["impots".into()]);
    fed.register_sp(sp).await;
    let b = Browser::new();
    let chooser = b
        .follow(
            b.get(&authorize_url(&fed, "sp-deny", &[("ui_locales", "en")]))
                .await,
            &fed.base,
        )
        .await;
    let refused = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
        .await;
    assert_eq!(refused.error_code().as_deref(), Some("Y020023"));
    assert!(
        refused.body.contains("<html lang=\"en\">"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("This service does not accept this login account."),
        "{}",
        refused.body
    );
}

/// The consent step's CSRF error page offers the way back to the service,
/// which receives access_denied with its state.
#[tokio::test]
async fn consent_csrf_error_links_back_to_the_service() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let consent = to_consent(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    let (action, _) = consent.form("/consent");
    let forged = b
        .post(
            &format!("{}{action}", fed.base),
            &[("csrf".into(), "forged".into())],
        )
        .await;
    assert_eq!(forged.error_code().as_deref(), Some("Y470001"));
    let link = forged
        .body
        .split("class=\"back\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(crate::browser::html_unescape)
        .unwrap_or_else(|| panic!("no back link: {}", forged.body));
    let to_sp = b.get(&format!("{}{link}", fed.base)).await;
    let params = to_sp.location_params();
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "state-123");
}

/// No page showing personal data is kept by the browser: the chooser, the
/// consent page (the citizen's values) and the demo service's result page
/// are `no-store`; the stylesheet stays cacheable.
#[tokio::test]
async fn pages_with_personal_data_are_not_stored_by_the_browser() {
    let fed = Fed::start().await;
    let no_store = |p: &crate::browser::Page| {
        p.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    assert_eq!(no_store(&chooser).as_deref(), Some("no-store"));
    let at_idp = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
        .await;
    let form = b.follow(at_idp, &fed.base).await;
    let back = b
        .submit(
            &form,
            &fed.base,
            "/login",
            &[("login", "angela"), ("password", "123")],
        )
        .await;
    let consent = b.follow(back, &fed.base).await;
    assert!(consent.body.contains("Angela"));
    assert_eq!(no_store(&consent).as_deref(), Some("no-store"));
    let home = b.get(&format!("{}/", fed.base)).await;
    assert_eq!(no_store(&home).as_deref(), Some("no-store"));
    let css = b
        .get(&format!("{}/api/v2/assets/relais.css", fed.base))
        .await;
    assert_eq!(no_store(&css).as_deref(), Some("public, max-age=3600"));
}
