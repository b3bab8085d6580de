//! The benchmark report: a human table and the same figures as JSON.

use super::login::STEPS;
use super::procstat::MachineFigures;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub fn percentiles(mut v: Vec<u32>) -> Percentiles {
    v.sort_unstable();
    let at = |q: f64| -> f64 {
        if v.is_empty() {
            return 0.0;
        }
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        f64::from(v[i.min(v.len() - 1)]) / 1000.0
    };
    Percentiles {
        count: v.len(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        max_ms: at(1.0),
    }
}

#[derive(Debug, Serialize)]
pub struct ProcessFigures {
    pub role: String,
    pub pid: u32,
    pub cpu_seconds: f64,
    pub cpu_ms_per_login: f64,
    pub logins_per_cpu_second: f64,
    /// The share of `cpu_seconds` spent in the kernel (system time), in
    /// percent: what sockets and wake-ups cost beside the process' own code.
    pub kernel_percent: f64,
    pub peak_rss_mib: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub configuration: BTreeMap<String, String>,
    pub measured_seconds: f64,
    pub logins: u64,
    pub logins_per_second: f64,
    pub failures: u64,
    pub failures_by_step: BTreeMap<String, BTreeMap<String, u64>>,
    pub latency: BTreeMap<String, Percentiles>,
    pub processes: Vec<ProcessFigures>,
    /// TCP connections the federation accepted per measured login (from its
    /// `/metrics`), when it could be read.
    pub federation_connections_per_login: Option<f64>,
    /// What the cryptography of one login costs on this machine.
    pub crypto_floor: super::crypto_floor::CryptoFloor,
    /// The whole machine over the measured window (Linux): how busy, and
    /// how much the host took; `None` where `/proc/stat` cannot be read.
    pub machine: Option<MachineFigures>,
    /// What a login cost PostgreSQL and Redis, in scale-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stores: Option<super::stores::StoreFigures>,
    /// `--soak`: memory over the measured window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soak: Option<super::soak::SoakReport>,
}

impl Report {
    pub fn print_table(&self) {
        say!("Relais benchmark — complete logins");
        for (k, v) in &self.configuration {
            say!("  {k:<14} {v}");
        }
        say!();
        say!(
            "logins: {}  in {:.1} s  →  {:.1} logins/s   failures: {}",
            self.logins,
            self.measured_seconds,
            self.logins_per_second,
            self.failures
        );
        for (step, reasons) in &self.failures_by_step {
            for (reason, n) in reasons {
                say!("  failed at {step}: {reason} ×{n}");
            }
        }
        if let Some(c) = self.federation_connections_per_login {
            say!("federation connections accepted per login: {c:.1}");
        }
        say!("cryptography floor: {}", self.crypto_floor.summary());
        if let Some(m) = &self.machine {
            say!("{}", m.describe());
        }
        say!();
        say!(
            "{:<14} {:>8} {:>9} {:>9} {:>9} {:>9}",
            "step",
            "count",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms"
        );
        for step in STEPS {
            if let Some(p) = self.latency.get(step).filter(|p| p.count > 0) {
                say!(
                    "{step:<14} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                    p.count,
                    p.p50_ms,
                    p.p95_ms,
                    p.p99_ms,
                    p.max_ms
                );
            }
        }
        say!();
        say!(
            "{:<12} {:>8} {:>12} {:>14} {:>18} {:>14} {:>9}",
            "process",
            "pid",
            "CPU s",
            "CPU ms/login",
            "logins/CPU-second",
            "peak RSS MiB",
            "kernel %"
        );
        for p in &self.processes {
            say!(
                "{:<12} {:>8} {:>12.3} {:>14.3} {:>18.0} {:>14.1} {:>9.0}",
                p.role,
                p.pid,
                p.cpu_seconds,
                p.cpu_ms_per_login,
                p.logins_per_cpu_second,
                p.peak_rss_mib,
                p.kernel_percent
            );
        }
        if let Some(stores) = &self.stores {
            stores.print();
        }
        if let Some(soak) = &self.soak {
            soak.print_table();
        }
    }
}
