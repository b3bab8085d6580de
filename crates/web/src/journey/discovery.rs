//! Discovery document and JWKS: what any standard OIDC client reads first.
//! Neither sets cookies; the JWKS is cacheable for ten minutes.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use relais_core::event::EventKind;
use relais_core::Platform;
use serde_json::json;

/// How Relais may encrypt an ID token, userinfo or checktoken answer to
/// its recipient's key (content: A256GCM only).
const JWE_ALGS: [&str; 3] = ["ECDH-ES", "RSA-OAEP", "RSA-OAEP-256"];

pub async fn openid_configuration(State(app): State<AppState>) -> Response {
    let iss = app.settings.issuer();
    let plus = app.settings.platform == Platform::Plus;
    let acr: Vec<&str> = relais_core::AcrLevel::ALL
        .iter()
        .filter(|l| app.settings.platform.serves(**l))
        .map(|l| l.as_str())
        .collect();
    let scopes: Vec<&str> = relais_core::scope::IDENTITY_SCOPES
        .iter()
        .copied()
        .filter(|s| !plus || *s != "idp_birthdate")
        .collect();
    // Plus: keys only. Standard also offers private_key_jwt to services
    // that want it.
    let auth_methods: &[&str] = if plus {
        &["private_key_jwt"]
    } else {
        &[
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
        ]
    };
    let algs: &[&str] = if plus {
        &["ES256"]
    } else {
        &["ES256", "RS256", "HS256"]
    };
    let assertion_algs: Vec<&str> = app
        .settings
        .platform
        .client_assertion_algs()
        .iter()
        .map(|a| a.as_str())
        .collect();
    let doc = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "end_session_endpoint": format!("{iss}/session/end"),
        "revocation_endpoint": format!("{iss}/token/revocation"),
        "introspection_endpoint": format!("{iss}/checktoken"),
        "jwks_uri": format!("{iss}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "scopes_supported": scopes,
        "claims_supported": ["sub", "given_name", "family_name", "birthdate", "gender", "birthplace",
            "birthcountry", "email", "preferred_username", "amr", "idp_birthdate", "acr"],
        "claims_parameter_supported": true,
        "acr_values_supported": acr,
        // `none` for services registered with profile = "oidc".
        "prompt_values_supported": ["login", "consent", "none"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": algs,
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": assertion_algs,
        "id_token_encryption_alg_values_supported": JWE_ALGS,
        "id_token_encryption_enc_values_supported": ["A256GCM"],
        "userinfo_encryption_alg_values_supported": JWE_ALGS,
        "userinfo_encryption_enc_values_supported": ["A256GCM"],
        "revocation_endpoint_auth_methods_supported": auth_methods,
        // RFC 8414 §2: present whenever private_key_jwt is offered.
        "revocation_endpoint_auth_signing_alg_values_supported": assertion_algs,
        // Data providers post their client_id and client_secret (design
        // §6); left out, this would mean client_secret_basic (RFC 8414 §2).
        "introspection_endpoint_auth_methods_supported": ["client_secret_post"],
        // The answer is a JWT (RFC 9701 §6), signed with the data
        // provider's registered algorithm, encrypted when it asked.
        "introspection_signing_alg_values_supported": ["ES256", "RS256"],
        "introspection_encryption_alg_values_supported": JWE_ALGS,
        "introspection_encryption_enc_values_supported": ["A256GCM"],
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": ["ES256", "RS256"],
        "pushed_authorization_request_endpoint": format!("{iss}/par"),
        "require_pushed_authorization_requests": false,
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "ui_locales_supported": ["fr", "en"],
    });
    let mut resp = axum::Json(doc).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    resp
}

pub async fn jwks(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let mut e = app.event(EventKind::SpRequestedFcJwks);
    e.ip = super::client_ip(&headers);
    app.events.emit(e);
    let keys = app.keys.current();
    let mut resp = keys.jwks_json.clone().into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    resp
}
