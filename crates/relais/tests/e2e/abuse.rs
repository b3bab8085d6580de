//! Abuse resistance, driven from outside: rate limits per client IP and per
//! client, the lockout after failed client authentications, oversized and
//! slow requests answered through the catalogue, idle and slow connections
//! closed, a full node making room for new clients, and the counters of
//! `/metrics`.

use crate::browser::{login, Browser};
use crate::harness::{authorize_url, Fed, SP_SECRET};
use relais::config::{BudgetConfig, Config};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The node believes `X-Forwarded-For` from 127.0.0.1, so each test can
/// speak as several client addresses.
fn behind_proxy(c: &mut Config) {
    c.limits.trusted_proxies = vec!["127.0.0.1".into()];
}

fn budget(hits: u32, per_secs: u64) -> Option<BudgetConfig> {
    Some(BudgetConfig { hits, per_secs })
}

async fn get_as(url: &str, ip: &str) -> reqwest::Response {
    client()
        .get(url)
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap()
}

async fn token_as(fed: &Fed, ip: &str, client_id: &str, secret: &str) -> reqwest::Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", "no-such-code"),
        ("redirect_uri", "http://127.0.0.1:9/sp-a/cb"),
    ];
    token_form_as(fed, ip, (client_id, secret), &form).await
}

async fn token_form_as(
    fed: &Fed,
    ip: &str,
    (client_id, secret): (&str, &str),
    form: &[(&str, &str)],
) -> reqwest::Response {
    client()
        .post(format!("{}/api/v2/token", fed.base))
        .header("x-forwarded-for", ip)
        .basic_auth(client_id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn metric(fed: &Fed, name: &str) -> u64 {
    let text = client()
        .get(format!("{}/metrics", fed.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics:\n{text}"))
}

#[tokio::test]
async fn pages_are_limited_per_client_ip_with_retry_after_and_a_code() {
    let fed = Fed::start_configured(false, |c| {
        behind_proxy(c);
        c.limits.pages_per_ip = budget(5, 60);
    })
    .await;
    let url = authorize_url(&fed, "sp-a", &[]);
    for _ in 0..5 {
        let r = get_as(&url, "198.51.100.1").await;
        assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let r = get_as(&url, "198.51.100.1").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body = r.text().await.unwrap();
    assert!(body.contains("Y000429") && body.contains("<html"), "{body}");
    // Another client address has its own budget; a spoofed left-most hop
    // does not buy a new one.
    assert_ne!(
        get_as(&url, "198.51.100.2").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_as(&url, "203.0.113.50, 198.51.100.1").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Nor does a left-most hop with bytes outside ASCII: the header used to
    // be skipped whole, and the client taken for the proxy.
    let spoofed = client()
        .get(&url)
        .header(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_bytes(b"caf\xc3\xa9, 198.51.100.1").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
    // Metadata and probes are never limited.
    let disco = format!("{}/api/v2/.well-known/openid-configuration", fed.base);
    assert_eq!(
        get_as(&disco, "198.51.100.1").await.status(),
        StatusCode::OK
    );
    // The budget refills with time (the node's clock).
    fed.clock.advance_secs(61);
    assert_ne!(
        get_as(&url, "198.51.100.1").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert!(metric(&fed, "relais_rate_limited_total").await >= 2);
}

#[tokio::test]
async fn login_flows_per_ip_are_capped_so_one_address_cannot_pin_memory() {
    let fed = Fed::start_configured(false, |c| {
        behind_proxy(c);
        c.limits.flows_per_ip = budget(3, 1800);
    })
    .await;
    let url = authorize_url(&fed, "sp-a", &[]);
    for _ in 0..3 {
        assert_eq!(
            get_as(&url, "198.51.100.7").await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        get_as(&url, "198.51.100.7").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The other pages of that address are not refused by the flow cap.
    let r = get_as(&format!("{}/api/v2/session/end", fed.base), "198.51.100.7").await;
    assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_back_channel_is_limited_per_ip_and_per_client_in_oauth_json() {
    let fed = Fed::start_configured(false, |c| {
        behind_proxy(c);
        c.limits.backchannel_per_ip = budget(3, 60);
        c.limits.backchannel_per_client = budget(4, 60);
    })
    .await;
    for _ in 0..3 {
        let r = token_as(&fed, "192.0.2.1", "sp-a", SP_SECRET).await;
        assert_eq!(
            r.status(),
            StatusCode::BAD_REQUEST,
            "invalid_grant expected"
        );
    }
    let r = token_as(&fed, "192.0.2.1", "sp-a", SP_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["code"], "Y000429");
    assert_eq!(j["error"], "temporarily_unavailable");
    // From another address the IP budget is fresh, but the client's own
    // budget (4, charged once authenticated) runs out after one more.
    let r = token_as(&fed, "192.0.2.2", "sp-a", SP_SECRET).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = token_as(&fed, "192.0.2.2", "sp-a", SP_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["code"], "Y000429");
    // Userinfo is back channel too: JSON, not a page.
    let r = client()
        .get(format!("{}/api/v2/userinfo", fed.base))
        .header("x-forwarded-for", "192.0.2.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "Y000429"
    );
}

#[tokio::test]
async fn failed_client_authentications_slow_down_then_lock_out_that_ip() {
    let fed = Fed::start_configured(false, |c| {
        behind_proxy(c);
        c.limits.auth_failures_slow_after = Some(2);
        c.limits.auth_failures_lock_after = Some(4);
        c.limits.lockout_secs = Some(600);
        c.limits.auth_failure_delay_ms = Some(400);
    })
    .await;
    let attacker = "203.0.113.66";
    for i in 1..=3 {
        let t = Instant::now();
        let r = token_as(&fed, attacker, "sp-a", "wrong-secret-guess-000000").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        if i == 3 {
            assert!(
                t.elapsed() >= Duration::from_millis(400),
                "third failure not slowed"
            );
        }
    }
    let r = token_as(&fed, attacker, "sp-a", "wrong-secret-guess-000000").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Locked: even the right secret is refused from that address, before
    // the secret is looked at.
    let r = token_as(&fed, attacker, "sp-a", SP_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((590..=600).contains(&retry), "{retry}");
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["code"], "Y030106");
    assert_eq!(j["error"], "invalid_client");
    // The secret is checked before the lock is read (the lock is read in
    // the trip that takes the code), yet a locked-out caller learns
    // nothing from it: the right secret with a real code, or with a form
    // refused before that trip, is answered "locked" all the same, and
    // the code is not spent.
    let done = login(
        &Browser::new(),
        &fed.base,
        &authorize_url(&fed, "sp-a", &[]),
        "impots",
        "jean",
    )
    .await;
    let code = done.location_params().get("code").cloned().expect("code");
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/sp-a/cb"),
    ];
    let right = ("sp-a", SP_SECRET);
    for form in [&exchange[..], &exchange[1..]] {
        let r = token_form_as(&fed, attacker, right, form).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let j: serde_json::Value = r.json().await.unwrap();
        assert_eq!(j["code"], "Y030106", "{j}");
    }
    // The service itself, from its own address, is not locked out, and
    // its code is still good.
    let r = token_form_as(&fed, "192.0.2.10", right, &exchange).await;
    assert_eq!(r.status(), StatusCode::OK, "not a lockout, code unspent");
    let r = token_as(&fed, "192.0.2.10", "sp-a", SP_SECRET).await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "invalid_grant, not a lockout"
    );
    let events = fed.events().await;
    let locked: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "FC_CLIENT_LOCKED_OUT")
        .collect();
    assert_eq!(locked.len(), 1, "one lockout event");
    assert_eq!(locked[0]["sp_id"], "sp-a");
    assert_eq!(locked[0]["ip"], attacker);
    assert!(!serde_json::to_string(&events)
        .unwrap()
        .contains("wrong-secret-guess"));
    // The lock ends by itself.
    fed.clock.advance_secs(601);
    let r = token_as(&fed, attacker, "sp-a", SP_SECRET).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(metric(&fed, "relais_clients_locked_out_total").await >= 1);
}

#[tokio::test]
async fn data_providers_guessing_secrets_are_locked_out_too() {
    let fed = Fed::start_configured(false, |c| {
        behind_proxy(c);
        c.limits.auth_failures_lock_after = Some(2);
    })
    .await;
    let check = |secret: &'static str| {
        let url = format!("{}/api/v2/checktoken", fed.base);
        async move {
            client()
                .post(url)
                .header("x-forwarded-for", "203.0.113.9")
                .form(&[
                    ("token", "x"),
                    ("client_id", "caf"),
                    ("client_secret", secret),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(check("nope").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(check("nope").await.status(), StatusCode::UNAUTHORIZED);
    let r = check("nope").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "Y030106"
    );
    let events = fed.events().await;
    assert!(events
        .iter()
        .any(|e| e["event"] == "FC_CLIENT_LOCKED_OUT" && e["dp_id"] == "caf"));
}

#[tokio::test]
async fn oversized_requests_are_answered_through_the_catalogue() {
    let fed = Fed::start().await;
    let long = "a".repeat(10 * 1024);
    // URI too long: a page on /authorize, OAuth JSON on the back channel.
    let r = client()
        .get(format!("{}/api/v2/authorize?x={long}", fed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    assert!(r.text().await.unwrap().contains("Y000414"));
    let r = client()
        .get(format!("{}/api/v2/userinfo?x={long}", fed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::URI_TOO_LONG);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "Y000414"
    );
    // Headers too large.
    let big = "b".repeat(20 * 1024);
    let r = client()
        .get(authorize_url(&fed, "sp-a", &[]))
        .header("x-padding", &big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("Y000431"));
    let r = client()
        .post(format!("{}/api/v2/token/revocation", fed.base))
        .header("x-padding", &big)
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["code"], "Y000431");
    // Body too large: OAuth JSON on token and checktoken.
    for path in ["/api/v2/token", "/api/v2/checktoken"] {
        let r = client()
            .post(format!("{}{path}", fed.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={}", "c".repeat(100 * 1024)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["code"],
            "Y000413"
        );
    }
}

#[tokio::test]
async fn page_forms_and_queries_that_do_not_fit_get_a_page_with_a_code() {
    let fed = Fed::start().await;
    let consent = format!("{}/api/v2/interaction/unknown/consent", fed.base);
    let post = |content_type: &'static str, body: String| {
        let consent = consent.clone();
        async move {
            let r = client()
                .post(consent)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            (status, r.text().await.unwrap())
        }
    };
    // Not a form, a form named twice, a form too large: refused before the
    // step reads its records, each with its code.
    let (status, page) = post("text/plain", "csrf=x&consent=on".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Y030007"), "{page}");
    let twice = "csrf=x&csrf=y".to_string();
    let (status, page) = post("application/x-www-form-urlencoded", twice).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Y030007"), "{page}");
    let large = format!("csrf={}", "c".repeat(100 * 1024));
    let (status, page) = post("application/x-www-form-urlencoded", large).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("Y000413"), "{page}");
    // A form that fits, in any case of its media type, reaches the step,
    // which does not know this interaction.
    let fits = "csrf=x&consent=on&unknown=ignored".to_string();
    for content_type in [
        "application/x-www-form-urlencoded",
        "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
    ] {
        let (status, page) = post(content_type, fits.clone()).await;
        assert!(!page.contains("Y030007"), "{content_type}: {status} {page}");
        assert!(status.is_client_error(), "{content_type}: {status}");
    }
    // A query: the IdP's callback with its state twice, the citizen's
    // history with a page that is not a number.
    for path in [
        "/api/v2/idp/callback?state=a&code=c&state=b",
        "/espace?page=deux",
    ] {
        let r = client()
            .get(format!("{}{path}", fed.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Y030007"), "{path}: {page}");
    }
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(s: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    let end = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(end, s.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(all),
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn idle_slow_and_slow_body_connections_are_closed() {
    let fed = Fed::start_configured(false, |c| {
        c.limits.header_read_timeout_secs = Some(1);
        c.limits.idle_timeout_secs = Some(2);
        c.limits.body_timeout_secs = Some(1);
    })
    .await;
    let addr = fed.node.addr;
    // A connection that never sends anything.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    let t = Instant::now();
    assert!(
        until_closed(&mut idle, Duration::from_secs(5))
            .await
            .is_some(),
        "idle connection kept open"
    );
    assert!(t.elapsed() >= Duration::from_millis(900));
    // Slowloris: headers trickling in, never finished.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = async {
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow.write_all(b"X-A: b\r\n").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), trickle).await;
    assert!(
        until_closed(&mut slow, Duration::from_secs(3))
            .await
            .is_some(),
        "slowloris kept open"
    );
    // Keep-alive: served, then closed once idle for the idle timeout.
    let mut ka = TcpStream::connect(addr).await.unwrap();
    ka.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    let got = until_closed(&mut ka, Duration::from_secs(6))
        .await
        .expect("closed when idle");
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    assert!(
        t.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    // A body that never finishes: 408 with a code, OAuth JSON on token.
    let unfinished = |head: String| async move {
        let mut body = TcpStream::connect(addr).await.unwrap();
        body.write_all(head.as_bytes()).await.unwrap();
        let got = until_closed(&mut body, Duration::from_secs(5))
            .await
            .expect("answered");
        let text = String::from_utf8_lossy(&got).into_owned();
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("\"code\":\"Y000408\""), "{text}");
        text
    };
    unfinished("POST /api/v2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=".into()).await;
    // The same on the admin API, once the operator is known: its own JSON.
    // Before, the admin API read its body without a deadline.
    let token = fed.operator_token("slow").await;
    let text = unfinished(format!(
        "PUT /api/admin/v1/services/sp-slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    ))
    .await;
    assert!(text.contains("\"message\":\"body: "), "{text}");
    assert!(metric(&fed, "relais_connections_timed_out_total").await >= 1);
}

#[tokio::test]
async fn a_full_node_closes_idle_connections_so_new_clients_get_in() {
    let fed = Fed::start_configured(false, |c| {
        c.limits.max_connections = Some(20);
        c.limits.header_read_timeout_secs = Some(60);
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(TcpStream::connect(fed.node.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Real requests still get through, each time.
    for _ in 0..5 {
        let r = client()
            .get(format!("{}/healthz", fed.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert!(metric(&fed, "relais_connections_evicted_total").await >= 20);
    assert!(metric(&fed, "relais_connections_open").await <= 21);
}

#[tokio::test]
async fn a_saturated_node_sheds_requests_with_503_instead_of_queueing() {
    let fed = Fed::start_configured(false, |c| {
        c.limits.max_in_flight = Some(1);
        c.limits.body_timeout_secs = Some(3);
    })
    .await;
    // Holds the only slot: a token request whose body is still coming.
    let mut holder = TcpStream::connect(fed.node.addr).await.unwrap();
    holder
        .write_all(b"POST /api/v2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client()
        .post(format!("{}/api/v2/token", fed.base))
        .form(&[("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "Y000529"
    );
    let r = client()
        .get(authorize_url(&fed, "sp-a", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("Y000529"));
    drop(holder);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = client()
        .get(authorize_url(&fed, "sp-a", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(metric(&fed, "relais_requests_shed_total").await >= 2);
}

#[tokio::test]
async fn the_memory_store_stays_bounded_under_a_flood_of_unfinished_logins() {
    let fed = Fed::start_configured(false, |c| {
        c.storage.memory_max_entries = 32 * 16;
        c.limits.rate_limits = Some(false);
    })
    .await;
    let c = client();
    let url = authorize_url(&fed, "sp-a", &[]);
    for _ in 0..1500 {
        assert_eq!(
            c.get(&url).send().await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
    }
    assert!(metric(&fed, "relais_ephemeral_evicted_total").await >= 1000);
}

#[tokio::test]
async fn with_redis_every_node_charges_the_same_budget() {
    use relais_store::test_backends::{available, redis_url, Backend};
    if !available(
        "with_redis_every_node_charges_the_same_budget",
        &[Backend::Redis],
    )
    .await
    {
        return;
    }
    let prefix = format!(
        "relais-rl-{}:",
        relais_core::Randomness::hex(&relais_core::SystemRandomness, 6)
    );
    let configure = |c: &mut Config| {
        behind_proxy(c);
        c.storage.ephemeral = redis_url();
        c.storage.redis_prefix = prefix.clone();
        c.limits.pages_per_ip = budget(4, 3600);
    };
    let a = Fed::start_configured(false, configure).await;
    let b = Fed::start_configured(false, configure).await;
    let on = |fed: &Fed| format!("{}/api/v2/session/end", fed.base);
    for fed in [&a, &b, &a, &b] {
        assert_ne!(
            get_as(&on(fed), "198.51.100.99").await.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    for fed in [&a, &b] {
        assert_eq!(
            get_as(&on(fed), "198.51.100.99").await.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}
