//! The error catalogue (docs/design.md §7): every failure a citizen, a
//! service or a data provider can meet, with its stable `Y…` code, HTTP
//! status and OAuth error. The citizen's message for each code lives in the
//! Fluent files (`crates/i18n/locales/{fr,en}/errors.ftl`, id
//! `error-<code>`); a test of the i18n crate checks every code has one.
//! Codes are FranceConnect's where the condition is the same; Relais-specific
//! ones keep the same module numbering (00 generic, 01 civil register, 02 IdP, 03 OIDC provider,
//! 04 configuration, 10 levels/identity, 18 account, 19 session, 42
//! navigation, 47 CSRF, 50 citizen space, 51 partner space, 60 pivot identity).
//!
//! The catalogue is one table: the `catalogue!` invocation below declares
//! each [`ErrorCode`] variant together with all of its facts, so adding a
//! code is one line.

use serde::Serialize;

/// The way out an error page offers (no page is a dead end): pick another
/// login account when the account was the problem, else go back to the
/// service; pages outside any login link home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    AnotherAccount,
    BackToService,
    Home,
}

/// What a service receives as `error` when the error goes back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthError(pub &'static str);

/// Every fact about one error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorEntry {
    /// Stable code: `Y` + 2-digit module + 4 characters.
    pub code: &'static str,
    /// HTTP status (303: the error goes back to the service by redirect).
    pub status: u16,
    /// OAuth `error` value, when the error can reach a service or a DP.
    pub oauth: Option<&'static str>,
    /// Short English description (OAuth `error_description`, logs).
    pub description: &'static str,
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal, $oauth:expr, $desc:literal $(,)?) ),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
        }

        impl ErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )+ ];

            /// The catalogue entry of this code.
            pub const fn entry(self) -> &'static ErrorEntry {
                match self {
                    $( ErrorCode::$variant => &ErrorEntry {
                        code: $code,
                        status: $status,
                        oauth: $oauth,
                        description: $desc,
                    }, )+
                }
            }
        }
    };
}

catalogue! {
    // 00 generic
    NotFound => ("Y000404", 404, None, "page not found"),
    MethodNotAllowed => ("Y000405", 405, None, "method not allowed"),
    PayloadTooLarge => ("Y000413", 413, None, "request too large"),
    RequestTimeout => ("Y000408", 408, None, "request body not received in time"),
    UriTooLong => ("Y000414", 414, None, "request URI too long"),
    HeadersTooLarge => ("Y000431", 431, None, "request headers too large"),
    /// A rate limit of the client IP (pages) or of the client (back channel).
    RateLimited => ("Y000429", 429, Some("temporarily_unavailable"), "too many requests; retry after the delay given"),
    /// Too many requests in flight on this node: shed, not queued.
    Overloaded => ("Y000529", 503, Some("temporarily_unavailable"), "node overloaded; retry shortly"),
    Internal => ("Y000500", 500, Some("server_error"), "internal error"),
    StorageUnavailable => ("Y000503", 503, Some("temporarily_unavailable"), "storage temporarily unavailable"),
    // 01 civil register (FranceConnect's RNIPP codes)
    RegisterNoMatchClose => ("Y010004", 403, Some("access_denied"), "the civil register found a person, but not close enough to the identity"),
    RegisterAmbiguous => ("Y010006", 403, Some("access_denied"), "the civil register found several persons for the identity"),
    RegisterUnknown => ("Y010008", 403, Some("access_denied"), "the civil register does not know the identity"),
    RegisterTimeout => ("Y010011", 503, Some("temporarily_unavailable"), "the civil register did not answer in time"),
    RegisterUnavailable => ("Y010012", 503, Some("temporarily_unavailable"), "the civil register is unavailable"),
    RegisterDeceased => ("Y010015", 403, Some("access_denied"), "the civil register reports the person deceased"),
    // 02 identity providers
    IdpDisabled => ("Y020017", 500, None, "the chosen identity provider is disabled"),
    IdpUnknown => ("Y020019", 500, None, "the chosen identity provider is unknown"),
    IdpCallbackNoState => ("Y020021", 400, None, "identity provider callback without state"),
    IdpCallbackWrongState => ("Y020022", 403, None, "identity provider callback with an unknown state"),
    IdpExcluded => ("Y020023", 403, None, "identity provider excluded for this service"),
    IdpCallbackNoCode => ("Y020025", 400, None, "identity provider callback without code"),
    /// FranceConnect's TOKEN_FAILED: the token call failed, or the ID token
    /// it returned failed verification (signature, alg, kid, iss, aud, exp,
    /// nonce) — one code, as openid-client reports both from one step.
    IdpTokenFailed => ("Y020026", 502, None, "identity provider token request failed or its ID token is invalid"),
    IdpUserinfoFailed => ("Y020027", 502, None, "identity provider userinfo request failed"),
    IdpUserinfoSubMismatch => ("Y020029", 502, None, "identity provider userinfo sub differs from ID token sub"),
    // 03 provider towards services
    AuthorizeInvalid => ("Y030007", 400, None, "authorization request parameters missing or invalid"),
    AccessDenied => ("Y030030", 303, Some("access_denied"), "the user went back to the service"),
    IdpHintNotAllowed => ("Y030032", 303, Some("invalid_idp_hint"), "idp_hint not allowed for this service"),
    UnsupportedResponseType => ("Y030010", 303, Some("unsupported_response_type"), "only response_type=code is supported"),
    InvalidScope => ("Y030011", 303, Some("invalid_scope"), "scope not allowed for this service"),
    InvalidAcr => ("Y030012", 303, Some("invalid_acr"), "requested acr level not served by this platform"),
    /// `prompt=none` (`oidc` profile) without a session that can answer
    /// silently, or with a `max_age` the session is older than.
    LoginRequired => ("Y030014", 303, Some("login_required"), "prompt=none: the user must log in"),
    /// `prompt=none` (`oidc` profile) for a service whose users must tick
    /// the consent box.
    ConsentRequired => ("Y030015", 303, Some("consent_required"), "prompt=none: the user must consent"),
    /// `response_mode` other than `query` (`oidc` profile).
    ResponseModeUnsupported => ("Y030016", 303, Some("invalid_request"), "only response_mode=query is supported"),
    /// A scope without `openid` from a trusted client and redirect URI.
    ScopeWithoutOpenid => ("Y030013", 303, Some("invalid_request"), "scope must contain openid"),
    /// `oidc` profile: a request object (`request`) sent; Relais takes none.
    RequestNotSupported => ("Y030017", 303, Some("request_not_supported"), "request objects are not supported"),
    /// `oidc` profile: `registration` metadata sent; services are registered by the operator.
    RegistrationNotSupported => ("Y030018", 303, Some("registration_not_supported"), "the registration parameter is not supported"),
    TokenInvalidRequest => ("Y030101", 400, Some("invalid_request"), "token request missing or invalid parameters"),
    TokenInvalidClient => ("Y030102", 401, Some("invalid_client"), "client authentication failed"),
    TokenInvalidGrant => ("Y030103", 400, Some("invalid_grant"), "authorization code invalid, expired or already used"),
    TokenUnsupportedGrantType => ("Y030104", 400, Some("unsupported_grant_type"), "only grant_type=authorization_code is supported"),
    /// Too many failed client authentications from this IP for this client.
    ClientLockedOut => ("Y030106", 429, Some("invalid_client"), "too many failed client authentications; locked out for a while"),
    TokenUnauthorizedClient => ("Y030105", 400, Some("unauthorized_client"), "client authentication method not allowed for this client"),
    UserinfoInvalidToken => ("Y030201", 401, Some("invalid_token"), "access token unknown, expired or revoked"),
    /// RFC 7523 assertion refused: signature, key, algorithm, iss/sub or jti.
    ClientAssertionInvalid => ("Y030107", 401, Some("invalid_client"), "client assertion invalid (signature, key, issuer or claims)"),
    ClientAssertionExpired => ("Y030108", 401, Some("invalid_client"), "client assertion expired, not yet valid, or valid for more than five minutes"),
    ClientAssertionWrongAudience => ("Y030109", 401, Some("invalid_client"), "client assertion audience is not this endpoint or the issuer"),
    ClientAssertionReplayed => ("Y030110", 401, Some("invalid_client"), "client assertion already used (jti)"),
    /// A private_key_jwt service (every service on Plus) presented a secret.
    ClientSecretRefused => ("Y030111", 401, Some("invalid_client"), "this client authenticates with private_key_jwt; client secrets are refused"),
    /// RFC 9449: the DPoP proof at the token endpoint is missing or invalid.
    DpopProofInvalid => ("Y030112", 400, Some("invalid_dpop_proof"), "DPoP proof missing or invalid"),
    /// RFC 9126: a pushed authorization request that breaks a rule of /authorize.
    ParInvalidRequest => ("Y030113", 400, Some("invalid_request"), "pushed authorization request invalid"),
    /// A service registered with require_pushed_authorization_requests sent its parameters in the URL.
    ParRequired => ("Y030114", 400, None, "this service must push its authorization requests (PAR) first"),
    ParRequestUriUnknown => ("Y030116", 400, None, "request_uri unknown, expired, already used or pushed by another client"),
    /// The service's encryption key cannot be had (its jwks_uri fails, or has no fitting key).
    ServiceEncryptionKeyUnavailable => ("Y030115", 502, Some("server_error"), "the service's encryption key cannot be fetched or none fits"),
    /// RFC 7009 §2.1: a service asked to revoke a token issued to another.
    RevocationNotOwner => ("Y030117", 400, Some("invalid_request"), "this token was not issued to this client"),
    /// RFC 6750 §2: the access token sent by more than one means, or in the URL.
    UserinfoInvalidRequest => ("Y030203", 400, Some("invalid_request"), "send the access token once: in the Authorization header, or in a POST form body"),
    /// RFC 9449 at userinfo / checktoken: a DPoP-bound token without a matching proof.
    UserinfoInvalidDpop => ("Y030202", 401, Some("invalid_dpop_proof"), "DPoP proof missing, invalid or not bound to this access token"),
    /// Logout refused before any session is looked up: an `id_token_hint`
    /// missing, not Relais' or not for a known service; a `client_id` that
    /// is not the hint's audience; a `state` over the parameters' limit.
    LogoutInvalid => ("Y030301", 400, None, "logout request refused: id_token_hint, client_id or state"),
    LogoutRedirectNotRegistered => ("Y030302", 400, None, "post_logout_redirect_uri not registered"),
    // 04 configuration
    UnknownClient => ("Y04EA6EF", 400, None, "unknown or inactive client"),
    /// Admin API: no valid operator token (or client certificate).
    AdminUnauthorized => ("Y040401", 401, Some("invalid_token"), "operator authentication required"),
    /// Admin API: the document or parameter breaks a rule (the message names the field).
    AdminInvalidRequest => ("Y040400", 400, Some("invalid_request"), "invalid request; the message names the field"),
    AdminNotFound => ("Y040404", 404, Some("not_found"), "no such object"),
    /// Admin API: the object is not in a state that allows this (e.g. approving a draft).
    AdminConflict => ("Y040409", 409, Some("conflict"), "the object's state does not allow this"),
    RedirectUriNotRegistered => ("Y04C013C", 400, None, "redirect_uri not registered for this client"),
    // 10 levels
    IdpAcrTooLow => ("Y100001", 500, None, "identity provider level lower than requested"),
    IdpAcrNotAllowed => ("Y100018", 400, None, "identity provider returned a level it is not allowed to"),
    AmrNotEntitled => ("Y100009", 400, None, "amr claim requested without entitlement"),
    IdpBlockedByUser => ("Y100011", 403, None, "the user blocked this identity provider"),
    /// Logout whose `id_token_hint` names a session that no longer exists.
    LogoutSessionNotFound => ("Y100019", 400, None, "no live session for this id_token_hint"),
    // 18 accounts
    AccountDisabled => ("Y180001", 403, None, "account disabled"),
    // 19 session
    SessionExpired => ("Y190001", 401, None, "session missing or expired"),
    // 42 navigation
    AbnormalNavigation => ("Y420001", 400, None, "step replayed or out of order"),
    // 47 CSRF
    CsrfWrong => ("Y470001", 401, None, "CSRF token wrong or already used"),
    CsrfMissing => ("Y470002", 400, None, "CSRF token missing"),
    // 50 citizen space
    /// The space's own login through the federation failed (state, code, tokens).
    SpaceLoginFailed => ("Y500001", 400, None, "the citizen space could not complete its login"),
    // 51 partner space
    PartnerSignInRequired => ("Y510001", 401, None, "partner space: sign in first"),
    PartnerLinkInvalid => ("Y510002", 400, None, "sign-in link unknown, expired or already used"),
    PartnerForbidden => ("Y510003", 403, None, "this service belongs to another organisation"),
    // 60 pivot identity
    PivotInvalid => ("Y600006", 400, None, "identity from the identity provider failed validation"),
}

impl ErrorCode {
    pub fn code(self) -> &'static str {
        self.entry().code
    }

    pub fn status(self) -> u16 {
        self.entry().status
    }

    /// The OAuth `error` value, for errors a service or DP receives
    /// (`invalid_request` for the codes that have none of their own).
    pub fn oauth_error(self) -> OAuthError {
        OAuthError(self.entry().oauth.unwrap_or("invalid_request"))
    }

    /// What an error page offers the citizen next.
    pub fn next_step(self) -> NextStep {
        use ErrorCode::*;
        match self {
            IdpDisabled
            | IdpUnknown
            | IdpExcluded
            | IdpTokenFailed
            | IdpUserinfoFailed
            | IdpUserinfoSubMismatch
            | IdpAcrTooLow
            | IdpAcrNotAllowed
            | IdpBlockedByUser
            | PivotInvalid
            | RegisterNoMatchClose
            | RegisterAmbiguous
            | RegisterUnknown
            | RegisterDeceased => NextStep::AnotherAccount,
            NotFound
            | MethodNotAllowed
            | PartnerSignInRequired
            | PartnerLinkInvalid
            | PartnerForbidden => NextStep::Home,
            _ => NextStep::BackToService,
        }
    }

    /// A short English description (OAuth `error_description`, logs).
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// Identifier of the citizen's message in the Fluent files
    /// (`crates/i18n/locales/*/errors.ftl`), where every page text lives.
    pub fn message_id(self) -> String {
        format!("error-{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_shaped_like_the_catalogue() {
        let mut seen = HashSet::new();
        for e in ErrorCode::ALL {
            let c = e.code();
            assert!(c.starts_with('Y') && (c.len() == 7 || c.len() == 8), "{c}");
            assert!(seen.insert(c), "{c} is used twice");
        }
        assert_eq!(seen.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn every_code_has_a_description_and_a_real_status() {
        for e in ErrorCode::ALL {
            let entry = e.entry();
            assert!(!entry.description.is_empty(), "{e:?}");
            assert!((300..600).contains(&entry.status), "{e:?}");
        }
    }

    #[test]
    fn facts_of_some_codes() {
        assert_eq!(ErrorCode::AccessDenied.status(), 303);
        assert_eq!(ErrorCode::CsrfMissing.status(), 400);
        assert_eq!(
            ErrorCode::IdpHintNotAllowed.oauth_error().0,
            "invalid_idp_hint"
        );
        assert_eq!(ErrorCode::NotFound.oauth_error().0, "invalid_request");
        assert_eq!(ErrorCode::UnknownClient.code(), "Y04EA6EF");
    }
}
