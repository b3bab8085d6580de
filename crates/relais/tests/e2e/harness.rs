//! Starts a node exactly as `relais demo` does, on port 0, with an injected
//! clock, a temporary database and an events file the tests can read.

use relais::config::Config;
use relais::node::{self, NodeSpec, RunningNode};
use relais_core::partner::ServiceProvider;
use relais_core::JwsAlg;
use relais_core::{ManualClock, SystemRandomness};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Fed {
    pub node: RunningNode,
    pub base: String,
    pub clock: ManualClock,
    pub events_path: PathBuf,
    /// The node's database and events file, removed with the federation.
    _files: [TempPath; 2],
}

pub const SP_SECRET: &str = "test-secret-0123456789abcdef";

/// A port nothing listens on now (the listener that found it is closed).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The ports `relais demo --ports-file` wrote, once it has (each server's
/// name, as the file says it, and its port). A demo that exits first fails
/// the test with its exit status.
pub async fn demo_ports(
    child: &mut std::process::Child,
    path: &Path,
) -> std::collections::HashMap<String, u16> {
    for _ in 0..400 {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("relais demo exited before writing its ports: {status}");
        }
        if let Ok(text) = std::fs::read_to_string(path) {
            return text
                .lines()
                .map(|l| {
                    let (k, v) = l.split_once('=').expect("name=port");
                    (k.to_string(), v.parse().expect("a port number"))
                })
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no ports file after 20 s");
}

/// A process a test started, killed (and reaped) when the test ends,
/// whatever its outcome: a failed assertion must not leave a node running.
pub struct Spawned(std::process::Child);

impl Spawned {
    pub fn start(cmd: &mut std::process::Command) -> Spawned {
        Spawned(cmd.spawn().unwrap())
    }
}

impl std::ops::Deref for Spawned {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Spawned {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `relais demo` (`cmd`: the binary with `demo` and its other
/// options) on a port the system picks, and returns the process and its
/// public URL once it is ready: no port is chosen before the demo binds
/// it, so none can be taken in between.
pub async fn demo_on_a_free_port(mut cmd: std::process::Command) -> (Spawned, String) {
    let ports_file = temp("ports");
    let mut child = Spawned::start(cmd.args(["--free-ports", "--ports-file"]).arg(&*ports_file));
    let port = demo_ports(&mut child, &ports_file).await["port"];
    let base = format!("http://localhost:{port}");
    spawned_ready(&mut child, &format!("{base}/readyz")).await;
    (child, base)
}

/// Waits until `url` answers with a success from the process `child`
/// started (a node, the demo IdPs). A child that exits first — its port
/// taken between [`free_port`] and its bind, a signal, a bad option —
/// fails the test with its exit status instead of waiting for nothing.
pub async fn spawned_ready(child: &mut std::process::Child, url: &str) {
    for _ in 0..200 {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the process meant to serve {url} exited before it was ready: {status}");
        }
        if reqwest::get(url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{url} not ready after 10 s");
}

/// A path `name` in a directory of its own under the system's temporary
/// directory; the directory goes when this is dropped, with whatever was
/// made there (a database's `-wal` and `-shm` beside it): the end-to-end
/// suite left some 1,200 files in `/tmp` per run before.
pub struct TempPath {
    dir: PathBuf,
    path: PathBuf,
}

impl std::ops::Deref for TempPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn temp(name: &str) -> TempPath {
    let r: u64 = rand_u64();
    let dir = std::env::temp_dir().join(format!("relais-e2e-{}-{r:x}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    TempPath {
        path: dir.join(name),
        dir,
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    relais_core::Randomness::fill(&SystemRandomness, &mut b);
    u64::from_le_bytes(b)
}

impl Fed {
    /// A new operator token for `name`, as `relais admin token create`
    /// makes one.
    pub async fn operator_token(&self, name: &str) -> String {
        relais_web::admin::auth::create_token(
            self.node.app.stores.config.as_ref(),
            &relais_core::SystemRandomness,
            0,
            name,
        )
        .await
        .unwrap()
    }

    pub async fn start() -> Fed {
        Fed::start_with(false).await
    }

    /// The demo with its canteen service on a port of its own.
    pub async fn start_with_canteen() -> Fed {
        Fed::start_with(true).await
    }

    pub fn canteen_base(&self) -> String {
        format!(
            "http://{}",
            self.node.canteen_addr.expect("canteen started")
        )
    }

    async fn start_with(canteen: bool) -> Fed {
        Fed::start_configured(canteen, |_| {}).await
    }

    /// The demo, with `edit` applied to its configuration first.
    pub async fn start_configured(canteen: bool, edit: impl FnOnce(&mut Config)) -> Fed {
        Fed::start_full(canteen, edit, None).await
    }

    /// A demo node whose e-mails go to a mail catcher (a real SMTP server),
    /// also shown at `/demo/courriels`.
    pub async fn start_with_mail(canteen: bool) -> (Fed, relais_demo::mail_catcher::MailCatcher) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let catcher = relais_demo::mail_catcher::MailCatcher::start(l, None).unwrap();
        let url = catcher.smtp_url();
        let fed = Fed::start_full(
            canteen,
            |c| c.mail.smtp_url = Some(url),
            Some(catcher.inbox.clone()),
        )
        .await;
        (fed, catcher)
    }

    async fn start_full(
        canteen: bool,
        edit: impl FnOnce(&mut Config),
        mail_inbox: Option<relais_demo::mail_catcher::Inbox>,
    ) -> Fed {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let events_file = temp("events.jsonl");
        let events_path = events_file.to_path_buf();
        let db_file = temp("relais.db");
        let mut config = Config::default();
        config.server.public_url = base.clone();
        config.server.sandbox = true;
        config.storage.sqlite_path = db_file.to_string_lossy().into_owned();
        config.events.output = events_path.to_string_lossy().into_owned();
        edit(&mut config);
        let plus = config.server.platform == relais_core::Platform::Plus;
        let clock = ManualClock::starting_now();
        let canteen = if canteen {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", l.local_addr().unwrap());
            Some((l, url))
        } else {
            None
        };
        let spec = NodeSpec {
            config,
            demo: true,
            clock: Arc::new(clock.clone()),
            random: Arc::new(SystemRandomness),
            canteen,
            demo_idps_url: None,
            plus_demo: None,
            mail_inbox,
        };
        let node = node::start(spec, listener).await.unwrap();
        let fed = Fed {
            node,
            base,
            clock,
            events_path,
            _files: [events_file, db_file],
        };
        // A secret-authenticated service cannot exist on Plus.
        if !plus {
            fed.register_sp(Fed::sp("sp-a", "org-a")).await;
        }
        fed
    }

    pub fn issuer(&self) -> String {
        format!("{}/api/v2", self.base)
    }

    /// How many entries the node's (in-memory) ephemeral store holds: a
    /// refused step must leave none behind.
    pub fn store_entries(&self) -> u64 {
        self.node
            .app
            .metrics
            .ephemeral_memory
            .entries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The demo on the Plus platform (its own demo IdPs, no services).
    pub async fn start_plus() -> Fed {
        Fed::start_configured(false, |c| c.server.platform = relais_core::Platform::Plus).await
    }

    /// A test service: public, every identity scope, redirect to an unused port.
    pub fn sp(client_id: &str, entity: &str) -> ServiceProvider {
        let scopes: Vec<&str> = relais_core::scope::IDENTITY_SCOPES
            .iter()
            .copied()
            .chain(["amr"])
            .collect();
        let mut sp = ServiceProvider::public(
            client_id,
            entity,
            &format!("Service {client_id}"),
            SP_SECRET,
            vec![format!("http://127.0.0.1:9/{client_id}/cb")],
            &scopes,
        );
        sp.post_logout_redirect_uris = vec![format!("http://127.0.0.1:9/{client_id}/bye")];
        // openidconnect's userinfo verifier only accepts RS256 by default.
        sp.userinfo_signed_response_alg = Some(JwsAlg::RS256);
        sp
    }

    pub async fn register_sp(&self, sp: ServiceProvider) {
        self.node.app.registry.upsert_sp(&sp).await.unwrap();
        self.node.app.registry.reload().await.unwrap();
    }

    pub async fn register_idp(&self, idp: relais_core::partner::IdentityProvider) {
        self.node.app.registry.upsert_idp(&idp).await.unwrap();
        self.node.app.registry.reload().await.unwrap();
    }

    /// Business events written so far: the sink is flushed, then the
    /// events file is read.
    pub async fn events(&self) -> Vec<serde_json::Value> {
        self.node.app.events.flush().await;
        std::fs::read_to_string(&self.events_path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub async fn event_names(&self) -> Vec<String> {
        self.events()
            .await
            .iter()
            .filter_map(|e| e["event"].as_str().map(str::to_owned))
            .collect()
    }
}

/// The authorize URL for a test service with sensible defaults.
pub fn authorize_url(fed: &Fed, client_id: &str, extra: &[(&str, &str)]) -> String {
    authorize_url_for(&fed.base, client_id, extra)
}

pub fn authorize_url_for(base: &str, client_id: &str, extra: &[(&str, &str)]) -> String {
    let redirect = format!("http://127.0.0.1:9/{client_id}/cb");
    let mut params: Vec<(String, String)> = vec![
        ("client_id".into(), client_id.into()),
        ("redirect_uri".into(), redirect),
        ("response_type".into(), "code".into()),
        ("scope".into(), "openid profile birth email".into()),
        ("state".into(), "state-123".into()),
        ("nonce".into(), "nonce-0123456789abcdefghijkl".into()),
        ("acr_values".into(), "eidas1".into()),
    ];
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        if !v.is_empty() || *k == "prompt" {
            params.push(((*k).into(), (*v).into()));
        }
    }
    params.retain(|(_, v)| v != "<drop>");
    let q = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{base}/api/v2/authorize?{q}")
}
