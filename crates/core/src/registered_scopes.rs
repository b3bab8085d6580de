//! The scopes a service is registered for, as every node keeps them in its
//! registry for as long as the service exists.
//!
//! A service lists a dozen scopes or so. Kept as a list of strings, each
//! scope took its own allocation and 24 bytes of the list, the largest part
//! of what a service costs the registry. [`RegisteredScopes`] keeps them as
//! one string, separated by single spaces as OAuth writes them, in one
//! allocation: a node holding 100,000 services went from about 1.79 KB to
//! 1.45 KB a service (docs/benchmarks-log.md, twenty-fifth pass). A list whose entries could not be read back from
//! that string (an entry with a space, or empty: no request can ever name
//! one, since a request's scopes are split on spaces) is kept as it came,
//! entry by entry, so the type stands for any list and round-trips it.
//!
//! Serialised as a list of strings, as before: documents in the store and
//! the admin API's JSON do not change.

use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A service's registered scopes, in their registered order.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisteredScopes(Held);

#[derive(Clone, PartialEq, Eq)]
enum Held {
    /// Every entry non-empty and without a space: joined by single spaces.
    Spaced(Box<str>),
    /// Some entry is empty or holds a space: each entry as it came.
    Listed(Box<[Box<str>]>),
}

/// An entry the spaced form would not give back as it is.
fn needs_listing(scope: &str) -> bool {
    scope.is_empty() || scope.contains(' ')
}

impl RegisteredScopes {
    pub fn iter(&self) -> Scopes<'_> {
        match &self.0 {
            Held::Spaced(text) => Scopes::Spaced(text.split(' ').filter(not_empty)),
            Held::Listed(list) => Scopes::Listed(list.iter()),
        }
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.iter().any(|s| s == scope)
    }

    /// Adds a scope at the end.
    pub fn push(&mut self, scope: &str) {
        self.extend([scope]);
    }

    /// Keeps the scopes `keep` says yes to, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        *self = self.iter().filter(|s| keep(s)).collect();
    }
}

fn not_empty(scope: &&str) -> bool {
    !scope.is_empty()
}

/// The scopes of a [`RegisteredScopes`], in order.
pub enum Scopes<'a> {
    Spaced(std::iter::Filter<std::str::Split<'a, char>, fn(&&str) -> bool>),
    Listed(std::slice::Iter<'a, Box<str>>),
}

impl<'a> Iterator for Scopes<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Scopes::Spaced(split) => split.next(),
            Scopes::Listed(list) => list.next().map(|s| &**s),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for RegisteredScopes {
    fn from_iter<I: IntoIterator<Item = S>>(scopes: I) -> Self {
        let scopes: Vec<S> = scopes.into_iter().collect();
        if scopes.iter().any(|s| needs_listing(s.as_ref())) {
            return RegisteredScopes(Held::Listed(
                scopes.iter().map(|s| Box::from(s.as_ref())).collect(),
            ));
        }
        let text = crate::scope::spaced(scopes.iter().map(AsRef::as_ref));
        RegisteredScopes(Held::Spaced(text.into_boxed_str()))
    }
}

impl<S: AsRef<str>> Extend<S> for RegisteredScopes {
    /// Adds scopes at the end.
    fn extend<I: IntoIterator<Item = S>>(&mut self, scopes: I) {
        let added: Vec<S> = scopes.into_iter().collect();
        *self = self.iter().chain(added.iter().map(AsRef::as_ref)).collect();
    }
}

impl fmt::Debug for RegisteredScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for RegisteredScopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for scope in self.iter() {
            seq.serialize_element(scope)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for RegisteredScopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopeList;

        impl<'de> Visitor<'de> for ScopeList {
            type Value = RegisteredScopes;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of scopes")
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RegisteredScopes, A::Error> {
                let mut scopes: Vec<String> = Vec::with_capacity(seq.size_hint().unwrap_or(16));
                while let Some(scope) = seq.next_element::<String>()? {
                    scopes.push(scope);
                }
                Ok(scopes.into_iter().collect())
            }
        }

        deserializer.deserialize_seq(ScopeList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> RegisteredScopes {
        list.iter().collect()
    }

    #[test]
    fn the_scopes_are_one_spaced_string_in_their_order() {
        let s = scopes(&["openid", "given_name", "email"]);
        assert!(matches!(&s.0, Held::Spaced(t) if &**t == "openid given_name email"));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            ["openid", "given_name", "email"]
        );
        assert!(s.contains("email") && !s.contains("mail") && !s.contains("openid given_name"));
        assert_eq!(s.iter().count(), 3);
        assert!(scopes(&[]).iter().next().is_none());
    }

    #[test]
    fn a_list_the_spaced_string_would_change_is_kept_entry_by_entry() {
        for list in [&["a b", "c"][..], &["", "openid"], &["openid", " "]] {
            let s = scopes(list);
            assert!(matches!(s.0, Held::Listed(_)), "{list:?}");
            assert_eq!(s.iter().collect::<Vec<_>>(), list);
        }
        // "a b" is not two scopes: a request for `a` is not allowed by it.
        assert!(!scopes(&["a b"]).contains("a"));
    }

    #[test]
    fn documents_read_and_write_a_list_of_strings_as_before() {
        let json = r#"["openid","given_name","a b",""]"#;
        let s: RegisteredScopes = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        let json = r#"["openid","family_name"]"#;
        let s: RegisteredScopes = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        assert_eq!(format!("{s:?}"), r#"["openid", "family_name"]"#);
        assert!(serde_json::from_str::<RegisteredScopes>(r#""openid""#).is_err());
        assert!(serde_json::from_str::<RegisteredScopes>("[1]").is_err());
    }

    #[test]
    fn push_and_retain_keep_the_order_and_the_form() {
        let mut s = scopes(&["openid", "idp_birthdate", "email"]);
        s.retain(|x| x != "idp_birthdate");
        s.push("test_data");
        assert_eq!(s, scopes(&["openid", "email", "test_data"]));
        s.extend(["x", "two words"]);
        assert_eq!(s.iter().last(), Some("two words"));
        assert_eq!(s.iter().count(), 5);
        s.retain(|x| !x.contains(' '));
        assert!(matches!(s.0, Held::Spaced(_)), "back to the spaced form");
    }
}
