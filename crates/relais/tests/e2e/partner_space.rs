//! The partner space from outside, as a town hall's developer and an
//! operator drive it over HTTP: a magic link by real SMTP, the
//! organisation, a service with sandbox credentials at once, a real
//! OpenID Connect client (openid-client, defaults) logging in on the
//! sandbox with them, the test trace, the production request with its
//! diff, the operator's approval through the admin API, the production
//! client working, a vendor acting for a commune, and bad input refused
//! with the field named and nothing written.

use crate::browser::{html_unescape, login, Browser, Page};
use crate::harness::Fed;
use crate::interop::run_async;
use relais_demo::mail_catcher::MailCatcher;
use serde_json::{json, Value};
use std::time::Duration;

async fn magic_link(catcher: &MailCatcher, to: &str) -> String {
    for _ in 0..100 {
        if let Some(m) = catcher
            .inbox
            .messages()
            .iter()
            .rev()
            .find(|m| m.to.iter().any(|t| t == to))
        {
            let at = m
                .body
                .find("/partenaires/lien/")
                .expect("a link in the mail");
            let start = m.body[..at].rfind("http").unwrap();
            let end = m.body[at..]
                .find(char::is_whitespace)
                .map_or(m.body.len(), |e| at + e);
            return m.body[start..end].to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no sign-in mail for {to}");
}

/// Signs in with a magic link; returns the page after sign-in.
async fn sign_in(fed: &Fed, catcher: &MailCatcher, b: &Browser, email: &str) -> Page {
    let home = b.get(&format!("{}/partenaires", fed.base)).await;
    assert_eq!(home.status, 200);
    let sent = b
        .submit(
            &home,
            &fed.base,
            "/partenaires/connexion",
            &[("email", email)],
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let link = magic_link(catcher, &email.to_lowercase()).await;
    let confirm = b.get(&link).await;
    assert_eq!(confirm.status, 200);
    let page = b
        .submit(&confirm, &fed.base, "/partenaires/lien/", &[])
        .await;
    assert_eq!(page.status, 303);
    // The link works once.
    let confirm = b.get(&link).await;
    let again = b
        .submit(&confirm, &fed.base, "/partenaires/lien/", &[])
        .await;
    assert_eq!(again.error_code().as_deref(), Some("Y510002"));
    b.follow(page, &fed.base).await
}

fn code_of(page: &Page, id: &str) -> String {
    let at = page
        .body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {}", page.body));
    let rest = &page.body[at..];
    let start = rest.find('>').unwrap() + 1;
    html_unescape(&rest[start..start + rest[start..].find('<').unwrap()])
}

fn service_form(redirect: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "Inscription à la cantine".into()),
        ("redirect_uris", redirect.into()),
        ("type", "public".into()),
        ("profile", "oidc".into()),
        ("scope", "identite_pivot".into()),
        (
            "why_identite_pivot",
            "pré-remplir l'inscription de l'enfant".into(),
        ),
        ("scope", "email".into()),
        ("why_email", "envoyer la confirmation".into()),
        ("contact_email", "dev@belleville.example".into()),
    ]
}

/// openid-client with its defaults logs in with these credentials.
async fn oidc_login(fed: &Fed, client_id: &str, secret: &str, redirect: &str) -> Value {
    let mut cfg = json!({
        "issuer": fed.issuer(), "client_id": client_id, "client_secret": secret,
        "redirect_uri": redirect, "scope": "openid identite_pivot email", "params": {},
    });
    let start = run_async("node/openid_client_rp.mjs", &["start"], Some(&cfg)).await;
    let b = Browser::new();
    let back = login(
        &b,
        &fed.base,
        start["authorize_url"].as_str().unwrap(),
        "impots",
        "angela",
    )
    .await;
    cfg["saved"] = start["saved"].clone();
    cfg["callback_url"] = json!(back
        .location
        .clone()
        .unwrap_or_else(|| panic!("no redirect: {}", back.body)));
    run_async("node/openid_client_rp.mjs", &["finish"], Some(&cfg)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_hall_connects_a_service_from_sandbox_to_production() {
    let (fed, catcher) = Fed::start_with_mail(false).await;
    let b = Browser::new();
    let first = sign_in(&fed, &catcher, &b, "Dev@Belleville.example").await;
    assert!(
        first.body.contains("/partenaires/organisation"),
        "{}",
        first.body
    );
    let services = b
        .submit(
            &first,
            &fed.base,
            "/partenaires/organisation",
            &[("name", "Commune de Belleville"), ("kind", "commune")],
        )
        .await;
    let services = b.follow(services, &fed.base).await;
    assert!(
        services.body.contains("Commune de Belleville"),
        "{}",
        services.body
    );

    // Bad input: the field is named, nothing is created.
    let form = b
        .get(&format!("{}/partenaires/services/nouveau", fed.base))
        .await;
    let mut bad = service_form("http://localhost:3000/callback");
    bad.retain(|(k, _)| *k != "why_email");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b
        .submit(&form, &fed.base, "/partenaires/services/nouveau", &bad)
        .await;
    assert_eq!(refused.status, 200);
    assert!(
        html_unescape(&refused.body).contains("scopes[1].justification"),
        "{}",
        refused.body
    );
    assert!(fed
        .node
        .app
        .registry
        .sp("sandbox-inscription-a-la-cantine")
        .is_none());

    // Created: sandbox credentials at once, the secret shown once.
    let redirect = "http://127.0.0.1:9/belleville/callback";
    let good = service_form(redirect);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // (The refused form comes back filled, with a fresh CSRF token.)
    let created = b
        .submit(&refused, &fed.base, "/partenaires/services/nouveau", &good)
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let client_id = code_of(&created, "sandbox-client-id");
    let secret = code_of(&created, "new-secret");
    assert_eq!(client_id, "sandbox-inscription-a-la-cantine");
    assert!(created.body.contains(&format!(
        "{}/.well-known/openid-configuration",
        fed.issuer()
    )));
    let shown_again = b
        .get(&format!(
            "{}/partenaires/services/inscription-a-la-cantine",
            fed.base
        ))
        .await;
    assert!(
        !shown_again.body.contains(&secret),
        "the secret is shown once"
    );

    // A real client at its defaults logs in on the sandbox.
    let out = oidc_login(&fed, &client_id, &secret, redirect).await;
    assert!(out.get("error").is_none(), "{out}");
    assert_eq!(out["userinfo"]["given_name"], "Angela Claire Louise");
    let page = b
        .get(&format!(
            "{}/partenaires/services/inscription-a-la-cantine",
            fed.base
        ))
        .await;
    let trace = html_unescape(&page.body);
    for step in [
        "demande de connexion reçue",
        "code envoyé",
        "échangé le code",
        "userinfo) — JSON: given_name",
    ] {
        assert!(trace.contains(step), "trace lacks {step}: {trace}");
    }
    // Not in production yet.
    assert!(fed
        .node
        .app
        .registry
        .sp("inscription-a-la-cantine")
        .is_none());

    // Production requested, with its diff; the operator sees and approves it.
    let requested = b.submit(&page, &fed.base, "/production", &[]).await;
    assert_eq!(requested.status, 303);
    let token = fed.operator_token("ops").await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(format!("{}/api/admin/v1/production-requests", fed.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["service"], "inscription-a-la-cantine", "{list}");
    assert!(list[0]["diff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["field"] == "redirect_uris" && d["after"] == redirect));
    let approved = http
        .post(format!(
            "{}/api/admin/v1/production-requests/inscription-a-la-cantine/approve",
            fed.base
        ))
        .bearer_auth(&token)
        .json(&json!({"message": "Bienvenue"}))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);

    // The partner generates the production secret; production works.
    let page = b
        .get(&format!(
            "{}/partenaires/services/inscription-a-la-cantine",
            fed.base
        ))
        .await;
    assert!(page.body.contains("Bienvenue"));
    let generated = b.submit(&page, &fed.base, "/secret/production", &[]).await;
    let prod_secret = code_of(&generated, "new-secret");
    let out = oidc_login(&fed, "inscription-a-la-cantine", &prod_secret, redirect).await;
    assert!(out.get("error").is_none(), "{out}");
    let sandbox_sub =
        oidc_login(&fed, &client_id, &secret, redirect).await["userinfo"]["sub"].clone();
    assert_ne!(
        out["userinfo"]["sub"], sandbox_sub,
        "sandbox and production see different subs"
    );

    // A new sandbox secret: the old one keeps working 24 hours, then not.
    let page = b
        .get(&format!(
            "{}/partenaires/services/inscription-a-la-cantine",
            fed.base
        ))
        .await;
    let rotated = b.submit(&page, &fed.base, "/secret/sandbox", &[]).await;
    let new_secret = code_of(&rotated, "new-secret");
    assert_ne!(new_secret, secret);
    assert!(oidc_login(&fed, &client_id, &secret, redirect)
        .await
        .get("error")
        .is_none());
    assert!(oidc_login(&fed, &client_id, &new_secret, redirect)
        .await
        .get("error")
        .is_none());
    fed.clock.advance_secs(25 * 3600);
    let late = oidc_login(&fed, &client_id, &secret, redirect).await;
    assert_eq!(late["error"], "invalid_client", "{late}");
    // Every change is audited with who made it.
    fed.node.app.events.flush().await;
    let stream: Value = http
        .get(format!("{}/api/admin/v1/events?limit=1000", fed.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<(String, String)> = stream["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "ADMIN_ACTION")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (who, what) in [
        ("partner:dev@belleville.example", "organisation.create"),
        ("partner:dev@belleville.example", "service.create"),
        (
            "partner:dev@belleville.example",
            "service.request_production",
        ),
        ("ops", "service.approve"),
        (
            "partner:dev@belleville.example",
            "service.secret.production",
        ),
    ] {
        assert!(
            actions.iter().any(|(a, r)| a == who && r == what),
            "{who} {what} missing from {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vendor_connects_services_for_its_client_communes_and_others_cannot_see_them() {
    let (fed, catcher) = Fed::start_with_mail(false).await;
    let vendor = Browser::new();
    let first = sign_in(&fed, &catcher, &vendor, "integration@editeur.example").await;
    vendor
        .submit(
            &first,
            &fed.base,
            "/partenaires/organisation",
            &[("name", "Éditeur Logiciels Publics"), ("kind", "vendor")],
        )
        .await;
    let form = vendor
        .get(&format!("{}/partenaires/services/nouveau", fed.base))
        .await;
    assert!(
        form.body.contains("client_org"),
        "vendors name the client authority"
    );
    let mut fields = service_form("http://127.0.0.1:9/villeneuve/callback");
    fields[0].1 = "État civil Villeneuve".into();
    fields.push(("client_org", "Commune de Villeneuve".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = vendor
        .submit(&form, &fed.base, "/partenaires/services/nouveau", &fields)
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let list = vendor
        .get(&format!("{}/partenaires/services", fed.base))
        .await;
    assert!(list.body.contains("Commune de Villeneuve"), "{}", list.body);

    // A service with keys: private_key_jwt, no secret shown.
    let form = vendor
        .get(&format!("{}/partenaires/services/nouveau", fed.base))
        .await;
    let mut fields = service_form("http://127.0.0.1:9/villeneuve/rdv");
    fields[0].1 = "Rendez-vous Villeneuve".into();
    fields.push(("client_org", "Commune de Villeneuve".into()));
    fields.push(("jwks_uri", "http://127.0.0.1:9/villeneuve/jwks".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = vendor
        .submit(&form, &fed.base, "/partenaires/services/nouveau", &fields)
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(!created.body.contains("new-secret"));
    assert!(created.body.contains("private_key_jwt"));
    let sp = fed
        .node
        .app
        .registry
        .sp("sandbox-rendez-vous-villeneuve")
        .unwrap();
    assert_eq!(
        sp.token_endpoint_auth_method,
        relais_core::partner::SpAuthMethod::PrivateKeyJwt
    );
    assert_eq!(
        sp.jwks_uri.as_deref(),
        Some("http://127.0.0.1:9/villeneuve/jwks")
    );

    // The vendor's admin adds a developer, who signs in to the same
    // organisation and may not add people.
    let list = vendor
        .get(&format!("{}/partenaires/services", fed.base))
        .await;
    let added = vendor
        .submit(
            &list,
            &fed.base,
            "/partenaires/membres",
            &[("email", "Dev2@Editeur.example"), ("role", "developer")],
        )
        .await;
    let list = vendor.follow(added, &fed.base).await;
    assert!(list.body.contains("dev2@editeur.example"), "{}", list.body);
    let colleague = Browser::new();
    let theirs = sign_in(&fed, &catcher, &colleague, "dev2@editeur.example").await;
    assert!(
        theirs.body.contains("Rendez-vous Villeneuve"),
        "the colleague sees the organisation's services"
    );
    assert!(
        !theirs.body.contains("action=\"/partenaires/membres\""),
        "developers do not add people"
    );
    let csrf_page = colleague
        .get(&format!("{}/partenaires/services", fed.base))
        .await;
    let (_, hidden) = csrf_page.form("/partenaires/deconnexion");
    let mut forged = hidden.clone();
    forged.push(("email".into(), "x@y.example".into()));
    let refused = colleague
        .post(&format!("{}/partenaires/membres", fed.base), &forged)
        .await;
    assert_eq!(refused.error_code().as_deref(), Some("Y510003"));

    // Asking again at once sends nothing more (one e-mail a minute per
    // address), and the page says the same.
    let before = catcher.inbox.messages().len();
    let asker = Browser::new();
    let home = asker.get(&format!("{}/partenaires", fed.base)).await;
    let again = asker
        .submit(
            &home,
            &fed.base,
            "/partenaires/connexion",
            &[("email", "dev2@editeur.example")],
        )
        .await;
    assert_eq!(again.status, 200);
    assert!(
        again.body.contains("Consultez votre messagerie"),
        "{}",
        again.body
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        catcher.inbox.messages().len(),
        before,
        "no second e-mail within the minute"
    );

    // Another organisation cannot open it.
    let other = Browser::new();
    let first = sign_in(&fed, &catcher, &other, "dsi@autre.example").await;
    other
        .submit(
            &first,
            &fed.base,
            "/partenaires/organisation",
            &[("name", "Autre commune"), ("kind", "commune")],
        )
        .await;
    let denied = other
        .get(&format!(
            "{}/partenaires/services/etat-civil-villeneuve",
            fed.base
        ))
        .await;
    assert_eq!(denied.error_code().as_deref(), Some("Y510003"));
    let anonymous = Browser::new()
        .get(&format!("{}/partenaires/services", fed.base))
        .await;
    assert_eq!(
        anonymous.status, 303,
        "signed-out partners go to the sign-in page"
    );
}

/// A public agent signs in with the operator's OpenID provider instead of
/// an e-mail link (here a demo IdP plays the agents' federation).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_agents_sign_in_with_the_operators_openid_provider() {
    let fed = Fed::start_configured(false, |c| c.partners.agent_idp = Some("impots".into())).await;
    let b = Browser::new();
    let home = b.get(&format!("{}/partenaires", fed.base)).await;
    assert!(
        home.body.contains("href=\"/partenaires/agent\""),
        "{}",
        home.body
    );
    let at_idp = b
        .follow(
            b.get(&format!("{}/partenaires/agent", fed.base)).await,
            &fed.base,
        )
        .await;
    assert_eq!(
        at_idp.status, 200,
        "the provider's login form: {}",
        at_idp.body
    );
    let back = b
        .submit(
            &at_idp,
            &fed.base,
            "/login",
            &[("login", "angela"), ("password", "123")],
        )
        .await;
    let org = b.follow(back, &fed.base).await;
    assert!(
        org.body.contains("/partenaires/organisation"),
        "{}",
        org.body
    );
    let services = b
        .submit(
            &org,
            &fed.base,
            "/partenaires/organisation",
            &[("name", "Préfecture de test"), ("kind", "administration")],
        )
        .await;
    let services = b.follow(services, &fed.base).await;
    assert!(
        html_unescape(&services.body).contains("Préfecture de test"),
        "{}",
        services.body
    );
    // A forged callback (no state of this browser) is refused.
    let forged = Browser::new()
        .get(&format!(
            "{}/partenaires/agent/retour?code=x&state=y",
            fed.base
        ))
        .await;
    assert_eq!(forged.error_code().as_deref(), Some("Y510002"));
}
