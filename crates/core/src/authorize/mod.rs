//! Validation of a service's authorization request (docs/design.md §2), as pure
//! functions over the raw parameters and the service's registration.
//!
//! The order matters for safety: the client and its redirect URI are
//! established first ([`client_and_redirect`]); until both are trusted every
//! error is a page, never a redirect. Only then does [`validate`] decide which
//! errors may go back to the service.

use crate::acr::{resolve_acr_values, AcrLevel, AcrResolution, Platform};
use crate::error::ErrorCode;
use crate::partner::ServiceProvider;
use crate::profile::OIDC_MIN_NONCE_LEN;
use crate::scope::{is_known_scope, ScopeSet};
use std::collections::HashMap;

/// The parameters FranceConnect's profile takes; it refuses any other.
/// The `oidc` profile also reads `max_age` and `response_mode`, and ignores
/// any parameter it does not know (RFC 6749 §3.1: the server MUST ignore
/// unrecognized parameters), such as `login_hint`, `display` or a
/// library's own (MSAL's `client_info`, `x-client-SKU`).
const ALLOWED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "acr_values",
    "prompt",
    "claims",
    "idp_hint",
    "ui_locales",
    "code_challenge",
    "code_challenge_method",
];
/// Standard parameters the `oidc` profile answers with their own error
/// (OpenID Connect Core §3.1.2.6): discovery says neither is supported.
const UNSUPPORTED_OIDC: [(&str, ErrorCode); 2] = [
    ("request", ErrorCode::RequestNotSupported),
    ("registration", ErrorCode::RegistrationNotSupported),
];
const MAX_PARAMS: usize = 32;
/// The longest value of any parameter but `claims`, in bytes (logout's
/// `state` is held to it too, so a service's `state` fits both ways).
pub const MAX_VALUE: usize = 2048;
const MAX_CLAIMS: usize = 4096;

/// Why an authorization request was refused, and how the refusal travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeRejection {
    /// Shown to the citizen as an error page; the service is not redirected to.
    Page { code: ErrorCode, detail: String },
    /// Sent back to the (trusted) redirect URI.
    Redirect {
        code: ErrorCode,
        detail: String,
        in_fragment: bool,
        state: Option<String>,
    },
}

fn page(code: ErrorCode, detail: impl Into<String>) -> AuthorizeRejection {
    AuthorizeRejection::Page {
        code,
        detail: detail.into(),
    }
}

/// What the service asked for, once validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// Empty only on the `oidc` profile, when the service sent none.
    pub state: String,
    /// Empty only on the `oidc` profile, when PKCE protects the code.
    pub nonce: String,
    pub scopes: ScopeSet,
    pub acr: AcrLevel,
    pub prompt_login: bool,
    pub prompt_consent: bool,
    /// `prompt=none` (`oidc` profile): answer without showing any page.
    #[serde(default)]
    pub prompt_none: bool,
    /// `max_age` (`oidc` profile): a session older than this many seconds
    /// cannot be reused.
    #[serde(default)]
    pub max_age: Option<u64>,
    pub amr_requested: bool,
    pub idp_hint: Option<String>,
    pub ui_locales: Option<String>,
    pub code_challenge: Option<String>,
}

/// The raw parameters, with duplicates and sizes already refused. At most
/// [`MAX_PARAMS`] of them, so a client cannot grow the map; foldhash's
/// random seed per map is enough and costs a fraction of SipHash.
pub struct RawParams<'a>(HashMap<&'a str, &'a str, foldhash::quality::RandomState>);

impl<'a> RawParams<'a> {
    pub fn parse(params: &'a [(String, String)]) -> Result<RawParams<'a>, AuthorizeRejection> {
        if params.len() > MAX_PARAMS {
            return Err(page(ErrorCode::AuthorizeInvalid, "too many parameters"));
        }
        let mut map = HashMap::with_capacity_and_hasher(params.len(), Default::default());
        for (k, v) in params {
            let limit = if k == "claims" { MAX_CLAIMS } else { MAX_VALUE };
            if v.len() > limit {
                return Err(page(
                    ErrorCode::AuthorizeInvalid,
                    format!("{k} is too long"),
                ));
            }
            if map.insert(k.as_str(), v.as_str()).is_some() {
                return Err(page(
                    ErrorCode::AuthorizeInvalid,
                    format!("{k} is repeated"),
                ));
            }
        }
        Ok(RawParams(map))
    }

    pub fn get(&self, k: &str) -> Option<&'a str> {
        self.0.get(k).copied()
    }

    fn required(&self, k: &str) -> Result<&'a str, AuthorizeRejection> {
        match self.get(k) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(page(ErrorCode::AuthorizeInvalid, format!("{k} is missing"))),
        }
    }
}

/// The client id and redirect URI, both required before anything else.
pub fn client_and_redirect<'a>(
    raw: &RawParams<'a>,
) -> Result<(&'a str, &'a str), AuthorizeRejection> {
    let client_id = raw.required("client_id")?;
    let redirect_uri = raw.required("redirect_uri")?;
    Ok((client_id, redirect_uri))
}

/// Whether the registered service accepts this redirect URI (exact match).
///
/// A redirect URI that matches a registered one is a URL (registration
/// checks each, [`crate::registration::check_url`]), so a login's URI is
/// not parsed; one that matches nothing is, to tell a malformed request
/// (not a URL at all) from an unregistered URI or an unknown client.
pub fn check_client(
    sp: Option<&ServiceProvider>,
    redirect_uri: &str,
) -> Result<(), AuthorizeRejection> {
    let sp = sp.filter(|sp| sp.active);
    if sp.is_some_and(|sp| sp.redirect_uris.iter().any(|u| u == redirect_uri)) {
        return Ok(());
    }
    if url::Url::parse(redirect_uri).is_err() {
        return Err(page(
            ErrorCode::AuthorizeInvalid,
            "redirect_uri is not a URL",
        ));
    }
    Err(match sp {
        Some(_) => page(
            ErrorCode::RedirectUriNotRegistered,
            "redirect_uri not registered",
        ),
        None => page(ErrorCode::UnknownClient, "unknown or inactive client_id"),
    })
}

fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether a `claims` request asks for `amr` (in the ID token or userinfo).
fn claims_request_amr(claims: &str) -> Result<bool, AuthorizeRejection> {
    let v: serde_json::Value = serde_json::from_str(claims)
        .map_err(|_| page(ErrorCode::AuthorizeInvalid, "claims is not JSON"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| page(ErrorCode::AuthorizeInvalid, "claims is not a JSON object"))?;
    let mut amr = false;
    for (k, section) in obj {
        if k != "id_token" && k != "userinfo" {
            continue;
        }
        let section = section.as_object().ok_or_else(|| {
            page(
                ErrorCode::AuthorizeInvalid,
                "claims sections must be objects",
            )
        })?;
        amr |= section.contains_key("amr");
    }
    Ok(amr)
}

/// Validates every parameter of a request from a trusted client/redirect.
/// `is_data_scope` tells which scopes the data-provider registry serves, so
/// they count as known scopes too.
pub fn validate(
    raw: &RawParams<'_>,
    sp: &ServiceProvider,
    platform: Platform,
    is_data_scope: &dyn Fn(&str) -> bool,
) -> Result<AuthorizeRequest, AuthorizeRejection> {
    let oidc = sp.profile.is_oidc();
    let state = raw
        .get("state")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    // A generic library that sends a request object, or registration
    // metadata, hears it in the words of OpenID Connect Core §3.1.2.6,
    // at its (trusted) redirect URI; FranceConnect's profile keeps its
    // page for any parameter it does not know.
    if oidc {
        for (name, code) in UNSUPPORTED_OIDC {
            if raw.get(name).is_some() {
                return Err(AuthorizeRejection::Redirect {
                    code,
                    detail: format!("{name} is not supported"),
                    in_fragment: false,
                    state,
                });
            }
        }
    }
    if let Some(k) = raw.0.keys().find(|k| !(oidc || ALLOWED.contains(k))) {
        return Err(page(
            ErrorCode::AuthorizeInvalid,
            format!("unexpected parameter {k}"),
        ));
    }
    let response_type = raw.required("response_type")?;
    if response_type != "code" {
        let parts: Vec<&str> = response_type.split(' ').collect();
        let in_fragment = parts.iter().any(|p| *p == "token" || *p == "id_token");
        return Err(AuthorizeRejection::Redirect {
            code: ErrorCode::UnsupportedResponseType,
            detail: "only response_type=code is supported".into(),
            in_fragment,
            state,
        });
    }
    if raw.get("response_mode").is_some_and(|m| m != "query") {
        return Err(AuthorizeRejection::Redirect {
            code: ErrorCode::ResponseModeUnsupported,
            detail: "only response_mode=query is supported".into(),
            in_fragment: false,
            state,
        });
    }
    let state = match state {
        Some(s) => s,
        None if oidc => String::new(),
        None => raw.required("state")?.to_owned(),
    };
    let scope = raw.required("scope")?;
    // Client and redirect URI are trusted by now: the service hears of it.
    if !scope.split(' ').any(|s| s == "openid") {
        return Err(AuthorizeRejection::Redirect {
            code: ErrorCode::ScopeWithoutOpenid,
            detail: "scope must contain openid".into(),
            in_fragment: false,
            state: Some(state),
        });
    }
    let code_challenge = match (raw.get("code_challenge"), raw.get("code_challenge_method")) {
        (None, None) => None,
        (Some(c), Some("S256")) if is_pkce_value(c) => Some(c.to_owned()),
        _ => {
            return Err(page(
                ErrorCode::AuthorizeInvalid,
                "PKCE needs a valid code_challenge with S256",
            ))
        }
    };
    let nonce = match raw.get("nonce").filter(|n| !n.is_empty()) {
        // A generic client with PKCE may leave the nonce out.
        None if oidc && code_challenge.is_some() => "",
        None if oidc => {
            return Err(page(
                ErrorCode::AuthorizeInvalid,
                "nonce is missing (it may be left out only with PKCE)",
            ))
        }
        None => raw.required("nonce")?,
        Some(n) => n,
    };
    let min_nonce = if oidc {
        OIDC_MIN_NONCE_LEN
    } else {
        platform.min_nonce_len()
    };
    if !nonce.is_empty() && nonce.chars().count() < min_nonce {
        return Err(page(
            ErrorCode::AuthorizeInvalid,
            format!("nonce must be at least {min_nonce} characters"),
        ));
    }
    let acr_values = match raw.get("acr_values") {
        None if oidc => platform.default_acr().as_str(),
        _ => raw.required("acr_values")?,
    };
    let (mut prompt_login, mut prompt_consent, mut prompt_none) = (false, false, false);
    if let Some(prompt) = raw.get("prompt") {
        if prompt.is_empty() {
            return Err(page(ErrorCode::AuthorizeInvalid, "prompt is empty"));
        }
        for p in prompt.split(' ') {
            match p {
                "login" if sp.allows_prompt("login") => prompt_login = true,
                "consent" if sp.allows_prompt("consent") => prompt_consent = true,
                "none" if oidc => prompt_none = true,
                _ => {
                    return Err(page(
                        ErrorCode::AuthorizeInvalid,
                        "prompt value not allowed",
                    ))
                }
            }
        }
        if prompt_none && (prompt_login || prompt_consent) {
            return Err(page(
                ErrorCode::AuthorizeInvalid,
                "prompt=none cannot be combined with another value",
            ));
        }
    }
    let max_age = match raw.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            page(
                ErrorCode::AuthorizeInvalid,
                "max_age must be a number of seconds",
            )
        })?),
    };
    let mut amr_requested = match raw.get("claims") {
        Some(c) => claims_request_amr(c)?,
        None => false,
    };
    let ui_locales = raw.get("ui_locales").map(str::to_owned);
    let idp_hint = raw
        .get("idp_hint")
        .filter(|h| !h.is_empty())
        .map(str::to_owned);

    let redirect = |code, detail: &str| AuthorizeRejection::Redirect {
        code,
        detail: detail.to_owned(),
        in_fragment: false,
        state: Some(state.clone()),
    };
    // Unknown scopes are ignored; known ones must be registered for the SP.
    let known: Vec<&str> = scope
        .split(' ')
        .filter(|s| is_known_scope(s) || is_data_scope(s))
        .collect();
    if let Some(s) = known.iter().find(|s| !sp.allows_scope(s)) {
        return Err(redirect(
            ErrorCode::InvalidScope,
            &format!("scope {s} not allowed for this client"),
        ));
    }
    amr_requested |= known.contains(&"amr");
    if amr_requested && !sp.amr_entitled {
        return Err(page(
            ErrorCode::AmrNotEntitled,
            "amr requested without entitlement",
        ));
    }
    let acr = match resolve_acr_values(acr_values, platform) {
        AcrResolution::Level(l) => l,
        AcrResolution::NotServed(l) => {
            return Err(redirect(
                ErrorCode::InvalidAcr,
                &format!("{l} is not served by this platform"),
            ))
        }
    };
    Ok(AuthorizeRequest {
        client_id: sp.client_id.clone(),
        redirect_uri: raw.required("redirect_uri")?.to_owned(),
        state,
        nonce: nonce.to_owned(),
        scopes: ScopeSet::from_scopes(known),
        acr,
        prompt_login,
        prompt_consent,
        prompt_none,
        max_age,
        amr_requested,
        idp_hint,
        ui_locales,
        code_challenge,
    })
}

#[cfg(test)]
mod tests;
