//! Connection e-mails over real SMTP (the demo's mail catcher): sent after
//! a login from a new device, not for SSO on the same service nor from a
//! trusted device, in the citizen's language, never blocking the login.

use crate::browser::{login, sso, Browser};
use crate::harness::{authorize_url, Fed};
use relais_demo::mail_catcher::message::CaughtMail;
use relais_demo::mail_catcher::MailCatcher;
use std::time::Duration;

/// Waits until the catcher holds `n` messages (they are sent in the background).
async fn wait_for(catcher: &MailCatcher, n: usize) -> Vec<CaughtMail> {
    for _ in 0..100 {
        let got = catcher.inbox.messages();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} e-mails, got {:?}",
        catcher
            .inbox
            .messages()
            .iter()
            .map(|m| &m.subject)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_login_from_a_new_device_sends_one_email_and_sso_does_not() {
    let (fed, catcher) = Fed::start_with_mail(false).await;
    fed.register_sp(Fed::sp("sp-b", "org-b")).await;
    let b = Browser::new();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    assert_eq!(done.status, 303);
    let device = done
        .headers
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("relais_device="));
    assert!(device, "the device cookie is set with the login");
    let mails = wait_for(&catcher, 1).await;
    let m = &mails[0];
    assert_eq!(m.to, vec!["angela.dubois@example.fr".to_owned()]);
    assert_eq!(m.subject, "Connexion à Service sp-a avec Relais");
    assert!(
        m.body
            .contains("Vous vous êtes connecté(e) à Service sp-a le "),
        "{}",
        m.body
    );
    assert!(m.body.contains("avec impots.gouv.fr (démo)."), "{}", m.body);
    assert!(m.body.contains(&format!("{}/espace", fed.base)));
    assert!(
        m.raw
            .contains("From: Relais <ne-pas-repondre@relais.localhost>"),
        "{}",
        m.raw
    );

    // SSO on the same service, then on another service from this (now
    // trusted) device: no e-mail.
    for sp in ["sp-a", "sp-b"] {
        let page = sso(&b, &fed.base, &authorize_url(&fed, sp, &[])).await;
        assert!(
            page.location.as_deref().unwrap_or("").contains("code="),
            "{sp}: {:?}",
            page.location
        );
    }

    // A new device (another browser), in English: one more e-mail, in English.
    let b2 = Browser::new();
    let url = authorize_url(&fed, "sp-b", &[("ui_locales", "en")]);
    assert_eq!(
        login(&b2, &fed.base, &url, "ameli", "angela").await.status,
        303
    );
    let mails = wait_for(&catcher, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        catcher.inbox.messages().len(),
        2,
        "no e-mail for SSO or a trusted device"
    );
    assert_eq!(mails[1].subject, "Login to Service sp-b with Relais");
    assert!(mails[1].body.contains("You logged in to Service sp-b on "));

    // The demo page shows them.
    let page = b.get(&format!("{}/demo/courriels", fed.base)).await;
    let text = crate::browser::html_unescape(&page.body);
    assert!(
        text.contains("Login to Service sp-b with Relais")
            && text.contains("Connexion à Service sp-a avec Relais")
    );
}

#[tokio::test]
async fn an_unreachable_mail_server_never_blocks_or_fails_a_login() {
    // Nothing listens on this port.
    let port = crate::harness::free_port();
    let fed = Fed::start_configured(false, |c| {
        c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let b = Browser::new();
    let started = std::time::Instant::now();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "angela",
    )
    .await;
    assert_eq!(done.status, 303);
    assert!(done.location.unwrap().contains("code="));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_bad_mail_configuration_stops_the_node_with_the_field_named() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = relais::config::Config::default();
    config.server.sandbox = true;
    let db = crate::harness::temp("mail.db");
    config.storage.sqlite_path = db.to_string_lossy().into_owned();
    config.mail.smtp_url = Some("gopher://nowhere".into());
    let spec = relais::node::NodeSpec {
        config,
        demo: true,
        clock: std::sync::Arc::new(relais_core::SystemClock),
        random: std::sync::Arc::new(relais_core::SystemRandomness),
        canteen: None,
        demo_idps_url: None,
        plus_demo: None,
        mail_inbox: None,
    };
    let err = relais::node::start(spec, listener)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("mail.smtp_url"), "{err}");
}
