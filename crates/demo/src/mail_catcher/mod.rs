//! The demo's mail catcher: a small, real SMTP server on the loopback
//! interface that keeps what it receives instead of delivering it, so the
//! connection e-mails of `relais demo` can be read (on the demo page
//! `/demo/courriels`, and as `.eml` files when a directory is given), and
//! so tests receive them over real SMTP.
//!
//! [`server`] speaks the protocol (RFC 5321: EHLO, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT; 1 MiB per message); [`message`] reads
//! what a mail user agent needs from the raw message (subject, body
//! decoded from base64 or quoted-printable).

pub mod message;
pub mod server;

use message::CaughtMail;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// At most this many messages are kept in memory (oldest dropped).
const KEEP: usize = 200;

#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<CaughtMail>>>);

impl Inbox {
    pub fn push(&self, mail: CaughtMail) {
        if let Ok(mut v) = self.0.lock() {
            v.push(mail);
            if v.len() > KEEP {
                v.remove(0);
            }
        }
    }

    /// Newest last.
    pub fn messages(&self) -> Vec<CaughtMail> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// A running catcher; stops when dropped.
pub struct MailCatcher {
    pub addr: SocketAddr,
    pub inbox: Inbox,
    task: JoinHandle<()>,
}

impl MailCatcher {
    /// Serves SMTP on `listener`; writes each message to `dir` as well when given.
    pub fn start(listener: TcpListener, dir: Option<PathBuf>) -> std::io::Result<MailCatcher> {
        let addr = listener.local_addr()?;
        let inbox = Inbox::default();
        let task = tokio::spawn(server::accept_loop(listener, inbox.clone(), dir));
        Ok(MailCatcher { addr, inbox, task })
    }

    /// The URL a node's `[mail] smtp_url` takes to send here.
    pub fn smtp_url(&self) -> String {
        format!("smtp://{}:{}", self.addr.ip(), self.addr.port())
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}
