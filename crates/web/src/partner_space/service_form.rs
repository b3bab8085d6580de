//! The service form: create (the sandbox client and its secret at once)
//! and edit (a new draft, served at once on the sandbox). The declaration
//! is checked field by field, then by the registration rules of the client
//! it becomes.

use super::partner::{owned, signed_in, Partner};

use super::pages::{FormPage, ScopeChoice};
use super::publish::{new_secret, sync_sandbox};
use super::records;
use crate::error::PageError;
use crate::extract::{PageBody, PagePath};
use crate::pages;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use relais_core::onboarding::org::{slug, OrgKind, Organisation};
use relais_core::onboarding::spec::{ScopeRequest, ServiceSpec};
use relais_core::onboarding::OnboardedService;
use relais_core::partner::SpType;
use relais_core::profile::IntegrationProfile;
use relais_i18n::{Locale, Tr};
use relais_store::ConfigKind;

use super::service_page::show_page;

/// Identity scopes and the data scopes the federation serves.
fn requestable_scopes(app: &AppState) -> Vec<String> {
    let mut out: Vec<String> = relais_core::scope::IDENTITY_SCOPES
        .iter()
        .filter(|s| **s != "openid")
        .map(|s| (*s).to_owned())
        .collect();
    let mut data: Vec<String> = app
        .registry
        .snapshot()
        .dps
        .values()
        .flat_map(|d| d.scopes.clone())
        .collect();
    data.sort();
    data.dedup();
    out.extend(data);
    out
}

/// The form's fields as sent.
#[derive(Default)]
struct Fields {
    pairs: Vec<(String, String)>,
}

impl Fields {
    fn parse(body: &[u8]) -> Fields {
        Fields {
            pairs: relais_core::form_encoding::parse(body)
                .into_owned()
                .collect(),
        }
    }
    fn get(&self, k: &str) -> &str {
        self.pairs
            .iter()
            .find(|(n, _)| n == k)
            .map_or("", |(_, v)| v.as_str())
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn lines(&self, k: &str) -> Vec<String> {
        self.get(k)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
    fn spec(&self) -> ServiceSpec {
        let ticked = self.all("scope");
        ServiceSpec {
            name: self.get("name").trim().to_owned(),
            redirect_uris: self.lines("redirect_uris"),
            post_logout_redirect_uris: self.lines("post_logout"),
            scopes: ticked
                .iter()
                .map(|s| ScopeRequest {
                    scope: (*s).to_owned(),
                    justification: self.get(&format!("why_{s}")).trim().to_owned(),
                })
                .collect(),
            sp_type: if self.get("type") == "private" {
                SpType::Private
            } else {
                SpType::Public
            },
            contact_email: self.get("contact_email").trim().to_owned(),
            profile: IntegrationProfile::parse(self.get("profile")).unwrap_or_default(),
            jwks_uri: Some(self.get("jwks_uri").trim())
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    app: &AppState,
    headers: &HeaderMap,
    p: &Partner,
    action: &str,
    spec: &ServiceSpec,
    client_org: &str,
    error: Option<String>,
    creating: bool,
) -> Result<Response, PageError> {
    let locale = Locale::negotiate(None, headers);
    let scopes = requestable_scopes(app)
        .into_iter()
        .map(|scope| {
            let chosen = spec.scopes.iter().find(|r| r.scope == scope);
            let label_id = format!("scope-{scope}");
            let label = if relais_i18n::catalog::has(locale, &label_id) {
                locale.text(&label_id).into_owned()
            } else {
                scope.clone()
            };
            ScopeChoice {
                why_label: locale
                    .text_with("partner-field-justification", &[("scope", scope.as_str())]),
                label,
                checked: chosen.is_some(),
                why: chosen.map(|r| r.justification.clone()).unwrap_or_default(),
                scope,
            }
        })
        .collect();
    let page = FormPage {
        t: Tr::new(locale, action),
        action: action.to_owned(),
        csrf: app.issue_csrf(&p.session_id, "partner").await?,
        error: error.map(|e| locale.text_with("partner-form-error", &[("message", e.as_str())])),
        vendor: p.org.kind == OrgKind::Vendor,
        name: spec.name.clone(),
        client_org: client_org.to_owned(),
        redirect_uris: spec.redirect_uris.join("\n"),
        post_logout: spec.post_logout_redirect_uris.join("\n"),
        private: spec.sp_type == SpType::Private,
        oidc: spec.profile.is_oidc(),
        scopes,
        contact: spec.contact_email.clone(),
        jwks_uri: spec.jwks_uri.clone().unwrap_or_default(),
        submit: locale
            .text(if creating {
                "partner-create"
            } else {
                "partner-save"
            })
            .into_owned(),
    };
    Ok(pages::render(&page).into_response())
}

fn blank_spec(p: &Partner) -> ServiceSpec {
    ServiceSpec {
        name: String::new(),
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        scopes: Vec::new(),
        sp_type: SpType::Public,
        contact_email: p.user.email.clone(),
        profile: IntegrationProfile::FranceConnect,
        jwks_uri: None,
    }
}

/// `GET /partenaires/services/nouveau`.
pub async fn new_form(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    form_page(
        &app,
        &headers,
        &p,
        "/partenaires/services/nouveau",
        &blank_spec(&p),
        "",
        None,
        true,
    )
    .await
}

/// Checks a spec and the client it would become, naming the field.
fn check(app: &AppState, spec: &ServiceSpec) -> Result<(), String> {
    let is_data = |s: &str| app.registry.is_data_scope(s);
    spec.check(app.settings.sandbox, &is_data)
        .map_err(|v| v.to_string())?;
    let sp = spec.to_service_provider(
        "check",
        "check",
        "0123456789abcdef0123",
        Some(&app.settings.sandbox_idps),
    );
    sp.check(app.registry.context()).map_err(|v| v.to_string())
}

/// The organisation a vendor connects the service for (found or created).
async fn client_org(
    app: &AppState,
    p: &mut Partner,
    name: &str,
) -> Result<Result<String, String>, PageError> {
    if p.org.kind != OrgKind::Vendor {
        return Ok(Ok(p.org.id.clone()));
    }
    let name = name.trim();
    let Some(s) = slug(name).filter(|_| name.chars().count() <= 100) else {
        return Ok(Err(
            "client_org: the client authority's name is required".into()
        ));
    };
    if let Some(existing) = p.org.clients.iter().find(|c| **c == s) {
        return Ok(Ok(existing.clone()));
    }
    let id = records::free_id(app, ConfigKind::Organisation, &s).await?;
    let now = app.clock.now_millis();
    records::save_org(
        app,
        &Organisation {
            id: id.clone(),
            name: name.to_owned(),
            kind: OrgKind::Commune,
            created_at: now,
            clients: Vec::new(),
        },
    )
    .await?;
    p.org.clients.push(id.clone());
    records::save_org(app, &p.org).await?;
    Ok(Ok(id))
}

/// `POST /partenaires/services/nouveau`: the service, its sandbox client
/// and secret (shown once, on the page this answers).
pub async fn create(
    State(app): State<AppState>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let mut p = signed_in!(app, headers);
    let f = Fields::parse(&body);
    app.check_csrf(Some(f.get("csrf")), &p.session_id, "partner")
        .await?;
    let spec = f.spec();
    let action = "/partenaires/services/nouveau";
    // The declaration first, then (vendors) the client organisation.
    let owner = match check(&app, &spec) {
        Err(e) => Err(e),
        Ok(()) => client_org(&app, &mut p, f.get("client_org")).await?,
    };
    let owner = match owner {
        Ok(o) => o,
        Err(e) => {
            return form_page(
                &app,
                &headers,
                &p,
                action,
                &spec,
                f.get("client_org"),
                Some(e),
                true,
            )
            .await
        }
    };
    let base = slug(&spec.name).unwrap_or_else(|| "service".into());
    let id = records::free_id(&app, ConfigKind::OnboardedService, &base).await?;
    let managed_by = (owner != p.org.id).then(|| p.org.id.clone());
    let svc = OnboardedService::new(
        &id,
        &owner,
        managed_by,
        spec,
        &p.user.email,
        app.clock.now_millis(),
    );
    let secret = new_secret(&app);
    sync_sandbox(&app, &svc, Some(&secret)).await?;
    records::save_service(&app, &svc).await?;
    super::audit(
        &app,
        &p.user.email,
        "service.create",
        Some(&svc.sandbox_client_id),
    )
    .await;
    // A service with keys (private_key_jwt) has no secret to show.
    let shown = svc
        .sandbox_spec()
        .is_some_and(|s| s.jwks_uri.is_none())
        .then(|| ("sandbox".to_owned(), secret));
    show_page(&app, &headers, &p, &svc, shown).await
}

/// `GET /partenaires/services/{id}/modifier`.
pub async fn edit_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<String>,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    let svc = owned(&app, &p, &id).await?;
    let spec = svc
        .sandbox_spec()
        .cloned()
        .unwrap_or_else(|| blank_spec(&p));
    form_page(
        &app,
        &headers,
        &p,
        &format!("/partenaires/services/{id}/modifier"),
        &spec,
        "",
        None,
        false,
    )
    .await
}

/// `POST /partenaires/services/{id}/modifier`: a new draft, served at once
/// on the sandbox.
pub async fn update(
    State(app): State<AppState>,
    headers: HeaderMap,
    PagePath(id): PagePath<String>,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let p = signed_in!(app, headers);
    let f = Fields::parse(&body);
    app.check_csrf(Some(f.get("csrf")), &p.session_id, "partner")
        .await?;
    let mut svc = owned(&app, &p, &id).await?;
    let spec = f.spec();
    if let Err(e) = check(&app, &spec) {
        return form_page(
            &app,
            &headers,
            &p,
            &format!("/partenaires/services/{id}/modifier"),
            &spec,
            "",
            Some(e),
            false,
        )
        .await;
    }
    svc.edit(spec, &p.user.email, app.clock.now_millis());
    sync_sandbox(&app, &svc, None).await?;
    records::save_service(&app, &svc).await?;
    super::audit(
        &app,
        &p.user.email,
        "service.update",
        Some(&svc.sandbox_client_id),
    )
    .await;
    Ok(Redirect::to(&format!("/partenaires/services/{id}")).into_response())
}
