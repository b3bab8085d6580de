//! Self-service onboarding of services, as pure rules: what a partner
//! declares ([`ServiceSpec`]), how a service's configuration moves through
//! versions (draft → submitted → published, or refused; older published
//! ones superseded; history kept; restore and rollback), and the
//! organisations and people behind it ([`org`]).
//!
//! The partner space and the admin API store these values and turn a
//! spec into the `ServiceProvider` the federation serves: at once on the
//! sandbox, and on production when an operator approves a version.

pub mod org;
pub mod spec;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use spec::ServiceSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionState {
    Draft,
    Submitted,
    Published,
    Refused,
    Superseded,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Draft => "draft",
            VersionState::Submitted => "submitted",
            VersionState::Published => "published",
            VersionState::Refused => "refused",
            VersionState::Superseded => "superseded",
        }
    }
}

/// One version of a service's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub n: u32,
    pub state: VersionState,
    pub spec: ServiceSpec,
    /// Who wrote it (partner e-mail or operator token name).
    pub author: String,
    /// Unix ms.
    pub at: i64,
    /// The operator who approved or refused it, when, and their message.
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<i64>,
    #[serde(default)]
    pub decision: Option<String>,
}

/// Why a version cannot move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    NoDraft,
    NotSubmitted,
    NoSuchVersion(u32),
    NeverPublished(u32),
}

impl std::fmt::Display for Transition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transition::NoDraft => f.write_str("no draft to submit: edit the service first"),
            Transition::NotSubmitted => f.write_str("no request waiting for a decision"),
            Transition::NoSuchVersion(n) => write!(f, "version {n} does not exist"),
            Transition::NeverPublished(n) => write!(f, "version {n} was never published"),
        }
    }
}

/// A service onboarded by a partner: its versions and client ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardedService {
    /// Slug, also the production client id.
    pub id: String,
    /// The organisation the service belongs to (a commune…).
    pub org_id: String,
    /// The vendor organisation that manages it for that organisation.
    #[serde(default)]
    pub managed_by: Option<String>,
    pub versions: Vec<Version>,
    pub sandbox_client_id: String,
    /// Set once a version was published.
    #[serde(default)]
    pub production_client_id: Option<String>,
}

impl OnboardedService {
    /// A new service: version 1, a draft, served at once on the sandbox.
    pub fn new(
        id: &str,
        org_id: &str,
        managed_by: Option<String>,
        spec: ServiceSpec,
        author: &str,
        at: i64,
    ) -> Self {
        OnboardedService {
            id: id.to_owned(),
            org_id: org_id.to_owned(),
            managed_by,
            versions: vec![Version {
                n: 1,
                state: VersionState::Draft,
                spec,
                author: author.to_owned(),
                at,
                decided_by: None,
                decided_at: None,
                decision: None,
            }],
            sandbox_client_id: format!("sandbox-{id}"),
            production_client_id: None,
        }
    }

    pub fn latest(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// The spec the sandbox serves: the newest version, whatever its state.
    pub fn sandbox_spec(&self) -> Option<&ServiceSpec> {
        self.latest().map(|v| &v.spec)
    }

    /// The version production serves.
    pub fn published(&self) -> Option<&Version> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.state == VersionState::Published)
    }

    /// The request waiting for the operator.
    pub fn submitted(&self) -> Option<&Version> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.state == VersionState::Submitted)
    }

    fn next_n(&self) -> u32 {
        self.versions.last().map_or(1, |v| v.n + 1)
    }

    fn push(&mut self, state: VersionState, spec: ServiceSpec, author: &str, at: i64) {
        let n = self.next_n();
        self.versions.push(Version {
            n,
            state,
            spec,
            author: author.to_owned(),
            at,
            decided_by: None,
            decided_at: None,
            decision: None,
        });
    }

    /// A change by the partner: the open draft is replaced, else a new
    /// draft follows the history (a submitted request goes back to draft).
    pub fn edit(&mut self, spec: ServiceSpec, author: &str, at: i64) {
        match self.versions.last_mut() {
            Some(v) if matches!(v.state, VersionState::Draft | VersionState::Submitted) => {
                v.state = VersionState::Draft;
                v.spec = spec;
                v.author = author.to_owned();
                v.at = at;
            }
            _ => self.push(VersionState::Draft, spec, author, at),
        }
    }

    /// The partner asks for production with the current draft.
    pub fn submit(&mut self, author: &str, at: i64) -> Result<u32, Transition> {
        match self.versions.last_mut() {
            Some(v) if v.state == VersionState::Draft => {
                v.state = VersionState::Submitted;
                v.author = author.to_owned();
                v.at = at;
                Ok(v.n)
            }
            _ => Err(Transition::NoDraft),
        }
    }

    fn decide(
        &mut self,
        by: &str,
        at: i64,
        message: &str,
        state: VersionState,
    ) -> Result<u32, Transition> {
        let Some(i) = self
            .versions
            .iter()
            .rposition(|v| v.state == VersionState::Submitted)
        else {
            return Err(Transition::NotSubmitted);
        };
        if state == VersionState::Published {
            self.supersede_published();
        }
        let v = &mut self.versions[i];
        v.state = state;
        v.decided_by = Some(by.to_owned());
        v.decided_at = Some(at);
        v.decision = Some(message.to_owned());
        if state == VersionState::Published && self.production_client_id.is_none() {
            self.production_client_id = Some(self.id.clone());
        }
        Ok(self.versions[i].n)
    }

    fn supersede_published(&mut self) {
        for v in &mut self.versions {
            if v.state == VersionState::Published {
                v.state = VersionState::Superseded;
            }
        }
    }

    /// The operator approves the request: it becomes what production serves.
    pub fn approve(&mut self, by: &str, at: i64, message: &str) -> Result<u32, Transition> {
        self.decide(by, at, message, VersionState::Published)
    }

    /// The operator refuses the request, saying why.
    pub fn refuse(&mut self, by: &str, at: i64, message: &str) -> Result<u32, Transition> {
        self.decide(by, at, message, VersionState::Refused)
    }

    /// The operator puts an earlier published version back in production
    /// (as a new version, so the history shows it).
    pub fn rollback(&mut self, n: u32, by: &str, at: i64) -> Result<u32, Transition> {
        let old = self
            .versions
            .iter()
            .find(|v| v.n == n)
            .ok_or(Transition::NoSuchVersion(n))?;
        if !matches!(
            old.state,
            VersionState::Published | VersionState::Superseded
        ) {
            return Err(Transition::NeverPublished(n));
        }
        let spec = old.spec.clone();
        self.supersede_published();
        self.push(VersionState::Published, spec, by, at);
        let last = self.next_n() - 1;
        if let Some(v) = self.versions.last_mut() {
            v.decided_by = Some(by.to_owned());
            v.decided_at = Some(at);
            v.decision = Some(format!("rollback to version {n}"));
        }
        Ok(last)
    }
}
