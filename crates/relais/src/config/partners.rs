//! `[partners]` (the partner space) and `[admin]` (who may call the admin
//! API besides operator tokens).

use axum::http::HeaderName;
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

/// Headers Relais reads for other purposes (lower case, as parsed).
const OWN_HEADERS: &[&str] = &[
    "accept",
    "accept-language",
    "authorization",
    "content-length",
    "content-type",
    "cookie",
    "dpop",
    "host",
    "origin",
    "referer",
    "user-agent",
    "x-forwarded-for",
    relais_web::abuse::CLIENT_IP_HEADER,
];

impl AdminConfig {
    /// The certificate header, parsed. It is believed only from the
    /// proxies in `limits.trusted_proxies` (a client reaching the node
    /// directly could write it), so naming it without them is refused
    /// rather than left to never let anyone in.
    pub fn cert_header(&self, trusted_proxies: &[String]) -> Result<Option<HeaderName>, String> {
        let Some(name) = &self.client_cert_header else {
            return Ok(None);
        };
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("admin.client_cert_header: {name:?} is not a header name"))?;
        // Requests from elsewhere lose this header: it must not be one
        // Relais or the browser needs for anything else.
        if OWN_HEADERS.contains(&header.as_str()) {
            return Err(format!(
                "admin.client_cert_header: {header} is a header Relais reads for itself; \
                 name the one the proxy writes the subject in"
            ));
        }
        if trusted_proxies.is_empty() {
            return Err("admin.client_cert_header: list the TLS proxy's address in \
                 limits.trusted_proxies; the header is believed only from it"
                .into());
        }
        if self.client_cert_subjects.is_empty() {
            return Err(
                "admin.client_cert_subjects: list the certificate subjects to let in".into(),
            );
        }
        Ok(Some(header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(header: Option<&str>, subjects: &[&str]) -> AdminConfig {
        AdminConfig {
            client_cert_header: header.map(str::to_owned),
            client_cert_subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn the_certificate_header_needs_a_trusted_proxy_and_subjects() {
        let proxies = ["10.0.0.1".to_owned()];
        assert_eq!(admin(None, &[]).cert_header(&[]), Ok(None));
        assert_eq!(
            admin(Some("X-SSL-Client-S-DN"), &["CN=ops"])
                .cert_header(&proxies)
                .map(|h| h.map(|h| h.to_string())),
            Ok(Some("x-ssl-client-s-dn".to_owned()))
        );
        let e = admin(Some("x-ssl-client-s-dn"), &["CN=ops"]).cert_header(&[]);
        assert!(e.is_err_and(|e| e.contains("limits.trusted_proxies")));
        let e = admin(Some("x ssl"), &["CN=ops"]).cert_header(&proxies);
        assert!(e.is_err_and(|e| e.starts_with("admin.client_cert_header")));
        let e = admin(Some("Authorization"), &["CN=ops"]).cert_header(&proxies);
        assert!(e.is_err_and(|e| e.contains("reads for itself")));
        let e = admin(Some("x-ssl-client-s-dn"), &[]).cert_header(&proxies);
        assert!(e.is_err_and(|e| e.starts_with("admin.client_cert_subjects")));
    }
}
