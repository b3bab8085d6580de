//! The error catalogue (DESIGN §7): every failure a citizen, a service or a
//! data provider can meet, with its stable `Y…` code, HTTP status, OAuth
//! error and plain-language messages. Codes are FranceConnect's where the
//! condition is the same; Relais-specific ones keep the same module numbering
//! (00 generic, 02 IdP, 03 OIDC provider, 04 configuration, 10 levels/identity,
//! 18 account, 19 session, 42 navigation, 47 CSRF, 60 pivot identity).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ErrorCode {
    // 00 generic
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    Internal,
    StorageUnavailable,
    // 02 identity providers
    IdpDisabled,
    IdpUnknown,
    IdpCallbackNoState,
    IdpCallbackWrongState,
    IdpExcluded,
    IdpCallbackNoCode,
    IdpTokenFailed,
    IdpUserinfoFailed,
    IdpIdTokenInvalid,
    IdpUserinfoSubMismatch,
    // 03 provider towards services
    AuthorizeInvalid,
    AccessDenied,
    IdpHintNotAllowed,
    UnsupportedResponseType,
    InvalidScope,
    InvalidAcr,
    TokenInvalidRequest,
    TokenInvalidClient,
    TokenInvalidGrant,
    TokenUnsupportedGrantType,
    TokenUnauthorizedClient,
    UserinfoInvalidToken,
    LogoutInvalidHint,
    LogoutRedirectNotRegistered,
    // 04 configuration
    UnknownClient,
    RedirectUriNotRegistered,
    // 10 levels
    IdpAcrTooLow,
    IdpAcrNotAllowed,
    AmrNotEntitled,
    IdpBlockedByUser,
    // 18 accounts
    AccountDisabled,
    // 19 session
    SessionExpired,
    // 42 navigation
    AbnormalNavigation,
    // 47 CSRF
    CsrfWrong,
    CsrfMissing,
    // 60 pivot identity
    PivotInvalid,
}

/// What a service receives as `error` when the error goes back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuthError(pub &'static str);

impl ErrorCode {
    pub fn code(self) -> &'static str {
        use ErrorCode::*;
        match self {
            NotFound => "Y000404",
            MethodNotAllowed => "Y000405",
            PayloadTooLarge => "Y000413",
            Internal => "Y000500",
            StorageUnavailable => "Y000503",
            IdpDisabled => "Y020017",
            IdpUnknown => "Y020019",
            IdpCallbackNoState => "Y020021",
            IdpCallbackWrongState => "Y020022",
            IdpExcluded => "Y020023",
            IdpCallbackNoCode => "Y020025",
            IdpTokenFailed => "Y020026",
            IdpUserinfoFailed => "Y020027",
            IdpIdTokenInvalid => "Y020028",
            IdpUserinfoSubMismatch => "Y020029",
            AuthorizeInvalid => "Y030007",
            AccessDenied => "Y030030",
            IdpHintNotAllowed => "Y030032",
            UnsupportedResponseType => "Y030010",
            InvalidScope => "Y030011",
            InvalidAcr => "Y030012",
            TokenInvalidRequest => "Y030101",
            TokenInvalidClient => "Y030102",
            TokenInvalidGrant => "Y030103",
            TokenUnsupportedGrantType => "Y030104",
            TokenUnauthorizedClient => "Y030105",
            UserinfoInvalidToken => "Y030201",
            LogoutInvalidHint => "Y030301",
            LogoutRedirectNotRegistered => "Y030302",
            UnknownClient => "Y04EA6EF",
            RedirectUriNotRegistered => "Y04C013C",
            IdpAcrTooLow => "Y100001",
            IdpAcrNotAllowed => "Y100018",
            AmrNotEntitled => "Y100009",
            IdpBlockedByUser => "Y100011",
            AccountDisabled => "Y180001",
            SessionExpired => "Y190001",
            AbnormalNavigation => "Y420001",
            CsrfWrong => "Y470001",
            CsrfMissing => "Y470002",
            PivotInvalid => "Y600006",
        }
    }

    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            NotFound => 404,
            MethodNotAllowed => 405,
            PayloadTooLarge => 413,
            Internal | IdpDisabled | IdpUnknown | IdpAcrTooLow => 500,
            StorageUnavailable => 503,
            IdpCallbackNoState
            | IdpCallbackNoCode
            | AuthorizeInvalid
            | UnknownClient
            | RedirectUriNotRegistered
            | IdpAcrNotAllowed
            | AmrNotEntitled
            | AbnormalNavigation
            | CsrfMissing
            | PivotInvalid
            | TokenInvalidRequest
            | TokenInvalidGrant
            | TokenUnsupportedGrantType
            | TokenUnauthorizedClient
            | LogoutInvalidHint
            | LogoutRedirectNotRegistered => 400,
            IdpCallbackWrongState | IdpExcluded | IdpBlockedByUser | AccountDisabled => 403,
            IdpTokenFailed | IdpUserinfoFailed | IdpIdTokenInvalid | IdpUserinfoSubMismatch => 502,
            AccessDenied
            | IdpHintNotAllowed
            | UnsupportedResponseType
            | InvalidScope
            | InvalidAcr => 303,
            TokenInvalidClient | UserinfoInvalidToken | SessionExpired | CsrfWrong => 401,
        }
    }

    /// The OAuth `error` value, for errors a service or DP receives.
    pub fn oauth_error(self) -> OAuthError {
        use ErrorCode::*;
        OAuthError(match self {
            AccessDenied => "access_denied",
            IdpHintNotAllowed => "invalid_idp_hint",
            UnsupportedResponseType => "unsupported_response_type",
            InvalidScope => "invalid_scope",
            InvalidAcr => "invalid_acr",
            TokenInvalidClient => "invalid_client",
            TokenInvalidGrant => "invalid_grant",
            TokenUnsupportedGrantType => "unsupported_grant_type",
            TokenUnauthorizedClient => "unauthorized_client",
            UserinfoInvalidToken => "invalid_token",
            StorageUnavailable => "temporarily_unavailable",
            Internal => "server_error",
            _ => "invalid_request",
        })
    }

    /// A short English description (OAuth `error_description`, logs).
    pub fn description(self) -> &'static str {
        use ErrorCode::*;
        match self {
            NotFound => "page not found",
            MethodNotAllowed => "method not allowed",
            PayloadTooLarge => "request too large",
            Internal => "internal error",
            StorageUnavailable => "storage temporarily unavailable",
            IdpDisabled => "the chosen identity provider is disabled",
            IdpUnknown => "the chosen identity provider is unknown",
            IdpCallbackNoState => "identity provider callback without state",
            IdpCallbackWrongState => "identity provider callback with an unknown state",
            IdpExcluded => "identity provider excluded for this service",
            IdpCallbackNoCode => "identity provider callback without code",
            IdpTokenFailed => "identity provider token request failed",
            IdpUserinfoFailed => "identity provider userinfo request failed",
            IdpIdTokenInvalid => "identity provider returned an invalid ID token",
            IdpUserinfoSubMismatch => "identity provider userinfo sub differs from ID token sub",
            AuthorizeInvalid => "authorization request parameters missing or invalid",
            AccessDenied => "the user went back to the service",
            IdpHintNotAllowed => "idp_hint not allowed for this service",
            UnsupportedResponseType => "only response_type=code is supported",
            InvalidScope => "scope not allowed for this service",
            InvalidAcr => "requested acr level not served by this platform",
            TokenInvalidRequest => "token request missing or invalid parameters",
            TokenInvalidClient => "client authentication failed",
            TokenInvalidGrant => "authorization code invalid, expired or already used",
            TokenUnsupportedGrantType => "only grant_type=authorization_code is supported",
            TokenUnauthorizedClient => "client authentication method not allowed for this client",
            UserinfoInvalidToken => "access token unknown, expired or revoked",
            LogoutInvalidHint => "id_token_hint does not match a live session",
            LogoutRedirectNotRegistered => "post_logout_redirect_uri not registered",
            UnknownClient => "unknown or inactive client",
            RedirectUriNotRegistered => "redirect_uri not registered for this client",
            IdpAcrTooLow => "identity provider level lower than requested",
            IdpAcrNotAllowed => "identity provider returned a level it is not allowed to",
            AmrNotEntitled => "amr claim requested without entitlement",
            IdpBlockedByUser => "the user blocked this identity provider",
            AccountDisabled => "account disabled",
            SessionExpired => "session missing or expired",
            AbnormalNavigation => "step replayed or out of order",
            CsrfWrong => "CSRF token wrong or already used",
            CsrfMissing => "CSRF token missing",
            PivotInvalid => "identity from the identity provider failed validation",
        }
    }

    /// Message shown to the citizen, in French.
    pub fn message_fr(self) -> &'static str {
        use ErrorCode::*;
        match self {
            NotFound => "La page demandée n'existe pas.",
            MethodNotAllowed | PayloadTooLarge | AuthorizeInvalid | TokenInvalidRequest => {
                "La demande de connexion envoyée par le service est incorrecte. Retournez sur le service et réessayez."
            }
            Internal => "Une erreur technique est survenue. Veuillez réessayer plus tard.",
            StorageUnavailable => "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
            IdpDisabled => "Ce compte de connexion est momentanément indisponible. Choisissez un autre compte.",
            IdpUnknown => "Ce compte de connexion n'existe pas. Choisissez un autre compte.",
            IdpCallbackNoState | IdpCallbackWrongState | IdpCallbackNoCode => {
                "Le retour depuis votre compte de connexion n'a pas pu être vérifié. Recommencez votre connexion depuis le service."
            }
            IdpExcluded => "Ce service n'accepte pas ce compte de connexion. Choisissez un autre compte.",
            IdpTokenFailed | IdpUserinfoFailed | IdpIdTokenInvalid | IdpUserinfoSubMismatch => {
                "Votre compte de connexion n'a pas répondu correctement. Réessayez ou choisissez un autre compte."
            }
            AccessDenied => "Vous êtes retourné sur le service sans vous connecter.",
            IdpHintNotAllowed => "Le compte de connexion demandé par le service n'est pas autorisé.",
            UnsupportedResponseType | InvalidScope | InvalidAcr | TokenInvalidClient
            | TokenInvalidGrant | TokenUnsupportedGrantType | TokenUnauthorizedClient
            | UserinfoInvalidToken => "Le service a envoyé une demande non autorisée.",
            LogoutInvalidHint => "Votre session est déjà terminée ou la demande de déconnexion est incorrecte.",
            LogoutRedirectNotRegistered => "L'adresse de retour demandée par le service n'est pas autorisée.",
            UnknownClient => "Le service qui vous a envoyé ici n'est pas reconnu.",
            RedirectUriNotRegistered => "L'adresse de retour du service n'est pas reconnue.",
            IdpAcrTooLow | IdpAcrNotAllowed => {
                "Le niveau de sécurité de votre compte de connexion est insuffisant pour ce service. Choisissez un autre compte."
            }
            AmrNotEntitled => "Le service demande une information à laquelle il n'a pas droit.",
            IdpBlockedByUser => "Vous avez bloqué ce compte de connexion dans vos préférences.",
            AccountDisabled => "Votre compte est désactivé. Contactez le support.",
            SessionExpired => "Votre session a expiré. Retournez sur le service pour vous reconnecter.",
            AbnormalNavigation => "Cette étape a déjà été effectuée. Retournez sur le service pour continuer.",
            CsrfWrong | CsrfMissing => "Le formulaire a expiré ou a déjà été envoyé. Recommencez votre connexion.",
            PivotInvalid => "Les informations transmises par votre compte de connexion sont incomplètes ou invalides. Choisissez un autre compte.",
        }
    }

    /// Message shown to the citizen, in English.
    pub fn message_en(self) -> &'static str {
        use ErrorCode::*;
        match self {
            NotFound => "The page you asked for does not exist.",
            SessionExpired => "Your session has expired. Go back to the service to log in again.",
            AbnormalNavigation => {
                "This step was already completed. Go back to the service to continue."
            }
            CsrfWrong | CsrfMissing => {
                "The form expired or was already sent. Start your login again."
            }
            StorageUnavailable => {
                "The service is temporarily unavailable. Please try again in a moment."
            }
            AccountDisabled => "Your account is disabled. Contact support.",
            _ => self.description(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_catalogue_shape() {
        let all = [
            ErrorCode::NotFound,
            ErrorCode::AuthorizeInvalid,
            ErrorCode::UnknownClient,
            ErrorCode::RedirectUriNotRegistered,
            ErrorCode::CsrfWrong,
            ErrorCode::PivotInvalid,
        ];
        for e in all {
            let c = e.code();
            assert!(c.starts_with('Y') && (c.len() == 7 || c.len() == 8), "{c}");
        }
        assert_eq!(ErrorCode::AccessDenied.status(), 303);
        assert_eq!(ErrorCode::CsrfMissing.status(), 400);
        assert_eq!(
            ErrorCode::IdpHintNotAllowed.oauth_error().0,
            "invalid_idp_hint"
        );
    }
}
