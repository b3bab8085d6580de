//! The rules a partner registration must follow, whatever it comes from:
//! the configuration file, a document re-read from the store (written by
//! another node or an operator tool), or a test. The configuration layer
//! parses text into domain values, then calls these checks and prefixes the
//! field with its place in the file (`service_providers[3].redirect_uris[0]`).

use crate::acr::Platform;
use crate::alg::JwsAlg;
use crate::partner::{
    AnswerEncryption, DataProvider, IdentityProvider, IdpFilter, ServiceProvider, SpAuthMethod,
    SpType,
};
use crate::profile::{IntegrationProfile, ACCESS_TOKEN_TTL_RANGE};
use std::fmt;

/// Shortest accepted client secret.
pub const MIN_SECRET_LEN: usize = 16;
/// Shortest accepted node secret (master key, pairwise-sub secret).
pub const MIN_NODE_SECRET_LEN: usize = 32;

/// One broken rule: which field (relative to the registration) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    pub field: String,
    pub why: String,
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.why)
    }
}

impl std::error::Error for RuleViolation {}

pub type RuleResult = Result<(), RuleViolation>;

pub fn violation(field: impl Into<String>, why: impl Into<String>) -> RuleViolation {
    RuleViolation {
        field: field.into(),
        why: why.into(),
    }
}

/// Identifiers: 1–128 letters, digits, `-`, `_`, `.`.
pub fn check_id(field: &str, id: &str) -> RuleResult {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(violation(
            field,
            "must be 1-128 characters among letters, digits, - _ .",
        ))
    }
}

/// Partner URLs: absolute, https (http only in sandbox mode), no fragment.
pub fn check_url(field: &str, url: &str, sandbox: bool) -> RuleResult {
    let u = url::Url::parse(url).map_err(|e| violation(field, format!("not a URL ({e})")))?;
    match u.scheme() {
        "https" => {}
        "http" if sandbox => {}
        "http" => return Err(violation(field, "must use https outside sandbox mode")),
        _ => return Err(violation(field, "must be an http(s) URL")),
    }
    if u.fragment().is_some() {
        return Err(violation(field, "must not have a fragment"));
    }
    Ok(())
}

pub fn check_secret(field: &str, secret: &str) -> RuleResult {
    if secret.len() < MIN_SECRET_LEN {
        return Err(violation(
            field,
            format!("must be at least {MIN_SECRET_LEN} characters"),
        ));
    }
    Ok(())
}

fn not_blank(field: &str, value: &str) -> RuleResult {
    if value.trim().is_empty() {
        return Err(violation(field, "must not be empty"));
    }
    Ok(())
}

impl IdpFilter {
    /// A service names either the only IdPs it accepts or those it refuses.
    pub fn from_lists(
        allow: Option<Vec<String>>,
        deny: Vec<String>,
    ) -> Result<IdpFilter, RuleViolation> {
        match allow {
            Some(_) if !deny.is_empty() => {
                Err(violation("idp_allow", "cannot be combined with idp_deny"))
            }
            Some(list) => Ok(IdpFilter::Allow(list)),
            None => Ok(IdpFilter::Deny(deny)),
        }
    }
}

/// Where a registration is checked: the platform it will run on (Plus has
/// stricter rules) and whether plain-http URLs are accepted (sandbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationContext {
    pub platform: Platform,
    pub sandbox: bool,
}

/// A JWKS document given inline: `{"keys": [ {...}, ... ]}`.
fn inline_keys<'a>(
    field: &str,
    jwks: &'a serde_json::Value,
) -> Result<&'a Vec<serde_json::Value>, RuleViolation> {
    match jwks.get("keys").and_then(|k| k.as_array()) {
        Some(keys) if !keys.is_empty() => Ok(keys),
        _ => Err(violation(
            field,
            "must be a JWKS document with at least one key",
        )),
    }
}

fn key_is(key: &serde_json::Value, kty: &str, use_: &str) -> bool {
    key.get("kty").and_then(|v| v.as_str()) == Some(kty)
        && key
            .get("use")
            .and_then(|v| v.as_str())
            .is_none_or(|u| u == use_)
}

impl ServiceProvider {
    /// Where its keys come from, checked: exactly one of `jwks`, `jwks_uri`.
    fn check_key_source(&self, sandbox: bool) -> RuleResult {
        match (&self.jwks, &self.jwks_uri) {
            (Some(_), Some(_)) => Err(violation("jwks", "cannot be combined with jwks_uri")),
            (Some(jwks), None) => inline_keys("jwks", jwks).map(|_| ()),
            (None, Some(u)) => check_url("jwks_uri", u, sandbox),
            (None, None) => Ok(()),
        }
    }

    fn has_key_source(&self) -> bool {
        self.jwks.is_some() || self.jwks_uri.is_some()
    }

    fn check_encryption(&self, field: &str, enc: Option<AnswerEncryption>) -> RuleResult {
        let Some(enc) = enc else { return Ok(()) };
        if !self.has_key_source() {
            return Err(violation(
                field,
                "an encryption key is needed: give jwks or jwks_uri",
            ));
        }
        if let Some(jwks) = &self.jwks {
            let kty = enc.alg.key_type();
            if !inline_keys("jwks", jwks)?
                .iter()
                .any(|k| key_is(k, kty, "enc"))
            {
                return Err(violation(
                    "jwks",
                    format!("has no {kty} key with use=enc for {}", enc.alg),
                ));
            }
        }
        Ok(())
    }

    /// FranceConnect's profile always signs userinfo; any profile keeps
    /// access tokens between 30 s and an hour.
    fn check_profile(&self) -> RuleResult {
        if self.profile == IntegrationProfile::FranceConnect
            && self.userinfo_signed_response_alg.is_none()
        {
            return Err(violation(
                "userinfo_signed_response_alg",
                "is required with the franceconnect profile (userinfo is a signed JWT)",
            ));
        }
        if self.userinfo_encryption.is_some() && self.userinfo_signed_response_alg.is_none() {
            return Err(violation(
                "userinfo_signed_response_alg",
                "is required to encrypt userinfo (the JWE nests a signed JWT)",
            ));
        }
        if let Some(ttl) = self.access_token_ttl_secs {
            if !ACCESS_TOKEN_TTL_RANGE.contains(&ttl) {
                return Err(violation(
                    "access_token_ttl_secs",
                    format!(
                        "{ttl} is outside {}..={} seconds",
                        ACCESS_TOKEN_TTL_RANGE.start(),
                        ACCESS_TOKEN_TTL_RANGE.end()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// What the Plus platform adds: private_key_jwt, ES256, both answers
    /// encrypted.
    fn check_plus(&self) -> RuleResult {
        if self.token_endpoint_auth_method != SpAuthMethod::PrivateKeyJwt {
            return Err(violation(
                "token_endpoint_auth_method",
                "must be private_key_jwt on the Plus platform",
            ));
        }
        if self.profile != IntegrationProfile::FranceConnect {
            return Err(violation(
                "profile",
                "must be franceconnect on the Plus platform",
            ));
        }
        for (field, alg) in [
            (
                "id_token_signed_response_alg",
                Some(self.id_token_signed_response_alg),
            ),
            (
                "userinfo_signed_response_alg",
                self.userinfo_signed_response_alg,
            ),
        ] {
            if alg != Some(JwsAlg::ES256) {
                return Err(violation(field, "must be ES256 on the Plus platform"));
            }
        }
        if self.id_token_encryption.is_none() {
            return Err(violation(
                "id_token_encrypted_response_alg",
                "is required on the Plus platform (RSA-OAEP-256 or ECDH-ES)",
            ));
        }
        if self.userinfo_encryption.is_none() {
            return Err(violation(
                "userinfo_encrypted_response_alg",
                "is required on the Plus platform (RSA-OAEP-256 or ECDH-ES)",
            ));
        }
        Ok(())
    }

    pub fn check(&self, ctx: RegistrationContext) -> RuleResult {
        let sandbox = ctx.sandbox;
        check_id("client_id", &self.client_id)?;
        if self.token_endpoint_auth_method.uses_secret() {
            check_secret("client_secret", &self.client_secret)?;
        } else {
            if !self.has_key_source() {
                return Err(violation(
                    "token_endpoint_auth_method",
                    "private_key_jwt needs the service's keys: give jwks or jwks_uri",
                ));
            }
            for (field, alg) in [
                (
                    "id_token_signed_response_alg",
                    Some(self.id_token_signed_response_alg),
                ),
                (
                    "userinfo_signed_response_alg",
                    self.userinfo_signed_response_alg,
                ),
            ] {
                if alg == Some(JwsAlg::HS256) {
                    return Err(violation(
                        field,
                        "HS256 needs a client secret; a private_key_jwt service has none",
                    ));
                }
            }
        }
        self.check_profile()?;
        self.check_key_source(sandbox)?;
        self.check_encryption("id_token_encrypted_response_alg", self.id_token_encryption)?;
        self.check_encryption("userinfo_encrypted_response_alg", self.userinfo_encryption)?;
        if ctx.platform == Platform::Plus {
            self.check_plus()?;
        }
        not_blank("name", &self.name)?;
        if self.redirect_uris.is_empty() {
            return Err(violation("redirect_uris", "at least one is required"));
        }
        for (j, u) in self.redirect_uris.iter().enumerate() {
            check_url(&format!("redirect_uris[{j}]"), u, sandbox)?;
        }
        for (j, u) in self.post_logout_redirect_uris.iter().enumerate() {
            check_url(&format!("post_logout_redirect_uris[{j}]"), u, sandbox)?;
        }
        for p in &self.allowed_prompts {
            if p != "login" && p != "consent" {
                return Err(violation(
                    "allowed_prompts",
                    format!("{p} is not login or consent"),
                ));
            }
        }
        if self.identity_consent && self.sp_type != SpType::Private {
            return Err(violation(
                "identity_consent",
                "only private services ask for explicit consent",
            ));
        }
        // Auto-login (no `consent` prompt) skips the information page; a
        // service whose citizens must tick the consent box cannot skip it.
        if self.consent_required(ctx.platform) && !self.allows_prompt("consent") {
            let why = if ctx.platform == Platform::Plus {
                "must include consent: every Plus login asks for the consent checkbox, which auto-login would skip"
            } else {
                "must include consent: identity_consent requires the consent checkbox, which auto-login would skip"
            };
            return Err(violation("allowed_prompts", why));
        }
        Ok(())
    }
}

impl IdentityProvider {
    pub fn check(&self, ctx: RegistrationContext) -> RuleResult {
        let sandbox = ctx.sandbox;
        check_id("id", &self.id)?;
        not_blank("title", &self.title)?;
        if self.allowed_acr.is_empty() {
            return Err(violation("allowed_acr", "at least one level is required"));
        }
        if let Some(level) = self.assumed_acr {
            if !self.allowed_acr.contains(&level) {
                return Err(violation("assumed_acr", "must be one of allowed_acr"));
            }
        }
        if self.client_id.is_empty() {
            return Err(violation("client_id", "must not be empty"));
        }
        let e = &self.endpoints;
        for (k, u) in [
            ("authorization_endpoint", &e.authorization_endpoint),
            ("token_endpoint", &e.token_endpoint),
            ("userinfo_endpoint", &e.userinfo_endpoint),
            ("jwks_uri", &e.jwks_uri),
        ] {
            check_url(k, u, sandbox)?;
        }
        Ok(())
    }
}

impl DataProvider {
    pub fn check(&self, ctx: RegistrationContext) -> RuleResult {
        let sandbox = ctx.sandbox;
        check_id("id", &self.id)?;
        check_id("client_id", &self.client_id)?;
        check_secret("client_secret", &self.client_secret)?;
        not_blank("title", &self.title)?;
        if self.scopes.is_empty() {
            return Err(violation("scopes", "at least one data scope is required"));
        }
        for s in &self.scopes {
            if crate::scope::claims_of_identity_scope(s).is_some() || s == "amr" {
                return Err(violation(
                    "scopes",
                    format!("{s} is an identity scope, not a data scope"),
                ));
            }
        }
        if self.checktoken_signed_response_alg == JwsAlg::HS256 {
            return Err(violation(
                "checktoken_signed_response_alg",
                "must be ES256 or RS256",
            ));
        }
        if let Some(alg) = self.checktoken_encrypted_response_alg {
            let kty = alg.key_type();
            match (&self.encryption_jwk, &self.jwks_uri) {
                (Some(jwk), _) => {
                    if jwk.get("kty").and_then(|v| v.as_str()) != Some(kty) {
                        return Err(violation(
                            "encryption_jwk",
                            format!("must be an {kty} key for {alg}"),
                        ));
                    }
                }
                (None, Some(u)) => check_url("jwks_uri", u, sandbox)?,
                (None, None) => {
                    return Err(violation(
                        "encryption_jwk",
                        "an inline key or jwks_uri is required for encryption",
                    ))
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
