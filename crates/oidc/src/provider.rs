//! Building blocks of an OpenID provider, shared by the federation (towards
//! services) and the demo identity providers: client authentication at the
//! token endpoint, the discovery document and the token response shape.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use relais_core::authorization_header::credentials;
use relais_core::form_encoding::decode as form_decode;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How a client authenticated at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
}

/// Credentials presented by a client, before they are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: String,
    pub method: ClientAuthMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthError {
    /// No usable credentials, or two methods at once.
    Missing,
    Malformed,
}

/// Extracts client credentials from an `Authorization: Basic` header
/// (RFC 6749 §2.3.1: id and secret are form-encoded) or from the form body.
pub fn presented_client(
    authorization: Option<&str>,
    form_client_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<PresentedClient, ClientAuthError> {
    if let Some(h) = authorization {
        if form_secret.is_some() {
            return Err(ClientAuthError::Malformed);
        }
        let b = credentials(h, "basic").ok_or(ClientAuthError::Malformed)?;
        let raw = STANDARD.decode(b).map_err(|_| ClientAuthError::Malformed)?;
        let raw = String::from_utf8(raw).map_err(|_| ClientAuthError::Malformed)?;
        let (id, secret) = raw.split_once(':').ok_or(ClientAuthError::Malformed)?;
        // RFC 6749 §2.3.1: both are form-encoded. A `&` or `=` in them is
        // text, never the end of the value.
        let client_id = form_decode(id.as_bytes()).into_owned();
        if form_client_id.is_some_and(|f| f != client_id) {
            return Err(ClientAuthError::Malformed);
        }
        return Ok(PresentedClient {
            client_id,
            secret: form_decode(secret.as_bytes()).into_owned(),
            method: ClientAuthMethod::ClientSecretBasic,
        });
    }
    match (form_client_id, form_secret) {
        (Some(id), Some(secret)) if !id.is_empty() => Ok(PresentedClient {
            client_id: id.to_owned(),
            secret: secret.to_owned(),
            method: ClientAuthMethod::ClientSecretPost,
        }),
        _ => Err(ClientAuthError::Missing),
    }
}

/// Constant-time secret comparison.
pub fn secret_matches(presented: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// The token endpoint's answer, exactly these keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub id_token: String,
    pub scope: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_ampersand_in_a_basic_secret_is_text_not_its_end() {
        // Read as a form's value, `s3cret&x` used to stop at `&`: a
        // secret `s3cret` would then have matched it.
        let h = format!("Basic {}", STANDARD.encode("client:s3cret&x=y"));
        let c = presented_client(Some(&h), None, None);
        assert_eq!(c.map(|c| c.secret), Ok("s3cret&x=y".to_owned()));
    }

    #[test]
    fn basic_and_post() {
        let h = format!("Basic {}", STANDARD.encode("my%20client:s%3Acret"));
        let c = presented_client(Some(&h), None, None);
        assert_eq!(
            c,
            Ok(PresentedClient {
                client_id: "my client".into(),
                secret: "s:cret".into(),
                method: ClientAuthMethod::ClientSecretBasic
            })
        );
        assert_eq!(
            presented_client(None, Some("a"), None),
            Err(ClientAuthError::Missing)
        );
        assert_eq!(
            presented_client(Some(&h), None, Some("x")),
            Err(ClientAuthError::Malformed)
        );
        assert!(presented_client(None, Some("a"), Some("b")).is_ok());
        assert!(!secret_matches("a", ""));
        assert!(secret_matches("abc", "abc"));
    }
}
