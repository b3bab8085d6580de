//! Step 3 — the IdP sends the citizen back (`GET /idp/callback`).
//!
//! The `state` is taken (single use) and must belong to this browser. An IdP
//! error returns to the chooser with a banner. Otherwise: exchange the code,
//! verify the ID token, fetch userinfo, check the returned level and the
//! pivot identity, check the account and record its connection (with the
//! login's `FC_VERIFIED`, in one statement on PostgreSQL), then rotate the
//! session id (anti-fixation) and keep the verified login for the consent
//! step. Any failure shows an error page, stores nothing, and leaves an
//! event saying why.

use super::session_label;
use crate::compact;
use crate::error::PageError;
use crate::extract::PageQuery;
use crate::flow::{
    interaction_path, ready_marker_key, BrowserSession, IdpAttempt, Interaction, InteractionStep,
    VerifiedLogin,
};
use crate::flow_batch::RecordWrites;
use crate::idp_id_token::IdpIdToken;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::civil_register::OutagePolicy;
use relais_core::event::{BusinessEvent, EventKind};
use relais_core::partner::IdentityProvider;
use relais_core::pivot::PivotIdentity;
use relais_core::subject::IdentityHash;
use relais_core::{AcrLevel, ErrorCode};
use relais_oidc::idp_client::{CodeExchange, IdpError, OwnKeys};
use relais_store::Connection;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    /// RFC 9207: the IdP that answers, when it says so.
    iss: Option<String>,
}

pub async fn callback(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<CallbackQuery>,
) -> Result<Response, PageError> {
    let state = q
        .state
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| PageError::page(ErrorCode::IdpCallbackNoState, "callback without state"))?;
    // The session, the attempt and its interaction in one trip: the
    // attempt is single use, and bound to the session that made it.
    let mut records = app
        .callback_records(&headers, &state)
        .await?
        .ok_or_else(|| {
            PageError::page(ErrorCode::SessionExpired, "no live session at IdP callback")
        })?;
    let attempt: IdpAttempt = records
        .attempt
        .take()
        .map(|b| compact::decode(&b))
        .transpose()?
        .filter(|a: &IdpAttempt| a.session_id == records.session.id)
        .ok_or_else(|| PageError::page(ErrorCode::IdpCallbackWrongState, "unknown state"))?;
    let mut interaction = app.callback_interaction(&mut records, &attempt.uid).await?;
    let session = records.session;
    let back = Some(interaction_path(&interaction.uid, "/cancel"));
    let idp = app.registry.idp(&attempt.idp_id).ok_or_else(|| {
        PageError::page(ErrorCode::IdpUnknown, "idp removed").with_back(back.clone())
    })?;

    // Mix-up defence (RFC 9207): an answer that names another issuer than
    // the IdP this state was issued for is refused before anything is used.
    if let Some(iss) = q.iss.as_deref() {
        if iss != idp.endpoints.issuer {
            app.emit_refusal(
                &headers,
                &session,
                &interaction,
                &idp.id,
                ErrorCode::IdpCallbackWrongState,
                "callback iss names another IdP",
            );
            return Err(PageError::page(
                ErrorCode::IdpCallbackWrongState,
                "callback iss names another IdP",
            )
            .with_back(back));
        }
    }
    if q.error.is_some() {
        let mut e = app.idp_event(
            EventKind::IdpCalledbackWithError,
            &headers,
            &session,
            &interaction,
            &idp.id,
        );
        e.reason = q.error.as_deref().map(|s| s.chars().take(64).collect());
        app.events.emit(e);
        interaction.idp_error = Some(idp.title.clone());
        interaction.step = InteractionStep::Chooser;
        app.save_interaction(&interaction).await?;
        return Ok(
            Redirect::to(&app.settings.url(&interaction_path(&interaction.uid, "")))
                .into_response(),
        );
    }
    app.events.emit(app.idp_event(
        EventKind::IdpCalledback,
        &headers,
        &session,
        &interaction,
        &idp.id,
    ));
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| {
            PageError::page(ErrorCode::IdpCallbackNoCode, "callback without code")
                .with_back(back.clone())
        })?;

    // Anti-fixation: the authenticated session gets a new id, drawn now
    // because the login's FC_VERIFIED event, stored with the account's
    // connection, names it.
    let rotated_id = app.random.token(32);
    let verified = match verify_login(
        &app,
        &headers,
        &session,
        &interaction,
        &idp,
        &attempt,
        &code,
    )
    .await
    {
        Ok(login) => {
            connect_account(&app, &headers, &session, &rotated_id, &interaction, login).await
        }
        Err(refusal) => Err(refusal),
    };
    let (login, unrecorded) = match verified {
        Ok(l) => l,
        Err((code, reason)) => {
            app.emit_refusal(&headers, &session, &interaction, &idp.id, code, &reason);
            return Err(PageError::page(code, reason).with_back(back));
        }
    };

    let mut writes = RecordWrites::new();
    writes.delete(crate::flow::session_record_key(&session.id));
    // The session gets the login (and with it SSO) only when a code is
    // issued at consent: a flow abandoned before that opens nothing.
    let mut rotated = session.clone();
    rotated.id = rotated_id;
    app.write_session(&mut writes, &mut rotated)?;
    interaction.session_id = rotated.id.clone();
    interaction.login = Some(login);
    interaction.step = InteractionStep::Consent;
    interaction.idp_error = None;
    app.write_interaction(&mut writes, &interaction)?;
    writes.put(
        ready_marker_key(&interaction.uid),
        &true,
        app.settings.session_ttl_secs,
    )?;
    app.write_records(&writes).await?;
    if let Some(verified) = unrecorded {
        app.events.record(vec![verified]).await;
    }

    let mut resp = Redirect::to(
        &app.settings
            .url(&interaction_path(&interaction.uid, "/consent")),
    )
    .into_response();
    if let Some(c) = app.session_cookie(&rotated) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

type Refusal = (ErrorCode, String);

async fn verify_login(
    app: &AppState,
    headers: &HeaderMap,
    session: &crate::flow::BrowserSession,
    interaction: &Interaction,
    idp: &IdentityProvider,
    attempt: &IdpAttempt,
    code: &str,
) -> Result<VerifiedLogin, Refusal> {
    let callback = app.settings.url("/api/v2/idp/callback");
    let now = app.clock.now_millis();
    let ev = |kind| app.idp_event(kind, headers, session, interaction, &idp.id);
    app.events.emit(ev(EventKind::FcRequestedIdpToken));
    let keys = app.keys.current();
    let es256 = app.keys.signing_key(relais_oidc::JwsAlg::ES256);
    let own = OwnKeys {
        signing: es256.as_deref(),
        decryption: &keys.decryption,
    };
    let jti = app.random.token(16);
    let tokens = app
        .idp_client
        .exchange_code(
            idp,
            CodeExchange {
                code,
                redirect_uri: &callback,
                code_verifier: &attempt.code_verifier,
                assertion_jti: &jti,
                now_secs: app.clock.now_secs(),
            },
            own,
        )
        .await
        .map_err(|e| (ErrorCode::IdpTokenFailed, e.to_string()))?;
    let id_token = app
        .idp_client
        .verify_id_token(idp, &tokens.id_token, &attempt.nonce, now, own)
        .await
        .map_err(|e| (ErrorCode::IdpTokenFailed, format!("ID token: {e}")))?;
    app.events.emit(ev(EventKind::FcRequestedIdpUserinfo));
    let claims = app
        .idp_client
        .userinfo(idp, &tokens.access_token, now, own)
        .await
        .map_err(|e| match e {
            IdpError::SubMismatch => (ErrorCode::IdpUserinfoSubMismatch, e.to_string()),
            other => (ErrorCode::IdpUserinfoFailed, other.to_string()),
        })?;
    if claims.get("sub").and_then(Value::as_str) != Some(id_token.sub.as_str()) {
        return Err((
            ErrorCode::IdpUserinfoSubMismatch,
            IdpError::SubMismatch.to_string(),
        ));
    }

    // Returned level: known, at least what was asked, and allowed for this IdP.
    let idp_acr = id_token
        .acr
        .as_deref()
        .and_then(AcrLevel::parse)
        .or(idp.assumed_acr);
    let idp_acr = match idp_acr {
        Some(l) if l >= interaction.request.acr => l,
        _ => {
            app.events.emit(ev(EventKind::FcIdpInsufficientAcr));
            return Err((
                ErrorCode::IdpAcrTooLow,
                "acr missing, unknown or lower than requested".into(),
            ));
        }
    };
    if !idp.allowed_acr.contains(&idp_acr) {
        app.events.emit(ev(EventKind::FcIdpInsufficientAcr));
        return Err((
            ErrorCode::IdpAcrNotAllowed,
            format!("acr {idp_acr} not allowed for this IdP"),
        ));
    }
    let identity = PivotIdentity::from_claims(&claims, app.settings.platform)
        .map_err(|e| (ErrorCode::PivotInvalid, format!("pivot identity: {e}")))?;
    // The national register (nodes of the Standard platform have one),
    // after the IdP and before the account; SSO never comes here: its
    // identity was checked at the first login.
    let identity = match &app.civil_register {
        Some(register) => {
            let checked = register.check(identity).await;
            if let Some((code, policy)) = checked.outage {
                let mut e = ev(EventKind::FcRegisterUnavailable);
                e.error = Some(code.code().to_owned());
                e.reason = Some(match policy {
                    OutagePolicy::Refuse => "login refused".into(),
                    OutagePolicy::Degrade => "degraded: identity not checked".into(),
                });
                app.events.emit(e);
            }
            checked
                .identity
                .map_err(|code| (code, "civil register refusal".to_owned()))?
        }
        None => identity,
    };
    let identity_hash = IdentityHash::of(&identity);
    let amr = id_token
        .amr
        .clone()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| idp.amr.clone());
    Ok(VerifiedLogin {
        identity,
        identity_hash,
        idp_id: idp.id.clone(),
        idp_acr,
        idp_sub: id_token.sub,
        amr,
        auth_time: now / 1000,
        idp_id_token: IdpIdToken::from_text(id_token.raw),
        // Read with the account ([`connect_account`]).
        sub_overrides: Default::default(),
    })
}

/// Checks the account and records its connection, with the login's
/// `FC_VERIFIED` event where the store can take both in one statement
/// ([`relais_store::AccountStore::connect_with_events`]): an account that
/// refuses this login (disabled, or the IdP blocked by the citizen) stops
/// it here, untouched, and counts no connection. Answers the login, and
/// its event when it is still to be recorded (after the step's records,
/// as any other); one stored with the connection goes to the event stream
/// at once, so the stream holds every stored event even if the step fails
/// after this.
async fn connect_account(
    app: &AppState,
    headers: &HeaderMap,
    session: &BrowserSession,
    rotated_id: &str,
    interaction: &Interaction,
    mut login: VerifiedLogin,
) -> Result<(VerifiedLogin, Option<BusinessEvent>), Refusal> {
    let mut verified = app.login_event(
        EventKind::FcVerified,
        headers,
        Some(session),
        Some(interaction),
    );
    verified.session = Some(session_label(rotated_id));
    app.with_login(&mut verified, &login);
    let connected = app
        .stores
        .accounts
        .connect_with_events(
            login.identity_hash.as_str(),
            &login.idp_id,
            app.clock.now_millis(),
            std::slice::from_ref(&verified),
        )
        .await
        .map_err(|e| (ErrorCode::StorageUnavailable, e.to_string()))?;
    match connected.connection {
        Connection::Recorded(account) => login.sub_overrides = account.sub_overrides,
        Connection::Refused(ErrorCode::IdpBlockedByUser) => {
            app.events.emit(app.idp_event(
                EventKind::FcIdpBlacklisted,
                headers,
                session,
                interaction,
                &login.idp_id,
            ));
            return Err((
                ErrorCode::IdpBlockedByUser,
                "IdP blocked by the citizen".into(),
            ));
        }
        Connection::Refused(code) => return Err((code, "account disabled".into())),
    }
    if connected.events_stored {
        app.events.already_stored(vec![verified]).await;
        return Ok((login, None));
    }
    Ok((login, Some(verified)))
}
