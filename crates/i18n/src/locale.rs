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
            .or_else(|| ui_locales.and_then(Locale::first_of_ui_locales))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::accepted)
            })
            .unwrap_or(Locale::Fr)
    }

    /// The language an `Accept-Language` header prefers among Relais' own
    /// (RFC 9110 §12.5.4): the highest weight wins, the first listed among
    /// equals, and `q=0` refuses a language. A browser lists its languages
    /// by weight, but a client need not; and one that refuses French gets
    /// English rather than the default it refused.
    pub fn accepted(header: &str) -> Option<Locale> {
        let mut best: Option<(u16, Locale)> = None;
        let mut refused = [false; Locale::ALL.len()];
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let weight = parts
                .find_map(|p| {
                    let (name, value) = p.split_once('=')?;
                    name.trim().eq_ignore_ascii_case("q").then_some(value)
                })
                .map_or(Some(1000), weight);
            match weight {
                // A weight that is not one: the item is left out.
                None => {}
                Some(0) => refused[locale as usize] = true,
                Some(w) if best.is_none_or(|(b, _)| w > b) => best = Some((w, locale)),
                Some(_) => {}
            }
        }
        best.map(|(_, l)| l).or_else(|| {
            (refused[Locale::Fr as usize] && !refused[Locale::En as usize]).then_some(Locale::En)
        })
    }

    /// The first language of a service's `ui_locales` (space-separated
    /// tags, by preference) that Relais speaks.
    pub fn first_of_ui_locales(ui_locales: &str) -> Option<Locale> {
        first_of(ui_locales.split(' '))
    }

    /// The language the citizen picked with the switch, if any.
    pub fn chosen(headers: &HeaderMap) -> Option<Locale> {
        cookie_value(headers.get_all(header::COOKIE), LANG_COOKIE).and_then(Locale::from_tag)
    }
}

fn first_of<'a>(mut tags: impl Iterator<Item = &'a str>) -> Option<Locale> {
    tags.find_map(Locale::from_tag)
}

/// A `qvalue` in thousandths (RFC 9110 §12.4.2: `0` to `1`, at most three
/// decimals), or `None` when the text is not one.
fn weight(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
    if decimals.len() > 3 || !decimals.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = decimals
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
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
    fn accept_language_is_read_by_weight_not_order() {
        let pick = |h: &str| Locale::accepted(h);
        assert_eq!(pick("en;q=0.5, fr;q=0.9"), Some(Locale::Fr));
        assert_eq!(pick("fr;q=0.5, de, en-GB;q=0.8"), Some(Locale::En));
        assert_eq!(pick("en, fr"), Some(Locale::En), "the first among equals");
        assert_eq!(pick("fr;q=1.000, en;q=1"), Some(Locale::Fr));
        assert_eq!(pick("en ; Q=0.7 , fr;q=0.600"), Some(Locale::En));
        assert_eq!(pick("de, es"), None);
        assert_eq!(pick(""), None);
        // q=0 refuses; refusing French (the default) means English.
        assert_eq!(pick("en;q=0, fr;q=0.1"), Some(Locale::Fr));
        assert_eq!(pick("fr;q=0, de"), Some(Locale::En));
        assert_eq!(pick("fr;q=0, en;q=0"), None);
        assert_eq!(pick("fr-FR;q=0.0"), Some(Locale::En));
        // A weight that is not one leaves its item out.
        assert_eq!(pick("en;q=2, fr;q=0.1"), Some(Locale::Fr));
        assert_eq!(pick("en;q=0.5x, fr;q=0.1"), Some(Locale::Fr));
        assert_eq!(pick("en;q=0.1234, fr;q=0.1"), Some(Locale::Fr));
        assert_eq!(pick("en;q=, fr;q=0.1"), Some(Locale::Fr));
        assert_eq!(pick("en;q=-1, fr;q=0.1"), Some(Locale::Fr));
    }

    #[test]
    fn qvalues_are_read_in_thousandths() {
        assert_eq!(weight("1"), Some(1000));
        assert_eq!(weight("1."), Some(1000));
        assert_eq!(weight("1.000"), Some(1000));
        assert_eq!(weight("0"), Some(0));
        assert_eq!(weight("0.5"), Some(500));
        assert_eq!(weight(" 0.05 "), Some(50));
        assert_eq!(weight("0.001"), Some(1));
        for bad in [
            "1.001", "2", "0.0001", ".5", "", "a", "0.5a", "01", "+1", "1e0",
        ] {
            assert_eq!(weight(bad), None, "{bad}");
        }
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
