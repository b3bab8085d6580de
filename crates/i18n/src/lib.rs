//! The words of every page Relais shows — the login journey, the error
//! pages, the citizen space, the e-mails and the demo services — in French
//! (the default) and English.
//!
//! Texts live in Fluent files (`locales/<lang>/*.ftl`), compiled into the
//! binary; Rust code and templates only name messages. Data flows one way:
//! a request's language is decided once ([`Locale::negotiate`]: the
//! citizen's explicit choice, then the service's `ui_locales`, then the
//! browser), pages receive a [`Tr`] (the locale and the page's own address,
//! for the language switch), and templates call `t.text("message-id")`.
//! The switch is a plain link (`?lang=en`) that [`switch::remember_language`]
//! turns into a cookie and a redirect to the same page, so it keeps the flow.

pub mod catalog;
pub mod dates;
pub mod locale;
pub mod switch;

pub use locale::Locale;
pub use switch::Tr;
