//! The canteen's OpenID Connect client: what any service integrating Relais
//! writes. Code flow with state, nonce and PKCE; the ID token and the
//! userinfo JWT are verified against the federation's published keys.

use relais_core::Randomness;
use relais_oidc::jose::{self, JwkSet, Verifier};
use relais_oidc::JwsAlg;
use serde_json::{Map, Value};
use std::sync::RwLock;

pub struct OidcClient {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
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
            client_secret: client_secret.to_owned(),
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
            .append_pair("acr_values", "eidas1")
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
        let resp = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
                ("code_verifier", &pending.verifier),
            ])
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
        let userinfo = self
            .verify(
                ui.text()
                    .await
                    .map_err(|_| "userinfo illisible".to_owned())?
                    .trim(),
            )
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

    pub fn logout_url(&self, id_token: &str, post_logout: &str, state: &str) -> String {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", post_logout)
            .append_pair("state", state)
            .finish();
        format!("{}/session/end?{q}", self.issuer)
    }
}
