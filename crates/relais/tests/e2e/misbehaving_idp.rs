//! A misbehaving upstream IdP must never get a login through: the citizen
//! sees the right error page, nothing is stored, and an event says why.
//! Also the pivot-identity refusals and acceptances, through a real IdP answer.

use crate::browser::{Browser, Page};
use crate::fake_idp::{good_claims, FakeIdp, Mode};
use crate::harness::{authorize_url, Fed};
use serde_json::{json, Value};

async fn setup() -> (Fed, FakeIdp) {
    // The fake IdP's people are not in the demo's civil register: these
    // tests are about the IdP's answers, so the register is off.
    let fed = Fed::start_configured(false, |c| {
        c.civil_register.mode = Some(relais::config::RegisterMode::Off)
    })
    .await;
    let fake = FakeIdp::start(fed.clock.clone()).await;
    fed.register_idp(fake.config()).await;
    (fed, fake)
}

/// Authorize → chooser → pick the fake IdP → callback outcome.
async fn attempt(fed: &Fed) -> (Browser, Page) {
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(fed, "sp-a", &[])).await, &fed.base)
        .await;
    let to_idp = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "fake")])
        .await;
    let at_fake = b.get(to_idp.location.as_deref().unwrap()).await;
    let back = b.get(at_fake.location.as_deref().unwrap()).await;
    (b, back)
}

#[tokio::test]
async fn every_misbehaviour_is_refused_with_its_code() {
    let (fed, fake) = setup().await;
    let cases = [
        (Mode::BadSignature, "Y020026"),
        (Mode::UnknownKid, "Y020026"),
        (Mode::AlgNone, "Y020026"),
        (Mode::WrongIss, "Y020026"),
        (Mode::WrongAud, "Y020026"),
        (Mode::WrongNonce, "Y020026"),
        (Mode::Expired, "Y020026"),
        (Mode::MissingIdToken, "Y020026"),
        (Mode::SubMismatch, "Y020029"),
        (Mode::NoAcr, "Y100001"),
        (Mode::AcrNotAllowed, "Y100018"),
        (Mode::TokenGarbage, "Y020026"),
        (Mode::Token500, "Y020026"),
        (Mode::Userinfo500, "Y020027"),
        (Mode::UserinfoGarbage, "Y020027"),
        (Mode::SlowToken, "Y020026"),
    ];
    for (mode, code) in cases {
        fake.set(mode);
        let (_, page) = attempt(&fed).await;
        assert_eq!(
            page.error_code().as_deref(),
            Some(code),
            "{mode:?}: {}",
            page.body
        );
        assert!(page.status >= 400, "{mode:?}");
        assert!(
            page.body.contains("/cancel"),
            "back-to-service link on {mode:?}"
        );
    }
    let events = fed.events().await;
    let refused: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "FC_LOGIN_REFUSED")
        .collect();
    assert_eq!(
        refused.len(),
        cases.len(),
        "one refusal event per attempt, saying why"
    );
    assert!(refused
        .iter()
        .all(|e| e["reason"].is_string() && e["error"].is_string()));
    assert!(
        !events.iter().any(|e| e["event"] == "FC_VERIFIED"),
        "no login got through"
    );
    let identity = relais_core::pivot::PivotIdentity::from_claims(
        good_claims().as_object().unwrap(),
        relais_core::Platform::Standard,
    )
    .unwrap();
    let id = relais_core::subject::IdentityHash::of(&identity);
    assert_eq!(
        fed.node
            .app
            .stores
            .accounts
            .get_account(id.as_str())
            .await
            .unwrap(),
        None,
        "no account stored by refused logins"
    );
    // the good path works with the same IdP, times written with a
    // fraction of a second too
    fake.set(Mode::FractionalTimes);
    let (_, page) = attempt(&fed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location.unwrap().contains("/consent"));
    fake.set(Mode::Good);
    let (_, page) = attempt(&fed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location.unwrap().contains("/consent"));
    assert!(fed
        .node
        .app
        .stores
        .accounts
        .get_account(id.as_str())
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn idp_error_returns_to_the_chooser_with_a_banner() {
    let (fed, fake) = setup().await;
    fake.set(Mode::ErrorAtAuthorize);
    let (b, back) = attempt(&fed).await;
    assert_eq!(back.status, 303);
    let chooser = b.follow(back, &fed.base).await;
    assert_eq!(chooser.status, 200);
    assert!(
        chooser.body.contains("role=\"alert\"") && chooser.body.contains("Fake IdP"),
        "{}",
        chooser.body
    );
    assert!(fed
        .event_names()
        .await
        .iter()
        .any(|e| e == "IDP_CALLEDBACK_WITH_ERROR"));
    // Shown again on a reload, until the citizen picks again: back from
    // the next IdP, the chooser no longer says the last one failed.
    let reloaded = b
        .get(&format!("{}{}", fed.base, chooser_path(&chooser)))
        .await;
    assert!(
        reloaded.body.contains("role=\"alert\""),
        "{}",
        reloaded.body
    );
    fake.set(Mode::Good);
    let to_idp = b
        .submit(&reloaded, &fed.base, "/idp", &[("idp", "fake")])
        .await;
    assert_eq!(to_idp.status, 303, "{}", to_idp.body);
    let back = b
        .get(&format!("{}{}", fed.base, chooser_path(&chooser)))
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(!back.body.contains("role=\"alert\""), "{}", back.body);
}

/// The chooser's own URL, from its form's action.
fn chooser_path(chooser: &crate::browser::Page) -> String {
    chooser.form("/idp").0.trim_end_matches("/idp").to_owned()
}

#[tokio::test]
async fn callback_state_checks() {
    let (fed, _fake) = setup().await;
    let b = Browser::new();
    let _ = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    let p = b
        .get(&format!("{}/idp/callback?code=x", fed.issuer()))
        .await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (400, Some("Y020021"))
    );
    let p = b
        .get(&format!(
            "{}/idp/callback?code=x&state=forged",
            fed.issuer()
        ))
        .await;
    assert_eq!(
        (p.status, p.error_code().as_deref()),
        (403, Some("Y020022"))
    );
    // a state from another browser is refused too
    let (_, page) = {
        let other = Browser::new();
        let chooser = other
            .follow(
                other.get(&authorize_url(&fed, "sp-a", &[])).await,
                &fed.base,
            )
            .await;
        let to_idp = other
            .submit(&chooser, &fed.base, "/idp", &[("idp", "fake")])
            .await;
        let loc = to_idp.location.unwrap();
        let state = url::Url::parse(&loc)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        (
            other,
            b.get(&format!(
                "{}/idp/callback?code=x&state={state}",
                fed.issuer()
            ))
            .await,
        )
    };
    assert_eq!(page.error_code().as_deref(), Some("Y020022"));
}

fn with(k: &str, v: Value) -> Value {
    let mut c = good_claims();
    if v.is_null() {
        c.as_object_mut().unwrap().remove(k);
    } else {
        c[k] = v;
    }
    c
}

#[tokio::test]
async fn pivot_identity_refusals_and_acceptances() {
    let (fed, fake) = setup().await;
    let refused = [
        with("gender", Value::Null),
        with("birthplace", json!("7510X")),
        with("birthplace", json!("")),
        with("birthcountry", json!("France")),
        with("birthdate", json!("05/05/1980")),
        with("given_name", json!("")),
        with("family_name", json!("")),
        with("email", Value::Null),
    ];
    for claims in refused {
        fake.set_claims(claims.clone());
        let (_, page) = attempt(&fed).await;
        assert_eq!(page.error_code().as_deref(), Some("Y600006"), "{claims}");
    }
    let accepted = [
        with("birthdate", json!("1980-05-00")),
        with("birthdate", json!("1980-00-00")),
        with("birthplace", json!("2A004")),
        json!({"sub": "fake-sub-1", "given_name": "Amina", "family_name": "BENALI", "birthdate": "1990-11-30", "gender": "female",
            "birthplace": "", "birthcountry": "99350", "email": "a@b.fr"}),
        with("given_name", json!("Éloïse-Anaïs Zoé")),
        with("family_name", json!("ROUSSEAU-MÜLLER")),
    ];
    for claims in accepted {
        fake.set_claims(claims.clone());
        let (_, page) = attempt(&fed).await;
        assert_eq!(page.status, 303, "{claims}: {}", page.body);
    }
}

#[tokio::test]
async fn disabled_accounts_cannot_log_in() {
    let (fed, _fake) = setup().await;
    let (_, page) = attempt(&fed).await;
    assert_eq!(page.status, 303);
    let identity = relais_core::pivot::PivotIdentity::from_claims(
        good_claims().as_object().unwrap(),
        relais_core::Platform::Standard,
    )
    .unwrap();
    let id = relais_core::subject::IdentityHash::of(&identity);
    let mut account = fed
        .node
        .app
        .stores
        .accounts
        .get_account(id.as_str())
        .await
        .unwrap()
        .expect("account recorded");
    account.active = false;
    fed.node
        .app
        .stores
        .accounts
        .save_account(&account)
        .await
        .unwrap();
    let (_, page) = attempt(&fed).await;
    assert_eq!(
        (page.status, page.error_code().as_deref()),
        (403, Some("Y180001"))
    );
    account.active = true;
    account.blocked_idps = vec!["fake".into()];
    fed.node
        .app
        .stores
        .accounts
        .save_account(&account)
        .await
        .unwrap();
    let (_, page) = attempt(&fed).await;
    assert_eq!(
        (page.status, page.error_code().as_deref()),
        (403, Some("Y100011"))
    );
}

#[tokio::test]
async fn assumed_acr_lets_a_standard_provider_without_eidas_levels_in() {
    let (fed, fake) = setup().await;
    fake.set(Mode::NoAcr);
    let (_, page) = attempt(&fed).await;
    assert_eq!(
        page.error_code().as_deref(),
        Some("Y100001"),
        "strict by default"
    );
    let mut cfg = fake.config();
    cfg.assumed_acr = Some(relais_core::AcrLevel::Eidas1);
    fed.register_idp(cfg).await;
    let (_, page) = attempt(&fed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(page.location.unwrap().contains("/consent"));
}

/// RFC 9207 mix-up defence: a callback whose `iss` names another IdP than
/// the one the state was issued for is refused; its own `iss` is accepted.
#[tokio::test]
async fn callback_iss_must_be_the_idp_the_state_was_issued_for() {
    let (fed, fake) = setup().await;
    fake.set(Mode::ForeignCallbackIss);
    let (_, page) = attempt(&fed).await;
    assert_eq!(
        (page.status, page.error_code().as_deref()),
        (403, Some("Y020022")),
        "{}",
        page.body
    );
    assert!(fed
        .events()
        .await
        .iter()
        .any(|e| e["event"] == "FC_LOGIN_REFUSED" && e["error"] == "Y020022"));
    fake.set(Mode::CallbackIss);
    let (b, page) = attempt(&fed).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let consent = b.follow(page, &fed.base).await;
    assert!(consent.body.contains("/consent"), "{}", consent.body);
}

/// An IdP's key set is not trusted forever: after the IdP replaces its key
/// under the same kid, logins fail on the cached set until it is an hour
/// old, then the set is fetched again and logins work.
#[tokio::test]
async fn idp_keys_are_fetched_again_after_an_hour() {
    let (fed, fake) = setup().await;
    let (_, page) = attempt(&fed).await;
    assert_eq!(
        page.status, 303,
        "first login caches the keys: {}",
        page.body
    );
    fake.set(Mode::RotatedKey);
    let (_, page) = attempt(&fed).await;
    assert_eq!(page.error_code().as_deref(), Some("Y020026"));
    fed.clock.advance_secs(61 * 60);
    let (_, page) = attempt(&fed).await;
    assert_eq!(page.status, 303, "keys fetched again: {}", page.body);
}
