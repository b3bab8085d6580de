//! The business-event sink. Steps call [`EventSink::emit`], which never
//! blocks the request: events go through a channel to one writer task that
//! appends JSON lines (file or stdout) and stores the durable ones in
//! batches. [`EventSink::shutdown`] drains the channel so nothing is lost on
//! graceful shutdown.

use relais_core::event::{BusinessEvent, EventKind};
use relais_store::EventStore;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// Where JSON lines go.
#[derive(Debug, Clone)]
pub enum EventOutput {
    Stdout,
    File(std::path::PathBuf),
    Off,
}

/// How often queued events are written (and stored) in one batch.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

pub struct EventSink {
    tx: Mutex<Option<mpsc::UnboundedSender<BusinessEvent>>>,
    writer: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl EventSink {
    pub fn start(output: EventOutput, store: Arc<dyn EventStore>) -> EventSink {
        let (tx, rx) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_loop(rx, output, store));
        EventSink {
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        }
    }

    pub fn emit(&self, event: BusinessEvent) {
        if let Ok(guard) = self.tx.lock() {
            if let Some(tx) = guard.as_ref() {
                let _ = tx.send(event);
            }
        }
    }

    /// Stops accepting events and waits until every queued one is written.
    pub async fn shutdown(&self) {
        if let Ok(mut g) = self.tx.lock() {
            g.take();
        }
        let handle = self.writer.lock().ok().and_then(|mut g| g.take());
        if let Some(h) = handle {
            let _ = h.await;
        }
    }
}

async fn write_loop(
    mut rx: mpsc::UnboundedReceiver<BusinessEvent>,
    output: EventOutput,
    store: Arc<dyn EventStore>,
) {
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
    let mut batch = Vec::with_capacity(256);
    let mut open = true;
    while open {
        // Drain on a tick instead of waking per event: a login emits ~20
        // events, and a wake-up per event costs more than the event itself.
        tokio::time::sleep(FLUSH_EVERY).await;
        loop {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let mut lines = String::new();
        for e in batch.iter().filter(|_| !matches!(output, EventOutput::Off)) {
            if let Ok(l) = serde_json::to_string(e) {
                lines.push_str(&l);
                lines.push('\n');
            }
        }
        match (&output, file.as_mut()) {
            (EventOutput::Off, _) => {}
            (EventOutput::File(_), Some(f)) => {
                if let Err(e) = f.write_all(lines.as_bytes()).await {
                    tracing::error!(error = %e, "cannot write events");
                }
                let _ = f.flush().await;
            }
            _ => {
                let mut out = tokio::io::stdout();
                let _ = out.write_all(lines.as_bytes()).await;
                let _ = out.flush().await;
            }
        }
        let durable: Vec<BusinessEvent> = batch
            .drain(..)
            .filter(|e| is_durable_name(&e.event))
            .collect();
        if !durable.is_empty() {
            if let Err(e) = store.append_events(&durable).await {
                tracing::error!(error = %e, count = durable.len(), "cannot store durable events");
            }
        }
    }
}

fn is_durable_name(name: &str) -> bool {
    serde_json::from_value::<EventKind>(serde_json::Value::String(name.to_owned()))
        .map(EventKind::is_durable)
        .unwrap_or(false)
}
