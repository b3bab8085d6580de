//! `relais bench`: complete logins over real HTTP, measured.
//!
//! It either targets a running deployment (`--url`) or spawns one itself —
//! the federation (`relais demo --idps-url …`) and the demo IdPs (`relais
//! idps`) as **separate processes**, so the federation's CPU per login is
//! read alone from `/proc/<pid>/stat` over the measured window (warm-up
//! excluded). Virtual users each run logins with a fresh cookie jar over
//! kept-alive connections; every answer is checked (statuses, redirects,
//! ID token signature and nonce, userinfo claims), so a failure is counted
//! by step and reason, never as throughput.

pub mod args;
mod configuration;
mod crypto_floor;
pub mod html;
mod http_floor;
mod login;
mod populate;
mod procstat;
mod report;
mod soak;
mod spawn;
mod stores;

use args::BenchArgs;
use login::{Failure, Target, Timings, STEPS};
use relais_demo::service_client::ServiceKeys;
use relais_oidc::jose::JwkSet;
use report::{percentiles, ProcessFigures, Report};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Collected {
    timings: Vec<Timings>,
    failures: BTreeMap<String, BTreeMap<String, u64>>,
}

struct Shared {
    target: Target,
    measuring: AtomicBool,
    stop: AtomicBool,
    /// Logins measured so far, completed or failed.
    attempts: AtomicU64,
    /// Of those, the logins that completed.
    completed: AtomicU64,
    goal: u64,
    seq: AtomicU64,
    new_connections: bool,
    collected: Mutex<Collected>,
}

impl Shared {
    fn record(&self, started_measuring: bool, outcome: Result<Timings, Failure>) {
        if !started_measuring {
            return;
        }
        // A failed login counts towards the goal too: a federation that
        // fails every login ends the run with its failures reported,
        // instead of being retried at full speed for ever.
        if self.attempts.fetch_add(1, Ordering::SeqCst) + 1 >= self.goal {
            self.stop.store(true, Ordering::SeqCst);
        }
        let Ok(mut c) = self.collected.lock() else {
            return;
        };
        match outcome {
            Ok(t) => {
                c.timings.push(t);
                self.completed.fetch_add(1, Ordering::SeqCst);
            }
            Err(f) => {
                *c.failures
                    .entry(f.step.to_owned())
                    .or_default()
                    .entry(f.reason)
                    .or_default() += 1
            }
        }
    }

    async fn one(&self, pooled: &reqwest::Client) {
        let measuring = self.measuring.load(Ordering::SeqCst);
        let seed = self.seq.fetch_add(1, Ordering::Relaxed);
        // A browser arriving: its own connections, closed when it leaves.
        let fresh = if self.new_connections {
            match login::client() {
                Ok(c) => Some(c),
                Err(reason) => {
                    self.record(
                        measuring,
                        Err(login::Failure {
                            step: "client",
                            reason,
                        }),
                    );
                    return;
                }
            }
        } else {
            None
        };
        let http = fresh.as_ref().unwrap_or(pooled);
        let outcome = login::login(http, &self.target, seed).await;
        self.record(measuring, outcome);
    }
}

/// The federation's `/metrics` text, when it can be read.
async fn metrics_text(base: &str) -> Option<String> {
    reqwest::get(format!("{base}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()
}

/// `relais_connections_accepted_total` of the federation's `/metrics`.
async fn accepted_connections(base: &str) -> Option<u64> {
    soak::metric(
        &metrics_text(base).await?,
        "relais_connections_accepted_total",
    )
}

pub async fn run(mut args: BenchArgs) -> Result<(), String> {
    if let Some(args::BenchAction::Populate {
        db,
        services,
        accounts,
        config,
    }) = &args.action
    {
        let cfg = crate::commands::load_config(config.as_deref())?;
        let spec = populate::Populate {
            services: *services,
            accounts: *accounts,
        };
        return populate::run(cfg, db.as_deref(), &spec).await;
    }
    if let Some(args::BenchAction::CryptoFloor) = &args.action {
        say!(
            "ES256, as relais bench: {}",
            crypto_floor::measure(false, false)?.summary()
        );
        say!(
            "RS256 on both legs, as FranceConnect: {}",
            crypto_floor::rs256_login()?.summary()
        );
        return Ok(());
    }
    if let Some(args::BenchAction::HttpFloor(floor)) = &args.action {
        return http_floor::run(&args, floor).await;
    }
    let plus_keys = if args.plus {
        if args.url.is_some() {
            return Err("--plus measures a spawned deployment (its service keys are the bench's); drop --url".into());
        }
        if args.idp == "impots" {
            args.idp = "franceidentite".into();
        }
        Some(Arc::new(ServiceKeys::generate()?))
    } else {
        None
    };
    let (base, spawned) = match &args.url {
        Some(u) => (u.trim_end_matches('/').to_owned(), None),
        None => {
            let (u, s) = spawn::spawn(&args, plus_keys.as_deref()).await?;
            (u, Some(s))
        }
    };
    let mut pids: Vec<(String, u32)> = match &spawned {
        Some(s) => s
            .children
            .iter()
            .map(|(r, c)| (r.clone(), c.id()))
            .collect(),
        None => args
            .server_pid
            .map(|p| vec![("federation".to_owned(), p)])
            .unwrap_or_default(),
    };
    pids.sort_by_key(|(r, _)| r != "federation");
    let issuer = format!("{base}/api/v2");
    let jwks: JwkSet = reqwest::get(format!("{issuer}/jwks"))
        .await
        .map_err(|e| format!("cannot reach {issuer}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("JWKS: {e}"))?;
    let world = relais_demo::DemoWorld::new(&base, crate::node::DEMO_MASTER_KEY);
    let sp = world.demo_service();
    let target = Target {
        issuer: issuer.clone(),
        client_id: if plus_keys.is_some() {
            spawn::PLUS_CLIENT_ID.to_owned()
        } else {
            sp.client_id.clone()
        },
        client_secret: sp.client_secret.clone(),
        acr: match (args.acr.as_deref(), plus_keys.is_some()) {
            (Some("eidas1"), _) => "eidas1",
            (Some("eidas2"), _) => "eidas2",
            (Some("eidas3"), _) => "eidas3",
            (Some(other), _) => return Err(format!("--acr {other}: eidas1, eidas2 or eidas3")),
            (None, true) => "eidas3",
            (None, false) => "eidas1",
        },
        plus_keys,
        redirect_uri: "http://localhost:3000/callback".into(),
        idp: args.idp.clone(),
        citizens: citizens_of(&args.citizen)?,
        scope: if args.with_dp {
            "openid profile birth email cnaf_quotient_familial"
        } else {
            "openid profile birth email"
        }
        .into(),
        jwks,
        dp_url: args
            .with_dp
            .then(|| format!("{base}/dp/caf/api/quotient-familial")),
        citizen_addresses: args.rate_limits,
    };
    let goal = if args.duration.is_some() {
        u64::MAX
    } else {
        args.logins.max(1)
    };
    let shared = Arc::new(Shared {
        target,
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        attempts: AtomicU64::new(0),
        completed: AtomicU64::new(0),
        goal,
        seq: AtomicU64::new(0),
        new_connections: args.new_connections,
        collected: Mutex::new(Collected::default()),
    });

    let mut tasks = Vec::new();
    match args.rate {
        None => {
            for i in 0..args.concurrency.max(1) {
                let shared = shared.clone();
                let delay = Duration::from_secs_f64(
                    args.ramp_up.max(0.0) * i as f64 / args.concurrency.max(1) as f64,
                );
                tasks.push(tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let Ok(http) = login::client() else { return };
                    while !shared.stop.load(Ordering::SeqCst) {
                        shared.one(&http).await;
                    }
                }));
            }
        }
        Some(rate) => {
            let shared = shared.clone();
            let cap = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
            tasks.push(tokio::spawn(async move {
                let clients: Vec<reqwest::Client> = (0..cap.available_permits())
                    .filter_map(|_| login::client().ok())
                    .collect();
                let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
                let mut i = 0usize;
                while !shared.stop.load(Ordering::SeqCst) {
                    tick.tick().await;
                    let Ok(permit) = cap.clone().acquire_owned().await else {
                        break;
                    };
                    let (shared, http) =
                        (shared.clone(), clients[i % clients.len().max(1)].clone());
                    i += 1;
                    tokio::spawn(async move {
                        shared.one(&http).await;
                        drop(permit);
                    });
                }
            }));
        }
    }

    tokio::time::sleep(Duration::from_secs_f64(
        args.warmup.max(0.0) + args.ramp_up.max(0.0),
    ))
    .await;
    let probe = stores::StoreProbe::connect(&args).await?;
    let stores_before = probe.read().await;
    let cpu_before: Vec<Option<procstat::CpuSample>> =
        pids.iter().map(|(_, p)| procstat::cpu(*p)).collect();
    let machine_before = procstat::machine();
    let accepted_before = accepted_connections(&base).await;
    let window_start = Instant::now();
    shared.measuring.store(true, Ordering::SeqCst);
    let deadline = args.duration.map(|d| window_start + Duration::from_secs(d));
    let federation_pid = pids.first().map(|(_, p)| *p);
    let mut soak_report = soak::SoakReport::default();
    let sample_every = Duration::from_secs_f64(args.sample_every.max(0.5));
    let mut next_sample = window_start;
    loop {
        if args.soak && Instant::now() >= next_sample {
            next_sample += sample_every;
            let logins = shared.completed.load(Ordering::SeqCst);
            let at = window_start.elapsed().as_secs_f64();
            if let Some(s) =
                soak::sample(&base, federation_pid, probe.redis.as_ref(), at, logins).await
            {
                soak_report.push(s);
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        if shared.stop.load(Ordering::SeqCst) || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
    }
    if args.soak {
        let logins = shared.completed.load(Ordering::SeqCst);
        let at = window_start.elapsed().as_secs_f64();
        if let Some(s) = soak::sample(&base, federation_pid, probe.redis.as_ref(), at, logins).await
        {
            soak_report.push(s);
        }
    }
    let measured_seconds = window_start.elapsed().as_secs_f64();
    let cpu_after: Vec<Option<procstat::CpuSample>> =
        pids.iter().map(|(_, p)| procstat::cpu(*p)).collect();
    let machine = procstat::machine_since(machine_before);
    let accepted_after = accepted_connections(&base).await;
    let stores_after = probe.read().await;
    shared.measuring.store(false, Ordering::SeqCst);
    shared.stop.store(true, Ordering::SeqCst);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(20), t).await;
    }

    let collected = std::mem::take(
        &mut *shared
            .collected
            .lock()
            .map_err(|_| "stats lock".to_owned())?,
    );
    let logins = collected.timings.len() as u64;
    let mut latency = BTreeMap::new();
    for (i, step) in STEPS.iter().enumerate() {
        let v: Vec<u32> = collected
            .timings
            .iter()
            .map(|t| t.micros[i])
            .filter(|m| *m > 0)
            .collect();
        latency.insert((*step).to_owned(), percentiles(v));
    }
    let processes = pids
        .iter()
        .zip(cpu_before.iter().zip(cpu_after.iter()))
        .filter_map(|((role, pid), (b, a))| {
            let spent = a.as_ref()?.since(b.as_ref()?);
            let cpu = spent.total().as_secs_f64();
            Some(ProcessFigures {
                role: role.clone(),
                pid: *pid,
                cpu_seconds: cpu,
                cpu_ms_per_login: if logins > 0 {
                    cpu * 1000.0 / logins as f64
                } else {
                    0.0
                },
                logins_per_cpu_second: if cpu > 0.0 { logins as f64 / cpu } else { 0.0 },
                kernel_percent: spent.kernel_percent(),
                peak_rss_mib: procstat::peak_rss_kib(*pid).unwrap_or(0) as f64 / 1024.0,
            })
        })
        .collect();
    let configuration = configuration::describe(&args, spawned.as_ref(), &base);
    let failures = collected.failures.values().flat_map(|m| m.values()).sum();
    let floor = crypto_floor::measure(args.plus, args.idp == "franceidentite")?;
    let report = Report {
        stores: stores_after.since(&stores_before, logins),
        soak: args.soak.then_some(soak_report),
        crypto_floor: floor,
        machine,
        configuration,
        measured_seconds,
        logins,
        logins_per_second: logins as f64 / measured_seconds.max(1e-9),
        failures,
        failures_by_step: collected.failures,
        latency,
        processes,
        federation_connections_per_login: match (accepted_before, accepted_after) {
            (Some(b), Some(a)) if logins > 0 => Some(a.saturating_sub(b) as f64 / logins as f64),
            _ => None,
        },
    };
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        report.print_table();
    }
    drop(spawned);
    if report.logins == 0 {
        return Err("no login completed".into());
    }
    if args.strict && report.failures > 0 {
        return Err(format!(
            "{} of {} logins failed (--strict)",
            report.failures,
            report.logins + report.failures
        ));
    }
    Ok(())
}

/// `--citizen`'s logins: one, or several separated by commas.
fn citizens_of(list: &str) -> Result<Vec<String>, String> {
    let citizens: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    if citizens.is_empty() {
        return Err(
            "--citizen: a demo citizen's login, or several separated by commas (jean,angela)"
                .into(),
        );
    }
    Ok(citizens)
}
