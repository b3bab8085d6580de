//! The pages every footer links to, as the State's services must offer
//! them: the accessibility statement (with what was measured), the legal
//! notices and the personal-data page. Texts are in the Fluent files; the
//! operator's name and contact come from `[ui]`.

use crate::pages::render;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use relais_i18n::{Locale, Tr};

#[derive(Template)]
#[template(path = "legal.html")]
struct LegalPage {
    t: Tr,
    title: String,
    paragraphs: Vec<String>,
}

fn page(app: &AppState, headers: &HeaderMap, path: &str, prefix: &str, count: usize) -> Response {
    let locale = Locale::negotiate(None, headers);
    let args = [
        ("operator", app.settings.operator_name.as_str()),
        ("contact", app.settings.contact_email.as_str()),
    ];
    let paragraphs = (1..=count)
        .map(|i| locale.text_with(&format!("{prefix}-{i}"), &args))
        .collect();
    render(&LegalPage {
        t: Tr::new(locale, path),
        title: locale.text(&format!("{prefix}-title")).into_owned(),
        paragraphs,
    })
    .into_response()
}

pub async fn accessibility(State(app): State<AppState>, headers: HeaderMap) -> Response {
    page(&app, &headers, "/accessibilite", "legal-a11y", 4)
}

pub async fn notices(State(app): State<AppState>, headers: HeaderMap) -> Response {
    page(&app, &headers, "/mentions-legales", "legal-notices", 3)
}

pub async fn personal_data(State(app): State<AppState>, headers: HeaderMap) -> Response {
    page(&app, &headers, "/donnees-personnelles", "legal-data", 5)
}

#[cfg(test)]
mod tests {
    use relais_i18n::catalog::has;
    use relais_i18n::Locale;

    #[test]
    fn every_paragraph_exists_in_both_languages() {
        for locale in Locale::ALL {
            for (prefix, n) in [("legal-a11y", 4), ("legal-notices", 3), ("legal-data", 5)] {
                assert!(has(locale, &format!("{prefix}-title")));
                for i in 1..=n {
                    assert!(has(locale, &format!("{prefix}-{i}")), "{prefix}-{i}");
                }
            }
        }
    }
}
