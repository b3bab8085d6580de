//! Interoperability: a strict third-party OIDC client (the `openidconnect`
//! crate) logs in through every demo IdP, validates the ID token and the
//! signed userinfo, and checks claims and the pairwise `sub` formula.

use crate::browser::{login, Browser};
use crate::harness::{Fed, SP_SECRET};
use openidconnect::core::{
    CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationContextClass, AuthenticationFlow, AuthorizationCode, ClientId,
    ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse, UserInfoClaims,
};
use relais_core::pivot::PivotIdentity;
use relais_core::subject::{IdentityHash, PairwiseSub};
use relais_core::Platform;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FcClaims {
    birthplace: Option<String>,
    birthcountry: Option<String>,
}
impl AdditionalClaims for FcClaims {}

#[derive(Debug)]
pub struct HttpError(String);
impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for HttpError {}

/// openidconnect's HTTP client hook, on reqwest, never following redirects.
pub async fn http_client(
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| HttpError(e.to_string()))?;
    let (parts, body) = req.into_parts();
    let resp = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let mut builder = http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        builder = builder.header(k, v);
    }
    let bytes = resp.bytes().await.map_err(|e| HttpError(e.to_string()))?;
    builder
        .body(bytes.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}

pub struct LoginResult {
    pub sub: String,
    pub id_token_claims: serde_json::Value,
    pub userinfo: UserInfoClaims<FcClaims, CoreGenderClaim>,
    pub id_token: String,
}

/// Logs `citizen` in through `idp` for service `client_id` with the third-party client.
pub async fn third_party_login(
    fed: &Fed,
    b: &Browser,
    client_id: &str,
    idp: &str,
    citizen: &str,
    scopes: &[&str],
) -> LoginResult {
    let http = http_client;
    let meta = CoreProviderMetadata::discover_async(IssuerUrl::new(fed.issuer()).unwrap(), &http)
        .await
        .unwrap();
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(client_id.into()),
        Some(ClientSecret::new(SP_SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(format!("http://127.0.0.1:9/{client_id}/cb")).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .add_auth_context_value(AuthenticationContextClass::new("eidas1".into()));
    for s in scopes {
        req = req.add_scope(Scope::new((*s).into()));
    }
    let (url, csrf, nonce) = req.url();
    let done = login(b, &fed.base, url.as_str(), idp, citizen).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let params = done.location_params();
    assert_eq!(params.get("state"), Some(csrf.secret()));
    assert_eq!(
        params.get("iss"),
        Some(&fed.issuer()),
        "RFC 9207 iss on the authorization response"
    );
    let code = params.get("code").expect("code").clone();
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().expect("id_token");
    let verifier = client.id_token_verifier().set_allowed_algs([
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::HmacSha256,
    ]);
    let claims = id_token.claims(&verifier, &nonce).unwrap();
    let sub = claims.subject().to_string();
    let userinfo: UserInfoClaims<FcClaims, CoreGenderClaim> = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .require_signed_response(true)
        .request_async(&http)
        .await
        .unwrap();
    let raw = id_token.to_string();
    let payload = raw.split('.').nth(1).unwrap();
    let id_token_claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    LoginResult {
        sub,
        id_token_claims,
        userinfo,
        id_token: raw,
    }
}

fn expected_sub(entity: &str, citizen: &str) -> String {
    let claims = (relais_demo::citizens::find(citizen).unwrap().claims)();
    let identity =
        PivotIdentity::from_claims(claims.as_object().unwrap(), Platform::Standard).unwrap();
    PairwiseSub::derive(
        entity,
        &IdentityHash::of(&identity),
        relais::node::DEMO_SUB_SECRET.as_bytes(),
    )
    .to_string()
}

#[tokio::test]
async fn every_demo_idp_logs_in_with_a_third_party_client() {
    let fed = Fed::start().await;
    let mut subs = Vec::new();
    for idp in ["impots", "ameli", "laposte", "mobileconnect", "msa"] {
        let b = Browser::new();
        let r = third_party_login(
            &fed,
            &b,
            "sp-a",
            idp,
            "jean",
            &["profile", "birth", "email"],
        )
        .await;
        let c = &r.id_token_claims;
        let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "acr",
                "aud",
                "auth_time",
                "exp",
                "iat",
                "iss",
                "nonce",
                "sub"
            ],
            "exact ID token claims via {idp}"
        );
        assert_eq!(c["acr"], "eidas1");
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
        let u = &r.userinfo;
        assert_eq!(
            u.given_name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            Some("Jean".into())
        );
        assert_eq!(
            u.family_name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            Some("DUPONT".into())
        );
        assert_eq!(
            u.email().map(|e| e.to_string()),
            Some("jean.dupont@example.fr".into())
        );
        assert_eq!(u.additional_claims().birthplace.as_deref(), Some("75107"));
        assert_eq!(u.additional_claims().birthcountry.as_deref(), Some("99100"));
        assert_eq!(
            u.birthdate().map(|d| d.to_string()),
            Some("1970-01-01".into())
        );
        assert_eq!(r.sub.len(), 66);
        subs.push(r.sub);
    }
    assert!(
        subs.windows(2).all(|w| w[0] == w[1]),
        "same person via different IdPs gets the same sub"
    );
    assert_eq!(
        subs[0],
        expected_sub("org-a", "jean"),
        "sub = hex(sha256(entity ‖ identityHash ‖ secret)) + v1"
    );
    let names = fed.event_names().await;
    for e in [
        "FC_AUTHORIZE_INITIATED",
        "FC_SHOWED_IDP_CHOICE",
        "IDP_CHOSEN",
        "IDP_CALLEDBACK",
        "FC_REQUESTED_IDP_TOKEN",
        "FC_REQUESTED_IDP_USERINFO",
        "FC_VERIFIED",
        "FC_SHOWED_CONSENT",
        "FC_DATATRANSFER_INFORMATION_IDENTITY",
        "FC_REDIRECTED_TO_SP",
        "SP_REQUESTED_FC_TOKEN",
        "SP_REQUESTED_FC_USERINFO",
        "SP_REQUESTED_FC_JWKS",
    ] {
        assert!(names.iter().any(|n| n == e), "event {e} missing");
    }
    let text = std::fs::read_to_string(&fed.events_path).unwrap();
    assert!(
        !text.contains("DUPONT") && !text.contains("jean.dupont"),
        "events never carry claim values"
    );
    assert_eq!(
        fed.node
            .app
            .stores
            .events
            .count_events("FC_VERIFIED")
            .await
            .unwrap(),
        5,
        "FC_VERIFIED kept in the store"
    );
}

#[tokio::test]
async fn subs_per_organisation() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-a2", "org-a")).await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let mut subs = Vec::new();
    for sp in ["sp-a", "sp-a2", "sp-b"] {
        let b = Browser::new();
        subs.push(
            third_party_login(&fed, &b, sp, "impots", "angela", &["openid"])
                .await
                .sub,
        );
    }
    assert_eq!(
        subs[0], subs[1],
        "two clients of one entity_id see the same sub"
    );
    assert_ne!(subs[0], subs[2], "two organisations see unrelated subs");
    assert_eq!(subs[2], expected_sub("org-b", "angela"));
}

#[tokio::test]
async fn claims_follow_scopes() {
    let fed = Fed::start().await;
    let b = Browser::new();
    let r = third_party_login(
        &fed,
        &b,
        "sp-a",
        "laposte",
        "marie",
        &["given_name", "preferred_username"],
    )
    .await;
    let u = &r.userinfo;
    assert!(u.given_name().is_some());
    assert_eq!(
        u.preferred_username().map(|p| p.to_string()),
        Some("LEROY".into())
    );
    assert!(
        u.family_name().is_none()
            && u.email().is_none()
            && u.additional_claims().birthplace.is_none()
    );

    let b = Browser::new();
    let r = third_party_login(
        &fed,
        &b,
        "sp-a",
        "impots",
        "louis",
        &["birthdate", "birthplace"],
    )
    .await;
    // The civil register completes a presumed date to the 1st.
    assert_eq!(
        r.userinfo.birthdate().map(|d| d.to_string()),
        Some("1950-01-01".into())
    );
    assert_eq!(
        r.userinfo.additional_claims().birthplace.as_deref(),
        Some("13055")
    );
    assert!(r.userinfo.given_name().is_none());
    assert!(!r.id_token.is_empty());
}

#[tokio::test]
async fn rs256_and_legacy_hs256_id_tokens() {
    use relais_core::JwsAlg;
    let fed = Fed::start().await;
    let mut rs = Fed::sp("sp-rs", "org-rs");
    rs.id_token_signed_response_alg = JwsAlg::RS256;
    fed.register_sp(rs).await;
    let mut hs = Fed::sp("sp-hs", "org-hs");
    hs.id_token_signed_response_alg = JwsAlg::HS256;
    fed.register_sp(hs).await;
    for (sp, alg) in [("sp-rs", "RS256"), ("sp-hs", "HS256")] {
        let b = Browser::new();
        let r = third_party_login(&fed, &b, sp, "msa", "pascal", &["birth"]).await;
        let header: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                r.id_token.split('.').next().unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], alg);
        assert_eq!(
            r.userinfo.additional_claims().birthplace.as_deref(),
            Some("2A004")
        );
    }
}
