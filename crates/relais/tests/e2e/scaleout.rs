//! Scale-out: several stateless nodes sharing one PostgreSQL (durable) and
//! one Redis (ephemeral). A login hops between nodes at every step;
//! configuration changes and key rotations reach every node; storage
//! outages give 503 with a code and recover by themselves.

use crate::browser::{Browser, Page};
use crate::harness::SP_SECRET;
use relais::config::Config;
use relais::node::{self, NodeSpec, RunningNode};
use relais_core::{ManualClock, SystemRandomness};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy the test can cut and restore (a storage outage).
pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
}

impl Proxy {
    pub async fn start(target: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let flag = up.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !flag.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let flag = flag.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut ri, mut wi) = inbound.split();
                    let (mut ro, mut wo) = outbound.split();
                    let watch = async {
                        while flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy(&mut ri, &mut wo) => {}
                        _ = tokio::io::copy(&mut ro, &mut wi) => {}
                        _ = watch => {}
                    }
                });
            }
        });
        Proxy { port, up }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

pub struct Cluster {
    pub nodes: Vec<RunningNode>,
    pub public: String,
    _idps: tokio::task::JoinHandle<()>,
}

impl Cluster {
    /// `n` nodes on one public URL (node 0's), demo IdPs in their own server.
    pub async fn start(n: usize, durable: &str, ephemeral: &str) -> Cluster {
        let listeners: Vec<TcpListener> = {
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
            }
            v
        };
        let public = format!(
            "http://127.0.0.1:{}",
            listeners[0].local_addr().unwrap().port()
        );
        let idp_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let idp_base = format!(
            "http://127.0.0.1:{}",
            idp_listener.local_addr().unwrap().port()
        );
        let clock: Arc<dyn relais_core::Clock> = Arc::new(ManualClock::starting_now());
        let idps = node::start_demo_idps(
            idp_listener,
            &idp_base,
            &public,
            None,
            relais_core::Platform::Standard,
            clock.clone(),
            Arc::new(SystemRandomness),
        )
        .await
        .unwrap();
        let mut nodes = Vec::new();
        for l in listeners {
            let mut config = Config::default();
            config.server.public_url = public.clone();
            config.server.sandbox = true;
            config.storage.durable = Some(durable.to_owned());
            config.storage.ephemeral = ephemeral.to_owned();
            config.events.output = "off".into();
            let spec = NodeSpec {
                config,
                demo: true,
                clock: clock.clone(),
                random: Arc::new(SystemRandomness),
                canteen: None,
                demo_idps_url: Some(idp_base.clone()),
                plus_demo: None,
                mail_inbox: None,
            };
            nodes.push(node::start(spec, l).await.unwrap());
        }
        let sp = {
            let mut sp = crate::harness::Fed::sp("sp-a", "org-a");
            sp.userinfo_signed_response_alg = Some(relais_core::JwsAlg::ES256);
            sp
        };
        nodes[0].app.registry.upsert_sp(&sp).await.unwrap();
        nodes[0]
            .app
            .registry
            .upsert_sp(&crate::harness::Fed::sp("sp-b", "org-b"))
            .await
            .unwrap();
        for node in &nodes {
            node.app.registry.reload().await.unwrap();
        }
        Cluster {
            nodes,
            public,
            _idps: idps,
        }
    }

    /// The same URL, served by node `i`.
    pub fn on(&self, i: usize, url: &str) -> String {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.public)
        } else {
            url.to_owned()
        };
        url.replacen(&self.public, &format!("http://{}", self.nodes[i].addr), 1)
    }
}

pub async fn scaleout_urls() -> (String, String) {
    let base = relais_store::postgres::test_url();
    let schema = relais_store::postgres::create_test_schema(&base)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let durable = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    (durable, relais_store::test_backends::redis_url())
}

/// Whether the PostgreSQL and Redis these tests need answer (see
/// `relais_store::test_backends`).
pub async fn backends(test: &str) -> bool {
    use relais_store::test_backends::{available, Backend};
    available(test, &[Backend::Postgres, Backend::Redis]).await
}

fn authorize(public: &str, client: &str) -> String {
    crate::harness::authorize_url_for(public, client, &[])
}

async fn jwt_claims(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).unwrap(),
    )
    .unwrap()
}

/// A full login with every step on node `i`; returns the code.
async fn login_on(c: &Cluster, i: usize, idp: &str, citizen: &str) -> Result<String, String> {
    login_on_watched(c, i, "sp-a", idp, citizen, &mut |_| {}).await
}

/// [`login_on`], calling `after` with each step's name once it has
/// answered (`authorize`, `chooser`, `choose_idp`, `the IdP`, `callback`,
/// `consent_page`, `consent_post`).
pub async fn login_on_watched(
    c: &Cluster,
    i: usize,
    client: &str,
    idp: &str,
    citizen: &str,
    after: &mut dyn FnMut(&'static str),
) -> Result<String, String> {
    let b = Browser::new();
    let consent = consent_page(c, i, &b, client, idp, citizen, after).await?;
    let (action, fields) = consent.form("/consent");
    let done = b.post(&c.on(i, &action), &fields).await;
    after("consent_post");
    done.location_params()
        .get("code")
        .cloned()
        .ok_or_else(|| format!("consent: {}", done.status))
}

/// A login of `client` in browser `b`, every step on node `i`, up to its
/// consent page (not submitted), calling `after` as [`login_on_watched`].
async fn consent_page(
    c: &Cluster,
    i: usize,
    b: &Browser,
    client: &str,
    idp: &str,
    citizen: &str,
    after: &mut dyn FnMut(&'static str),
) -> Result<Page, String> {
    let p = b.get(&c.on(i, &authorize(&c.public, client))).await;
    after("authorize");
    let chooser = b
        .get(&c.on(i, p.location.as_deref().ok_or("no redirect at authorize")?))
        .await;
    after("chooser");
    if chooser.status != 200 {
        return Err(format!("chooser: {}", chooser.status));
    }
    let (action, mut fields) = chooser.form("/idp");
    fields.push(("idp".into(), idp.into()));
    let to_idp = b.post(&c.on(i, &action), &fields).await;
    after("choose_idp");
    let form = b
        .get(to_idp.location.as_deref().ok_or("no redirect to the IdP")?)
        .await;
    let back = b
        .submit(
            &form,
            "",
            "/login",
            &[("login", citizen), ("password", "123")],
        )
        .await;
    after("the IdP");
    let cb = b
        .get(&c.on(
            i,
            back.location.as_deref().ok_or("no redirect from the IdP")?,
        ))
        .await;
    after("callback");
    let consent: Page = b
        .get(
            &c.on(
                i,
                cb.location
                    .as_deref()
                    .ok_or_else(|| format!("callback: {}", cb.status))?,
            ),
        )
        .await;
    after("consent_page");
    Ok(consent)
}

pub async fn token_on(c: &Cluster, node: usize, client: &str, code: &str) -> Value {
    reqwest::Client::new()
        .post(c.on(node, "/api/v2/token"))
        .basic_auth(client, Some(SP_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &format!("http://127.0.0.1:9/{client}/cb")),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_login_hops_across_three_nodes() {
    if !backends("a_login_hops_across_three_nodes").await {
        return;
    }
    let (durable, redis) = scaleout_urls().await;
    let c = Cluster::start(3, &durable, &redis).await;
    let b = Browser::new();
    // authorize on A
    let p = b.get(&c.on(0, &authorize(&c.public, "sp-a"))).await;
    assert_eq!(p.status, 303, "{}", p.body);
    // chooser on B, pick on C
    let chooser = b.get(&c.on(1, p.location.as_deref().unwrap())).await;
    assert_eq!(chooser.status, 200, "{}", chooser.body);
    let (action, mut fields) = chooser.form("/idp");
    fields.push(("idp".into(), "impots".into()));
    let to_idp = b.post(&c.on(2, &action), &fields).await;
    let form = b.get(to_idp.location.as_deref().unwrap()).await;
    let back = b
        .submit(
            &form,
            "",
            "/login",
            &[("login", "jean"), ("password", "123")],
        )
        .await;
    // IdP callback on B
    let cb = b.get(&c.on(1, back.location.as_deref().unwrap())).await;
    assert_eq!(cb.status, 303, "{}", cb.body);
    // Its FC_VERIFIED, stored with the account's connection in one
    // statement, still reaches B's event stream, which counts the logins.
    let login_counted = "relais_logins_total{sp=\"sp-a\",idp=\"impots\",platform=\"standard\"} 1";
    let mut metrics = String::new();
    for _ in 0..40 {
        metrics = reqwest::get(c.on(1, "/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if metrics.contains(login_counted) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(metrics.contains(login_counted), "{metrics}");
    // consent on C
    let consent = b.get(&c.on(2, cb.location.as_deref().unwrap())).await;
    assert_eq!(consent.status, 200);
    let (action, fields) = consent.form("/consent");
    let done = b.post(&c.on(2, &action), &fields).await;
    let code = done.location_params()["code"].clone();
    // token on A, userinfo on B
    let t = token_on(&c, 0, "sp-a", &code).await;
    let id_token = t["id_token"].as_str().unwrap().to_owned();
    let ui = reqwest::Client::new()
        .get(c.on(1, "/api/v2/userinfo"))
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    let claims = jwt_claims(&ui.text().await.unwrap()).await;
    assert_eq!(claims["family_name"], "DUPONT");

    // SSO for a second service through node C: no chooser
    let p = b.get(&c.on(2, &authorize(&c.public, "sp-b"))).await;
    assert!(
        p.location.as_deref().unwrap().contains("/consent"),
        "{:?}",
        p.location
    );
    // logout through node B (impots chains to its end_session)
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "http://127.0.0.1:9/sp-a/bye")
        .append_pair("state", "s")
        .finish();
    let out = b.get(&c.on(1, &format!("/api/v2/session/end?{q}"))).await;
    let at_idp = b.get(out.location.as_deref().unwrap()).await;
    let end = b.get(&c.on(0, at_idp.location.as_deref().unwrap())).await;
    assert_eq!(
        end.location.as_deref(),
        Some("http://127.0.0.1:9/sp-a/bye?state=s")
    );
    let p = b.get(&c.on(2, &authorize(&c.public, "sp-b"))).await;
    assert!(
        !p.location.unwrap().contains("/consent"),
        "SSO ended on every node"
    );

    // a configuration change made through node A is seen by B and C within 1 s
    let mut idp = c.nodes[0]
        .app
        .registry
        .idp("ameli")
        .unwrap()
        .as_ref()
        .clone();
    idp.active = false;
    let started = Instant::now();
    c.nodes[0].app.registry.upsert_idp(&idp).await.unwrap();
    for i in [1, 2] {
        while c.nodes[i].app.registry.idp("ameli").unwrap().active {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "node {i} still sees the IdP active after 1 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // key rotation through one node: every node publishes and then signs with the new key
    let jwks = |i: usize| {
        let url = c.on(i, "/api/v2/jwks");
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let before = jwks(0).await;
    let store = c.nodes[0].app.stores.keys.clone();
    let sealer =
        relais_oidc::sealer::Sealer::from_master_secret(relais::node::DEMO_MASTER_KEY.as_bytes())
            .unwrap();
    let now = relais_core::Clock::now_millis(c.nodes[0].app.clock.as_ref());
    let kids = relais_web::keyring::KeyRing::rotate(store.as_ref(), &sealer, now, 0)
        .await
        .unwrap();
    let started = Instant::now();
    for i in 0..3 {
        loop {
            let set = jwks(i).await;
            let published: Vec<String> = set["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect();
            if kids.iter().all(|k| published.contains(k)) {
                // old keys stay published for tokens still in flight
                for old in before["keys"].as_array().unwrap() {
                    assert!(published.contains(&old["kid"].as_str().unwrap().to_owned()));
                }
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "node {i} does not publish the new keys"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    for i in 0..3 {
        let code = login_on(&c, i, "msa", "pascal").await.unwrap();
        let t = token_on(&c, i, "sp-a", &code).await;
        let header: Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                t["id_token"].as_str().unwrap().split('.').next().unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert!(
            kids.contains(&header["kid"].as_str().unwrap().to_owned()),
            "node {i} signs with the new key"
        );
    }
}

#[tokio::test]
async fn redis_and_postgres_outages_give_503_and_recover() {
    if !backends("redis_and_postgres_outages_give_503_and_recover").await {
        return;
    }
    let (durable, redis) = scaleout_urls().await;
    let redis_proxy = Proxy::start("127.0.0.1:6379").await;
    let _ = redis;
    let pg_proxy = Proxy::start("127.0.0.1:5432").await;
    let durable = durable.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", pg_proxy.port));
    let c = Cluster::start(
        1,
        &durable,
        &format!("redis://127.0.0.1:{}", redis_proxy.port),
    )
    .await;
    let ready = |c: &Cluster| {
        let url = c.on(0, "/readyz");
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    let health = c.on(0, "/healthz");
    assert_eq!(ready(&c).await, 200);

    for (name, proxy) in [("redis", &redis_proxy), ("postgres", &pg_proxy)] {
        let b = Browser::new();
        let p = b.get(&c.on(0, &authorize(&c.public, "sp-a"))).await;
        assert_eq!(p.status, 303, "{name}");
        proxy.cut();
        // the next step of the flow meets the outage
        let mut saw_503 = false;
        for _ in 0..if name == "redis" { 20 } else { 0 } {
            let page = b.get(&c.on(0, p.location.as_deref().unwrap())).await;
            if page.status == 503 {
                assert_eq!(page.error_code().as_deref(), Some("Y000503"), "{name}");
                saw_503 = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if name == "redis" {
            assert!(saw_503, "{name} outage shows a 503 page");
        } else {
            // PostgreSQL is met at the IdP callback (accounts): a clear 503 there.
            let mut last = Ok(String::new());
            for _ in 0..10 {
                last = login_on(&c, 0, "impots", "jean").await;
                if last == Err("callback: 503".to_owned()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(
                last,
                Err("callback: 503".to_owned()),
                "{name} outage at the callback"
            );
        }
        let started = Instant::now();
        while ready(&c).await != 503 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{name}: /readyz stays ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            reqwest::get(&health).await.unwrap().status().as_u16(),
            200,
            "/healthz stays true"
        );
        let token = reqwest::Client::new()
            .post(c.on(0, "/api/v2/token"))
            .basic_auth("sp-a", Some(SP_SECRET))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("redirect_uri", "http://127.0.0.1:9/sp-a/cb"),
            ])
            .send()
            .await
            .unwrap();
        if name == "redis" {
            assert_eq!(
                token.status().as_u16(),
                503,
                "JSON endpoints answer 503 too"
            );
            let body: Value = token.json().await.unwrap();
            assert_eq!(body["code"], "Y000503");
        }
        proxy.restore();
        let started = Instant::now();
        while ready(&c).await != 200 {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{name}: no recovery"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // a whole login works again, without restarting the node
        let code = login_on(&c, 0, "impots", "jean").await;
        assert!(code.is_ok(), "{name}: login after recovery: {code:?}");
    }

    // PostgreSQL lost between the IdP and the go-ahead, where consent
    // judges the account once the code is written: a clear 503, no code,
    // and the session put back (a login that never reached its service
    // opens no SSO: the next authorize in this browser is at the chooser).
    let b = Browser::new();
    let consent = consent_page(&c, 0, &b, "sp-a", "impots", "jean", &mut |_| {})
        .await
        .unwrap();
    pg_proxy.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = b.submit(&consent, &c.public, "/consent", &[]).await;
    pg_proxy.restore();
    assert_eq!(
        (refused.status, refused.error_code().as_deref()),
        (503, Some("Y000503"))
    );
    assert!(!refused.location_params().contains_key("code"));
    let started = Instant::now();
    while ready(&c).await != 200 {
        assert!(started.elapsed() < Duration::from_secs(15), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let next = b.get(&c.on(0, &authorize(&c.public, "sp-a"))).await;
    assert_eq!(next.status, 303);
    assert!(
        next.location
            .as_deref()
            .is_some_and(|l| !l.contains("/consent")),
        "{:?}",
        next.location
    );
}
