//! A request header that must come once. A proxy that adds its header
//! beside one the client sent, or a client sending two proofs, leaves two
//! values, and believing either would let the client choose: such a
//! request is told apart from one without the header.

use axum::http::header::AsHeaderName;
use axum::http::{HeaderMap, HeaderValue};

/// What a request carries under one header name.
pub enum SoleHeader<'a> {
    Absent,
    Once(&'a HeaderValue),
    Repeated,
}

/// The header `name` of `headers`, if it comes once.
pub fn sole_header<K: AsHeaderName>(headers: &HeaderMap, name: K) -> SoleHeader<'_> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => SoleHeader::Absent,
        (Some(v), None) => SoleHeader::Once(v),
        (Some(_), Some(_)) => SoleHeader::Repeated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_once_and_repeated_are_told_apart() {
        let mut h = HeaderMap::new();
        assert!(matches!(sole_header(&h, "dpop"), SoleHeader::Absent));
        h.append("dpop", HeaderValue::from_static("a"));
        assert!(matches!(sole_header(&h, "DPoP"), SoleHeader::Once(v) if v == "a"));
        h.append("dpop", HeaderValue::from_static("b"));
        assert!(matches!(sole_header(&h, "dpop"), SoleHeader::Repeated));
    }
}
