//! Connections to one Redis server, each driven by the task that sends the
//! command.
//!
//! fred multiplexes commands over a few connections through its router
//! task: a command is built as values, queued to that task, framed, written,
//! and its answer routed back through a channel, with a timer armed and
//! disarmed around it — a fixed cost in every round trip: with the batch's
//! arguments, 12 % of the node's CPU in scale-out, 5.7 % here
//! (docs/benchmarks-log.md, sixth pass). A login's
//! commands are one at a time (one batch per step), so they need no
//! multiplexing: here the calling task takes an idle connection from a
//! lock-free queue, writes the command in one `write`, reads its reply,
//! and puts the connection back — no other task, no channel.
//!
//! A connection is put back only after a whole exchange. One that failed,
//! timed out, or was abandoned half-way (a cancelled request) is dropped,
//! which closes it, so the queue only ever holds clean connections; the
//! next caller opens a fresh one. A failed exchange also drops the idle
//! ones (a restarted server closed them all). One idle for a while is
//! pinged before it is lent, as the server or a firewall may have closed
//! it meanwhile. A command is never sent twice: one that failed may have
//! run (a `GETDEL` taken, say), and the caller decides.
//!
//! Used for a single server, over plain TCP (`redis://`) or TLS
//! (`rediss://`: the server's certificate checked against the system's
//! trust store, which `SSL_CERT_FILE` and `SSL_CERT_DIR` extend); Sentinel
//! and cluster deployments stay on fred, which follows failovers and slots.

use crate::redis_wire::{self, Reply};
use crate::{StoreError, StoreResult};
use crossbeam_queue::ArrayQueue;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// Connections per node: a login holds one for one round trip, so a few
/// serve hundreds of logins per second; callers past that wait their turn.
const CONNECTIONS: usize = 16;
/// Connecting, and any one exchange, give up after this.
const TIMEOUT: Duration = Duration::from_secs(2);
/// An idle connection is pinged before it is lent after this long.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

pub(crate) struct DirectLink {
    /// `host:port`.
    address: String,
    /// For `rediss://`: the TLS client and the name the certificate must
    /// bear.
    tls: Option<(TlsConnector, ServerName<'static>)>,
    /// `AUTH` and `SELECT`, sent once on each new connection.
    hello: Vec<Vec<Vec<u8>>>,
    idle: ArrayQueue<(Conn, Instant)>,
    permits: Semaphore,
}

struct Conn {
    stream: Stream,
    out: Vec<u8>,
    input: Vec<u8>,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Where the link's server is, and how to reach it.
pub(crate) struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub tls: bool,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
    pub database: Option<u8>,
}

/// A Lua script that [`DirectLink::eval`] runs by its SHA-1, computed
/// once.
pub(crate) struct LuaScript {
    pub(crate) lua: &'static str,
    sha: std::sync::OnceLock<String>,
}

impl LuaScript {
    pub(crate) const fn new(lua: &'static str) -> LuaScript {
        LuaScript {
            lua,
            sha: std::sync::OnceLock::new(),
        }
    }

    /// The hash by which `EVALSHA` names the script.
    pub(crate) fn sha(&self) -> &str {
        self.sha.get_or_init(|| {
            fred::types::scripts::Script::from_lua(self.lua)
                .sha1()
                .to_string()
        })
    }
}

impl DirectLink {
    /// A link to `target`, authenticating and selecting its database on
    /// each connection. Opens one connection now, so a wrong address,
    /// certificate or password fails at start-up.
    pub(crate) async fn connect(target: Target<'_>) -> StoreResult<DirectLink> {
        let Target {
            host,
            port,
            tls,
            username,
            password,
            database,
        } = target;
        let mut hello = Vec::new();
        if let Some(password) = password {
            let mut auth = vec![b"AUTH".to_vec()];
            auth.extend(username.map(|u| u.as_bytes().to_vec()));
            auth.push(password.as_bytes().to_vec());
            hello.push(auth);
        }
        if let Some(db) = database {
            hello.push(vec![b"SELECT".to_vec(), db.to_string().into_bytes()]);
        }
        let address = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let tls = if tls {
            let name = ServerName::try_from(host.to_owned())
                .map_err(|_| StoreError::Unavailable(format!("redis: {host:?} is no TLS name")))?;
            Some((tls_connector()?, name))
        } else {
            None
        };
        let link = DirectLink {
            address,
            tls,
            hello,
            idle: ArrayQueue::new(CONNECTIONS),
            permits: Semaphore::new(CONNECTIONS),
        };
        let first = link.open().await?;
        let _ = link.idle.push((first, Instant::now()));
        Ok(link)
    }

    /// Sends the command `args` and answers its reply (an error reply is
    /// an answer too: the connection stays good).
    pub(crate) async fn call(&self, args: &[&[u8]]) -> StoreResult<Reply> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Unavailable("redis: closed".into()))?;
        let mut conn = match self.idle.pop() {
            Some((mut c, since)) if since.elapsed() > IDLE_BEFORE_PING => {
                match within(c.exchange(&[b"PING"])).await {
                    Ok(_) => c,
                    Err(_) => self.open().await?,
                }
            }
            Some((c, _)) => c,
            None => self.open().await?,
        };
        let reply = match within(conn.exchange(args)).await {
            Ok(reply) => reply,
            Err(e) => {
                // A server that restarted or failed over closed every
                // connection at once: the idle ones go too, so that one
                // request fails rather than one per idle connection.
                while self.idle.pop().is_some() {}
                return Err(e);
            }
        };
        // The queue has a place per permit: it cannot be full.
        let _ = self.idle.push((conn, Instant::now()));
        Ok(reply)
    }

    /// Runs `script` with `rest` (its key count, its keys, its
    /// arguments): by its hash, or whole when the server does not know it
    /// yet, which also loads it.
    pub(crate) async fn eval(&self, script: &LuaScript, rest: &[&[u8]]) -> StoreResult<Reply> {
        let mut args: Vec<&[u8]> = Vec::with_capacity(2 + rest.len());
        args.extend([b"EVALSHA".as_slice(), script.sha().as_bytes()]);
        args.extend_from_slice(rest);
        let reply = self.call(&args).await?;
        if !matches!(&reply, Reply::Error(e) if e.starts_with("NOSCRIPT")) {
            return Ok(reply);
        }
        args[0] = b"EVAL";
        args[1] = script.lua.as_bytes();
        self.call(&args).await
    }

    /// The local addresses of the idle connections (as the server lists
    /// its clients).
    #[cfg(test)]
    pub(crate) fn idle_addresses(&self) -> Vec<String> {
        let mut all = Vec::new();
        while let Some(idle) = self.idle.pop() {
            all.push(idle);
        }
        let addresses = all
            .iter()
            .filter_map(|(c, _)| c.stream.tcp().local_addr().ok())
            .map(|a| a.to_string())
            .collect();
        for idle in all {
            let _ = self.idle.push(idle);
        }
        addresses
    }

    async fn open(&self) -> StoreResult<Conn> {
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(&self.address))
            .await
            .map_err(|_| StoreError::Unavailable("redis: connection timed out".into()))?
            .map_err(|e| StoreError::Unavailable(format!("redis: cannot connect: {e}")))?;
        // One command at a time, each written whole: nothing to coalesce.
        stream.set_nodelay(true).map_err(io_failed)?;
        let stream = match &self.tls {
            None => Stream::Plain(stream),
            Some((connector, name)) => {
                let tls = within(async {
                    connector
                        .connect(name.clone(), stream)
                        .await
                        .map_err(tls_failed)
                })
                .await?;
                Stream::Tls(Box::new(tls))
            }
        };
        let mut conn = Conn {
            stream,
            out: Vec::with_capacity(1024),
            input: Vec::with_capacity(1024),
        };
        for command in &self.hello {
            let args: Vec<&[u8]> = command.iter().map(Vec::as_slice).collect();
            if let Reply::Error(e) = within(conn.exchange(&args)).await? {
                // The server's words only: never the password sent.
                let word = e.split(' ').next().unwrap_or_default().to_owned();
                return Err(StoreError::Unavailable(format!(
                    "redis: {} refused ({word})",
                    String::from_utf8_lossy(args.first().copied().unwrap_or_default())
                )));
            }
        }
        Ok(conn)
    }
}

impl Conn {
    async fn exchange(&mut self, args: &[&[u8]]) -> StoreResult<Reply> {
        self.out.clear();
        redis_wire::encode(&mut self.out, args);
        match &mut self.stream {
            Stream::Plain(s) => s.write_all(&self.out).await,
            Stream::Tls(s) => {
                // A TLS stream holds a record until flushed.
                match s.write_all(&self.out).await {
                    Ok(()) => s.flush().await,
                    Err(e) => Err(e),
                }
            }
        }
        .map_err(io_failed)?;
        self.input.clear();
        loop {
            if let Some((reply, used)) = redis_wire::parse(&self.input)
                .map_err(|e| StoreError::Corrupt(format!("redis: {}", e.0)))?
            {
                if used != self.input.len() {
                    // One command, one reply: anything more is not ours.
                    return Err(StoreError::Corrupt("redis: unexpected bytes".into()));
                }
                return Ok(reply);
            }
            let read = match &mut self.stream {
                Stream::Plain(s) => s.read_buf(&mut self.input).await,
                Stream::Tls(s) => s.read_buf(&mut self.input).await,
            }
            .map_err(io_failed)?;
            if read == 0 {
                return Err(StoreError::Unavailable("redis: connection closed".into()));
            }
        }
    }
}

impl Stream {
    #[cfg(test)]
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        }
    }
}

/// A TLS client trusting the system's authorities (and those of
/// `SSL_CERT_FILE` / `SSL_CERT_DIR`), with aws-lc as the rest of Relais.
fn tls_connector() -> StoreResult<TlsConnector> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(StoreError::Unavailable(
            "redis: TLS: no trusted certificate authority found (system store, SSL_CERT_FILE, SSL_CERT_DIR)".into(),
        ));
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Unavailable(format!("redis: TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// A failed TLS handshake, in words an operator can act on.
fn tls_failed(e: std::io::Error) -> StoreError {
    let untrusted = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<tokio_rustls::rustls::Error>())
        .is_some_and(|r| matches!(r, tokio_rustls::rustls::Error::InvalidCertificate(_)));
    crate::redis::tls_refused(untrusted, &e.to_string())
}

async fn within<T>(exchange: impl std::future::Future<Output = StoreResult<T>>) -> StoreResult<T> {
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| StoreError::Unavailable("redis: timed out".into()))?
}

fn io_failed(e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("redis: {}", e.kind()))
}
