//! The node's TOML configuration and its environment overrides.
//!
//! Text becomes typed values in two steps: serde reads the file into the
//! section structs of this module tree (unknown keys refused), then each
//! partner entry's `to_domain` turns it into a domain value and checks it
//! with the rules of `relais_core::registration` — the same rules the
//! registry applies to documents re-read from the store. Every error names
//! the field and says why, and the node refuses to start on any of them.
//!
//! Environment variables `RELAIS__SECTION__KEY=value` override any key
//! (`RELAIS__SERVER__PUBLIC_URL`, `RELAIS__SECRETS__MASTER_KEY`…).

mod citizen;
mod data_provider;
mod error;
mod identity_provider;
mod jose_fields;
mod limits;
pub mod partners;
mod server;
mod service_provider;
mod ui;

pub use citizen::{CivilRegisterConfig, MailConfig, RegisterMode, RetentionConfig};
pub use data_provider::DpConfig;
use error::err;
pub use error::ConfigError;
pub use identity_provider::IdpConfig;
pub use limits::{BudgetConfig, LimitsConfig};
pub use server::{EventsConfig, SecretsConfig, ServerConfig, StorageConfig};
pub use service_provider::SpConfig;
pub use ui::UiConfig;

use serde::Deserialize;

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
    pub limits: LimitsConfig,
    #[serde(default)]
    pub retention: RetentionConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub civil_register: CivilRegisterConfig,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub partners: partners::PartnersConfig,
    #[serde(default)]
    pub admin: partners::AdminConfig,
    #[serde(default)]
    pub service_providers: Vec<SpConfig>,
    #[serde(default)]
    pub identity_providers: Vec<IdpConfig>,
    #[serde(default)]
    pub data_providers: Vec<DpConfig>,
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
    cfg.retention.check().map_err(ConfigError)?;
    cfg.ui.check().map_err(ConfigError)?;
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
        // A list, written as in the file (`["10.0.0.1", "10.0.0.2"]`): the
        // trusted proxies of a container that has no configuration file.
        // Anything else that starts with `[` (an IPv6 address, `[::1]:8000`)
        // stays text, and a key that wants a list refuses it, named.
        _ if raw.trim_start().starts_with('[') => {
            toml::from_str::<toml::Table>(&format!("v = {raw}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .filter(toml::Value::is_array)
                .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
        }
        _ => raw
            .parse::<i64>()
            .map(toml::Value::Integer)
            .unwrap_or_else(|_| toml::Value::String(raw.to_owned())),
    };
    t.insert(last.clone(), parsed);
    Ok(())
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
    fn env_lists_are_written_as_in_the_file() {
        let env = vec![(
            "RELAIS__LIMITS__TRUSTED_PROXIES".to_owned(),
            r#"["10.0.0.1", "10.0.0.2"]"#.to_owned(),
        )];
        let cfg = load(None, env.into_iter()).unwrap_or_default();
        assert_eq!(cfg.limits.trusted_proxies, ["10.0.0.1", "10.0.0.2"]);
        let bad = load(
            None,
            vec![(
                "RELAIS__LIMITS__TRUSTED_PROXIES".to_owned(),
                "[10.0.0.1".to_owned(),
            )]
            .into_iter(),
        );
        assert!(
            bad.as_ref().is_err_and(|e| e.0.contains("trusted_proxies")),
            "a broken list is refused, named: {bad:?}"
        );
        let text = load(
            None,
            vec![("RELAIS__SERVER__LISTEN".to_owned(), "[::1]:8000".to_owned())].into_iter(),
        )
        .unwrap_or_default();
        assert_eq!(
            text.server.listen, "[::1]:8000",
            "text that starts with [ stays text"
        );
    }
}
