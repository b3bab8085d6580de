//! Delivery: one SMTP transport (pooled connections), each e-mail tried
//! up to four times over about half a minute when the failure is
//! transient (server down, 4xx); a permanent refusal (5xx, a bad address)
//! is logged and dropped. Addresses are never logged.

use super::{MailQueue, MailSettings, OutgoingMail};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const RETRY_AFTER: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(25),
];

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// Checks the settings (at start: a bad URL or sender stops the node).
    pub fn new(settings: &MailSettings) -> Result<Smtp, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(|e| format!("mail.smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("mail.from: {e}"))?;
        Ok(Smtp { transport, from })
    }

    fn message(&self, mail: &OutgoingMail) -> Result<Message, String> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| format!("message: {e}"))
    }

    /// Sends one e-mail, retrying transient failures; `false` if it was dropped.
    pub async fn send(&self, mail: &OutgoingMail, cancel: &CancellationToken) -> bool {
        let message = match self.message(mail) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "e-mail not sent: cannot be built");
                return false;
            }
        };
        for (attempt, wait) in std::iter::once(None)
            .chain(RETRY_AFTER.iter().map(Some))
            .enumerate()
        {
            if let Some(wait) = wait {
                tokio::select! {
                    () = tokio::time::sleep(*wait) => {}
                    () = cancel.cancelled() => return false,
                }
            }
            match self.transport.send(message.clone()).await {
                Ok(_) => return true,
                Err(e) if e.is_permanent() => {
                    tracing::warn!(error = %e, "e-mail refused by the SMTP server; dropped");
                    return false;
                }
                Err(e) => tracing::warn!(error = %e, attempt, "e-mail not sent yet; will retry"),
            }
        }
        tracing::error!("e-mail not sent after retries; dropped");
        false
    }
}

/// The delivery loop: takes e-mails off the queue until the node stops.
pub async fn deliver(
    smtp: std::sync::Arc<Smtp>,
    queue: MailQueue,
    cancel: CancellationToken,
) -> Result<(), String> {
    let mut rx = queue.lock().await;
    loop {
        let mail = tokio::select! {
            m = rx.recv() => m,
            () = cancel.cancelled() => return Ok(()),
        };
        let Some(mail) = mail else { return Ok(()) };
        smtp.send(&mail, &cancel).await;
    }
}
