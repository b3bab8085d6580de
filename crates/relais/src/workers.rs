//! How many threads run the async work of a node, and on which runtime.
//!
//! Tokio's default is one worker per core. A login is ten short HTTP
//! exchanges; between them a worker parks, and every exchange wakes one —
//! often two, when the woken worker asks a parked one to help. The node's
//! other work does not run on those workers: SQLite's own threads, the
//! kernel's network processing, and on a small machine the IdPs and
//! services beside it. Measured on 2 cores (docs/benchmarks.md, "One async
//! worker per core but one"), one worker spent 9–11 % less CPU per login
//! than two, at the same throughput, closed loop or at 200 logins/s; and
//! with a single worker, tokio's current-thread runtime (no work-stealing
//! machinery at all) spent 5–10 % less again.
//!
//! So the default leaves one core to that other work: cores − 1 workers,
//! at least one, and one worker is a current-thread runtime.
//! `RELAIS_WORKERS=N` sets the number; tokio's own `TOKIO_WORKER_THREADS`,
//! when set, is left to tokio's multi-thread runtime.

use tokio::runtime::Builder;

/// The runtime `relais` runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// Everything on the thread that runs `main`.
    One,
    /// Tokio's multi-thread runtime with this many workers (`None`: tokio
    /// decides, from `TOKIO_WORKER_THREADS`).
    Many(Option<usize>),
}

impl Workers {
    /// From the environment and the machine.
    pub fn from_env() -> Workers {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Workers::choose(
            std::env::var("RELAIS_WORKERS").ok().as_deref(),
            std::env::var_os("TOKIO_WORKER_THREADS").is_some(),
            cores,
        )
    }

    fn choose(relais_workers: Option<&str>, tokio_set: bool, cores: usize) -> Workers {
        let n = match relais_workers.and_then(|v| v.trim().parse::<usize>().ok()) {
            Some(n) => n.clamp(1, 1024),
            None if tokio_set => return Workers::Many(None),
            None => cores.saturating_sub(1).max(1),
        };
        if n == 1 {
            Workers::One
        } else {
            Workers::Many(Some(n))
        }
    }

    /// A runtime builder of this kind, with I/O and timers.
    pub fn builder(self) -> Builder {
        let mut builder = match self {
            Workers::One => Builder::new_current_thread(),
            Workers::Many(n) => {
                let mut b = Builder::new_multi_thread();
                if let Some(n) = n {
                    b.worker_threads(n);
                }
                b
            }
        };
        builder.enable_all();
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::Workers;

    #[test]
    fn one_core_is_left_to_the_rest_unless_told_otherwise() {
        assert_eq!(Workers::choose(None, false, 2), Workers::One);
        assert_eq!(Workers::choose(None, false, 1), Workers::One);
        assert_eq!(Workers::choose(None, false, 16), Workers::Many(Some(15)));
        assert_eq!(Workers::choose(Some("4"), false, 2), Workers::Many(Some(4)));
        assert_eq!(Workers::choose(Some("0"), false, 8), Workers::One);
        assert_eq!(
            Workers::choose(Some("many"), false, 8),
            Workers::Many(Some(7))
        );
        assert_eq!(
            Workers::choose(None, true, 8),
            Workers::Many(None),
            "TOKIO_WORKER_THREADS is tokio's"
        );
        assert_eq!(Workers::choose(Some("3"), true, 8), Workers::Many(Some(3)));
    }

    #[test]
    fn both_kinds_of_runtime_run_tasks() {
        for workers in [Workers::One, Workers::Many(Some(2))] {
            let rt = workers.builder().build().unwrap();
            let answer = rt.block_on(async { tokio::spawn(async { 42 }).await.unwrap() });
            assert_eq!(answer, 42);
        }
    }
}
