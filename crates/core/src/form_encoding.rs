//! `application/x-www-form-urlencoded`, written straight into the string
//! that is kept (the query of a redirect, the body of a token request),
//! and read back (an authorization request's query, a token request's
//! body).
//!
//! Every login writes two of them on its hot path: the redirect to the
//! IdP's authorization endpoint (ten pairs; the redirect URI and the scope
//! need escaping) and the body of the token request to the IdP. An error
//! sent back to a service writes a third. `form_urlencoded` escapes a byte
//! at a time through an iterator of `&str` pieces, each pushed on its own,
//! into a string that grows as it goes: under callgrind that was 1.1 % of a
//! login's instructions (issue 13, thirty-eighth pass). Here a table marks
//! the bytes that stay as they are, a run of them is copied at once, and
//! the string is sized for the common case first. The output is the same,
//! byte for byte, as `form_urlencoded`'s (a test compares them), so what an
//! IdP or a service receives does not change.

use std::borrow::Cow;

/// Bytes written as they are; every other byte is escaped (`%XX`, upper
/// case), except the space, written `+`. The set is the form encoding's
/// (WHATWG URL standard, "application/x-www-form-urlencoded serializer").
static KEPT: [bool; 256] = kept_bytes();

const fn kept_bytes() -> [bool; 256] {
    let mut kept = [false; 256];
    let mut b: u8 = 0;
    loop {
        kept[b as usize] = b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_');
        if b == u8::MAX {
            return kept;
        }
        b += 1;
    }
}

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `value` to `out`, form-encoded.
pub fn push_form_encoded(out: &mut String, value: &str) {
    // Most values (tokens, codes, identifiers) need no escaping at all.
    out.reserve(value.len());
    let mut run_start = 0;
    for (i, &b) in value.as_bytes().iter().enumerate() {
        if KEPT[usize::from(b)] {
            continue;
        }
        // A run of kept bytes is ASCII and ends before another byte, so
        // both its ends are character boundaries; an empty run may sit
        // inside a multi-byte character, where `get` gives `None`, and
        // there is nothing to copy anyway.
        if let Some(run) = value.get(run_start..i) {
            out.push_str(run);
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
            out.push(char::from(UPPER_HEX[usize::from(b & 0x0f)]));
        }
        run_start = i + 1;
    }
    if let Some(run) = value.get(run_start..) {
        out.push_str(run);
    }
}

/// `name=value` pairs joined by `&`, appended to what the string already
/// holds: an URL (see [`FormQuery::on`]), or nothing for a body.
pub struct FormQuery {
    out: String,
    /// Written before the next pair: none before a body's first pair or
    /// after a prefix that ends with its separator, `?` before an URL's
    /// first pair, `&` between pairs.
    separator: Option<char>,
}

impl FormQuery {
    /// A query of its own (a request body), sized for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self::after(String::with_capacity(capacity))
    }

    /// The pairs written after `prefix`, which already ends with the
    /// separator the query needs (`?`, `&` or `#`).
    pub fn after(prefix: String) -> Self {
        FormQuery {
            out: prefix,
            separator: None,
        }
    }

    /// The pairs as the query of `url`: after a `?`, or after a `&` when
    /// `url` has a query already. With no pair, `url` comes back as it was.
    pub fn on(url: String) -> Self {
        let separator = if url.contains('?') { '&' } else { '?' };
        FormQuery {
            out: url,
            separator: Some(separator),
        }
    }

    /// Adds `name=value`, both form-encoded.
    #[must_use]
    pub fn pair(mut self, name: &str, value: &str) -> Self {
        if let Some(separator) = self.separator {
            self.out.push(separator);
        }
        self.separator = Some('&');
        push_form_encoded(&mut self.out, name);
        self.out.push('=');
        push_form_encoded(&mut self.out, value);
        self
    }

    /// The string, prefix and pairs.
    pub fn finish(self) -> String {
        self.out
    }
}

/// The pairs of a form-encoded text (a query or a body), decoded: `&`
/// separates pairs (empty ones are skipped), the first `=` separates a
/// name from its value (none: the value is empty), `+` is a space, `%XX`
/// a byte (a `%` not followed by two hex digits stays as it is), and bytes
/// that are not UTF-8 become U+FFFD.
pub fn parse(input: &[u8]) -> FormPairs<'_> {
    FormPairs { rest: input }
}

/// The iterator [`parse`] returns.
pub struct FormPairs<'a> {
    rest: &'a [u8],
}

impl<'a> FormPairs<'a> {
    /// The pairs as owned strings, for a caller that keeps them.
    pub fn into_owned(self) -> impl Iterator<Item = (String, String)> + 'a {
        self.map(|(k, v)| (k.into_owned(), v.into_owned()))
    }
}

impl<'a> Iterator for FormPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let pair = match self.rest.iter().position(|&b| b == b'&') {
                Some(end) => {
                    let (pair, rest) = self.rest.split_at(end);
                    self.rest = rest.get(1..).unwrap_or_default();
                    pair
                }
                None => std::mem::take(&mut self.rest),
            };
            if pair.is_empty() {
                continue;
            }
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => {
                    let (name, value) = pair.split_at(eq);
                    (name, value.get(1..).unwrap_or_default())
                }
                None => (pair, &[][..]),
            };
            return Some((decode(name), decode(value)));
        }
    }
}

/// One name or value, decoded (`+` a space, `%XX` a byte, bytes that are
/// not UTF-8 U+FFFD); borrowed when it holds no `+` or `%`. A `&` or `=` in
/// it is text.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if !bytes.iter().any(|&b| b == b'+' || b == b'%') {
        return String::from_utf8_lossy(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => out.push(b' '),
            b'%' => match (tail.first().and_then(hex), tail.get(1).and_then(hex)) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    rest = tail.get(2..).unwrap_or_default();
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex(digit: &u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(pairs: &[(&str, &str)]) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    fn ours(pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .fold(FormQuery::with_capacity(8), |q, (k, v)| q.pair(k, v))
            .finish()
    }

    #[test]
    fn writes_what_form_urlencoded_writes() {
        let values = [
            "",
            "abcXYZ019",
            "*-._",
            "a b",
            "https://service.example/callback?x=1&y=2#frag",
            "openid given_name family_name",
            "été à Noël — 😀",
            "100%+sure~!'()",
            "\u{0}\u{1f}\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10ffff}",
            " leading and trailing ",
            "é",
            "aé",
            "éa",
            "%",
        ];
        for v in values {
            assert_eq!(ours(&[("k", v)]), reference(&[("k", v)]), "{v:?}");
            assert_eq!(
                ours(&[(v, "x"), ("y", v)]),
                reference(&[(v, "x"), ("y", v)])
            );
        }
    }

    #[test]
    fn every_byte_and_every_char_class_is_encoded_alike() {
        // Every single character up to U+07FF, and each next to kept and
        // escaped neighbours, against the reference.
        for c in (0u32..0x800).filter_map(char::from_u32) {
            for v in [
                c.to_string(),
                format!("a{c}"),
                format!("{c}b"),
                format!(" {c}{c}%"),
            ] {
                let mut got = String::new();
                push_form_encoded(&mut got, &v);
                let want: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
                assert_eq!(got, want, "{:?}", v);
            }
        }
    }

    #[test]
    fn pairs_follow_the_prefix_with_no_separator_added_first() {
        let url = FormQuery::after("https://idp.example/authorize?".to_owned())
            .pair("state", "s1")
            .pair("scope", "openid email")
            .finish();
        assert_eq!(
            url,
            "https://idp.example/authorize?state=s1&scope=openid+email"
        );
        assert_eq!(FormQuery::with_capacity(0).finish(), "");
    }

    #[test]
    fn on_an_url_the_query_starts_with_its_separator_or_not_at_all() {
        let on = |url: &str| FormQuery::on(url.to_owned());
        assert_eq!(on("/espace").finish(), "/espace");
        assert_eq!(on("/espace").pair("page", "2").finish(), "/espace?page=2");
        assert_eq!(
            on("https://idp.example/authorize?tenant=a")
                .pair("state", "s")
                .pair("x", "1")
                .finish(),
            "https://idp.example/authorize?tenant=a&state=s&x=1"
        );
    }

    fn parsed_alike(input: &[u8]) {
        let ours: Vec<_> = parse(input).collect();
        let reference: Vec<_> = url::form_urlencoded::parse(input).collect();
        assert_eq!(ours, reference, "{:?}", String::from_utf8_lossy(input));
    }

    #[test]
    fn reads_what_form_urlencoded_reads() {
        for input in [
            &b""[..],
            b"&",
            b"&&a=1&&",
            b"a",
            b"a=",
            b"=b",
            b"=",
            b"a=1&b=2&a=3",
            b"a=b=c",
            b"redirect_uri=https%3A%2F%2Fsp.example%2Fcb%3Fx%3D1&scope=openid+email%20profile",
            b"%",
            b"%4",
            b"%4g%41%zz%%41",
            b"%2B+%2b",
            b"k=%E2%82%AC%C3%A9",
            b"k=%FF%FE&l=%C3",
            b"k=\xff\xfe",
            b"k=\xc3\xa9+\xe2\x82",
            b"n%61me=v%61lue",
            b"+=+&%26=%3D",
        ] {
            parsed_alike(input);
        }
    }

    #[test]
    fn reads_every_short_text_of_its_special_bytes_alike() {
        // Every text of up to four bytes from an alphabet of the bytes
        // that matter (separators, escapes, hex digits, a non-UTF-8 byte,
        // a UTF-8 lead byte and a continuation byte), against the
        // reference: 14^4 + 14^3 + … texts.
        let alphabet = b"&=+%2Fa4g\xc3\xa9\xff.x";
        let mut text = Vec::new();
        fn all(text: &mut Vec<u8>, alphabet: &[u8], left: usize) {
            parsed_alike(text);
            if left == 0 {
                return;
            }
            for &b in alphabet {
                text.push(b);
                all(text, alphabet, left - 1);
                text.pop();
            }
        }
        all(&mut text, alphabet, 4);
    }

    #[test]
    fn what_is_written_is_read_back() {
        let value = "https://sp.example/cb?x=1&y=é 😀%+";
        let query = FormQuery::with_capacity(0)
            .pair("redirect_uri", value)
            .pair("a b", "")
            .finish();
        let pairs: Vec<_> = parse(query.as_bytes()).collect();
        assert_eq!(
            pairs,
            [
                ("redirect_uri".into(), value.into()),
                ("a b".into(), "".into())
            ]
        );
    }
}
