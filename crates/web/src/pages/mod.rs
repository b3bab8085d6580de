//! Server-rendered pages (askama templates, compile-checked). No JavaScript
//! is needed to complete a login; texts come from the Fluent files of
//! `relais_i18n` (templates receive a [`Tr`]), birthplaces are shown as
//! names through [`cog`].

pub mod cog;
pub mod legal;
pub mod theme;

use askama::Template;
use axum::response::Html;
use relais_core::error::NextStep;
use relais_core::ErrorCode;
use relais_i18n::{Locale, Tr};
use std::borrow::Cow;

pub struct IdpButton {
    pub id: String,
    pub title: String,
    pub enabled: bool,
    pub reason: Cow<'static, str>,
}

#[derive(Template)]
#[template(path = "chooser.html")]
pub struct ChooserPage<'a> {
    pub t: Tr,
    pub sp_name: &'a str,
    pub banner: Option<&'a str>,
    pub action: String,
    pub csrf: String,
    pub idps: Vec<IdpButton>,
    pub cancel: String,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub t: Tr,
    pub sp_name: &'a str,
    pub idp_title: &'a str,
    pub anonymous: bool,
    pub rows: Vec<(Cow<'static, str>, String)>,
    pub data: Vec<String>,
    pub action: String,
    pub csrf: String,
    pub consent_required: bool,
    pub missing_consent: bool,
    /// "This is not me / I refuse": back to the service without logging in.
    pub refuse: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    message: &'a str,
    code: &'a str,
    occurrence: &'a str,
    /// The ways out, best first: (address, label).
    links: Vec<(String, Cow<'static, str>)>,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
struct LoggedOutPage {
    t: Tr,
}

/// Renders a template; a rendering failure becomes a minimal static page.
pub fn render<T: Template>(page: &T) -> Html<String> {
    match page.render() {
        Ok(s) => Html(s),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            Html("<!DOCTYPE html><html lang=\"fr\"><title>Erreur</title><h1>Erreur technique</h1></html>".to_owned())
        }
    }
}

/// Where an error page points, given the code and the login it broke
/// (`back`: the interaction's cancel address, which returns to the service).
pub fn error_links(
    code: ErrorCode,
    t: &Tr,
    back: Option<&str>,
) -> Vec<(String, Cow<'static, str>)> {
    let mut links = Vec::new();
    if let Some(cancel) = back {
        if code.next_step() == NextStep::AnotherAccount {
            if let Some(chooser) = cancel.strip_suffix("/cancel") {
                links.push((chooser.to_owned(), t.text("back-to-chooser")));
            }
        }
        links.push((cancel.to_owned(), t.text("back-to-service-plain")));
    } else {
        links.push(("/".to_owned(), t.text("back-home")));
    }
    links
}

pub fn error_page(code: ErrorCode, t: Tr, occurrence: &str, back: Option<&str>) -> Html<String> {
    let message = t.locale.error_message(code);
    let links = error_links(code, &t, back);
    render(&ErrorPage {
        message: &message,
        code: code.code(),
        occurrence,
        links,
        t,
    })
}

/// Where the logged-out page lives, so the language switch can show it again.
pub const LOGGED_OUT_PATH: &str = "/api/v2/logged-out";

pub fn logged_out_page(locale: Locale) -> Html<String> {
    render(&LoggedOutPage {
        t: Tr::new(locale, LOGGED_OUT_PATH),
    })
}

pub const CSS: &str = include_str!("../../assets/relais.css");
