//! SSO and session rules that must hold under attack and match
//! FranceConnect (docs/design.md §2): a service's `prompt=login` keeps SSO,
//! only a finished login opens SSO, every reuse re-checks the account, and
//! a session has an absolute lifetime.

use crate::browser::{login, to_consent, Browser};
use crate::harness::{authorize_url, Fed};

/// Logs `citizen` in to sp-a through impots; returns the account id.
async fn first_login(fed: &Fed, b: &Browser, citizen: &str) -> String {
    let done = login(
        b,
        &fed.base,
        &authorize_url(fed, "sp-a", &[]),
        "impots",
        citizen,
    )
    .await;
    assert!(done.location_params().contains_key("code"), "{}", done.body);
    account_of(citizen)
}

/// The account key of a demo citizen (the identity hash of their identity).
fn account_of(citizen: &str) -> String {
    let claims = (relais_demo::citizens::find(citizen).unwrap().claims)();
    let identity = relais_core::pivot::PivotIdentity::from_claims(
        claims.as_object().unwrap(),
        relais_core::Platform::Standard,
    )
    .unwrap();
    relais_core::subject::IdentityHash::of(&identity)
        .as_str()
        .to_owned()
}

fn goes_to_consent(location: Option<&str>) -> bool {
    location.is_some_and(|l| l.contains("/consent"))
}

#[tokio::test]
async fn a_services_prompt_login_keeps_sso() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let b = Browser::new();
    first_login(&fed, &b, "angela").await;
    let p = b
        .get(&authorize_url(&fed, "sp-b", &[("prompt", "login consent")]))
        .await;
    assert!(goes_to_consent(p.location.as_deref()), "{:?}", p.location);
}

#[tokio::test]
async fn a_flow_abandoned_at_consent_opens_no_sso() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let b = Browser::new();
    // Up to the consent page, never submitted.
    let consent = to_consent(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    assert!(consent.body.contains("/consent"), "{}", consent.body);
    // Another service in the same browser: chooser, not SSO.
    let p = b.get(&authorize_url(&fed, "sp-b", &[])).await;
    let loc = p.location.unwrap();
    assert!(
        loc.contains("/api/v2/interaction/") && !loc.contains("/consent"),
        "{loc}"
    );
}

#[tokio::test]
async fn sso_and_consent_recheck_the_account() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let accounts = fed.node.app.stores.accounts.clone();

    // The citizen blocks the IdP: SSO through it is refused.
    let b = Browser::new();
    let id = first_login(&fed, &b, "angela").await;
    let mut account = accounts.get_account(&id).await.unwrap().unwrap();
    account.blocked_idps = vec!["impots".into()];
    accounts.save_account(&account).await.unwrap();
    let p = b
        .follow(b.get(&authorize_url(&fed, "sp-b", &[])).await, &fed.base)
        .await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (403, Some("Y100011"))
    );

    // The operator disables the account: refused on SSO, and the session's
    // login is over (the next authorize shows the chooser).
    account.blocked_idps.clear();
    account.active = false;
    accounts.save_account(&account).await.unwrap();
    let p = b
        .follow(b.get(&authorize_url(&fed, "sp-b", &[])).await, &fed.base)
        .await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (403, Some("Y180001"))
    );
    let again = b.get(&authorize_url(&fed, "sp-b", &[])).await;
    assert!(!goes_to_consent(again.location.as_deref()));
    assert!(fed
        .events()
        .await
        .iter()
        .any(|e| e["event"] == "FC_LOGIN_REFUSED" && e["error"] == "Y180001"));

    // Disabled between the IdP and consent: no code is issued.
    account.active = true;
    accounts.save_account(&account).await.unwrap();
    let b = Browser::new();
    let consent = to_consent(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    account.active = false;
    accounts.save_account(&account).await.unwrap();
    let reached = |events: &[serde_json::Value]| {
        events
            .iter()
            .filter(|e| e["event"] == "FC_REDIRECTED_TO_SP")
            .count()
    };
    let before = reached(&fed.events().await);
    let refused = b.submit(&consent, &fed.base, "/consent", &[]).await;
    assert_eq!(refused.error_code().as_deref(), Some("Y180001"));
    assert!(!refused.location_params().contains_key("code"));
    // The account is judged once the code is written (in the statement
    // that stores the login's events, on PostgreSQL): the refused login
    // records no event of reaching the service, and its session is put
    // back as it was. Enabled again, the account's next authorize in this
    // browser is a new login at the chooser, not SSO to consent.
    assert_eq!(reached(&fed.events().await), before);
    account.active = true;
    accounts.save_account(&account).await.unwrap();
    let next = b.get(&authorize_url(&fed, "sp-b", &[])).await;
    assert_eq!(next.status, 303, "{:?}", next.location);
    assert!(
        !goes_to_consent(next.location.as_deref()),
        "{:?}",
        next.location
    );
}

#[tokio::test]
async fn a_session_lives_twelve_hours_at_most_even_when_active() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let b = Browser::new();
    first_login(&fed, &b, "angela").await;
    // Active every 25 minutes: sliding keeps the session alive...
    for _ in 0..28 {
        fed.clock.advance_secs(25 * 60);
        let p = b.get(&authorize_url(&fed, "sp-b", &[])).await;
        assert!(goes_to_consent(p.location.as_deref()), "{:?}", p.location);
    }
    // ...until 12 hours after it opened.
    fed.clock.advance_secs(25 * 60);
    let p = b.get(&authorize_url(&fed, "sp-b", &[])).await;
    assert!(!goes_to_consent(p.location.as_deref()), "{:?}", p.location);
}

/// Events name the account with a value keyed by the platform secret, not
/// the bare hash of the civil identity; it is stable across logins.
#[tokio::test]
async fn events_name_accounts_with_a_keyed_value() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let bare = first_login(&fed, &b, "angela").await;
    let b = Browser::new();
    first_login(&fed, &b, "angela").await;
    let ids: Vec<String> = fed
        .events()
        .await
        .iter()
        .filter(|e| e["event"] == "FC_VERIFIED" || e["event"] == "SP_REQUESTED_FC_TOKEN")
        .filter_map(|e| e["account_id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    assert!(ids.iter().all(|i| *i == ids[0]), "stable: {ids:?}");
    assert_ne!(ids[0], bare);
    assert!(!ids[0].contains(&bare));
    assert_eq!(ids[0].len(), 64);
}
