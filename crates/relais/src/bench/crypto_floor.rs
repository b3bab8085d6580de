//! The cryptography floor of one login: the public-key operations the
//! federation cannot avoid for the configuration measured, each timed here
//! in-process on one core, so the CPU per login the run reports can be read
//! against it ("what is crypto, what is overhead").

use relais_core::JweAlg;
use relais_oidc::jose::{self, DecryptionKey, JwkSet, Signer, Verifier};
use relais_oidc::{JwsAlg, SigningKey};
use serde::Serialize;
use serde_json::json;
use std::time::Instant;

#[derive(Debug, Serialize)]
pub struct Operation {
    pub name: &'static str,
    /// Microseconds for one operation on this machine.
    pub micros: f64,
    /// How many a login of this configuration needs in the federation.
    pub per_login: u32,
}

#[derive(Debug, Serialize)]
pub struct CryptoFloor {
    pub operations: Vec<Operation>,
    /// Σ micros × per_login, in milliseconds.
    pub per_login_ms: f64,
}

fn time(n: u32, mut f: impl FnMut()) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n.max(1))
}

/// `plus`: the Plus configuration of `relais bench --plus` (assertion from
/// the service, both answers encrypted to it); `idp_rsa`: the IdP encrypts
/// its two answers with RSA-OAEP-256 and is sent an assertion (France
/// Identité), else ECDH-ES and a secret (La Poste). Standard: ID token and
/// userinfo signed, the IdP's ID token verified.
pub fn measure(plus: bool, idp_rsa: bool) -> Result<CryptoFloor, String> {
    let e = |e: relais_oidc::JoseError| e.to_string();
    let (sign, verify, jws) = signature_micros(JwsAlg::ES256)?;
    let mut ops = vec![
        Operation {
            name: "ES256 sign",
            micros: sign,
            per_login: if plus && idp_rsa { 3 } else { 2 },
        },
        Operation {
            name: "ES256 verify",
            micros: verify,
            per_login: if plus { 3 } else { 1 },
        },
    ];
    if plus {
        let rsa = DecryptionKey::generate(JweAlg::RsaOaep256, "r").map_err(e)?;
        let ec = DecryptionKey::generate(JweAlg::EcdhEs, "e").map_err(e)?;
        let to_rsa = jose::encrypt(jws.as_bytes(), &rsa.public_jwk(), JweAlg::RsaOaep256, None)
            .map_err(e)?;
        let to_ec =
            jose::encrypt(jws.as_bytes(), &ec.public_jwk(), JweAlg::EcdhEs, None).map_err(e)?;
        ops.push(Operation {
            name: "RSA-OAEP-256 encrypt (to the service)",
            micros: time(500, || {
                let _ = jose::encrypt(jws.as_bytes(), &rsa.public_jwk(), JweAlg::RsaOaep256, None);
            }),
            per_login: 1,
        });
        ops.push(Operation {
            name: "ECDH-ES encrypt (to the service)",
            micros: time(500, || {
                let _ = jose::encrypt(jws.as_bytes(), &ec.public_jwk(), JweAlg::EcdhEs, None);
            }),
            per_login: 1,
        });
        ops.push(if idp_rsa {
            Operation {
                name: "RSA-OAEP-256 decrypt (from the IdP)",
                micros: time(200, || {
                    let _ = rsa.decrypt(&to_rsa);
                }),
                per_login: 2,
            }
        } else {
            Operation {
                name: "ECDH-ES decrypt (from the IdP)",
                micros: time(500, || {
                    let _ = ec.decrypt(&to_ec);
                }),
                per_login: 2,
            }
        });
    }
    Ok(CryptoFloor::of(ops))
}

/// The floor of a login in FranceConnect's own topology (RS256 on both
/// legs): the ID token and the userinfo signed for the service, the IdP's
/// ID token verified. What the side-by-side rig (bench/side-by-side) sets
/// the federation's CPU per login against.
pub fn rs256_login() -> Result<CryptoFloor, String> {
    let (sign, verify, _) = signature_micros(JwsAlg::RS256)?;
    Ok(CryptoFloor::of(vec![
        Operation {
            name: "RS256 sign",
            micros: sign,
            per_login: 2,
        },
        Operation {
            name: "RS256 verify",
            micros: verify,
            per_login: 1,
        },
    ]))
}

/// One signature and one verification of an ID token's size with `alg`,
/// in microseconds, and a token signed with it.
fn signature_micros(alg: JwsAlg) -> Result<(f64, f64, String), String> {
    let e = |e: relais_oidc::JoseError| e.to_string();
    let key = SigningKey::generate(alg, "floor").map_err(e)?;
    let set = JwkSet {
        keys: vec![key.public_jwk()],
    };
    let claims = json!({"iss": "https://relais.example/api/v2", "sub": "a".repeat(66),
        "aud": "sp", "exp": 1, "iat": 1, "nonce": "n".repeat(32), "acr": "eidas3"});
    let jws = jose::sign(&claims, Signer::Key(&key), None).map_err(e)?;
    let n = if alg == JwsAlg::RS256 { 300 } else { 2000 };
    let sign = time(n, || {
        let _ = jose::sign(&claims, Signer::Key(&key), None);
    });
    let verify = time(n, || {
        let _ = jose::verify(&jws, alg, Verifier::Keys(&set));
    });
    Ok((sign, verify, jws))
}

impl CryptoFloor {
    fn of(operations: Vec<Operation>) -> Self {
        let per_login_ms = operations
            .iter()
            .map(|o| o.micros * f64::from(o.per_login))
            .sum::<f64>()
            / 1000.0;
        CryptoFloor {
            operations,
            per_login_ms,
        }
    }

    /// `0.091 ms per login (2 × 17 µs ES256 sign, …)`
    pub fn summary(&self) -> String {
        format!(
            "{:.3} ms per login ({})",
            self.per_login_ms,
            self.operations
                .iter()
                .map(|o| format!("{} × {} µs {}", o.per_login, o.micros.round(), o.name))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
