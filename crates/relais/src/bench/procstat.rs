//! CPU time and peak memory of a process, read from `/proc` (Linux).

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ; 100 on Linux).
const USER_HZ: f64 = 100.0;

#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSample {
    /// Time running the process' own code.
    pub user: Duration,
    /// Time in the kernel on its behalf: system calls, and on loopback the
    /// receiving side's network stack and wake-ups that its sends run.
    pub system: Duration,
}

impl CpuSample {
    /// user + system.
    pub fn total(&self) -> Duration {
        self.user + self.system
    }

    /// What the process spent between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuSample) -> CpuSample {
        CpuSample {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }

    /// The kernel's share of the total, in percent (0 when nothing ran).
    pub fn kernel_percent(&self) -> f64 {
        let total = self.total().as_secs_f64();
        if total > 0.0 {
            100.0 * self.system.as_secs_f64() / total
        } else {
            0.0
        }
    }
}

/// user and system CPU time of `pid` so far.
pub fn cpu(pid: u32) -> Option<CpuSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // After the name: state(3) ppid … utime is field 14, stime 15 (1-based in proc(5)).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(CpuSample {
        user: Duration::from_secs_f64(utime / USER_HZ),
        system: Duration::from_secs_f64(stime / USER_HZ),
    })
}

/// Current resident set size (VmRSS) in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// Peak resident set size (VmHWM) in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        let me = std::process::id();
        assert!(cpu(me).is_some());
        assert!(peak_rss_kib(me).unwrap_or(0) > 0);
        assert!(rss_kib(me).unwrap_or(0) > 0);
    }

    #[test]
    fn splits_user_and_kernel_time() {
        let ms = Duration::from_millis;
        let before = CpuSample {
            user: ms(100),
            system: ms(50),
        };
        let after = CpuSample {
            user: ms(400),
            system: ms(150),
        };
        let spent = after.since(&before);
        assert_eq!(spent.total(), ms(400));
        assert!((spent.kernel_percent() - 25.0).abs() < 1e-9);
        assert_eq!(CpuSample::default().kernel_percent(), 0.0);
        // A counter read out of order never goes negative.
        assert_eq!(before.since(&after).total(), Duration::ZERO);
    }
}
