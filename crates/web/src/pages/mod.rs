//! Server-rendered pages (askama templates, compile-checked). No JavaScript
//! is needed to complete a login; texts come from [`i18n`], birthplaces are
//! shown as names through [`cog`].

pub mod cog;
pub mod i18n;

use askama::Template;
use axum::response::Html;
use i18n::{Locale, Texts};
use relais_core::ErrorCode;

pub struct IdpButton {
    pub id: String,
    pub title: String,
    pub enabled: bool,
    pub reason: &'static str,
}

#[derive(Template)]
#[template(path = "chooser.html")]
pub struct ChooserPage<'a> {
    pub t: &'static Texts,
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
    pub t: &'static Texts,
    pub sp_name: &'a str,
    pub idp_title: &'a str,
    pub anonymous: bool,
    pub rows: Vec<(&'static str, String)>,
    pub data: Vec<String>,
    pub action: String,
    pub csrf: String,
    pub consent_required: bool,
    pub missing_consent: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'static Texts,
    message: &'a str,
    code: &'a str,
    occurrence: &'a str,
    back: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
struct LoggedOutPage {
    t: &'static Texts,
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

pub fn error_page(
    code: ErrorCode,
    locale: Locale,
    occurrence: &str,
    back: Option<&str>,
) -> Html<String> {
    let t = locale.texts();
    render(&ErrorPage {
        t,
        message: match locale {
            Locale::Fr => code.message_fr(),
            Locale::En => code.message_en(),
        },
        code: code.code(),
        occurrence,
        back,
    })
}

pub fn logged_out_page(locale: Locale) -> Html<String> {
    render(&LoggedOutPage { t: locale.texts() })
}

pub const CSS: &str = include_str!("../../assets/relais.css");
