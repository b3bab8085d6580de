//! Background loops a node runs beside its requests (registry reload, event
//! writing, expiry purges, partition upkeep, configuration listener), owned
//! in one place so none is silently lost.
//!
//! Each loop is started by a factory the [`Supervisor`] can call again: an
//! attempt that fails (returns an error) or panics is logged and restarted
//! after a short pause; an attempt that returns `Ok` is done. Every attempt
//! gets the node's [`CancellationToken`] and must return once it is
//! cancelled — after finishing what it owes (the event writer flushes).
//! [`Supervisor::shutdown`] cancels and waits for all of them.

use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;
pub use tokio_util::sync::CancellationToken;

/// How long a failed loop waits before it is started again.
const RESTART_AFTER: Duration = Duration::from_secs(1);
/// How long shutdown waits for a loop to finish before aborting it.
const STOP_WITHIN: Duration = Duration::from_secs(10);

pub type LoopResult = Result<(), String>;

pub struct Supervisor {
    cancel: CancellationToken,
    tasks: JoinSet<()>,
}

impl Default for Supervisor {
    fn default() -> Self {
        Supervisor::new()
    }
}

impl Supervisor {
    pub fn new() -> Supervisor {
        Supervisor {
            cancel: CancellationToken::new(),
            tasks: JoinSet::new(),
        }
    }

    /// Runs `attempt` until it returns `Ok` or the node stops, restarting it
    /// after an error or a panic.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, attempt: F)
    where
        F: Fn(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = LoopResult> + Send + 'static,
    {
        let cancel = self.cancel.clone();
        self.tasks.spawn(async move {
            loop {
                let mut run = tokio::spawn(attempt(cancel.clone()));
                let outcome = tokio::select! {
                    r = &mut run => r,
                    () = cancel.cancelled() => {
                        match tokio::time::timeout(STOP_WITHIN, &mut run).await {
                            Ok(_) => {}
                            Err(_) => {
                                tracing::error!(task = name, "background task did not stop in time; aborted");
                                run.abort();
                            }
                        }
                        return;
                    }
                };
                match outcome {
                    Ok(Ok(())) => return,
                    Ok(Err(e)) => {
                        tracing::error!(task = name, error = %e, "background task failed; restarting")
                    }
                    Err(e) if e.is_panic() => {
                        tracing::error!(task = name, "background task panicked; restarting")
                    }
                    Err(_) => return,
                }
                tokio::select! {
                    () = tokio::time::sleep(RESTART_AFTER) => {}
                    () = cancel.cancelled() => return,
                }
            }
        });
    }

    /// Runs `step` every `every` until the node stops; a failed step is
    /// logged and the loop goes on.
    pub fn every<F, Fut>(&mut self, name: &'static str, every: Duration, step: F)
    where
        F: Fn() -> Fut + Send + Sync + Clone + 'static,
        Fut: Future<Output = LoopResult> + Send + 'static,
    {
        self.spawn(name, move |cancel| {
            let step = step.clone();
            async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tokio::select! {
                        _ = tick.tick() => {}
                        () = cancel.cancelled() => return Ok(()),
                    }
                    if let Err(e) = step().await {
                        tracing::warn!(task = name, error = %e, "periodic task failed");
                    }
                }
            }
        });
    }

    /// Cancels every loop and waits until all have returned.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn failed_and_panicking_attempts_are_restarted_and_shutdown_waits() {
        tokio::time::pause();
        let attempts = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let mut s = Supervisor::new();
        let (a, st) = (attempts.clone(), stopped.clone());
        s.spawn("flaky", move |cancel| {
            let (a, st) = (a.clone(), st.clone());
            async move {
                match a.fetch_add(1, Ordering::SeqCst) {
                    0 => Err("first attempt fails".to_owned()),
                    1 => panic!("second attempt panics"),
                    _ => {
                        cancel.cancelled().await;
                        st.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    }
                }
            }
        });
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(attempts.load(Ordering::SeqCst), 3);
        s.shutdown().await;
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
    }
}
