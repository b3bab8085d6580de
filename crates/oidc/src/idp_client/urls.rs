//! The two browser redirects to an IdP: authorization (Relais' own state,
//! nonce and PKCE) and end of session.

use relais_core::acr::AcrLevel;
use relais_core::partner::IdentityProvider;

/// Parameters of the redirect to the IdP's authorization endpoint.
pub struct AuthorizationRequest<'a> {
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_challenge: &'a str,
    pub acr: AcrLevel,
}

/// The URL the citizen's browser is sent to.
pub fn authorization_url(idp: &IdentityProvider, r: &AuthorizationRequest<'_>) -> String {
    let scope = if idp.scopes.is_empty() {
        "openid given_name family_name birthdate gender birthplace birthcountry email preferred_username".to_owned()
    } else {
        idp.scopes.join(" ")
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &idp.client_id)
        .append_pair("redirect_uri", r.redirect_uri)
        .append_pair("scope", &scope)
        .append_pair("state", r.state)
        .append_pair("nonce", r.nonce)
        .append_pair("acr_values", r.acr.as_str())
        .append_pair("prompt", "login")
        .append_pair("code_challenge", r.code_challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let sep = if idp.endpoints.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{sep}{query}", idp.endpoints.authorization_endpoint)
}

/// The URL that ends the citizen's session at the IdP.
pub fn end_session_url(
    idp: &IdentityProvider,
    id_token_hint: &str,
    post_logout_redirect_uri: &str,
    state: &str,
) -> Option<String> {
    let endpoint = idp.endpoints.end_session_endpoint.as_deref()?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", id_token_hint)
        .append_pair("post_logout_redirect_uri", post_logout_redirect_uri)
        .append_pair("state", state)
        .finish();
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    Some(format!("{endpoint}{sep}{query}"))
}
