//! One cookie's value, read from a request's `Cookie` headers (RFC 6265
//! §5.4: `name=value` pairs separated by `;`).
//!
//! Two readers need it on every page: the browser session (web) and the
//! language the citizen picked (i18n). They had one copy each, and both
//! turned each header into text first: one cookie with a byte outside
//! visible ASCII, set by another application on the same host, made the
//! whole header unreadable, so the session cookie beside it was lost and
//! the login failed. Here the header is read as bytes; only the value found
//! must be visible ASCII (RFC 6265 §4.1.1's cookie octets are a subset).

/// The value of the first cookie called `name`, if it is visible ASCII.
/// `headers` are the `Cookie` header values: `HeaderMap::get_all`'s
/// answer as it is, or any texts or byte strings.
pub fn cookie_value<'a, H>(headers: impl IntoIterator<Item = &'a H>, name: &str) -> Option<&'a str>
where
    H: AsRef<[u8]> + ?Sized + 'a,
{
    let name = name.as_bytes();
    // Each pair is looked at once: its name compared before any `=` is
    // searched (a page reads two or three cookies at each step).
    let value = headers.into_iter().find_map(|header| {
        header.as_ref().split(|b| *b == b';').find_map(|pair| {
            let pair = pair.trim_ascii_start();
            match pair.strip_prefix(name)?.split_first() {
                Some((b'=', value)) => Some(value.trim_ascii_end()),
                _ => None,
            }
        })
    })?;
    if value.iter().all(u8::is_ascii_graphic) {
        std::str::from_utf8(value).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<'a>(headers: &[&'a str], name: &str) -> Option<&'a str> {
        cookie_value(headers.iter().copied(), name)
    }

    #[test]
    fn the_first_cookie_of_that_name_in_any_header() {
        assert_eq!(read(&["a=1; sid=abc; b=2"], "sid"), Some("abc"));
        assert_eq!(read(&["a=1", "sid=abc;x=y"], "sid"), Some("abc"));
        assert_eq!(read(&["sid=first; sid=second"], "sid"), Some("first"));
        assert_eq!(read(&[" sid=abc ;"], "sid"), Some("abc"));
        assert_eq!(read(&["sid=a=b"], "sid"), Some("a=b"));
        assert_eq!(read(&["sid="], "sid"), Some(""));
    }

    #[test]
    fn other_names_and_shapes_are_not_it() {
        for headers in [
            &[][..],
            &["a=1; b=2"],
            &["sid"],
            &["xsid=abc"],
            &["sid_x=abc"],
            &["sid =abc"],
            &["SID=abc"],
        ] {
            assert_eq!(read(headers, "sid"), None, "{headers:?}");
        }
    }

    #[test]
    fn a_foreign_cookie_with_other_bytes_does_not_hide_ours() {
        let header = "theme=caf\u{e9}; sid=abc; note=a\u{1}b".as_bytes();
        assert_eq!(cookie_value([header], "sid"), Some("abc"));
        // Ours must be visible ASCII itself.
        assert_eq!(read(&["sid=caf\u{e9}"], "sid"), None);
        assert_eq!(read(&["sid=a b"], "sid"), None);
        assert_eq!(cookie_value([&b"sid=\xff"[..]], "sid"), None);
    }
}
