//! Compact JWE (RFC 7516) for the algorithms FranceConnect+ and data
//! providers use: key management `RSA-OAEP-256`, `RSA-OAEP` (SHA-1, what
//! FranceConnect+ itself offers) or `ECDH-ES` (direct key agreement, Concat
//! KDF of RFC 7518 §4.6), content encryption `A256GCM`.
//!
//! Strict by construction: the caller names the one key-management algorithm
//! it accepts, `enc` must be `A256GCM`, an ephemeral key must be on P-256, the
//! content key must be 32 bytes, and a wrong tag fails. Nothing else is
//! negotiated.

use super::base64url::{b64, unb64};
use super::error::JoseError;
use super::jwk::Jwk;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::agreement::{self, UnparsedPublicKey, ECDH_P256};
use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeyPair as RsaKeyPair, KeySize, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey, PublicKeyComponents,
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256,
};
use aws_lc_rs::signature::KeyPair;
use relais_core::alg::JweAlg;
use serde_json::{json, Map, Value};

const ENC: &str = "A256GCM";

fn rand_bytes<const N: usize>() -> Result<[u8; N], JoseError> {
    let mut b = [0u8; N];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| JoseError::SigningFailed)?;
    Ok(b)
}

/// Concat KDF (NIST SP 800-56A, RFC 7518 §4.6.2) with SHA-256, for outputs of
/// at most 256 bits (one round).
pub fn concat_kdf(z: &[u8], alg_id: &str, apu: &[u8], apv: &[u8], key_bits: u32) -> Vec<u8> {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&1u32.to_be_bytes());
    ctx.update(z);
    for part in [alg_id.as_bytes(), apu, apv] {
        ctx.update(&(part.len() as u32).to_be_bytes());
        ctx.update(part);
    }
    ctx.update(&key_bits.to_be_bytes());
    let out = ctx.finish();
    out.as_ref()[..(key_bits as usize / 8).min(32)].to_vec()
}

fn ec_point(jwk: &Jwk) -> Result<Vec<u8>, JoseError> {
    if jwk.kty != "EC" || jwk.crv.as_deref() != Some("P-256") {
        return Err(JoseError::BadKey("key must be an EC P-256 key"));
    }
    let x = unb64(jwk.x.as_deref().ok_or(JoseError::BadKey("missing x"))?)?;
    let y = unb64(jwk.y.as_deref().ok_or(JoseError::BadKey("missing y"))?)?;
    if x.len() != 32 || y.len() != 32 {
        return Err(JoseError::BadKey("bad P-256 coordinates"));
    }
    let mut p = Vec::with_capacity(65);
    p.push(4);
    p.extend_from_slice(&x);
    p.extend_from_slice(&y);
    Ok(p)
}

fn ec_jwk(point: &[u8]) -> Result<Jwk, JoseError> {
    if point.len() != 65 {
        return Err(JoseError::BadKey("unexpected EC point encoding"));
    }
    Ok(Jwk {
        kty: "EC".into(),
        kid: None,
        use_: None,
        alg: None,
        crv: Some("P-256".into()),
        x: Some(b64(&point[1..33])),
        y: Some(b64(&point[33..65])),
        n: None,
        e: None,
    })
}

/// The OAEP hash of an RSA key-management algorithm.
fn oaep_padding(alg: JweAlg) -> &'static OaepAlgorithm {
    match alg {
        JweAlg::RsaOaep => &OAEP_SHA1_MGF1SHA1,
        _ => &OAEP_SHA256_MGF1SHA256,
    }
}

fn gcm(cek: &[u8]) -> Result<LessSafeKey, JoseError> {
    if cek.len() != 32 {
        return Err(JoseError::BadKey("content key must be 32 bytes"));
    }
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, cek).map_err(|_| JoseError::BadKey("content key"))?,
    ))
}

/// Encrypts `plaintext` to the recipient's public key.
pub fn encrypt(
    plaintext: &[u8],
    to: &Jwk,
    alg: JweAlg,
    cty: Option<&str>,
) -> Result<String, JoseError> {
    let mut header = Map::new();
    header.insert("alg".into(), json!(alg.as_str()));
    header.insert("enc".into(), json!(ENC));
    if let Some(kid) = &to.kid {
        header.insert("kid".into(), json!(kid));
    }
    if let Some(c) = cty {
        header.insert("cty".into(), json!(c));
    }
    let (cek, encrypted_key) = match alg {
        JweAlg::RsaOaep256 | JweAlg::RsaOaep => {
            if to.kty != "RSA" {
                return Err(JoseError::BadKey("RSA-OAEP needs an RSA key"));
            }
            let n = unb64(to.n.as_deref().ok_or(JoseError::BadKey("missing n"))?)?;
            let e = unb64(to.e.as_deref().ok_or(JoseError::BadKey("missing e"))?)?;
            let public: PublicEncryptingKey = PublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            }
            .try_into()
            .map_err(|_| JoseError::BadKey("invalid RSA public key"))?;
            if public.key_size_bits() < 2048 {
                return Err(JoseError::BadKey("RSA key shorter than 2048 bits"));
            }
            let oaep =
                OaepPublicEncryptingKey::new(public).map_err(|_| JoseError::BadKey("RSA key"))?;
            let cek = rand_bytes::<32>()?;
            let mut out = vec![0u8; oaep.ciphertext_size()];
            let wrapped = oaep
                .encrypt(oaep_padding(alg), &cek, &mut out, None)
                .map_err(|_| JoseError::SigningFailed)?
                .to_vec();
            (cek.to_vec(), wrapped)
        }
        JweAlg::EcdhEs => {
            let peer = ec_point(to)?;
            let eph = agreement::PrivateKey::generate(&ECDH_P256)
                .map_err(|_| JoseError::SigningFailed)?;
            let eph_pub = eph
                .compute_public_key()
                .map_err(|_| JoseError::SigningFailed)?;
            header.insert(
                "epk".into(),
                serde_json::to_value(ec_jwk(eph_pub.as_ref())?)
                    .map_err(|_| JoseError::SigningFailed)?,
            );
            let cek = agreement::agree(
                &eph,
                UnparsedPublicKey::new(&ECDH_P256, &peer),
                JoseError::BadKey("ECDH failed"),
                |z| Ok(concat_kdf(z, ENC, &[], &[], 256)),
            )?;
            (cek, Vec::new())
        }
    };
    let protected =
        b64(&serde_json::to_vec(&Value::Object(header)).map_err(|_| JoseError::SigningFailed)?);
    let iv = rand_bytes::<12>()?;
    let mut buf = plaintext.to_vec();
    let tag = gcm(&cek)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(protected.as_bytes()),
            &mut buf,
        )
        .map_err(|_| JoseError::SigningFailed)?;
    Ok(format!(
        "{protected}.{}.{}.{}.{}",
        b64(&encrypted_key),
        b64(&iv),
        b64(&buf),
        b64(tag.as_ref())
    ))
}

/// A private key that can decrypt JWEs addressed to it.
pub enum DecryptionKey {
    Rsa {
        key: OaepPrivateDecryptingKey,
        pkcs8: Vec<u8>,
        public: Jwk,
        /// RSA-OAEP-256 or RSA-OAEP: what it answers to by default.
        alg: JweAlg,
    },
    Ec {
        key: agreement::PrivateKey,
        pkcs8: Vec<u8>,
        public: Jwk,
    },
}

impl DecryptionKey {
    pub fn generate(alg: JweAlg, kid: &str) -> Result<DecryptionKey, JoseError> {
        let pkcs8 = match alg {
            JweAlg::RsaOaep256 | JweAlg::RsaOaep => RsaKeyPair::generate(KeySize::Rsa2048)
                .and_then(|k| k.as_der())
                .map_err(|_| JoseError::BadKey("RSA generation"))?
                .as_ref()
                .to_vec(),
            JweAlg::EcdhEs => agreement::PrivateKey::generate(&ECDH_P256)
                .and_then(|k| AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&k))
                .map_err(|_| JoseError::BadKey("EC generation"))?
                .as_ref()
                .to_vec(),
        };
        DecryptionKey::from_pkcs8(alg, kid, pkcs8)
    }

    pub fn from_pkcs8(alg: JweAlg, kid: &str, pkcs8: Vec<u8>) -> Result<DecryptionKey, JoseError> {
        let mut key = match alg {
            JweAlg::RsaOaep256 | JweAlg::RsaOaep => {
                let pair = RsaKeyPair::from_pkcs8(&pkcs8)
                    .map_err(|_| JoseError::BadKey("not an RSA PKCS#8 key"))?;
                let comps = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                let public = Jwk {
                    kty: "RSA".into(),
                    kid: None,
                    use_: Some("enc".into()),
                    alg: Some(alg.as_str().into()),
                    crv: None,
                    x: None,
                    y: None,
                    n: Some(b64(&comps.n)),
                    e: Some(b64(&comps.e)),
                };
                let dk = PrivateDecryptingKey::from_pkcs8(&pkcs8)
                    .map_err(|_| JoseError::BadKey("RSA key"))?;
                let key =
                    OaepPrivateDecryptingKey::new(dk).map_err(|_| JoseError::BadKey("RSA key"))?;
                DecryptionKey::Rsa {
                    key,
                    pkcs8,
                    public,
                    alg,
                }
            }
            JweAlg::EcdhEs => {
                let key = agreement::PrivateKey::from_private_key_der(&ECDH_P256, &pkcs8)
                    .map_err(|_| JoseError::BadKey("not a P-256 key"))?;
                let point = key
                    .compute_public_key()
                    .map_err(|_| JoseError::BadKey("EC key"))?;
                let mut public = ec_jwk(point.as_ref())?;
                public.use_ = Some("enc".into());
                public.alg = Some(alg.as_str().into());
                DecryptionKey::Ec { key, pkcs8, public }
            }
        };
        match &mut key {
            DecryptionKey::Rsa { public, .. } | DecryptionKey::Ec { public, .. } => {
                public.kid = (!kid.is_empty()).then(|| kid.to_owned());
            }
        }
        Ok(key)
    }

    /// From a raw P-256 private scalar (test vectors).
    pub fn ec_from_scalar(d: &[u8]) -> Result<DecryptionKey, JoseError> {
        let key = agreement::PrivateKey::from_private_key(&ECDH_P256, d)
            .map_err(|_| JoseError::BadKey("scalar"))?;
        let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&key)
            .map_err(|_| JoseError::BadKey("EC key"))?
            .as_ref()
            .to_vec();
        DecryptionKey::from_pkcs8(JweAlg::EcdhEs, "", pkcs8)
    }

    pub fn alg(&self) -> JweAlg {
        match self {
            DecryptionKey::Rsa { alg, .. } => *alg,
            DecryptionKey::Ec { .. } => JweAlg::EcdhEs,
        }
    }

    pub fn public_jwk(&self) -> Jwk {
        match self {
            DecryptionKey::Rsa { public, .. } | DecryptionKey::Ec { public, .. } => public.clone(),
        }
    }

    pub fn pkcs8(&self) -> &[u8] {
        match self {
            DecryptionKey::Rsa { pkcs8, .. } | DecryptionKey::Ec { pkcs8, .. } => pkcs8,
        }
    }

    /// Decrypts a compact JWE whose `alg` must be this key's and `enc` A256GCM.
    pub fn decrypt(&self, token: &str) -> Result<Vec<u8>, JoseError> {
        self.decrypt_as(token, self.alg())
    }

    /// Decrypts a compact JWE whose `alg` must be `expected` (pinned by the
    /// caller, of this key's type: an RSA key opens RSA-OAEP-256 and
    /// RSA-OAEP) and `enc` A256GCM.
    pub fn decrypt_as(&self, token: &str, expected: JweAlg) -> Result<Vec<u8>, JoseError> {
        if expected.key_type() != self.alg().key_type() {
            return Err(JoseError::UnexpectedAlg(expected.as_str().into()));
        }
        let parts: Vec<&str> = token.split('.').collect();
        let [protected, ek, iv, ct, tag] = parts.as_slice() else {
            return Err(JoseError::Malformed);
        };
        let header: Map<String, Value> = match serde_json::from_slice(&unb64(protected)?) {
            Ok(Value::Object(m)) => m,
            _ => return Err(JoseError::Malformed),
        };
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg != expected.as_str() {
            return Err(JoseError::UnexpectedAlg(alg.chars().take(16).collect()));
        }
        let enc = header.get("enc").and_then(Value::as_str).unwrap_or("");
        if enc != ENC {
            return Err(JoseError::UnexpectedAlg(enc.chars().take(16).collect()));
        }
        if header.contains_key("zip") || header.contains_key("crit") {
            return Err(JoseError::Malformed);
        }
        let ek = unb64(ek)?;
        let cek = match self {
            DecryptionKey::Rsa { key, .. } => {
                let mut out = vec![0u8; key.min_output_size()];
                let cek = key
                    .decrypt(oaep_padding(expected), &ek, &mut out, None)
                    .map_err(|_| JoseError::BadSignature)?;
                cek.to_vec()
            }
            DecryptionKey::Ec { key, .. } => {
                if !ek.is_empty() {
                    return Err(JoseError::Malformed);
                }
                let epk: Jwk = header
                    .get("epk")
                    .cloned()
                    .and_then(|v| serde_json::from_value(v).ok())
                    .ok_or(JoseError::BadKey("missing epk"))?;
                let point = ec_point(&epk)?;
                let apu = header
                    .get("apu")
                    .and_then(Value::as_str)
                    .map(unb64)
                    .transpose()?
                    .unwrap_or_default();
                let apv = header
                    .get("apv")
                    .and_then(Value::as_str)
                    .map(unb64)
                    .transpose()?
                    .unwrap_or_default();
                agreement::agree(
                    key,
                    UnparsedPublicKey::new(&ECDH_P256, &point),
                    JoseError::BadKey("epk not on P-256"),
                    |z| Ok(concat_kdf(z, ENC, &apu, &apv, 256)),
                )?
            }
        };
        decrypt_content(protected, &cek, &unb64(iv)?, &unb64(ct)?, &unb64(tag)?)
    }
}

/// The A256GCM content layer: AAD is the ASCII of the encoded protected header.
pub fn decrypt_content(
    protected_b64: &str,
    cek: &[u8],
    iv: &[u8],
    ct: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, JoseError> {
    if iv.len() != 12 || tag.len() != 16 {
        return Err(JoseError::Malformed);
    }
    let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| JoseError::Malformed)?;
    let mut buf = ct.to_vec();
    buf.extend_from_slice(tag);
    let plain = gcm(cek)?
        .open_in_place(nonce, Aad::from(protected_b64.as_bytes()), &mut buf)
        .map_err(|_| JoseError::BadSignature)?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests;
