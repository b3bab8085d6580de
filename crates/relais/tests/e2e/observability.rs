//! What an operator's Prometheus scrapes at `/metrics` after real traffic:
//! requests and latencies per route template (never a URL with ids), logins
//! by service, IdP and platform, errors by code, store latency.

use crate::browser::{login, Browser};
use crate::harness::{authorize_url, Fed};

fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_routes_logins_errors_and_store_latency() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-metrics", "sp-metrics")).await;
    let b = Browser::new();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-metrics", &[]),
        "impots",
        "angela",
    )
    .await;
    assert!(done.location_params().contains_key("code"));
    let unknown = Browser::new()
        .get(&authorize_url(&fed, "nobody", &[]))
        .await;
    assert_eq!(unknown.error_code().as_deref(), Some("Y04EA6EF"));
    // A path no route serves, with a secret in it, and a method a route
    // does not answer: both counted, neither the path nor the query kept.
    let nowhere = Browser::new()
        .get(&format!(
            "{}/no-such-page/secret-4242?id=secret-4343",
            fed.base
        ))
        .await;
    assert_eq!(nowhere.status, 404);
    assert_eq!(nowhere.error_code().as_deref(), Some("Y000404"));
    let wrong_method = reqwest::Client::new()
        .delete(format!("{}/api/v2/token", fed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
    fed.node.app.events.flush().await;

    let m = reqwest::get(format!("{}/metrics", fed.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let authorize = "relais_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v2/authorize\",status=\"303\"}";
    assert!(value(&m, authorize).unwrap_or(0.0) >= 1.0, "{m}");
    // Templates, not URLs: the interaction uid never becomes a label.
    assert!(m.contains("route=\"/api/v2/interaction/{uid}\""), "{m}");
    assert!(m.contains("# TYPE relais_http_request_duration_seconds histogram"));
    let unmatched = "relais_http_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}";
    assert_eq!(value(&m, unmatched), Some(1.0), "{m}");
    let not_allowed = "relais_http_request_duration_seconds_count{method=\"DELETE\",route=\"/api/v2/token\",status=\"405\"}";
    assert_eq!(value(&m, not_allowed), Some(1.0), "{m}");
    assert!(!m.contains("secret-4"), "{m}");
    assert_eq!(
        value(&m, "relais_errors_total{code=\"Y000404\"}"),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        value(&m, "relais_errors_total{code=\"Y000405\"}"),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        value(
            &m,
            "relais_logins_total{sp=\"sp-metrics\",idp=\"impots\",platform=\"standard\"}"
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        value(&m, "relais_errors_total{code=\"Y04EA6EF\"}"),
        Some(1.0),
        "{m}"
    );
    // A login's steps read and write their records in batches.
    assert!(
        value(
            &m,
            "relais_store_duration_seconds_count{tier=\"ephemeral\",op=\"batch\"}"
        )
        .unwrap_or(0.0)
            >= 1.0,
        "{m}"
    );
    assert!(value(&m, "relais_rate_limited_total").is_some());
    // Every sample line is `name{labels} number` or `name number`.
    for line in m.lines().filter(|l| !l.starts_with('#')) {
        let v = line.rsplit(' ').next().unwrap();
        assert!(v.parse::<f64>().is_ok(), "not a sample: {line}");
    }
}

/// The operator's page: signed in with a token, twelve months of figures
/// as SVG charts with their tables, the production requests waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_page_draws_the_statistics() {
    let fed = Fed::start().await;
    fed.register_sp(Fed::sp("sp-stats", "sp-stats")).await;
    for citizen in ["angela", "pascal"] {
        let b = Browser::new();
        let done = login(
            &b,
            &fed.base,
            &authorize_url(&fed, "sp-stats", &[]),
            "impots",
            citizen,
        )
        .await;
        assert!(done.location_params().contains_key("code"));
    }
    fed.node.app.events.flush().await;
    let token = fed.operator_token("ops").await;
    let b = Browser::new();
    let signin = b.get(&format!("{}/operateur", fed.base)).await;
    assert!(signin.body.contains("type=\"password\""));
    let refused = b
        .submit(
            &signin,
            &fed.base,
            "/operateur/connexion",
            &[("token", "rop_wrong")],
        )
        .await;
    assert_eq!(refused.status, 401);
    let ok = b
        .submit(
            &refused,
            &fed.base,
            "/operateur/connexion",
            &[("token", &token)],
        )
        .await;
    let page = b.follow(ok, &fed.base).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page.body.contains(&token),
        "the token never appears in the page"
    );
    assert!(
        page.body.matches("<svg class=\"chart\"").count() >= 6,
        "{}",
        page.body
    );
    assert!(page.body.contains("role=\"img\""));
    let month = relais_core::timefmt::year_month(relais_core::Clock::now_millis(&fed.clock));
    // Two connections by two distinct citizens this month, one service.
    assert!(page.body.contains(&format!("<a href=\"/operateur?month={month}\">{month}</a></th><td>2</td><td>2</td><td>2</td><td>1</td>")), "{}", page.body);
    assert!(page.body.contains("<title>sp-stats: 2</title>"));
}

/// Built with `--features otel` (what scripts/test.sh builds): a real node
/// exports its request spans over OTLP/HTTP to a collector — here a small
/// HTTP sink that records what it receives.
#[cfg(feature = "otel")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_reach_an_opentelemetry_collector() {
    use std::process::{Command, Stdio};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sink_port = sink.local_addr().unwrap().port();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = sink.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                // Headers, then the body (Content-Length).
                loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n").await;
                let _ = tx.send(buf);
            });
        }
    });
    let dir = crate::harness::temp("otel");
    std::fs::create_dir_all(&dir).unwrap();
    let mut demo = Command::new(env!("CARGO_BIN_EXE_relais"));
    demo.args(["demo", "--events", "off"])
        .args(relais::commands::demo_ports::FEDERATION_ALONE)
        .args(["--db", &dir.join("otel.db").to_string_lossy()])
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{sink_port}"),
        )
        .env("RELAIS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let (mut node, base) = crate::harness::demo_on_a_free_port(demo).await;
    reqwest::get(format!("{base}/api/v2/.well-known/openid-configuration"))
        .await
        .unwrap();
    // SIGTERM: the node stops gracefully and the exporter flushes.
    Command::new("kill")
        .args(["-TERM", &node.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || node.wait())
        .await
        .unwrap()
        .unwrap();
    // Killed by the signal's default action, it would flush nothing.
    assert!(status.success(), "the node stops gracefully: {status}");
    let mut got = Vec::new();
    while let Ok(Some(req)) =
        tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await
    {
        got.push(req);
        if got
            .iter()
            .any(|r| contains(r, b"/.well-known/openid-configuration"))
        {
            break;
        }
    }
    let traces: Vec<&Vec<u8>> = got
        .iter()
        .filter(|r| r.starts_with(b"POST /v1/traces"))
        .collect();
    assert!(!traces.is_empty(), "no OTLP export received");
    assert!(
        traces.iter().any(|r| contains(r, b"request")
            && contains(r, b"/api/v2/.well-known/openid-configuration")
            && contains(r, b"relais")),
        "a request span with its route template and the service name"
    );
}

#[cfg(feature = "otel")]
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
