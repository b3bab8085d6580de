//! A scripted browser: a cookie jar, no automatic redirects (each hop is
//! visible), and just enough HTML reading to submit the forms users submit.

use std::collections::HashMap;

pub struct Browser {
    pub http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// Query parameters of the redirect target.
    pub fn location_params(&self) -> HashMap<String, String> {
        let loc = self.location.clone().unwrap_or_default();
        let q = loc
            .split_once('?')
            .map(|(_, q)| q)
            .or_else(|| loc.split_once('#').map(|(_, q)| q))
            .unwrap_or("");
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    }

    /// The first form whose action contains `needle`: (action, hidden inputs).
    pub fn form(&self, needle: &str) -> (String, Vec<(String, String)>) {
        relais::bench::html::form(&self.body, needle)
            .unwrap_or_else(|| panic!("no form with action containing {needle} in:\n{}", self.body))
    }

    pub fn error_code(&self) -> Option<String> {
        let i = self.body.find("class=\"code\">")?;
        let rest = &self.body[i + 13..];
        Some(rest[..rest.find('<')?].to_owned())
    }
}

pub fn html_unescape(s: &str) -> String {
    relais::bench::html::unescape(s)
}

impl Browser {
    pub fn new() -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { http, jar }
    }

    /// The `Cookie` header this browser would send to `url`: what a copy
    /// of it (another tab, a restored one) would present.
    pub fn cookies(&self, url: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        self.jar
            .cookies(&url.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_owned())
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    pub async fn get(&self, url: &str) -> Page {
        Self::page(self.http.get(url).send().await.unwrap()).await
    }

    pub async fn post(&self, url: &str, form: &[(String, String)]) -> Page {
        Self::page(self.http.post(url).form(form).send().await.unwrap()).await
    }

    /// Follows redirects within `base` hosts until a page (or a redirect out).
    pub async fn follow(&self, mut page: Page, base: &str) -> Page {
        for _ in 0..10 {
            match &page.location {
                Some(loc) if (300..400).contains(&page.status) && loc.starts_with(base) => {
                    page = self.get(&loc.clone()).await;
                }
                // A relative redirect, as browsers resolve it.
                Some(loc)
                    if (300..400).contains(&page.status)
                        && loc.starts_with('/')
                        && !loc.starts_with("//") =>
                {
                    page = self.get(&format!("{base}{loc}")).await;
                }
                _ => return page,
            }
        }
        page
    }

    pub async fn submit(
        &self,
        page: &Page,
        base: &str,
        needle: &str,
        extra: &[(&str, &str)],
    ) -> Page {
        let (action, mut fields) = page.form(needle);
        for (k, v) in extra {
            fields.push(((*k).into(), (*v).into()));
        }
        let url = if action.starts_with("http") {
            action
        } else {
            format!("{base}{action}")
        };
        self.post(&url, &fields).await
    }
}

/// A full login through the chooser, a demo IdP's form and the consent page.
/// Returns the final redirect (to the service) page.
/// Authorize → chooser → IdP form → back: the page after the IdP (the
/// consent page on a normal login).
pub async fn to_consent(
    b: &Browser,
    base: &str,
    authorize_url: &str,
    idp: &str,
    citizen: &str,
) -> Page {
    let (_, back) = to_idp_answer(b, base, authorize_url, idp, citizen).await;
    b.follow(back, base).await
}

/// From the service's authorize URL through the chooser and the IdP's
/// form: the chooser page, and the IdP's answer (its redirect back to the
/// federation, not followed yet).
pub async fn to_idp_answer(
    b: &Browser,
    base: &str,
    authorize_url: &str,
    idp: &str,
    citizen: &str,
) -> (Page, Page) {
    let chooser = b.follow(b.get(authorize_url).await, base).await;
    assert_eq!(chooser.status, 200, "chooser expected: {}", chooser.body);
    let back = idp_answer_from(b, base, &chooser, idp, citizen).await;
    (chooser, back)
}

/// From a chooser page, `idp` picked and the citizen logged in there: the
/// IdP's answer (its redirect back to the federation, not followed yet).
pub async fn idp_answer_from(
    b: &Browser,
    base: &str,
    chooser: &Page,
    idp: &str,
    citizen: &str,
) -> Page {
    let at_idp = b.submit(chooser, base, "/idp", &[("idp", idp)]).await;
    assert_eq!(at_idp.status, 303, "{}", at_idp.body);
    let form = b.follow(at_idp, base).await;
    assert_eq!(form.status, 200, "IdP login form expected");
    b.submit(
        &form,
        base,
        "/login",
        &[("login", citizen), ("password", "123")],
    )
    .await
}

/// A whole login: up to consent, then consent given.
pub async fn login(b: &Browser, base: &str, authorize_url: &str, idp: &str, citizen: &str) -> Page {
    let consent = to_consent(b, base, authorize_url, idp, citizen).await;
    if consent.status != 200 || !consent.body.contains("/consent") {
        return consent;
    }
    b.submit(&consent, base, "/consent", &[("consent", "yes")])
        .await
}

/// A login on a browser that already has a session (SSO): authorize, then
/// the information page when the service shows one. Returns the redirect
/// to the service.
pub async fn sso(b: &Browser, base: &str, authorize_url: &str) -> Page {
    let page = b.follow(b.get(authorize_url).await, base).await;
    assert!(
        !page.body.contains("/idp\""),
        "SSO expected, got the chooser"
    );
    if page.body.contains("/consent") {
        b.submit(&page, base, "/consent", &[]).await
    } else {
        page
    }
}
