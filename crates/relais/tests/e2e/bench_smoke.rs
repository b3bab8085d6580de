//! `relais bench` end to end: it spawns the federation and the demo IdPs as
//! separate processes, runs checked logins and reports per-process CPU.

use std::process::Command;

/// Runs `relais` with `args`: it must succeed and print JSON.
fn relais_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(args)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // The spawned processes stop on SIGTERM, as a node in production, and
    // are not killed (an instrumented build writes its profile at exit).
    assert!(!said.contains("did not stop"), "{said}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A short checked run of `relais bench`: `logins` measured, then `extra`.
fn bench_with(logins: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "bench",
        "--logins",
        logins,
        "--concurrency",
        "2",
        "--warmup",
        "0.3",
        "--ramp-up",
        "0",
        "--json",
    ];
    args.extend_from_slice(extra);
    relais_json(&args)
}

fn bench(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--with-dp"];
    args.extend_from_slice(extra);
    bench_with("30", &args)
}

#[test]
fn bench_runs_checked_logins_and_reports_json() {
    let report = bench(&[]);
    assert!(report["logins"].as_u64().unwrap() >= 30);
    assert_eq!(report["failures"], 0, "{report}");
    assert!(report["latency"]["login"]["p99_ms"].as_f64().unwrap() > 0.0);
    assert!(
        report["latency"]["data_provider"]["count"]
            .as_u64()
            .unwrap()
            >= 30
    );
    let roles: Vec<&str> = report["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["federation", "idps"],
        "federation and IdPs measured apart"
    );
    assert!(report["processes"][0]["peak_rss_mib"].as_f64().unwrap() > 1.0);
    // The kernel's share of each process' CPU, beside the total.
    for p in report["processes"].as_array().unwrap() {
        let k = p["kernel_percent"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&k), "{p}");
    }
    // The cryptography floor beside the figure: ES256 signatures and the
    // IdP's ID token verified.
    let floor = &report["crypto_floor"];
    assert!(floor["per_login_ms"].as_f64().unwrap() > 0.0, "{floor}");
    assert_eq!(floor["operations"].as_array().unwrap().len(), 2, "{floor}");
    // The whole machine over the window: busy (the run loads it), and what
    // the host took, which says whether the figures are the federation's.
    let machine = &report["machine"];
    let busy = machine["busy_percent"].as_f64().unwrap();
    let steal = machine["steal_percent"].as_f64().unwrap();
    assert!(busy > 0.0 && busy <= 100.0, "{machine}");
    assert!((0.0..=busy).contains(&steal), "{machine}");
}

#[test]
fn bench_can_open_new_connections_for_each_login_as_browsers_do() {
    let pooled = bench(&[]);
    let fresh = bench(&["--new-connections"]);
    assert_eq!(fresh["failures"], 0, "{fresh}");
    let per_login = |r: &serde_json::Value| r["federation_connections_per_login"].as_f64().unwrap();
    // Keep-alive: a handful of connections for the whole run; fresh clients:
    // at least one new connection per login.
    assert!(per_login(&pooled) < 0.5, "{pooled}");
    assert!(per_login(&fresh) >= 1.0, "{fresh}");
    assert!(fresh["configuration"]["connections"]
        .as_str()
        .unwrap()
        .starts_with("new per login"));
}

#[test]
fn bench_keeps_rate_limits_with_an_address_per_login() {
    // 110 logins are 660 pages: past one address' budget (600 a minute),
    // within each login's own.
    let report = bench_with("110", &["--rate-limits"]);
    assert_eq!(report["failures"], 0, "{report}");
    assert!(report["logins"].as_u64().unwrap() >= 110);
    assert!(report["configuration"]["rate_limits"]
        .as_str()
        .unwrap()
        .starts_with("on, each login from its own address"));
}

#[test]
fn bench_measures_the_plus_platform_with_keys_and_encryption() {
    let report = bench_with("20", &["--plus"]);
    // Every login: private_key_jwt at the token endpoint, the ID token and
    // userinfo decrypted and verified by the bench, France Identité
    // authenticating Relais with private_key_jwt and encrypting to it.
    assert!(report["logins"].as_u64().unwrap() >= 20, "{report}");
    assert_eq!(report["failures"], 0, "{report}");
    let names: Vec<&str> = report["crypto_floor"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"RSA-OAEP-256 decrypt (from the IdP)"),
        "{names:?}"
    );
}

/// `relais bench populate` fills a store through the registry and the
/// account store; `relais bench --db` serves it and reports its start-up; `--soak` samples memory and the ephemeral store's figures.
#[test]
fn bench_populates_a_store_serves_it_and_soaks() {
    let dir = std::env::temp_dir().join(format!("relais-populate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("big.db");
    let db = db.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args([
            "bench",
            "populate",
            "--db",
            db,
            "--services",
            "300",
            "--accounts",
            "500",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("services: 300 registered"), "{text}");
    assert!(text.contains("accounts: 500 recorded"), "{text}");
    let counted = |sql: &str| -> u64 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{db}"))
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
            n as u64
        })
    };
    assert_eq!(
        counted("SELECT COUNT(*) FROM config WHERE kind = 'sp'"),
        300
    );
    assert_eq!(counted("SELECT COUNT(*) FROM accounts"), 500);

    let report = bench(&["--db", db, "--soak", "--sample-every", "0.5"]);
    assert_eq!(report["failures"], 0, "{report}");
    let startup = report["configuration"]["startup"].as_str().unwrap();
    assert!(
        startup.starts_with("federation ready") && startup.contains(db),
        "{startup}"
    );
    // Every login of the run left an account; the populated ones are kept.
    assert_eq!(counted("SELECT COUNT(*) FROM accounts"), 501);
    let soak = &report["soak"];
    let samples = soak["samples"].as_array().unwrap();
    assert!(samples.len() >= 2, "{soak}");
    let last = samples.last().unwrap();
    assert!(last["rss_kib"].as_u64().unwrap() > 1000, "{soak}");
    assert!(last["store_entries"].as_u64().unwrap() > 0, "{soak}");
    assert!(last["store_bytes"].as_u64().unwrap() > 0, "{soak}");
    assert!(
        soak["store_bytes_per_login"].as_f64().unwrap() > 0.0,
        "{soak}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// In scale-out the sessions live in Redis: `--soak` with a redis://
/// ephemeral store samples the server's memory and its database's keys,
/// and reports what a live session costs there; and every scale-out run
/// reports what a login cost Redis and PostgreSQL (CPU, commands, commits,
/// write-ahead log).
#[test]
fn bench_reports_what_a_login_costs_redis_and_postgresql() {
    use relais_store::test_backends::{available, redis_url_in_db, Backend};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    if !rt.block_on(available(
        "bench_reports_what_a_login_costs_redis_and_postgresql",
        &[Backend::Redis, Backend::Postgres],
    )) {
        return;
    }
    // A schema of its own for the demo world the bench writes, and a Redis
    // database of its own: its keys are this run's sessions alone.
    let (durable, _) = rt.block_on(crate::scaleout::scaleout_urls());
    let url = redis_url_in_db(12);
    let report = bench_with(
        "40",
        &[
            "--durable",
            &durable,
            "--ephemeral",
            &url,
            "--soak",
            "--sample-every",
            "0.5",
        ],
    );
    assert_eq!(report["failures"], 0, "{report}");
    let soak = &report["soak"];
    let samples = soak["samples"].as_array().unwrap();
    assert!(samples.len() >= 2, "{soak}");
    for s in samples {
        assert!(s["redis_used_bytes"].as_u64().unwrap() > 0, "{soak}");
        // The node keeps nothing in memory: there is no in-memory store.
        assert_eq!(s["store_entries"].as_u64().unwrap_or(0), 0, "{soak}");
    }
    // A finished login leaves its session, its finished interaction, its
    // access token and the code's reuse marker: four keys, give or take a
    // login finishing while a sample is read.
    let keys = soak["redis_keys_per_login"].as_f64().unwrap();
    assert!((3.0..=5.0).contains(&keys), "{keys} keys a login: {soak}");
    assert!(soak["redis_bytes_per_login"].is_number(), "{soak}");

    // The servers are shared with the other tests running meanwhile, so
    // only the lower bounds are this run's: a login's ten trips to Redis (each a script whose commands count too),
    // and the log its account's statements write in PostgreSQL (whose
    // commit counts are published with a delay of up to a second or more,
    // longer than this short run: present, not checked).
    let stores = &report["stores"];
    let figure = |store: &str, name: &str| {
        stores[store][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no {store} {name}: {report}"))
    };
    assert!(figure("redis", "commands") >= 9.0, "{stores}");
    assert!(figure("redis", "cpu_ms") > 0.0, "{stores}");
    assert!(figure("postgres", "wal_bytes") > 500.0, "{stores}");
    assert!(stores["postgres"]["commits"].is_number(), "{stores}");
}

/// A federation that cannot start (here, no Redis where the URL points)
/// makes the bench fail at once with what the federation said, not wait a
/// minute for a node that will never answer.
#[test]
fn bench_says_why_the_federation_did_not_start() {
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args([
            "bench",
            "--logins",
            "5",
            "--ephemeral",
            "redis://127.0.0.1:1",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("the federation process exited at start-up"),
        "{said}"
    );
    assert!(said.contains("storage.ephemeral"), "{said}");
    assert!(said.contains("redis: cannot connect"), "{said}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

/// `relais bench` for six logins, `concurrency` at a time, as `citizens`
/// (`--citizen`), with no warm-up or ramp-up, its report in JSON.
fn six_logins_as(concurrency: u32, citizens: &str) -> std::process::Output {
    six_logins_with(concurrency, citizens, &[])
}

fn six_logins_with(concurrency: u32, citizens: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .args([
            "bench",
            "--logins",
            "6",
            "--warmup",
            "0",
            "--ramp-up",
            "0",
            "--json",
        ])
        .args([
            "--concurrency",
            &concurrency.to_string(),
            "--citizen",
            citizens,
        ])
        .args(extra)
        .output()
        .unwrap()
}

/// `--strict`: a run in which some logins failed still reports them, then
/// fails, for a script that must not go on (scripts/pgo-build.sh); a run
/// without a failed login succeeds as before.
#[test]
fn a_strict_bench_fails_when_any_login_failed() {
    let out = six_logins_with(1, "jean, personne-inconnue", &["--strict"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("3 of 6 logins failed (--strict)"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["logins"].as_u64(), report["failures"].as_u64()),
        (Some(3), Some(3)),
        "{report}"
    );

    let out = six_logins_with(2, "jean", &["--strict"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failures"], 0, "{report}");
}

/// A federation that fails every login (here the demo IdP knows no such
/// citizen) ends the run once the logins asked for were tried, with its
/// failures counted by step and a failed exit, instead of trying again at
/// full speed for ever.
#[test]
fn bench_ends_when_every_login_fails() {
    let started = std::time::Instant::now();
    let out = six_logins_as(2, "personne-inconnue");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("no login completed"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["logins"], 0, "{report}");
    let failures = report["failures"].as_u64().unwrap();
    assert!((6..=8).contains(&failures), "{report}");
    assert!(
        report["failures_by_step"]
            .as_object()
            .is_some_and(|steps| !steps.is_empty()),
        "{report}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// `relais bench http-floor`: a spawned federation answers kept-alive
/// requests that do nothing, and the CPU each costs it is reported with
/// what a login's eight requests add up to.
#[test]
fn bench_measures_the_http_floor_of_a_spawned_federation() {
    let floor = relais_json(&[
        "bench",
        "http-floor",
        "--requests",
        "2000",
        "--warmup-requests",
        "50",
        "--concurrency",
        "2",
        "--json",
    ]);
    assert_eq!(floor["requests"], 2000, "{floor}");
    let per_request = floor["micros_per_request"].as_f64().unwrap();
    assert!(per_request > 0.0, "{floor}");
    let per_login = floor["per_login_ms"].as_f64().unwrap();
    assert!(
        (per_login - per_request * 8.0 / 1000.0).abs() < 1e-9,
        "{floor}"
    );
    let kernel = floor["kernel_percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&kernel), "{floor}");
    // The machine over the same requests: the floor is only the
    // federation's if the host did not take the CPUs meanwhile.
    let steal = floor["machine"]["steal_percent"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&steal), "{floor}");

    // Nothing listening: no figure, an error that says why.
    let port = crate::harness::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let pid = std::process::id().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["bench", "http-floor", "--url", &url, "--server-pid", &pid])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("cannot reach") && said.contains("refused"),
        "{said}"
    );
}

/// `relais … | head`: a reader that goes before the output ends drops the
/// rest of it; the command neither panics nor prints a trace, and finishes.
#[test]
fn a_reader_that_goes_early_ends_the_output_not_the_command() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["bench", "crypto-floor"])
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The pipe's only reader closes before the first line is written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {said}", out.status);
    assert!(!said.contains("panicked"), "{said}");
    assert!(said.is_empty(), "{said}");
}

/// The processes whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …: the command name may hold spaces.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        if ppid == pid {
            found.push(child);
        }
    }
    found
}

fn is_relais(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("relais"))
}

#[test]
fn a_bench_stopped_by_a_signal_stops_what_it_started() {
    let bench = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["bench", "--logins", "100000000", "--concurrency", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The federation and the IdPs, once both are started.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let started = loop {
        let c = children_of(bench.id());
        if c.len() == 2 || std::time::Instant::now() > deadline {
            break c;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    // Logins under way, then the signal `timeout` or an operator sends.
    std::thread::sleep(std::time::Duration::from_secs(2));
    Command::new("kill")
        .args(["-TERM", &bench.id().to_string()])
        .status()
        .unwrap();
    let out = bench.wait_with_output().unwrap();
    let left: Vec<u32> = started.iter().copied().filter(|p| is_relais(*p)).collect();
    for p in &left {
        let _ = Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .status();
    }
    assert_eq!(started.len(), 2, "federation and IdPs spawned");
    assert!(left.is_empty(), "left running: {left:?}");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("bench interrupted"), "{said}");
    assert!(!said.contains("did not stop"), "{said}");
}

/// `--citizen` with several logins: they log in in turn, login after
/// login. One unknown to the demo IdP among two fails every other login
/// and only those.
#[test]
fn bench_citizens_log_in_in_turn() {
    let out = six_logins_as(1, "jean, personne-inconnue");
    let said = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["logins"], 3, "{report} {said}");
    assert_eq!(report["failures"], 3, "{report} {said}");
    assert_eq!(
        report["configuration"]["citizens"], "2, each in turn (jean, personne-inconnue)",
        "{report}"
    );
    let none = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["bench", "--logins", "1", "--citizen", " , "])
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("--citizen"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
}
