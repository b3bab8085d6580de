//! The HTTP/1.1 server of a node, with the bounds `axum::serve` lacks.
//!
//! One accept loop owns the table of open connections ([`Connections`]);
//! each connection is served by hyper on its own task. What keeps a flood
//! of sockets from starving real requests:
//! - a new connection's first request must have arrived (all its headers)
//!   within `header_read_timeout`, and a keep-alive connection's next one
//!   within `idle_timeout` of the last answer: slowloris connections and
//!   idle sockets are closed;
//! - at most `max_connections` are open: past it, the oldest *idle*
//!   connection (no request in progress) is closed to make room, so a new
//!   client always gets in while the flood's sockets go first; only when
//!   every connection is busy is the new one refused;
//! - an accept error (out of file descriptors) pauses the loop briefly
//!   instead of spinning.
//!
//! Body timeouts are enforced by the extractors ([`crate::extract`]); size,
//! rate and in-flight limits by [`crate::abuse`].
//!
//! Shutdown stops accepting, lets in-flight requests finish (each
//! connection closes after its current response), and returns when the last
//! connection is gone or `drain_within` has passed.

mod connections;

use crate::metrics::Metrics;
use axum::extract::ConnectInfo;
use axum::Router;
use connections::{ConnState, Connections};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Connection bounds (`[limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub drain_within: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            drain_within: Duration::from_secs(30),
        }
    }
}

/// The largest buffer hyper keeps per connection; our own header limit
/// (smaller) answers through the catalogue, hyper's only past this.
const MAX_BUF: usize = 256 * 1024;

/// Connections the kernel queues before they are accepted: a burst of
/// thousands of connects must not overflow into SYN retries (1 s each).
const BACKLOG: u32 = 4096;

/// A listener on `addr` (`host:port`) with a backlog sized for bursts.
pub async fn bind(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for a in tokio::net::lookup_host(addr).await? {
        let socket = if a.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(a).and_then(|()| socket.listen(BACKLOG)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address to listen on")))
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let mut table = Connections::new(limits.max_connections.max(1), metrics.clone());
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's header timer also runs while a keep-alive connection waits
    // for its next request, so it is set to the longer of the two bounds;
    // the connection's own watchdog closes a connection whose first request
    // has not arrived within `header_read_timeout`.
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout.max(limits.idle_timeout))
        .max_buf_size(MAX_BUF)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors, mostly: let connections close first.
                tracing::warn!(error = %e, "accept failed; pausing");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(state) = table.admit() else {
            Metrics::bump(&metrics.connections_refused);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let http = http.clone();
        let router = router.clone();
        tokio::spawn(serve_one(stream, peer, router, http, state, limits));
    }
    table.close_all();
    let _ = tokio::time::timeout(limits.drain_within, table.drained()).await;
}

async fn serve_one(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    http: hyper::server::conn::http1::Builder,
    state: Arc<ConnState>,
    limits: ServerLimits,
) {
    let conn_state = state.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let busy = conn_state.begin();
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move {
            let resp = tower_service::Service::call(&mut router, req).await;
            drop(busy);
            resp
        }
    });
    let conn = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        // Past the deadline while a request runs: look again in a second.
        let wait = state
            .idle_deadline(limits.header_read_timeout, limits.idle_timeout)
            .max(tokio::time::Instant::now() + Duration::from_millis(200));
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            () = state.close_requested(), if !closing => {
                if state.is_idle() {
                    break;
                }
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            () = tokio::time::sleep_until(wait) => {
                if state.idle_expired(limits.header_read_timeout, limits.idle_timeout) {
                    state.timed_out();
                    break;
                }
            }
        }
    }
    state.finished();
}
