//! Injected time. Everything that expires (codes, tokens, sessions) asks a
//! [`Clock`], so tests move time forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Current time as milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_millis(&self) -> i64;

    fn now_secs(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that starts at the wall-clock time and only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn starting_now() -> Self {
        ManualClock {
            millis: Arc::new(AtomicI64::new(SystemClock.now_millis())),
        }
    }

    pub fn at_millis(millis: i64) -> Self {
        ManualClock {
            millis: Arc::new(AtomicI64::new(millis)),
        }
    }

    pub fn advance_secs(&self, secs: i64) {
        self.millis
            .fetch_add(secs.saturating_mul(1000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_millis(1_000);
        assert_eq!(c.now_secs(), 1);
        c.advance_secs(30);
        assert_eq!(c.now_millis(), 31_000);
    }
}
