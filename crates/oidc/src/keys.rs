//! Signing keys: generation, PKCS#8 (de)serialisation, public JWK, and the
//! signature itself. Keys are parsed once when loaded, never per request.

use crate::jose::base64url::b64;
use crate::jose::error::JoseError;
use crate::jose::jwk::Jwk;
use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use relais_core::alg::JwsAlg;

enum Inner {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A private signing key with its `kid` and published public half.
pub struct SigningKey {
    kid: String,
    alg: JwsAlg,
    inner: Inner,
    pkcs8: Vec<u8>,
    public: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key; `kid` empty means "derive it from the RFC 7638 thumbprint".
    pub fn generate(alg: JwsAlg, kid: &str) -> Result<SigningKey, JoseError> {
        let pkcs8 = match alg {
            JwsAlg::ES256 => EcdsaKeyPair::generate_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(|_| JoseError::BadKey("EC generation failed"))?
            .as_ref()
            .to_vec(),
            JwsAlg::RS256 => RsaKeyPair::generate(KeySize::Rsa2048)
                .and_then(|k| k.as_der())
                .map_err(|_| JoseError::BadKey("RSA generation failed"))?
                .as_ref()
                .to_vec(),
            JwsAlg::HS256 => return Err(JoseError::BadKey("HS256 has no key pair")),
        };
        SigningKey::from_pkcs8(alg, kid, pkcs8)
    }

    pub fn from_pkcs8(alg: JwsAlg, kid: &str, pkcs8: Vec<u8>) -> Result<SigningKey, JoseError> {
        let (inner, mut public) = match alg {
            JwsAlg::ES256 => {
                let k =
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8)
                        .map_err(|_| JoseError::BadKey("not a P-256 PKCS#8 key"))?;
                let point = k.public_key().as_ref();
                if point.len() != 65 {
                    return Err(JoseError::BadKey("unexpected EC point encoding"));
                }
                let jwk = Jwk {
                    kty: "EC".into(),
                    kid: None,
                    use_: Some("sig".into()),
                    alg: Some("ES256".into()),
                    crv: Some("P-256".into()),
                    x: Some(b64(&point[1..33])),
                    y: Some(b64(&point[33..65])),
                    n: None,
                    e: None,
                };
                (Inner::Ec(k), jwk)
            }
            JwsAlg::RS256 => {
                let k = RsaKeyPair::from_pkcs8(&pkcs8)
                    .map_err(|_| JoseError::BadKey("not an RSA PKCS#8 key"))?;
                let comps = signature::RsaPublicKeyComponents::<Vec<u8>>::from(k.public_key());
                let jwk = Jwk {
                    kty: "RSA".into(),
                    kid: None,
                    use_: Some("sig".into()),
                    alg: Some("RS256".into()),
                    crv: None,
                    x: None,
                    y: None,
                    n: Some(b64(&comps.n)),
                    e: Some(b64(&comps.e)),
                };
                (Inner::Rsa(k), jwk)
            }
            JwsAlg::HS256 => return Err(JoseError::BadKey("HS256 has no key pair")),
        };
        let kid = if kid.is_empty() {
            thumbprint(&public).chars().take(22).collect()
        } else {
            kid.to_owned()
        };
        public.kid = Some(kid.clone());
        Ok(SigningKey {
            kid,
            alg,
            inner,
            pkcs8,
            public,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> JwsAlg {
        self.alg
    }

    /// The private key, PKCS#8 DER (to be sealed before storage).
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn public_jwk(&self) -> Jwk {
        self.public.clone()
    }

    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, JoseError> {
        match &self.inner {
            Inner::Ec(k) => k
                .sign(&SystemRandom::new(), msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| JoseError::SigningFailed),
            Inner::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    msg,
                    &mut sig,
                )
                .map_err(|_| JoseError::SigningFailed)?;
                Ok(sig)
            }
        }
    }
}

/// RFC 7638 JWK thumbprint (SHA-256, base64url).
pub fn thumbprint(jwk: &Jwk) -> String {
    let canonical = match jwk.kty.as_str() {
        "EC" => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk.crv.as_deref().unwrap_or(""),
            jwk.x.as_deref().unwrap_or(""),
            jwk.y.as_deref().unwrap_or("")
        ),
        _ => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            jwk.e.as_deref().unwrap_or(""),
            jwk.n.as_deref().unwrap_or("")
        ),
    };
    b64(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trip_keeps_public_key() {
        for alg in [JwsAlg::ES256, JwsAlg::RS256] {
            let k = SigningKey::generate(alg, "").unwrap();
            let again = SigningKey::from_pkcs8(alg, "", k.pkcs8().to_vec()).unwrap();
            assert_eq!(k.public_jwk(), again.public_jwk());
            assert_eq!(k.kid().len(), 22);
        }
    }
}
