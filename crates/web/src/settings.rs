//! Node settings the web layer needs, already validated by the binary.

use relais_core::Platform;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Public base URL of this node, without trailing slash.
    pub public_url: String,
    pub platform: Platform,
    /// Plain-http sandbox: no `Secure` cookies, no HSTS, http redirect URIs.
    pub sandbox: bool,
    /// Secret mixed into pairwise subs (never changes for a federation).
    pub sub_secret: String,
    /// The same secret as the key naming accounts in events.
    pub event_account_key: relais_core::subject::EventAccountKey,
    /// Browser session and interaction lifetime, seconds.
    pub session_ttl_secs: u64,
    /// Whether the session lifetime slides with activity.
    pub session_sliding: bool,
    /// Absolute lifetime of a browser session, seconds: sliding never
    /// keeps it alive past this (a stolen cookie dies with it).
    pub session_max_secs: u64,
    /// Whether this node serves the citizen space (`/espace`), a service of
    /// the federation itself. On by default on the Standard platform.
    pub citizen_space: bool,
    /// The operator's copy of the DSFR's `dist` folder, served under
    /// `/api/v2/assets/dsfr/` when the pages wear the State's look.
    pub dsfr_dir: Option<std::path::PathBuf>,
    /// The look of this node's pages.
    pub theme: crate::pages::theme::Theme,
    /// Who runs this federation, as the legal notices name it.
    pub operator_name: String,
    /// Where citizens write about their data and accessibility.
    pub contact_email: String,
    /// Admin API by client certificate: the header in which the TLS proxy
    /// passes the subject of a certificate it verified (the proxy must
    /// strip it from clients' requests), and the subjects let in. The
    /// abuse guard removes it from requests that do not come from a
    /// trusted proxy.
    pub admin_cert_header: Option<axum::http::HeaderName>,
    pub admin_cert_subjects: Vec<String>,
    /// Whether this node serves the partner space (`/partenaires`).
    pub partner_space: bool,
    /// The test IdPs sandbox clients may use (empty: every IdP of this
    /// node, which must then be a sandbox node).
    pub sandbox_idps: Vec<String>,
    /// The identity provider public agents sign in to the partner space
    /// with (its id in the registry), if any.
    pub partner_agent_idp: Option<String>,
}

impl Settings {
    pub fn issuer(&self) -> String {
        format!("{}/api/v2", self.public_url)
    }

    pub fn url(&self, path: &str) -> String {
        [self.public_url.as_str(), path].concat()
    }

    pub fn for_platform(
        public_url: &str,
        platform: Platform,
        sandbox: bool,
        sub_secret: &str,
    ) -> Settings {
        let (ttl, sliding, max) = match platform {
            Platform::Standard => (30 * 60, true, 12 * 3600),
            Platform::Plus => (10 * 60, false, 10 * 60),
        };
        Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            platform,
            sandbox,
            sub_secret: sub_secret.to_owned(),
            event_account_key: relais_core::subject::EventAccountKey::new(sub_secret.as_bytes()),
            session_ttl_secs: ttl,
            session_sliding: sliding,
            session_max_secs: max,
            citizen_space: platform == Platform::Standard,
            dsfr_dir: None,
            theme: crate::pages::theme::Theme::Neutral,
            operator_name: "Relais".to_owned(),
            contact_email: "contact@relais.localhost".to_owned(),
            admin_cert_header: None,
            admin_cert_subjects: Vec::new(),
            partner_space: false,
            sandbox_idps: Vec::new(),
            partner_agent_idp: None,
        }
    }
}
