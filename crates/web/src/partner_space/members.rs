//! The people of an organisation: its admins add colleagues (by e-mail,
//! as admin or developer); developers manage services but not people. A
//! colleague signs in with the e-mail link like anyone and lands on the
//! organisation's services.

use super::partner::signed_in_partner;
use super::records;
use crate::error::PageError;
use crate::extract::PageBody;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::org::{normalise_email, PartnerUser, Role};
use relais_core::ErrorCode;

/// `POST /partenaires/membres`: adds a person to the organisation.
pub async fn add(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let p = match signed_in_partner(&app, &headers).await? {
        Ok(p) => p,
        Err(redirect) => return Ok(redirect),
    };
    let form: Vec<(String, String)> = relais_core::form_encoding::parse(&body)
        .into_owned()
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    };
    app.check_csrf(Some(get("csrf")), &p.session_id, "partner")
        .await?;
    if p.user.role != Role::Admin {
        return Err(PageError::page(
            ErrorCode::PartnerForbidden,
            "only an organisation's admins add people",
        ));
    }
    let back =
        |flag: &str| Redirect::to(&format!("/partenaires/services?membre={flag}")).into_response();
    let Some(email) = normalise_email(get("email")) else {
        return Ok(back("invalide"));
    };
    if records::user(&app, &email).await?.is_some() {
        // Already in an organisation (this one or another): nothing changes.
        return Ok(back("existant"));
    }
    let role = if get("role") == "admin" {
        Role::Admin
    } else {
        Role::Developer
    };
    records::save_user(
        &app,
        &PartnerUser {
            email: email.clone(),
            org_id: p.org.id.clone(),
            role,
            created_at: app.clock.now_millis(),
        },
    )
    .await?;
    super::audit(&app, &p.user.email, &format!("member.add:{email}"), None).await;
    Ok(back("ajoute"))
}
