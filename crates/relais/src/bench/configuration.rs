//! What a benchmark report says it measured: the target, the stores, the
//! algorithms, the connections, the load, the commit — so that two figures
//! can be compared only when they measured the same thing.

use super::args::BenchArgs;
use super::spawn::Spawned;
use std::collections::BTreeMap;

pub(super) fn describe(
    args: &BenchArgs,
    spawned: Option<&Spawned>,
    base: &str,
) -> BTreeMap<String, String> {
    let mut configuration = BTreeMap::new();
    if let Some(s) = spawned {
        configuration.insert(
            "startup".into(),
            format!(
                "federation ready {:.2} s after its process started{}",
                s.startup.as_secs_f64(),
                args.db
                    .as_deref()
                    .map(|d| format!(" (store {d})"))
                    .unwrap_or_default()
            ),
        );
    }
    configuration.insert(
        "target".into(),
        if spawned.is_some() {
            format!("spawned {base} (federation and IdPs in separate processes)")
        } else {
            base.to_owned()
        },
    );
    configuration.insert(
        "ephemeral".into(),
        if spawned.is_some() {
            args.ephemeral.clone()
        } else {
            "as deployed".into()
        },
    );
    configuration.insert(
        "durable".into(),
        match (spawned, &args.durable) {
            (None, _) => "as deployed".into(),
            (Some(_), Some(d)) => format!("postgres {}", d.split('@').next_back().unwrap_or("")),
            (Some(_), None) => "sqlite".into(),
        },
    );
    let citizens = super::citizens_of(&args.citizen).unwrap_or_default();
    configuration.insert(
        "citizens".into(),
        match citizens.as_slice() {
            [one] => one.clone(),
            many => format!("{}, each in turn ({})", many.len(), args.citizen),
        },
    );
    configuration.insert(
        "algorithms".into(),
        if args.plus {
            "Plus: private_key_jwt (ES256); ID token ES256 in RSA-OAEP-256/A256GCM, userinfo ES256 in ECDH-ES/A256GCM"
        } else {
            "ES256 ID token and userinfo"
        }
        .into(),
    );
    configuration.insert(
        "connections".into(),
        if args.new_connections {
            "new per login (a fresh client each, as browsers)".into()
        } else {
            "keep-alive (one pooled client per virtual user)".into()
        },
    );
    configuration.insert(
        "rate_limits".into(),
        if args.rate_limits {
            "on, each login from its own address (X-Forwarded-For through 127.0.0.1)".into()
        } else if args.url.is_some() {
            "as the deployment has them (every login from this address)".into()
        } else {
            "off (every login comes from 127.0.0.1)".into()
        },
    );
    configuration.insert(
        "mode".into(),
        match args.rate {
            Some(r) => format!("open loop {r}/s, ≤{} in flight", args.concurrency),
            None => format!("closed loop, {} virtual users", args.concurrency),
        },
    );
    configuration.insert(
        "idp".into(),
        format!(
            "{}{}",
            args.idp,
            if args.idp_auto_login {
                " (auto-login)"
            } else {
                " (login form)"
            }
        ),
    );
    configuration.insert(
        "data_provider".into(),
        if args.with_dp {
            "CAF checktoken per login".into()
        } else {
            "none".into()
        },
    );
    configuration.insert("git_commit".into(), git_commit());
    configuration.insert(
        "cpus".into(),
        std::thread::available_parallelism()
            .map(|n| n.get().to_string())
            .unwrap_or_default(),
    );
    configuration
}

fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}
