//! The signed-in partner: their session, their person record and their
//! organisation, and which services they may see (their organisation's,
//! or those they manage for client organisations as a vendor).

use super::records;
use crate::error::PageError;
use crate::state::AppState;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::org::{Organisation, PartnerUser};
use relais_core::onboarding::OnboardedService;
use relais_core::ErrorCode;

/// The signed-in partner with their organisation.
pub struct Partner {
    pub session_id: String,
    pub user: PartnerUser,
    pub org: Organisation,
}

impl Partner {
    pub fn sees(&self, s: &OnboardedService) -> bool {
        s.org_id == self.org.id || s.managed_by.as_deref() == Some(self.org.id.as_str())
    }
}

/// The partner, or a redirect to sign in / to create the organisation.
async fn partner(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Result<Partner, Response>, PageError> {
    let Some(s) = app.partner_session(headers).await? else {
        return Ok(Err(Redirect::to("/partenaires").into_response()));
    };
    let Some(user) = records::user(app, &s.email).await? else {
        return Ok(Err(
            Redirect::to("/partenaires/organisation").into_response()
        ));
    };
    let org = records::org(app, &user.org_id)
        .await?
        .ok_or_else(|| PageError::page(ErrorCode::PartnerForbidden, "organisation removed"))?;
    Ok(Ok(Partner {
        session_id: s.id,
        user,
        org,
    }))
}

/// The signed-in partner (for the other pages of the space).
pub async fn signed_in_partner(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Result<Partner, Response>, PageError> {
    partner(app, headers).await
}

macro_rules! signed_in {
    ($app:expr, $headers:expr) => {
        match $crate::partner_space::partner::signed_in_partner(&$app, &$headers).await? {
            Ok(p) => p,
            Err(redirect) => return Ok(redirect),
        }
    };
}

pub async fn owned(app: &AppState, p: &Partner, id: &str) -> Result<OnboardedService, PageError> {
    match records::service(app, id).await? {
        Some(s) if p.sees(&s) => Ok(s),
        Some(_) => Err(PageError::page(
            ErrorCode::PartnerForbidden,
            "service of another organisation",
        )),
        None => Err(PageError::page(ErrorCode::NotFound, "no such service")),
    }
}

pub(crate) use signed_in;
