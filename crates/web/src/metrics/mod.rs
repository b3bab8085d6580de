//! What an operator watches, in the Prometheus text format at `GET
//! /metrics` (docs/operations.md has the dashboard): requests and latencies
//! per route and errors by code ([`http`]), logins by service, IdP and
//! platform (counted by the event writer, off the login path), store
//! latency per operation, and how the node defends itself — what the
//! bounds and limits refused or dropped, the connections open now.
//! Plain atomics bumped where the thing happens; labelled families are
//! lock-free snapshots ([`labelled`]).

pub mod histogram;
pub mod http;
pub mod labelled;
pub mod request_slots;
pub mod store_op;

use histogram::Histogram;
use labelled::{LabelText, Labelled};
use relais_core::event::{BusinessEvent, EventKind};
use relais_store::memory::MemoryFigures;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use store_op::{StoreOp, StoreOpSlots};

#[derive(Debug, Default)]
pub struct Metrics {
    /// What the in-memory ephemeral store holds and evicted (shared with
    /// the store, which cannot see this type).
    pub ephemeral_memory: Arc<MemoryFigures>,
    /// The same for the node's local rate-limit counters.
    pub counters_memory: Arc<MemoryFigures>,
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
    /// Per method, route template and status.
    pub requests: Labelled<Histogram>,
    /// The histograms of `requests` met so far, found without their label
    /// text ([`request_slots`]).
    pub request_slots: request_slots::RequestSlots,
    /// Error answers by catalogue code.
    pub errors: Labelled<AtomicU64>,
    /// Verified logins by service, IdP and platform.
    pub logins: Labelled<AtomicU64>,
    /// Store operations by tier and operation.
    pub store: Labelled<Histogram>,
    /// `store`'s histograms, each at hand once used.
    store_ops: StoreOpSlots,
}

impl Metrics {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a verified login, for each event the writer drains.
    pub fn observe_event(&self, e: &BusinessEvent) {
        if e.event != EventKind::FcVerified.as_str() {
            return;
        }
        let platform = relais_core::stats::platform_of(e.sp_acr.as_deref());
        let labels = LabelText::of(&[
            ("sp", e.sp_id.as_deref().unwrap_or("")),
            ("idp", e.idp_id.as_deref().unwrap_or("")),
            ("platform", platform.as_str()),
        ]);
        self.logins
            .get(labels.as_str())
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Times one store operation.
    pub fn store_op(&self, op: StoreOp, took: std::time::Duration) {
        if let Some(h) = self.store_ops.histogram(op, &self.store) {
            h.observe(took);
        }
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let rows: [(&str, &str, &str, u64); 12] = [
            (
                "relais_ephemeral_evicted_total",
                "counter",
                "live in-memory ephemeral entries evicted to stay under the bound",
                n(&self.ephemeral_memory.evicted) + n(&self.counters_memory.evicted),
            ),
            (
                "relais_ephemeral_entries",
                "gauge",
                "entries the in-memory ephemeral store holds (sessions, interactions, codes, tokens)",
                n(&self.ephemeral_memory.entries),
            ),
            (
                "relais_ephemeral_bytes",
                "gauge",
                "bytes of the keys and values the in-memory ephemeral store holds",
                n(&self.ephemeral_memory.bytes),
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
        let mut out = String::with_capacity(8192);
        for (name, kind, help, value) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        http::render_histograms(
            &mut out,
            "relais_http_request_duration_seconds",
            "requests by method, route template and status, and their latency",
            &self.requests,
        );
        http::render_counters(
            &mut out,
            "relais_errors_total",
            "error answers by catalogue code (pages, redirects to services, JSON)",
            &self.errors,
        );
        http::render_counters(
            &mut out,
            "relais_logins_total",
            "verified logins (FC_VERIFIED) by service, identity provider and platform",
            &self.logins,
        );
        http::render_histograms(
            &mut out,
            "relais_store_duration_seconds",
            "store operations by tier and operation, and their latency",
            &self.store,
        );
        out
    }
}
