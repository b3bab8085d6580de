//! Demo data providers: real HTTP APIs that release data only against a
//! Relais access token. For every request they call the federation's
//! `/checktoken` over HTTP with their own credentials (never peeking into
//! Relais' store), verify the signed answer against the federation's JWKS
//! (decrypting it first when they asked for encryption), and return JSON for
//! exactly the scopes that came back.

pub mod tables;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use relais_oidc::jose::{self, DecryptionKey, JweAlg, JwkSet, Verifier};
use relais_oidc::JwsAlg;
use serde_json::{json, Map, Value};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tables::Record;

#[derive(Clone)]
pub struct DemoDpSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub scopes: &'static [&'static str],
    pub resource: &'static str,
    pub signing: JwsAlg,
    pub encryption: Option<JweAlg>,
    pub table: &'static [Record],
}

pub static DEMO_DPS: &[DemoDpSpec] = &[
    DemoDpSpec {
        id: "caf",
        title: "Caisse d'allocations familiales",
        scopes: &["cnaf_quotient_familial"],
        resource: "quotient-familial",
        signing: JwsAlg::ES256,
        encryption: Some(JweAlg::EcdhEs),
        table: tables::CAF,
    },
    DemoDpSpec {
        id: "dgfip",
        title: "Direction générale des Finances publiques",
        scopes: &["dgfip_rfr", "dgfip_nbpart"],
        resource: "revenu-fiscal",
        signing: JwsAlg::RS256,
        encryption: Some(JweAlg::RsaOaep256),
        table: tables::DGFIP,
    },
    DemoDpSpec {
        id: "francetravail",
        title: "France Travail",
        scopes: &["francetravail_statut"],
        resource: "statut-demandeur-emploi",
        signing: JwsAlg::ES256,
        encryption: None,
        table: tables::FRANCE_TRAVAIL,
    },
    DemoDpSpec {
        id: "etudiant",
        title: "Cnous et Enseignement supérieur",
        scopes: &["mesri_statut_etudiant", "cnous_statut_boursier"],
        resource: "statut-etudiant",
        signing: JwsAlg::ES256,
        encryption: None,
        table: tables::ETUDIANT,
    },
];

pub fn spec(id: &str) -> Option<&'static DemoDpSpec> {
    DEMO_DPS.iter().find(|d| d.id == id)
}

pub struct DemoDp {
    pub spec: DemoDpSpec,
    pub client_id: String,
    pub client_secret: String,
    federation_issuer: String,
    key: Option<DecryptionKey>,
    http: reqwest::Client,
    federation_keys: RwLock<Option<JwkSet>>,
}

impl DemoDp {
    pub fn new(
        spec: &DemoDpSpec,
        client_id: &str,
        client_secret: &str,
        federation_issuer: &str,
    ) -> Result<DemoDp, String> {
        let key = match spec.encryption {
            Some(alg) => Some(
                DecryptionKey::generate(alg, &format!("{}-enc", spec.id))
                    .map_err(|e| e.to_string())?,
            ),
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(6))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(DemoDp {
            spec: spec.clone(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            federation_issuer: federation_issuer.trim_end_matches('/').to_owned(),
            key,
            http,
            federation_keys: RwLock::new(None),
        })
    }

    /// The public half of its encryption key, as a JWKS.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.key.iter().map(DecryptionKey::public_jwk).collect(),
        }
    }

    async fn federation_jwks(&self, refresh: bool) -> Result<JwkSet, String> {
        if !refresh {
            if let Some(k) = self.federation_keys.read().ok().and_then(|g| g.clone()) {
                return Ok(k);
            }
        }
        let set: JwkSet = self
            .http
            .get(format!("{}/jwks", self.federation_issuer))
            .send()
            .await
            .map_err(|_| "federation JWKS unreachable".to_owned())?
            .json()
            .await
            .map_err(|_| "federation JWKS unreadable".to_owned())?;
        if let Ok(mut g) = self.federation_keys.write() {
            *g = Some(set.clone());
        }
        Ok(set)
    }

    /// Asks the federation about `token`; returns `token_introspection`.
    pub async fn check(&self, token: &str) -> Result<Map<String, Value>, String> {
        let resp = self
            .http
            .post(format!("{}/checktoken", self.federation_issuer))
            .form(&[
                ("token", token),
                ("client_id", &self.client_id),
                ("client_secret", &self.client_secret),
            ])
            .send()
            .await
            .map_err(|_| "checktoken unreachable".to_owned())?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(format!("checktoken answered {}", resp.status()));
        }
        let ctype = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if !ctype.starts_with("application/token-introspection+jwt") {
            return Err("checktoken answer has the wrong content type".into());
        }
        let body = resp
            .text()
            .await
            .map_err(|_| "checktoken answer unreadable".to_owned())?;
        let jws = match &self.key {
            Some(k) => String::from_utf8(
                k.decrypt(body.trim())
                    .map_err(|e| format!("cannot decrypt: {e}"))?,
            )
            .map_err(|_| "decrypted answer is not text".to_owned())?,
            None => body.trim().to_owned(),
        };
        let keys = self.federation_jwks(false).await?;
        let claims = match jose::verify(&jws, self.spec.signing, Verifier::Keys(&keys)) {
            Err(jose::JoseError::UnknownKey) => {
                let fresh = self.federation_jwks(true).await?;
                jose::verify(&jws, self.spec.signing, Verifier::Keys(&fresh))
            }
            other => other,
        }
        .map_err(|e| format!("checktoken signature: {e}"))?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.federation_issuer.as_str())
            || claims.get("aud").and_then(Value::as_str) != Some(self.client_id.as_str())
        {
            return Err("checktoken answer for another issuer or audience".into());
        }
        match claims.get("token_introspection") {
            Some(Value::Object(t)) => Ok(t.clone()),
            _ => Err("no token_introspection".into()),
        }
    }
}

fn json_error(status: StatusCode, error: &str, message: &str) -> Response {
    let mut r = (
        status,
        axum::Json(json!({"error": error, "message": message})),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    r
}

async fn resource(State(dp): State<Arc<DemoDp>>, headers: HeaderMap) -> Response {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty())
    else {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Jeton d'accès manquant.",
        );
    };
    let introspection = match dp.check(token).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(dp = dp.spec.id, error = %e, "checktoken failed");
            return json_error(
                StatusCode::BAD_GATEWAY,
                "federation_unavailable",
                "La vérification du jeton a échoué.",
            );
        }
    };
    if introspection.get("active").and_then(Value::as_bool) != Some(true) {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Jeton d'accès inconnu, expiré ou révoqué.",
        );
    }
    let scopes: Vec<String> = introspection
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .filter(|s| dp.spec.scopes.contains(s))
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return json_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "Ce jeton ne donne accès à aucune donnée de ce fournisseur.",
        );
    }
    let Some(record) = tables::find(dp.spec.table, &introspection) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Aucun dossier ne correspond à cette personne.",
        );
    };
    let mut out = Map::new();
    for s in &scopes {
        if let Some(Value::Object(fields)) = (record.data)(s) {
            out.extend(fields);
        }
    }
    out.insert("scopes".into(), json!(scopes));
    out.insert("fournisseur".into(), json!(dp.spec.title));
    axum::Json(Value::Object(out)).into_response()
}

async fn jwks(State(dp): State<Arc<DemoDp>>) -> Response {
    axum::Json(dp.jwks()).into_response()
}

/// Routes of one demo DP (nest at `/dp/<id>`): `GET /api/<resource>`, `GET /jwks`.
pub fn router(dp: Arc<DemoDp>) -> Router {
    let path = format!("/api/{}", dp.spec.resource);
    Router::new()
        .route(&path, get(resource))
        .route("/jwks", get(jwks))
        .with_state(dp)
}
