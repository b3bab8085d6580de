//! The middleware every federation request goes through first (see the
//! module docs of [`crate::abuse`] for the order of the checks).

use super::client_ip::{ClientIp, CLIENT_IP_HEADER};
use super::rate::LimitClass;
use crate::error::{AdminError, JsonError, PageError};
use crate::metrics::Metrics;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use relais_core::ErrorCode;
use std::net::SocketAddr;
use tokio::sync::OwnedSemaphorePermit;

/// Which budget a route charges and which shape its errors take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// `/authorize`: a page that also starts a login flow.
    Flow,
    /// Pages a browser visits.
    Page,
    /// Server-to-server endpoints answering OAuth JSON.
    Backchannel,
    /// The operators' admin API (`/api/admin/…`), answering its own JSON;
    /// limited like pages, by client IP.
    Admin,
    /// Metadata, keys, assets and probes: cheap, cacheable, never limited.
    Free,
}

impl RouteClass {
    pub fn of(path: &str) -> RouteClass {
        match path {
            "/api/v2/authorize" => RouteClass::Flow,
            "/api/v2/token"
            | "/api/v2/userinfo"
            | "/api/v2/token/revocation"
            | "/api/v2/par"
            | "/api/v2/checktoken" => RouteClass::Backchannel,
            "/api/v2/jwks" | "/healthz" | "/readyz" | "/metrics" => RouteClass::Free,
            p if p.starts_with("/api/v2/.well-known/") || p.starts_with("/api/v2/assets/") => {
                RouteClass::Free
            }
            p if p.starts_with("/api/admin/") => RouteClass::Admin,
            _ => RouteClass::Page,
        }
    }

    /// The refusal in this route's shape: a client reading JSON gets JSON
    /// (OAuth's on the back channel, the admin API's own on it), a browser
    /// gets a page.
    pub fn refuse(self, code: ErrorCode, detail: &str, retry_after: Option<u64>) -> Response {
        let mut resp = match self {
            RouteClass::Backchannel => JsonError::new(code, detail).into_response(),
            RouteClass::Admin => AdminError::new(code, detail).into_response(),
            RouteClass::Flow | RouteClass::Page | RouteClass::Free => {
                PageError::page(code, detail).into_response()
            }
        };
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        resp
    }
}

fn header_bytes(req: &Request) -> usize {
    req.headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

/// Admits a request (its in-flight slot, held until its answer) or
/// answers the refusal.
pub async fn admit(app: &AppState, req: &mut Request) -> Result<OwnedSemaphorePermit, Response> {
    let class = RouteClass::of(req.uri().path());
    let policy = &app.abuse.policy;
    let uri_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > policy.max_uri_bytes {
        return Err(class.refuse(ErrorCode::UriTooLong, "request URI over the limit", None));
    }
    if header_bytes(req) > policy.max_header_bytes {
        return Err(class.refuse(
            ErrorCode::HeadersTooLarge,
            "request headers over the limit",
            None,
        ));
    }
    req.extensions_mut()
        .insert(crate::extract::BodyDeadline(policy.body_timeout));
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let ip = ClientIp::resolve(peer, req.headers(), &policy.trusted_proxies);
    let headers = req.headers_mut();
    headers.remove(CLIENT_IP_HEADER);
    // The certificate subject is the TLS proxy's word: from anyone else
    // (a client reaching the node past the proxy) it is dropped here.
    if let Some(cert) = &app.settings.admin_cert_header {
        if !peer.is_some_and(|p| policy.trusted_proxies.contains(&p)) {
            headers.remove(cert);
        }
    }
    if let Ok(v) = HeaderValue::try_from(ip.text()) {
        headers.insert(CLIENT_IP_HEADER, v);
    }
    if policy.rate_limits {
        let key = ip.rate_key();
        let classes: &[LimitClass] = match class {
            RouteClass::Flow => &[LimitClass::Pages, LimitClass::Flows],
            RouteClass::Page | RouteClass::Admin => &[LimitClass::Pages],
            RouteClass::Backchannel => &[LimitClass::BackchannelIp],
            RouteClass::Free => &[],
        };
        if let Some((c, retry_after_secs)) = app.abuse.rate.check_all(classes, &key).await {
            Metrics::bump(&app.metrics.rate_limited);
            tracing::info!(class = ?c, "rate limit reached");
            return Err(class.refuse(
                ErrorCode::RateLimited,
                "rate limit of this client IP",
                Some(retry_after_secs),
            ));
        }
    }
    app.abuse
        .in_flight
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            Metrics::bump(&app.metrics.requests_shed);
            class.refuse(
                ErrorCode::Overloaded,
                "too many requests in flight",
                Some(1),
            )
        })
}
