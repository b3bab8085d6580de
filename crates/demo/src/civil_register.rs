//! The demo's civil register: a small table standing in for the national
//! register (RNIPP). It holds the demo citizens as a register writes them
//! (names in capitals, presumed dates as such), a deceased person, two
//! persons with the same identity, and leaves one demo citizen out; two
//! more stand for a register that answers too late or not at all. The
//! matching is a register's: family name, sex, place and date of birth
//! (a presumed date admits the full ones), then the first given name.

use relais_core::civil_register::{RegisterAnswer, RegisterRecord};
use relais_core::pivot::{BirthDate, Gender, PivotIdentity};
use std::time::Duration;

/// (given names, family name, birth date, sex, birthplace, country, deceased)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Gender,
    &'static str,
    &'static str,
    bool,
);

const TABLE: &[Row] = &[
    (
        "JEAN",
        "DUPONT",
        "1970-01-01",
        Gender::Male,
        "75107",
        "99100",
        false,
    ),
    (
        "ANGELA CLAIRE LOUISE",
        "DUBOIS",
        "1962-08-24",
        Gender::Female,
        "75107",
        "99100",
        false,
    ),
    (
        "MARIE-THÉRÈSE",
        "MARTIN",
        "1981-03-15",
        Gender::Female,
        "69123",
        "99100",
        false,
    ),
    (
        "PASCAL",
        "ORSINI",
        "1975-07-02",
        Gender::Male,
        "2A004",
        "99100",
        false,
    ),
    (
        "AMINA",
        "BENALI",
        "1990-11-30",
        Gender::Female,
        "",
        "99350",
        false,
    ),
    (
        "LOUIS",
        "BERNARD",
        "1950-00-00",
        Gender::Male,
        "13055",
        "99100",
        false,
    ),
    (
        "LUCIE",
        "PETIT",
        "1985-06-00",
        Gender::Female,
        "59350",
        "99100",
        false,
    ),
    (
        "CAMILLE",
        "MOREAU",
        "1999-09-09",
        Gender::Unspecified,
        "33063",
        "99100",
        false,
    ),
    (
        "ÉLOÏSE-ANAÏS ZOÉ",
        "ROUSSEAU-MÜLLER",
        "2001-02-28",
        Gender::Female,
        "67482",
        "99100",
        false,
    ),
    (
        "GASTON",
        "LEFEBVRE",
        "1931-04-12",
        Gender::Male,
        "75107",
        "99100",
        true,
    ),
    (
        "DOMINIQUE",
        "GARNIER",
        "1960-03-01",
        Gender::Female,
        "69123",
        "99100",
        false,
    ),
    (
        "DOMINIQUE",
        "GARNIER",
        "1960-11-20",
        Gender::Female,
        "69123",
        "99100",
        false,
    ),
    (
        "HUGO",
        "LENTEUR",
        "1988-08-08",
        Gender::Male,
        "75107",
        "99100",
        false,
    ),
    (
        "INÈS",
        "PANNE",
        "1992-02-02",
        Gender::Female,
        "75107",
        "99100",
        false,
    ),
];

/// How long the register takes for the "slow register" demo citizen.
pub const SLOW: Duration = Duration::from_secs(30);

/// How the register behaves for an identity: the demo keeps one person
/// for each way a register service fails.
pub enum Behaviour {
    Answers,
    /// Answers after [`SLOW`].
    Slow,
    /// Is unavailable.
    Down,
}

pub fn behaviour(identity: &PivotIdentity) -> Behaviour {
    match identity.family_name.as_str() {
        "LENTEUR" => Behaviour::Slow,
        "PANNE" => Behaviour::Down,
        _ => Behaviour::Answers,
    }
}

pub struct DemoRegister;

fn first_name(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_lowercase()
}

/// The table's rows as records, parsed once: every demo login asks the
/// register (`relais bench` included), and parsing the whole table per
/// question cost some fifty allocations a login.
static RECORDS: std::sync::LazyLock<Vec<RegisterRecord>> =
    std::sync::LazyLock::new(|| TABLE.iter().filter_map(record).collect());

fn record(row: &Row) -> Option<RegisterRecord> {
    Some(RegisterRecord {
        given_name: row.0.to_owned(),
        family_name: row.1.to_owned(),
        birthdate: BirthDate::parse(row.2)?,
        gender: row.3,
        birthplace: row.4.to_owned(),
        birthcountry: row.5.to_owned(),
        deceased: row.6,
    })
}

impl DemoRegister {
    /// The register's answer, as a national register would give it.
    pub fn answer(identity: &PivotIdentity) -> RegisterAnswer {
        let same_person = |r: &RegisterRecord| {
            r.family_name.eq_ignore_ascii_case(&identity.family_name)
                && r.gender == identity.gender
                && r.birthplace == identity.birthplace
                && r.birthcountry == identity.birthcountry
                && (identity.birthdate.admits(r.birthdate)
                    || r.birthdate.admits(identity.birthdate))
        };
        let echoes: Vec<&RegisterRecord> = RECORDS.iter().filter(|r| same_person(r)).collect();
        let given = first_name(&identity.given_name);
        let close: Vec<&RegisterRecord> = echoes
            .iter()
            .copied()
            .filter(|r| first_name(&r.given_name) == given)
            .collect();
        match (close.as_slice(), echoes.len()) {
            ([one], _) => RegisterAnswer::Found((*one).clone()),
            ([], 0) => RegisterAnswer::Unknown,
            ([], _) => RegisterAnswer::NotCloseEnough,
            _ => RegisterAnswer::Ambiguous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::Platform;

    fn citizen(login: &str) -> PivotIdentity {
        let c = crate::citizens::find(login).unwrap_or_else(|| panic!("{login}"));
        PivotIdentity::from_claims(
            &(c.claims)().as_object().cloned().unwrap_or_default(),
            Platform::Standard,
        )
        .unwrap_or_else(|e| panic!("{login}: {e}"))
    }

    #[test]
    fn every_row_of_the_table_is_a_record() {
        assert_eq!(RECORDS.len(), TABLE.len());
    }

    #[test]
    fn every_valid_demo_citizen_is_found_and_the_others_are_not() {
        for c in crate::citizens::CITIZENS.iter().filter(|c| !c.broken) {
            assert!(
                matches!(
                    DemoRegister::answer(&citizen(c.login)),
                    RegisterAnswer::Found(_)
                ),
                "{}",
                c.login
            );
        }
        assert_eq!(
            DemoRegister::answer(&citizen("claude")),
            RegisterAnswer::Unknown
        );
        assert_eq!(
            DemoRegister::answer(&citizen("dominique")),
            RegisterAnswer::Ambiguous
        );
        assert!(
            matches!(DemoRegister::answer(&citizen("gaston")), RegisterAnswer::Found(r) if r.deceased)
        );
        let mut other_first_name = citizen("jean");
        other_first_name.given_name = "Jacques".into();
        assert_eq!(
            DemoRegister::answer(&other_first_name),
            RegisterAnswer::NotCloseEnough
        );
    }
}
