//! Test citizens shared by every demo IdP (password `123`); what each one
//! shows is described in the Fluent files (`citizen-<login>`). Each IdP gives
//! them its own `sub`, so the federation must recognise the same person
//! across IdPs by identity alone. Some are deliberately broken and must be
//! refused by the federation's pivot-identity checks.

use serde_json::{json, Value};

pub struct Citizen {
    pub login: &'static str,
    /// Whether the federation must refuse this identity.
    pub broken: bool,
    pub claims: fn() -> Value,
}

pub const PASSWORD: &str = "123";

pub static CITIZENS: &[Citizen] = &[
    Citizen {
        login: "jean",
        broken: false,
        claims: || {
            json!({"given_name": "Jean", "family_name": "DUPONT", "birthdate": "1970-01-01", "gender": "male",
            "birthplace": "75107", "birthcountry": "99100", "email": "jean.dupont@example.fr"})
        },
    },
    Citizen {
        login: "angela",
        broken: false,
        claims: || {
            json!({"given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24",
            "gender": "female", "birthplace": "75107", "birthcountry": "99100", "email": "angela.dubois@example.fr"})
        },
    },
    Citizen {
        login: "marie",
        broken: false,
        claims: || {
            json!({"given_name": "Marie-Thérèse", "family_name": "MARTIN", "preferred_username": "LEROY",
            "birthdate": "1981-03-15", "gender": "female", "birthplace": "69123", "birthcountry": "99100",
            "email": "marie.leroy@example.fr"})
        },
    },
    Citizen {
        login: "pascal",
        broken: false,
        claims: || {
            json!({"given_name": "Pascal", "family_name": "ORSINI", "birthdate": "1975-07-02", "gender": "male",
            "birthplace": "2A004", "birthcountry": "99100", "email": "pascal.orsini@example.fr"})
        },
    },
    Citizen {
        login: "amina",
        broken: false,
        claims: || {
            json!({"given_name": "Amina", "family_name": "BENALI", "birthdate": "1990-11-30", "gender": "female",
            "birthplace": "", "birthcountry": "99350", "email": "amina.benali@example.fr"})
        },
    },
    Citizen {
        login: "louis",
        broken: false,
        claims: || {
            json!({"given_name": "Louis", "family_name": "BERNARD", "birthdate": "1950-00-00", "gender": "male",
            "birthplace": "13055", "birthcountry": "99100", "email": "louis.bernard@example.fr"})
        },
    },
    Citizen {
        login: "lucie",
        broken: false,
        claims: || {
            json!({"given_name": "Lucie", "family_name": "PETIT", "birthdate": "1985-06-00", "gender": "female",
            "birthplace": "59350", "birthcountry": "99100", "email": "lucie.petit@example.fr"})
        },
    },
    Citizen {
        login: "camille",
        broken: false,
        claims: || {
            json!({"given_name": "Camille", "family_name": "MOREAU", "birthdate": "1999-09-09", "gender": "unspecified",
            "birthplace": "33063", "birthcountry": "99100", "email": "camille.moreau@example.fr"})
        },
    },
    Citizen {
        login: "eloise",
        broken: false,
        claims: || {
            json!({"given_name": "Éloïse-Anaïs Zoé", "family_name": "ROUSSEAU-MÜLLER", "birthdate": "2001-02-28",
            "gender": "female", "birthplace": "67482", "birthcountry": "99100", "email": "eloise.rousseau@example.fr"})
        },
    },
    Citizen {
        login: "sans-genre",
        broken: true,
        claims: || {
            json!({"given_name": "Paul", "family_name": "SANSGENRE", "birthdate": "1980-01-01",
            "birthplace": "75107", "birthcountry": "99100", "email": "paul@example.fr"})
        },
    },
    Citizen {
        login: "mauvais-cog",
        broken: true,
        claims: || {
            json!({"given_name": "Paul", "family_name": "MAUVAISCOG", "birthdate": "1980-01-01", "gender": "male",
            "birthplace": "7510X", "birthcountry": "99100", "email": "paul@example.fr"})
        },
    },
    Citizen {
        login: "sans-email",
        broken: true,
        claims: || {
            json!({"given_name": "Paul", "family_name": "SANSEMAIL", "birthdate": "1980-01-01", "gender": "male",
            "birthplace": "75107", "birthcountry": "99100"})
        },
    },
    Citizen {
        login: "gaston",
        broken: true,
        claims: || {
            json!({"given_name": "Gaston", "family_name": "LEFEBVRE", "birthdate": "1931-04-12", "gender": "male",
            "birthplace": "75107", "birthcountry": "99100", "email": "gaston.lefebvre@example.fr"})
        },
    },
    Citizen {
        login: "dominique",
        broken: true,
        claims: || {
            json!({"given_name": "Dominique", "family_name": "GARNIER", "birthdate": "1960-00-00", "gender": "female",
            "birthplace": "69123", "birthcountry": "99100", "email": "dominique.garnier@example.fr"})
        },
    },
    Citizen {
        login: "claude",
        broken: true,
        claims: || {
            json!({"given_name": "Claude", "family_name": "INCONNU", "birthdate": "1977-05-05", "gender": "male",
            "birthplace": "75107", "birthcountry": "99100", "email": "claude.inconnu@example.fr"})
        },
    },
    Citizen {
        login: "registre-lent",
        broken: true,
        claims: || {
            json!({"given_name": "Hugo", "family_name": "LENTEUR", "birthdate": "1988-08-08", "gender": "male",
            "birthplace": "75107", "birthcountry": "99100", "email": "hugo.lenteur@example.fr"})
        },
    },
    Citizen {
        login: "registre-panne",
        broken: true,
        claims: || {
            json!({"given_name": "Inès", "family_name": "PANNE", "birthdate": "1992-02-02", "gender": "female",
            "birthplace": "75107", "birthcountry": "99100", "email": "ines.panne@example.fr"})
        },
    },
];

pub fn find(login: &str) -> Option<&'static Citizen> {
    CITIZENS.iter().find(|c| c.login == login)
}

#[cfg(test)]
mod tests {
    use super::*;
    use relais_i18n::{catalog, Locale};

    /// The demo's home and its IdPs' login form describe every citizen in
    /// both languages; a missing description showed its message id and
    /// logged an error on every view of the form.
    #[test]
    fn every_citizen_is_described_in_both_languages() {
        let missing: Vec<String> = CITIZENS
            .iter()
            .flat_map(|c| [Locale::Fr, Locale::En].map(|l| (l, c.login)))
            .filter(|(l, login)| !catalog::has(*l, &format!("citizen-{login}")))
            .map(|(l, login)| format!("{}: citizen-{login}", l.code()))
            .collect();
        assert!(missing.is_empty(), "no description: {missing:?}");
    }
}
