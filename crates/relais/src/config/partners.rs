//! `[partners]` (the partner space) and `[admin]` (who may call the admin
//! API besides operator tokens).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PartnersConfig {
    /// Serve the partner space at `/partenaires` (default: on in `relais
    /// demo`, off otherwise). Its sign-in links need `[mail] smtp_url`.
    pub enabled: Option<bool>,
    /// The test identity providers sandbox clients may use (default in
    /// `relais demo`: the demo IdPs; empty elsewhere means every IdP, for
    /// a node that is itself the sandbox).
    #[serde(default)]
    pub sandbox_idps: Vec<String>,
    /// An identity provider of this node (its `id`) public agents sign in
    /// with, beside the e-mail link; it must accept
    /// `{public_url}/partenaires/agent/retour` as a redirect URI and give
    /// the `email` claim.
    pub agent_idp: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// The header in which the TLS proxy passes the subject of a client
    /// certificate it verified (the proxy must remove it from clients'
    /// requests), e.g. `x-ssl-client-s-dn`.
    pub client_cert_header: Option<String>,
    /// The subjects let in, exactly as the proxy writes them.
    #[serde(default)]
    pub client_cert_subjects: Vec<String>,
}
