//! What a service receives from the token and userinfo endpoints: claims
//! signed with its registered algorithm and, when it registered an
//! encryption (every service on Plus), that signed JWT nested in a JWE to
//! its `use=enc` key (`cty: JWT`, content A256GCM).

use crate::error::JsonError;
use crate::partner_keys::{self, KeySource};
use crate::state::AppState;
use relais_core::partner::{AnswerEncryption, ServiceProvider};
use relais_core::ErrorCode;
use relais_oidc::jose::{self, Signer};
use relais_oidc::JwsAlg;
use serde_json::Value;

/// Signs claims for a service with its registered algorithm.
pub fn sign_for(
    app: &AppState,
    sp: &ServiceProvider,
    alg: JwsAlg,
    claims: &Value,
) -> Result<String, JsonError> {
    let signed = match alg {
        JwsAlg::HS256 => jose::sign(claims, Signer::Secret(sp.client_secret.as_bytes()), None),
        alg => {
            let key = app.keys.signing_key(alg).ok_or_else(|| {
                JsonError::new(ErrorCode::Internal, "no signing key for the algorithm")
            })?;
            jose::sign(claims, Signer::Key(&key), None)
        }
    };
    signed.map_err(|e| JsonError::new(ErrorCode::Internal, e.to_string()))
}

/// Nests a signed JWT in a JWE to the service's key when it registered an
/// encryption; returns it unchanged otherwise.
pub async fn encrypt_for(
    app: &AppState,
    sp: &ServiceProvider,
    encryption: Option<AnswerEncryption>,
    signed: String,
) -> Result<String, JsonError> {
    let Some(enc) = encryption else {
        return Ok(signed);
    };
    let source = KeySource::of(sp.jwks.as_ref(), sp.jwks_uri.as_deref());
    let key = partner_keys::encryption_key(app, source, enc.alg)
        .await
        .map_err(|e| JsonError::new(ErrorCode::ServiceEncryptionKeyUnavailable, e))?;
    jose::encrypt(signed.as_bytes(), &key, enc.alg, Some("JWT"))
        .map_err(|e| JsonError::new(ErrorCode::ServiceEncryptionKeyUnavailable, e.to_string()))
}
