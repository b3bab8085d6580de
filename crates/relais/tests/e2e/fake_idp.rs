//! A controllable upstream IdP for tests: it answers authorize at once
//! (no form) and misbehaves in exactly the way the test asks.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use relais_core::acr::AcrLevel;
use relais_core::partner::{IdentityProvider, IdpClientAuth, IdpEndpoints};
use relais_oidc::jose::{self, JwkSet, Signer};
use relais_oidc::{JwsAlg, SigningKey};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Good,
    BadSignature,
    UnknownKid,
    AlgNone,
    WrongIss,
    WrongAud,
    WrongNonce,
    Expired,
    MissingIdToken,
    SubMismatch,
    NoAcr,
    AcrNotAllowed,
    TokenGarbage,
    Token500,
    Userinfo500,
    UserinfoGarbage,
    SlowToken,
    ErrorAtAuthorize,
    /// The IdP replaced its key under the same kid: it publishes and signs
    /// with the new one.
    RotatedKey,
    /// RFC 9207: `iss` on the callback, this IdP's own.
    CallbackIss,
    /// RFC 9207: `iss` on the callback naming another IdP (mix-up attack).
    ForeignCallbackIss,
    /// A well-behaved IdP whose `exp` and `iat` carry a fraction of a
    /// second (RFC 7519 allows it).
    FractionalTimes,
}

pub struct FakeState {
    pub mode: Mutex<Mode>,
    pub claims: Mutex<Value>,
    key: SigningKey,
    other_key: SigningKey,
    issuer: String,
    /// nonce and redirect per issued code
    codes: Mutex<HashMap<String, (String, String)>>,
    clock_secs: Box<dyn Fn() -> i64 + Send + Sync>,
}

pub struct FakeIdp {
    pub state: Arc<FakeState>,
    pub issuer: String,
}

impl FakeIdp {
    pub async fn start(clock: relais_core::ManualClock) -> FakeIdp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let state = Arc::new(FakeState {
            mode: Mutex::new(Mode::Good),
            claims: Mutex::new(good_claims()),
            key: SigningKey::generate(JwsAlg::ES256, "fake-key").unwrap(),
            other_key: SigningKey::generate(JwsAlg::ES256, "fake-key").unwrap(),
            issuer: issuer.clone(),
            codes: Mutex::new(HashMap::new()),
            clock_secs: Box::new(move || relais_core::Clock::now_secs(&clock)),
        });
        let app = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .route("/jwks", get(jwks))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeIdp { state, issuer }
    }

    pub fn set(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    pub fn set_claims(&self, claims: Value) {
        *self.state.claims.lock().unwrap() = claims;
    }

    pub fn config(&self) -> IdentityProvider {
        let iss = &self.issuer;
        IdentityProvider {
            id: "fake".into(),
            title: "Fake IdP".into(),
            active: true,
            display: true,
            allowed_acr: vec![AcrLevel::Eidas1],
            amr: vec!["pwd".into()],
            discovery_url: None,
            endpoints: IdpEndpoints {
                issuer: iss.clone(),
                authorization_endpoint: format!("{iss}/authorize"),
                token_endpoint: format!("{iss}/token"),
                userinfo_endpoint: format!("{iss}/userinfo"),
                jwks_uri: format!("{iss}/jwks"),
                end_session_endpoint: None,
            },
            client_id: "relais".into(),
            client_secret: "fake-secret".into(),
            token_endpoint_auth_method: IdpClientAuth::ClientSecretPost,
            id_token_signed_response_alg: relais_core::JwsAlg::ES256,
            userinfo_signed_response_alg: None,
            end_session: false,
            timeout_ms: 500,
            scopes: vec![],
            assumed_acr: None,
            id_token_encrypted_response_alg: None,
            userinfo_encrypted_response_alg: None,
        }
    }
}

pub fn good_claims() -> Value {
    json!({"sub": "fake-sub-1", "given_name": "Test", "family_name": "FAKE", "birthdate": "1980-05-05",
        "gender": "female", "birthplace": "75107", "birthcountry": "99100", "email": "test@fake.example"})
}

async fn authorize(
    State(s): State<Arc<FakeState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    if *s.mode.lock().unwrap() == Mode::ErrorAtAuthorize {
        return Redirect::to(&format!("{redirect}?error=access_denied&state={state}"))
            .into_response();
    }
    let code = format!("code-{}", s.codes.lock().unwrap().len());
    s.codes.lock().unwrap().insert(
        code.clone(),
        (
            q.get("nonce").cloned().unwrap_or_default(),
            redirect.clone(),
        ),
    );
    let iss = match *s.mode.lock().unwrap() {
        Mode::CallbackIss => format!(
            "&iss={}",
            url::form_urlencoded::byte_serialize(s.issuer.as_bytes()).collect::<String>()
        ),
        Mode::ForeignCallbackIss => "&iss=https%3A%2F%2Fidp.attacker.example".to_owned(),
        _ => String::new(),
    };
    Redirect::to(&format!("{redirect}?code={code}&state={state}{iss}")).into_response()
}

async fn token(State(s): State<Arc<FakeState>>, body: axum::body::Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mode = *s.mode.lock().unwrap();
    let (nonce, _) = s
        .codes
        .lock()
        .unwrap()
        .get(form.get("code").map(String::as_str).unwrap_or(""))
        .cloned()
        .unwrap_or_default();
    match mode {
        Mode::Token500 => {
            return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response()
        }
        Mode::TokenGarbage => return "<html>not json</html>".into_response(),
        Mode::SlowToken => tokio::time::sleep(Duration::from_millis(1500)).await,
        _ => {}
    }
    let now = (s.clock_secs)();
    let mut claims = json!({"iss": s.issuer, "aud": "relais", "sub": "fake-sub-1", "exp": now + 60, "iat": now,
        "nonce": nonce, "acr": "eidas1"});
    match mode {
        Mode::WrongIss => claims["iss"] = json!("http://evil.example"),
        Mode::WrongAud => claims["aud"] = json!("someone-else"),
        Mode::WrongNonce => claims["nonce"] = json!("not-the-nonce"),
        Mode::Expired => claims["exp"] = json!(now - 3600),
        Mode::FractionalTimes => {
            claims["exp"] = json!(now as f64 + 59.25);
            claims["iat"] = json!(now as f64 - 0.5);
        }
        Mode::NoAcr => {
            claims.as_object_mut().unwrap().remove("acr");
        }
        Mode::AcrNotAllowed => claims["acr"] = json!("eidas2"),
        _ => {}
    }
    let id_token = match mode {
        Mode::BadSignature | Mode::RotatedKey => {
            jose::sign(&claims, Signer::Key(&s.other_key), None).unwrap()
        }
        Mode::UnknownKid => {
            let k = SigningKey::generate(JwsAlg::ES256, "unknown-kid").unwrap();
            jose::sign(&claims, Signer::Key(&k), None).unwrap()
        }
        Mode::AlgNone => {
            let b = |v: &Value| {
                base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    v.to_string(),
                )
            };
            format!("{}.{}.", b(&json!({"alg": "none"})), b(&claims))
        }
        _ => jose::sign(&claims, Signer::Key(&s.key), None).unwrap(),
    };
    let mut answer = json!({"access_token": "fake-access", "token_type": "Bearer", "expires_in": 60, "id_token": id_token});
    if mode == Mode::MissingIdToken {
        answer.as_object_mut().unwrap().remove("id_token");
    }
    axum::Json(answer).into_response()
}

async fn userinfo(State(s): State<Arc<FakeState>>) -> Response {
    let mode = *s.mode.lock().unwrap();
    let mut claims = s.claims.lock().unwrap().clone();
    match mode {
        Mode::Userinfo500 => return (axum::http::StatusCode::BAD_GATEWAY, "down").into_response(),
        Mode::UserinfoGarbage => {
            return ([(header::CONTENT_TYPE, "application/json")], "[1,2,").into_response()
        }
        Mode::SubMismatch => claims["sub"] = json!("another-person"),
        _ => {}
    }
    axum::Json(claims).into_response()
}

async fn jwks(State(s): State<Arc<FakeState>>) -> Response {
    axum::Json(JwkSet {
        keys: vec![if *s.mode.lock().unwrap() == Mode::RotatedKey {
            s.other_key.public_jwk()
        } else {
            s.key.public_jwk()
        }],
    })
    .into_response()
}
