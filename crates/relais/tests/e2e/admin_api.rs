//! The operators' admin API from outside: tokens, a service created,
//! refused, deactivated and reactivated (and what citizens see), an account
//! disabled, the audit trail in the event stream, statistics, key rotation,
//! and the OpenAPI document (every route described, valid for an
//! independent validator). `relais admin` is driven as a process.

use crate::browser::{login, Browser};
use crate::harness::{authorize_url, Fed, SP_SECRET};
use serde_json::{json, Value};

struct Api<'a> {
    fed: &'a Fed,
    token: String,
    http: reqwest::Client,
}

impl Api<'_> {
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/api/admin/v1/{path}", self.fed.base);
        let req = match method {
            "PUT" => self.http.put(&url),
            "POST" => self.http.post(&url),
            _ => self.http.get(&url),
        }
        .bearer_auth(&self.token);
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn service_doc(client_id: &str) -> Value {
    let mut doc = serde_json::to_value(Fed::sp(client_id, client_id)).unwrap();
    doc["name"] = json!("Mairie de Test");
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_manage_services_and_accounts_through_the_api() {
    let fed = Fed::start().await;
    let http = reqwest::Client::new();
    let api = Api {
        fed: &fed,
        token: fed.operator_token("alice").await,
        http: http.clone(),
    };

    // Without a token, with a wrong one: 401 and the challenge.
    let r = http
        .get(format!("{}/api/admin/v1/services", fed.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "Y040401");
    let wrong = Api {
        token: "rop_not-a-real-token".into(),
        ..Api {
            fed: &fed,
            token: String::new(),
            http: http.clone(),
        }
    };
    assert_eq!(wrong.send("GET", "services", None).await.0, 401);

    // A broken document: refused, the field named, nothing written.
    let mut bad = service_doc("mairie-test");
    bad["redirect_uris"] = json!(["not a url"]);
    let (status, body) = api.send("PUT", "services/mairie-test", Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "Y040400");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("redirect_uris[0]"),
        "{body}"
    );
    assert_eq!(api.send("GET", "services/mairie-test", None).await.0, 404);
    // A misspelt field is not taken for set: refused and named, at any
    // depth, as the configuration file refuses it.
    for (field, named) in [
        (
            json!({"post_logout_redirect_uri": ["http://127.0.0.1:9/x"]}),
            "post_logout_redirect_uri",
        ),
        (
            json!({"idp_filter": {"mode": "deny", "idps": [], "idp": ["impots"]}}),
            "idp_filter.idp",
        ),
    ] {
        let mut doc = service_doc("mairie-test");
        for (k, v) in field.as_object().unwrap() {
            doc[k] = v.clone();
        }
        let (status, body) = api.send("PUT", "services/mairie-test", Some(doc)).await;
        assert_eq!((status, &body["code"]), (400, &json!("Y040400")), "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{named}: unknown field")),
            "{body}"
        );
    }
    assert_eq!(api.send("GET", "services/mairie-test", None).await.0, 404);
    let (status, body) = api
        .send(
            "PUT",
            "services/mairie-test",
            Some(json!({"client_id": "other"})),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("client_id"),
        "{body}"
    );

    // Created: the secret never comes back; citizens can log in.
    let (status, body) = api
        .send(
            "PUT",
            "services/mairie-test",
            Some(service_doc("mairie-test")),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(SP_SECRET));
    assert_eq!(body["client_secret_set"], true);
    let (_, list) = api.send("GET", "services", None).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["client_id"] == "mairie-test"));
    let b = Browser::new();
    let done = login(
        &b,
        &fed.base,
        &authorize_url(&fed, "mairie-test", &[]),
        "impots",
        "angela",
    )
    .await;
    assert!(done.location_params().contains_key("code"), "{}", done.body);

    // Deactivated: refused at authorize; reactivated: served again. An
    // update without the secret keeps it.
    let (status, body) = api
        .send("POST", "services/mairie-test/deactivate", None)
        .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)));
    let page = Browser::new()
        .get(&authorize_url(&fed, "mairie-test", &[]))
        .await;
    assert_eq!(page.error_code().as_deref(), Some("Y04EA6EF"));
    api.send("POST", "services/mairie-test/activate", None)
        .await;
    // What GET returns comes back as it is (client_secret_set included).
    let (_, mut renamed) = api.send("GET", "services/mairie-test", None).await;
    assert_eq!(renamed["client_secret_set"], true);
    renamed["name"] = json!("Mairie de Test (nouveau nom)");
    assert_eq!(
        api.send("PUT", "services/mairie-test", Some(renamed))
            .await
            .0,
        200
    );
    assert_eq!(
        fed.node
            .app
            .registry
            .sp("mairie-test")
            .unwrap()
            .client_secret,
        SP_SECRET,
        "the secret is kept"
    );
    let fresh = Browser::new();
    let chooser = fresh
        .follow(
            fresh.get(&authorize_url(&fed, "mairie-test", &[])).await,
            &fed.base,
        )
        .await;
    assert_eq!(chooser.status, 200);

    // A citizen account disabled by its pseudonymous id, then enabled.
    let claims = (relais_demo::citizens::find("angela").unwrap().claims)();
    let identity = relais_core::pivot::PivotIdentity::from_claims(
        claims.as_object().unwrap(),
        relais_core::Platform::Standard,
    )
    .unwrap();
    let hash = relais_core::subject::IdentityHash::of(&identity);
    let account: String = url::form_urlencoded::byte_serialize(hash.as_str().as_bytes()).collect();
    let (status, body) = api
        .send("POST", &format!("accounts/{account}/disable"), None)
        .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    let refused = login(
        &Browser::new(),
        &fed.base,
        &authorize_url(&fed, "mairie-test", &[]),
        "impots",
        "angela",
    )
    .await;
    assert_eq!(refused.error_code().as_deref(), Some("Y180001"));
    api.send("POST", &format!("accounts/{account}/enable"), None)
        .await;
    assert_eq!(
        api.send("GET", "accounts/no-such-account", None).await.0,
        404
    );
    assert_eq!(api.send("GET", "accounts/bad%20id", None).await.0, 400);

    // Keys rotated; every change is in the stream with who did it.
    let (status, body) = api.send("POST", "keys/rotate?delay=0", None).await;
    assert_eq!(status, 200, "{body}");
    fed.node.app.events.flush().await;
    let (_, stream) = api.send("GET", "events?limit=1000", None).await;
    let actions: Vec<(String, String)> = stream["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "ADMIN_ACTION")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let names: Vec<&str> = actions.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "service.create",
            "service.deactivate",
            "service.activate",
            "service.update",
            "account.disable",
            "account.enable",
            "keys.rotate"
        ]
    );
    assert!(actions.iter().all(|(who, _)| who == "alice"));
    let next = stream["next"].as_i64().unwrap();
    let (_, after) = api.send("GET", &format!("events?after={next}"), None).await;
    assert_eq!(after["events"].as_array().unwrap().len(), 0);
    assert_eq!(api.send("GET", "events?limit=0", None).await.0, 400);

    // Statistics from the rollup: the one successful login of this month.
    let month = relais_core::timefmt::year_month(relais_core::Clock::now_millis(&fed.clock));
    let (status, stats) = api
        .send(
            "GET",
            &format!("stats/months?from={month}&to={month}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["months"][0]["connections"], 1, "{stats}");
    let (_, by_sp) = api
        .send(
            "GET",
            &format!("stats/breakdown?month={month}&by=service"),
            None,
        )
        .await;
    assert_eq!(by_sp["rows"][0]["key"], "mairie-test");
    assert_eq!(
        api.send("GET", "stats/breakdown?month=2026-13", None)
            .await
            .0,
        400
    );
}

/// The admin API's refusal: this status, this code, its JSON (a message
/// for the operator), never cached.
async fn admin_refusal(r: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "{code}");
    assert_eq!(r.headers()["content-type"], "application/json", "{code}");
    assert_eq!(r.headers()["cache-control"], "no-store", "{code}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

/// Whichever layer refuses an admin call (the router, the abuse guard, the
/// body or path reader), the operator's script reads the admin API's JSON.
/// Before, an unknown route, a wrong method, a URI or headers over the
/// limit were French HTML pages, and a body over the limit or an id that
/// is not UTF-8 a line of the framework's plain text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_of_the_admin_api_is_its_json() {
    let fed = Fed::start().await;
    let token = fed.operator_token("carol").await;
    let http = reqwest::Client::new();
    let api = format!("{}/api/admin/v1", fed.base);
    let get = |path: &str| http.get(format!("{api}/{path}")).bearer_auth(&token);

    admin_refusal(get("nothing").send().await.unwrap(), 404, "Y000404").await;
    let r = get("keys/rotate").send().await.unwrap();
    assert_eq!(r.headers()["allow"], "POST");
    admin_refusal(r, 405, "Y000405").await;
    let r = http
        .delete(format!("{api}/services/sp-a"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET,HEAD,PUT");
    admin_refusal(r, 405, "Y000405").await;

    let big = json!({ "name": "x".repeat(100 * 1024) });
    let r = http
        .put(format!("{api}/services/sp-big"))
        .bearer_auth(&token)
        .json(&big)
        .send()
        .await
        .unwrap();
    let body = admin_refusal(r, 413, "Y000413").await;
    assert!(
        body["message"].as_str().unwrap().starts_with("body:"),
        "{body}"
    );
    let body = admin_refusal(get("services/%FF").send().await.unwrap(), 400, "Y040400").await;
    assert!(
        body["message"].as_str().unwrap().starts_with("path:"),
        "{body}"
    );

    let long = "a".repeat(10 * 1024);
    admin_refusal(
        get(&format!("events?x={long}")).send().await.unwrap(),
        414,
        "Y000414",
    )
    .await;
    let r = get("services")
        .header("x-padding", "b".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    admin_refusal(r, 431, "Y000431").await;
    // Nothing was stored by the refused document.
    let r = get("services/sp-big").send().await.unwrap();
    admin_refusal(r, 404, "Y040404").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route_and_is_valid() {
    let fed = Fed::start().await;
    let doc: Value = reqwest::get(format!("{}/api/admin/openapi.json", fed.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // The copy in docs/ is the document served (regenerate it when routes change).
    let published: Value =
        serde_json::from_str(include_str!("../../../../docs/admin-openapi.json")).unwrap();
    assert_eq!(doc, published, "docs/admin-openapi.json is stale");
    // Every route of the admin router is in the document, and only those.
    let source = include_str!("../../../web/src/admin/mod.rs");
    let mut routed: Vec<String> = Vec::new();
    for kind in ["services", "identity-providers", "data-providers"] {
        for suffix in ["", "/{id}", "/{id}/activate", "/{id}/deactivate"] {
            routed.push(format!("/api/admin/v1/{kind}{suffix}"));
        }
    }
    for (at, _) in source.match_indices("\"/api/admin/v1/") {
        let literal = source[at + 1..].split('"').next().unwrap();
        if !literal.contains("{path}") {
            routed.push(literal.to_owned());
        }
    }
    routed.sort();
    let mut documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    documented.sort();
    assert_eq!(routed, documented);
    // Every operation says what is refused before it runs (the shapes
    // every_refusal_of_the_admin_api_is_its_json checks).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if method != "parameters" {
                assert_eq!(
                    operation["responses"]["default"]["$ref"], "#/components/responses/Refused",
                    "{method} {path}"
                );
            }
        }
    }
    // An independent validator (openapi-spec-validator) accepts it.
    let out = crate::interop::run_async("openapi_check.py", &[], Some(&doc)).await;
    assert_eq!(out["valid"], true, "{out}");
}

/// `relais admin` as an operator types it: the same operations, the same
/// errors, through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_drives_the_same_api() {
    let fed = Fed::start().await;
    let token = fed.operator_token("bob").await;
    let file = crate::harness::temp("service.json");
    std::fs::write(&file, service_doc("cli-service").to_string()).unwrap();
    let run = |args: Vec<String>| {
        let token = token.clone();
        let base = fed.base.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_relais"))
                .args(["admin", "--url", &base])
                .args(args)
                .env("RELAIS_ADMIN_TOKEN", token)
                .output()
                .unwrap()
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let out = run(s(&[
        "services",
        "put",
        "cli-service",
        file.to_str().unwrap(),
    ]))
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["client_id"], "cli-service");
    let out = run(s(&["services", "deactivate", "cli-service"]))
        .await
        .unwrap();
    assert!(out.status.success());
    assert!(!fed.node.app.registry.sp("cli-service").unwrap().active);
    let out = run(s(&["services", "show", "nope"])).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Y040404"));
    fed.node.app.events.flush().await;
    let out = run(s(&["events", "--limit", "1000"])).await.unwrap();
    let stream: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(stream["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["actor"] == "bob" && e["reason"] == "service.deactivate"));
}

async fn cert_fed(proxy: &str) -> Fed {
    let proxy = proxy.to_owned();
    Fed::start_configured(false, move |c| {
        c.admin.client_cert_header = Some("X-SSL-Client-S-DN".into());
        c.admin.client_cert_subjects = vec!["CN=ops.relais.example".into()];
        c.limits.trusted_proxies = vec![proxy];
    })
    .await
}

/// `GET path` with the certificate header once per subject given: the status.
async fn status_with_subjects(fed: &Fed, path: &str, subjects: &[&str]) -> u16 {
    let mut req = reqwest::Client::new().get(format!("{}{path}", fed.base));
    for s in subjects {
        req = req.header("x-ssl-client-s-dn", *s);
    }
    req.send().await.unwrap().status().as_u16()
}

/// Behind a TLS proxy that verifies client certificates, an operator is let
/// in by the subject the proxy passes (`[admin] client_cert_header`), only
/// for the subjects listed, not when the header comes twice (a proxy that
/// adds its own beside a client's), and only from the proxy
/// (`limits.trusted_proxies`): a client reaching the node directly cannot
/// vouch for itself.
#[tokio::test]
async fn operators_are_let_in_by_the_certificate_subject_the_proxy_passes() {
    let fed = cert_fed("127.0.0.1").await;
    let status = |subjects: &'static [&'static str]| {
        status_with_subjects(&fed, "/api/admin/v1/services", subjects)
    };
    assert_eq!(status(&["CN=ops.relais.example"]).await, 200);
    assert_eq!(status(&["CN=someone.else"]).await, 401);
    assert_eq!(
        status(&["cn=ops.relais.example"]).await,
        401,
        "exactly as written"
    );
    assert_eq!(status(&[]).await, 401);
    assert_eq!(
        status(&["CN=ops.relais.example", "CN=someone.else"]).await,
        401,
        "the header twice"
    );
    assert_eq!(
        status(&["CN=someone.else", "CN=ops.relais.example"]).await,
        401,
        "the header twice"
    );

    // The same subject from an address that is not the proxy: not believed,
    // on the admin API nor on the operator page.
    let direct = cert_fed("192.0.2.10").await;
    let only = &["CN=ops.relais.example"];
    assert_eq!(
        status_with_subjects(&direct, "/api/admin/v1/services", only).await,
        401
    );
    let signed_in = |fed: &Fed| {
        let url = format!("{}/operateur", fed.base);
        async move {
            reqwest::Client::new()
                .get(url)
                .header("x-ssl-client-s-dn", "CN=ops.relais.example")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains("cert:CN=ops.relais.example")
        }
    };
    assert!(
        signed_in(&fed).await,
        "the proxy's word signs the operator in"
    );
    assert!(!signed_in(&direct).await, "a direct client's does not");
}
