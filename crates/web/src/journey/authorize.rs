//! Step 1 — the service sends the citizen here (`GET|POST /authorize`).
//!
//! Validate the request (client and redirect URI first, so nothing is ever
//! redirected to an untrusted address), resolve the level, open an
//! interaction bound to the browser session, then: reuse the session (SSO)
//! when the rules allow, go straight to a hinted IdP, or show the chooser.

use crate::error::PageError;
use crate::extract::PageBody;
use crate::flow::{interaction_path, ready_marker_key, Interaction, InteractionStep};
use crate::flow_batch::RecordWrites;
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::authorize::{self, AuthorizeRejection, AuthorizeRequest, RawParams};
use relais_core::event::EventKind;
use relais_core::partner::ServiceProvider;
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;

pub async fn get(
    State(app): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let params = parse_pairs(q.as_deref().unwrap_or("").as_bytes());
    handle(app, headers, params)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub async fn post(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Response {
    let params = parse_pairs(&body);
    handle(app, headers, params)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub fn parse_pairs(raw: &[u8]) -> Vec<(String, String)> {
    relais_core::form_encoding::parse(raw)
        .into_owned()
        .collect()
}

fn rejection(app: &AppState, r: AuthorizeRejection, redirect_uri: &str) -> PageError {
    match r {
        AuthorizeRejection::Page { code, detail } => PageError::page(code, detail),
        AuthorizeRejection::Redirect {
            code,
            detail,
            in_fragment,
            state,
        } => PageError::ToSp {
            code,
            detail,
            redirect_uri: redirect_uri.to_owned(),
            state,
            fragment: in_fragment,
            iss: app.settings.issuer(),
        },
    }
}

/// Whether `hint` names an IdP this service may be sent to directly.
fn hint_allowed(app: &AppState, sp: &ServiceProvider, hint: &str) -> bool {
    let listed = if sp.idp_hints.is_empty() {
        app.registry.idp(hint).is_some_and(|i| i.display)
    } else {
        sp.idp_hints.iter().any(|h| h == hint)
    };
    listed && app.registry.idp(hint).is_some_and(|i| i.active) && sp.idp_filter.accepts(hint)
}

/// The parameters of the request: the pushed ones when the browser brings
/// a `request_uri` (RFC 9126; single use, bound to its client), else those
/// of the URL — refused for a service that must push its requests.
async fn pushed_or_given(
    app: &AppState,
    params: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, PageError> {
    let find = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(request_uri) = find("request_uri") else {
        if find("client_id")
            .and_then(|c| app.registry.sp(c))
            .is_some_and(|sp| sp.require_pushed_authorization_requests)
        {
            return Err(PageError::page(
                ErrorCode::ParRequired,
                "parameters sent without a pushed request",
            ));
        }
        return Ok(params);
    };
    let unknown = || PageError::page(ErrorCode::ParRequestUriUnknown, "request_uri refused");
    if request_uri.len() > 256 || !request_uri.starts_with(super::par::REQUEST_URI_PREFIX) {
        return Err(unknown());
    }
    let client_id = find("client_id").ok_or_else(unknown)?;
    let pushed: Option<super::par::PushedRequest> =
        app.take(&stored_key("par", request_uri)).await?;
    match pushed {
        Some(p) if p.client_id == client_id => Ok(p.params),
        _ => Err(unknown()),
    }
}

async fn handle(
    app: AppState,
    headers: HeaderMap,
    params: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let params = pushed_or_given(&app, params).await?;
    let raw = RawParams::parse(&params).map_err(|r| rejection(&app, r, ""))?;
    let (client_id, redirect_uri) =
        authorize::client_and_redirect(&raw).map_err(|r| rejection(&app, r, ""))?;
    let sp = app.registry.sp(client_id);
    authorize::check_client(sp.as_deref(), redirect_uri).map_err(|r| rejection(&app, r, ""))?;
    let Some(sp) = sp else {
        return Err(PageError::page(ErrorCode::UnknownClient, "unknown client"));
    };
    if !app.settings.sandbox && !redirect_uri.starts_with("https://") {
        return Err(PageError::page(
            ErrorCode::RedirectUriNotRegistered,
            "redirect_uri must use https",
        ));
    }
    let is_data_scope = |s: &str| app.registry.is_data_scope(s);
    let request = authorize::validate(&raw, &sp, app.settings.platform, &is_data_scope)
        .map_err(|r| rejection(&app, r, redirect_uri))?;
    crate::partner_space::trace::record(&app, &sp, "authorize", || {
        format!(
            "redirect_uri {}, scope {}",
            request.redirect_uri,
            request.scopes.to_oauth_string()
        )
    })
    .await;
    if let Some(hint) = request.idp_hint.as_deref() {
        if !hint_allowed(&app, &sp, hint) {
            return Err(PageError::ToSp {
                code: ErrorCode::IdpHintNotAllowed,
                detail: "idp_hint not allowed".into(),
                redirect_uri: request.redirect_uri.clone(),
                state: Some(request.state.clone()),
                fragment: false,
                iss: app.settings.issuer(),
            });
        }
    }

    let existing = app.current_session(&headers).await?;
    let fresh_session = existing.is_none();
    let mut session = existing.unwrap_or_else(|| app.new_session());
    let mut interaction = Interaction {
        uid: app.random.token(18),
        session_id: session.id.clone(),
        request,
        step: InteractionStep::Chooser,
        idp_error: None,
        login: None,
        sso: false,
    };
    app.events.emit(app.login_event(
        EventKind::FcAuthorizeInitiated,
        &headers,
        Some(&session),
        Some(&interaction),
    ));

    let reusable = sso_login(&app, &sp, &interaction.request, &session);
    if let Some(login) = &reusable {
        if let Some(code) = app
            .account_refusal(login.identity_hash.as_str(), &login.idp_id)
            .await?
        {
            // The account may not log in any more: its session's login ends.
            if code == ErrorCode::AccountDisabled {
                session.login = None;
                app.save_session(&mut session).await?;
            }
            app.emit_refusal(
                &headers,
                &session,
                &interaction,
                &login.idp_id,
                code,
                "account refused on SSO",
            );
            return Err(PageError::page(code, "account refused on SSO"));
        }
    }
    if interaction.request.prompt_none {
        silent_answer_possible(&app, &sp, &interaction.request, reusable.is_some())?;
    }
    let mut writes = RecordWrites::new();
    let next = if let Some(login) = reusable {
        interaction.login = Some(login);
        interaction.sso = true;
        interaction.step = InteractionStep::Consent;
        writes.put(
            ready_marker_key(&interaction.uid),
            &true,
            app.settings.session_ttl_secs,
        )?;
        app.events.emit(app.login_event(
            EventKind::FcSsoInitiated,
            &headers,
            Some(&session),
            Some(&interaction),
        ));
        app.settings
            .url(&interaction_path(&interaction.uid, "/consent"))
    } else if let Some(hint) = interaction.request.idp_hint.clone() {
        interaction.step = InteractionStep::AtIdp;
        let url = super::chooser::redirect_to_idp(
            &app,
            &headers,
            &session,
            &interaction,
            &hint,
            &mut writes,
        )
        .await?;
        app.events.emit(app.login_event(
            EventKind::FcRedirectedToHintedIdp,
            &headers,
            Some(&session),
            Some(&interaction),
        ));
        url
    } else {
        app.settings.url(&interaction_path(&interaction.uid, ""))
    };
    app.write_interaction(&mut writes, &interaction)?;
    app.write_session(&mut writes, &mut session)?;
    app.write_records(&writes).await?;
    let mut resp = Redirect::to(&next).into_response();
    if fresh_session || app.settings.session_sliding {
        if let Some(c) = app.session_cookie(&session) {
            resp.headers_mut().insert(header::SET_COOKIE, c);
        }
    }
    Ok(resp)
}

/// The session's login, when this request may reuse it (docs/design.md §2, SSO).
fn sso_login(
    app: &AppState,
    sp: &ServiceProvider,
    req: &AuthorizeRequest,
    session: &crate::flow::BrowserSession,
) -> Option<crate::flow::VerifiedLogin> {
    let login = session.login.as_ref()?;
    let idp = app.registry.idp(&login.idp_id)?;
    // A service's prompt=login does not disable SSO: FranceConnect services
    // always send it, and Relais sends its own prompt=login to the IdP.
    let fresh_enough = req.max_age.is_none_or(|max| {
        app.clock.now_secs() - login.auth_time <= i64::try_from(max).unwrap_or(i64::MAX)
    });
    let eligible = app.settings.platform.sso_eligible(req.acr)
        && fresh_enough
        && login.idp_acr >= req.acr
        && idp.active
        && sp.idp_filter.accepts(&login.idp_id)
        && req.idp_hint.as_deref().is_none_or(|h| h == login.idp_id);
    eligible.then(|| login.clone())
}

/// `prompt=none` (`oidc` profile): the service wants an answer without any
/// page. Possible only with a reusable session (fresh enough for
/// `max_age`) and no consent box to tick; otherwise the service hears
/// `login_required` or `consent_required` at once.
fn silent_answer_possible(
    app: &AppState,
    sp: &ServiceProvider,
    req: &AuthorizeRequest,
    session_reusable: bool,
) -> Result<(), PageError> {
    let refusal = if !session_reusable {
        Some((ErrorCode::LoginRequired, "no session can answer silently"))
    } else if sp.consent_required(app.settings.platform) {
        Some((
            ErrorCode::ConsentRequired,
            "this service's users must consent",
        ))
    } else {
        None
    };
    match refusal {
        None => Ok(()),
        Some((code, detail)) => Err(PageError::ToSp {
            code,
            detail: detail.into(),
            redirect_uri: req.redirect_uri.clone(),
            state: Some(req.state.clone()),
            fragment: false,
            iss: app.settings.issuer(),
        }),
    }
}
