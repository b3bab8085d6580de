//! The language switch: every page links to itself with `?lang=<other>`;
//! [`remember_language`] answers such a request with a cookie and a
//! redirect to the same address without the parameter, so the citizen
//! stays on the step they were at (the chooser, the consent page, their
//! space) and every later page follows the choice.

use crate::locale::{Locale, LANG_COOKIE};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_core::form_encoding::{self, FormQuery};
use std::borrow::Cow;

/// What a template needs to speak: its language, and its own address for
/// the switch.
#[derive(Debug, Clone)]
pub struct Tr {
    pub locale: Locale,
    here: String,
}

impl Tr {
    /// `here` is the page's path and query (`/api/v2/interaction/abc`).
    pub fn new(locale: Locale, here: &str) -> Tr {
        Tr {
            locale,
            here: here.to_owned(),
        }
    }

    /// `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }

    pub fn text(&self, id: &str) -> Cow<'static, str> {
        self.locale.text(id)
    }

    pub fn text_with(&self, id: &str, pairs: &[(&str, &str)]) -> String {
        self.locale.text_with(id, pairs)
    }

    /// The same page in the other language.
    pub fn switch_href(&self) -> String {
        with_lang(&self.here, Some(self.locale.other()))
    }

    /// The other language's name, written in that language.
    pub fn switch_label(&self) -> Cow<'static, str> {
        self.locale.other().text("lang-name")
    }

    /// The other language's tag, for the link's `lang`/`hreflang`.
    pub fn switch_lang(&self) -> &'static str {
        self.locale.other().code()
    }
}

/// `path?query` with `lang` set to `lang` (or removed), other parameters kept.
fn with_lang(here: &str, lang: Option<Locale>) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    // A path starting with `//` would be another host once in a Location.
    let path = format!("/{}", path.trim_start_matches('/'));
    let mut out = FormQuery::on(path);
    for (k, v) in form_encoding::parse(query.as_bytes()) {
        if k != "lang" {
            out = out.pair(&k, &v);
        }
    }
    if let Some(l) = lang {
        out = out.pair("lang", l.code());
    }
    out.finish()
}

/// The language the first `lang` parameter of `query` names, as form
/// decoding reads it. Every GET goes through here, so only a pair whose
/// name is `lang` or escaped (`l%61ng`, which decodes to it) is decoded;
/// decoding the whole query (an authorization request's dozen parameters)
/// cost more than the rest of the language switch.
fn lang_param(query: &str) -> Option<Locale> {
    query
        .split('&')
        .find_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let may_be_lang = name == "lang" || name.contains(['%', '+']);
            (may_be_lang && form_encoding::decode(name.as_bytes()) == "lang")
                .then(|| Locale::from_tag(&form_encoding::decode(value.as_bytes())))
        })
        // The first `lang` decides, even when it names no supported language.
        .flatten()
}

/// A GET with a supported `lang` parameter: the answer that remembers it
/// for a year and shows the same page again without the parameter. `None`
/// for any other request, which goes on to its route.
pub fn remember_language(req: &Request) -> Option<Response> {
    if req.method() == Method::GET {
        let chosen = req.uri().query().and_then(lang_param);
        if let Some(locale) = chosen {
            let here = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let target = with_lang(here, None);
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                locale.code()
            );
            let mut resp = StatusCode::SEE_OTHER.into_response();
            if let (Ok(location), Ok(cookie)) = (
                HeaderValue::from_str(&target),
                HeaderValue::from_str(&cookie),
            ) {
                resp.headers_mut().insert(header::LOCATION, location);
                resp.headers_mut().insert(header::SET_COOKIE, cookie);
                resp.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                return Some(resp);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parameter as decoding the whole query finds it.
    #[test]
    fn the_lang_parameter_is_read_as_form_decoding_reads_it() {
        let decoded = |q: &str| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Locale::from_tag(&v))
        };
        for q in [
            "",
            "lang=en",
            "client_id=a&scope=openid+email&lang=en",
            "lang=fr&lang=en",
            "lang=xx&lang=en",
            "l%61ng=en",
            "%6Cang=fr&lang=en",
            "lang+=en",
            "lang=e%6E",
            "lang=en-GB",
            "lang",
            "&&lang=en&",
            "language=en",
            "redirect_uri=https%3A%2F%2Fsp.example%2F%3Flang%3Den",
        ] {
            assert_eq!(lang_param(q), decoded(q), "{q}");
        }
    }

    #[test]
    fn the_switch_keeps_the_page_and_its_parameters() {
        let t = Tr::new(
            Locale::Fr,
            "/api/v2/authorize?client_id=a&lang=fr&scope=openid+email",
        );
        assert_eq!(
            t.switch_href(),
            "/api/v2/authorize?client_id=a&scope=openid+email&lang=en"
        );
        assert_eq!(with_lang("/x?lang=en", None), "/x");
        assert_eq!(
            with_lang("//evil.example/x?lang=en", None),
            "/evil.example/x"
        );
    }
}
