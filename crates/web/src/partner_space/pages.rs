//! The partner space's pages (askama templates `partner_*.html`).

use askama::Template;
use relais_i18n::Tr;

#[derive(Template)]
#[template(path = "partner_home.html")]
pub struct HomePage {
    pub t: Tr,
    pub lead: String,
    pub csrf: String,
    pub email: String,
    pub invalid: bool,
    /// The agents' OpenID provider's title, when configured.
    pub agent_idp: Option<String>,
}

#[derive(Template)]
#[template(path = "partner_message.html")]
pub struct MessagePage {
    pub t: Tr,
    pub title: String,
    pub body: String,
    pub action: Option<String>,
    pub csrf: String,
    pub button: String,
}

#[derive(Template)]
#[template(path = "partner_org.html")]
pub struct OrgPage {
    pub t: Tr,
    pub csrf: String,
    pub error: Option<String>,
    /// (value, label)
    pub kinds: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "partner_services.html")]
pub struct ServicesPage {
    pub t: Tr,
    pub org_name: String,
    pub email: String,
    /// (id, name, organisation, state)
    pub services: Vec<(String, String, String, String)>,
    pub csrf: String,
    /// Whether this person may add people.
    pub admin: bool,
    /// (e-mail, role)
    pub members: Vec<(String, String)>,
    pub member_notice: Option<String>,
}

pub struct ScopeChoice {
    pub scope: String,
    pub label: String,
    pub checked: bool,
    pub why: String,
    pub why_label: String,
}

#[derive(Template)]
#[template(path = "partner_form.html")]
pub struct FormPage {
    pub t: Tr,
    pub action: String,
    pub csrf: String,
    pub error: Option<String>,
    pub vendor: bool,
    pub name: String,
    pub client_org: String,
    pub redirect_uris: String,
    pub post_logout: String,
    pub private: bool,
    pub oidc: bool,
    pub scopes: Vec<ScopeChoice>,
    pub contact: String,
    pub jwks_uri: String,
    pub submit: String,
}

#[derive(Template)]
#[template(path = "partner_service.html")]
pub struct ServicePage {
    pub t: Tr,
    pub id: String,
    pub name: String,
    /// (environment, secret) shown once, right after it was generated.
    pub new_secret: Option<(String, String)>,
    pub issuer: String,
    pub sandbox_client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub auth_method: String,
    pub csrf: String,
    pub test_url: String,
    pub trace: Vec<String>,
    pub production_client_id: Option<String>,
    pub pending: Option<String>,
    /// (field, in production, in the draft)
    pub diff: Vec<(String, String, String)>,
    /// (n, state, date, decision)
    pub versions: Vec<(u32, String, String, Option<String>)>,
}
