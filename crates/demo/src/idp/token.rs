//! The demo IdP's back channel: token and userinfo endpoints.

use super::login::IssuedCode;
use super::DemoIdp;
use crate::citizens;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_core::partner::IdpClientAuth;
use relais_oidc::jose::{self, Signer};
use relais_oidc::provider::{presented_client, secret_matches};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, axum::Json(json!({"error": error}))).into_response()
}

#[derive(Serialize, Deserialize)]
struct AccessGrant {
    login: String,
}

pub(super) async fn token(
    State(idp): State<Arc<DemoIdp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let authz = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let client = presented_client(
        authz,
        form.get("client_id").map(String::as_str),
        form.get("client_secret").map(String::as_str),
    );
    let authenticated = match idp.spec.client_auth {
        IdpClientAuth::PrivateKeyJwt => idp.client_assertion_ok(&form).await,
        _ => client.is_ok_and(|c| {
            c.client_id == idp.client_id && secret_matches(&c.secret, &idp.client_secret)
        }),
    };
    if !authenticated {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some(issued) = idp.take_json::<IssuedCode>(&format!("code:{code}")).await else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    if form.get("redirect_uri") != Some(&issued.redirect_uri) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let pkce_ok = match (&issued.code_challenge, form.get("code_verifier")) {
        (Some(c), Some(v)) => relais_oidc::pkce::verify_s256(v, c),
        (None, _) => true,
        _ => false,
    };
    if !pkce_ok {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let now = idp.clock.now_secs();
    let claims = json!({
        "iss": idp.issuer, "sub": idp.sub_for(&issued.login), "aud": idp.client_id,
        "exp": now + 60, "iat": now, "nonce": issued.nonce, "acr": issued.acr.as_str(),
        "amr": idp.spec.amr, "auth_time": issued.auth_time,
    });
    let signed = jose::sign(&claims, Signer::Key(&idp.key), None).map_err(|e| e.to_string());
    let id_token = match signed {
        Ok(s) => idp.seal_for_federation(s).await,
        Err(e) => Err(e),
    };
    let Ok(id_token) = id_token else {
        return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    let access_token = idp.random.token(32);
    if !idp
        .put_json(
            &format!("at:{access_token}"),
            &AccessGrant {
                login: issued.login,
            },
            60,
        )
        .await
    {
        return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
    }
    let mut r = axum::Json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": 60, "id_token": id_token,
    }))
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

pub(super) async fn userinfo(State(idp): State<Arc<DemoIdp>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let Some(grant) = idp.get_json::<AccessGrant>(&format!("at:{token}")).await else {
        let mut r = oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        return r;
    };
    let Some(citizen) = citizens::find(&grant.login) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    let mut claims = (citizen.claims)();
    if let Value::Object(m) = &mut claims {
        m.insert("sub".into(), json!(idp.sub_for(&grant.login)));
        if idp.spec.userinfo_signed {
            let now = idp.clock.now_secs();
            m.insert("iss".into(), json!(idp.issuer));
            m.insert("aud".into(), json!(idp.client_id));
            m.insert("iat".into(), json!(now));
            m.insert("exp".into(), json!(now + 60));
        }
    }
    if idp.spec.userinfo_signed {
        let signed = jose::sign(&claims, Signer::Key(&idp.key), None).map_err(|e| e.to_string());
        let sealed = match signed {
            Ok(s) => idp.seal_for_federation(s).await,
            Err(e) => Err(e),
        };
        return match sealed {
            Ok(jwt) => {
                let mut r = jwt.into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/jwt"),
                );
                r
            }
            Err(_) => oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        };
    }
    axum::Json(claims).into_response()
}
