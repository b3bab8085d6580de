//! What a login step writes once, and never for nothing: two consents at
//! once give one code; a made-up interaction URL stores nothing, nor does
//! a refused pick at the chooser; an IdP answer to an attempt made before
//! states named their interaction (a node upgraded mid-login) still
//! completes.

use crate::browser::{idp_answer_from, to_consent, to_idp_answer, Browser, Page};
use crate::harness::{authorize_url, Fed};
/// Jean at the consent page of `sp-a` (through the tax office's IdP): the
/// page, and its form's action.
async fn at_consent(fed: &Fed, b: &Browser) -> (Page, String) {
    let consent = to_consent(
        b,
        &fed.base,
        &authorize_url(fed, "sp-a", &[]),
        "impots",
        "jean",
    )
    .await;
    let (action, _) = consent.form("/consent");
    (consent, action)
}

/// The chooser of a new login to `sp-a`.
async fn at_chooser(fed: &Fed, b: &Browser) -> Page {
    let url = authorize_url(fed, "sp-a", &[]);
    b.follow(b.get(&url).await, &fed.base).await
}

/// Jean back from the tax office's IdP for `sp-a`, the answer not followed
/// yet: the chooser page, and the federation's callback URL.
async fn at_idp_answer(fed: &Fed, b: &Browser) -> (Page, String) {
    let (chooser, back) = to_idp_answer(
        b,
        &fed.base,
        &authorize_url(fed, "sp-a", &[]),
        "impots",
        "jean",
    )
    .await;
    let callback = back.location.clone().expect("back to the federation");
    (chooser, callback)
}

/// A double click, or the consent page open in two tabs: each form has its
/// own token, both are sent at once; exactly one gets a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consents_at_once_issue_one_code() {
    let fed = Fed::start().await;
    for _ in 0..5 {
        let b = Browser::new();
        let (first, action) = at_consent(&fed, &b).await;
        let second = b.get(&format!("{}{action}", fed.base)).await;
        assert_eq!(second.status, 200, "{}", second.body);
        let (x, y) = tokio::join!(
            b.submit(&first, &fed.base, "/consent", &[("consent", "yes")]),
            b.submit(&second, &fed.base, "/consent", &[("consent", "yes")]),
        );
        let codes = [&x, &y]
            .iter()
            .filter(|p| p.location_params().contains_key("code"))
            .count();
        assert_eq!(codes, 1, "one code: {:?} / {:?}", x.location, y.location);
        let refused = if x.location_params().contains_key("code") {
            &y
        } else {
            &x
        };
        assert_eq!(
            (refused.status, refused.error_code().as_deref()),
            (400, Some("Y420001"))
        );
    }
}

/// The other tab's submission took the login's `ready:` marker between
/// this one's checks and its writes: this one writes nothing.
#[tokio::test]
async fn a_consent_that_lost_the_race_writes_nothing() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let (consent, action) = at_consent(&fed, &b).await;
    let uid = action
        .trim_end_matches("/consent")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let store = &fed.node.app.stores.ephemeral;
    assert!(store.take(&format!("ready:{uid}")).await.unwrap().is_some());
    let before = fed.store_entries();
    let lost = b
        .submit(&consent, &fed.base, "/consent", &[("consent", "yes")])
        .await;
    assert_eq!(
        (lost.status, lost.error_code().as_deref()),
        (400, Some("Y420001")),
        "{:?}",
        lost.location
    );
    // Its form token was taken; no code, no session or interaction write.
    assert_eq!(fed.store_entries(), before - 1);
}

/// The chooser and the information page write their form's token in the
/// trip that reads the page's records — only beside a real interaction.
#[tokio::test]
async fn a_made_up_interaction_url_stores_nothing() {
    let fed = Fed::start().await;
    let b = Browser::new();
    // A live session, so only the interaction is made up.
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    assert_eq!(chooser.status, 200);
    let before = fed.store_entries();
    for path in [
        "AAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAA/consent",
    ] {
        let p = b
            .get(&format!("{}/api/v2/interaction/{path}", fed.base))
            .await;
        assert_eq!(p.error_code().as_deref(), Some("Y190001"), "{}", p.body);
    }
    assert_eq!(
        fed.store_entries(),
        before,
        "no form token for a made-up interaction"
    );
    // The real one still gets its token.
    let again = b
        .get(&format!(
            "{}{}",
            fed.base,
            chooser.form("/idp").0.replace("/idp", "")
        ))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(fed.store_entries(), before + 1);
}

/// A pick at the chooser writes its IdP attempt in the trip that takes the
/// form's token, ahead of its checks: a pick the step then refuses leaves
/// no attempt behind, and a pick it accepts leaves exactly one.
#[tokio::test]
async fn a_refused_pick_at_the_chooser_leaves_no_attempt() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let first = at_chooser(&fed, &b).await;
    let second = at_chooser(&fed, &b).await;
    assert_eq!((first.status, second.status), (200, 200));

    // The first interaction's token sent with the second's form: taken,
    // then refused as another form's.
    let (_, first_fields) = first.form("/idp");
    let (second_action, _) = second.form("/idp");
    let mut fields = first_fields;
    fields.push(("idp".into(), "impots".into()));
    let crossed = refused_pick(
        &fed,
        b.post(&format!("{}{second_action}", fed.base), &fields),
    )
    .await;
    assert_eq!(crossed.status, 401, "{}", crossed.body);

    // A disabled IdP, with the form's own token.
    let mut idp = fed.node.app.registry.idp("msa").unwrap().as_ref().clone();
    idp.active = false;
    fed.register_idp(idp).await;
    let greyed = refused_pick(
        &fed,
        b.submit(&second, &fed.base, "/idp", &[("idp", "msa")]),
    )
    .await;
    assert_eq!(
        greyed.error_code().as_deref(),
        Some("Y020017"),
        "{} {}",
        greyed.status,
        greyed.body
    );

    // An accepted pick: its token for its attempt.
    let again = at_chooser(&fed, &b).await;
    let before = fed.store_entries();
    let to_idp = b
        .submit(&again, &fed.base, "/idp", &[("idp", "impots")])
        .await;
    assert_eq!(to_idp.status, 303, "{}", to_idp.body);
    assert!(to_idp.location.unwrap().contains("state="));
    assert_eq!(fed.store_entries(), before, "token taken, attempt stored");

    // The chooser open in two tabs: the login finished from one, the pick
    // in the other finds its interaction done.
    let tab = at_chooser(&fed, &b).await;
    let other_tab = b.get(&format!("{}{}", fed.base, chooser_path(&tab))).await;
    assert_eq!(other_tab.status, 200);
    let back = idp_answer_from(&b, &fed.base, &tab, "impots", "jean").await;
    let consent = b.follow(back, &fed.base).await;
    let done = b
        .submit(&consent, &fed.base, "/consent", &[("consent", "yes")])
        .await;
    assert!(done.location_params().contains_key("code"), "{}", done.body);
    let late = refused_pick(
        &fed,
        b.submit(&other_tab, &fed.base, "/idp", &[("idp", "impots")]),
    )
    .await;
    assert_eq!(
        late.error_code().as_deref(),
        Some("Y420001"),
        "{}",
        late.body
    );
}

/// Sends a pick the chooser refuses: its form token is taken, and the
/// attempt it wrote beside it is gone again.
async fn refused_pick(fed: &Fed, pick: impl std::future::Future<Output = Page>) -> Page {
    let before = fed.store_entries();
    let page = pick.await;
    assert_eq!(fed.store_entries(), before - 1, "token taken, no attempt");
    page
}

/// The chooser's own URL, from its form's action.
fn chooser_path(chooser: &Page) -> String {
    chooser.form("/idp").0.trim_end_matches("/idp").to_owned()
}

/// A node that named no interaction in its IdP state started this login;
/// the callback reads the interaction the attempt names instead.
#[tokio::test]
async fn an_idp_state_without_its_interaction_still_completes() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let (_, callback) = at_idp_answer(&fed, &b).await;
    let state = callback
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("state="))
        .expect("a state")
        .to_owned();
    assert!(
        state.contains('.'),
        "the state names its interaction: {state}"
    );
    // Move the attempt to a state in the earlier form (hex only).
    let store = &fed.node.app.stores.ephemeral;
    let attempt = store
        .take(&format!("idp:{state}"))
        .await
        .unwrap()
        .expect("the attempt");
    let old_state = "ab".repeat(32);
    store
        .put(&format!("idp:{old_state}"), &attempt, 600)
        .await
        .unwrap();
    let consent = b
        .follow(
            b.get(&callback.replace(&format!("state={state}"), &format!("state={old_state}")))
                .await,
            &fed.base,
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let done = b
        .submit(&consent, &fed.base, "/consent", &[("consent", "yes")])
        .await;
    assert!(
        done.location_params().contains_key("code"),
        "{:?}",
        done.location
    );
    // The same old state again: single use.
    let replay = b
        .get(&callback.replace(&format!("state={state}"), &format!("state={old_state}")))
        .await;
    assert_eq!(
        replay.error_code().as_deref(),
        Some("Y020022"),
        "{}",
        replay.body
    );
    // A prefix that cannot be an interaction id changes nothing: an
    // unknown state, as any other.
    let odd = format!("{}.{}", "A".repeat(65), "ab".repeat(20));
    let odd = b
        .get(&callback.replace(&format!("state={state}"), &format!("state={odd}")))
        .await;
    assert_eq!(odd.error_code().as_deref(), Some("Y020022"), "{}", odd.body);
}

/// "Back to the service" from the chooser still open in another tab while
/// the IdP's page was being filled: the service got `access_denied`. The
/// IdP's answer arriving afterwards opens no consent and issues no code,
/// and every page of the finished login says so (what the store keeps of
/// it is only its id, its session and its step).
#[tokio::test]
async fn an_idp_answer_after_back_to_the_service_is_refused() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let (chooser, callback) = at_idp_answer(&fed, &b).await;
    let (idp_action, _) = chooser.form("/idp");

    let cancel = b
        .get(&format!(
            "{}{}",
            fed.base,
            idp_action.replace("/idp", "/cancel")
        ))
        .await;
    let denied = cancel.location_params();
    assert_eq!(
        denied.get("error").map(String::as_str),
        Some("access_denied"),
        "{:?}",
        cancel.location
    );

    let late = b.get(&callback).await;
    assert_eq!(
        (late.status, late.error_code().as_deref()),
        (400, Some("Y420001")),
        "{:?} {}",
        late.location,
        late.body
    );
    let before = fed.store_entries();
    for path in [
        idp_action.replace("/idp", ""),
        idp_action.replace("/idp", "/cancel"),
    ] {
        let again = b.get(&format!("{}{path}", fed.base)).await;
        assert_eq!(
            (again.status, again.error_code().as_deref()),
            (400, Some("Y420001")),
            "{path}: {}",
            again.body
        );
    }
    // The refused pages left no form token behind.
    assert_eq!(fed.store_entries(), before);
}

/// "Back to the service" from the consent page, then the consent form
/// sent from another tab: the service got `access_denied`, and no code
/// follows it.
#[tokio::test]
async fn a_consent_after_back_to_the_service_issues_no_code() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let (consent, action) = at_consent(&fed, &b).await;
    let cancel = b
        .get(&format!(
            "{}{}",
            fed.base,
            action.replace("/consent", "/cancel")
        ))
        .await;
    assert_eq!(
        cancel.location_params().get("error").map(String::as_str),
        Some("access_denied"),
        "{:?}",
        cancel.location
    );
    let late = b
        .submit(&consent, &fed.base, "/consent", &[("consent", "yes")])
        .await;
    assert_eq!(
        (late.status, late.error_code().as_deref()),
        (400, Some("Y420001")),
        "{:?}",
        late.location
    );
}
