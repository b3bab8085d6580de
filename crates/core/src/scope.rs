//! Scopes a service asks for and the identity claims they release
//! (docs/design.md §5). Data scopes only authorise data-provider access: Relais never
//! fills them itself.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One identity claim of the pivot identity (plus `email` and usage name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    GivenName,
    FamilyName,
    Birthdate,
    Gender,
    Birthplace,
    Birthcountry,
    Email,
    PreferredUsername,
    /// `birthdate` as the IdP gave it, presumed dates kept (Standard only).
    IdpBirthdate,
}

impl Claim {
    pub const ALL: [Claim; 9] = [
        Claim::GivenName,
        Claim::FamilyName,
        Claim::Birthdate,
        Claim::Gender,
        Claim::Birthplace,
        Claim::Birthcountry,
        Claim::Email,
        Claim::PreferredUsername,
        Claim::IdpBirthdate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Claim::GivenName => "given_name",
            Claim::FamilyName => "family_name",
            Claim::Birthdate => "birthdate",
            Claim::Gender => "gender",
            Claim::Birthplace => "birthplace",
            Claim::Birthcountry => "birthcountry",
            Claim::Email => "email",
            Claim::PreferredUsername => "preferred_username",
            Claim::IdpBirthdate => "idp_birthdate",
        }
    }
}

/// Identity scopes and the claims each releases.
pub fn claims_of_identity_scope(scope: &str) -> Option<&'static [Claim]> {
    use Claim::*;
    Some(match scope {
        "openid" => &[],
        "given_name" => &[GivenName],
        "family_name" => &[FamilyName],
        "birthdate" => &[Birthdate],
        "gender" => &[Gender],
        "birthplace" => &[Birthplace],
        "birthcountry" => &[Birthcountry],
        "email" => &[Email],
        "preferred_username" => &[PreferredUsername],
        "profile" => &[GivenName, FamilyName, Birthdate, Gender, PreferredUsername],
        "birth" => &[Birthplace, Birthcountry],
        "identite_pivot" => &[
            GivenName,
            FamilyName,
            Birthdate,
            Gender,
            Birthplace,
            Birthcountry,
        ],
        "idp_birthdate" => &[IdpBirthdate],
        _ => return None,
    })
}

/// Every identity scope, in the order discovery lists them.
pub const IDENTITY_SCOPES: &[&str] = &[
    "openid",
    "given_name",
    "family_name",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
    "preferred_username",
    "profile",
    "birth",
    "identite_pivot",
    "idp_birthdate",
];

/// Scopes that are not identity scopes but are known to the federation.
pub const KNOWN_SPECIAL_SCOPES: &[&str] = &["amr"];

/// Data scopes of the well-known data providers (a DP registry adds more).
pub const KNOWN_DATA_SCOPES: &[&str] = &[
    "cnaf_quotient_familial",
    "dgfip_rfr",
    "dgfip_nbpart",
    "cnous_statut_boursier",
    "francetravail_statut",
    "mesri_statut_etudiant",
];

pub fn is_known_scope(scope: &str) -> bool {
    claims_of_identity_scope(scope).is_some()
        || KNOWN_SPECIAL_SCOPES.contains(&scope)
        || KNOWN_DATA_SCOPES.contains(&scope)
}

/// Scopes written as OAuth writes them, separated by single spaces, in one
/// allocation of the right size (every login event carries a scope string).
pub fn spaced<'a>(scopes: impl Iterator<Item = &'a str> + Clone) -> String {
    let len = scopes.clone().map(|s| s.len() + 1).sum::<usize>();
    let mut out = String::with_capacity(len.saturating_sub(1));
    for (i, scope) in scopes.enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(scope);
    }
    out
}

/// A deduplicated, ordered set of granted scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeSet(BTreeSet<String>);

impl ScopeSet {
    pub fn from_scopes<'a>(scopes: impl IntoIterator<Item = &'a str>) -> Self {
        ScopeSet(scopes.into_iter().map(str::to_owned).collect())
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Space-separated, as in OAuth.
    pub fn to_oauth_string(&self) -> String {
        spaced(self.0.iter().map(String::as_str))
    }

    /// Identity claims released by these scopes, each once, in a stable order.
    pub fn claims(&self) -> Vec<Claim> {
        let set: BTreeSet<Claim> = self
            .iter()
            .filter_map(claims_of_identity_scope)
            .flatten()
            .copied()
            .collect();
        set.into_iter().collect()
    }

    /// `openid` alone (or with no identity claim): the login is anonymous.
    pub fn is_anonymous(&self) -> bool {
        self.claims().is_empty()
    }

    pub fn data_scopes(&self) -> Vec<&str> {
        self.iter()
            .filter(|s| claims_of_identity_scope(s).is_none() && *s != "amr")
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oauth_string_is_the_scopes_in_order_spaced_once() {
        let s = ScopeSet::from_scopes(["openid", "profile", "email", "openid"]);
        assert_eq!(s.to_oauth_string(), "email openid profile");
        assert_eq!(
            ScopeSet::from_scopes(["openid"]).to_oauth_string(),
            "openid"
        );
        assert_eq!(ScopeSet::default().to_oauth_string(), "");
    }

    #[test]
    fn profile_and_birth_expand() {
        let s = ScopeSet::from_scopes(["openid", "profile", "birth", "email"]);
        let names: Vec<_> = s.claims().into_iter().map(Claim::name).collect();
        assert_eq!(
            names,
            [
                "given_name",
                "family_name",
                "birthdate",
                "gender",
                "birthplace",
                "birthcountry",
                "email",
                "preferred_username"
            ]
        );
        assert!(!s.is_anonymous());
        assert!(ScopeSet::from_scopes(["openid"]).is_anonymous());
    }

    #[test]
    fn data_scopes_are_known_but_release_no_claim() {
        assert!(is_known_scope("cnaf_quotient_familial"));
        assert!(!is_known_scope("foo"));
        let s = ScopeSet::from_scopes(["openid", "cnaf_quotient_familial"]);
        assert!(s.claims().is_empty());
        assert_eq!(s.data_scopes(), ["cnaf_quotient_familial"]);
    }
}
