//! The HTTP floor: what one kept-alive request costs the federation's CPU
//! when its handler does nothing (`GET /healthz`, through every layer a
//! step's request goes through: the frame, the abuse guard, the metrics).
//! Beside the cryptography floor ([`super::crypto_floor`]) it says how much
//! of a login's CPU its exchanges alone take, before any step's work.
//!
//! Virtual users share one pooled client and take request numbers from one
//! counter; the federation's CPU is read from `/proc` around the measured
//! requests only (a warm-up opens the connections first).

use super::args::{BenchArgs, HttpFloorArgs};
use super::{procstat, spawn};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Requests a login of `relais bench` sends to the federation (authorize,
/// chooser, choice of IdP, callback, consent page and form, token,
/// userinfo); the two calls it makes to the IdP are not counted.
pub const REQUESTS_PER_LOGIN: u32 = 8;

#[derive(Debug, Serialize)]
pub struct HttpFloor {
    pub requests: u64,
    pub concurrency: usize,
    /// The federation's CPU per request, in microseconds.
    pub micros_per_request: f64,
    /// The kernel's share of that CPU, in percent.
    pub kernel_percent: f64,
    /// `micros_per_request` × [`REQUESTS_PER_LOGIN`], in milliseconds.
    pub per_login_ms: f64,
    /// The whole machine over the measured requests (Linux): a floor
    /// measured while the host took the CPUs is the host's, not ours.
    pub machine: Option<procstat::MachineFigures>,
}

impl HttpFloor {
    pub fn summary(&self) -> String {
        format!(
            "{:.1} µs of the federation's CPU per kept-alive request to /healthz (kernel {:.0} %; {} requests, {} at once); × {REQUESTS_PER_LOGIN} requests per login = {:.3} ms",
            self.micros_per_request,
            self.kernel_percent,
            self.requests,
            self.concurrency,
            self.per_login_ms
        )
    }
}

/// `relais bench http-floor`: measures a running federation (`--url` and
/// `--server-pid`) or one spawned as `relais bench` spawns it, and prints
/// the figures.
pub async fn run(args: &BenchArgs, floor: &HttpFloorArgs) -> Result<(), String> {
    let (base, pid, _spawned) = match (&floor.url, floor.server_pid) {
        (Some(u), Some(p)) => (u.trim_end_matches('/').to_owned(), p, None),
        _ => {
            let (u, s) = spawn::spawn(args, None).await?;
            let pid = s
                .children
                .iter()
                .find(|(role, _)| role == "federation")
                .map(|(_, c)| c.id())
                .ok_or("the federation was not spawned")?;
            (u, pid, Some(s))
        }
    };
    let measured = measure(&base, pid, floor).await?;
    if floor.json {
        let text = serde_json::to_string_pretty(&measured).map_err(|e| e.to_string())?;
        say!("{text}");
    } else {
        say!("HTTP floor: {}", measured.summary());
        if let Some(m) = &measured.machine {
            say!("{}", m.describe());
        }
    }
    Ok(())
}

/// Sends `spec.requests` measured requests (after `spec.warmup_requests`
/// unmeasured ones) to `base`'s `/healthz` from `spec.concurrency` virtual
/// users; `pid` is the federation's process. Any answer but `200 ok` fails
/// the measure.
pub async fn measure(base: &str, pid: u32, spec: &HttpFloorArgs) -> Result<HttpFloor, String> {
    let (requests, concurrency) = (spec.requests, spec.concurrency);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{base}/healthz");
    send(&http, &url, spec.warmup_requests, concurrency).await?;
    let before = procstat::cpu(pid).ok_or("cannot read the federation's CPU time")?;
    let machine_before = procstat::machine();
    send(&http, &url, requests, concurrency).await?;
    let after = procstat::cpu(pid).ok_or("cannot read the federation's CPU time")?;
    let machine = procstat::machine_since(machine_before);
    let spent = after.since(&before);
    let micros_per_request = spent.total().as_secs_f64() * 1e6 / requests.max(1) as f64;
    Ok(HttpFloor {
        requests,
        concurrency,
        micros_per_request,
        kernel_percent: spent.kernel_percent(),
        per_login_ms: micros_per_request * f64::from(REQUESTS_PER_LOGIN) / 1000.0,
        machine,
    })
}

async fn send(
    http: &reqwest::Client,
    url: &str,
    requests: u64,
    concurrency: usize,
) -> Result<(), String> {
    let next = Arc::new(AtomicU64::new(0));
    let mut users = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (http, url, next) = (http.clone(), url.to_owned(), next.clone());
        users.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let resp = http
                    .get(&url)
                    .send()
                    .await
                    .map_err(|e| format!("cannot reach {url}: {}", root_cause(&e)))?;
                let status = resp.status();
                let body = resp.bytes().await.map_err(|e| e.to_string())?;
                if !status.is_success() || &body[..] != b"ok" {
                    return Err(format!("/healthz answered {status}"));
                }
            }
            Ok::<(), String>(())
        });
    }
    while let Some(user) = users.join_next().await {
        user.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// The innermost cause of an error ("Connection refused"), which reqwest's
/// own message leaves out.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}
