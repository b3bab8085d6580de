//! `relais demo --free-ports --ports-file`: every server of the demo on a
//! port the system picked, the ports written where a script reads them,
//! and each server's URLs made from the port it got. And a port that is
//! taken stops the demo with the option named, before any ports file.

use crate::harness::{demo_ports, spawned_ready, temp, Spawned};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

async fn issuer(base: &str) -> String {
    let d: serde_json::Value =
        reqwest::get(format!("{base}/api/v2/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    d["issuer"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn free_ports_are_written_and_every_server_answers_on_the_port_it_got() {
    let db = temp("demo.db");
    let ports_file = db.with_file_name("ports");
    let mail_dir = db.with_file_name("mail");
    let mut demo = Spawned::start(
        Command::new(env!("CARGO_BIN_EXE_relais"))
            .args(["demo", "--free-ports", "--events", "off"])
            .args(["--ports-file", &ports_file.to_string_lossy()])
            .args(["--db", &db.to_string_lossy()])
            .args(["--mail-dir", &mail_dir.to_string_lossy()])
            .env("RELAIS_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let ports = demo_ports(&mut demo, &ports_file).await;
    let names = [
        "port",
        "canteen_port",
        "plus_port",
        "letter_port",
        "mail_port",
    ];
    assert_eq!(ports.len(), names.len(), "{ports:?}");
    let mut seen: Vec<u16> = names.iter().map(|n| ports[*n]).collect();
    // Every server started, each on a port of its own.
    assert!(seen.iter().all(|p| *p != 0), "{ports:?}");
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), names.len(), "{ports:?}");
    assert!(!std::path::Path::new(&format!("{}.partial", ports_file.display())).exists());

    let base = format!("http://localhost:{}", ports["port"]);
    spawned_ready(&mut demo, &format!("{base}/readyz")).await;
    assert_eq!(issuer(&base).await, format!("{base}/api/v2"));
    let plus = format!("http://localhost:{}", ports["plus_port"]);
    spawned_ready(&mut demo, &format!("{plus}/readyz")).await;
    assert_eq!(issuer(&plus).await, format!("{plus}/api/v2"));
    // The home page sends citizens to the canteen at the port it got.
    let home = reqwest::get(format!("{base}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let canteen = format!("http://localhost:{}", ports["canteen_port"]);
    assert!(home.contains(&canteen), "home page without {canteen}");
    for site in [
        canteen,
        format!("http://localhost:{}", ports["letter_port"]),
    ] {
        let r = reqwest::get(format!("{site}/")).await.unwrap();
        assert!(r.status().is_success(), "{site}/: {}", r.status());
    }
    // The mail catcher greets as an SMTP server does.
    let smtp = std::net::TcpStream::connect(("127.0.0.1", ports["mail_port"])).unwrap();
    smtp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut greeting = String::new();
    BufReader::new(smtp).read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("220"), "{greeting}");
}

#[tokio::test]
async fn a_taken_port_stops_the_demo_naming_the_option_and_writes_no_ports() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let db = temp("demo.db");
    let ports_file = db.with_file_name("ports");
    // An earlier run's file: a script must not read its ports as this run's.
    std::fs::write(&ports_file, "port=8000\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["demo", "--port", &port.to_string(), "--events", "off"])
        .args(relais::commands::demo_ports::FEDERATION_ALONE)
        .args(["--ports-file", &ports_file.to_string_lossy()])
        .args(["--db", &db.to_string_lossy()])
        .env("RELAIS_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("relais: --port {port}: ")) && stderr.contains("in use"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!ports_file.exists());
    drop(held);
}
