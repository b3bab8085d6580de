//! What the node keeps, checks and tells about citizens: `[retention]`
//! periods, `[civil_register]` and `[mail]`, the SMTP server of the
//! connection e-mails.

use relais_core::civil_register::OutagePolicy;
use relais_core::connection_mail::MailPolicy;
use relais_core::Platform;
use serde::Deserialize;

/// `[civil_register]`: the national register check of the Standard platform.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CivilRegisterConfig {
    /// `demo` (the demo's table; the default of `relais demo`) or `off`
    /// (the default of `relais serve` until a national register is wired).
    pub mode: Option<RegisterMode>,
    /// How long a login waits for the register (default 2000 ms).
    pub timeout_ms: Option<u64>,
    /// `refuse` (default: no login with an unchecked identity) or
    /// `degrade` (let the IdP's identity through, with an event).
    #[serde(default)]
    pub on_outage: OutagePolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterMode {
    Off,
    Demo,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtp://host:587?tls=required`,
    /// `smtps://user:password@host:465`. Unset: no e-mails (the demo
    /// starts its own mail catcher).
    pub smtp_url: Option<String>,
    /// The sender, `Relais <ne-pas-repondre@relais.example>`.
    pub from: Option<String>,
    /// `new_device` (FranceConnect's rule, the Standard default),
    /// `always` (the Plus default) or `off`.
    pub connection_emails: Option<MailPolicy>,
}

impl MailConfig {
    pub fn policy(&self, platform: Platform) -> MailPolicy {
        self.connection_emails.unwrap_or(match platform {
            Platform::Standard => MailPolicy::NewDevice,
            Platform::Plus => MailPolicy::Always,
        })
    }

    pub fn sender(&self) -> String {
        self.from
            .clone()
            .unwrap_or_else(|| "Relais <ne-pas-repondre@relais.localhost>".to_owned())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Business events are deleted after this many days (≥ 183: the citizen
    /// space shows six months).
    #[serde(default = "default_events_days")]
    pub events_days: u32,
    /// Accounts unused for this many days are deleted.
    #[serde(default = "default_accounts_days")]
    pub accounts_days: u32,
    /// How often the job runs, in hours.
    #[serde(default = "default_every_hours")]
    pub every_hours: u32,
}

fn default_events_days() -> u32 {
    400
}
fn default_accounts_days() -> u32 {
    3 * 365
}
fn default_every_hours() -> u32 {
    6
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            events_days: default_events_days(),
            accounts_days: default_accounts_days(),
            every_hours: default_every_hours(),
        }
    }
}

impl RetentionConfig {
    /// Periods too short to serve the citizen space are refused.
    pub fn check(&self) -> Result<(), String> {
        if self.events_days < 183 {
            return Err(format!(
                "retention.events_days: {} is shorter than the six months (183 days) the citizen space shows",
                self.events_days
            ));
        }
        if self.accounts_days < 30 || self.every_hours == 0 || self.every_hours > 24 * 7 {
            return Err(
                "retention: accounts_days must be ≥ 30 and every_hours between 1 and 168".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn periods_shorter_than_the_space_shows_are_refused() {
        let cfg = super::RetentionConfig::default();
        assert!(cfg.check().is_ok());
        let short = super::RetentionConfig {
            events_days: 90,
            ..cfg
        };
        assert!(short
            .check()
            .is_err_and(|e| e.contains("retention.events_days")));
    }
}
