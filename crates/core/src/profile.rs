//! Integration profiles: which conventions a service's OpenID Connect client
//! follows.
//!
//! `franceconnect` (the default) is FranceConnect's exact behaviour: a long
//! `nonce` always, `state` and `acr_values` required, no `max_age` or
//! `prompt=none`, userinfo as a signed JWT, 60-second access tokens.
//! `oidc` is for off-the-shelf software whose generic OpenID Connect library
//! keeps its defaults: standard parameters accepted (`max_age`,
//! `prompt=none`, `login_hint`, `response_mode=query`…), a nonce optional
//! when PKCE protects the code, userinfo as JSON unless the service
//! registered a signing algorithm, RS256 ID tokens unless registered
//! otherwise, and access tokens that outlive the libraries' expiry leeway.

use crate::alg::JwsAlg;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationProfile {
    #[default]
    FranceConnect,
    Oidc,
}

/// Bounds of a registered access-token lifetime, in seconds.
pub const ACCESS_TOKEN_TTL_RANGE: std::ops::RangeInclusive<u32> = 30..=3600;

/// Shortest nonce an `oidc` service may send (Authlib's default is 20).
pub const OIDC_MIN_NONCE_LEN: usize = 16;

impl IntegrationProfile {
    pub fn parse(s: &str) -> Option<IntegrationProfile> {
        match s {
            "franceconnect" => Some(IntegrationProfile::FranceConnect),
            "oidc" => Some(IntegrationProfile::Oidc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationProfile::FranceConnect => "franceconnect",
            IntegrationProfile::Oidc => "oidc",
        }
    }

    /// Access-token lifetime when the service registered none. Common
    /// libraries treat a token expiring within 60 s as expired (Authlib),
    /// so the `oidc` profile gives 10 minutes.
    pub fn default_access_token_ttl(self) -> u32 {
        match self {
            IntegrationProfile::FranceConnect => 60,
            IntegrationProfile::Oidc => 600,
        }
    }

    /// The ID token's algorithm when the service registered none.
    pub fn default_id_token_alg(self) -> JwsAlg {
        match self {
            IntegrationProfile::FranceConnect => JwsAlg::ES256,
            IntegrationProfile::Oidc => JwsAlg::RS256,
        }
    }

    /// The userinfo answer when the service registered no signing
    /// algorithm: FranceConnect always signs (ES256), `oidc` answers JSON.
    pub fn default_userinfo_alg(self) -> Option<JwsAlg> {
        match self {
            IntegrationProfile::FranceConnect => Some(JwsAlg::ES256),
            IntegrationProfile::Oidc => None,
        }
    }

    /// Whether standard OpenID Connect parameters and defaults apply.
    pub fn is_oidc(self) -> bool {
        self == IntegrationProfile::Oidc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_defaults_differ() {
        for p in [IntegrationProfile::FranceConnect, IntegrationProfile::Oidc] {
            assert_eq!(IntegrationProfile::parse(p.as_str()), Some(p));
        }
        assert_eq!(IntegrationProfile::parse("OIDC"), None);
        assert_eq!(
            IntegrationProfile::default(),
            IntegrationProfile::FranceConnect
        );
        assert_eq!(IntegrationProfile::Oidc.default_access_token_ttl(), 600);
        assert_eq!(
            IntegrationProfile::FranceConnect.default_access_token_ttl(),
            60
        );
        assert_eq!(IntegrationProfile::Oidc.default_userinfo_alg(), None);
        assert_eq!(
            IntegrationProfile::Oidc.default_id_token_alg(),
            JwsAlg::RS256
        );
    }
}
