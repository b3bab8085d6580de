//! The node's TOML configuration, environment overrides, and its
//! validation into domain values. Every error names the field and says why,
//! and the node refuses to start on any of them (fail fast).
//!
//! Environment variables `RELAIS__SECTION__KEY=value` override any key
//! (`RELAIS__SERVER__PUBLIC_URL`, `RELAIS__SECRETS__MASTER_KEY`…).

use relais_core::acr::AcrLevel;
use relais_core::partner::{
    DataProvider, IdentityProvider, IdpClientAuth, IdpEndpoints, IdpFilter, ServiceProvider,
    SigningAlg, SpType,
};
use relais_core::Platform;
use serde::Deserialize;
use std::fmt;

#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err(field: impl fmt::Display, why: impl fmt::Display) -> ConfigError {
    ConfigError(format!("{field}: {why}"))
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub secrets: SecretsConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub events: EventsConfig,
    #[serde(default)]
    pub service_providers: Vec<SpConfig>,
    #[serde(default)]
    pub identity_providers: Vec<IdpConfig>,
    #[serde(default)]
    pub data_providers: Vec<DpConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    #[serde(default = "default_public_url")]
    pub public_url: String,
    #[serde(default)]
    pub platform: Platform,
    /// Plain-http sandbox (local development, demos).
    #[serde(default)]
    pub sandbox: bool,
}

fn default_listen() -> String {
    "127.0.0.1:8000".into()
}
fn default_public_url() -> String {
    "http://localhost:8000".into()
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            public_url: default_public_url(),
            platform: Platform::Standard,
            sandbox: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// Seals private keys and client secrets at rest.
    #[serde(default)]
    pub master_key: String,
    /// Mixed into every pairwise sub; never change it once in production.
    #[serde(default)]
    pub sub_secret: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Durable tier when `durable` is unset.
    #[serde(default = "default_sqlite")]
    pub sqlite_path: String,
    /// `postgres://…` for the durable tier (configuration, accounts, events, keys).
    pub durable: Option<String>,
    /// `memory`, `sqlite`, `postgres`, or a `redis://` / `rediss://` /
    /// `redis-sentinel://` / cluster URL.
    #[serde(default = "default_ephemeral")]
    pub ephemeral: String,
    /// Prefix of every Redis key (several federations can share a Redis).
    #[serde(default = "default_redis_prefix")]
    pub redis_prefix: String,
}

fn default_ephemeral() -> String {
    "memory".into()
}

fn default_redis_prefix() -> String {
    "relais:".into()
}

fn default_sqlite() -> String {
    "relais.db".into()
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            sqlite_path: default_sqlite(),
            durable: None,
            ephemeral: default_ephemeral(),
            redis_prefix: default_redis_prefix(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// `stdout`, `off`, or a file path (JSON lines, appended).
    #[serde(default = "default_events")]
    pub output: String,
    /// Store durable events before each step answers (no loss on a crash).
    /// Default: true with PostgreSQL, false with SQLite (written within 50 ms).
    pub store_before_answer: Option<bool>,
}

fn default_events() -> String {
    "stdout".into()
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            output: default_events(),
            store_before_answer: None,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpConfig {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub entity_id: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default, rename = "type")]
    pub sp_type: SpType,
    #[serde(default)]
    pub identity_consent: bool,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    #[serde(default = "default_prompts")]
    pub allowed_prompts: Vec<String>,
    #[serde(default)]
    pub amr_entitled: bool,
    #[serde(default)]
    pub idp_hints: Vec<String>,
    /// Only these IdPs (exclusive with `idp_deny`).
    pub idp_allow: Option<Vec<String>>,
    #[serde(default)]
    pub idp_deny: Vec<String>,
    #[serde(default)]
    pub id_token_signed_response_alg: SigningAlg,
    #[serde(default)]
    pub userinfo_signed_response_alg: SigningAlg,
}

fn default_prompts() -> Vec<String> {
    vec!["login".into(), "consent".into()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpConfig {
    pub id: String,
    pub title: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub display: bool,
    pub allowed_acr: Vec<String>,
    #[serde(default)]
    pub amr: Vec<String>,
    pub discovery_url: Option<String>,
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub token_endpoint_auth_method: IdpClientAuth,
    #[serde(default = "default_idp_alg")]
    pub id_token_signed_response_alg: String,
    pub userinfo_signed_response_alg: Option<String>,
    /// Chain logout to the IdP (needs an end_session endpoint).
    #[serde(default = "yes")]
    pub end_session: bool,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Level assumed when the IdP's ID token has no known eIDAS `acr`.
    pub assumed_acr: Option<String>,
}

fn default_idp_alg() -> String {
    "ES256".into()
}
fn default_timeout() -> u64 {
    6000
}

/// Reads the file (if any), applies `RELAIS__…` overrides, and parses.
pub fn load(
    path: Option<&str>,
    env: impl Iterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| err(p, format!("cannot read: {e}")))?,
        None => String::new(),
    };
    let mut value: toml::Table = toml::from_str(&text)
        .map_err(|e| ConfigError(format!("{}: {e}", path.unwrap_or("config"))))?;
    for (k, v) in env {
        let Some(rest) = k.strip_prefix("RELAIS__") else {
            continue;
        };
        let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        set_path(&mut value, &parts, &v).map_err(|why| err(&k, why))?;
    }
    let cfg: Config = toml::Value::Table(value)
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError(e.to_string()))?;
    Ok(cfg)
}

fn set_path(table: &mut toml::Table, parts: &[String], raw: &str) -> Result<(), String> {
    let (last, prefix) = parts.split_last().ok_or("empty key")?;
    let mut t = table;
    for p in prefix {
        let entry = t
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry
            .as_table_mut()
            .ok_or(format!("{p} is not a section"))?;
    }
    let parsed = match raw {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => raw
            .parse::<i64>()
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(raw.to_owned())),
    };
    t.insert(last.clone(), parsed);
    Ok(())
}

fn check_url(field: &str, url: &str, sandbox: bool) -> Result<(), ConfigError> {
    let u = url::Url::parse(url).map_err(|e| err(field, format!("not a URL ({e})")))?;
    match u.scheme() {
        "https" => Ok(()),
        "http" if sandbox => Ok(()),
        "http" => Err(err(field, "must use https outside sandbox mode")),
        _ => Err(err(field, "must be an http(s) URL")),
    }
    .and_then(|()| {
        if u.fragment().is_some() {
            Err(err(field, "must not have a fragment"))
        } else {
            Ok(())
        }
    })
}

fn check_id(field: &str, id: &str) -> Result<(), ConfigError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(err(
            field,
            "must be 1-128 characters among letters, digits, - _ .",
        ))
    }
}

impl SpConfig {
    pub fn to_domain(&self, i: usize, sandbox: bool) -> Result<ServiceProvider, ConfigError> {
        let f = |k: &str| format!("service_providers[{i}].{k}");
        check_id(&f("client_id"), &self.client_id)?;
        if self.client_secret.len() < 16 {
            return Err(err(f("client_secret"), "must be at least 16 characters"));
        }
        if self.name.trim().is_empty() {
            return Err(err(f("name"), "must not be empty"));
        }
        if self.redirect_uris.is_empty() {
            return Err(err(f("redirect_uris"), "at least one is required"));
        }
        for (j, u) in self.redirect_uris.iter().enumerate() {
            check_url(&f(&format!("redirect_uris[{j}]")), u, sandbox)?;
        }
        for (j, u) in self.post_logout_redirect_uris.iter().enumerate() {
            check_url(&f(&format!("post_logout_redirect_uris[{j}]")), u, sandbox)?;
        }
        for p in &self.allowed_prompts {
            if p != "login" && p != "consent" {
                return Err(err(
                    f("allowed_prompts"),
                    format!("{p} is not login or consent"),
                ));
            }
        }
        if self.idp_allow.is_some() && !self.idp_deny.is_empty() {
            return Err(err(f("idp_allow"), "cannot be combined with idp_deny"));
        }
        if self.identity_consent && self.sp_type != SpType::Private {
            return Err(err(
                f("identity_consent"),
                "only private services ask for explicit consent",
            ));
        }
        Ok(ServiceProvider {
            client_id: self.client_id.clone(),
            entity_id: self
                .entity_id
                .clone()
                .unwrap_or_else(|| self.client_id.clone()),
            name: self.name.clone(),
            active: self.active,
            sp_type: self.sp_type,
            identity_consent: self.identity_consent,
            client_secret: self.client_secret.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            scopes: self.scopes.clone(),
            allowed_prompts: self.allowed_prompts.clone(),
            amr_entitled: self.amr_entitled,
            idp_hints: self.idp_hints.clone(),
            idp_filter: match &self.idp_allow {
                Some(list) => IdpFilter::Allow(list.clone()),
                None => IdpFilter::Deny(self.idp_deny.clone()),
            },
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            userinfo_signed_response_alg: self.userinfo_signed_response_alg,
        })
    }
}

impl IdpConfig {
    /// Validates the entry. Endpoints come from `discovery_url` (read by the
    /// caller) or from the explicit keys, which must then all be present.
    pub fn to_domain(
        &self,
        i: usize,
        sandbox: bool,
        discovered: Option<IdpEndpoints>,
    ) -> Result<IdentityProvider, ConfigError> {
        let f = |k: &str| format!("identity_providers[{i}].{k}");
        check_id(&f("id"), &self.id)?;
        if self.title.trim().is_empty() {
            return Err(err(f("title"), "must not be empty"));
        }
        let mut allowed = Vec::new();
        for a in &self.allowed_acr {
            allowed.push(AcrLevel::parse(a).ok_or_else(|| {
                err(
                    f("allowed_acr"),
                    format!("{a} is not eidas1, eidas2 or eidas3"),
                )
            })?);
        }
        if allowed.is_empty() {
            return Err(err(f("allowed_acr"), "at least one level is required"));
        }
        let assumed_acr = match &self.assumed_acr {
            None => None,
            Some(a) => {
                let level = AcrLevel::parse(a).ok_or_else(|| {
                    err(
                        f("assumed_acr"),
                        format!("{a} is not eidas1, eidas2 or eidas3"),
                    )
                })?;
                if !allowed.contains(&level) {
                    return Err(err(f("assumed_acr"), "must be one of allowed_acr"));
                }
                Some(level)
            }
        };
        for (k, alg) in [
            (
                "id_token_signed_response_alg",
                Some(&self.id_token_signed_response_alg),
            ),
            (
                "userinfo_signed_response_alg",
                self.userinfo_signed_response_alg.as_ref(),
            ),
        ] {
            if let Some(a) = alg {
                if relais_oidc::JwsAlg::parse(a).is_none() {
                    return Err(err(f(k), format!("{a} is not ES256, RS256 or HS256")));
                }
            }
        }
        if self.client_id.is_empty() {
            return Err(err(f("client_id"), "must not be empty"));
        }
        let endpoints = match (discovered, &self.discovery_url) {
            (Some(e), _) => e,
            (None, Some(_)) => {
                return Err(err(
                    f("discovery_url"),
                    "discovery document could not be read",
                ))
            }
            (None, None) => {
                let need = |k: &str, v: &Option<String>| {
                    v.clone()
                        .ok_or_else(|| err(f(k), "required without discovery_url"))
                };
                IdpEndpoints {
                    issuer: need("issuer", &self.issuer)?,
                    authorization_endpoint: need(
                        "authorization_endpoint",
                        &self.authorization_endpoint,
                    )?,
                    token_endpoint: need("token_endpoint", &self.token_endpoint)?,
                    userinfo_endpoint: need("userinfo_endpoint", &self.userinfo_endpoint)?,
                    jwks_uri: need("jwks_uri", &self.jwks_uri)?,
                    end_session_endpoint: self.end_session_endpoint.clone(),
                }
            }
        };
        for (k, u) in [
            ("authorization_endpoint", &endpoints.authorization_endpoint),
            ("token_endpoint", &endpoints.token_endpoint),
            ("userinfo_endpoint", &endpoints.userinfo_endpoint),
            ("jwks_uri", &endpoints.jwks_uri),
        ] {
            check_url(&f(k), u, sandbox)?;
        }
        Ok(IdentityProvider {
            id: self.id.clone(),
            title: self.title.clone(),
            active: self.active,
            display: self.display,
            allowed_acr: allowed,
            amr: self.amr.clone(),
            discovery_url: self.discovery_url.clone(),
            end_session: self.end_session && endpoints.end_session_endpoint.is_some(),
            endpoints,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            id_token_signed_response_alg: self.id_token_signed_response_alg.clone(),
            userinfo_signed_response_alg: self.userinfo_signed_response_alg.clone(),
            timeout_ms: self.timeout_ms.clamp(100, 60_000),
            scopes: self.scopes.clone(),
            assumed_acr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_and_field_errors() {
        let env = vec![
            (
                "RELAIS__SERVER__PUBLIC_URL".to_owned(),
                "https://relais.example".to_owned(),
            ),
            ("RELAIS__SERVER__SANDBOX".to_owned(), "true".to_owned()),
            ("OTHER".to_owned(), "x".to_owned()),
        ];
        let cfg = load(None, env.into_iter()).unwrap_or_default();
        assert_eq!(cfg.server.public_url, "https://relais.example");
        assert!(cfg.server.sandbox);
        let bad = load(
            None,
            vec![("RELAIS__SERVER__NOPE".to_owned(), "1".to_owned())].into_iter(),
        );
        assert!(bad.is_err_and(|e| e.0.contains("nope")));
    }

    #[test]
    fn sp_validation_names_the_field() {
        let sp = SpConfig {
            client_id: "c".into(),
            client_secret: "0123456789abcdef".into(),
            name: "S".into(),
            entity_id: None,
            active: true,
            sp_type: SpType::Public,
            identity_consent: false,
            redirect_uris: vec!["http://sp.example/cb".into()],
            post_logout_redirect_uris: vec![],
            scopes: vec!["openid".into()],
            allowed_prompts: default_prompts(),
            amr_entitled: false,
            idp_hints: vec![],
            idp_allow: None,
            idp_deny: vec![],
            id_token_signed_response_alg: SigningAlg::ES256,
            userinfo_signed_response_alg: SigningAlg::ES256,
        };
        assert!(sp.to_domain(0, true).is_ok());
        let e = sp
            .to_domain(3, false)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert_eq!(
            e,
            "service_providers[3].redirect_uris[0]: must use https outside sandbox mode"
        );
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpConfig {
    pub id: String,
    pub title: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub checktoken_signed_response_alg: SigningAlg,
    /// `RSA-OAEP-256` or `ECDH-ES`; unset = signed only.
    pub checktoken_encrypted_response_alg: Option<String>,
    /// `A256GCM` (the only content encryption).
    pub checktoken_encrypted_response_enc: Option<String>,
    /// Inline public JWK (a TOML table or a JSON string).
    pub encryption_jwk: Option<toml::Value>,
    pub jwks_uri: Option<String>,
}

impl DpConfig {
    pub fn to_domain(&self, i: usize, sandbox: bool) -> Result<DataProvider, ConfigError> {
        let f = |k: &str| format!("data_providers[{i}].{k}");
        check_id(&f("id"), &self.id)?;
        check_id(&f("client_id"), &self.client_id)?;
        if self.client_secret.len() < 16 {
            return Err(err(f("client_secret"), "must be at least 16 characters"));
        }
        if self.title.trim().is_empty() {
            return Err(err(f("title"), "must not be empty"));
        }
        if self.scopes.is_empty() {
            return Err(err(f("scopes"), "at least one data scope is required"));
        }
        for s in &self.scopes {
            if relais_core::scope::claims_of_identity_scope(s).is_some() || s == "amr" {
                return Err(err(
                    f("scopes"),
                    format!("{s} is an identity scope, not a data scope"),
                ));
            }
        }
        if self.checktoken_signed_response_alg == SigningAlg::HS256 {
            return Err(err(
                f("checktoken_signed_response_alg"),
                "must be ES256 or RS256",
            ));
        }
        if let Some(enc) = &self.checktoken_encrypted_response_enc {
            if enc != "A256GCM" {
                return Err(err(
                    f("checktoken_encrypted_response_enc"),
                    "only A256GCM is supported",
                ));
            }
        }
        let encryption_jwk = match &self.encryption_jwk {
            None => None,
            Some(toml::Value::String(s)) => Some(
                serde_json::from_str(s)
                    .map_err(|e| err(f("encryption_jwk"), format!("not JSON: {e}")))?,
            ),
            Some(v) => Some(serde_json::to_value(v).map_err(|e| err(f("encryption_jwk"), e))?),
        };
        if let Some(alg) = &self.checktoken_encrypted_response_alg {
            let kty = match alg.as_str() {
                "RSA-OAEP-256" => "RSA",
                "ECDH-ES" => "EC",
                _ => {
                    return Err(err(
                        f("checktoken_encrypted_response_alg"),
                        "must be RSA-OAEP-256 or ECDH-ES",
                    ))
                }
            };
            match (&encryption_jwk, &self.jwks_uri) {
                (Some(jwk), _) => {
                    if jwk.get("kty").and_then(|v| v.as_str()) != Some(kty) {
                        return Err(err(
                            f("encryption_jwk"),
                            format!("must be an {kty} key for {alg}"),
                        ));
                    }
                }
                (None, Some(u)) => check_url(&f("jwks_uri"), u, sandbox)?,
                (None, None) => {
                    return Err(err(
                        f("encryption_jwk"),
                        "an inline key or jwks_uri is required for encryption",
                    ))
                }
            }
        }
        Ok(DataProvider {
            id: self.id.clone(),
            title: self.title.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scopes: self.scopes.clone(),
            active: self.active,
            checktoken_signed_response_alg: self.checktoken_signed_response_alg,
            checktoken_encrypted_response_alg: self.checktoken_encrypted_response_alg.clone(),
            encryption_jwk,
            jwks_uri: self.jwks_uri.clone(),
        })
    }
}
