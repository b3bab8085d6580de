//! The demo's home page: what is running, the test citizens, the demo
//! service's credentials, and a one-click test login whose callback shows
//! what a service receives.

use crate::citizens::CITIZENS;
use crate::world::DEMO_IDPS;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use relais_i18n::{Locale, Tr};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage<'a> {
    pub t: Tr,
    pub federation: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub redirect_uri: &'a str,
    pub try_url: &'a str,
    pub canteen: Option<&'a str>,
    /// The Plus platform beside this demo, and its registered-letter service.
    pub plus_issuer: Option<&'a str>,
    pub plus_letter: Option<&'a str>,
    pub idps: Vec<(&'static str, &'static str, String)>,
    pub citizens: Vec<(&'static str, String, bool)>,
    pub dps: Vec<(&'static str, String)>,
}

impl HomePage<'_> {
    pub fn render_page(&self) -> Response {
        match self.render() {
            Ok(s) => Html(s).into_response(),
            Err(_) => Html("<!DOCTYPE html><title>Relais</title><h1>Relais</h1>".to_owned())
                .into_response(),
        }
    }
}

pub fn idp_rows(public_url: &str) -> Vec<(&'static str, &'static str, String)> {
    DEMO_IDPS
        .iter()
        .map(|s| {
            let mut features = vec![s.alg.as_str().to_owned()];
            features.push(
                s.allowed_acr
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join("+"),
            );
            if s.userinfo_signed {
                features.push("userinfo JWT".into());
            }
            if s.end_session {
                features.push("end_session".into());
            }
            let _ = public_url;
            (s.id, s.title, features.join(", "))
        })
        .collect()
}

pub fn citizen_rows(locale: Locale) -> Vec<(&'static str, String, bool)> {
    CITIZENS
        .iter()
        .map(|c| {
            (
                c.login,
                locale.text(&format!("citizen-{}", c.login)).into_owned(),
                c.broken,
            )
        })
        .collect()
}

/// (title, API URL) of each demo data provider.
pub fn dp_rows(public_url: &str) -> Vec<(&'static str, String)> {
    crate::dp::DEMO_DPS
        .iter()
        .map(|d| {
            (
                d.title,
                format!("{public_url}/dp/{}/api/{}", d.id, d.resource),
            )
        })
        .collect()
}
