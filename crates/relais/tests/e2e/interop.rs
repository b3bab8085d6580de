//! The independent implementations the tests check Relais against, run as
//! child processes that read JSON on stdin and print JSON
//! (`tests/interop/`): Python scripts written with jwcrypto and the
//! standard library, a Flask service with Authlib, and a Node service with
//! openid-client (`tests/interop/node/`).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `tests/interop/<script> <args…>` with `stdin` as JSON; its JSON
/// output. `node/…mjs` scripts run with Node, the others with Python.
pub fn run(script: &str, args: &[&str], stdin: Option<&Value>) -> Value {
    let path = format!(
        "{}/../../tests/interop/{script}",
        env!("CARGO_MANIFEST_DIR")
    );
    let interpreter = if script.ends_with(".mjs") {
        "node"
    } else {
        "python3"
    };
    let mut child = Command::new(interpreter)
        .arg(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 and node with their packages (scripts/install-test-deps.sh)");
    let input = stdin.map(Value::to_string).unwrap_or_default();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The same off the runtime's thread, so a node in the test keeps
/// answering the script.
pub async fn run_async(script: &str, args: &[&str], stdin: Option<&Value>) -> Value {
    let script = script.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let stdin = stdin.cloned();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&script, &args, stdin.as_ref())
    })
    .await
    .unwrap()
}
