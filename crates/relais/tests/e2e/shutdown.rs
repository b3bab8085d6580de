//! Graceful stop: a `relais demo` process that receives SIGTERM right after
//! a login finishes the requests it holds, flushes the business events it
//! has not written yet (they are written in 50 ms batches), and exits 0.

use crate::browser::{self, Browser};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn sigterm_flushes_events_before_exit() {
    let exe = env!("CARGO_BIN_EXE_relais");
    let dir = std::env::temp_dir().join(format!("relais-sigterm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    let mut demo = Command::new(exe);
    demo.arg("demo")
        .args(relais::commands::demo_ports::FEDERATION_ALONE)
        .args(["--events", &events.to_string_lossy()])
        .args(["--db", &dir.join("relais.db").to_string_lossy()])
        .env("RELAIS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let (mut child, base) = crate::harness::demo_on_a_free_port(demo).await;

    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "demo-service")
        .append_pair("redirect_uri", "http://localhost:3000/callback")
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("state", "state-sigterm")
        .append_pair("nonce", "nonce-0123456789abcdefghijkl")
        .append_pair("acr_values", "eidas1")
        .finish();
    let b = Browser::new();
    let done = browser::login(
        &b,
        &base,
        &format!("{base}/api/v2/authorize?{q}"),
        "impots",
        "jean",
    )
    .await;
    let code = done.location_params().get("code").cloned().unwrap();
    let secret = relais_demo::DemoWorld::new(&base, relais::node::DEMO_MASTER_KEY)
        .demo_service()
        .client_secret;
    let token: Value = reqwest::Client::new()
        .post(format!("{base}/api/v2/token"))
        .basic_auth("demo-service", Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://localhost:3000/callback"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(token["access_token"].is_string(), "{token}");

    // At once: the token step's events are still in the writer's queue.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let mut status = None;
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let Some(status) = status else {
        panic!("relais demo did not exit within 10 s of SIGTERM");
    };
    assert!(status.success(), "exit status {status}");
    let names: Vec<String> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|e| e["event"].as_str().map(str::to_owned))
        .collect();
    for expected in [
        "FC_VERIFIED",
        "FC_REDIRECTED_TO_SP",
        "SP_REQUESTED_FC_TOKEN",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
