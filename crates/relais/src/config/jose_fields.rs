//! The JOSE fields partner entries share (OpenID client metadata names):
//! encryption algorithms and inline keys, read from text into domain
//! values with the field named when they are wrong.

use super::error::{err, ConfigError};
use relais_core::alg::{JweAlg, JweEnc};
use relais_core::partner::AnswerEncryption;

/// `…_encrypted_response_alg` / `…_encrypted_response_enc`: `None` when the
/// answer is not encrypted; `enc` defaults to (and must be) `A256GCM`.
pub fn encryption(
    alg_field: &str,
    alg: Option<&str>,
    enc_field: &str,
    enc: Option<&str>,
) -> Result<Option<AnswerEncryption>, ConfigError> {
    let enc = match enc {
        None => JweEnc::A256GCM,
        Some(e) => JweEnc::parse(e).ok_or_else(|| err(enc_field, "only A256GCM is supported"))?,
    };
    let Some(alg) = alg else {
        return Ok(None);
    };
    JweAlg::parse(alg)
        .map(|alg| Some(AnswerEncryption { alg, enc }))
        .ok_or_else(|| err(alg_field, "must be RSA-OAEP-256, RSA-OAEP or ECDH-ES"))
}

/// Both answers' encryptions of the entry at `at`
/// (`id_token_encrypted_response_{alg,enc}`,
/// `userinfo_encrypted_response_{alg,enc}`), each `[alg, enc]` as written.
pub fn answer_encryptions(
    at: &str,
    id_token: [Option<&str>; 2],
    userinfo: [Option<&str>; 2],
) -> Result<(Option<AnswerEncryption>, Option<AnswerEncryption>), ConfigError> {
    let one = |answer: &str, [alg, enc]: [Option<&str>; 2]| {
        encryption(
            &format!("{at}.{answer}_encrypted_response_alg"),
            alg,
            &format!("{at}.{answer}_encrypted_response_enc"),
            enc,
        )
    };
    Ok((one("id_token", id_token)?, one("userinfo", userinfo)?))
}

/// A JSON document given as a TOML table or as a JSON string.
pub fn json_document(
    field: &str,
    value: Option<&toml::Value>,
) -> Result<Option<serde_json::Value>, ConfigError> {
    match value {
        None => Ok(None),
        Some(toml::Value::String(s)) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| err(field, format!("not JSON: {e}"))),
        Some(v) => serde_json::to_value(v).map(Some).map_err(|e| err(field, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_fields_name_what_is_wrong() {
        assert_eq!(encryption("a", None, "e", None).ok(), Some(None));
        assert_eq!(
            encryption("a", Some("ECDH-ES"), "e", None).ok().flatten(),
            Some(AnswerEncryption {
                alg: JweAlg::EcdhEs,
                enc: JweEnc::A256GCM
            })
        );
        assert_eq!(
            encryption("x.alg", Some("RSA1_5"), "e", None)
                .err()
                .map(|e| e.0),
            Some("x.alg: must be RSA-OAEP-256, RSA-OAEP or ECDH-ES".into())
        );
        assert_eq!(
            encryption("a", Some("ECDH-ES"), "x.enc", Some("A128CBC-HS256"))
                .err()
                .map(|e| e.0),
            Some("x.enc: only A256GCM is supported".into())
        );
    }
}
