//! What a login costs in round trips to Redis, step by step.
//!
//! In scale-out every trip to the ephemeral store is a network round trip,
//! and the node's CPU per login follows their number (docs/benchmarks.md).
//! A node here talks to Redis through a proxy that counts the commands it
//! forwards (one per round trip: a step's batch is one `EVALSHA`), and the
//! test checks each step's count: a change that adds a trip to a step fails
//! here, where a benchmark would only drift.

use crate::scaleout::{backends, login_on_watched, scaleout_urls, token_on, Cluster};
use relais_core::partner::DataProvider;
use relais_core::JwsAlg;
use serde_json::json;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to Redis counting the commands (RESP arrays) its clients send.
struct CountingProxy {
    port: u16,
    commands: Arc<std::sync::Mutex<Vec<String>>>,
}

impl CountingProxy {
    async fn start(target: String) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(std::sync::Mutex::new(Vec::new()));
        let counter = commands.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = TcpStream::connect(&target).await else {
                    continue;
                };
                let counter = counter.clone();
                tokio::spawn(async move {
                    let (mut ri, mut wi) = inbound.into_split();
                    let (mut ro, mut wo) = outbound.into_split();
                    let up = async move {
                        let mut pending = Vec::new();
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let n = match ri.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            pending.extend_from_slice(&buf[..n]);
                            while let Some(used) = resp_array_len(&pending) {
                                counter.lock().unwrap().push(command_name(&pending[..used]));
                                pending.drain(..used);
                            }
                            if wo.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    };
                    let down = async move {
                        let _ = tokio::io::copy(&mut ro, &mut wi).await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        CountingProxy { port, commands }
    }

    /// Commands forwarded since the last call.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.commands.lock().unwrap())
    }
}

/// A command's name and its first key's first part (a script's too), to
/// tell the steps' records from the rate budgets, and to read in a failure.
fn command_name(command: &[u8]) -> String {
    let text = String::from_utf8_lossy(command);
    let parts: Vec<&str> = text.split("\r\n").collect();
    let name = parts.get(2).copied().unwrap_or_default();
    // `EVALSHA sha numkeys key…`: the key after the hash and the count.
    let at = if name.starts_with("EVAL") { 8 } else { 4 };
    let key = parts
        .get(at)
        .map(|k| k.split(':').take(2).collect::<Vec<_>>().join(":"));
    format!("{name} {}", key.unwrap_or_default())
}

/// Whether a command reserves a rate budget (abuse/shared_budget.rs)
/// rather than reading or writing a step's records.
fn is_budget(command: &str) -> bool {
    command.ends_with(" relais:rl")
}

/// The length of the whole command (`*N` then N bulk strings) at the start
/// of `b`, if it is all there.
fn resp_array_len(b: &[u8]) -> Option<usize> {
    fn line(b: &[u8], from: usize) -> Option<(usize, usize)> {
        let end = from + b.get(from..)?.windows(2).position(|w| w == b"\r\n")?;
        let n = std::str::from_utf8(b.get(from + 1..end)?)
            .ok()?
            .parse()
            .ok()?;
        Some((n, end + 2))
    }
    assert_eq!(
        b.first().copied().unwrap_or(b'*'),
        b'*',
        "a command is an array"
    );
    let (items, mut at) = line(b, 0)?;
    for _ in 0..items {
        assert_eq!(b.get(at).copied().unwrap_or(b'$'), b'$', "bulk strings");
        let (len, data) = line(b, at)?;
        at = data + len + 2;
        if at > b.len() {
            return None;
        }
    }
    Some(at)
}

#[test]
fn the_counter_reads_commands_whole_and_waits_for_the_rest() {
    let get = b"*2\r\n$3\r\nGET\r\n$5\r\nk:\r\n1\r\n";
    assert_eq!(resp_array_len(get), Some(get.len()), "a value holding CRLF");
    assert_eq!(resp_array_len(&get[..get.len() - 1]), None);
    assert_eq!(resp_array_len(&get[..3]), None);
}

#[tokio::test]
async fn a_login_costs_ten_round_trips_to_redis_and_its_budgets_three() {
    if !backends("a_login_costs_ten_round_trips_to_redis_and_its_budgets_three").await {
        return;
    }
    let (durable, redis) = scaleout_urls().await;
    let address = redis
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let proxy = CountingProxy::start(address).await;
    let c = Cluster::start(1, &durable, &format!("redis://127.0.0.1:{}", proxy.port)).await;
    let dp = DataProvider {
        id: "trips".into(),
        title: "Fournisseur trips".into(),
        client_id: "client-trips".into(),
        client_secret: "dp-trips-secret-0123456789".into(),
        scopes: vec!["cnaf_quotient_familial".into()],
        active: true,
        checktoken_signed_response_alg: JwsAlg::ES256,
        checktoken_encrypted_response_alg: None,
        encryption_jwk: None,
        jwks_uri: None,
    };
    c.nodes[0].app.registry.upsert_dp(&dp).await.unwrap();
    c.nodes[0].app.registry.reload().await.unwrap();
    let stored_apart = || async {
        let m = reqwest::get(c.on(0, "/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let series = "relais_store_duration_seconds_count{tier=\"durable\",op=\"append_events\"} ";
        m.lines()
            .find_map(|l| l.strip_prefix(series))
            .map_or(0.0, |v| v.parse::<f64>().unwrap())
    };
    let events = c.nodes[0].app.stores.events.clone();
    c.nodes[0].app.events.flush().await;
    let redirected = events.count_events("FC_REDIRECTED_TO_SP").await.unwrap();
    let batches = stored_apart().await;
    let mut trips = Vec::new();
    proxy.take();
    let code = login_on_watched(&c, 0, "sp-a", "impots", "jean", &mut |step| {
        trips.push((step, proxy.take()));
    })
    .await
    .unwrap();
    let t = token_on(&c, 0, "sp-a", &code).await;
    let at = t["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{t}"))
        .to_owned();
    trips.push(("token", proxy.take()));
    let http = reqwest::Client::new();
    let ui = http
        .get(c.on(0, "/api/v2/userinfo"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    trips.push(("userinfo", proxy.take()));
    // Its durable events went to PostgreSQL in its account's statements
    // (FC_VERIFIED with the connection at the callback, the data transfer
    // and FC_REDIRECTED_TO_SP with the account's read at consent), each
    // once, and none in a statement of its own (checktoken's, next, is).
    c.nodes[0].app.events.flush().await;
    assert_eq!(
        events.count_events("FC_REDIRECTED_TO_SP").await.unwrap(),
        redirected + 1
    );
    assert_eq!(
        stored_apart().await,
        batches,
        "events stored apart from the login's statements"
    );

    let ct = http
        .post(c.on(0, "/api/v2/checktoken"))
        .form(&[
            ("token", at.as_str()),
            ("client_id", "client-trips"),
            ("client_secret", "dp-trips-secret-0123456789"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ct.status().as_u16(), 200, "{}", ct.text().await.unwrap());
    trips.push(("checktoken", proxy.take()));

    // The abuse guard's shared budgets apart from the steps' own trips: a
    // request reserves what the node's leases do not cover of its budgets
    // in one script call, then spends its leases without a trip
    // (abuse/shared_budget.rs, store/redis_hits.rs); one `INCR` per budget
    // and request before, and an `EXPIRE` more for each new window.
    let count = |rate: bool| -> Vec<(&str, usize)> {
        trips
            .iter()
            .map(|(step, commands)| {
                let n = commands.iter().filter(|c| is_budget(c) == rate).count();
                (*step, n)
            })
            .collect()
    };
    assert_eq!(
        count(false),
        [
            ("authorize", 1),
            ("chooser", 1),
            ("choose_idp", 1),
            ("the IdP", 0),
            ("callback", 2),
            ("consent_page", 1),
            ("consent_post", 2),
            ("token", 1),
            ("userinfo", 1),
            ("checktoken", 1),
        ],
        "round trips to Redis per step: {trips:?}"
    );
    assert_eq!(
        count(true),
        [
            ("authorize", 1),
            ("chooser", 0),
            ("choose_idp", 0),
            ("the IdP", 0),
            ("callback", 0),
            ("consent_page", 0),
            ("consent_post", 0),
            ("token", 2),
            ("userinfo", 0),
            ("checktoken", 1),
        ],
        "budget reservations per step (the citizen's pages and flows together \
         at the first step, the back channel per IP then per client at the \
         token step, per data provider at checktoken): {trips:?}"
    );

    // A service authenticating with a signed assertion (`private_key_jwt`,
    // every service on Plus): its assertion's `jti` is spent in the token
    // step's one trip, beside the lock and the code.
    let keys = crate::plus::plus_rp(&["keys"], None).await;
    let mut sp = crate::plus::plus_sp("sp-keys", &keys);
    sp.id_token_encryption = None;
    sp.userinfo_encryption = None;
    c.nodes[0].app.registry.upsert_sp(&sp).await.unwrap();
    c.nodes[0].app.registry.reload().await.unwrap();
    let code = login_on_watched(&c, 0, "sp-keys", "impots", "jean", &mut |_| {})
        .await
        .unwrap();
    let assertion = crate::plus::plus_rp(
        &["assertion"],
        Some(&json!({"client_id": "sp-keys", "aud": format!("{}/api/v2", c.public), "keys": keys})),
    )
    .await["assertion"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/sp-keys/cb"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.as_str()),
    ];
    // The token step's answer, and its round trips to Redis apart from
    // the rate budgets'.
    let exchange = || async {
        proxy.take();
        let r = http
            .post(c.on(0, "/api/v2/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        let mut commands = proxy.take();
        commands.retain(|c| !is_budget(c));
        (status, body, commands.len(), commands)
    };
    let (status, body, trips, commands) = exchange().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        trips, 1,
        "round trips to Redis of a key-authenticated service's token step: {commands:?}"
    );
    // Replayed, the assertion stops that same batch (which takes nothing),
    // then the failure is counted against the client, as any failed
    // authentication is: a second trip.
    let (status, body, trips, commands) = exchange().await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("Y030110")),
        "{body}"
    );
    assert_eq!(trips, 2, "{commands:?}");
    assert_eq!(commands, ["EVALSHA relais:lock", "EVALSHA relais:authfail"]);
}
