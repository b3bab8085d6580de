//! The citizen space as a citizen tries it: a login to the canteen (with
//! the CAF's family quotient), then `/espace` through the federation (SSO),
//! the connection and the data exchange in the history, the IdP choices
//! refused at the next login, the exports, and logout.

use crate::browser::{html_unescape, Browser, Page};
use crate::harness::Fed;
use serde_json::Value;

/// Every scalar of a JSON document, as text.
fn json_leaves(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(json_leaves).collect(),
        Value::Object(fields) => fields.values().flat_map(json_leaves).collect(),
        Value::String(s) => vec![s.clone()],
        other => vec![other.to_string()],
    }
}

/// Logs in to the canteen with ameli as marie (consent given); returns
/// the canteen's form page.
async fn canteen_login(fed: &Fed, b: &Browser, idp: &str) -> Page {
    let canteen = fed.canteen_base();
    let start = b.get(&format!("{canteen}/login")).await;
    let chooser = b.follow(start, &fed.base).await;
    let at_idp = b.submit(&chooser, &fed.base, "/idp", &[("idp", idp)]).await;
    let form = b.follow(at_idp, &fed.base).await;
    if form.status != 200 || !form.body.contains("/login") {
        return form;
    }
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "marie"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    if !consent.body.contains("/consent") {
        return consent;
    }
    let back = b.submit(&consent, &fed.base, "/consent", &[]).await;
    let cb = b.get(back.location.as_deref().unwrap()).await;
    assert_eq!(cb.location.as_deref(), Some("/inscription"), "{}", cb.body);
    b.get(&format!("{canteen}/inscription")).await
}

/// Opens the space: front door, then the login through the federation.
async fn open_space(fed: &Fed, b: &Browser) -> Page {
    let door = b.get(&format!("{}/espace", fed.base)).await;
    assert_eq!(door.status, 200);
    assert!(door.body.contains("/espace/connexion"), "{}", door.body);
    let start = b.get(&format!("{}/espace/connexion", fed.base)).await;
    assert_eq!(start.status, 303);
    b.follow(start, &fed.base).await
}

#[tokio::test]
async fn a_citizen_sees_controls_and_exports_what_the_federation_did() {
    let fed = Fed::start_with_canteen().await;
    let b = Browser::new();
    let form = canteen_login(&fed, &b, "ameli").await;
    assert!(
        html_unescape(&form.body).contains("value=\"380\""),
        "the CAF answered"
    );

    // The durable events are written within 50 ms; a citizen takes longer.
    fed.events().await;
    // SSO: the federation session is live, so the space opens without a
    // second login.
    let space = open_space(&fed, &b).await;
    assert_eq!(space.status, 200, "{:?} {}", space.location, space.body);
    assert_eq!(space.headers["cache-control"], "no-store");
    let text = html_unescape(&space.body);
    assert!(text.contains("Mon espace Relais"), "{text}");
    assert!(
        text.contains("avec ameli.fr (démo) (niveau eidas1). Informations transmises : Prénom(s)"),
        "the canteen connection, with claim names: {text}"
    );
    assert!(
        text.contains("Caisse d'allocations familiales a transmis à")
            && text.contains("Quotient familial"),
        "the CAF exchange: {text}"
    );
    assert!(!text.contains("Marie"), "no claim values in the history");

    // Filter by service: the canteen only (the space's own login is another service).
    let canteen_id = text
        .split("<option value=\"")
        .skip(2)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .find(|id| id != "relais-espace-citoyen")
        .unwrap();
    let filtered = b
        .get(&format!("{}/espace?service={canteen_id}", fed.base))
        .await;
    let ftext = html_unescape(&filtered.body);
    assert!(ftext.contains("Quotient familial") && !ftext.contains("Mon espace Relais avec"));

    // Choices: block La Poste and future IdPs; ameli (in use) stays allowed
    // even though its disabled box is not sent.
    let (action, mut fields) = space.form("/espace/choix");
    for idp in ["impots", "mobileconnect", "msa"] {
        fields.push(("allowed".into(), idp.into()));
    }
    fields.push(("block_future".into(), "yes".into()));
    let saved = b.post(&format!("{}{action}", fed.base), &fields).await;
    assert_eq!(saved.location.as_deref(), Some("/espace?saved=1"));
    let account_page = b.get(&format!("{}/espace?saved=1", fed.base)).await;
    assert!(html_unescape(&account_page.body).contains("Vos choix sont enregistrés."));
    assert!(account_page
        .body
        .contains("id=\"idp-ameli\" name=\"allowed\" value=\"ameli\" checked disabled"));
    assert!(
        !account_page.body.contains("value=\"laposte\" checked"),
        "La Poste unticked"
    );
    // A replayed form is refused.
    let replay = b.post(&format!("{}{action}", fed.base), &fields).await;
    assert_eq!(replay.error_code().as_deref(), Some("Y470001"));

    // Exports: JSON with the pseudonymous identifier the canteen received, CSV.
    let json = b.get(&format!("{}/espace/export.json", fed.base)).await;
    assert_eq!(json.status, 200);
    assert!(json.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let doc: Value = serde_json::from_str(&json.body).unwrap();
    let history = doc["history"].as_array().unwrap();
    assert!(history
        .iter()
        .any(|e| e["kind"] == "data_exchange" && e["shared"][0] == "cnaf_quotient_familial"));
    assert!(history
        .iter()
        .any(|e| e["kind"] == "connection" && e["identity_provider"] == "ameli.fr (démo)"));
    let ids = doc["pseudonymous_identifiers"].as_array().unwrap();
    assert!(
        ids.iter()
            .all(|i| i["sub"].as_str().is_some_and(|s| s.len() >= 32)),
        "{ids:?}"
    );
    // Leaf by leaf: a random pseudonym or a timestamp may hold the digits
    // "380" by chance, a leaf equal to the quotient is a leaked value.
    let leaves = json_leaves(&doc);
    assert!(
        leaves.iter().all(|l| !l.contains("Marie") && l != "380"),
        "no claim values in the export: {leaves:?}"
    );
    let csv = b.get(&format!("{}/espace/export.csv", fed.base)).await;
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv
        .body
        .starts_with("time,kind,service,identity_provider,level,data_provider,shared,sub\r\n"));
    assert!(csv.body.contains("\"data_exchange\""));

    // Logout of the space ends the federation session too.
    let out = b
        .submit(&account_page, &fed.base, "/espace/deconnexion", &[])
        .await;
    assert_eq!(out.status, 303);
    let landed = b.follow(out, &fed.base).await;
    assert!(landed.location.as_deref().unwrap_or("").contains("/espace") || landed.status == 200);
    let door = b.get(&format!("{}/espace", fed.base)).await;
    assert!(
        door.body.contains("/espace/connexion"),
        "logged out of the space"
    );

    // Next login with the blocked IdP: refused (Y100011), with a way to
    // pick another account.
    let b2 = Browser::new();
    let refused = canteen_login(&fed, &b2, "laposte").await;
    assert_eq!(
        refused.error_code().as_deref(),
        Some("Y100011"),
        "{}",
        refused.body
    );
    assert!(html_unescape(&refused.body).contains("Choisir un autre compte"));
}

#[tokio::test]
async fn the_space_refuses_forged_callbacks_and_shows_nothing_without_login() {
    let fed = Fed::start().await;
    let b = Browser::new();
    for path in ["/espace/export.json", "/espace/export.csv"] {
        let r = b.get(&format!("{}{path}", fed.base)).await;
        assert_eq!(r.location.as_deref(), Some("/espace"), "{path}");
    }
    let forged = b
        .get(&format!("{}/espace/retour?code=abc&state=forged", fed.base))
        .await;
    assert_eq!(forged.error_code().as_deref(), Some("Y500001"));
    // A state started in another browser is refused.
    let other = Browser::new();
    let start = other.get(&format!("{}/espace/connexion", fed.base)).await;
    let loc = start.location.unwrap();
    let state = url::Url::parse(&loc)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let stolen = b
        .get(&format!(
            "{}/espace/retour?code=abc&state={state}",
            fed.base
        ))
        .await;
    assert_eq!(stolen.error_code().as_deref(), Some("Y500001"));
    let posted = b.post(&format!("{}/espace/choix", fed.base), &[]).await;
    assert_eq!(posted.location.as_deref(), Some("/espace"));
}

/// Events outlive the six months of the space only as long as the
/// retention period says; accounts unused for three years are deleted.
#[tokio::test]
async fn retention_deletes_old_events_and_unused_accounts() {
    use relais_web::retention::{purge, RetentionPolicy};
    let fed = Fed::start().await;
    let b = Browser::new();
    let done = crate::browser::login(
        &b,
        &fed.base,
        &crate::harness::authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    assert_eq!(done.status, 303);
    fed.events().await;
    let app = &fed.node.app;
    let stored = || async { app.stores.events.count_events("FC_VERIFIED").await.unwrap() };
    assert_eq!(stored().await, 1);
    let policy = RetentionPolicy {
        events_days: 400,
        accounts_days: 3 * 365,
    };
    let nothing = purge(app, policy).await.unwrap();
    assert_eq!((nothing.events, nothing.accounts), (0, 0));
    fed.clock.advance_secs(401 * 86_400);
    let old = purge(app, policy).await.unwrap();
    assert!(old.events >= 1 && old.accounts == 0, "{old:?}");
    assert_eq!(stored().await, 0);
    fed.clock.advance_secs(3 * 365 * 86_400);
    let unused = purge(app, policy).await.unwrap();
    assert_eq!(unused.accounts, 1);
}
