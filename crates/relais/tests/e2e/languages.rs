//! Languages and ways out: the visible language switch keeps the step,
//! every page follows the citizen's choice, and no error page is a dead end.

use crate::browser::{to_consent, Browser};
use crate::harness::{authorize_url, Fed};

/// The `href` of the first link whose attributes contain `needle`.
fn link_with(body: &str, needle: &str) -> String {
    body.split("<a ")
        .find(|a| {
            a.split('>')
                .next()
                .is_some_and(|attrs| attrs.contains(needle))
        })
        .and_then(|a| a.split("href=\"").nth(1))
        .and_then(|h| h.split('"').next())
        .map(crate::browser::html_unescape)
        .unwrap_or_else(|| panic!("no link with {needle} in:\n{body}"))
}

/// The visible switch keeps the step: the chooser comes back in English,
/// the consent page and the error pages follow the choice (dates in words
/// of that language), and every error page has a way out.
#[tokio::test]
async fn the_language_switch_keeps_the_flow_and_no_page_is_a_dead_end() {
    let fed = Fed::start().await;
    let mut idp = fed.node.app.registry.idp("msa").unwrap().as_ref().clone();
    idp.active = false;
    fed.register_idp(idp).await;
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    assert!(chooser.body.contains("<html lang=\"fr\">"));
    let switch = link_with(&chooser.body, "hreflang=\"en\"");
    assert!(switch.ends_with("?lang=en"), "{switch}");
    let hop = b.get(&format!("{}{switch}", fed.base)).await;
    assert_eq!(hop.status, 303);
    let cookie = hop.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("relais_lang=en;"), "{cookie}");
    assert_eq!(
        hop.location.as_deref(),
        Some(switch.trim_end_matches("?lang=en"))
    );
    let chooser = b.follow(hop, &fed.base).await;
    assert_eq!(chooser.status, 200);
    assert!(chooser.body.contains("<html lang=\"en\">") && chooser.body.contains("Log in with"));

    // A greyed IdP forced through the form: the page offers another account
    // (the chooser again) and the way back to the service, in English.
    let refused = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "msa")])
        .await;
    assert_eq!(refused.error_code().as_deref(), Some("Y020017"));
    assert!(
        refused.body.contains("<html lang=\"en\">"),
        "{}",
        refused.body
    );
    let another = link_with(&refused.body, "class=\"back\"");
    assert!(
        another.starts_with("/api/v2/interaction/") && !another.ends_with("/cancel"),
        "{another}"
    );
    assert!(refused.body.contains("Choose another account"));
    let again = b.get(&format!("{}{another}", fed.base)).await;
    assert_eq!(again.status, 200, "the chooser again: {:?}", again.location);

    // The consent page in English, with the date of birth in English words
    // and a refuse path back to the service.
    let consent = to_consent(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    assert!(consent.body.contains("<html lang=\"en\">"));
    let months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    assert!(
        months.iter().any(|m| consent.body.contains(m)),
        "{}",
        consent.body
    );
    let refuse = link_with(&consent.body, "class=\"back\"");
    assert!(refuse.ends_with("/cancel"), "{refuse}");
    let to_sp = b.get(&format!("{}{refuse}", fed.base)).await;
    assert_eq!(to_sp.location_params()["error"], "access_denied");

    // 404 links home and switches back to French on the same address.
    let missing = b.get(&format!("{}/nowhere?x=1", fed.base)).await;
    assert_eq!(missing.status, 404);
    assert_eq!(link_with(&missing.body, "class=\"back\""), "/");
    assert_eq!(
        link_with(&missing.body, "hreflang=\"fr\""),
        "/nowhere?x=1&lang=fr"
    );
    let back_in_french = b
        .follow(
            b.get(&format!("{}/nowhere?x=1&lang=fr", fed.base)).await,
            &fed.base,
        )
        .await;
    assert!(back_in_french.body.contains("<html lang=\"fr\">"));
    assert!(crate::browser::html_unescape(&back_in_french.body)
        .contains("La page demandée n'existe pas."));
}

/// The footer's mandatory links lead to real pages in both languages; the
/// State's look is served from the operator's copy of the DSFR, nothing
/// else from that folder.
#[tokio::test]
async fn footer_pages_and_the_states_look() {
    let dir = crate::harness::temp("dsfr");
    std::fs::create_dir_all(dir.join("fonts")).unwrap();
    std::fs::write(dir.join("dsfr.min.css"), ".fr-header{}").unwrap();
    std::fs::write(dir.join("fonts/Marianne-Bold.woff2"), b"font").unwrap();
    std::fs::write(dir.join("package.json"), "{}").unwrap();
    let fed = Fed::start_configured(false, |c| {
        c.ui.theme = relais_web::pages::theme::Theme::State;
        c.ui.dsfr_dir = Some(dir.to_path_buf());
        c.ui.operator_name = Some("Ministère de l'Intérieur (démo)".into());
    })
    .await;
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&authorize_url(&fed, "sp-a", &[])).await, &fed.base)
        .await;
    let text = crate::browser::html_unescape(&chooser.body);
    assert!(text.contains("class=\"fr-header\"") && text.contains("République<br>française"));
    for (path, needle) in [
        ("/accessibilite", "partiellement conforme"),
        ("/mentions-legales", "Ministère de l'Intérieur (démo)"),
        ("/donnees-personnelles", "droit d'accès"),
    ] {
        assert!(
            text.contains(&format!("href=\"{path}\"")),
            "footer links {path}"
        );
        let page = b.get(&format!("{}{path}", fed.base)).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            crate::browser::html_unescape(&page.body).contains(needle),
            "{path}"
        );
    }
    let css = b
        .get(&format!("{}/api/v2/assets/dsfr/dsfr.min.css", fed.base))
        .await;
    assert_eq!((css.status, css.body.as_str()), (200, ".fr-header{}"));
    let font = b
        .get(&format!(
            "{}/api/v2/assets/dsfr/fonts/Marianne-Bold.woff2",
            fed.base
        ))
        .await;
    assert_eq!(font.headers["content-type"], "font/woff2");
    for bad in [
        "package.json",
        "..%2Fpackage.json",
        "fonts/..%2F..%2Fpackage.json",
    ] {
        let r = b
            .get(&format!("{}/api/v2/assets/dsfr/{bad}", fed.base))
            .await;
        assert_eq!(r.status, 404, "{bad}");
    }
    // English: the same page, the same mandatory links.
    let en = b.get(&format!("{}/accessibilite?lang=en", fed.base)).await;
    let en = b.follow(en, &fed.base).await;
    assert!(en.body.contains("Accessibility statement") && en.body.contains("lang=\"en\""));
}
