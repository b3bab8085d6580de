//! Step 2 — the chooser (`GET /interaction/{uid}`) and the citizen's pick
//! (`POST /interaction/{uid}/idp`, CSRF-protected), which sends the browser
//! to the IdP with Relais' own state, nonce and PKCE. Also the "back to the
//! service" link (`GET /interaction/{uid}/cancel`).
//!
//! The pick costs one trip to the store: its IdP attempt is drawn before
//! the step's records are read and written beside them, behind the form's
//! CSRF grant; a pick refused after the read deletes it. The interaction is
//! left as it was, unless it carried the banner of an earlier IdP's error.

use crate::error::{with_params, PageError};
use crate::extract::{PageForm, PagePath};
use crate::flow::{
    attempt_record_key, interaction_path, ready_marker_key, BrowserSession, IdpAttempt, Interaction,
};
use crate::flow_batch::{FormStep, RecordWrites};
use crate::pages::{self, ChooserPage, IdpButton};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::acr::acr_for_idp;
use relais_core::acr::AcrLevel;
use relais_core::event::EventKind;
use relais_core::partner::IdentityProvider;
use relais_core::ErrorCode;
use relais_i18n::{Locale, Tr};
use relais_oidc::idp_client::{self, AuthorizationRequest};
use relais_oidc::pkce;
use relais_store::StoreError;
use serde::Deserialize;
use std::sync::Arc;

pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(uid): PagePath<String>,
) -> Result<Response, PageError> {
    let step = app
        .interaction_for_page(&headers, &uid, &csrf_purpose(&uid))
        .await?;
    let (session, interaction, csrf) = (step.session, step.interaction, step.csrf);
    let sp = app
        .registry
        .sp(&interaction.request.client_id)
        .ok_or_else(|| PageError::page(ErrorCode::UnknownClient, "service removed"))?;
    let locale = Locale::negotiate(interaction.request.ui_locales.as_deref(), &headers);
    let t = Tr::new(locale, &interaction_path(&uid, ""));
    let snapshot = app.registry.snapshot();
    let idps = snapshot
        .idps
        .iter()
        .filter(|i| i.display)
        .map(|i| {
            let (enabled, reason) = if !i.active {
                (false, t.text("reason-inactive"))
            } else if !sp.idp_filter.accepts(&i.id) {
                (false, t.text("reason-excluded"))
            } else if acr_for_idp(interaction.request.acr, &i.allowed_acr).is_none() {
                (false, t.text("reason-level"))
            } else {
                (true, std::borrow::Cow::Borrowed(""))
            };
            IdpButton {
                id: i.id.clone(),
                title: i.title.clone(),
                enabled,
                reason,
            }
        })
        .collect();
    app.events.emit(app.login_event(
        EventKind::FcShowedIdpChoice,
        &headers,
        Some(&session),
        Some(&interaction),
    ));
    let page = ChooserPage {
        t,
        sp_name: &sp.name,
        banner: interaction.idp_error.as_deref(),
        action: interaction_path(&uid, "/idp"),
        csrf,
        idps,
        cancel: interaction_path(&uid, "/cancel"),
    };
    Ok(pages::render(&page).into_response())
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    csrf: Option<String>,
    idp: Option<String>,
}

pub async fn choose(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(uid): PagePath<String>,
    PageForm(form): PageForm<ChoiceForm>,
) -> Result<Response, PageError> {
    // The attempt is drawn and written in the trip that reads the step's
    // records, behind the form's CSRF grant: nothing can use it before
    // this step answers, since only its redirect reveals the state, and a
    // refusal deletes it. A pick of an unknown IdP writes nothing. The IdP
    // is looked up once, so the attempt and the checks see the same one.
    let idp = app.registry.idp(form.idp.as_deref().unwrap_or_default());
    let mut writes = RecordWrites::new();
    let drawn = idp
        .as_ref()
        .zip(app.session_id(&headers))
        .map(|(idp, session_id)| DrawnAttempt::draw(&app, &uid, session_id, &idp.id));
    if let Some(drawn) = &drawn {
        drawn.write(&app, &mut writes)?;
    }
    let step = app
        .interaction_for_form_writing(
            &headers,
            &uid,
            form.csrf.as_deref(),
            &csrf_purpose(&uid),
            &writes,
        )
        .await?;
    let wrote = step.wrote;
    let answer = chosen(&app, &headers, step, idp, drawn).await;
    if answer.is_err() && wrote {
        app.undo_writes(&writes).await;
    }
    answer
}

/// The pick, once the step's records are read: the checks in the order
/// the step always made them, then the redirect to the IdP.
async fn chosen(
    app: &AppState,
    headers: &HeaderMap,
    step: FormStep,
    idp: Option<Arc<IdentityProvider>>,
    drawn: Option<DrawnAttempt>,
) -> Result<Response, PageError> {
    let FormStep {
        session,
        mut interaction,
        csrf,
        ..
    } = step;
    csrf?;
    let locale = Locale::negotiate(interaction.request.ui_locales.as_deref(), headers);
    let (idp, acr) =
        usable_idp(app, headers, &session, &interaction, idp).map_err(|e| e.in_locale(locale))?;
    // Drawn whenever the IdP exists and the request named a session: both
    // hold once the records were read and the IdP accepted.
    let drawn =
        drawn.ok_or_else(|| PageError::page(ErrorCode::SessionExpired, "no live session"))?;
    let url = drawn.redirect(app, headers, &session, &interaction, &idp, acr);
    // The banner of an earlier IdP's error goes once the citizen picks
    // again; only then is the interaction written in a second trip (the
    // citizen's step at the IdP is not recorded: nothing decides on it).
    if interaction.idp_error.take().is_some() {
        app.save_interaction(&interaction).await?;
    }
    Ok(Redirect::to(&url).into_response())
}

/// Checks the IdP may be used for this interaction and prepares the
/// redirect; the attempt (state, nonce, PKCE verifier) joins the step's
/// `writes`, to be stored before the redirect is answered. A refusal is
/// shown in the language the service asked for.
pub async fn redirect_to_idp(
    app: &AppState,
    headers: &HeaderMap,
    session: &BrowserSession,
    interaction: &Interaction,
    idp_id: &str,
    writes: &mut RecordWrites,
) -> Result<String, PageError> {
    let locale = Locale::negotiate(interaction.request.ui_locales.as_deref(), headers);
    let (idp, acr) = usable_idp(app, headers, session, interaction, app.registry.idp(idp_id))
        .map_err(|e| e.in_locale(locale))?;
    let drawn = DrawnAttempt::draw(app, &interaction.uid, session.id.clone(), &idp.id);
    drawn.write(app, writes)?;
    Ok(drawn.redirect(app, headers, session, interaction, &idp, acr))
}

/// The IdP picked (`None`: not in the registry), if this interaction may
/// use it, and the level to ask of it.
fn usable_idp(
    app: &AppState,
    headers: &HeaderMap,
    session: &BrowserSession,
    interaction: &Interaction,
    idp: Option<Arc<IdentityProvider>>,
) -> Result<(Arc<IdentityProvider>, AcrLevel), PageError> {
    let back = Some(interaction_path(&interaction.uid, "/cancel"));
    let idp = idp.ok_or_else(|| {
        PageError::page(ErrorCode::IdpUnknown, "unknown idp").with_back(back.clone())
    })?;
    let sp = app
        .registry
        .sp(&interaction.request.client_id)
        .ok_or_else(|| PageError::page(ErrorCode::UnknownClient, "service removed"))?;
    if !idp.active {
        app.events.emit(app.idp_event(
            EventKind::FcIdpDisabled,
            headers,
            session,
            interaction,
            &idp.id,
        ));
        return Err(PageError::page(ErrorCode::IdpDisabled, "idp disabled").with_back(back));
    }
    if !sp.idp_filter.accepts(&idp.id) {
        return Err(
            PageError::page(ErrorCode::IdpExcluded, "idp excluded by the service").with_back(back),
        );
    }
    let acr = acr_for_idp(interaction.request.acr, &idp.allowed_acr).ok_or_else(|| {
        PageError::page(
            ErrorCode::IdpAcrTooLow,
            "idp cannot reach the requested level",
        )
        .with_back(back.clone())
    })?;
    Ok((idp, acr))
}

/// One redirect to an IdP: its state, and the attempt stored under it.
struct DrawnAttempt {
    state: String,
    attempt: IdpAttempt,
}

impl DrawnAttempt {
    /// Draws the state, nonce and PKCE verifier of a redirect of the
    /// session `session_id` to `idp_id` for the interaction `uid`.
    fn draw(app: &AppState, uid: &str, session_id: String, idp_id: &str) -> DrawnAttempt {
        // The state names the interaction first, so the callback reads it
        // in the trip that takes the attempt; the attempt stays the
        // authority.
        DrawnAttempt {
            state: [uid, ".", &app.random.hex(32)].concat(),
            attempt: IdpAttempt {
                uid: uid.to_owned(),
                session_id,
                idp_id: idp_id.to_owned(),
                nonce: app.random.hex(32),
                code_verifier: app.random.token(48),
            },
        }
    }

    fn write(&self, app: &AppState, writes: &mut RecordWrites) -> Result<(), StoreError> {
        writes
            .put(
                attempt_record_key(&self.state),
                &self.attempt,
                app.settings.session_ttl_secs,
            )
            .map(drop)
    }

    /// The IdP's authorization URL for this attempt, asking `acr`.
    fn redirect(
        &self,
        app: &AppState,
        headers: &HeaderMap,
        session: &BrowserSession,
        interaction: &Interaction,
        idp: &IdentityProvider,
        acr: AcrLevel,
    ) -> String {
        app.events.emit(app.idp_event(
            EventKind::IdpChosen,
            headers,
            session,
            interaction,
            &idp.id,
        ));
        let callback = app.settings.url("/api/v2/idp/callback");
        idp_client::authorization_url(
            idp,
            &AuthorizationRequest {
                redirect_uri: &callback,
                state: &self.state,
                nonce: &self.attempt.nonce,
                code_challenge: &pkce::s256_challenge(&self.attempt.code_verifier),
                acr,
            },
        )
    }
}

/// "Back to the service": `access_denied` to the service's redirect URI.
pub async fn cancel(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(uid): PagePath<String>,
) -> Result<Response, PageError> {
    let (_, interaction) = app.interaction_for(&headers, &uid).await?;
    // The consent marker goes in the same trip: a consent sent from
    // another tab at the same moment either completed first or finds it
    // gone and issues no code.
    let mut writes = RecordWrites::new();
    writes.delete(ready_marker_key(&uid));
    app.write_finished_interaction(&mut writes, &interaction)?;
    app.write_records(&writes).await?;
    let r = &interaction.request;
    let iss = app.settings.issuer();
    let url = with_params(
        &r.redirect_uri,
        &[
            ("error", "access_denied"),
            ("error_description", ErrorCode::AccessDenied.description()),
            ("state", &r.state),
            ("iss", &iss),
        ],
        false,
    );
    Ok(Redirect::to(&url).into_response())
}

/// What this step's CSRF tokens are issued for: the form of one
/// interaction, so a token from another form or interaction is refused.
fn csrf_purpose(uid: &str) -> String {
    ["chooser:", uid].concat()
}
