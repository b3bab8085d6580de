//! The business-event sink.
//!
//! Steps call [`EventSink::emit`] for ordinary events: it never blocks the
//! request — events go through a channel to one writer task that appends
//! JSON lines (file or stdout) every 50 ms. The events statistics and the
//! dashboard rely on (`FC_VERIFIED`, `FC_DATATRANSFER_*`,
//! `FC_REDIRECTED_TO_SP`, `DP_VERIFIED_FC_CHECKTOKEN`) go through
//! [`EventSink::record`], which writes them to the durable store *before*
//! the step answers, so a node killed afterwards loses none of them (the
//! default on PostgreSQL; on the embedded SQLite store they are written with
//! the 50 ms batch unless `events.store_before_answer = true`).
//! The queues are bounded: an ordinary event that finds the queue full is
//! dropped and counted (`relais_events_dropped_total`) rather than growing
//! the process without limit; durable events wait for room (back-pressure
//! on the step) instead, since statistics must not lose them.
//! [`EventSink::flush`] waits until everything emitted so far is written;
//! the writer also drains the queue when the node's supervisor cancels it
//! at shutdown (SIGTERM). Both loops run under the node's
//! [`Supervisor`]: their receivers are shared, so a restarted loop carries
//! on with the same queue.

use crate::metrics::store_op::StoreOp;
use crate::metrics::Metrics;
use crate::supervisor::{CancellationToken, LoopResult, Supervisor};
use relais_core::event::BusinessEvent;
use relais_store::{EventStore, SerialisedEvents};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot, Mutex};

/// How often queued events are written in one batch.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
/// Events waiting for the writer (a login emits ~20; a node writes tens of
/// thousands per second).
const QUEUE: usize = 65_536;
/// Requests waiting for the group commit.
const COMMITS: usize = 4_096;

/// Where JSON lines go.
#[derive(Debug, Clone)]
pub enum EventOutput {
    Stdout,
    File(std::path::PathBuf),
    Off,
}

#[allow(clippy::large_enum_variant)] // events dominate; boxing each would allocate per event
enum Msg {
    /// An event, and whether it still has to be stored.
    Event(BusinessEvent, bool),
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// Durable events waiting for the group commit, and who waits for them.
type Commit = (Vec<BusinessEvent>, oneshot::Sender<bool>);

pub struct EventSink {
    tx: mpsc::Sender<Msg>,
    commits: mpsc::Sender<Commit>,
    metrics: Arc<Metrics>,
    /// Store durable events before the step answers (else within 50 ms).
    store_before_answer: bool,
}

impl EventSink {
    /// Starts the writer and the group commit under `tasks`.
    pub fn start(
        output: EventOutput,
        store: Arc<dyn EventStore>,
        store_before_answer: bool,
        metrics: Arc<Metrics>,
        tasks: &mut Supervisor,
    ) -> EventSink {
        let (tx, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let writer_store = store.clone();
        let writer_metrics = metrics.clone();
        tasks.spawn("event writer", move |cancel| {
            write_loop(
                rx.clone(),
                output.clone(),
                writer_store.clone(),
                writer_metrics.clone(),
                cancel,
            )
        });
        let commit_metrics = metrics.clone();
        let (commits, pending) = mpsc::channel(COMMITS);
        let pending = Arc::new(Mutex::new(pending));
        tasks.spawn("event group commit", move |cancel| {
            group_commit(
                pending.clone(),
                store.clone(),
                commit_metrics.clone(),
                cancel,
            )
        });
        EventSink {
            tx,
            commits,
            metrics,
            store_before_answer,
        }
    }

    /// Queues an event (stored later if it is a durable kind); dropped and
    /// counted when the queue is full.
    pub fn emit(&self, event: BusinessEvent) {
        let durable = event.durable;
        if let Err(mpsc::error::TrySendError::Full(_)) =
            self.tx.try_send(Msg::Event(event, durable))
        {
            Metrics::bump(&self.metrics.events_dropped);
        }
    }

    /// Stores the durable events now (when configured so), then queues all
    /// of them for the stream.
    pub async fn record(&self, events: Vec<BusinessEvent>) {
        if !self.store_before_answer {
            return self.forward(events, false).await;
        }
        let durable: Vec<BusinessEvent> = events.iter().filter(|e| e.durable).cloned().collect();
        let stored = if durable.is_empty() {
            true
        } else {
            let (ack, done) = oneshot::channel();
            self.commits.send((durable, ack)).await.is_ok() && done.await.unwrap_or(false)
        };
        self.forward(events, stored).await;
    }

    /// Queues for the stream events the durable store already holds (a
    /// login's `FC_VERIFIED`, stored with its connection:
    /// `AccountStore::connect_with_events`).
    pub async fn already_stored(&self, events: Vec<BusinessEvent>) {
        self.forward(events, true).await;
    }

    /// Queues `events` for the stream; the durable ones to be stored by the
    /// writer too, unless `stored`.
    async fn forward(&self, events: Vec<BusinessEvent>, stored: bool) {
        for e in events {
            let pending = !stored && e.durable;
            if e.durable {
                let _ = self.tx.send(Msg::Event(e, pending)).await;
            } else {
                self.emit(e);
            }
        }
    }

    /// Waits until every event emitted before this call is written (and
    /// stored, for durable ones, unless the store is down).
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// Writes durable events as soon as they come, all the events of the
/// requests waiting at that moment in one transaction (group commit), and
/// tells each request once its events are stored.
async fn group_commit(
    pending: Arc<Mutex<mpsc::Receiver<Commit>>>,
    store: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) -> LoopResult {
    let mut pending = pending.lock().await;
    loop {
        let first = tokio::select! {
            next = pending.recv() => match next {
                Some(c) => c,
                None => return Ok(()),
            },
            // Requests still waiting are answered "not stored": the writer
            // stores their events while it drains.
            () = cancel.cancelled() => return Ok(()),
        };
        let mut waiting = vec![first];
        while let Ok(more) = pending.try_recv() {
            waiting.push(more);
            if waiting.len() >= 256 {
                break;
            }
        }
        let events: Vec<BusinessEvent> = waiting
            .iter()
            .flat_map(|(e, _)| e.iter().cloned())
            .collect();
        let started = std::time::Instant::now();
        let appended = store.append_events(&events).await;
        metrics.store_op(StoreOp::DurableAppendEvents, started.elapsed());
        let ok = match appended {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, count = events.len(), "cannot store durable events now; will retry in the background");
                false
            }
        };
        for (_, ack) in waiting {
            let _ = ack.send(ok);
        }
    }
}

async fn write_loop(
    rx: Arc<Mutex<mpsc::Receiver<Msg>>>,
    output: EventOutput,
    store: Arc<dyn EventStore>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) -> LoopResult {
    let mut rx = rx.lock().await;
    let mut file: Option<tokio::fs::File> = match &output {
        EventOutput::File(p) => match tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .await
        {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(error = %e, path = %p.display(), "cannot open the events file; events go to the log");
                None
            }
        },
        _ => None,
    };
    let writing = !matches!(output, EventOutput::Off);
    // The stream's lines of one drain, and the durable events not stored
    // yet: each event is written as its line when drained, then moved to
    // the store's batch or dropped (no copy of it is kept). A durable
    // event is serialised once: its line is the body the store keeps.
    let mut lines: Vec<u8> = Vec::new();
    let mut to_store = SerialisedEvents::default();
    let mut flushed: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        // Drain on a tick instead of waking per event: a login emits ~20
        // events, and a wake-up per event costs more than the event itself.
        let stopping = tokio::select! {
            () = tokio::time::sleep(FLUSH_EVERY) => false,
            () = cancel.cancelled() => true,
        };
        loop {
            match rx.try_recv() {
                Ok(Msg::Event(e, pending)) => {
                    metrics.observe_event(&e);
                    if pending {
                        match to_store.push(e) {
                            Ok(body) if writing => {
                                lines.extend_from_slice(body.as_bytes());
                                lines.push(b'\n');
                            }
                            Ok(_) => {}
                            Err(err) => {
                                tracing::error!(error = %err, "durable event not serialisable; dropped")
                            }
                        }
                    } else if writing {
                        let at = lines.len();
                        match serde_json::to_writer(&mut lines, &e) {
                            Ok(()) => lines.push(b'\n'),
                            Err(_) => lines.truncate(at),
                        }
                    }
                }
                Ok(Msg::Flush(ack)) => flushed.push(ack),
                Err(_) => break,
            }
        }
        if !lines.is_empty() {
            match file.as_mut() {
                Some(f) => {
                    if let Err(e) = f.write_all(&lines).await {
                        tracing::error!(error = %e, "cannot write events");
                    }
                    let _ = f.flush().await;
                }
                None => {
                    let mut out = tokio::io::stdout();
                    let _ = out.write_all(&lines).await;
                    let _ = out.flush().await;
                }
            }
            lines.clear();
        }
        if !to_store.is_empty() {
            let started = std::time::Instant::now();
            let appended = store.append_serialised(&to_store).await;
            metrics.store_op(StoreOp::DurableAppendEvents, started.elapsed());
            match appended {
                Ok(()) => to_store.clear(),
                Err(e) => {
                    tracing::error!(error = %e, count = to_store.len(), "cannot store durable events; retrying")
                }
            }
        }
        for ack in flushed.drain(..) {
            let _ = ack.send(());
        }
        if stopping {
            if !to_store.is_empty() {
                tracing::error!(
                    count = to_store.len(),
                    "durable events not stored at shutdown"
                );
            }
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::event::EventKind;
    use relais_core::ManualClock;
    use relais_store::sqlite::SqliteStore;
    use std::sync::atomic::Ordering;

    #[tokio::test(flavor = "current_thread")]
    async fn a_full_queue_drops_ordinary_events_and_counts_them() {
        let path = relais_store::test_backends::TempDb::new("events-queue");
        let clock = ManualClock::starting_now();
        let store = SqliteStore::open(&path, Arc::new(clock.clone()))
            .await
            .unwrap();
        let metrics = Arc::new(Metrics::default());
        let mut tasks = Supervisor::new();
        let sink = EventSink::start(
            EventOutput::Off,
            Arc::new(store),
            false,
            metrics.clone(),
            &mut tasks,
        );
        // No await in the loop: on this one-thread runtime the writer cannot
        // drain meanwhile, so the queue fills.
        let extra = 1_000;
        for _ in 0..QUEUE + extra {
            sink.emit(BusinessEvent::new(EventKind::FcShowedIdpChoice, 0));
        }
        assert_eq!(metrics.events_dropped.load(Ordering::Relaxed), extra as u64);
        // Once drained, events are accepted again.
        sink.flush().await;
        sink.emit(BusinessEvent::new(EventKind::FcShowedIdpChoice, 0));
        assert_eq!(metrics.events_dropped.load(Ordering::Relaxed), extra as u64);
        tasks.shutdown().await;
    }
}
