//! Crash: three `relais demo` processes on one PostgreSQL and one Redis; one
//! is killed with SIGKILL while logins run through the others. A login
//! started on the killed node resumes on another one, and no durable event
//! recorded before the kill is lost.

use crate::browser::Browser;
use crate::harness::{free_port, spawned_ready, Spawned};
use crate::scaleout::scaleout_urls;
use relais_store::EventStore;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

struct Nodes {
    ports: Vec<u16>,
    public: String,
    secret: String,
}

impl Nodes {
    fn on(&self, i: usize, url: &str) -> String {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.public)
        } else {
            url.to_owned()
        };
        url.replacen(
            &self.public,
            &format!("http://127.0.0.1:{}", self.ports[i]),
            1,
        )
    }
}

/// Runs a login whose steps go to `steps[k]` nodes; returns the access token.
async fn login(n: &Nodes, steps: [usize; 5], seq: usize) -> Result<String, String> {
    let b = Browser::new();
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "demo-service")
        .append_pair("redirect_uri", "http://localhost:3000/callback")
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("state", &format!("s{seq}"))
        .append_pair("nonce", "nonce-0123456789abcdefghijkl")
        .append_pair("acr_values", "eidas1")
        .finish();
    let p = b
        .get(&n.on(steps[0], &format!("/api/v2/authorize?{q}")))
        .await;
    let chooser = b
        .get(&n.on(steps[0], p.location.as_deref().ok_or("authorize")?))
        .await;
    let (action, mut fields) = chooser.form("/idp");
    fields.push(("idp".into(), "impots".into()));
    let to_idp = b.post(&n.on(steps[1], &action), &fields).await;
    let form = b
        .get(
            to_idp
                .location
                .as_deref()
                .ok_or_else(|| format!("choose: {}", to_idp.status))?,
        )
        .await;
    let back = b
        .submit(
            &form,
            "",
            "/login",
            &[("login", "jean"), ("password", "123")],
        )
        .await;
    let cb = b
        .get(&n.on(steps[2], back.location.as_deref().ok_or("idp")?))
        .await;
    let consent = b
        .get(
            &n.on(
                steps[3],
                cb.location
                    .as_deref()
                    .ok_or_else(|| format!("callback: {}", cb.status))?,
            ),
        )
        .await;
    let (action, fields) = consent.form("/consent");
    let done = b.post(&n.on(steps[3], &action), &fields).await;
    let code = done
        .location_params()
        .get("code")
        .cloned()
        .ok_or_else(|| format!("consent: {}", done.status))?;
    let t: Value = reqwest::Client::new()
        .post(n.on(steps[4], "/api/v2/token"))
        .basic_auth("demo-service", Some(&n.secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://localhost:3000/callback"),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    t["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("token: {t}"))
}

#[tokio::test]
async fn a_killed_node_loses_only_what_it_was_serving() {
    if !crate::scaleout::backends("a_killed_node_loses_only_what_it_was_serving").await {
        return;
    }
    let (durable, redis) = scaleout_urls().await;
    let exe = env!("CARGO_BIN_EXE_relais");
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let idp_port = free_port();
    let public = format!("http://127.0.0.1:{}", ports[0]);
    let dir = std::env::temp_dir().join(format!("relais-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut procs: Vec<Spawned> = Vec::new();
    procs.push(Spawned::start(
        Command::new(exe)
            .args([
                "idps",
                "--port",
                &idp_port.to_string(),
                "--federation",
                &public,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    ));
    for (i, p) in ports.iter().enumerate() {
        procs.push(Spawned::start(
            Command::new(exe)
                .args(["demo", "--port", &p.to_string(), "--public-url", &public])
                .args(relais::commands::demo_ports::FEDERATION_ALONE)
                .args([
                    "--idps-url",
                    &format!("http://127.0.0.1:{idp_port}"),
                    "--events",
                    "off",
                ])
                .args(["--db", &dir.join(format!("n{i}.db")).to_string_lossy()])
                .env("RELAIS__STORAGE__DURABLE", &durable)
                .env("RELAIS__STORAGE__EPHEMERAL", &redis)
                .env("RELAIS_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        ));
    }
    // procs: the IdPs, then the nodes in the order of `ports`.
    for (i, p) in ports.iter().enumerate() {
        spawned_ready(&mut procs[i + 1], &format!("http://127.0.0.1:{p}/readyz")).await;
    }
    spawned_ready(
        &mut procs[0],
        &format!("http://127.0.0.1:{idp_port}/idp/impots/.well-known/openid-configuration"),
    )
    .await;
    let secret = relais_demo::DemoWorld::new(&public, relais::node::DEMO_MASTER_KEY)
        .demo_service()
        .client_secret;
    let nodes = Arc::new(Nodes {
        ports,
        public,
        secret,
    });

    let mut completed = 0u64;
    for k in 0..4 {
        login(&nodes, [2, 2, 2, 2, 2], k).await.unwrap();
        completed += 1;
    }
    // a login starts on node C (index 2)…
    let b = Browser::new();
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "demo-service")
        .append_pair("redirect_uri", "http://localhost:3000/callback")
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("state", "resumed")
        .append_pair("nonce", "nonce-0123456789abcdefghijkl")
        .append_pair("acr_values", "eidas1")
        .finish();
    let p = b.get(&nodes.on(2, &format!("/api/v2/authorize?{q}"))).await;
    let chooser = b.get(&nodes.on(2, p.location.as_deref().unwrap())).await;
    assert_eq!(chooser.status, 200);

    // …logins keep running through A and B while C is killed
    let mut running = Vec::new();
    for t in 0..3 {
        let nodes = nodes.clone();
        running.push(tokio::spawn(async move {
            let mut ok = 0u64;
            for k in 0..3 {
                login(
                    &nodes,
                    [t % 2, (t + 1) % 2, t % 2, (t + 1) % 2, t % 2],
                    100 + t * 10 + k,
                )
                .await
                .unwrap();
                ok += 1;
            }
            ok
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let killed = &mut procs[3];
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert!(
        reqwest::get(nodes.on(2, "/healthz")).await.is_err(),
        "node C is gone"
    );

    // the login started on C continues on A and B
    let (action, mut fields) = chooser.form("/idp");
    fields.push(("idp".into(), "impots".into()));
    let to_idp = b.post(&nodes.on(0, &action), &fields).await;
    assert_eq!(to_idp.status, 303, "{}", to_idp.body);
    let form = b.get(to_idp.location.as_deref().unwrap()).await;
    let back = b
        .submit(
            &form,
            "",
            "/login",
            &[("login", "jean"), ("password", "123")],
        )
        .await;
    let cb = b.get(&nodes.on(1, back.location.as_deref().unwrap())).await;
    let consent = b.get(&nodes.on(0, cb.location.as_deref().unwrap())).await;
    let (action, fields) = consent.form("/consent");
    let done = b.post(&nodes.on(1, &action), &fields).await;
    assert_eq!(
        done.location_params().get("state").map(String::as_str),
        Some("resumed")
    );
    completed += 1;
    for r in running {
        completed += r.await.unwrap();
    }

    // every durable event of every completed login is in PostgreSQL
    let store =
        relais_store::postgres::PgStore::connect(&durable, Arc::new(relais_core::SystemClock))
            .await
            .unwrap();
    assert_eq!(store.count_events("FC_VERIFIED").await.unwrap(), completed);
    assert_eq!(
        store.count_events("FC_REDIRECTED_TO_SP").await.unwrap(),
        completed
    );
    let _ = std::fs::remove_dir_all(&dir);
}
