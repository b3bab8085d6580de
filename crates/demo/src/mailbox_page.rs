//! `/demo/courriels`: the e-mails the demo's mail catcher received, as a
//! citizen would read them in their mailbox (newest first).

use crate::mail_catcher::message::CaughtMail;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use relais_i18n::{Locale, Tr};

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxPage<'a> {
    t: Tr,
    mails: Vec<&'a CaughtMail>,
}

pub fn render(locale: Locale, mails: &[CaughtMail]) -> Response {
    let page = MailboxPage {
        t: Tr::new(locale, "/demo/courriels"),
        mails: mails.iter().rev().collect(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "mailbox page rendering failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
