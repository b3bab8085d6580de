//! Public JSON Web Keys (RFC 7517) for EC P-256 and RSA, and key sets.

use super::base64url::unb64;
use super::error::JoseError;
use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use relais_core::alg::JwsAlg;
use serde::{Deserialize, Serialize};

/// One public key as published in a JWKS. Unknown members are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

impl Jwk {
    /// Whether this key can verify `alg` signatures.
    pub fn fits(&self, alg: JwsAlg) -> bool {
        let kty_ok = match alg {
            JwsAlg::ES256 => self.kty == "EC" && self.crv.as_deref() == Some("P-256"),
            JwsAlg::RS256 => self.kty == "RSA",
            JwsAlg::HS256 => false,
        };
        let use_ok = self.use_.as_deref().is_none_or(|u| u == "sig");
        let alg_ok = self.alg.as_deref().is_none_or(|a| a == alg.as_str());
        kty_ok && use_ok && alg_ok
    }

    /// Verifies `sig` over `msg` with this key under `alg`.
    pub fn verify(&self, alg: JwsAlg, msg: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        if !self.fits(alg) {
            return Err(JoseError::BadKey("key type does not match algorithm"));
        }
        match alg {
            JwsAlg::ES256 => {
                let x = unb64(self.x.as_deref().ok_or(JoseError::BadKey("missing x"))?)?;
                let y = unb64(self.y.as_deref().ok_or(JoseError::BadKey("missing y"))?)?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(JoseError::BadKey("bad P-256 coordinates"));
                }
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, sig)
                    .map_err(|_| JoseError::BadSignature)
            }
            JwsAlg::RS256 => {
                let n = unb64(self.n.as_deref().ok_or(JoseError::BadKey("missing n"))?)?;
                let e = unb64(self.e.as_deref().ok_or(JoseError::BadKey("missing e"))?)?;
                RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
                .map_err(|_| JoseError::BadSignature)
            }
            JwsAlg::HS256 => Err(JoseError::BadKey("HS256 uses a shared secret")),
        }
    }
}

impl JwkSet {
    /// The key to verify a token with: by `kid` when the token has one,
    /// else the single key fitting the algorithm.
    pub fn find(&self, kid: Option<&str>, alg: JwsAlg) -> Option<&Jwk> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid) && k.fits(alg)),
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
                let first = fitting.next();
                if fitting.next().is_some() {
                    None
                } else {
                    first
                }
            }
        }
    }
}
