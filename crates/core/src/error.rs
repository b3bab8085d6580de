//! The error catalogue (docs/design.md §7): every failure a citizen, a
//! service or a data provider can meet, with its stable `Y…` code, HTTP
//! status, OAuth error and plain-language messages in French and English.
//! Codes are FranceConnect's where the condition is the same; Relais-specific
//! ones keep the same module numbering (00 generic, 02 IdP, 03 OIDC provider,
//! 04 configuration, 10 levels/identity, 18 account, 19 session, 42
//! navigation, 47 CSRF, 60 pivot identity).
//!
//! The catalogue is one table: the `catalogue!` invocation below declares
//! each [`ErrorCode`] variant together with all of its facts, so adding a
//! code is one line and a code without messages cannot compile.

use serde::Serialize;

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
    /// Message shown to the citizen, in French.
    pub fr: &'static str,
    /// Message shown to the citizen, in English.
    pub en: &'static str,
}

// Citizen messages shared by several codes (one wording per situation).
const BAD_REQUEST_FR: &str = "La demande de connexion envoyée par le service est incorrecte. Retournez sur le service et réessayez.";
const BAD_REQUEST_EN: &str =
    "The login request sent by the service is incorrect. Go back to the service and try again.";
const IDP_RETURN_FR: &str = "Le retour depuis votre compte de connexion n'a pas pu être vérifié. Recommencez votre connexion depuis le service.";
const IDP_RETURN_EN: &str = "The return from your login account could not be verified. Start your login again from the service.";
const IDP_FAILED_FR: &str = "Votre compte de connexion n'a pas répondu correctement. Réessayez ou choisissez un autre compte.";
const IDP_FAILED_EN: &str =
    "Your login account did not answer correctly. Try again or choose another account.";
const NOT_ALLOWED_FR: &str = "Le service a envoyé une demande non autorisée.";
const NOT_ALLOWED_EN: &str = "The service sent a request it is not allowed to make.";
const LEVEL_FR: &str = "Le niveau de sécurité de votre compte de connexion est insuffisant pour ce service. Choisissez un autre compte.";
const LEVEL_EN: &str = "The security level of your login account is not enough for this service. Choose another account.";
const CSRF_FR: &str = "Le formulaire a expiré ou a déjà été envoyé. Recommencez votre connexion.";
const CSRF_EN: &str = "The form expired or was already sent. Start your login again.";

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal, $oauth:expr, $desc:literal, $fr:expr, $en:expr $(,)?) ),+ $(,)?) => {
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
                        fr: $fr,
                        en: $en,
                    }, )+
                }
            }
        }
    };
}

catalogue! {
    // 00 generic
    NotFound => ("Y000404", 404, None, "page not found",
        "La page demandée n'existe pas.", "The page you asked for does not exist."),
    MethodNotAllowed => ("Y000405", 405, None, "method not allowed", BAD_REQUEST_FR, BAD_REQUEST_EN),
    PayloadTooLarge => ("Y000413", 413, None, "request too large", BAD_REQUEST_FR, BAD_REQUEST_EN),
    RequestTimeout => ("Y000408", 408, None, "request body not received in time", BAD_REQUEST_FR, BAD_REQUEST_EN),
    UriTooLong => ("Y000414", 414, None, "request URI too long", BAD_REQUEST_FR, BAD_REQUEST_EN),
    HeadersTooLarge => ("Y000431", 431, None, "request headers too large", BAD_REQUEST_FR, BAD_REQUEST_EN),
    /// A rate limit of the client IP (pages) or of the client (back channel).
    RateLimited => ("Y000429", 429, Some("temporarily_unavailable"), "too many requests; retry after the delay given",
        "Trop de demandes ont été reçues depuis votre connexion. Patientez quelques instants puis réessayez.",
        "Too many requests came from your connection. Wait a moment, then try again."),
    /// Too many requests in flight on this node: shed, not queued.
    Overloaded => ("Y000529", 503, Some("temporarily_unavailable"), "node overloaded; retry shortly",
        "Le service est très sollicité. Réessayez dans quelques instants.",
        "The service is very busy. Try again in a few moments."),
    Internal => ("Y000500", 500, Some("server_error"), "internal error",
        "Une erreur technique est survenue. Veuillez réessayer plus tard.",
        "A technical error occurred. Please try again later."),
    StorageUnavailable => ("Y000503", 503, Some("temporarily_unavailable"), "storage temporarily unavailable",
        "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
        "The service is temporarily unavailable. Please try again in a moment."),
    // 02 identity providers
    IdpDisabled => ("Y020017", 500, None, "the chosen identity provider is disabled",
        "Ce compte de connexion est momentanément indisponible. Choisissez un autre compte.",
        "This login account is temporarily unavailable. Choose another account."),
    IdpUnknown => ("Y020019", 500, None, "the chosen identity provider is unknown",
        "Ce compte de connexion n'existe pas. Choisissez un autre compte.",
        "This login account does not exist. Choose another account."),
    IdpCallbackNoState => ("Y020021", 400, None, "identity provider callback without state", IDP_RETURN_FR, IDP_RETURN_EN),
    IdpCallbackWrongState => ("Y020022", 403, None, "identity provider callback with an unknown state", IDP_RETURN_FR, IDP_RETURN_EN),
    IdpExcluded => ("Y020023", 403, None, "identity provider excluded for this service",
        "Ce service n'accepte pas ce compte de connexion. Choisissez un autre compte.",
        "This service does not accept this login account. Choose another account."),
    IdpCallbackNoCode => ("Y020025", 400, None, "identity provider callback without code", IDP_RETURN_FR, IDP_RETURN_EN),
    /// FranceConnect's TOKEN_FAILED: the token call failed, or the ID token
    /// it returned failed verification (signature, alg, kid, iss, aud, exp,
    /// nonce) — one code, as openid-client reports both from one step.
    IdpTokenFailed => ("Y020026", 502, None, "identity provider token request failed or its ID token is invalid", IDP_FAILED_FR, IDP_FAILED_EN),
    IdpUserinfoFailed => ("Y020027", 502, None, "identity provider userinfo request failed", IDP_FAILED_FR, IDP_FAILED_EN),
    IdpUserinfoSubMismatch => ("Y020029", 502, None, "identity provider userinfo sub differs from ID token sub", IDP_FAILED_FR, IDP_FAILED_EN),
    // 03 provider towards services
    AuthorizeInvalid => ("Y030007", 400, None, "authorization request parameters missing or invalid", BAD_REQUEST_FR, BAD_REQUEST_EN),
    AccessDenied => ("Y030030", 303, Some("access_denied"), "the user went back to the service",
        "Vous êtes retourné sur le service sans vous connecter.",
        "You went back to the service without logging in."),
    IdpHintNotAllowed => ("Y030032", 303, Some("invalid_idp_hint"), "idp_hint not allowed for this service",
        "Le compte de connexion demandé par le service n'est pas autorisé.",
        "The login account the service asked for is not allowed."),
    UnsupportedResponseType => ("Y030010", 303, Some("unsupported_response_type"), "only response_type=code is supported", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    InvalidScope => ("Y030011", 303, Some("invalid_scope"), "scope not allowed for this service", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    InvalidAcr => ("Y030012", 303, Some("invalid_acr"), "requested acr level not served by this platform", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    /// A scope without `openid` from a trusted client and redirect URI.
    ScopeWithoutOpenid => ("Y030013", 303, Some("invalid_request"), "scope must contain openid", BAD_REQUEST_FR, BAD_REQUEST_EN),
    TokenInvalidRequest => ("Y030101", 400, Some("invalid_request"), "token request missing or invalid parameters", BAD_REQUEST_FR, BAD_REQUEST_EN),
    TokenInvalidClient => ("Y030102", 401, Some("invalid_client"), "client authentication failed", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    TokenInvalidGrant => ("Y030103", 400, Some("invalid_grant"), "authorization code invalid, expired or already used", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    TokenUnsupportedGrantType => ("Y030104", 400, Some("unsupported_grant_type"), "only grant_type=authorization_code is supported", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    /// Too many failed client authentications from this IP for this client.
    ClientLockedOut => ("Y030106", 429, Some("invalid_client"), "too many failed client authentications; locked out for a while", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    TokenUnauthorizedClient => ("Y030105", 400, Some("unauthorized_client"), "client authentication method not allowed for this client", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    UserinfoInvalidToken => ("Y030201", 401, Some("invalid_token"), "access token unknown, expired or revoked", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    /// RFC 7523 assertion refused: signature, key, algorithm, iss/sub or jti.
    ClientAssertionInvalid => ("Y030107", 401, Some("invalid_client"), "client assertion invalid (signature, key, issuer or claims)", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    ClientAssertionExpired => ("Y030108", 401, Some("invalid_client"), "client assertion expired, not yet valid, or valid for more than five minutes", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    ClientAssertionWrongAudience => ("Y030109", 401, Some("invalid_client"), "client assertion audience is not this endpoint or the issuer", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    ClientAssertionReplayed => ("Y030110", 401, Some("invalid_client"), "client assertion already used (jti)", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    /// A private_key_jwt service (every service on Plus) presented a secret.
    ClientSecretRefused => ("Y030111", 401, Some("invalid_client"), "this client authenticates with private_key_jwt; client secrets are refused", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    /// RFC 9449: the DPoP proof at the token endpoint is missing or invalid.
    DpopProofInvalid => ("Y030112", 400, Some("invalid_dpop_proof"), "DPoP proof missing or invalid", BAD_REQUEST_FR, BAD_REQUEST_EN),
    /// RFC 9126: a pushed authorization request that breaks a rule of /authorize.
    ParInvalidRequest => ("Y030113", 400, Some("invalid_request"), "pushed authorization request invalid", BAD_REQUEST_FR, BAD_REQUEST_EN),
    /// A service registered with require_pushed_authorization_requests sent its parameters in the URL.
    ParRequired => ("Y030114", 400, None, "this service must push its authorization requests (PAR) first", BAD_REQUEST_FR, BAD_REQUEST_EN),
    ParRequestUriUnknown => ("Y030116", 400, None, "request_uri unknown, expired, already used or pushed by another client", BAD_REQUEST_FR, BAD_REQUEST_EN),
    /// The service's encryption key cannot be had (its jwks_uri fails, or has no fitting key).
    ServiceEncryptionKeyUnavailable => ("Y030115", 502, Some("server_error"), "the service's encryption key cannot be fetched or none fits", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    /// RFC 9449 at userinfo / checktoken: a DPoP-bound token without a matching proof.
    UserinfoInvalidDpop => ("Y030202", 401, Some("invalid_dpop_proof"), "DPoP proof missing, invalid or not bound to this access token", NOT_ALLOWED_FR, NOT_ALLOWED_EN),
    LogoutInvalidHint => ("Y030301", 400, None, "id_token_hint does not match a live session",
        "Votre session est déjà terminée ou la demande de déconnexion est incorrecte.",
        "Your session has already ended, or the logout request is incorrect."),
    LogoutRedirectNotRegistered => ("Y030302", 400, None, "post_logout_redirect_uri not registered",
        "L'adresse de retour demandée par le service n'est pas autorisée.",
        "The return address the service asked for is not allowed."),
    // 04 configuration
    UnknownClient => ("Y04EA6EF", 400, None, "unknown or inactive client",
        "Le service qui vous a envoyé ici n'est pas reconnu.",
        "The service that sent you here is not recognised."),
    RedirectUriNotRegistered => ("Y04C013C", 400, None, "redirect_uri not registered for this client",
        "L'adresse de retour du service n'est pas reconnue.",
        "The service's return address is not recognised."),
    // 10 levels
    IdpAcrTooLow => ("Y100001", 500, None, "identity provider level lower than requested", LEVEL_FR, LEVEL_EN),
    IdpAcrNotAllowed => ("Y100018", 400, None, "identity provider returned a level it is not allowed to", LEVEL_FR, LEVEL_EN),
    AmrNotEntitled => ("Y100009", 400, None, "amr claim requested without entitlement",
        "Le service demande une information à laquelle il n'a pas droit.",
        "The service asks for information it is not entitled to."),
    IdpBlockedByUser => ("Y100011", 403, None, "the user blocked this identity provider",
        "Vous avez bloqué ce compte de connexion dans vos préférences.",
        "You blocked this login account in your preferences."),
    /// Logout whose `id_token_hint` names a session that no longer exists.
    LogoutSessionNotFound => ("Y100019", 400, None, "no live session for this id_token_hint",
        "Votre session est déjà terminée : vous êtes déconnecté.",
        "Your session has already ended: you are logged out."),
    // 18 accounts
    AccountDisabled => ("Y180001", 403, None, "account disabled",
        "Votre compte est désactivé. Contactez le support.",
        "Your account is disabled. Contact support."),
    // 19 session
    SessionExpired => ("Y190001", 401, None, "session missing or expired",
        "Votre session a expiré. Retournez sur le service pour vous reconnecter.",
        "Your session has expired. Go back to the service to log in again."),
    // 42 navigation
    AbnormalNavigation => ("Y420001", 400, None, "step replayed or out of order",
        "Cette étape a déjà été effectuée. Retournez sur le service pour continuer.",
        "This step was already completed. Go back to the service to continue."),
    // 47 CSRF
    CsrfWrong => ("Y470001", 401, None, "CSRF token wrong or already used", CSRF_FR, CSRF_EN),
    CsrfMissing => ("Y470002", 400, None, "CSRF token missing", CSRF_FR, CSRF_EN),
    // 60 pivot identity
    PivotInvalid => ("Y600006", 400, None, "identity from the identity provider failed validation",
        "Les informations transmises par votre compte de connexion sont incomplètes ou invalides. Choisissez un autre compte.",
        "The information sent by your login account is incomplete or invalid. Choose another account."),
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

    /// A short English description (OAuth `error_description`, logs).
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// Message shown to the citizen, in French.
    pub fn message_fr(self) -> &'static str {
        self.entry().fr
    }

    /// Message shown to the citizen, in English.
    pub fn message_en(self) -> &'static str {
        self.entry().en
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
    fn every_code_has_both_messages_and_a_real_status() {
        for e in ErrorCode::ALL {
            let entry = e.entry();
            assert!(!entry.fr.trim().is_empty(), "{:?} has no French message", e);
            assert!(
                !entry.en.trim().is_empty(),
                "{:?} has no English message",
                e
            );
            assert!(!entry.description.is_empty(), "{e:?}");
            assert_ne!(
                entry.fr, entry.en,
                "{e:?}: English message is the French one"
            );
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
