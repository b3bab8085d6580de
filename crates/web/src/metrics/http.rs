//! Requests and latencies per route (the route's template, not the URL,
//! so ids and codes never become labels) and errors by catalogue code,
//! observed around each request the abuse guard admits, inside the
//! federation's one layer (`router::Frame`): a middleware of its own would
//! cost every request another boxed future and another clone of the routes'
//! services. A request no route matches is counted as `unmatched`.

use super::histogram::Histogram;
use super::labelled::LabelText;
use super::Metrics;
use crate::error::ErrorCodeTag;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

/// Runs the request through the routes, timing it and counting its answer
/// under method, route and status.
pub async fn track(metrics: &Metrics, req: Request, next: Next) -> Response {
    // Both are cheap clones (a shared string, a small enum).
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    // One span per request (exported when the `otel` feature is on): the
    // route template, never the URL with its ids and codes.
    let span = tracing::info_span!(
        "request",
        http.method = %method,
        http.route = route.as_ref().map_or("unmatched", MatchedPath::as_str),
        http.status_code = tracing::field::Empty,
    );
    let resp = next.run(req).instrument(span.clone()).await;
    span.record("http.status_code", resp.status().as_u16());
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    metrics.request_slots.observe(
        &metrics.requests,
        &method,
        route,
        resp.status(),
        started.elapsed(),
    );
    if let Some(ErrorCodeTag(code)) = resp.extensions().get::<ErrorCodeTag>() {
        metrics
            .errors
            .get(LabelText::of(&[("code", code.code())]).as_str())
            .fetch_add(1, Ordering::Relaxed);
    }
    resp
}

/// Renders a family of labelled histograms.
pub fn render_histograms(
    out: &mut String,
    name: &str,
    help: &str,
    family: &super::labelled::Labelled<Histogram>,
) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (labels, h) in family.snapshot().iter() {
        h.render(out, name, labels);
    }
}

/// Renders a family of labelled counters.
pub fn render_counters(
    out: &mut String,
    name: &str,
    help: &str,
    family: &super::labelled::Labelled<AtomicU64>,
) {
    use std::fmt::Write;
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (labels, n) in family.snapshot().iter() {
        let _ = writeln!(out, "{name}{{{labels}}} {}", n.load(Ordering::Relaxed));
    }
}
