//! CPU time and peak memory of a process, and the machine's CPU time, read
//! from `/proc` (Linux).
//!
//! The machine's figures say how far a run can be trusted: on a virtual
//! machine the host may run other guests on the cores this one was given
//! (steal time), and then every latency of the run, and the CPU each login
//! costs, carry the host's load, not the federation's.

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

/// The machine's CPU time so far, all CPUs together, in clock ticks: the
/// first line of `/proc/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MachineSample {
    /// Every state: user, nice, system, idle, iowait, irq, softirq, steal
    /// (guest time is already counted in user).
    pub total: u64,
    /// Idle and waiting on I/O: time nothing ran.
    pub idle: u64,
    /// Time the host gave this machine's CPUs to something else.
    pub steal: u64,
}

impl MachineSample {
    /// The machine between `earlier` and `self`: how busy its CPUs were,
    /// and how much of their time the host took, in percent of the window's
    /// CPU time (`None` when no tick passed).
    pub fn since(&self, earlier: &MachineSample) -> Option<MachineFigures> {
        let total = self.total.checked_sub(earlier.total).filter(|t| *t > 0)? as f64;
        let share = |now: u64, then: u64| 100.0 * now.saturating_sub(then) as f64 / total;
        Some(MachineFigures {
            busy_percent: 100.0 - share(self.idle, earlier.idle),
            steal_percent: share(self.steal, earlier.steal),
        })
    }
}

/// What the machine did during a measured window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MachineFigures {
    /// Share of the CPUs' time something ran (steal included).
    pub busy_percent: f64,
    /// Share of the CPUs' time the host took for other guests.
    pub steal_percent: f64,
}

/// Steal above this share of the window makes a run's figures the host's
/// as much as the federation's.
const STEAL_WARNING_PERCENT: f64 = 5.0;

impl MachineFigures {
    /// The machine over the window, for a report: one line, and the
    /// warning below it when the host took much of the machine.
    pub fn describe(&self) -> String {
        let line = format!(
            "machine: CPUs busy {:.0} % of the window, {:.1} % of it taken by the host (steal)",
            self.busy_percent, self.steal_percent
        );
        match self.steal_warning() {
            Some(warning) => format!("{line}\n  {warning}"),
            None => line,
        }
    }

    /// What a reader must know when the host took much of the machine:
    /// the run's figures are then the host's as much as the federation's.
    fn steal_warning(&self) -> Option<String> {
        (self.steal_percent >= STEAL_WARNING_PERCENT).then(|| {
            format!(
                "warning: the host ran other guests on this machine's CPUs for {:.1} % of the \
                 window: this run's figures carry the host's load; measure again when it is \
                 quiet",
                self.steal_percent
            )
        })
    }
}

/// The machine's CPU time so far.
pub fn machine() -> Option<MachineSample> {
    parse_machine(&std::fs::read_to_string("/proc/stat").ok()?)
}

/// The machine from `before` (taken with [`machine`]) to now.
pub fn machine_since(before: Option<MachineSample>) -> Option<MachineFigures> {
    machine()?.since(&before?)
}

/// The aggregate `cpu` line of `/proc/stat`'s text.
fn parse_machine(stat: &str) -> Option<MachineSample> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if ticks.len() < 4 {
        return None;
    }
    // Kernels before 2.6.11 have no steal column: then nothing was stolen.
    let field = |i: usize| ticks.get(i).copied().unwrap_or(0);
    Some(MachineSample {
        total: ticks.iter().sum(),
        idle: field(3) + field(4),
        steal: field(7),
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
    fn reads_the_machine_and_its_steal_time() {
        let earlier =
            parse_machine("cpu  100 0 50 800 20 0 5 25 0 0\ncpu0 50 0 25 400 10 0 2 12 0 0\n")
                .unwrap();
        assert_eq!(
            earlier,
            MachineSample {
                total: 1000,
                idle: 820,
                steal: 25
            }
        );
        // 200 ticks later: 60 user, 10 system, 50 idle, 80 stolen.
        let later = parse_machine("cpu  160 0 60 850 20 0 5 105 0 0\n").unwrap();
        let f = later.since(&earlier).unwrap();
        assert!((f.steal_percent - 40.0).abs() < 1e-9, "{f:?}");
        assert!((f.busy_percent - 75.0).abs() < 1e-9, "{f:?}");
        // No tick between the two, or counters read out of order: nothing
        // to say rather than a division by zero.
        assert_eq!(earlier.since(&earlier), None);
        assert_eq!(earlier.since(&later), None);
        // An old kernel without the steal column; a line that is not one.
        assert_eq!(parse_machine("cpu  1 2 3 4\n").unwrap().steal, 0);
        assert_eq!(parse_machine("cpu  1 x 3 4\n"), None);
        assert_eq!(parse_machine("intr 1 2\n"), None);
        assert!(machine().is_some(), "this machine's /proc/stat");
    }

    #[test]
    fn a_run_the_host_took_from_says_so() {
        let quiet = MachineFigures {
            busy_percent: 97.0,
            steal_percent: 0.4,
        };
        assert_eq!(quiet.steal_warning(), None);
        assert_eq!(
            quiet.describe(),
            "machine: CPUs busy 97 % of the window, 0.4 % of it taken by the host (steal)"
        );
        let stolen = MachineFigures {
            busy_percent: 99.0,
            steal_percent: 41.5,
        };
        let warning = stolen.steal_warning().unwrap_or_default();
        assert!(warning.contains("41.5 %"), "{warning}");
        assert!(warning.contains("measure again"), "{warning}");
        assert!(stolen.describe().ends_with(&["\n  ", &warning].concat()));
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
