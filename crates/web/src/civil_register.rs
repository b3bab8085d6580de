//! The civil register as a service the login depends on: a trait any
//! register implements (the demo's table, a national register's API), and
//! the check the IdP callback runs — bounded by a timeout, and on a
//! timeout or an outage either refused with a clear error page or, when
//! the operator chose to degrade, let through with an event that says so.
//! Never a login with an unchecked identity unless the operator said so.

use async_trait::async_trait;
use relais_core::civil_register::{verdict, OutagePolicy, RegisterAnswer};
use relais_core::pivot::PivotIdentity;
use relais_core::ErrorCode;
use std::sync::Arc;
use std::time::Duration;

#[async_trait]
pub trait CivilRegister: Send + Sync + 'static {
    /// Looks the identity up; `Err` when the register cannot answer.
    async fn lookup(&self, identity: &PivotIdentity) -> Result<RegisterAnswer, String>;
}

/// The register a node checks identities with, and how.
#[derive(Clone)]
pub struct RegisterCheck {
    pub register: Arc<dyn CivilRegister>,
    pub timeout: Duration,
    pub on_outage: OutagePolicy,
}

/// What the check decided.
#[derive(Debug)]
pub struct Checked {
    /// The identity to go on with (the register's, or the IdP's when the
    /// operator degrades), or the refusal.
    pub identity: Result<PivotIdentity, ErrorCode>,
    /// The register could not answer: its code, and whether the login went
    /// on unchecked.
    pub outage: Option<(ErrorCode, OutagePolicy)>,
}

impl RegisterCheck {
    pub async fn check(&self, identity: PivotIdentity) -> Checked {
        let code = match tokio::time::timeout(self.timeout, self.register.lookup(&identity)).await {
            Ok(Ok(answer)) => {
                return Checked {
                    identity: verdict(&identity, answer),
                    outage: None,
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "civil register unavailable");
                ErrorCode::RegisterUnavailable
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = self.timeout.as_millis() as u64,
                    "civil register did not answer in time"
                );
                ErrorCode::RegisterTimeout
            }
        };
        Checked {
            identity: match self.on_outage {
                OutagePolicy::Refuse => Err(code),
                OutagePolicy::Degrade => Ok(identity),
            },
            outage: Some((code, self.on_outage)),
        }
    }
}
