//! Public agents sign in to the partner space with the OpenID provider the
//! operator names (`[partners] agent_idp`, an identity provider of the
//! registry, e.g. the State's agent federation): Relais is its client with
//! its own state, nonce and PKCE bound to the browser by a cookie; the
//! verified e-mail address opens the partner session, as a magic link does.

use super::session::LINK_TTL_SECS;
use crate::cookies;
use crate::error::PageError;
use crate::extract::PageQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::org::normalise_email;
use relais_core::partner::IdentityProvider;
use relais_core::token_digest::stored_key;
use relais_core::{AcrLevel, ErrorCode};
use relais_oidc::idp_client::{AuthorizationRequest, CodeExchange, OwnKeys};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const CALLBACK: &str = "/partenaires/agent/retour";
const BINDING_COOKIE: &str = "relais_partner_agent";

#[derive(Serialize, Deserialize)]
struct Pending {
    nonce: String,
    code_verifier: String,
    binding: String,
}

fn agent_idp(app: &AppState) -> Result<Arc<IdentityProvider>, PageError> {
    app.settings
        .partner_agent_idp
        .as_deref()
        .and_then(|id| app.registry.idp(id))
        .filter(|i| i.active)
        .ok_or_else(|| {
            PageError::page(ErrorCode::NotFound, "no agent identity provider configured")
        })
}

fn refused(why: impl Into<String>) -> PageError {
    PageError::page(ErrorCode::PartnerLinkInvalid, why)
}

/// `GET /partenaires/agent`: to the agents' OpenID provider.
pub async fn start(State(app): State<AppState>) -> Result<Response, PageError> {
    let idp = agent_idp(&app)?;
    let state = app.random.hex(32);
    let pending = Pending {
        nonce: app.random.hex(32),
        code_verifier: app.random.token(48),
        binding: app.random.token(24),
    };
    app.save(&stored_key("agent-login", &state), &pending, LINK_TTL_SECS)
        .await?;
    let url = relais_oidc::idp_client::authorization_url(
        &idp,
        &AuthorizationRequest {
            redirect_uri: &app.settings.url(CALLBACK),
            state: &state,
            nonce: &pending.nonce,
            code_challenge: &relais_oidc::pkce::s256_challenge(&pending.code_verifier),
            acr: idp.allowed_acr.first().copied().unwrap_or(AcrLevel::Eidas1),
        },
    );
    let mut resp = Redirect::to(&url).into_response();
    if let Some(c) = cookies::set_cookie(
        BINDING_COOKIE,
        &pending.binding,
        LINK_TTL_SECS,
        app.settings.sandbox,
    ) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
}

/// `GET /partenaires/agent/retour`: the verified e-mail opens the session.
pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<Callback>,
) -> Result<Response, PageError> {
    let idp = agent_idp(&app)?;
    let state = q
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| refused("agent callback without state"))?;
    let pending: Pending = app
        .take(&stored_key("agent-login", &state))
        .await?
        .ok_or_else(|| refused("unknown or used agent state"))?;
    let bound = cookies::read_cookie(&headers, BINDING_COOKIE).is_some_and(|b| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            b.as_bytes(),
            pending.binding.as_bytes(),
        ))
    });
    if !bound {
        return Err(refused("agent state from another browser"));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| refused("agent callback without code"))?;
    let keys = app.keys.current();
    let es256 = app.keys.signing_key(relais_oidc::JwsAlg::ES256);
    let own = OwnKeys {
        signing: es256.as_deref(),
        decryption: &keys.decryption,
    };
    let now = app.clock.now_millis();
    let failed = |e: relais_oidc::idp_client::IdpError| refused(e.to_string());
    let jti = app.random.token(16);
    let tokens = app
        .idp_client
        .exchange_code(
            &idp,
            CodeExchange {
                code: &code,
                redirect_uri: &app.settings.url(CALLBACK),
                code_verifier: &pending.code_verifier,
                assertion_jti: &jti,
                now_secs: app.clock.now_secs(),
            },
            own,
        )
        .await
        .map_err(failed)?;
    app.idp_client
        .verify_id_token(&idp, &tokens.id_token, &pending.nonce, now, own)
        .await
        .map_err(failed)?;
    let claims = app
        .idp_client
        .userinfo(&idp, &tokens.access_token, now, own)
        .await
        .map_err(failed)?;
    let email = claims
        .get("email")
        .and_then(|e| e.as_str())
        .and_then(normalise_email)
        .ok_or_else(|| refused("the agents' provider gave no e-mail address"))?;
    let cookie = app.open_partner_session(&email).await?;
    let next = if super::records::user(&app, &email).await?.is_some() {
        "/partenaires/services"
    } else {
        "/partenaires/organisation"
    };
    let mut resp = Redirect::to(next).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}
