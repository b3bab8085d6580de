//! The demo services' OpenID Connect client: what any service integrating
//! Relais writes. Code flow with state, nonce and PKCE; the ID token and the
//! userinfo JWT are verified against the federation's published keys. The
//! canteen authenticates with its secret on Standard; a Plus service (the
//! registered-letter demo) signs a `private_key_jwt` assertion and opens
//! the ID token and userinfo Relais encrypted to its own keys.

use relais_core::{JweAlg, Randomness};
use relais_oidc::client_assertion::JWT_BEARER;
use relais_oidc::idp_client::open_answer;
use relais_oidc::jose::{self, DecryptionKey, JwkSet, Signer, Verifier};
use relais_oidc::{JwsAlg, SigningKey};
use serde_json::{json, Map, Value};
use std::sync::{Arc, RwLock};

#[derive(Clone, Copy)]
enum Answer {
    IdToken,
    Userinfo,
}

/// How the service proves who it is, and what it can open.
pub enum ClientAuth {
    Secret(String),
    Keys(Arc<ServiceKeys>),
}

/// A Plus service's own keys: one ES256 signing key for its assertions,
/// RSA-OAEP-256 (ID token) and ECDH-ES (userinfo) keys to receive answers.
pub struct ServiceKeys {
    pub signing: SigningKey,
    pub id_token_key: Arc<DecryptionKey>,
    pub userinfo_key: Arc<DecryptionKey>,
}

impl ServiceKeys {
    pub fn generate() -> Result<ServiceKeys, String> {
        let e = |e: relais_oidc::JoseError| e.to_string();
        Ok(ServiceKeys {
            signing: SigningKey::generate(JwsAlg::ES256, "").map_err(e)?,
            id_token_key: Arc::new(
                DecryptionKey::generate(JweAlg::RsaOaep256, "enc-rsa").map_err(e)?,
            ),
            userinfo_key: Arc::new(DecryptionKey::generate(JweAlg::EcdhEs, "enc-ec").map_err(e)?),
        })
    }

    /// The public half, as the service publishes it at its `jwks_uri`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![
                self.signing.public_jwk(),
                self.id_token_key.public_jwk(),
                self.userinfo_key.public_jwk(),
            ],
        }
    }
}

pub struct OidcClient {
    pub issuer: String,
    pub client_id: String,
    pub auth: ClientAuth,
    /// `acr_values` sent (Standard `eidas1`; Plus `eidas2 eidas3`, say).
    pub acr_values: String,
    pub redirect_uri: String,
    http: reqwest::Client,
    keys: RwLock<Option<JwkSet>>,
}

/// What the citizen's browser must bring back.
#[derive(Clone)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

pub struct Tokens {
    /// The signed ID token, opened when it came encrypted: the hint a
    /// logout sends (OpenID Connect Core §3.1.2.1: an encrypted ID token
    /// is decrypted before it serves as `id_token_hint`).
    pub id_token: String,
    pub access_token: String,
    pub id_claims: Map<String, Value>,
    pub userinfo: Map<String, Value>,
}

impl OidcClient {
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        redirect_uri: &str,
        http: reqwest::Client,
    ) -> OidcClient {
        OidcClient {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            auth: ClientAuth::Secret(client_secret.to_owned()),
            acr_values: "eidas1".into(),
            redirect_uri: redirect_uri.to_owned(),
            http,
            keys: RwLock::new(None),
        }
    }

    pub fn start(&self, random: &dyn Randomness, scope: &str) -> (String, PendingLogin) {
        let pending = PendingLogin {
            state: random.token(16),
            nonce: random.token(32),
            verifier: random.token(48),
        };
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", scope)
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("acr_values", &self.acr_values)
            .append_pair(
                "code_challenge",
                &relais_oidc::pkce::s256_challenge(&pending.verifier),
            )
            .append_pair("code_challenge_method", "S256")
            .finish();
        (format!("{}/authorize?{q}", self.issuer), pending)
    }

    async fn keys(&self, refresh: bool) -> Result<JwkSet, String> {
        if !refresh {
            if let Some(k) = self.keys.read().ok().and_then(|g| g.clone()) {
                return Ok(k);
            }
        }
        let set: JwkSet = self
            .http
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .map_err(|_| "clés de Relais injoignables".to_owned())?
            .json()
            .await
            .map_err(|_| "clés de Relais illisibles".to_owned())?;
        if let Ok(mut g) = self.keys.write() {
            *g = Some(set.clone());
        }
        Ok(set)
    }

    async fn verify(&self, jwt: &str) -> Result<Map<String, Value>, String> {
        let keys = self.keys(false).await?;
        match jose::verify(jwt, JwsAlg::ES256, Verifier::Keys(&keys)) {
            Err(jose::JoseError::UnknownKey) => {
                jose::verify(jwt, JwsAlg::ES256, Verifier::Keys(&self.keys(true).await?))
            }
            other => other,
        }
        .map_err(|e| format!("signature invalide : {e}"))
    }

    /// Exchanges the code and verifies everything that comes back.
    pub async fn finish(
        &self,
        code: &str,
        pending: &PendingLogin,
        now_secs: i64,
    ) -> Result<Tokens, String> {
        let token_endpoint = format!("{}/token", self.issuer);
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", self.redirect_uri.clone()),
            ("code_verifier", pending.verifier.clone()),
        ];
        let mut req = self.http.post(&token_endpoint);
        match &self.auth {
            ClientAuth::Secret(secret) => req = req.basic_auth(&self.client_id, Some(secret)),
            ClientAuth::Keys(keys) => {
                let claims = json!({"iss": self.client_id, "sub": self.client_id,
                    "aud": token_endpoint, "iat": now_secs, "exp": now_secs + 60,
                    "jti": format!("{}-{now_secs}", pending.state)});
                let assertion = jose::sign(&claims, Signer::Key(&keys.signing), None)
                    .map_err(|e| format!("assertion : {e}"))?;
                form.push(("client_id", self.client_id.clone()));
                form.push(("client_assertion_type", JWT_BEARER.to_owned()));
                form.push(("client_assertion", assertion));
            }
        }
        let resp = req
            .form(&form)
            .send()
            .await
            .map_err(|_| "Relais injoignable".to_owned())?;
        if !resp.status().is_success() {
            return Err(format!("échange du code refusé ({})", resp.status()));
        }
        let body: Map<String, Value> = resp
            .json()
            .await
            .map_err(|_| "réponse de jeton illisible".to_owned())?;
        let id_token = body
            .get("id_token")
            .and_then(Value::as_str)
            .ok_or("pas de jeton d'identité")?
            .to_owned();
        let access_token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or("pas de jeton d'accès")?
            .to_owned();
        let id_token = self.open(&id_token, Answer::IdToken)?;
        let id_claims = self.verify(&id_token).await?;
        let s = |k: &str| id_claims.get(k).and_then(Value::as_str);
        if s("iss") != Some(self.issuer.as_str()) || s("aud") != Some(self.client_id.as_str()) {
            return Err("jeton d'identité destiné à un autre service".into());
        }
        if s("nonce") != Some(pending.nonce.as_str()) {
            return Err("nonce incorrect".into());
        }
        if id_claims
            .get("exp")
            .and_then(Value::as_i64)
            .is_none_or(|exp| exp + 30 < now_secs)
        {
            return Err("jeton d'identité expiré".into());
        }
        let ui = self
            .http
            .get(format!("{}/userinfo", self.issuer))
            .bearer_auth(&access_token)
            .send()
            .await
            .map_err(|_| "Relais injoignable".to_owned())?;
        if !ui.status().is_success() {
            return Err(format!("userinfo refusé ({})", ui.status()));
        }
        let body = ui
            .text()
            .await
            .map_err(|_| "userinfo illisible".to_owned())?;
        let userinfo = self
            .verify(&self.open(body.trim(), Answer::Userinfo)?)
            .await?;
        if userinfo.get("sub") != id_claims.get("sub")
            || userinfo.get("aud").and_then(Value::as_str) != Some(self.client_id.as_str())
        {
            return Err("userinfo incohérent avec le jeton d'identité".into());
        }
        Ok(Tokens {
            id_token,
            access_token,
            id_claims,
            userinfo,
        })
    }

    /// The signed JWT of an answer: decrypted with the service's key of
    /// that answer when it has keys (pinned: a plain JWS is refused then).
    fn open(&self, token: &str, which: Answer) -> Result<String, String> {
        match &self.auth {
            ClientAuth::Secret(_) => Ok(token.to_owned()),
            ClientAuth::Keys(keys) => {
                let key = match which {
                    Answer::IdToken => &keys.id_token_key,
                    Answer::Userinfo => &keys.userinfo_key,
                };
                open_answer(token, Some(key.alg()), std::slice::from_ref(key))
                    .map_err(|e| format!("réponse chiffrée illisible : {e}"))
            }
        }
    }

    pub fn logout_url(&self, id_token: &str, post_logout: &str, state: &str) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", post_logout)
            .append_pair("state", state)
            .finish();
        format!("{}/session/end?{q}", self.issuer)
    }
}
