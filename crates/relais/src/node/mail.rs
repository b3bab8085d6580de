//! The node's e-mail sender: checked at start (a bad SMTP URL or sender
//! stops the node with the field named), then one supervised delivery task.

use super::error::NodeError;
use crate::config::MailConfig;
use relais_core::Platform;
use relais_web::mail::smtp::{deliver, Smtp};
use relais_web::mail::{MailSettings, Mailer};
use relais_web::supervisor::Supervisor;
use std::sync::Arc;

pub fn start(
    cfg: &MailConfig,
    platform: Platform,
    tasks: &mut Supervisor,
) -> Result<Option<Mailer>, NodeError> {
    let Some(url) = cfg.smtp_url.as_deref().filter(|u| !u.is_empty()) else {
        tracing::info!("no [mail] smtp_url: connection e-mails are not sent");
        return Ok(None);
    };
    let settings = MailSettings {
        smtp_url: url.to_owned(),
        from: cfg.sender(),
        policy: cfg.policy(platform),
    };
    let smtp = Arc::new(Smtp::new(&settings).map_err(NodeError)?);
    let (mailer, queue) = Mailer::new(settings.policy);
    tasks.spawn("mail delivery", move |cancel| {
        deliver(smtp.clone(), queue.clone(), cancel)
    });
    Ok(Some(mailer))
}
