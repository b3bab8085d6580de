//! The connection e-mail: after a login reaches a service, the address the
//! IdP gave is told which service, when, with which account, and where to
//! see the history and block an account. Whether one is due follows
//! `relais_core::connection_mail`. Nothing here can fail or slow the login:
//! a store error only skips the e-mail.

use super::device::{device_id, observe};
use super::OutgoingMail;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use relais_core::connection_mail::should_send;
use relais_i18n::Locale;

/// What the e-mail says.
pub struct ConnectionFacts<'a> {
    pub email: &'a str,
    pub identity_hash: &'a str,
    pub service: &'a str,
    /// The IdP used; its title is looked up only when an e-mail is sent.
    pub idp_id: &'a str,
    pub when_millis: i64,
    /// An SSO login on a service this session already logged in to.
    pub sso_same_service: bool,
}

/// The e-mail in the citizen's language.
pub fn compose(
    locale: Locale,
    facts: &ConnectionFacts<'_>,
    idp: &str,
    space_url: &str,
) -> OutgoingMail {
    let when = locale.date_time(facts.when_millis);
    let args = [
        ("service", facts.service),
        ("idp", idp),
        ("when", when.as_str()),
        ("space", space_url),
    ];
    OutgoingMail {
        to: facts.email.to_owned(),
        subject: locale.text_with("mail-connection-subject", &args),
        text: locale.text_with("mail-connection-body", &args),
    }
}

/// Decides and queues the e-mail; returns the device cookie to set when the
/// browser had none.
pub async fn after_login(
    app: &AppState,
    headers: &HeaderMap,
    locale: Locale,
    facts: ConnectionFacts<'_>,
) -> Option<HeaderValue> {
    let mailer = app.mailer.as_ref()?;
    let (device, cookie) = device_id(app, headers);
    let state = match observe(app, &device, facts.identity_hash).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "device record unavailable: no connection e-mail");
            return cookie;
        }
    };
    if should_send(mailer.policy, facts.sso_same_service, state) && !facts.email.is_empty() {
        let idp = app.registry.idp(facts.idp_id);
        let idp = idp.as_ref().map_or(facts.idp_id, |i| i.title.as_str());
        mailer.queue(compose(locale, &facts, idp, &app.settings.url("/espace")));
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_names_service_time_account_and_the_space() {
        let facts = ConnectionFacts {
            email: "angela@example.fr",
            identity_hash: "h",
            service: "Cantine de Belleville",
            idp_id: "ameli",
            when_millis: 1_796_196_600_000,
            sso_same_service: false,
        };
        let fr = compose(
            Locale::Fr,
            &facts,
            "ameli.fr",
            "https://relais.example/espace",
        );
        assert_eq!(fr.subject, "Connexion à Cantine de Belleville avec Relais");
        assert!(
            fr.text.contains("le 2 décembre 2026 à 08:30 avec ameli.fr"),
            "{}",
            fr.text
        );
        assert!(fr.text.contains("https://relais.example/espace"));
        let en = compose(
            Locale::En,
            &facts,
            "ameli.fr",
            "https://relais.example/espace",
        );
        assert!(
            en.text
                .contains("on 2 December 2026 at 08:30 with ameli.fr"),
            "{}",
            en.text
        );
    }
}
