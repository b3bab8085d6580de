//! What a partner declares about a service, checked with field names the
//! partner space shows next to the inputs, compared version to version, and
//! turned into the `ServiceProvider` the federation serves.

use crate::partner::{IdpFilter, ServiceProvider, SpAuthMethod, SpType};
use crate::profile::IntegrationProfile;
use crate::registration::{check_url, violation, RuleResult};
use serde::{Deserialize, Serialize};

/// A scope the service asks for, with the reason it needs it (the
/// operator reads it before approving; data minimisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeRequest {
    pub scope: String,
    pub justification: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSpec {
    pub name: String,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub scopes: Vec<ScopeRequest>,
    #[serde(rename = "type")]
    pub sp_type: SpType,
    pub contact_email: String,
    #[serde(default)]
    pub profile: IntegrationProfile,
    /// Where the service publishes its public keys: it then authenticates
    /// with `private_key_jwt` (no secret) instead of a client secret.
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

const MAX_URIS: usize = 10;
const MAX_JUSTIFICATION: usize = 300;

/// The scopes a partner may ask for: identity scopes and the data scopes
/// the federation serves.
pub fn may_request(scope: &str, is_data_scope: &dyn Fn(&str) -> bool) -> bool {
    scope != "openid" && (crate::scope::is_known_scope(scope) || is_data_scope(scope))
}

impl ServiceSpec {
    /// The rules a partner's declaration follows (before the registration
    /// rules of the resulting `ServiceProvider`).
    pub fn check(&self, sandbox: bool, is_data_scope: &dyn Fn(&str) -> bool) -> RuleResult {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(violation("name", "1 to 100 characters"));
        }
        if self.redirect_uris.is_empty() {
            return Err(violation("redirect_uris", "at least one is required"));
        }
        for (field, list) in [
            ("redirect_uris", &self.redirect_uris),
            ("post_logout_redirect_uris", &self.post_logout_redirect_uris),
        ] {
            if list.len() > MAX_URIS {
                return Err(violation(field, format!("at most {MAX_URIS}")));
            }
            for (i, u) in list.iter().enumerate() {
                check_url(&format!("{field}[{i}]"), u, sandbox)?;
            }
        }
        if self.scopes.is_empty() {
            return Err(violation("scopes", "choose at least one"));
        }
        for (i, s) in self.scopes.iter().enumerate() {
            if !may_request(&s.scope, is_data_scope) {
                return Err(violation(
                    format!("scopes[{i}]"),
                    format!("{} is not a scope of the federation", s.scope),
                ));
            }
            let j = s.justification.trim();
            if j.is_empty() || j.chars().count() > MAX_JUSTIFICATION {
                return Err(violation(
                    format!("scopes[{i}].justification"),
                    format!(
                        "say in one line (at most {MAX_JUSTIFICATION} characters) why {} is needed",
                        s.scope
                    ),
                ));
            }
        }
        if let Some(u) = &self.jwks_uri {
            check_url("jwks_uri", u, sandbox)?;
        }
        let e = self.contact_email.trim();
        let valid_mail = e.len() <= 254
            && e.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
            && !e.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid_mail {
            return Err(violation("contact_email", "an e-mail address is required"));
        }
        Ok(())
    }

    /// `(field, before, after)` for each field that differs from `before`
    /// (everything is new when nothing was published).
    pub fn diff(&self, before: Option<&ServiceSpec>) -> Vec<(String, String, String)> {
        let show = |s: &ServiceSpec| -> Vec<(&'static str, String)> {
            vec![
                ("name", s.name.clone()),
                ("type", format!("{:?}", s.sp_type).to_lowercase()),
                ("redirect_uris", s.redirect_uris.join("\n")),
                (
                    "post_logout_redirect_uris",
                    s.post_logout_redirect_uris.join("\n"),
                ),
                (
                    "scopes",
                    s.scopes
                        .iter()
                        .map(|r| format!("{} — {}", r.scope, r.justification))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                ("contact_email", s.contact_email.clone()),
                ("profile", s.profile.as_str().to_owned()),
                ("jwks_uri", s.jwks_uri.clone().unwrap_or_default()),
            ]
        };
        let after = show(self);
        let before = before.map(show);
        after
            .into_iter()
            .enumerate()
            .filter_map(|(i, (field, now))| {
                let was = before.as_ref().map(|b| b[i].1.clone()).unwrap_or_default();
                (was != now).then(|| (field.to_owned(), was, now))
            })
            .collect()
    }

    /// The service as the federation serves it. A sandbox client only
    /// reaches the sandbox's test identity providers.
    pub fn to_service_provider(
        &self,
        client_id: &str,
        entity_id: &str,
        client_secret: &str,
        sandbox_idps: Option<&[String]>,
    ) -> ServiceProvider {
        let scopes: Vec<&str> = std::iter::once("openid")
            .chain(self.scopes.iter().map(|s| s.scope.as_str()))
            .collect();
        let mut sp = ServiceProvider::public(
            client_id,
            entity_id,
            self.name.trim(),
            client_secret,
            self.redirect_uris.clone(),
            &scopes,
        );
        sp.sp_type = self.sp_type;
        sp.post_logout_redirect_uris = self.post_logout_redirect_uris.clone();
        sp.profile = self.profile;
        sp.id_token_signed_response_alg = self.profile.default_id_token_alg();
        sp.userinfo_signed_response_alg = self.profile.default_userinfo_alg();
        if self.profile.is_oidc() {
            sp.token_endpoint_auth_method = SpAuthMethod::ClientSecretBasic;
        }
        if let Some(u) = &self.jwks_uri {
            sp.token_endpoint_auth_method = SpAuthMethod::PrivateKeyJwt;
            sp.jwks_uri = Some(u.clone());
        }
        if let Some(idps) = sandbox_idps {
            sp.sandbox = true;
            if !idps.is_empty() {
                sp.idp_filter = IdpFilter::Allow(idps.to_vec());
            }
        }
        sp
    }
}
