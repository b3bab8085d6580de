//! The credentials of an `Authorization` header (RFC 9110 §11.4, §11.6.2):
//! `<scheme> <credentials>`, where the scheme is matched without regard to
//! case. Every endpoint that reads the header reads it here (the token
//! endpoint's client secrets, userinfo's access tokens, the admin API's
//! operator tokens), so `Basic`, `basic` and `BASIC` are one scheme for all
//! of them, as clients and proxies send it.

/// The credentials after `scheme` (given in any case), or `None` when the
/// header names another scheme or carries nothing after it.
pub fn credentials<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    if !given.eq_ignore_ascii_case(scheme) {
        return None;
    }
    let rest = rest.trim_matches([' ', '\t']);
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::credentials;

    #[test]
    fn the_scheme_is_matched_in_any_case() {
        for header in ["Basic abc=", "basic abc=", "BASIC abc=", "bAsIc abc="] {
            assert_eq!(credentials(header, "basic"), Some("abc="), "{header}");
            assert_eq!(credentials(header, "Basic"), Some("abc="), "{header}");
        }
        assert_eq!(credentials("DPoP tok", "dpop"), Some("tok"));
    }

    #[test]
    fn spaces_around_the_credentials_are_not_part_of_them() {
        assert_eq!(credentials("Bearer   tok  ", "bearer"), Some("tok"));
        assert_eq!(credentials("Bearer \ttok\t", "bearer"), Some("tok"));
    }

    #[test]
    fn another_scheme_or_nothing_after_it_is_none() {
        assert_eq!(credentials("Bearer tok", "basic"), None);
        assert_eq!(credentials("Bearertok", "bearer"), None);
        assert_eq!(credentials("Bearer", "bearer"), None);
        assert_eq!(credentials("Bearer    ", "bearer"), None);
        assert_eq!(credentials("", "bearer"), None);
        assert_eq!(credentials("Basically abc", "basic"), None);
        assert_eq!(credentials(" Bearer tok", "bearer"), None);
    }
}
