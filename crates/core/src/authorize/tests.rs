//! Unit tests of the parent module.
use super::*;
use crate::alg::JwsAlg;
use crate::partner::{IdpFilter, SpType};

fn sp() -> ServiceProvider {
    let mut sp = ServiceProvider::public(
        "c1",
        "c1",
        "Test",
        "s",
        vec!["https://sp.example/cb".into()],
        &["profile", "email"],
    );
    sp.idp_filter = IdpFilter::default();
    sp.sp_type = SpType::Public;
    sp.id_token_signed_response_alg = JwsAlg::ES256;
    sp
}

fn params(extra: &[(&str, &str)], drop: &str) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = [
        ("client_id", "c1"),
        ("redirect_uri", "https://sp.example/cb"),
        ("response_type", "code"),
        ("scope", "openid profile unknown_scope"),
        ("state", "st"),
        ("nonce", "n-0123456789012345678901"),
        ("acr_values", "eidas1"),
    ]
    .iter()
    .chain(extra.iter())
    .filter(|(k, _)| *k != drop)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let mut seen = std::collections::HashSet::new();
    p.retain(|(k, _)| seen.insert(k.clone()) || k == "state");
    p
}

fn run(p: &[(String, String)]) -> Result<AuthorizeRequest, AuthorizeRejection> {
    let raw = RawParams::parse(p)?;
    client_and_redirect(&raw)?;
    validate(&raw, &sp(), Platform::Standard, &|s| s == "dp_only_scope")
}

fn code_of(r: Result<AuthorizeRequest, AuthorizeRejection>) -> (&'static str, bool) {
    match r {
        Ok(_) => ("ok", false),
        Err(AuthorizeRejection::Page { code, .. }) => (code.code(), false),
        Err(AuthorizeRejection::Redirect { code, .. }) => (code.code(), true),
    }
}

#[test]
fn accepts_a_good_request_and_ignores_unknown_scopes() {
    let r = run(&params(&[], "")).unwrap();
    assert_eq!(r.scopes.to_oauth_string(), "openid profile");
    assert_eq!(r.acr, AcrLevel::Eidas1);
}

#[test]
fn missing_required_parameters_are_pages() {
    for k in [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "nonce",
        "acr_values",
    ] {
        assert_eq!(code_of(run(&params(&[], k))), ("Y030007", false), "{k}");
    }
}

#[test]
fn malformed_values() {
    let cases: &[(&str, &str, (&str, bool))] = &[
        ("nonce", "short", ("Y030007", false)),
        ("prompt", "none", ("Y030007", false)),
        ("prompt", "select_account", ("Y030007", false)),
        ("prompt", "", ("Y030007", false)),
        ("prompt", "login consent", ("ok", false)),
        ("scope", "profile", ("Y030013", true)),
        ("scope", "openid dgfip_rfr", ("Y030011", true)),
        ("scope", "openid dp_only_scope", ("Y030011", true)),
        ("acr_values", "eidas2", ("Y030012", true)),
        ("acr_values", "foo", ("ok", false)),
        ("claims", "{not json", ("Y030007", false)),
        (
            "claims",
            r#"{"id_token":{"amr":{"essential":true}}}"#,
            ("Y100009", false),
        ),
        ("response_type", "code id_token", ("Y030010", true)),
        ("response_type", "token", ("Y030010", true)),
        ("code_challenge_method", "plain", ("Y030007", false)),
        ("foo", "bar", ("Y030007", false)),
    ];
    for (k, v, expected) in cases {
        let p: Vec<(String, String)> = params(&[], k)
            .into_iter()
            .chain(std::iter::once(((*k).to_owned(), (*v).to_owned())))
            .collect();
        assert_eq!(code_of(run(&p)), *expected, "{k}={v}");
    }
}

#[test]
fn hybrid_response_types_go_in_the_fragment() {
    let p: Vec<_> = params(&[], "response_type")
        .into_iter()
        .chain(std::iter::once((
            "response_type".to_owned(),
            "code id_token".to_owned(),
        )))
        .collect();
    match run(&p) {
        Err(AuthorizeRejection::Redirect { in_fragment, .. }) => assert!(in_fragment),
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicates_are_refused() {
    let mut p = params(&[], "");
    p.push(("nonce".into(), "n-0123456789012345678901".into()));
    assert_eq!(code_of(run(&p)), ("Y030007", false));
}

#[test]
fn unknown_client_and_redirect() {
    assert_eq!(
        check_client(None, "https://sp.example/cb")
            .err()
            .map(|e| matches!(
                e,
                AuthorizeRejection::Page {
                    code: ErrorCode::UnknownClient,
                    ..
                }
            )),
        Some(true)
    );
    let s = sp();
    assert!(check_client(Some(&s), "https://sp.example/cb/").is_err());
    assert!(check_client(Some(&s), "https://sp.example/cb").is_ok());
}

/// A redirect URI that is not a URL is a malformed request whoever the
/// client is; one that is a URL but matches nothing registered is told
/// apart by the client (the URI is parsed only when it matches nothing).
#[test]
fn a_redirect_uri_that_is_not_a_url_is_malformed_for_any_client() {
    let code = |r: Result<(), AuthorizeRejection>| match r {
        Ok(()) => "ok",
        Err(AuthorizeRejection::Page { code, .. }) => code.code(),
        Err(AuthorizeRejection::Redirect { .. }) => "redirect",
    };
    let s = sp();
    let mut inactive = sp();
    inactive.active = false;
    for uri in ["not a url", "/relative/cb", "sp-a/cb", ""] {
        assert_eq!(code(check_client(Some(&s), uri)), "Y030007", "{uri}");
        assert_eq!(code(check_client(None, uri)), "Y030007", "{uri}");
        assert_eq!(code(check_client(Some(&inactive), uri)), "Y030007", "{uri}");
    }
    assert_eq!(code(check_client(Some(&s), "https://sp.example/cb")), "ok");
    assert_eq!(
        code(check_client(Some(&s), "https://sp.example/other")),
        ErrorCode::RedirectUriNotRegistered.code()
    );
    assert_eq!(
        code(check_client(None, "https://sp.example/cb")),
        ErrorCode::UnknownClient.code()
    );
    assert_eq!(
        code(check_client(Some(&inactive), "https://sp.example/cb")),
        ErrorCode::UnknownClient.code()
    );
}

fn run_oidc(p: &[(String, String)]) -> Result<AuthorizeRequest, AuthorizeRejection> {
    let mut sp = sp();
    sp.profile = crate::profile::IntegrationProfile::Oidc;
    let raw = RawParams::parse(p)?;
    client_and_redirect(&raw)?;
    validate(&raw, &sp, Platform::Standard, &|_| false)
}

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn oidc_profile_takes_a_generic_library_request() {
    // Authlib's defaults: a 20-character nonce, no acr_values, max_age.
    let mut p: Vec<_> = params(&[("max_age", "300")], "nonce")
        .into_iter()
        .filter(|(k, _)| k != "acr_values")
        .collect();
    p.push(("nonce".into(), "abcdefghij0123456789".into()));
    p.push(("login_hint".into(), "someone".into()));
    // MSAL's own parameters: ignored, as RFC 6749 §3.1 has it.
    p.push(("client_info".into(), "1".into()));
    p.push(("x-client-SKU".into(), "MSAL.JS".into()));
    let r = run_oidc(&p).unwrap();
    assert_eq!(r.nonce, "abcdefghij0123456789");
    assert_eq!(r.max_age, Some(300));
    assert_eq!(r.acr, AcrLevel::Eidas1);
    // FranceConnect's profile refuses each of these.
    assert_eq!(code_of(run(&p)), ("Y030007", false));
}

#[test]
fn oidc_profile_nonce_is_optional_only_with_pkce() {
    let without = params(&[], "nonce");
    assert_eq!(code_of(run_oidc(&without)), ("Y030007", false));
    let with_pkce = params(
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        "nonce",
    );
    assert_eq!(run_oidc(&with_pkce).unwrap().nonce, "");
    let no_state = params(
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
        "state",
    );
    assert_eq!(run_oidc(&no_state).unwrap().state, "");
    let short = params(&[("nonce", "0123456789")], "nonce");
    let short: Vec<_> = short
        .into_iter()
        .chain([("nonce".to_owned(), "0123456789".to_owned())])
        .collect();
    assert_eq!(code_of(run_oidc(&short)), ("Y030007", false));
}

#[test]
fn oidc_profile_prompt_none_and_response_mode() {
    let none = run_oidc(&params(&[("prompt", "none")], "")).unwrap();
    assert!(none.prompt_none);
    assert_eq!(
        code_of(run_oidc(&params(&[("prompt", "none login")], ""))),
        ("Y030007", false)
    );
    assert_eq!(
        code_of(run_oidc(&params(&[("response_mode", "form_post")], ""))),
        ("Y030016", true)
    );
    assert!(run_oidc(&params(&[("response_mode", "query")], "")).is_ok());
    assert_eq!(
        code_of(run_oidc(&params(&[("max_age", "-1")], ""))),
        ("Y030007", false)
    );
    assert_eq!(
        code_of(run(&params(&[("max_age", "60")], ""))),
        ("Y030007", false)
    );
}

#[test]
fn oidc_profile_answers_request_objects_and_registration_at_the_redirect() {
    for (name, code) in [("request", "Y030017"), ("registration", "Y030018")] {
        let p = params(&[(name, "eyJhbGciOiJub25lIn0.e30.")], "");
        match run_oidc(&p) {
            Err(AuthorizeRejection::Redirect { code: c, state, .. }) => {
                assert_eq!((c.code(), state.as_deref()), (code, Some("st")));
            }
            other => panic!("{name}: {other:?}"),
        }
        // FranceConnect's profile: an unexpected parameter, a page.
        assert_eq!(code_of(run(&p)), ("Y030007", false));
    }
    assert_eq!(
        ErrorCode::RequestNotSupported.oauth_error().0,
        "request_not_supported"
    );
}
