//! NumericDate (RFC 7519 §2): seconds since the epoch, which a JWT may
//! write with a fraction (`time.time()` in Python, `Date.now() / 1000` in
//! JavaScript). Every time claim Relais reads (`exp`, `iat`, `nbf` of ID
//! tokens, client assertions and DPoP proofs) goes through here, so none
//! refuses a token another reads.

use serde_json::{Map, Value};

/// The whole seconds of a time claim, if it is a number of them a clock
/// can hold (not text, not ±1e15 or past).
pub fn numeric_date(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            // Whole seconds are the point; the range is checked above.
            .map(|f| f.floor() as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_and_fractional_seconds_are_read_text_and_overflow_are_not() {
        let claims = json!({
            "whole": 1_700_000_000, "fraction": 1_700_000_000.75, "negative": -0.5,
            "text": "1700000000", "huge": 1e300, "null": null
        });
        let claims = claims.as_object().unwrap();
        assert_eq!(numeric_date(claims, "whole"), Some(1_700_000_000));
        assert_eq!(numeric_date(claims, "fraction"), Some(1_700_000_000));
        assert_eq!(numeric_date(claims, "negative"), Some(-1));
        assert_eq!(numeric_date(claims, "text"), None);
        assert_eq!(numeric_date(claims, "huge"), None);
        assert_eq!(numeric_date(claims, "null"), None);
        assert_eq!(numeric_date(claims, "absent"), None);
    }
}
