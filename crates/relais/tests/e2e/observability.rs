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
    assert!(
        value(
            &m,
            "relais_store_duration_seconds_count{tier=\"ephemeral\",op=\"put\"}"
        )
        .unwrap_or(0.0)
            >= 1.0
    );
    assert!(value(&m, "relais_rate_limited_total").is_some());
    // Every sample line is `name{labels} number` or `name number`.
    for line in m.lines().filter(|l| !l.starts_with('#')) {
        let v = line.rsplit(' ').next().unwrap();
        assert!(v.parse::<f64>().is_ok(), "not a sample: {line}");
    }
}
