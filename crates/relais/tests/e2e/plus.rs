//! The Plus platform (FranceConnect+): an independent client written with
//! jwcrypto (`tests/interop/plus_rp.py`, no Relais code) completes a login
//! with `private_key_jwt` and encrypted answers, and each refusal of the
//! platform has its test.

use crate::browser::{login, Browser};
use crate::fake_idp::{FakeIdp, Mode};
use crate::harness::{authorize_url, Fed};
use relais_core::partner::{AnswerEncryption, ServiceProvider, SpAuthMethod};
use relais_core::{AcrLevel, JweAlg, JwsAlg};
use serde_json::{json, Value};

pub const PLUS_NONCE: &str = "nonce-plus-0123456789abcdefghijklmnop";

/// Runs the independent client (`tests/interop/plus_rp.py`).
pub async fn plus_rp(args: &[&str], stdin: Option<&Value>) -> Value {
    crate::interop::run_async("plus_rp.py", args, stdin).await
}

/// A Plus service whose keys the independent client holds: ID token to its
/// RSA key, userinfo to its EC key.
pub fn plus_sp(client_id: &str, keys: &Value) -> ServiceProvider {
    let mut sp = Fed::sp(client_id, client_id);
    sp.client_secret = String::new();
    sp.token_endpoint_auth_method = SpAuthMethod::PrivateKeyJwt;
    sp.jwks = Some(keys["jwks"].clone());
    sp.id_token_signed_response_alg = JwsAlg::ES256;
    sp.userinfo_signed_response_alg = Some(JwsAlg::ES256);
    sp.id_token_encryption = Some(AnswerEncryption {
        alg: JweAlg::RsaOaep256,
        enc: Default::default(),
    });
    sp.userinfo_encryption = Some(AnswerEncryption {
        alg: JweAlg::EcdhEs,
        enc: Default::default(),
    });
    sp.scopes.retain(|s| s != "idp_birthdate");
    sp
}

fn plus_authorize(fed: &Fed, client_id: &str, acr: &str) -> String {
    authorize_url(
        fed,
        client_id,
        &[
            ("acr_values", acr),
            ("nonce", PLUS_NONCE),
            ("scope", "openid identite_pivot email"),
        ],
    )
}

/// Logs `citizen` in at `idp` for `client_id`; returns the code.
pub async fn plus_code(fed: &Fed, client_id: &str, acr: &str, idp: &str) -> String {
    let b = Browser::new();
    let back = login(
        &b,
        &fed.base,
        &plus_authorize(fed, client_id, acr),
        idp,
        "angela",
    )
    .await;
    assert_eq!(back.status, 303, "{}", back.body);
    let params = back.location_params();
    params
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code: {:?}", back.location))
}

/// The independent client's code exchange, token to userinfo, for
/// `client_id`; `with` adds or overrides request fields (the expected
/// encryptions, `dpop`, another `nonce`).
async fn plus_token(fed: &Fed, client_id: &str, code: &str, keys: &Value, with: Value) -> Value {
    let mut req = json!({"issuer": fed.issuer(), "client_id": client_id, "code": code,
        "redirect_uri": redirect_of(client_id), "keys": keys, "nonce": PLUS_NONCE});
    for (k, v) in with.as_object().into_iter().flatten() {
        req[k] = v.clone();
    }
    plus_rp(&["token"], Some(&req)).await
}

fn redirect_of(client_id: &str) -> String {
    format!("http://127.0.0.1:9/{client_id}/cb")
}

#[tokio::test]
async fn an_independent_client_completes_a_plus_login_with_keys_and_encryption() {
    let fed = Fed::start_plus().await;
    let keys = plus_rp(&["keys"], None).await;
    fed.register_sp(plus_sp("sp-plus", &keys)).await;

    // Discovery says exactly what the platform accepts.
    let disco: Value = reqwest::get(format!("{}/.well-known/openid-configuration", fed.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(disco["acr_values_supported"], json!(["eidas2", "eidas3"]));
    assert_eq!(
        disco["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(
        disco["id_token_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(
        disco["id_token_encryption_alg_values_supported"],
        json!(["ECDH-ES", "RSA-OAEP", "RSA-OAEP-256"])
    );
    assert_eq!(
        disco["token_endpoint_auth_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(
        disco["revocation_endpoint_auth_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(
        disco["userinfo_encryption_enc_values_supported"],
        json!(["A256GCM"])
    );
    // Relais publishes encryption keys for the IdPs that encrypt to it.
    let jwks: Value = reqwest::get(disco["jwks_uri"].as_str().unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let enc: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["use"] == "enc")
        .collect();
    assert_eq!(enc.len(), 2, "one RSA-OAEP-256 and one ECDH-ES key: {jwks}");

    // The consent page has the checkbox FranceConnect+ shows.
    let b = Browser::new();
    let consent = crate::browser::to_consent(
        &b,
        &fed.base,
        &plus_authorize(&fed, "sp-plus", "eidas3"),
        "franceidentite",
        "angela",
    )
    .await;
    assert!(
        consent.body.contains("type=\"checkbox\""),
        "consent checkbox on Plus: {}",
        consent.body
    );
    let unticked = b.submit(&consent, &fed.base, "/consent", &[]).await;
    assert_ne!(unticked.status, 303, "no code without the box ticked");

    // France Identité (démo) authenticates Relais with private_key_jwt and
    // encrypts to it; the service gets eidas3.
    let code = plus_code(&fed, "sp-plus", "eidas3", "franceidentite").await;
    let out = plus_token(
        &fed,
        "sp-plus",
        &code,
        &keys,
        json!({"id_token_enc_alg": "RSA-OAEP-256", "userinfo_enc_alg": "ECDH-ES"}),
    )
    .await;
    assert_eq!(
        out["token_keys"],
        json!([
            "access_token",
            "expires_in",
            "id_token",
            "scope",
            "token_type"
        ])
    );
    assert_eq!(out["id_token"]["acr"], "eidas3");
    assert_eq!(out["id_token_sig_alg"], "ES256");
    assert_eq!(out["id_token_enc"], json!(["RSA-OAEP-256", "A256GCM"]));
    assert_eq!(out["userinfo_enc"], json!(["ECDH-ES", "A256GCM"]));
    assert_eq!(out["userinfo"]["given_name"], "Angela Claire Louise");
    assert!(out["userinfo_content_type"]
        .as_str()
        .unwrap()
        .starts_with("application/jwt"));

    // La Poste (démo) encrypts with ECDH-ES and serves eidas2 only; an
    // eidas2 request gets eidas2. The service now registers RSA-OAEP for
    // its ID token, as services written for FranceConnect+ do.
    let mut fc_plus_style = plus_sp("sp-plus", &keys);
    fc_plus_style.id_token_encryption = Some(AnswerEncryption {
        alg: JweAlg::RsaOaep,
        enc: Default::default(),
    });
    fed.register_sp(fc_plus_style).await;
    let code = plus_code(&fed, "sp-plus", "eidas2", "laposte").await;
    let out = plus_token(
        &fed,
        "sp-plus",
        &code,
        &keys,
        json!({"id_token_enc_alg": "RSA-OAEP", "userinfo_enc_alg": "ECDH-ES"}),
    )
    .await;
    assert_eq!(out["id_token"]["acr"], "eidas2", "{out}");
    assert_eq!(out["id_token_enc"], json!(["RSA-OAEP", "A256GCM"]));
}

async fn token_call(fed: &Fed, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/token", fed.issuer()))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn with_assertion(fed: &Fed, assertion: &str) -> (u16, Value) {
    let redirect = redirect_of("sp-plus");
    token_call(
        fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", "not-a-real-code"),
            ("redirect_uri", &redirect),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ],
    )
    .await
}

async fn assertion(keys: &Value, extra: Value) -> String {
    let mut req = json!({"client_id": "sp-plus", "keys": keys});
    // `extra` may name another client.
    for (k, v) in extra.as_object().unwrap() {
        req[k] = v.clone();
    }
    plus_rp(&["assertion"], Some(&req)).await["assertion"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_client_authentication_refusal_of_plus_has_its_code() {
    let fed = Fed::start_plus().await;
    let keys = plus_rp(&["keys"], None).await;
    fed.register_sp(plus_sp("sp-plus", &keys)).await;
    let token_endpoint = format!("{}/token", fed.issuer());

    // A good assertion authenticates: the (fake) code is what fails.
    let good = assertion(&keys, json!({"aud": token_endpoint})).await;
    let (status, body) = with_assertion(&fed, &good).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("Y030103")),
        "{body}"
    );
    // The same assertion again: replay.
    let (status, body) = with_assertion(&fed, &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(body["code"], "Y030110", "replayed jti");
    // An assertion is spent by a request refused before the code is
    // looked at (no grant_type) all the same: it cannot be replayed.
    let early = assertion(&keys, json!({"aud": token_endpoint})).await;
    let (status, body) = token_call(
        &fed,
        &[
            ("code", "not-a-real-code"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &early),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    assert_eq!(
        with_assertion(&fed, &early).await.1["code"],
        "Y030110",
        "spent by the refused request"
    );
    // The issuer as audience is fine too.
    let to_issuer = assertion(&keys, json!({"aud": fed.issuer()})).await;
    assert_eq!(with_assertion(&fed, &to_issuer).await.1["code"], "Y030103");
    // Times with a fraction of a second (RFC 7519's NumericDate) are fine.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let fractional = assertion(
        &keys,
        json!({"aud": token_endpoint, "lifetime": 59.5, "iat": now - 0.25}),
    )
    .await;
    assert_eq!(with_assertion(&fed, &fractional).await.1["code"], "Y030103");

    let cases = [
        (
            json!({"aud": token_endpoint, "lifetime": -10}),
            "Y030108",
            "expired",
        ),
        (
            json!({"aud": token_endpoint, "lifetime": 3600}),
            "Y030108",
            "lives an hour",
        ),
        (
            json!({"aud": "https://elsewhere.example/token"}),
            "Y030109",
            "wrong aud",
        ),
    ];
    for (extra, code, why) in cases {
        let (status, body) = with_assertion(&fed, &assertion(&keys, extra).await).await;
        assert_eq!(status, 401, "{why}: {body}");
        assert_eq!(body["error"], "invalid_client", "{why}");
        assert_eq!(body["code"], code, "{why}: {body}");
    }
    // Signed with a key the service never registered.
    let stranger = plus_rp(&["keys"], None).await;
    let mut req = json!({"client_id": "sp-plus", "keys": stranger, "aud": token_endpoint});
    req["keys"]["private"]["sig"]["kid"] = json!("sp-sig-unknown");
    let unknown = plus_rp(&["assertion"], Some(&req)).await["assertion"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = with_assertion(&fed, &unknown).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("Y030107")),
        "unknown kid"
    );

    // A secret is refused on Plus, even presented as Basic.
    let (status, body) = token_call(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", &redirect_of("sp-plus")),
            ("client_id", "sp-plus"),
            ("client_secret", "any-secret-0123456789"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(body["code"], "Y030111");
}

#[tokio::test]
async fn plus_refuses_what_it_does_not_serve() {
    let fed = Fed::start_plus().await;
    let keys = plus_rp(&["keys"], None).await;
    fed.register_sp(plus_sp("sp-plus", &keys)).await;

    // RS256, an unencrypted service, a secret service: refused at registration.
    let registry = &fed.node.app.registry;
    let mut rs = plus_sp("sp-rs", &keys);
    rs.id_token_signed_response_alg = JwsAlg::RS256;
    let e = registry.upsert_sp(&rs).await.unwrap_err().to_string();
    assert!(
        e.contains("id_token_signed_response_alg: must be ES256"),
        "{e}"
    );
    let mut clear = plus_sp("sp-clear", &keys);
    clear.id_token_encryption = None;
    let e = registry.upsert_sp(&clear).await.unwrap_err().to_string();
    assert!(e.contains("id_token_encrypted_response_alg"), "{e}");
    let e = registry
        .upsert_sp(&Fed::sp("sp-secret", "org"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("token_endpoint_auth_method"), "{e}");

    let b = Browser::new();
    // eidas1 asked: not served here.
    let page = b
        .get(&authorize_url(
            &fed,
            "sp-plus",
            &[("acr_values", "eidas1"), ("nonce", PLUS_NONCE)],
        ))
        .await;
    assert_eq!(
        page.location_params().get("error").map(String::as_str),
        Some("invalid_acr")
    );
    // A 22-character nonce is enough on Standard, not on Plus.
    let page = b
        .get(&authorize_url(&fed, "sp-plus", &[("acr_values", "eidas3")]))
        .await;
    assert_eq!(page.status, 400, "short nonce refused: {}", page.body);
    assert_eq!(page.error_code().as_deref(), Some("Y030007"));

    // An IdP that answers eidas1 to an eidas3 request is refused.
    let fake = FakeIdp::start(fed.clock.clone()).await;
    let mut cfg = fake.config();
    cfg.allowed_acr = vec![AcrLevel::Eidas1, AcrLevel::Eidas3];
    fed.register_idp(cfg).await;
    fake.set(Mode::Good);
    let chooser = b
        .follow(
            b.get(&plus_authorize(&fed, "sp-plus", "eidas3")).await,
            &fed.base,
        )
        .await;
    let to_idp = b
        .submit(&chooser, &fed.base, "/idp", &[("idp", "fake")])
        .await;
    let at_fake = b.get(to_idp.location.as_deref().unwrap()).await;
    let back = b.get(at_fake.location.as_deref().unwrap()).await;
    assert_eq!(
        back.error_code().as_deref(),
        Some("Y100001"),
        "{}",
        back.body
    );
}

#[tokio::test]
async fn jwe_interoperates_with_jwcrypto_in_both_directions() {
    use relais_oidc::jose::{self, DecryptionKey, Jwk};
    // jwcrypto encrypts to Relais' keys; Relais opens.
    for alg in [JweAlg::RsaOaep256, JweAlg::RsaOaep, JweAlg::EcdhEs] {
        let key = DecryptionKey::generate(alg, "relais-enc").unwrap();
        let out = plus_rp(
            &["seal"],
            Some(&json!({"public": key.public_jwk(), "alg": alg.as_str(), "payload": "a.b.c"})),
        )
        .await;
        let plain = key.decrypt(out["jwe"].as_str().unwrap()).unwrap();
        assert_eq!(plain, b"a.b.c", "{alg}");
    }
    // Relais encrypts to jwcrypto's keys; jwcrypto opens (and checks the
    // inner signature) — what every Plus service does with our answers.
    let keys = plus_rp(&["keys"], None).await;
    let signer = relais_oidc::SigningKey::generate(JwsAlg::ES256, "sig").unwrap();
    let jws = jose::sign(&json!({"sub": "x"}), jose::Signer::Key(&signer), None).unwrap();
    for (alg, name) in [
        (JweAlg::RsaOaep256, "rsa"),
        (JweAlg::RsaOaep, "rsa"),
        (JweAlg::EcdhEs, "ec"),
    ] {
        let public: Jwk = serde_json::from_value(keys["private"][name].clone()).unwrap();
        let token = jose::encrypt(jws.as_bytes(), &public, alg, Some("JWT")).unwrap();
        let req = json!({"token": token, "private": keys["private"][name],
            "jwks": {"keys": [signer.public_jwk()]}, "alg": "ES256"});
        let opened = crate::interop::run_async("jose_check.py", &["open"], Some(&req)).await;
        assert_eq!(opened["payload"]["sub"], "x", "{alg}");
    }
}

#[tokio::test]
async fn the_registered_letter_demo_logs_in_through_plus() {
    let fed =
        Fed::start_configured(true, |c| c.server.platform = relais_core::Platform::Plus).await;
    let site = fed.canteen_base();
    let b = Browser::new();
    let home = b.get(&format!("{site}/")).await;
    assert!(
        crate::browser::html_unescape(&home.body).contains("S'identifier avec Relais+"),
        "{}",
        home.body
    );
    let jwks: Value = reqwest::get(format!("{site}/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        3,
        "signing + two encryption keys"
    );
    let to_relais = b.get(&format!("{site}/login")).await;
    let authorize = to_relais.location.clone().unwrap();
    assert!(
        authorize.contains("acr_values=eidas2+eidas3"),
        "{authorize}"
    );
    let back = login(&b, &fed.base, &authorize, "franceidentite", "angela").await;
    let callback = back.location.clone().unwrap();
    assert!(callback.starts_with(&site), "{callback}");
    let after = b.get(&callback).await;
    assert_eq!(after.location.as_deref(), Some("/"), "{}", after.body);
    let landed = b.get(&format!("{site}/")).await;
    assert_eq!(landed.status, 200);
    assert!(
        landed.body.contains("Votre identité est vérifiée"),
        "{}",
        landed.body
    );
    assert!(
        landed.body.contains("<strong>eidas2</strong>"),
        "{}",
        landed.body
    );
    assert!(landed.body.contains("Angela Claire Louise"));
}

#[tokio::test]
async fn par_and_dpop_with_an_independent_client() {
    let fed = Fed::start_plus().await;
    let keys = plus_rp(&["keys"], None).await;
    let mut sp = plus_sp("sp-fapi", &keys);
    sp.require_pushed_authorization_requests = true;
    sp.dpop_bound_access_tokens = true;
    sp.scopes.push("test_data");
    fed.register_sp(sp).await;
    let dp_secret = "dp-secret-0123456789abcdef";
    let dp = relais_core::partner::DataProvider {
        id: "testdp".into(),
        title: "Données de test".into(),
        client_id: "dp-test".into(),
        client_secret: dp_secret.into(),
        scopes: vec!["test_data".into()],
        active: true,
        checktoken_signed_response_alg: JwsAlg::ES256,
        checktoken_encrypted_response_alg: None,
        encryption_jwk: None,
        jwks_uri: None,
    };
    fed.node.app.registry.upsert_dp(&dp).await.unwrap();
    fed.node.app.registry.reload().await.unwrap();

    // This service must push its requests: parameters in the URL are refused.
    let b = Browser::new();
    let page = b.get(&plus_authorize(&fed, "sp-fapi", "eidas3")).await;
    assert_eq!(
        page.error_code().as_deref(),
        Some("Y030114"),
        "{}",
        page.body
    );

    let params = json!({"redirect_uri": redirect_of("sp-fapi"), "response_type": "code",
        "scope": "openid identite_pivot email test_data", "state": "st-par",
        "nonce": PLUS_NONCE, "acr_values": "eidas3"});
    let pushed = plus_rp(
        &["par"],
        Some(&json!({"issuer": fed.issuer(), "client_id": "sp-fapi", "keys": keys, "params": params})),
    )
    .await;
    assert_eq!(pushed["status"], 201, "{pushed}");
    assert_eq!(pushed["body"]["expires_in"], 60);
    let request_uri = pushed["body"]["request_uri"].as_str().unwrap().to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    // A pushed request is checked by the rules of /authorize.
    let mut bad = params.clone();
    bad["acr_values"] = json!("eidas1");
    let refused = plus_rp(
        &["par"],
        Some(&json!({"issuer": fed.issuer(), "client_id": "sp-fapi", "keys": keys, "params": bad})),
    )
    .await;
    assert_eq!(refused["status"], 400, "{refused}");
    assert_eq!(refused["body"]["code"], "Y030113");

    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "sp-fapi")
        .append_pair("request_uri", &request_uri)
        .finish();
    let authorize = format!("{}/authorize?{q}", fed.issuer());
    let back = login(&b, &fed.base, &authorize, "franceidentite", "angela").await;
    assert_eq!(back.status, 303, "{}", back.body);
    let params_back = back.location_params();
    assert_eq!(params_back.get("state").map(String::as_str), Some("st-par"));
    let code = params_back["code"].clone();
    // A request_uri is used once.
    let again = Browser::new().get(&authorize).await;
    assert_eq!(
        again.error_code().as_deref(),
        Some("Y030116"),
        "{}",
        again.body
    );

    // Without a DPoP proof, a DPoP-bound client gets no token.
    let no_proof = assertion(
        &keys,
        json!({"client_id": "sp-fapi", "aud": format!("{}/token", fed.issuer())}),
    )
    .await;
    let (status, body) = token_call(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect_of("sp-fapi")),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &no_proof),
        ],
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("Y030112")),
        "{body}"
    );

    let out = plus_token(
        &fed,
        "sp-fapi",
        &code,
        &keys,
        json!({"id_token_enc_alg": "RSA-OAEP-256", "userinfo_enc_alg": "ECDH-ES", "dpop": true}),
    )
    .await;
    assert_eq!(out["token_type"], "DPoP", "{out}");
    assert_eq!(out["userinfo"]["family_name"], "DUBOIS", "{out}");
    for refusal in ["as_bearer", "other_key", "no_ath", "replayed"] {
        assert_eq!(out["dpop"][refusal], 401, "{refusal}: {out}");
    }
    assert_eq!(out["dpop"]["htu_other_form"], 200, "{out}");
    // The data provider learns the key the token is bound to.
    let r = reqwest::Client::new()
        .post(format!("{}/checktoken", fed.issuer()))
        .form(&[
            ("token", out["access_token"].as_str().unwrap()),
            ("client_id", "dp-test"),
            ("client_secret", dp_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let jwt = r.text().await.unwrap();
    let payload = jwt.split('.').nth(1).unwrap();
    use base64::Engine;
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        payload["token_introspection"]["cnf"]["jkt"], out["dpop"]["jkt"],
        "{payload}"
    );
}

#[tokio::test]
async fn plus_sessions_last_ten_minutes_and_sso_serves_eidas2_only() {
    let fed = Fed::start_plus().await;
    let keys = plus_rp(&["keys"], None).await;
    fed.register_sp(plus_sp("sp-one", &keys)).await;
    fed.register_sp(plus_sp("sp-two", &keys)).await;
    let b = Browser::new();
    let first = login(
        &b,
        &fed.base,
        &plus_authorize(&fed, "sp-one", "eidas2"),
        "franceidentite",
        "angela",
    )
    .await;
    assert_eq!(first.status, 303, "{}", first.body);

    // SSO at eidas2: a second service gets the identity without the chooser,
    // and sees eidas2.
    let second = b
        .follow(
            b.get(&plus_authorize(&fed, "sp-two", "eidas2")).await,
            &fed.base,
        )
        .await;
    assert!(
        second.body.contains("/consent"),
        "no chooser under SSO: {}",
        second.body
    );
    let back = b
        .submit(&second, &fed.base, "/consent", &[("consent", "yes")])
        .await;
    let code = back.location_params()["code"].clone();
    let out = plus_token(
        &fed,
        "sp-two",
        &code,
        &keys,
        json!({"id_token_enc_alg": "RSA-OAEP-256", "userinfo_enc_alg": "ECDH-ES"}),
    )
    .await;
    assert_eq!(out["id_token"]["acr"], "eidas2", "{out}");

    // No SSO at eidas3: the chooser again.
    let high = b
        .follow(
            b.get(&plus_authorize(&fed, "sp-two", "eidas3")).await,
            &fed.base,
        )
        .await;
    assert!(
        high.body.contains("name=\"idp\""),
        "chooser at eidas3: {}",
        high.body
    );

    // Ten minutes, not sliding: activity at 9 minutes does not extend it.
    fed.clock.advance_secs(9 * 60);
    let active = b
        .follow(
            b.get(&plus_authorize(&fed, "sp-two", "eidas2")).await,
            &fed.base,
        )
        .await;
    assert!(
        active.body.contains("/consent"),
        "still in the session at 9 min"
    );
    fed.clock.advance_secs(2 * 60);
    let expired = b
        .follow(
            b.get(&plus_authorize(&fed, "sp-two", "eidas2")).await,
            &fed.base,
        )
        .await;
    assert!(
        expired.body.contains("name=\"idp\""),
        "session over after 10 min despite activity: {}",
        expired.body
    );
}

#[tokio::test]
async fn standard_offers_private_key_jwt_to_services_that_want_it() {
    let fed = Fed::start().await;
    let keys = plus_rp(&["keys"], None).await;
    let mut sp = plus_sp("sp-keys", &keys);
    // On Standard a key-authenticated service may keep its answers signed only.
    sp.id_token_encryption = None;
    sp.userinfo_encryption = None;
    fed.register_sp(sp).await;
    let disco: Value = reqwest::get(format!("{}/.well-known/openid-configuration", fed.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        disco["token_endpoint_auth_methods_supported"],
        json!([
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt"
        ])
    );
    let b = Browser::new();
    let back = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "sp-keys", &[("scope", "openid identite_pivot email")]),
        "impots",
        "angela",
    )
    .await;
    let code = back.location_params()["code"].clone();
    let out = plus_token(&fed, "sp-keys", &code, &keys, json!({"nonce": "nonce-0123456789abcdefghijkl", "id_token_enc_alg": null, "userinfo_enc_alg": null})).await;
    assert_eq!(out["id_token"]["acr"], "eidas1", "{out}");
    assert_eq!(out["userinfo"]["family_name"], "DUBOIS");
    // Its secret-less registration cannot be used with a secret.
    let (status, body) = token_call(
        &fed,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", &redirect_of("sp-keys")),
            ("client_id", "sp-keys"),
            ("client_secret", "anything-0123456789"),
        ],
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("Y030111")));
}

/// Two Plus nodes sharing one Redis: an assertion spent on one is refused
/// by the other.
#[tokio::test]
async fn an_assertion_is_single_use_across_nodes() {
    use relais_store::test_backends::{available, redis_url, Backend};
    if !available("an_assertion_is_single_use_across_nodes", &[Backend::Redis]).await {
        return;
    }
    let prefix = format!("relais-jti-{}:", std::process::id());
    let node = || {
        let prefix = prefix.clone();
        Fed::start_configured(false, move |c| {
            c.server.platform = relais_core::Platform::Plus;
            c.storage.ephemeral = redis_url();
            c.storage.redis_prefix = prefix;
        })
    };
    let (a, b) = (node().await, node().await);
    let keys = plus_rp(&["keys"], None).await;
    a.register_sp(plus_sp("sp-plus", &keys)).await;
    b.register_sp(plus_sp("sp-plus", &keys)).await;
    // Here each node has its own URL: the assertion names both issuers (a
    // load balancer would give them one).
    let both = assertion(&keys, json!({"aud": [a.issuer(), b.issuer()]})).await;
    assert_eq!(with_assertion(&a, &both).await.1["code"], "Y030103");
    assert_eq!(
        with_assertion(&b, &both).await.1["code"],
        "Y030110",
        "replay seen by the other node"
    );
}

/// A service publishing its keys at a `jwks_uri` rotates its signing key:
/// Relais fetches the set again when an assertion names an unknown `kid`.
#[tokio::test]
async fn a_services_jwks_uri_is_fetched_again_when_it_rotates_its_key() {
    use axum::{routing::get, Json, Router};
    use std::sync::{Arc, Mutex};
    let fed = Fed::start_plus().await;
    let old = plus_rp(&["keys"], None).await;
    let mut new = plus_rp(&["keys"], None).await;
    new["private"]["sig"]["kid"] = json!("sp-sig-2");
    new["jwks"]["keys"][0]["kid"] = json!("sp-sig-2");
    let published = Arc::new(Mutex::new(old["jwks"].clone()));
    let served = published.clone();
    let app = Router::new().route(
        "/jwks",
        get(move || {
            let keys = served.lock().unwrap().clone();
            async move { Json(keys) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_uri = format!("http://{}/jwks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut sp = plus_sp("sp-plus", &old);
    sp.jwks = None;
    sp.jwks_uri = Some(jwks_uri);
    fed.register_sp(sp).await;

    let aud = format!("{}/token", fed.issuer());
    let first = assertion(&old, json!({"aud": aud})).await;
    assert_eq!(
        with_assertion(&fed, &first).await.1["code"],
        "Y030103",
        "old key accepted"
    );
    *published.lock().unwrap() = new["jwks"].clone();
    fed.clock.advance_secs(11);
    let rotated = assertion(&new, json!({"aud": aud})).await;
    let (status, body) = with_assertion(&fed, &rotated).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("Y030103")),
        "new key fetched: {body}"
    );
    // The old key is gone from the service's set now.
    let stale = assertion(&old, json!({"aud": aud})).await;
    assert_eq!(with_assertion(&fed, &stale).await.1["code"], "Y030107");
}
