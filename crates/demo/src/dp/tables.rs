//! The demo data providers' records, keyed by the pivot identity the
//! federation sends in its checktoken answer (names and birth date).

use serde_json::{json, Value};

pub struct Record {
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub birthdate: &'static str,
    /// Fields per data scope.
    pub data: fn(&str) -> Option<Value>,
}

pub static CAF: &[Record] = &[
    Record {
        given_name: "Jean",
        family_name: "DUPONT",
        birthdate: "1970-01-01",
        data: |s| {
            (s == "cnaf_quotient_familial").then(|| json!({"quotient_familial": 612, "allocataire": "7654321", "mois_reference": "2026-10"}))
        },
    },
    Record {
        given_name: "Angela Claire Louise",
        family_name: "DUBOIS",
        birthdate: "1962-08-24",
        data: |s| {
            (s == "cnaf_quotient_familial").then(|| json!({"quotient_familial": 1240, "allocataire": "1234567", "mois_reference": "2026-10"}))
        },
    },
    Record {
        given_name: "Marie-Thérèse",
        family_name: "MARTIN",
        birthdate: "1981-03-15",
        data: |s| {
            (s == "cnaf_quotient_familial").then(|| json!({"quotient_familial": 380, "allocataire": "2468024", "mois_reference": "2026-10"}))
        },
    },
    Record {
        given_name: "Pascal",
        family_name: "ORSINI",
        birthdate: "1975-07-02",
        data: |s| {
            (s == "cnaf_quotient_familial").then(|| json!({"quotient_familial": 905, "allocataire": "1357913", "mois_reference": "2026-10"}))
        },
    },
    Record {
        given_name: "Amina",
        family_name: "BENALI",
        birthdate: "1990-11-30",
        data: |s| {
            (s == "cnaf_quotient_familial").then(|| json!({"quotient_familial": 455, "allocataire": "9753197", "mois_reference": "2026-10"}))
        },
    },
];

pub static DGFIP: &[Record] = &[
    Record {
        given_name: "Jean",
        family_name: "DUPONT",
        birthdate: "1970-01-01",
        data: |s| match s {
            "dgfip_rfr" => Some(json!({"revenu_fiscal_reference": 28450, "annee_revenus": 2025})),
            "dgfip_nbpart" => Some(json!({"nombre_parts": 2.0, "annee_revenus": 2025})),
            _ => None,
        },
    },
    Record {
        given_name: "Angela Claire Louise",
        family_name: "DUBOIS",
        birthdate: "1962-08-24",
        data: |s| match s {
            "dgfip_rfr" => Some(json!({"revenu_fiscal_reference": 54300, "annee_revenus": 2025})),
            "dgfip_nbpart" => Some(json!({"nombre_parts": 1.5, "annee_revenus": 2025})),
            _ => None,
        },
    },
    Record {
        given_name: "Marie-Thérèse",
        family_name: "MARTIN",
        birthdate: "1981-03-15",
        data: |s| match s {
            "dgfip_rfr" => Some(json!({"revenu_fiscal_reference": 15900, "annee_revenus": 2025})),
            "dgfip_nbpart" => Some(json!({"nombre_parts": 3.0, "annee_revenus": 2025})),
            _ => None,
        },
    },
];

pub static FRANCE_TRAVAIL: &[Record] = &[
    Record {
        given_name: "Amina",
        family_name: "BENALI",
        birthdate: "1990-11-30",
        data: |s| {
            (s == "francetravail_statut")
                .then(|| json!({"inscrit": true, "depuis": "2026-03-02", "categorie": "A"}))
        },
    },
    Record {
        given_name: "Louis",
        family_name: "BERNARD",
        birthdate: "1950-00-00",
        data: |s| (s == "francetravail_statut").then(|| json!({"inscrit": false})),
    },
];

pub static ETUDIANT: &[Record] = &[
    Record {
        given_name: "Éloïse-Anaïs Zoé",
        family_name: "ROUSSEAU-MÜLLER",
        birthdate: "2001-02-28",
        data: |s| match s {
            "mesri_statut_etudiant" => Some(
                json!({"inscrit": true, "etablissement": "Université de Strasbourg", "annee_universitaire": "2026-2027"}),
            ),
            "cnous_statut_boursier" => Some(json!({"boursier": true, "echelon": 4})),
            _ => None,
        },
    },
    Record {
        given_name: "Camille",
        family_name: "MOREAU",
        birthdate: "1999-09-09",
        data: |s| match s {
            "mesri_statut_etudiant" => Some(
                json!({"inscrit": true, "etablissement": "Université de Bordeaux", "annee_universitaire": "2026-2027"}),
            ),
            "cnous_statut_boursier" => Some(json!({"boursier": false})),
            _ => None,
        },
    },
];

/// The record of the person named in a checktoken answer.
pub fn find<'a>(
    table: &'a [Record],
    identity: &serde_json::Map<String, Value>,
) -> Option<&'a Record> {
    let get = |k: &str| identity.get(k).and_then(Value::as_str).unwrap_or("");
    table.iter().find(|r| {
        r.given_name == get("given_name")
            && r.family_name == get("family_name")
            && r.birthdate == get("birthdate")
    })
}
