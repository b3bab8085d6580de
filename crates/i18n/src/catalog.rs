//! The Fluent bundles: every `.ftl` file of `locales/<lang>/`, compiled
//! into the binary and parsed once.
//!
//! A message that is missing (a bug the tests of this crate catch: every
//! id a template or the code names exists in both languages) shows as its
//! id and is logged, rather than failing the page.

use crate::locale::Locale;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::borrow::Cow;
use std::sync::LazyLock;

/// The Fluent sources of one language: (file name, text).
pub fn sources(locale: Locale) -> &'static [(&'static str, &'static str)] {
    match locale {
        Locale::Fr => &[
            ("pages.ftl", include_str!("../locales/fr/pages.ftl")),
            ("errors.ftl", include_str!("../locales/fr/errors.ftl")),
            ("citizen.ftl", include_str!("../locales/fr/citizen.ftl")),
            ("demo.ftl", include_str!("../locales/fr/demo.ftl")),
            ("partner.ftl", include_str!("../locales/fr/partner.ftl")),
        ],
        Locale::En => &[
            ("pages.ftl", include_str!("../locales/en/pages.ftl")),
            ("errors.ftl", include_str!("../locales/en/errors.ftl")),
            ("citizen.ftl", include_str!("../locales/en/citizen.ftl")),
            ("demo.ftl", include_str!("../locales/en/demo.ftl")),
            ("partner.ftl", include_str!("../locales/en/partner.ftl")),
        ],
    }
}

type Bundle = FluentBundle<FluentResource>;

fn build(locale: Locale) -> Bundle {
    let lang = locale.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Pages are HTML, not bidirectional text: no isolation marks around values.
    bundle.set_use_isolating(false);
    for (name, text) in sources(locale) {
        let resource = match FluentResource::try_new((*text).to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(
                    file = name,
                    lang = locale.code(),
                    ?errors,
                    "Fluent syntax errors"
                );
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                file = name,
                lang = locale.code(),
                ?errors,
                "Fluent messages defined twice"
            );
        }
    }
    bundle
}

static FR: LazyLock<Bundle> = LazyLock::new(|| build(Locale::Fr));
static EN: LazyLock<Bundle> = LazyLock::new(|| build(Locale::En));

fn bundle(locale: Locale) -> &'static Bundle {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

/// Whether the message exists in this language.
pub fn has(locale: Locale, id: &str) -> bool {
    bundle(locale).has_message(id)
}

/// The message `id`, with named arguments.
pub fn format(locale: Locale, id: &str, args: Option<&FluentArgs>) -> Cow<'static, str> {
    let bundle = bundle(locale);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(id, lang = locale.code(), "missing Fluent message");
        return Cow::Owned(id.to_owned());
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::error!(
            id,
            lang = locale.code(),
            ?errors,
            "Fluent message did not format cleanly"
        );
    }
    text
}

/// Arguments from (name, value) pairs; numbers stay numbers so that
/// plural and ordinal selectors work.
pub fn args<'a>(pairs: &[(&'a str, Arg<'a>)]) -> FluentArgs<'a> {
    let mut out = FluentArgs::new();
    for (name, value) in pairs {
        match value {
            Arg::Text(s) => out.set(*name, FluentValue::from(*s)),
            Arg::Number(n) => out.set(*name, FluentValue::from(*n)),
        }
    }
    out
}

/// One argument of a message.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl Locale {
    /// The message `id` in this language.
    pub fn text(self, id: &str) -> Cow<'static, str> {
        format(self, id, None)
    }

    /// The message `id` with text arguments (`{ $name }` in the file).
    pub fn text_with(self, id: &str, pairs: &[(&str, &str)]) -> String {
        let list: Vec<(&str, Arg<'_>)> = pairs.iter().map(|(k, v)| (*k, Arg::Text(v))).collect();
        format(self, id, Some(&args(&list))).into_owned()
    }

    /// The citizen's message of an error code.
    pub fn error_message(self, code: relais_core::ErrorCode) -> Cow<'static, str> {
        format(self, &code.message_id(), None)
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
