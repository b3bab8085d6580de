//! One complete login, as a browser and a service would do it, with every
//! answer checked so errors are counted and never mistaken for throughput.

use super::html::form;
use relais_demo::service_client::ServiceKeys;
use relais_oidc::client_assertion::JWT_BEARER;
use relais_oidc::idp_client::open_answer;
use relais_oidc::jose::{self, JwkSet, Verifier};
use relais_oidc::JwsAlg;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The steps of a login, in order (names used in the report).
pub const STEPS: [&str; 12] = [
    "authorize",
    "chooser",
    "choose_idp",
    "idp_form",
    "idp_login",
    "callback",
    "consent_page",
    "consent_post",
    "token",
    "userinfo",
    "data_provider",
    "login",
];

pub struct Target {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Plus: the service's keys (private_key_jwt, encrypted answers).
    pub plus_keys: Option<Arc<ServiceKeys>>,
    /// `acr_values` sent (`eidas1`, or `eidas3` on Plus).
    pub acr: &'static str,
    pub redirect_uri: String,
    pub idp: String,
    /// Who logs in: login after login, each in turn (never empty).
    pub citizens: Vec<String>,
    pub scope: String,
    pub jwks: JwkSet,
    pub dp_url: Option<String>,
    /// Each login's browser requests name an address of their own
    /// (`X-Forwarded-For`), a population of citizens behind a load
    /// balancer (`--rate-limits`).
    pub citizen_addresses: bool,
}

#[derive(Debug)]
pub struct Failure {
    pub step: &'static str,
    pub reason: String,
}

fn fail(step: &'static str, reason: impl Into<String>) -> Failure {
    Failure {
        step,
        reason: reason.into(),
    }
}

pub struct Timings {
    /// Microseconds per step, `STEPS` order (the last one is the whole login).
    pub micros: [u32; 12],
}

fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn absolute(base: &str, url: &str) -> String {
    if url.starts_with("http") {
        url.to_owned()
    } else {
        let origin = base.split('/').take(3).collect::<Vec<_>>().join("/");
        format!("{origin}{url}")
    }
}

fn transport(step: &'static str, e: &reqwest::Error) -> Failure {
    fail(
        step,
        if e.is_timeout() {
            "request: timeout"
        } else {
            "request: failed"
        },
    )
}

async fn expect_redirect(
    step: &'static str,
    r: Result<reqwest::Response, reqwest::Error>,
) -> Result<String, Failure> {
    let r = r.map_err(|e| transport(step, &e))?;
    let status = r.status().as_u16();
    if status != 303 && status != 302 {
        return Err(fail(step, format!("HTTP {status} instead of a redirect")));
    }
    location(&r).ok_or_else(|| fail(step, "redirect without Location"))
}

async fn expect_page(
    step: &'static str,
    r: Result<reqwest::Response, reqwest::Error>,
) -> Result<String, Failure> {
    let r = r.map_err(|e| transport(step, &e))?;
    let status = r.status().as_u16();
    if status != 200 {
        return Err(fail(step, format!("HTTP {status}")));
    }
    r.text().await.map_err(|_| fail(step, "unreadable body"))
}

fn query_param(url: &str, key: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The cookies of one browser: a fresh jar per login, so every login is a
/// new citizen (no SSO), while the HTTP connections stay alive; and the
/// citizen's address, when the login names one.
struct Jar(Vec<(String, String)>, Option<String>);

/// A login's own address, from its seed: 10.0.0.0/8, one per login for
/// 16 million logins.
fn citizen_address(seed: u64) -> String {
    let [_, _, _, _, _, a, b, c] = seed.to_be_bytes();
    format!("10.{a}.{b}.{c}")
}

impl Jar {
    fn absorb(&mut self, r: &reqwest::Response) {
        for v in r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let Some((name, rest)) = v.split_once('=') else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or("").to_owned();
            self.0.retain(|(n, _)| n != name);
            if !value.is_empty() && !v.contains("Max-Age=0") {
                self.0.push((name.to_owned(), value));
            }
        }
    }

    async fn send(
        &mut self,
        rb: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let rb = match &self.1 {
            Some(address) => rb.header("x-forwarded-for", address),
            None => rb,
        };
        let rb = if self.0.is_empty() {
            rb
        } else {
            rb.header(
                reqwest::header::COOKIE,
                self.0
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        };
        let r = rb.send().await?;
        self.absorb(&r);
        Ok(r)
    }
}

/// Runs one login with a fresh cookie jar (a new browser).
pub async fn login(
    http: &reqwest::Client,
    t: &Target,
    nonce_seed: u64,
) -> Result<Timings, Failure> {
    let mut jar = Jar(
        Vec::new(),
        t.citizen_addresses.then(|| citizen_address(nonce_seed)),
    );
    let mut micros = [0u32; 12];
    let started = Instant::now();
    let mut step_start = Instant::now();
    let mut lap = |i: usize, since: &mut Instant| {
        micros[i] = u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX);
        *since = Instant::now();
    };
    let state = format!("bench-state-{nonce_seed}");
    // At least 32 characters: enough on Plus too.
    let nonce = format!("bench-nonce-{nonce_seed:016x}-0123456789abcdef");
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &t.client_id)
        .append_pair("redirect_uri", &t.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", &t.scope)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("acr_values", t.acr)
        .finish();
    let chooser_url = expect_redirect(
        "authorize",
        jar.send(http.get(format!("{}/authorize?{q}", t.issuer)))
            .await,
    )
    .await?;
    lap(0, &mut step_start);
    let page = expect_page(
        "chooser",
        jar.send(http.get(absolute(&t.issuer, &chooser_url))).await,
    )
    .await?;
    let (action, mut fields) = form(&page, "/idp").ok_or_else(|| fail("chooser", "no IdP form"))?;
    fields.push(("idp".into(), t.idp.clone()));
    lap(1, &mut step_start);
    let idp_url = expect_redirect(
        "choose_idp",
        jar.send(http.post(absolute(&t.issuer, &action)).form(&fields))
            .await,
    )
    .await?;
    lap(2, &mut step_start);
    let r = jar.send(http.get(&idp_url)).await;
    let callback = match r {
        Ok(r) if r.status().as_u16() == 303 => {
            // auto-login mode: the IdP answers at once
            lap(3, &mut step_start);
            location(&r).ok_or_else(|| fail("idp_form", "redirect without Location"))?
        }
        other => {
            let page = expect_page("idp_form", other).await?;
            let (action, mut fields) =
                form(&page, "/login").ok_or_else(|| fail("idp_form", "no login form"))?;
            let citizen = usize::try_from(nonce_seed % t.citizens.len().max(1) as u64)
                .ok()
                .and_then(|i| t.citizens.get(i))
                .ok_or_else(|| fail("idp_form", "no citizen to log in"))?;
            fields.push(("login".into(), citizen.clone()));
            fields.push(("password".into(), "123".into()));
            lap(3, &mut step_start);
            let to = expect_redirect(
                "idp_login",
                jar.send(http.post(absolute(&idp_url, &action)).form(&fields))
                    .await,
            )
            .await?;
            lap(4, &mut step_start);
            to
        }
    };
    let consent_url = expect_redirect(
        "callback",
        jar.send(http.get(absolute(&t.issuer, &callback))).await,
    )
    .await?;
    if !consent_url.contains("/consent") {
        return Err(fail(
            "callback",
            format!("sent to {}", consent_url.split('?').next().unwrap_or("")),
        ));
    }
    lap(5, &mut step_start);
    let page = expect_page(
        "consent_page",
        jar.send(http.get(absolute(&t.issuer, &consent_url))).await,
    )
    .await?;
    let (action, mut fields) =
        form(&page, "/consent").ok_or_else(|| fail("consent_page", "no consent form"))?;
    if t.plus_keys.is_some() {
        // Plus: the citizen ticks the consent box.
        fields.push(("consent".into(), "yes".into()));
    }
    lap(6, &mut step_start);
    let back = expect_redirect(
        "consent_post",
        jar.send(http.post(absolute(&t.issuer, &action)).form(&fields))
            .await,
    )
    .await?;
    if !back.starts_with(&t.redirect_uri)
        || query_param(&back, "state").as_deref() != Some(state.as_str())
    {
        return Err(fail(
            "consent_post",
            "not sent back to the service with its state",
        ));
    }
    let code = query_param(&back, "code").ok_or_else(|| fail("consent_post", "no code"))?;
    lap(7, &mut step_start);
    let token_url = format!("{}/token", t.issuer);
    let mut token_form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code),
        ("redirect_uri", t.redirect_uri.clone()),
    ];
    let mut rb = http.post(&token_url);
    match &t.plus_keys {
        None => rb = rb.basic_auth(&t.client_id, Some(&t.client_secret)),
        Some(keys) => {
            let assertion = client_assertion(t, keys, &token_url, nonce_seed)?;
            token_form.push(("client_assertion_type", JWT_BEARER.to_owned()));
            token_form.push(("client_assertion", assertion));
        }
    }
    let r = rb
        .form(&token_form)
        .send()
        .await
        .map_err(|_| fail("token", "request failed"))?;
    if r.status().as_u16() != 200 {
        return Err(fail("token", format!("HTTP {}", r.status().as_u16())));
    }
    let body: Value = r.json().await.map_err(|_| fail("token", "not JSON"))?;
    let id_token = body["id_token"]
        .as_str()
        .ok_or_else(|| fail("token", "no id_token"))?;
    let access = body["access_token"]
        .as_str()
        .ok_or_else(|| fail("token", "no access_token"))?
        .to_owned();
    let id_token = opened(t, id_token, Answer::IdToken).map_err(|e| fail("token", e))?;
    let claims = jose::verify(&id_token, JwsAlg::ES256, Verifier::Keys(&t.jwks))
        .map_err(|e| fail("token", format!("ID token: {e}")))?;
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce.as_str())
        || claims.get("aud").and_then(Value::as_str) != Some(t.client_id.as_str())
    {
        return Err(fail("token", "ID token nonce or aud mismatch"));
    }
    lap(8, &mut step_start);
    let r = http
        .get(format!("{}/userinfo", t.issuer))
        .bearer_auth(&access)
        .send()
        .await
        .map_err(|_| fail("userinfo", "request failed"))?;
    if r.status().as_u16() != 200 {
        return Err(fail("userinfo", format!("HTTP {}", r.status().as_u16())));
    }
    let jwt = r.text().await.map_err(|_| fail("userinfo", "unreadable"))?;
    let jwt = opened(t, jwt.trim(), Answer::Userinfo).map_err(|e| fail("userinfo", e))?;
    let info = jose::verify(&jwt, JwsAlg::ES256, Verifier::Keys(&t.jwks))
        .map_err(|e| fail("userinfo", format!("signature: {e}")))?;
    if info.get("sub") != claims.get("sub")
        || info
            .get("family_name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(fail("userinfo", "claims missing or for another subject"));
    }
    lap(9, &mut step_start);
    if let Some(dp) = &t.dp_url {
        let r = http
            .get(dp)
            .bearer_auth(&access)
            .send()
            .await
            .map_err(|_| fail("data_provider", "request failed"))?;
        if r.status().as_u16() != 200 {
            return Err(fail(
                "data_provider",
                format!("HTTP {}", r.status().as_u16()),
            ));
        }
        lap(10, &mut step_start);
    }
    micros[11] = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
    Ok(Timings { micros })
}

#[derive(Clone, Copy)]
enum Answer {
    IdToken,
    Userinfo,
}

/// The signed JWT of an answer: on Plus, opened with the service's key of
/// that answer first (a plain JWS is refused there).
fn opened(t: &Target, token: &str, which: Answer) -> Result<String, String> {
    let Some(keys) = &t.plus_keys else {
        return Ok(token.to_owned());
    };
    let key = match which {
        Answer::IdToken => &keys.id_token_key,
        Answer::Userinfo => &keys.userinfo_key,
    };
    open_answer(token, Some(key.alg()), std::slice::from_ref(key))
}

/// A private_key_jwt assertion for the token endpoint (one per login).
fn client_assertion(
    t: &Target,
    keys: &ServiceKeys,
    token_url: &str,
    seed: u64,
) -> Result<String, Failure> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0);
    let claims = serde_json::json!({"iss": t.client_id, "sub": t.client_id, "aud": token_url,
        "iat": now, "exp": now + 60, "jti": format!("bench-{seed:016x}-{now}")});
    jose::sign(&claims, jose::Signer::Key(&keys.signing), None)
        .map_err(|e| fail("token", format!("assertion: {e}")))
}

pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4)
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| e.to_string())
}
