//! The deployment `relais bench` measures when no `--url` is given: the
//! federation and the demo IdPs as separate processes of this binary, on
//! free ports, with a temporary database removed afterwards.

use super::args::BenchArgs;
use relais_demo::service_client::ServiceKeys;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(super) struct Spawned {
    pub(super) children: Vec<(String, Child)>,
    /// From the federation's spawn to its `/readyz` answering.
    pub(super) startup: Duration,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How long a spawned process has to stop on SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

impl Drop for Spawned {
    /// SIGTERM first, as an operator stops a node: each process finishes
    /// its requests and exits as it would in production, and whatever it
    /// writes at exit gets written (an instrumented build's profile, for
    /// `scripts/pgo-build.sh`). One that is still running after
    /// [`STOP_GRACE`] is killed.
    fn drop(&mut self) {
        // `kill` the command: the workspace forbids `unsafe`, which a
        // signal other than SIGKILL would need from std.
        let termed: Vec<bool> = self
            .children
            .iter()
            .map(|(_, c)| {
                Command::new("kill")
                    .args(["-TERM", &c.id().to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
            .collect();
        let deadline = std::time::Instant::now() + STOP_GRACE;
        for ((name, c), termed) in self.children.iter_mut().zip(termed) {
            while termed && matches!(c.try_wait(), Ok(None)) && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            if termed && matches!(c.try_wait(), Ok(None)) {
                eprintln!(
                    "relais bench: the {name} process did not stop within {} s of SIGTERM; killed",
                    STOP_GRACE.as_secs()
                );
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Waits for `url` to answer, while `child` runs: if it exits first (a
/// store it cannot reach, a port taken), the error says so with the last
/// lines it wrote to `log`, at once rather than after the minute allowed.
pub(super) async fn wait_ready(
    url: &str,
    (name, child): &mut (String, Child),
    log: &std::path::Path,
) -> Result<(), String> {
    let http = reqwest::Client::new();
    // 60 s at most: a node on a store at national size takes a while.
    for _ in 0..3000 {
        if let Ok(Some(status)) = child.try_wait() {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = said.lines().rev().take(5).collect();
            let tail: String = tail
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
                .chars()
                .take(1000)
                .collect();
            return Err(format!(
                "the {name} process exited at start-up ({status}):\n{tail}"
            ));
        }
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("{url} did not become ready"))
}

/// The bench's own service on a Plus deployment.
pub(super) const PLUS_CLIENT_ID: &str = "bench-plus";

/// A configuration file registering the bench's Plus service: its public
/// keys inline, private_key_jwt, ID token to its RSA key, userinfo to its
/// EC key.
fn plus_config(keys: &ServiceKeys) -> Result<String, String> {
    let jwks = serde_json::to_string(&keys.jwks()).map_err(|e| e.to_string())?;
    if jwks.contains('\'') {
        return Err("service keys cannot be written as a TOML literal".into());
    }
    Ok(format!(
        r#"[server]
platform = "plus"

[[service_providers]]
client_id = "{PLUS_CLIENT_ID}"
name = "relais bench (Plus)"
redirect_uris = ["http://localhost:3000/callback"]
scopes = ["openid", "profile", "birth", "email"]
token_endpoint_auth_method = "private_key_jwt"
jwks = '{jwks}'
id_token_encrypted_response_alg = "{}"
userinfo_encrypted_response_alg = "{}"
"#,
        keys.id_token_key.alg(),
        keys.userinfo_key.alg()
    ))
}

pub(super) async fn spawn(
    args: &BenchArgs,
    plus: Option<&ServiceKeys>,
) -> Result<(String, Spawned), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("relais-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let dir = TempDir(dir);
    let (fed_port, idp_port) = (free_port()?, free_port()?);
    let fed = format!("http://127.0.0.1:{fed_port}");
    let idps = format!("http://127.0.0.1:{idp_port}");
    let mut idp_cmd = Command::new(&exe);
    idp_cmd.args([
        "idps",
        "--port",
        &idp_port.to_string(),
        "--federation",
        &fed,
    ]);
    if args.idp_auto_login {
        idp_cmd.args(["--auto-login", &args.citizen]);
    }
    if plus.is_some() {
        idp_cmd.arg("--plus");
    }
    let mut spawned = Spawned {
        startup: Duration::ZERO,
        children: Vec::new(),
        _dir: dir,
    };
    // Warnings and errors only, kept in the temporary directory: what a
    // process that fails to start said is shown (see `wait_ready`).
    let logs = spawned._dir.0.clone();
    let quiet = |c: &mut Command, name: &str| -> Result<std::path::PathBuf, String> {
        let path = logs.join(format!("{name}.log"));
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        c.stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .env("RELAIS_LOG", "warn");
        Ok(path)
    };
    let idps_log = quiet(&mut idp_cmd, "idps")?;
    spawned.children.push((
        "idps".into(),
        idp_cmd.spawn().map_err(|e| format!("spawn idps: {e}"))?,
    ));
    let mut fed_cmd = Command::new(&exe);
    fed_cmd.args([
        "demo",
        "--port",
        &fed_port.to_string(),
        "--public-url",
        &fed,
        "--idps-url",
        &idps,
        "--events",
        "off",
        "--db",
        &args.db.clone().unwrap_or_else(|| {
            spawned
                ._dir
                .0
                .join("bench.db")
                .to_string_lossy()
                .into_owned()
        }),
    ]);
    fed_cmd.args(crate::commands::demo_ports::FEDERATION_ALONE);
    if let Some(keys) = plus {
        let path = spawned._dir.0.join("plus.toml");
        std::fs::write(&path, plus_config(keys)?).map_err(|e| e.to_string())?;
        fed_cmd.args(["--config", &path.to_string_lossy()]);
    }
    match args.ephemeral.as_str() {
        "memory" => {}
        "sqlite" => {
            fed_cmd.arg("--persistent-sessions");
        }
        other => {
            fed_cmd.env("RELAIS__STORAGE__EPHEMERAL", other);
        }
    }
    if let Some(d) = &args.durable {
        fed_cmd.env("RELAIS__STORAGE__DURABLE", d);
    }
    // Every simulated citizen comes from 127.0.0.1: the per-IP budgets
    // would measure the limiter, not the federation. With --rate-limits,
    // each login names an address of its own, through 127.0.0.1 as a load
    // balancer.
    if args.rate_limits {
        fed_cmd.env("RELAIS__LIMITS__TRUSTED_PROXIES", r#"["127.0.0.1"]"#);
        // The bench's one service makes every login's back-channel calls,
        // from 127.0.0.1: as a large service, its budgets are raised.
        for budget in ["BACKCHANNEL_PER_IP", "BACKCHANNEL_PER_CLIENT"] {
            fed_cmd.env(format!("RELAIS__LIMITS__{budget}__HITS"), "1000000000");
            fed_cmd.env(format!("RELAIS__LIMITS__{budget}__PER_SECS"), "60");
        }
    } else {
        fed_cmd.env("RELAIS__LIMITS__RATE_LIMITS", "false");
    }
    let federation_log = quiet(&mut fed_cmd, "federation")?;
    let started = std::time::Instant::now();
    spawned.children.push((
        "federation".into(),
        fed_cmd
            .spawn()
            .map_err(|e| format!("spawn federation: {e}"))?,
    ));
    let [idps_child, federation_child] = &mut spawned.children[..] else {
        return Err("the bench spawned other processes than expected".into());
    };
    wait_ready(&format!("{fed}/readyz"), federation_child, &federation_log).await?;
    spawned.startup = started.elapsed();
    let first_idp = if plus.is_some() {
        "franceidentite"
    } else {
        "impots"
    };
    wait_ready(
        &format!("{idps}/idp/{first_idp}/.well-known/openid-configuration"),
        idps_child,
        &idps_log,
    )
    .await?;
    Ok((fed, spawned))
}
