//! The space as a client of its own node: its registration (a public
//! service of the federation, identity scopes only, no consent page), and
//! the node seen as an OpenID provider, for the client Relais already uses
//! towards IdPs (pinned ES256, `iss`, `aud`, `nonce`, PKCE).

use crate::settings::Settings;
use relais_core::partner::{IdentityProvider, IdpClientAuth, IdpEndpoints, ServiceProvider};
use relais_core::{AcrLevel, JwsAlg};

pub const CLIENT_ID: &str = "relais-espace-citoyen";
pub const CALLBACK_PATH: &str = "/espace/retour";
/// The pivot identity (and the e-mail the IdP gave, which the identity
/// check requires): what the space needs to find the citizen's account.
pub const SCOPES: [&str; 3] = ["openid", "identite_pivot", "email"];

/// The space's client secret: derived from the federation's secret, so
/// every node agrees on it without configuration, and nobody outside does.
pub fn client_secret(settings: &Settings) -> String {
    let key =
        aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, settings.sub_secret.as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, b"relais citizen space client secret");
    base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        tag.as_ref(),
    )
}

/// The space's registration, upserted at start by nodes that serve it.
pub fn registration(settings: &Settings) -> ServiceProvider {
    let mut sp = ServiceProvider::public(
        CLIENT_ID,
        CLIENT_ID,
        "Mon espace Relais",
        &client_secret(settings),
        vec![settings.url(CALLBACK_PATH)],
        &SCOPES,
    );
    // The citizen asked for their own space: no information page.
    sp.allowed_prompts = vec!["login".to_owned()];
    sp.post_logout_redirect_uris = vec![settings.url("/espace")];
    sp
}

/// The node as the provider the space logs in with.
pub fn as_provider(settings: &Settings) -> IdentityProvider {
    let issuer = settings.issuer();
    IdentityProvider {
        id: "relais".to_owned(),
        title: "Relais".to_owned(),
        active: true,
        display: false,
        allowed_acr: vec![AcrLevel::Eidas1, AcrLevel::Eidas2, AcrLevel::Eidas3],
        amr: Vec::new(),
        discovery_url: None,
        endpoints: IdpEndpoints {
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: format!("{issuer}/token"),
            userinfo_endpoint: format!("{issuer}/userinfo"),
            jwks_uri: format!("{issuer}/jwks"),
            end_session_endpoint: Some(format!("{issuer}/session/end")),
            issuer,
        },
        client_id: CLIENT_ID.to_owned(),
        client_secret: client_secret(settings),
        token_endpoint_auth_method: IdpClientAuth::ClientSecretBasic,
        id_token_signed_response_alg: JwsAlg::ES256,
        userinfo_signed_response_alg: Some(JwsAlg::ES256),
        end_session: true,
        timeout_ms: 5_000,
        scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        assumed_acr: None,
        id_token_encrypted_response_alg: None,
        userinfo_encrypted_response_alg: None,
    }
}
