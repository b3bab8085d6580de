//! Configuration errors: each names the field (`service_providers[2].…`)
//! and says why.

use relais_core::registration::RuleViolation;
use std::fmt;

#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

pub(crate) fn err(field: impl fmt::Display, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("{field}: {why}"))
}

/// A domain rule broken by the entry at `prefix` (`service_providers[2]`).
pub(crate) fn broken(prefix: &str, v: RuleViolation) -> ConfigError {
    err(format!("{prefix}.{}", v.field), v.why)
}

pub(crate) fn yes() -> bool {
    true
}
