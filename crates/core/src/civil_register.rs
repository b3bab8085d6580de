//! The national register check (FranceConnect's RNIPP call): after the IdP
//! and before consent, on the Standard platform, the identity is looked up
//! in the civil register. What the register answers is turned into a
//! verdict here, without I/O: the register's identity replaces the IdP's
//! (presumed dates completed to the 1st, given names normalised, the IdP's
//! date kept as `idp_birthdate` when it differs), and unknown, ambiguous or
//! deceased persons are refused, each with its own code. The register
//! itself (a service, with timeouts and outages) is `relais_web`'s
//! `CivilRegister`.

use crate::error::ErrorCode;
use crate::pivot::{BirthDate, Gender, PivotIdentity};
use serde::Deserialize;

/// A person as the register knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRecord {
    pub given_name: String,
    pub family_name: String,
    pub birthdate: BirthDate,
    pub gender: Gender,
    pub birthplace: String,
    pub birthcountry: String,
    pub deceased: bool,
}

/// What the register answered for an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterAnswer {
    /// Exactly one person.
    Found(RegisterRecord),
    /// One person, but too far from the identity to be them.
    NotCloseEnough,
    /// Several persons.
    Ambiguous,
    /// Nobody.
    Unknown,
}

/// What happens when the register cannot answer (timeout, outage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OutagePolicy {
    /// No login with an unchecked identity (the default).
    #[default]
    Refuse,
    /// The IdP's identity goes through unchecked, and an event says so.
    Degrade,
}

/// "  jean-pierre   MARIE " → "Jean-Pierre Marie".
pub fn normalise_given_name(s: &str) -> String {
    s.split_whitespace()
        .map(|word| {
            word.split('-')
                .map(|part| {
                    let mut chars = part.chars();
                    match chars.next() {
                        Some(first) => first
                            .to_uppercase()
                            .chain(chars.flat_map(char::to_lowercase))
                            .collect(),
                        None => String::new(),
                    }
                })
                .collect::<Vec<String>>()
                .join("-")
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// The identity the federation goes on with, or the refusal.
pub fn verdict(
    identity: &PivotIdentity,
    answer: RegisterAnswer,
) -> Result<PivotIdentity, ErrorCode> {
    let record = match answer {
        RegisterAnswer::Found(r) => r,
        RegisterAnswer::NotCloseEnough => return Err(ErrorCode::RegisterNoMatchClose),
        RegisterAnswer::Ambiguous => return Err(ErrorCode::RegisterAmbiguous),
        RegisterAnswer::Unknown => return Err(ErrorCode::RegisterUnknown),
    };
    if record.deceased {
        return Err(ErrorCode::RegisterDeceased);
    }
    let birthdate = record.birthdate.completed();
    Ok(PivotIdentity {
        given_name: normalise_given_name(&record.given_name),
        family_name: record.family_name.trim().to_uppercase(),
        birthdate,
        gender: record.gender,
        birthplace: record.birthplace,
        birthcountry: record.birthcountry,
        email: identity.email.clone(),
        preferred_username: identity.preferred_username.clone(),
        idp_birthdate: (identity.birthdate != birthdate).then_some(identity.birthdate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acr::Platform;
    use serde_json::json;

    fn identity(birthdate: &str) -> PivotIdentity {
        let v = json!({"given_name":"jean  pierre","family_name":"Dupont","birthdate":birthdate,
            "gender":"male","birthplace":"75107","birthcountry":"99100","email":"j@d.fr"});
        PivotIdentity::from_claims(
            &v.as_object().cloned().unwrap_or_default(),
            Platform::Standard,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn record(birthdate: &str, deceased: bool) -> RegisterRecord {
        RegisterRecord {
            given_name: "JEAN-PIERRE   paul".into(),
            family_name: "Dupont".into(),
            birthdate: BirthDate::parse(birthdate).unwrap_or_else(|| panic!("date")),
            gender: Gender::Male,
            birthplace: "75107".into(),
            birthcountry: "99100".into(),
            deceased,
        }
    }

    #[test]
    fn the_register_corrects_the_identity() {
        let id = identity("1970-00-00");
        let fixed = verdict(&id, RegisterAnswer::Found(record("1970-00-00", false)))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(fixed.birthdate.as_claim(), "1970-01-01");
        assert_eq!(
            fixed.idp_birthdate.map(|d| d.as_claim()).as_deref(),
            Some("1970-00-00")
        );
        assert_eq!(fixed.given_name, "Jean-Pierre Paul");
        assert_eq!(fixed.family_name, "DUPONT");
        assert_eq!(fixed.email, "j@d.fr");
        let same = verdict(
            &identity("1970-03-04"),
            RegisterAnswer::Found(record("1970-03-04", false)),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(same.idp_birthdate, None, "nothing corrected, nothing kept");
    }

    #[test]
    fn each_refusal_has_its_code() {
        let id = identity("1970-03-04");
        assert_eq!(
            verdict(&id, RegisterAnswer::Unknown),
            Err(ErrorCode::RegisterUnknown)
        );
        assert_eq!(
            verdict(&id, RegisterAnswer::Ambiguous),
            Err(ErrorCode::RegisterAmbiguous)
        );
        assert_eq!(
            verdict(&id, RegisterAnswer::NotCloseEnough),
            Err(ErrorCode::RegisterNoMatchClose)
        );
        assert_eq!(
            verdict(&id, RegisterAnswer::Found(record("1970-03-04", true))),
            Err(ErrorCode::RegisterDeceased)
        );
    }
}
