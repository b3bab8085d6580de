//! Unit tests of the onboarding rules.
use super::org::{normalise_email, slug};
use super::spec::{ScopeRequest, ServiceSpec};
use super::*;
use crate::partner::SpType;

fn spec(name: &str) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        redirect_uris: vec!["http://localhost:3000/callback".into()],
        post_logout_redirect_uris: vec![],
        scopes: vec![ScopeRequest {
            scope: "identite_pivot".into(),
            justification: "pré-remplir le formulaire d'inscription".into(),
        }],
        sp_type: SpType::Public,
        contact_email: "dev@mairie.example".into(),
        profile: Default::default(),
        jwks_uri: None,
    }
}

#[test]
fn versions_move_draft_submitted_published_and_roll_back() {
    let mut s = OnboardedService::new("cantine", "belleville", None, spec("Cantine"), "a@x.fr", 1);
    assert_eq!(s.sandbox_client_id, "sandbox-cantine");
    assert_eq!(s.approve("op", 2, "ok"), Err(Transition::NotSubmitted));
    assert_eq!(s.submit("a@x.fr", 2), Ok(1));
    assert_eq!(s.submit("a@x.fr", 2), Err(Transition::NoDraft));
    assert_eq!(s.approve("op", 3, "bienvenue"), Ok(1));
    assert_eq!(s.production_client_id.as_deref(), Some("cantine"));
    // A change after publication is a new draft; production keeps v1.
    s.edit(spec("Cantine scolaire"), "a@x.fr", 4);
    assert_eq!(s.versions.len(), 2);
    assert_eq!(s.published().map(|v| v.n), Some(1));
    assert_eq!(
        s.sandbox_spec().map(|x| x.name.as_str()),
        Some("Cantine scolaire")
    );
    s.submit("a@x.fr", 5).unwrap();
    assert_eq!(s.refuse("op", 6, "scope non justifié"), Ok(2));
    s.edit(spec("Cantine scolaire"), "a@x.fr", 7);
    s.submit("a@x.fr", 8).unwrap();
    s.approve("op", 9, "ok").unwrap();
    assert_eq!(s.published().map(|v| v.n), Some(3));
    assert_eq!(s.versions[0].state, VersionState::Superseded);
    // Rollback to v1: a new published version, v3 superseded.
    assert_eq!(s.rollback(2, "op", 10), Err(Transition::NeverPublished(2)));
    assert_eq!(s.rollback(1, "op", 10), Ok(4));
    assert_eq!(
        s.published().map(|v| (v.n, v.spec.name.as_str())),
        Some((4, "Cantine"))
    );
    assert_eq!(s.versions[2].state, VersionState::Superseded);
}

#[test]
fn specs_name_the_field_and_diff_against_production() {
    let data = |s: &str| s == "dgfip_rfr";
    assert!(spec("x").check(true, &data).is_ok());
    let mut bad = spec("x");
    bad.scopes[0].justification = " ".into();
    assert_eq!(
        bad.check(true, &data).unwrap_err().field,
        "scopes[0].justification"
    );
    bad = spec("x");
    bad.scopes.push(ScopeRequest {
        scope: "openid".into(),
        justification: "x".into(),
    });
    assert_eq!(bad.check(true, &data).unwrap_err().field, "scopes[1]");
    bad = spec("x");
    bad.redirect_uris[0] = "http://example.org/cb".into();
    assert_eq!(
        bad.check(false, &data).unwrap_err().field,
        "redirect_uris[0]"
    );
    bad = spec("x");
    bad.contact_email = "nobody".into();
    assert_eq!(bad.check(true, &data).unwrap_err().field, "contact_email");
    let mut next = spec("x");
    next.redirect_uris.push("http://localhost:3000/cb2".into());
    let d = next.diff(Some(&spec("x")));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, "redirect_uris");
    assert_eq!(spec("x").diff(None).len(), 6, "every filled field is new");
}

#[test]
fn slugs_and_emails() {
    assert_eq!(
        slug("Mairie de Saint-Étienne-du-Rouvray").as_deref(),
        Some("mairie-de-saint-etienne-du-rouvray")
    );
    assert_eq!(slug("  !!! "), None);
    assert_eq!(
        normalise_email(" Dev@Mairie.Example ").as_deref(),
        Some("dev@mairie.example")
    );
    assert_eq!(normalise_email("a@b"), None);
    assert_eq!(normalise_email("a b@c.fr"), None);
}
