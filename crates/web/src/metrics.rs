//! Counters an operator watches to see the node defend itself: what the
//! bounds and limits refused or dropped, and the connections open now.
//! Plain atomics bumped where the thing happens (no lock, no allocation),
//! rendered in the Prometheus text format by `GET /metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Metrics {
    /// Live entries the bounded in-memory ephemeral store evicted (shared
    /// with the store, which cannot see this type).
    pub ephemeral_evicted: Arc<AtomicU64>,
    /// Events dropped because the event queue was full.
    pub events_dropped: AtomicU64,
    /// Requests answered 429 by a rate limit.
    pub rate_limited: AtomicU64,
    /// Client authentications refused because of a lockout.
    pub clients_locked_out: AtomicU64,
    /// Requests answered 503 because the node had too many in flight.
    pub requests_shed: AtomicU64,
    /// Connections open now.
    pub connections_open: AtomicU64,
    pub connections_accepted: AtomicU64,
    /// Idle connections closed to make room for new ones.
    pub connections_evicted: AtomicU64,
    /// Connections refused because every slot was busy.
    pub connections_refused: AtomicU64,
    /// Connections closed because they sent nothing in time.
    pub connections_timed_out: AtomicU64,
}

impl Metrics {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let rows: [(&str, &str, &str, u64); 10] = [
            (
                "relais_ephemeral_evicted_total",
                "counter",
                "live in-memory ephemeral entries evicted to stay under the bound",
                n(&self.ephemeral_evicted),
            ),
            (
                "relais_events_dropped_total",
                "counter",
                "business events dropped because the event queue was full",
                n(&self.events_dropped),
            ),
            (
                "relais_rate_limited_total",
                "counter",
                "requests refused by a rate limit",
                n(&self.rate_limited),
            ),
            (
                "relais_clients_locked_out_total",
                "counter",
                "client authentications refused during a lockout",
                n(&self.clients_locked_out),
            ),
            (
                "relais_requests_shed_total",
                "counter",
                "requests refused because too many were in flight",
                n(&self.requests_shed),
            ),
            (
                "relais_connections_open",
                "gauge",
                "connections open now",
                n(&self.connections_open),
            ),
            (
                "relais_connections_accepted_total",
                "counter",
                "connections accepted",
                n(&self.connections_accepted),
            ),
            (
                "relais_connections_evicted_total",
                "counter",
                "idle connections closed to make room",
                n(&self.connections_evicted),
            ),
            (
                "relais_connections_refused_total",
                "counter",
                "connections refused, every slot busy",
                n(&self.connections_refused),
            ),
            (
                "relais_connections_timed_out_total",
                "counter",
                "connections closed for sending nothing in time",
                n(&self.connections_timed_out),
            ),
        ];
        let mut out = String::with_capacity(2048);
        for (name, kind, help, value) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}
