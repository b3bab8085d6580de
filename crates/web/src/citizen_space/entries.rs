//! One line of a citizen's history, explained in plain words: a business
//! event (identifiers and claim *names* only) joined with the registry's
//! names of the service, the IdP and the data provider. The same entries
//! feed the page and the exports.

use crate::registry::Snapshot;
use relais_core::event::{BusinessEvent, EventKind};
use relais_core::scope::ScopeSet;
use relais_i18n::Locale;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A login that reached a service.
    Connection,
    /// A data provider answered a service about the citizen.
    DataExchange,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub kind: EntryKind,
    /// Unix milliseconds.
    pub time: i64,
    pub service_id: String,
    pub service: String,
    /// The IdP used (connections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<String>,
    /// The level of the login (connections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The data provider (data exchanges).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_provider: Option<String>,
    /// What was shared: claim names (connections) or data scopes (exchanges).
    pub shared: Vec<String>,
}

impl Entry {
    /// An entry for a history event; `None` for other kinds.
    pub fn from_event(e: &BusinessEvent, names: &Snapshot) -> Option<Entry> {
        let kind = if e.event == EventKind::DpVerifiedFcChecktoken.as_str() {
            EntryKind::DataExchange
        } else if EventKind::CITIZEN_HISTORY
            .iter()
            .any(|k| k.as_str() == e.event)
        {
            EntryKind::Connection
        } else {
            return None;
        };
        let service_id = e.sp_id.clone().unwrap_or_default();
        let service = names
            .sps
            .get(&service_id)
            .map(|s| s.name.clone())
            .or_else(|| e.sp_name.clone())
            .unwrap_or_else(|| service_id.clone());
        let words = |s: &Option<String>| -> Vec<String> {
            s.as_deref()
                .unwrap_or("")
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Some(match kind {
            EntryKind::Connection => Entry {
                kind,
                time: e.time,
                service_id,
                service,
                identity_provider: e.idp_id.as_ref().map(|id| {
                    names
                        .idp(id)
                        .map(|i| i.title.clone())
                        .unwrap_or_else(|| id.clone())
                }),
                level: e.sp_acr.as_deref().map(str::to_owned),
                data_provider: None,
                shared: words(&e.claims),
            },
            EntryKind::DataExchange => Entry {
                kind,
                time: e.time,
                service_id,
                service,
                identity_provider: None,
                level: None,
                data_provider: e.dp_id.as_ref().map(|id| {
                    names
                        .dps
                        .values()
                        .find(|d| d.id == *id)
                        .map(|d| d.title.clone())
                        .unwrap_or_else(|| id.clone())
                }),
                shared: ScopeSet::from_scopes(e.scopes.as_deref().unwrap_or("").split(' '))
                    .data_scopes()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            },
        })
    }

    /// The names of what was shared, in the citizen's language.
    pub fn shared_labels(&self, locale: Locale) -> Vec<String> {
        let prefix = match self.kind {
            EntryKind::Connection => "claim-",
            EntryKind::DataExchange => "scope-",
        };
        self.shared
            .iter()
            .map(|name| {
                let id = format!("{prefix}{name}");
                if relais_i18n::catalog::has(locale, &id) {
                    locale.text(&id).into_owned()
                } else {
                    name.clone()
                }
            })
            .collect()
    }

    /// The entry in one sentence.
    pub fn sentence(&self, locale: Locale) -> String {
        let when = locale.date_time(self.time);
        let shared = self.shared_labels(locale).join(", ");
        match self.kind {
            EntryKind::Connection if self.shared.is_empty() => locale.text_with(
                "space-entry-connection-anonymous",
                &[
                    ("when", &when),
                    ("service", &self.service),
                    ("idp", self.identity_provider.as_deref().unwrap_or("")),
                    ("level", self.level.as_deref().unwrap_or("")),
                ],
            ),
            EntryKind::Connection => locale.text_with(
                "space-entry-connection",
                &[
                    ("when", &when),
                    ("service", &self.service),
                    ("idp", self.identity_provider.as_deref().unwrap_or("")),
                    ("level", self.level.as_deref().unwrap_or("")),
                    ("shared", &shared),
                ],
            ),
            EntryKind::DataExchange => locale.text_with(
                "space-entry-data",
                &[
                    ("when", &when),
                    ("service", &self.service),
                    ("dp", self.data_provider.as_deref().unwrap_or("")),
                    ("shared", &shared),
                ],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_sentences_without_values() {
        let names = Snapshot::default();
        let mut e = BusinessEvent::new(EventKind::FcDatatransferConsentData, 1_796_196_600_000);
        e.sp_id = Some("cantine".into());
        e.sp_name = Some("Cantine de Belleville".into());
        e.idp_id = Some("impots".into());
        e.sp_acr = Some("eidas1".into());
        e.claims = Some("given_name family_name".into());
        let c = Entry::from_event(&e, &names).unwrap_or_else(|| panic!("a connection"));
        assert_eq!(c.kind, EntryKind::Connection);
        assert_eq!(
            c.sentence(Locale::En),
            "On 2 December 2026 at 08:30, you logged in to Cantine de Belleville with impots (level eidas1). Shared: Given name(s), Birth name."
        );
        let mut d = BusinessEvent::new(EventKind::DpVerifiedFcChecktoken, 1_796_196_600_000);
        d.sp_id = Some("cantine".into());
        d.dp_id = Some("caf".into());
        d.scopes = Some("openid cnaf_quotient_familial".into());
        let x = Entry::from_event(&d, &names).unwrap_or_else(|| panic!("an exchange"));
        assert_eq!(x.shared, vec!["cnaf_quotient_familial".to_owned()]);
        assert!(
            x.sentence(Locale::Fr).contains("Quotient familial"),
            "{}",
            x.sentence(Locale::Fr)
        );
        assert!(Entry::from_event(&BusinessEvent::new(EventKind::FcVerified, 0), &names).is_none());
    }
}
