//! Which language a page is shown in.

use axum::http::{header, HeaderMap};
use relais_core::cookie_header::cookie_value;

/// The languages Relais speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    Fr,
    En,
}

/// The cookie that remembers the language a citizen picked with the switch.
pub const LANG_COOKIE: &str = "relais_lang";

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    /// The BCP 47 tag, as in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// The language the switch offers.
    pub fn other(self) -> Locale {
        match self {
            Locale::Fr => Locale::En,
            Locale::En => Locale::Fr,
        }
    }

    /// A language tag (`en`, `en-GB`, `FR`) when it is one Relais speaks.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("fr") {
            Some(Locale::Fr)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// The citizen's explicit choice (the language cookie) first, then the
    /// first supported language of the service's `ui_locales`, then of the
    /// browser's `Accept-Language`, else French.
    pub fn negotiate(ui_locales: Option<&str>, headers: &HeaderMap) -> Locale {
        Locale::chosen(headers)
            .or_else(|| ui_locales.and_then(|u| first_of(u.split(' '))))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|a| first_of(a.split(',').map(|l| l.split(';').next().unwrap_or(""))))
            })
            .unwrap_or(Locale::Fr)
    }

    /// The language the citizen picked with the switch, if any.
    pub fn chosen(headers: &HeaderMap) -> Option<Locale> {
        cookie_value(headers.get_all(header::COOKIE), LANG_COOKIE).and_then(Locale::from_tag)
    }
}

fn first_of<'a>(mut tags: impl Iterator<Item = &'a str>) -> Option<Locale> {
    tags.find_map(Locale::from_tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                k.clone(),
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        h
    }

    #[test]
    fn the_citizens_choice_beats_the_service_and_the_browser() {
        let h = headers(&[
            (header::COOKIE, "a=b; relais_lang=en"),
            (header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9"),
        ]);
        assert_eq!(Locale::negotiate(Some("fr"), &h), Locale::En);
    }

    #[test]
    fn ui_locales_then_accept_language_then_french() {
        let h = headers(&[(header::ACCEPT_LANGUAGE, "de-DE, en-GB;q=0.8")]);
        assert_eq!(Locale::negotiate(Some("es fr-CA"), &h), Locale::Fr);
        assert_eq!(Locale::negotiate(Some("es"), &h), Locale::En);
        assert_eq!(Locale::negotiate(None, &HeaderMap::new()), Locale::Fr);
        let bad = headers(&[(header::COOKIE, "relais_lang=xx")]);
        assert_eq!(Locale::negotiate(Some("en"), &bad), Locale::En);
    }
}
