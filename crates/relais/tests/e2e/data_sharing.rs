//! Data sharing (docs/design.md §6): `/checktoken` for data providers, the demo
//! data providers' APIs, and the canteen service's pre-filled form.

use crate::browser::{login, Browser};
use crate::harness::{authorize_url, Fed, SP_SECRET};
use crate::sso_logout::exchange;
use relais_core::partner::DataProvider;
use relais_core::JwsAlg;
use serde_json::{json, Value};

const DP_SECRET: &str = "dp-test-secret-0123456789";

fn python(args: &[&str], stdin: Option<&Value>) -> Value {
    crate::interop::run("jose_check.py", args, stdin)
}

fn dp(id: &str, scopes: &[&str]) -> DataProvider {
    DataProvider {
        id: id.into(),
        title: format!("Fournisseur {id}"),
        client_id: format!("client-{id}"),
        client_secret: DP_SECRET.into(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        active: true,
        checktoken_signed_response_alg: JwsAlg::ES256,
        checktoken_encrypted_response_alg: None,
        encryption_jwk: None,
        jwks_uri: None,
    }
}

async fn checktoken(fed: &Fed, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/checktoken", fed.issuer()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, r.text().await.unwrap())
}

/// A service with data scopes, logged in; returns (access token, its sub).
async fn access_token(fed: &Fed, scope: &str) -> (String, String) {
    let b = Browser::new();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(fed, "sp-data", &[("scope", scope)]),
        "impots",
        "jean",
    )
    .await;
    let code = done
        .location_params()
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("{:?} {}", done.location, done.body));
    let t = exchange(fed, "sp-data", &code).await;
    let id = t["id_token"].as_str().unwrap();
    let p = id.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).unwrap(),
    )
    .unwrap();
    (
        t["access_token"].as_str().unwrap().to_owned(),
        claims["sub"].as_str().unwrap().to_owned(),
    )
}

async fn setup() -> (Fed, Value) {
    let fed = Fed::start().await;
    let keys = python(&["keys"], None);
    let mut sp = Fed::sp("sp-data", "org-data");
    sp.scopes
        .extend(["cnaf_quotient_familial", "dgfip_rfr", "dgfip_nbpart"].map(String::from));
    fed.register_sp(sp).await;
    let reg = &fed.node.app.registry;
    reg.upsert_dp(&dp("plain", &["cnaf_quotient_familial"]))
        .await
        .unwrap();
    let mut rsa = dp("rsa", &["dgfip_rfr", "dgfip_nbpart"]);
    rsa.checktoken_signed_response_alg = JwsAlg::RS256;
    rsa.checktoken_encrypted_response_alg = Some(relais_core::JweAlg::RsaOaep256);
    rsa.encryption_jwk = Some(keys["rsa"]["public"].clone());
    reg.upsert_dp(&rsa).await.unwrap();
    let mut ec = dp("ec", &["cnaf_quotient_familial"]);
    ec.checktoken_encrypted_response_alg = Some(relais_core::JweAlg::EcdhEs);
    ec.encryption_jwk = Some(keys["ec"]["public"].clone());
    reg.upsert_dp(&ec).await.unwrap();
    reg.reload().await.unwrap();
    (fed, keys)
}

async fn open(fed: &Fed, body: &str, private: Option<&Value>, alg: &str) -> Value {
    let jwks: Value = reqwest::get(format!("{}/jwks", fed.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let out = python(
        &["open"],
        Some(&json!({"token": body, "private": private, "jwks": jwks, "alg": alg})),
    );
    out["payload"].clone()
}

#[tokio::test]
async fn checktoken_answers_verified_by_an_independent_implementation() {
    let (fed, keys) = setup().await;
    let (token, sp_sub) = access_token(
        &fed,
        "openid identite_pivot cnaf_quotient_familial dgfip_rfr",
    )
    .await;

    let (s, ctype, body) = checktoken(
        &fed,
        &[
            ("token", &token),
            ("client_id", "client-plain"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    assert_eq!(
        (s, ctype.as_str()),
        (200, "application/token-introspection+jwt")
    );
    assert_eq!(body.split('.').count(), 3, "signed only");
    let plain = open(&fed, &body, None, "ES256").await;
    assert_eq!(plain["aud"], "client-plain");
    assert_eq!(plain["iss"], fed.issuer());
    let t = &plain["token_introspection"];
    assert_eq!(t["active"], true);
    assert_eq!(t["aud"], "sp-data");
    assert_eq!(
        t["scope"], "cnaf_quotient_familial",
        "only the DP's own scopes"
    );
    assert_eq!(t["acr"], "eidas1");
    assert_eq!(
        (
            t["given_name"].as_str(),
            t["family_name"].as_str(),
            t["birthdate"].as_str()
        ),
        (Some("Jean"), Some("DUPONT"), Some("1970-01-01"))
    );
    assert_eq!(t["exp"].as_i64().unwrap() - t["iat"].as_i64().unwrap(), 60);
    assert!(t["jti"].is_string());
    let plain_sub = t["sub"].as_str().unwrap().to_owned();
    assert_ne!(plain_sub, sp_sub, "DP sub differs from the service's");

    let (_, _, body) = checktoken(
        &fed,
        &[
            ("token", &token),
            ("client_id", "client-rsa"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    assert_eq!(body.split('.').count(), 5, "encrypted");
    let rsa = open(&fed, &body, Some(&keys["rsa"]["private"]), "RS256").await;
    assert_eq!(
        rsa["token_introspection"]["scope"], "dgfip_rfr",
        "never another DP's scopes"
    );
    assert_ne!(
        rsa["token_introspection"]["sub"].as_str().unwrap(),
        plain_sub,
        "each DP its own sub"
    );

    let (_, _, body) = checktoken(
        &fed,
        &[
            ("token", &token),
            ("client_id", "client-ec"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    let ec = open(&fed, &body, Some(&keys["ec"]["private"]), "ES256").await;
    assert_eq!(ec["token_introspection"]["scope"], "cnaf_quotient_familial");

    let names = fed.event_names().await;
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "DP_VERIFIED_FC_CHECKTOKEN")
            .count(),
        3
    );
    assert!(names
        .iter()
        .any(|n| n == "FC_DATATRANSFER_INFORMATION_DATA"));
}

#[tokio::test]
async fn checktoken_errors_and_inactive_tokens() {
    let (fed, _) = setup().await;
    let (token, _) = access_token(&fed, "openid cnaf_quotient_familial").await;
    for missing in ["token", "client_id", "client_secret"] {
        let form: Vec<(&str, &str)> = [
            ("token", token.as_str()),
            ("client_id", "client-plain"),
            ("client_secret", DP_SECRET),
        ]
        .into_iter()
        .filter(|(k, _)| *k != missing)
        .collect();
        let (s, _, body) = checktoken(&fed, &form).await;
        assert_eq!(s, 400, "{missing}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"],
            "invalid_request"
        );
    }
    for (id, secret) in [
        ("client-nobody", DP_SECRET),
        ("client-plain", "wrong-secret"),
    ] {
        let (s, _, body) = checktoken(
            &fed,
            &[
                ("token", &token),
                ("client_id", id),
                ("client_secret", secret),
            ],
        )
        .await;
        assert_eq!(s, 401);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"],
            "invalid_client"
        );
    }
    let inactive = |body: String| {
        let p = body.split('.').nth(1).unwrap().to_owned();
        let v: Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).unwrap(),
        )
        .unwrap();
        v["token_introspection"].clone()
    };
    let (s, _, body) = checktoken(
        &fed,
        &[
            ("token", "unknown"),
            ("client_id", "client-plain"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(inactive(body), json!({"active": false}));
    // revoked
    let (revoked, _) = access_token(&fed, "openid cnaf_quotient_familial").await;
    reqwest::Client::new()
        .post(format!("{}/token/revocation", fed.issuer()))
        .basic_auth("sp-data", Some(SP_SECRET))
        .form(&[("token", revoked.as_str())])
        .send()
        .await
        .unwrap();
    let (_, _, body) = checktoken(
        &fed,
        &[
            ("token", &revoked),
            ("client_id", "client-plain"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    assert_eq!(inactive(body), json!({"active": false}));
    // expired (60 s, injected clock)
    fed.clock.advance_secs(61);
    let (_, _, body) = checktoken(
        &fed,
        &[
            ("token", &token),
            ("client_id", "client-plain"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    assert_eq!(inactive(body), json!({"active": false}));
    let names = fed.event_names().await;
    assert!(
        names.iter().any(|n| n == "DP_USED_INVALID_CREDENTIAL")
            && names.iter().any(|n| n == "DP_USED_INVALID_ACCESS_TOKEN")
    );

    // a DP whose scopes were not granted learns nothing about the person
    let (token, _) = access_token(&fed, "openid identite_pivot dgfip_rfr").await;
    let (_, _, body) = checktoken(
        &fed,
        &[
            ("token", &token),
            ("client_id", "client-plain"),
            ("client_secret", DP_SECRET),
        ],
    )
    .await;
    let t = inactive(body);
    assert_eq!(t["scope"], "");
    assert!(t.get("given_name").is_none());
}

#[tokio::test]
async fn services_cannot_obtain_unregistered_data_scopes() {
    let (fed, _) = setup().await;
    let b = Browser::new();
    let p = b
        .get(&authorize_url(
            &fed,
            "sp-a",
            &[("scope", "openid cnaf_quotient_familial")],
        ))
        .await;
    assert_eq!(
        p.location_params().get("error").map(String::as_str),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn demo_data_providers_check_tokens_over_http() {
    let fed = Fed::start().await;
    let mut sp = Fed::sp("sp-data", "org-data");
    sp.scopes.extend(
        [
            "cnaf_quotient_familial",
            "dgfip_rfr",
            "francetravail_statut",
        ]
        .map(String::from),
    );
    fed.register_sp(sp).await;
    let api = |dp: &str, res: &str| format!("{}/dp/{dp}/api/{res}", fed.base);
    let get = |url: String, token: String| async move {
        let r = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    let (token, _) = access_token(
        &fed,
        "openid identite_pivot cnaf_quotient_familial dgfip_rfr",
    )
    .await;
    let (s, caf) = get(api("caf", "quotient-familial"), token.clone()).await;
    assert_eq!(
        (s, caf["quotient_familial"].as_u64()),
        (200, Some(612)),
        "{caf}"
    );
    let (s, dgfip) = get(api("dgfip", "revenu-fiscal"), token.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(dgfip["revenu_fiscal_reference"], 28450);
    assert!(
        dgfip.get("nombre_parts").is_none(),
        "only the granted scope's data"
    );
    let (s, _) = get(
        api("francetravail", "statut-demandeur-emploi"),
        token.clone(),
    )
    .await;
    assert_eq!(s, 403, "token without this DP's scopes");
    let (s, _) = get(api("caf", "quotient-familial"), "forged".into()).await;
    assert_eq!(s, 401);
    let (token, _) = access_token(&fed, "openid identite_pivot francetravail_statut").await;
    let (s, body) = get(api("francetravail", "statut-demandeur-emploi"), token).await;
    assert_eq!(s, 404, "jean is not in France Travail's table: {body}");
}

#[tokio::test]
async fn canteen_form_is_prefilled_from_the_caf() {
    let fed = Fed::start_with_canteen().await;
    let canteen = fed.canteen_base();
    let b = Browser::new();
    let home = b.get(&format!("{canteen}/")).await;
    assert!(crate::browser::html_unescape(&home.body).contains("S'identifier avec"));
    let start = b.get(&format!("{canteen}/login")).await;
    let chooser = b.follow(start, &fed.base).await;
    let form = b
        .follow(
            b.submit(&chooser, &fed.base, "/idp", &[("idp", "ameli")])
                .await,
            &fed.base,
        )
        .await;
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "marie"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    let text = crate::browser::html_unescape(&consent.body);
    assert!(
        text.contains("Quotient familial — Caisse d'allocations familiales"),
        "consent lists the CAF data"
    );
    let back = b.submit(&consent, &fed.base, "/consent", &[]).await;
    let cb = b.get(back.location.as_deref().unwrap()).await;
    assert_eq!(cb.location.as_deref(), Some("/inscription"), "{}", cb.body);
    let page = b.get(&format!("{canteen}/inscription")).await;
    let text = crate::browser::html_unescape(&page.body);
    assert!(
        text.contains("value=\"380\""),
        "quotient from the CAF table"
    );
    assert!(text.contains("fourni par la CAF via Relais"));
    assert!(text.contains("Tranche <strong>A</strong>\u{a0}: <strong>0,80 €</strong>"));
    assert!(
        text.contains("value=\"MARTIN\"") && text.contains("value=\"LEROY\""),
        "identity pre-filled, usage name too"
    );
    let done = b
        .submit(
            &page,
            &canteen,
            "/inscription",
            &[
                ("enfant_prenom", "Léa"),
                ("enfant_nom", "MARTIN"),
                ("ecole", "École maternelle Les Tilleuls"),
                ("jours", "lundi"),
            ],
        )
        .await;
    assert!(
        crate::browser::html_unescape(&done.body).contains(
            "Léa MARTIN est inscrit(e) à la cantine de l'École maternelle Les Tilleuls les lundi."
        ),
        "{}",
        done.body
    );
    // logout goes through Relais' session/end
    let out = b.get(&format!("{canteen}/logout")).await;
    assert!(out
        .location
        .unwrap()
        .starts_with(&format!("{}/session/end?", fed.issuer())));

    // someone without a CAF record gets the plain fallback
    let b = Browser::new();
    let chooser = b
        .follow(b.get(&format!("{canteen}/login")).await, &fed.base)
        .await;
    let form = b
        .follow(
            b.submit(&chooser, &fed.base, "/idp", &[("idp", "impots")])
                .await,
            &fed.base,
        )
        .await;
    let consent = b
        .follow(
            b.submit(
                &form,
                &fed.base,
                "/login",
                &[("login", "camille"), ("password", "123")],
            )
            .await,
            &fed.base,
        )
        .await;
    let back = b.submit(&consent, &fed.base, "/consent", &[]).await;
    b.get(back.location.as_deref().unwrap()).await;
    let page = b.get(&format!("{canteen}/inscription")).await;
    let text = crate::browser::html_unescape(&page.body);
    assert!(
        text.contains(
            "n'a pas pu être obtenu auprès de la CAF (aucun dossier allocataire à votre nom)"
        ),
        "{text}"
    );
}

/// What discovery says of the back channel's authentication and of the
/// checktoken answer is what the endpoints do: RFC 8414 §2 wants the
/// signing algorithms wherever `private_key_jwt` is offered, and an
/// introspection endpoint with no methods listed would mean
/// `client_secret_basic`, which checktoken does not take (design §6).
#[tokio::test]
async fn discovery_tells_how_the_back_channel_authenticates_and_answers() {
    let (fed, _) = setup().await;
    let doc: Value = reqwest::get(format!("{}/.well-known/openid-configuration", fed.issuer()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = |k: &str| -> Vec<String> {
        doc[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k} missing"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    for endpoint in [
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        let methods = list(&format!("{endpoint}_auth_methods_supported"));
        assert!(!methods.is_empty(), "{endpoint}");
        if methods.iter().any(|m| m.ends_with("_jwt")) {
            let algs = list(&format!("{endpoint}_auth_signing_alg_values_supported"));
            assert!(
                !algs.is_empty() && !algs.iter().any(|a| a == "none"),
                "{endpoint}"
            );
        }
    }
    assert_eq!(
        doc["introspection_endpoint"],
        format!("{}/checktoken", fed.issuer())
    );
    assert_eq!(
        list("introspection_endpoint_auth_methods_supported"),
        ["client_secret_post"]
    );

    let (token, _) = access_token(&fed, "openid cnaf_quotient_familial dgfip_rfr").await;
    let header = |jwt: &str| -> Value {
        let h = jwt.split('.').next().unwrap();
        serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, h).unwrap(),
        )
        .unwrap()
    };
    let by_post = |dp: &'static str| {
        let token = token.clone();
        let fed = &fed;
        async move {
            let form = [
                ("token", token.as_str()),
                ("client_id", dp),
                ("client_secret", DP_SECRET),
            ];
            let (s, _, body) = checktoken(fed, &form).await;
            assert_eq!(s, 200, "{dp}: {body}");
            body
        }
    };
    let signed = header(&by_post("client-plain").await);
    assert!(list("introspection_signing_alg_values_supported")
        .contains(&signed["alg"].as_str().unwrap().to_owned()));
    for dp in ["client-rsa", "client-ec"] {
        let sealed = header(&by_post(dp).await);
        assert!(list("introspection_encryption_alg_values_supported")
            .contains(&sealed["alg"].as_str().unwrap().to_owned()));
        assert!(list("introspection_encryption_enc_values_supported")
            .contains(&sealed["enc"].as_str().unwrap().to_owned()));
    }
    // The method discovery leaves out is indeed not taken.
    let r = reqwest::Client::new()
        .post(format!("{}/checktoken", fed.issuer()))
        .basic_auth("client-plain", Some(DP_SECRET))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}
