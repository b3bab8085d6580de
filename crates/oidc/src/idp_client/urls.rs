//! The two browser redirects to an IdP: authorization (Relais' own state,
//! nonce and PKCE) and end of session.

use std::borrow::Cow;

use relais_core::acr::AcrLevel;
use relais_core::form_encoding::FormQuery;
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
    let scope: Cow<'_, str> = if idp.scopes.is_empty() {
        Cow::Borrowed(
            "openid given_name family_name birthdate gender birthplace birthcountry email preferred_username",
        )
    } else {
        Cow::Owned(idp.scopes.join(" "))
    };
    let endpoint = &idp.endpoints.authorization_endpoint;
    let mut url = String::with_capacity(
        endpoint.len()
            + 160
            + idp.client_id.len()
            + 2 * r.redirect_uri.len()
            + scope.len()
            + r.state.len()
            + r.nonce.len()
            + r.code_challenge.len(),
    );
    url.push_str(endpoint);
    FormQuery::on(url)
        .pair("response_type", "code")
        .pair("client_id", &idp.client_id)
        .pair("redirect_uri", r.redirect_uri)
        .pair("scope", &scope)
        .pair("state", r.state)
        .pair("nonce", r.nonce)
        .pair("acr_values", r.acr.as_str())
        .pair("prompt", "login")
        .pair("code_challenge", r.code_challenge)
        .pair("code_challenge_method", "S256")
        .finish()
}

/// The URL that ends the citizen's session at the IdP.
pub fn end_session_url(
    idp: &IdentityProvider,
    id_token_hint: &str,
    post_logout_redirect_uri: &str,
    state: &str,
) -> Option<String> {
    // Once per logout, not per login: the string grows as it needs.
    let endpoint = idp.endpoints.end_session_endpoint.as_deref()?;
    Some(
        FormQuery::on(endpoint.to_owned())
            .pair("id_token_hint", id_token_hint)
            .pair("post_logout_redirect_uri", post_logout_redirect_uri)
            .pair("state", state)
            .finish(),
    )
}
