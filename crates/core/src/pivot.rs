//! The pivot identity: the identity every IdP must deliver, validated
//! strictly before anything is stored or shown (docs/design.md §3). Parsing produces
//! a [`PivotIdentity`] whose fields are known to be well formed, so no code
//! after the IdP callback ever re-checks them.

use crate::acr::Platform;
use crate::scope::Claim;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

pub use crate::birth_date::BirthDate;

pub const FRANCE_COG: &str = "99100";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
    Unspecified,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Unspecified => "unspecified",
        }
    }
}

/// Why an identity was refused. Names the field, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PivotError {
    pub field: &'static str,
    pub reason: &'static str,
}

impl fmt::Display for PivotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// A validated identity as delivered by an IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PivotIdentity {
    pub given_name: String,
    pub family_name: String,
    pub birthdate: BirthDate,
    pub gender: Gender,
    /// COG commune code when born in France, empty otherwise.
    pub birthplace: String,
    pub birthcountry: String,
    pub email: String,
    pub preferred_username: Option<String>,
    /// The birth date as the IdP gave it, when the civil register corrected
    /// it (the `idp_birthdate` claim).
    /// (Always written, even when absent: records of the login are
    /// positional, crates/web/src/compact.rs.)
    #[serde(default)]
    pub idp_birthdate: Option<BirthDate>,
}

fn text<'a>(m: &'a Map<String, Value>, field: &'static str) -> Result<Option<&'a str>, PivotError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(PivotError {
            field,
            reason: "must be a string",
        }),
    }
}

fn name(m: &Map<String, Value>, field: &'static str) -> Result<String, PivotError> {
    let v = text(m, field)?.ok_or(PivotError {
        field,
        reason: "missing",
    })?;
    let len = v.chars().count();
    if len == 0 || len > 256 || v.trim().is_empty() {
        return Err(PivotError {
            field,
            reason: "must be 1 to 256 characters",
        });
    }
    if v.chars().any(char::is_control) {
        return Err(PivotError {
            field,
            reason: "contains control characters",
        });
    }
    Ok(v.to_owned())
}

fn is_commune_code(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 5 || !b[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    matches!(&s[..2], "2A" | "2B") || b[..2].iter().all(u8::is_ascii_digit)
}

impl PivotIdentity {
    /// Validates the claims of an IdP's userinfo answer.
    pub fn from_claims(m: &Map<String, Value>, platform: Platform) -> Result<Self, PivotError> {
        let given_name = name(m, "given_name")?;
        let family_name = name(m, "family_name")?;
        let birthdate = text(m, "birthdate")?
            .and_then(BirthDate::parse)
            .ok_or(PivotError {
                field: "birthdate",
                reason: "must be YYYY-MM-DD or a presumed date",
            })?;
        let gender = match text(m, "gender")? {
            Some("male") => Gender::Male,
            Some("female") => Gender::Female,
            Some("unspecified") if platform == Platform::Standard => Gender::Unspecified,
            Some(_) => {
                return Err(PivotError {
                    field: "gender",
                    reason: "not an allowed value",
                })
            }
            None => {
                return Err(PivotError {
                    field: "gender",
                    reason: "missing",
                })
            }
        };
        let birthcountry = text(m, "birthcountry")?
            .filter(|c| {
                c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit()) && c.starts_with("99")
            })
            .ok_or(PivotError {
                field: "birthcountry",
                reason: "must be a 5-digit COG country code",
            })?
            .to_owned();
        let birthplace = text(m, "birthplace")?.unwrap_or("");
        if birthcountry == FRANCE_COG {
            if !is_commune_code(birthplace) {
                return Err(PivotError {
                    field: "birthplace",
                    reason: "must be a COG commune code when born in France",
                });
            }
        } else if !birthplace.is_empty() {
            return Err(PivotError {
                field: "birthplace",
                reason: "must be empty when born abroad",
            });
        }
        let email = text(m, "email")?
            .filter(|e| {
                let mut parts = e.split('@');
                let local = parts.next().unwrap_or("");
                let domain = parts.next().unwrap_or("");
                e.len() <= 256
                    && !local.is_empty()
                    && !domain.is_empty()
                    && parts.next().is_none()
                    && !e.chars().any(|c| c.is_whitespace() || c.is_control())
            })
            .ok_or(PivotError {
                field: "email",
                reason: "missing or not an address",
            })?
            .to_owned();
        let preferred_username = match text(m, "preferred_username")? {
            None | Some("") => None,
            Some(_) => Some(name(m, "preferred_username")?),
        };
        Ok(PivotIdentity {
            given_name,
            family_name,
            birthdate,
            gender,
            birthplace: birthplace.to_owned(),
            birthcountry,
            email,
            preferred_username,
            idp_birthdate: None,
        })
    }

    pub fn born_in_france(&self) -> bool {
        self.birthcountry == FRANCE_COG
    }

    /// The value of one claim, as sent to a service.
    pub fn claim_value(&self, claim: Claim) -> Option<Value> {
        Some(Value::String(match claim {
            Claim::GivenName => self.given_name.clone(),
            Claim::FamilyName => self.family_name.clone(),
            Claim::Birthdate => self.birthdate.as_claim(),
            Claim::IdpBirthdate => self.idp_birthdate.unwrap_or(self.birthdate).as_claim(),
            Claim::Gender => self.gender.as_str().to_owned(),
            Claim::Birthplace => self.birthplace.clone(),
            Claim::Birthcountry => self.birthcountry.clone(),
            Claim::Email => self.email.clone(),
            Claim::PreferredUsername => self.preferred_username.clone()?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Map<String, Value> {
        match json!({
            "given_name": "Angela Claire Louise", "family_name": "DUBOIS",
            "birthdate": "1962-08-24", "gender": "female", "birthplace": "75107",
            "birthcountry": "99100", "email": "angela@example.fr"
        }) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn with(k: &str, v: Value) -> Map<String, Value> {
        let mut m = base();
        if v.is_null() {
            m.remove(k);
        } else {
            m.insert(k.to_owned(), v);
        }
        m
    }

    fn field_refused(k: &str, v: Value) -> &'static str {
        match PivotIdentity::from_claims(&with(k, v), Platform::Standard) {
            Err(e) => e.field,
            Ok(_) => "accepted",
        }
    }

    #[test]
    fn refusals() {
        assert_eq!(field_refused("gender", Value::Null), "gender");
        assert_eq!(field_refused("gender", json!("other")), "gender");
        assert_eq!(field_refused("birthplace", json!("7510")), "birthplace");
        assert_eq!(field_refused("birthplace", json!("2C001")), "birthplace");
        assert_eq!(field_refused("birthplace", json!("")), "birthplace");
        assert_eq!(field_refused("birthcountry", json!("100")), "birthcountry");
        assert_eq!(
            field_refused("birthcountry", json!("12345")),
            "birthcountry"
        );
        assert_eq!(field_refused("birthdate", json!("24/08/1962")), "birthdate");
        assert_eq!(field_refused("birthdate", json!("1962-02-30")), "birthdate");
        assert_eq!(field_refused("birthdate", json!("1962-00-12")), "birthdate");
        assert_eq!(field_refused("given_name", json!("")), "given_name");
        assert_eq!(
            field_refused("family_name", json!("x".repeat(257))),
            "family_name"
        );
        assert_eq!(field_refused("email", Value::Null), "email");
        assert_eq!(field_refused("email", json!("not-an-address")), "email");
        assert_eq!(field_refused("given_name", json!(42)), "given_name");
    }

    #[test]
    fn acceptances() {
        for (k, v) in [
            ("birthdate", json!("1962-08-00")),
            ("birthdate", json!("1962-00-00")),
            ("birthdate", json!("2000-02-29")),
            ("birthplace", json!("2A004")),
            ("birthplace", json!("2B033")),
            ("given_name", json!("Éloïse-Marie Anaïs")),
            ("gender", json!("unspecified")),
        ] {
            assert_eq!(field_refused(k, v.clone()), "accepted", "{k}={v}");
        }
        let mut abroad = base();
        abroad.insert("birthcountry".into(), json!("99217"));
        abroad.insert("birthplace".into(), json!(""));
        assert!(PivotIdentity::from_claims(&abroad, Platform::Standard).is_ok());
        abroad.remove("birthplace");
        assert!(PivotIdentity::from_claims(&abroad, Platform::Standard).is_ok());
    }

    #[test]
    fn unspecified_gender_refused_on_plus() {
        let m = with("gender", json!("unspecified"));
        assert!(PivotIdentity::from_claims(&m, Platform::Plus).is_err());
    }
}
