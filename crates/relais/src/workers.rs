//! How many threads run the async work of a node.
//!
//! Tokio's default is one worker per core. A login is ten short HTTP
//! exchanges; between them a worker parks, and every exchange wakes one —
//! often two, when the woken worker asks a parked one to help. The node's
//! other work does not run on those workers: SQLite's own threads, the
//! kernel's network processing, and on a small machine the IdPs and
//! services beside it. Measured on 2 cores (docs/benchmarks-log.md, "One async
//! worker per core but one"), one worker spent 9–11 % less CPU per login
//! than two, at the same throughput, closed loop or at 200 logins/s.
//! So the default leaves one core to that other work: cores − 1 workers,
//! at least one. `RELAIS_WORKERS=N` sets the number; tokio's own
//! `TOKIO_WORKER_THREADS`, when set, is left to tokio.

/// The worker count to set, or `None` to leave it to tokio.
pub fn default_workers() -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    choose(
        std::env::var("RELAIS_WORKERS").ok().as_deref(),
        std::env::var_os("TOKIO_WORKER_THREADS").is_some(),
        cores,
    )
}

fn choose(relais_workers: Option<&str>, tokio_set: bool, cores: usize) -> Option<usize> {
    if let Some(n) = relais_workers.and_then(|v| v.trim().parse::<usize>().ok()) {
        return Some(n.clamp(1, 1024));
    }
    if tokio_set {
        return None;
    }
    Some(cores.saturating_sub(1).max(1))
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn one_core_is_left_to_the_rest_unless_told_otherwise() {
        assert_eq!(choose(None, false, 2), Some(1));
        assert_eq!(choose(None, false, 1), Some(1));
        assert_eq!(choose(None, false, 16), Some(15));
        assert_eq!(choose(Some("4"), false, 2), Some(4));
        assert_eq!(choose(Some("0"), false, 2), Some(1));
        assert_eq!(choose(Some("many"), false, 8), Some(7));
        assert_eq!(
            choose(None, true, 8),
            None,
            "TOKIO_WORKER_THREADS is tokio's"
        );
        assert_eq!(choose(Some("3"), true, 8), Some(3));
    }
}
