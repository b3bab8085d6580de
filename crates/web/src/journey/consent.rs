//! Step 4 — what the service will receive (`GET /interaction/{uid}/consent`),
//! and the citizen's go-ahead (`POST`), which issues the authorization code.
//!
//! Exactly one code per login: the `ready:<uid>` marker put by the IdP
//! callback (or SSO) is *taken* atomically when the code is issued, so a
//! double submission, a refresh or a replay gets "step already done"
//! (`Y420001`) instead of a second code.

use crate::error::{with_params, PageError};
use crate::extract::{PageForm, PagePath};
use crate::flow::{
    interaction_path, ready_marker_key, BrowserSession, CodeGrant, Interaction, CODE_TTL,
};
use crate::flow_batch::RecordWrites;
use crate::mail::connection::ConnectionFacts;
use crate::pages::cog::commune_name;
use crate::pages::{self, ConsentPage};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::event::EventKind;
use relais_core::partner::ServiceProvider;
use relais_core::pivot::{Gender, PivotIdentity};
use relais_core::scope::Claim;
use relais_core::subject::PairwiseSub;
use relais_core::token_digest::stored_key;
use relais_core::ErrorCode;
use relais_i18n::{Locale, Tr};
use relais_store::StandingWithEvents;
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::Arc;

/// The interaction must be waiting for consent, its service still registered.
fn at_consent(
    app: &AppState,
    session: BrowserSession,
    interaction: Interaction,
) -> Result<(BrowserSession, Interaction, Arc<ServiceProvider>), PageError> {
    if interaction.login.is_none() {
        return Err(PageError::page(
            ErrorCode::AbnormalNavigation,
            "consent step not available",
        ));
    }
    let sp = app
        .registry
        .sp(&interaction.request.client_id)
        .ok_or_else(|| PageError::page(ErrorCode::UnknownClient, "service removed"))?;
    Ok((session, interaction, sp))
}

pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(uid): PagePath<String>,
) -> Result<Response, PageError> {
    let step = app
        .interaction_for_page(&headers, &uid, &csrf_purpose(&uid))
        .await?;
    let (mut session, interaction, sp) = at_consent(&app, step.session, step.interaction)?;
    // Auto-login never skips a consent the service's citizens must give
    // (registration refuses that combination; this holds whatever is stored).
    // `prompt=none` was checked at authorize: no page may be shown.
    let silent = !sp.allows_prompt("consent") || interaction.request.prompt_none;
    if silent && !sp.consent_required(app.settings.platform) {
        app.events.emit(app.login_event(
            EventKind::FcAutoLogin,
            &headers,
            Some(&session),
            Some(&interaction),
        ));
        // No page: its form's token goes with the code's writes.
        let unused_form = Some(stored_key("csrf", &step.csrf));
        return complete(&app, &headers, &mut session, &interaction, &sp, unused_form).await;
    }
    let form = Form {
        csrf: Some(step.csrf),
        missing_consent: false,
    };
    render(&app, &headers, &session, &interaction, &sp, form).await
}

/// The consent page's form: its token (a new one is issued when `None`)
/// and whether the citizen sent it without the box ticked.
struct Form {
    csrf: Option<String>,
    missing_consent: bool,
}

async fn render(
    app: &AppState,
    headers: &HeaderMap,
    session: &BrowserSession,
    interaction: &Interaction,
    sp: &ServiceProvider,
    form: Form,
) -> Result<Response, PageError> {
    let missing_consent = form.missing_consent;
    let locale = Locale::negotiate(interaction.request.ui_locales.as_deref(), headers);
    let t = Tr::new(locale, &interaction_path(&interaction.uid, "/consent"));
    let Some(login) = interaction.login.as_ref() else {
        return Err(PageError::page(ErrorCode::AbnormalNavigation, "no login"));
    };
    let idp_title = app
        .registry
        .idp(&login.idp_id)
        .map(|i| i.title.clone())
        .unwrap_or_else(|| login.idp_id.clone());
    let scopes = &interaction.request.scopes;
    let rows = scopes
        .claims()
        .into_iter()
        .filter_map(|c| Some((label(locale, c), display_value(locale, &login.identity, c)?)))
        .collect();
    let snapshot = app.registry.snapshot();
    let data = scopes
        .data_scopes()
        .into_iter()
        .map(|scope| {
            let id = ["scope-", scope].concat();
            let label = if relais_i18n::catalog::has(locale, &id) {
                locale.text(&id).into_owned()
            } else {
                scope.to_owned()
            };
            match snapshot.dp_for_scope(scope) {
                Some(dp) => format!("{label} — {}", dp.title),
                None => label.to_owned(),
            }
        })
        .collect();
    let csrf = match form.csrf {
        Some(token) => token,
        None => {
            app.issue_csrf(&session.id, &csrf_purpose(&interaction.uid))
                .await?
        }
    };
    app.events.emit(app.login_event(
        EventKind::FcShowedConsent,
        headers,
        Some(session),
        Some(interaction),
    ));
    let page = ConsentPage {
        t,
        sp_name: &sp.name,
        idp_title: &idp_title,
        anonymous: scopes.is_anonymous(),
        rows,
        data,
        action: interaction_path(&interaction.uid, "/consent"),
        csrf,
        consent_required: sp.consent_required(app.settings.platform),
        missing_consent,
        refuse: interaction_path(&interaction.uid, "/cancel"),
    };
    Ok(pages::render(&page).into_response())
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: Option<String>,
    consent: Option<String>,
}

pub async fn accept(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(uid): PagePath<String>,
    PageForm(form): PageForm<ConsentForm>,
) -> Result<Response, PageError> {
    let step = app
        .interaction_for_form(&headers, &uid, form.csrf.as_deref(), &csrf_purpose(&uid))
        .await?;
    let (mut session, interaction, sp) = at_consent(&app, step.session, step.interaction)?;
    // A stale or replayed form: the page offers the way back to the service.
    step.csrf
        .map_err(|e| e.with_back(Some(interaction_path(&uid, "/cancel"))))?;
    if sp.consent_required(app.settings.platform) && form.consent.as_deref() != Some("yes") {
        let form = Form {
            csrf: None,
            missing_consent: true,
        };
        return render(&app, &headers, &session, &interaction, &sp, form).await;
    }
    complete(&app, &headers, &mut session, &interaction, &sp, None).await
}

/// Issues the one authorization code of this login and sends it to the service.
async fn complete(
    app: &AppState,
    headers: &HeaderMap,
    session: &mut BrowserSession,
    interaction: &Interaction,
    sp: &ServiceProvider,
    unused_form: Option<String>,
) -> Result<Response, PageError> {
    let Some(login) = interaction.login.clone() else {
        return Err(PageError::page(ErrorCode::AbnormalNavigation, "no login"));
    };
    let sub = match login.sub_overrides.get(&sp.entity_id) {
        Some(o) => PairwiseSub::overridden(o.clone()),
        None => PairwiseSub::derive(
            &sp.entity_id,
            &login.identity_hash,
            app.settings.sub_secret.as_bytes(),
        ),
    };
    let req = &interaction.request;
    let grant = CodeGrant {
        dpop_jkt: None,
        client_id: sp.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        code_challenge: req.code_challenge.clone(),
        nonce: req.nonce.clone(),
        sub: sub.as_str().to_owned(),
        acr: app.settings.platform.reported_acr(req.acr, login.idp_acr),
        amr: req.amr_requested.then(|| login.amr.clone()),
        auth_time: login.auth_time,
        scopes: req.scopes.clone(),
        identity: login.identity.clone(),
        account_id: login.identity_hash.as_str().to_owned(),
        idp_id: login.idp_id.clone(),
        session_id: session.id.clone(),
        browsing_session: session.browsing_session.clone(),
        issued_at: 0,
        token_ttl: sp.access_token_ttl(),
    };
    let code = app.random.token(32);
    // The login's `ready:` marker is single use: of two submissions of
    // this form, only the one that takes it writes a code.
    let mut writes = RecordWrites::new();
    writes.require(ready_marker_key(&interaction.uid));
    writes.put(stored_key("code", &code), &grant, CODE_TTL)?;
    if let Some(key) = unused_form {
        writes.delete(key);
    }
    let sso_same_service =
        interaction.sso && session.issued.iter().any(|(c, _)| *c == sp.client_id);
    // What the session was, should the account refuse the login below.
    let issued_before = session.issued.len();
    if !session
        .issued
        .iter()
        .any(|(c, s)| *c == sp.client_id && *s == grant.sub)
    {
        session
            .issued
            .push((sp.client_id.clone(), grant.sub.clone()));
    }
    // A login that reached the service: from now on it may serve SSO.
    let login_before = session.login.replace(login.clone());
    app.write_session(&mut writes, session)?;
    // The code is issued (the `ready:` marker, first in this batch, refuses
    // a second consent); the interaction is now only a trace.
    app.write_finished_interaction(&mut writes, interaction)?;
    if !app.write_records(&writes).await? {
        return Err(PageError::page(
            ErrorCode::AbnormalNavigation,
            "code already issued for this login",
        ));
    }
    let req = &interaction.request;

    let scopes = &req.scopes;
    let kind = EventKind::datatransfer(
        sp.consent_required(app.settings.platform),
        scopes.is_anonymous(),
        !scopes.data_scopes().is_empty(),
    );
    let claim_names: Vec<&str> = scopes.claims().into_iter().map(Claim::name).collect();
    let mut transfer = app.login_event(kind, headers, Some(session), Some(interaction));
    transfer.sp_sub = Some(grant.sub.clone());
    transfer.claims = Some(claim_names.join(" "));
    let redirected = transfer.for_kind(EventKind::FcRedirectedToSp);
    let events = vec![transfer, redirected];
    // The account is judged now, its code written: on PostgreSQL in the
    // statement that stores these events (one round trip for both). An
    // account disabled, or the IdP blocked, since the callback refuses the
    // login here, and a store that cannot say gives no go-ahead either:
    // the code, never sent, is deleted, and the session is put back as it
    // was, serving no SSO.
    let judged = match app
        .stores
        .accounts
        .standing_with_events(login.identity_hash.as_str(), &login.idp_id, &events)
        .await
    {
        Ok(StandingWithEvents {
            refusal: Some(code),
            ..
        }) => Err(PageError::page(code, "account refused at consent")),
        Ok(standing) => Ok(standing),
        Err(e) => Err(PageError::from(e)),
    };
    let standing = match judged {
        Ok(standing) => standing,
        Err(refused) => {
            session.login = login_before;
            session.issued.truncate(issued_before);
            let mut undo = RecordWrites::new();
            undo.delete(stored_key("code", &code));
            app.write_session(&mut undo, session)?;
            app.write_records(&undo).await?;
            return Err(refused);
        }
    };
    if standing.events_stored {
        app.events.already_stored(events).await;
    } else {
        app.events.record(events).await;
    }
    let device_cookie = crate::mail::connection::after_login(
        app,
        headers,
        Locale::negotiate(req.ui_locales.as_deref(), headers),
        ConnectionFacts {
            email: &login.identity.email,
            identity_hash: login.identity_hash.as_str(),
            service: &sp.name,
            idp_id: &login.idp_id,
            when_millis: app.clock.now_millis(),
            sso_same_service,
        },
    )
    .await;
    crate::partner_space::trace::record(app, sp, "code", || {
        format!("{} ({})", req.redirect_uri, login.idp_id)
    })
    .await;
    let iss = app.settings.issuer();
    let url = with_params(
        &req.redirect_uri,
        &[("code", &code), ("state", &req.state), ("iss", &iss)],
        false,
    );
    let mut resp = Redirect::to(&url).into_response();
    if let Some(c) = device_cookie {
        resp.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    Ok(resp)
}

fn label(locale: Locale, c: Claim) -> Cow<'static, str> {
    locale.text(&format!("claim-{}", c.name()))
}

fn display_value(locale: Locale, id: &PivotIdentity, c: Claim) -> Option<String> {
    Some(match c {
        Claim::Birthdate => locale.birth_date(&id.birthdate),
        Claim::IdpBirthdate => locale.birth_date(&id.idp_birthdate.unwrap_or(id.birthdate)),
        Claim::Gender => match id.gender {
            Gender::Male => locale.text("gender-male"),
            Gender::Female => locale.text("gender-female"),
            Gender::Unspecified => locale.text("gender-unspecified"),
        }
        .into_owned(),
        Claim::Birthplace if !id.born_in_france() => locale.text("born-abroad").into_owned(),
        Claim::Birthplace => match commune_name(&id.birthplace) {
            Some(name) => format!("{name} ({})", id.birthplace),
            None => id.birthplace.clone(),
        },
        Claim::Birthcountry if id.born_in_france() => "France".to_owned(),
        Claim::Birthcountry => format!("{} ({})", locale.text("born-abroad"), id.birthcountry),
        other => id.claim_value(other)?.as_str()?.to_owned(),
    })
}

/// What this step's CSRF tokens are issued for: the form of one
/// interaction, so a token from another form or interaction is refused.
fn csrf_purpose(uid: &str) -> String {
    ["consent:", uid].concat()
}
