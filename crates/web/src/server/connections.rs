//! The table of open connections, owned by the accept loop alone (no lock):
//! the order they were opened in, and for each a small shared state its
//! task updates (requests in progress, last activity, close request).

use crate::metrics::Metrics;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How many connections are looked at to find an idle one to close.
const EVICTION_SCAN: usize = 256;

pub struct ConnState {
    opened: Instant,
    /// Requests in progress on this connection.
    busy: AtomicU32,
    /// Requests started on this connection.
    served: AtomicU64,
    /// Milliseconds after `opened` of the last request start or end.
    last_active_ms: AtomicU64,
    done: AtomicBool,
    close: Notify,
    metrics: Arc<Metrics>,
    live: Arc<Live>,
}

/// Open connections, and a wake-up when the last one closes.
#[derive(Default)]
struct Live {
    count: AtomicU64,
    none_left: Notify,
}

/// Held while a request is in progress.
pub struct Busy(Arc<ConnState>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

impl ConnState {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active_ms.store(ms, Ordering::Relaxed);
    }

    pub fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.served.fetch_add(1, Ordering::Relaxed);
        self.touch();
        Busy(self.clone())
    }

    pub fn is_idle(&self) -> bool {
        self.busy.load(Ordering::Acquire) == 0
    }

    fn timeout(&self, first: Duration, between: Duration) -> Duration {
        if self.served.load(Ordering::Relaxed) == 0 {
            first
        } else {
            between
        }
    }

    /// When the connection will have been idle too long, if it stays so.
    pub fn idle_deadline(&self, first: Duration, between: Duration) -> Instant {
        let last = Duration::from_millis(self.last_active_ms.load(Ordering::Relaxed));
        self.opened + last + self.timeout(first, between)
    }

    pub fn idle_expired(&self, first: Duration, between: Duration) -> bool {
        self.is_idle() && Instant::now() >= self.idle_deadline(first, between)
    }

    pub async fn close_requested(&self) {
        self.close.notified().await;
    }

    pub fn timed_out(&self) {
        Metrics::bump(&self.metrics.connections_timed_out);
    }

    /// Counts the connection as gone now (its slot is reused at once) and
    /// asks its task to close it.
    fn done_by_eviction(&self) {
        self.finished();
        self.close.notify_one();
    }

    pub fn finished(&self) {
        if !self.done.swap(true, Ordering::AcqRel) {
            self.metrics
                .connections_open
                .fetch_sub(1, Ordering::Relaxed);
            if self.live.count.fetch_sub(1, Ordering::AcqRel) == 1 {
                self.live.none_left.notify_waiters();
            }
        }
    }
}

pub struct Connections {
    order: VecDeque<Arc<ConnState>>,
    max: usize,
    live: Arc<Live>,
    metrics: Arc<Metrics>,
}

impl Connections {
    pub fn new(max: usize, metrics: Arc<Metrics>) -> Connections {
        Connections {
            order: VecDeque::new(),
            max,
            live: Arc::default(),
            metrics,
        }
    }

    fn live(&self) -> usize {
        usize::try_from(self.live.count.load(Ordering::Acquire)).unwrap_or(usize::MAX)
    }

    /// A slot for a new connection: closes the oldest idle one when full,
    /// `None` when every open connection is busy.
    pub fn admit(&mut self) -> Option<Arc<ConnState>> {
        if self.order.len() > 2 * self.live() + 1024 {
            self.order.retain(|c| !c.done.load(Ordering::Acquire));
        }
        if self.live() >= self.max && !self.evict_one() {
            return None;
        }
        self.live.count.fetch_add(1, Ordering::AcqRel);
        self.metrics
            .connections_open
            .fetch_add(1, Ordering::Relaxed);
        Metrics::bump(&self.metrics.connections_accepted);
        let state = Arc::new(ConnState {
            opened: Instant::now(),
            busy: AtomicU32::new(0),
            served: AtomicU64::new(0),
            last_active_ms: AtomicU64::new(0),
            done: AtomicBool::new(false),
            close: Notify::new(),
            metrics: self.metrics.clone(),
            live: self.live.clone(),
        });
        self.order.push_back(state.clone());
        Some(state)
    }

    /// Asks the oldest idle connection to close; the new one is admitted
    /// at once (the count dips back when the evicted task ends).
    fn evict_one(&mut self) -> bool {
        // Entries of closed connections are dropped on the way without
        // counting: only busy ones, put back at the end, use the budget.
        let mut budget = EVICTION_SCAN;
        while budget > 0 {
            let Some(c) = self.order.pop_front() else {
                return false;
            };
            if c.done.load(Ordering::Acquire) {
                continue;
            }
            if c.is_idle() {
                c.done_by_eviction();
                Metrics::bump(&self.metrics.connections_evicted);
                return true;
            }
            self.order.push_back(c);
            budget -= 1;
        }
        false
    }

    pub fn close_all(&mut self) {
        for c in self.order.drain(..) {
            c.close.notify_one();
        }
    }

    pub async fn drained(&self) {
        loop {
            let wait = self.live.none_left.notified();
            if self.live() == 0 {
                return;
            }
            wait.await;
        }
    }
}
