//! E-mails to citizens, sent through a real SMTP server with `lettre`,
//! never on the login path: a step queues an [`OutgoingMail`] (a bounded
//! queue; when it is full the mail is dropped and logged, the login goes
//! on), and [`smtp::deliver`], a supervised task, sends it, retrying
//! transient failures. [`connection`] writes the connection e-mail and
//! decides, with [`device`], whether one is due.

pub mod connection;
pub mod device;
pub mod smtp;

use relais_core::connection_mail::MailPolicy;
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

/// How many e-mails may wait for the SMTP server.
const QUEUE: usize = 4096;

/// One e-mail to send (plain text, UTF-8: read by every client and screen reader).
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Where and how the node sends e-mails.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, local relays), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://user:password@host:465`.
    pub smtp_url: String,
    /// `Relais <ne-pas-repondre@relais.example>`.
    pub from: String,
    pub policy: MailPolicy,
}

/// The queue the login steps write to.
#[derive(Clone)]
pub struct Mailer {
    tx: mpsc::Sender<OutgoingMail>,
    pub policy: MailPolicy,
}

/// The other end of the queue, for the delivery task (shared across its
/// restarts).
pub type MailQueue = Arc<Mutex<mpsc::Receiver<OutgoingMail>>>;

impl Mailer {
    pub fn new(policy: MailPolicy) -> (Mailer, MailQueue) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Mailer { tx, policy }, Arc::new(Mutex::new(rx)))
    }

    /// Queues an e-mail; never waits. `false` when the queue is full.
    pub fn queue(&self, mail: OutgoingMail) -> bool {
        match self.tx.try_send(mail) {
            Ok(()) => true,
            Err(_) => {
                tracing::warn!("e-mail queue full or closed: one e-mail dropped");
                false
            }
        }
    }
}
