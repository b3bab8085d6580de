//! The national register check (Standard): identities corrected, unknown,
//! ambiguous and deceased persons refused with their codes and a way out,
//! outages refused (or let through with an event when the operator
//! degrades), and SSO logins not checked again.

use crate::browser::{login, sso, to_consent, Browser};
use crate::harness::{authorize_url, Fed};
use relais::config::Config;

async fn failures(fed: &Fed) -> Vec<serde_json::Value> {
    fed.events()
        .await
        .into_iter()
        .filter(|e| e["event"] == "FC_REGISTER_UNAVAILABLE")
        .collect()
}

#[tokio::test]
async fn the_register_corrects_identities_and_refuses_who_it_must() {
    let fed = Fed::start_configured(false, |c: &mut Config| {
        c.civil_register.timeout_ms = Some(300)
    })
    .await;
    let scope = [("scope", "openid birthdate idp_birthdate given_name")];
    let consent = to_consent(
        &Browser::new(),
        &fed.base,
        &authorize_url(&fed, "sp-a", &scope),
        "impots",
        "louis",
    )
    .await;
    let text = crate::browser::html_unescape(&consent.body);
    assert!(
        text.contains("<dd>1er janvier 1950</dd>"),
        "corrected date: {text}"
    );
    assert!(
        text.contains("<dd>1950</dd>"),
        "the IdP's presumed date kept as idp_birthdate: {text}"
    );

    for (citizen, code) in [
        ("gaston", "Y010015"),
        ("dominique", "Y010006"),
        ("claude", "Y010008"),
        ("registre-panne", "Y010012"),
        ("registre-lent", "Y010011"),
    ] {
        let page = to_consent(
            &Browser::new(),
            &fed.base,
            &authorize_url(&fed, "sp-a", &[]),
            "impots",
            citizen,
        )
        .await;
        assert_eq!(
            page.error_code().as_deref(),
            Some(code),
            "{citizen}: {}",
            page.body
        );
        let text = crate::browser::html_unescape(&page.body);
        if code.starts_with("Y01001") && code != "Y010015" {
            assert!(text.contains("Revenir sur le service"), "{citizen}");
        } else {
            assert!(
                text.contains("Choisir un autre compte"),
                "{citizen}: another account"
            );
        }
        assert!(!text.contains("décédé"), "never said bluntly");
    }
    let down = failures(&fed).await;
    assert_eq!(down.len(), 2, "timeout and outage are events: {down:?}");
    assert!(down.iter().all(|e| e["reason"] == "login refused"));
}

#[tokio::test]
async fn an_operator_may_degrade_and_sso_is_not_checked_again() {
    let fed = Fed::start_configured(false, |c: &mut Config| {
        c.civil_register.on_outage = relais_core::civil_register::OutagePolicy::Degrade;
    })
    .await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let b = Browser::new();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "registre-panne",
    )
    .await;
    assert!(
        done.location.as_deref().unwrap_or("").contains("code="),
        "{}",
        done.body
    );
    let down = failures(&fed).await;
    assert_eq!(down.len(), 1);
    assert_eq!(down[0]["error"], "Y010012");
    assert_eq!(down[0]["reason"], "degraded: identity not checked");
    // SSO on another service: no IdP, no register call, no new event.
    let done = sso(&b, &fed.base, &authorize_url(&fed, "sp-b", &[])).await;
    assert!(done.location.as_deref().unwrap_or("").contains("code="));
    assert_eq!(failures(&fed).await.len(), 1);
}

#[tokio::test]
async fn plus_and_nodes_without_a_register_do_not_check() {
    let fed = Fed::start_configured(false, |c: &mut Config| {
        c.civil_register.mode = Some(relais::config::RegisterMode::Off);
    })
    .await;
    let done = login(
        &Browser::new(),
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "claude",
    )
    .await;
    assert!(
        done.location.as_deref().unwrap_or("").contains("code="),
        "unchecked: {}",
        done.body
    );
}
