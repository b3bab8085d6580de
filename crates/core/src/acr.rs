//! The eIDAS assurance ladder (`eidas1 < eidas2 < eidas3`) and the rules that
//! turn a service's `acr_values` into the one level a login must reach.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An eIDAS level of assurance, ordered from lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AcrLevel {
    Eidas1,
    Eidas2,
    Eidas3,
}

impl AcrLevel {
    pub const ALL: [AcrLevel; 3] = [AcrLevel::Eidas1, AcrLevel::Eidas2, AcrLevel::Eidas3];

    pub fn as_str(self) -> &'static str {
        match self {
            AcrLevel::Eidas1 => "eidas1",
            AcrLevel::Eidas2 => "eidas2",
            AcrLevel::Eidas3 => "eidas3",
        }
    }

    /// Parses one value; unknown values are `None` (they are dropped, not refused).
    pub fn parse(value: &str) -> Option<AcrLevel> {
        match value {
            "eidas1" => Some(AcrLevel::Eidas1),
            "eidas2" => Some(AcrLevel::Eidas2),
            "eidas3" => Some(AcrLevel::Eidas3),
            _ => None,
        }
    }
}

impl fmt::Display for AcrLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which federation this node is: the FranceConnect-like Standard platform
/// or the high-assurance Plus platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    #[default]
    Standard,
    Plus,
}

impl Platform {
    pub fn default_acr(self) -> AcrLevel {
        match self {
            Platform::Standard => AcrLevel::Eidas1,
            Platform::Plus => AcrLevel::Eidas3,
        }
    }

    pub fn serves(self, level: AcrLevel) -> bool {
        match self {
            Platform::Standard => level == AcrLevel::Eidas1,
            Platform::Plus => level >= AcrLevel::Eidas2,
        }
    }

    /// Algorithms a service may sign its `private_key_jwt` assertions with:
    /// ES256 on Plus (as on FranceConnect+), ES256 or RS256 on Standard.
    pub fn client_assertion_algs(self) -> &'static [crate::alg::JwsAlg] {
        use crate::alg::JwsAlg;
        match self {
            Platform::Plus => &[JwsAlg::ES256],
            Platform::Standard => &[JwsAlg::ES256, JwsAlg::RS256],
        }
    }

    /// Minimum `nonce` length a service must send.
    pub fn min_nonce_len(self) -> usize {
        match self {
            Platform::Standard => 22,
            Platform::Plus => 32,
        }
    }

    /// The level a service is told it got, given what the IdP proved.
    /// On Standard every login is reported as `eidas1`.
    pub fn reported_acr(self, requested: AcrLevel, from_idp: AcrLevel) -> AcrLevel {
        match self {
            Platform::Standard => AcrLevel::Eidas1,
            Platform::Plus => from_idp.max(requested),
        }
    }

    /// Whether a login at `requested` may reuse an existing session (SSO).
    pub fn sso_eligible(self, requested: AcrLevel) -> bool {
        match self {
            Platform::Standard => requested == AcrLevel::Eidas1,
            Platform::Plus => requested == AcrLevel::Eidas2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Standard => "standard",
            Platform::Plus => "plus",
        }
    }
}

/// Outcome of resolving `acr_values`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcrResolution {
    Level(AcrLevel),
    /// The lowest requested level exists but this platform does not serve it.
    NotServed(AcrLevel),
}

/// Drop unknown values; none left → platform default; else the lowest one,
/// which must be served by the platform.
pub fn resolve_acr_values(acr_values: &str, platform: Platform) -> AcrResolution {
    let lowest = acr_values.split(' ').filter_map(AcrLevel::parse).min();
    match lowest {
        None => AcrResolution::Level(platform.default_acr()),
        Some(level) if platform.serves(level) => AcrResolution::Level(level),
        Some(level) => AcrResolution::NotServed(level),
    }
}

/// The `acr_values` Relais sends to an IdP: the lowest level the IdP allows
/// that is at least the service's level.
pub fn acr_for_idp(requested: AcrLevel, idp_allowed: &[AcrLevel]) -> Option<AcrLevel> {
    idp_allowed
        .iter()
        .copied()
        .filter(|l| *l >= requested)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_table() {
        use AcrResolution::*;
        let s = Platform::Standard;
        assert_eq!(resolve_acr_values("eidas1", s), Level(AcrLevel::Eidas1));
        assert_eq!(resolve_acr_values("foo bar", s), Level(AcrLevel::Eidas1));
        assert_eq!(resolve_acr_values("", s), Level(AcrLevel::Eidas1));
        assert_eq!(
            resolve_acr_values("eidas3 eidas1", s),
            Level(AcrLevel::Eidas1)
        );
        assert_eq!(resolve_acr_values("eidas2", s), NotServed(AcrLevel::Eidas2));
        assert_eq!(
            resolve_acr_values("eidas2 foo eidas3", s),
            NotServed(AcrLevel::Eidas2)
        );
        let p = Platform::Plus;
        assert_eq!(resolve_acr_values("", p), Level(AcrLevel::Eidas3));
        assert_eq!(
            resolve_acr_values("eidas3 eidas2", p),
            Level(AcrLevel::Eidas2)
        );
        assert_eq!(resolve_acr_values("eidas1", p), NotServed(AcrLevel::Eidas1));
    }

    #[test]
    fn idp_level() {
        let allowed = [AcrLevel::Eidas1, AcrLevel::Eidas2];
        assert_eq!(
            acr_for_idp(AcrLevel::Eidas1, &allowed),
            Some(AcrLevel::Eidas1)
        );
        assert_eq!(
            acr_for_idp(AcrLevel::Eidas2, &allowed),
            Some(AcrLevel::Eidas2)
        );
        assert_eq!(acr_for_idp(AcrLevel::Eidas3, &allowed), None);
        assert_eq!(
            acr_for_idp(AcrLevel::Eidas1, &[AcrLevel::Eidas3]),
            Some(AcrLevel::Eidas3)
        );
    }

    #[test]
    fn reported_level_on_standard_is_eidas1() {
        assert_eq!(
            Platform::Standard.reported_acr(AcrLevel::Eidas1, AcrLevel::Eidas2),
            AcrLevel::Eidas1
        );
        assert_eq!(
            Platform::Plus.reported_acr(AcrLevel::Eidas2, AcrLevel::Eidas3),
            AcrLevel::Eidas3
        );
    }
}
