//! Business events (docs/design.md §8): one typed record per step of a login. They
//! carry identifiers and claim *names*, never claim values, tokens or
//! secrets, so the stream can be shipped to analytics without leaking
//! personal data. The web layer fills them; the sink writes JSON lines and
//! keeps the ones statistics need in the durable store.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    FcAuthorizeInitiated,
    FcSsoInitiated,
    FcShowedIdpChoice,
    FcRedirectedToHintedIdp,
    IdpChosen,
    IdpCalledback,
    IdpCalledbackWithError,
    FcRequestedIdpToken,
    FcRequestedIdpUserinfo,
    FcVerified,
    FcIdpDisabled,
    FcIdpBlacklisted,
    FcIdpInsufficientAcr,
    FcShowedConsent,
    FcDatatransferConsentIdentity,
    FcDatatransferConsentAnonymous,
    FcDatatransferConsentData,
    FcDatatransferInformationIdentity,
    FcDatatransferInformationAnonymous,
    FcDatatransferInformationData,
    FcAutoLogin,
    FcRedirectedToSp,
    SpRequestedFcJwks,
    SpRequestedFcToken,
    SpRequestedFcUserinfo,
    DpVerifiedFcChecktoken,
    DpUsedInvalidCredential,
    DpUsedInvalidAccessToken,
    SpRequestedLogout,
    FcRequestedLogoutFromIdp,
    FcSessionTerminated,
    /// Not in FranceConnect's catalogue: a login refused after the IdP
    /// answered (bad token, invalid identity…), with the error code.
    FcLoginRefused,
    /// The civil register could not answer (timeout, outage); `error` says
    /// which, `reason` whether the login was refused or went on unchecked.
    FcRegisterUnavailable,
    /// A service (`sp_id`) or data provider (`dp_id`) locked out from `ip`
    /// after repeated failed client authentications.
    FcClientLockedOut,
    /// An operator or partner changed the federation: `reason` names the
    /// action (`service.update`, `account.disable`…), `actor` who did it,
    /// `sp_id` / `idp_id` / `dp_id` / `account_id` what it touched.
    AdminAction,
}

impl EventKind {
    pub fn step(self) -> &'static str {
        use EventKind::*;
        match self {
            FcAuthorizeInitiated => "1.0",
            FcSsoInitiated => "1.1",
            FcShowedIdpChoice => "2.0",
            FcRedirectedToHintedIdp => "2.1",
            IdpChosen => "3.0",
            IdpCalledback => "4.0",
            IdpCalledbackWithError => "4.0.5",
            FcRequestedIdpToken => "4.1",
            FcRequestedIdpUserinfo => "4.2",
            FcLoginRefused => "4.9",
            FcRegisterUnavailable => "4.3",
            FcVerified => "5.0",
            FcIdpDisabled => "5.1",
            FcIdpBlacklisted => "5.2",
            FcIdpInsufficientAcr => "5.3",
            FcShowedConsent => "6.1",
            FcDatatransferConsentIdentity
            | FcDatatransferConsentAnonymous
            | FcDatatransferConsentData
            | FcDatatransferInformationIdentity
            | FcDatatransferInformationAnonymous
            | FcDatatransferInformationData => "6.2",
            FcAutoLogin => "6.3",
            FcRedirectedToSp => "7.0",
            SpRequestedFcJwks => "7.1",
            SpRequestedFcToken => "7.2",
            SpRequestedFcUserinfo => "7.3",
            DpVerifiedFcChecktoken => "7.4",
            DpUsedInvalidCredential => "7.4.1",
            DpUsedInvalidAccessToken => "7.4.2",
            SpRequestedLogout => "8.0",
            FcRequestedLogoutFromIdp => "8.1",
            FcSessionTerminated => "8.2",
            FcClientLockedOut => "9.0",
            AdminAction => "10.0",
        }
    }

    /// The event's name in the stream (`FC_VERIFIED`…), as serde writes it.
    pub fn as_str(self) -> &'static str {
        use EventKind::*;
        match self {
            FcAuthorizeInitiated => "FC_AUTHORIZE_INITIATED",
            FcSsoInitiated => "FC_SSO_INITIATED",
            FcShowedIdpChoice => "FC_SHOWED_IDP_CHOICE",
            FcRedirectedToHintedIdp => "FC_REDIRECTED_TO_HINTED_IDP",
            IdpChosen => "IDP_CHOSEN",
            IdpCalledback => "IDP_CALLEDBACK",
            IdpCalledbackWithError => "IDP_CALLEDBACK_WITH_ERROR",
            FcRequestedIdpToken => "FC_REQUESTED_IDP_TOKEN",
            FcRequestedIdpUserinfo => "FC_REQUESTED_IDP_USERINFO",
            FcVerified => "FC_VERIFIED",
            FcIdpDisabled => "FC_IDP_DISABLED",
            FcIdpBlacklisted => "FC_IDP_BLACKLISTED",
            FcIdpInsufficientAcr => "FC_IDP_INSUFFICIENT_ACR",
            FcShowedConsent => "FC_SHOWED_CONSENT",
            FcDatatransferConsentIdentity => "FC_DATATRANSFER_CONSENT_IDENTITY",
            FcDatatransferConsentAnonymous => "FC_DATATRANSFER_CONSENT_ANONYMOUS",
            FcDatatransferConsentData => "FC_DATATRANSFER_CONSENT_DATA",
            FcDatatransferInformationIdentity => "FC_DATATRANSFER_INFORMATION_IDENTITY",
            FcDatatransferInformationAnonymous => "FC_DATATRANSFER_INFORMATION_ANONYMOUS",
            FcDatatransferInformationData => "FC_DATATRANSFER_INFORMATION_DATA",
            FcAutoLogin => "FC_AUTO_LOGIN",
            FcRedirectedToSp => "FC_REDIRECTED_TO_SP",
            SpRequestedFcJwks => "SP_REQUESTED_FC_JWKS",
            SpRequestedFcToken => "SP_REQUESTED_FC_TOKEN",
            SpRequestedFcUserinfo => "SP_REQUESTED_FC_USERINFO",
            DpVerifiedFcChecktoken => "DP_VERIFIED_FC_CHECKTOKEN",
            DpUsedInvalidCredential => "DP_USED_INVALID_CREDENTIAL",
            DpUsedInvalidAccessToken => "DP_USED_INVALID_ACCESS_TOKEN",
            SpRequestedLogout => "SP_REQUESTED_LOGOUT",
            FcRequestedLogoutFromIdp => "FC_REQUESTED_LOGOUT_FROM_IDP",
            FcSessionTerminated => "FC_SESSION_TERMINATED",
            FcLoginRefused => "FC_LOGIN_REFUSED",
            FcRegisterUnavailable => "FC_REGISTER_UNAVAILABLE",
            FcClientLockedOut => "FC_CLIENT_LOCKED_OUT",
            AdminAction => "ADMIN_ACTION",
        }
    }

    /// Whether the event is also kept in the durable store (dashboard, stats).
    pub fn is_durable(self) -> bool {
        use EventKind::*;
        matches!(
            self,
            FcVerified
                | FcRedirectedToSp
                | FcDatatransferConsentIdentity
                | FcDatatransferConsentAnonymous
                | FcDatatransferConsentData
                | FcDatatransferInformationIdentity
                | FcDatatransferInformationAnonymous
                | FcDatatransferInformationData
                | DpVerifiedFcChecktoken
                | AdminAction
        )
    }

    /// What a citizen's history shows: each login that reached a service
    /// (one data-transfer event per login) and each data exchange.
    pub const CITIZEN_HISTORY: [EventKind; 7] = [
        EventKind::FcDatatransferConsentIdentity,
        EventKind::FcDatatransferConsentAnonymous,
        EventKind::FcDatatransferConsentData,
        EventKind::FcDatatransferInformationIdentity,
        EventKind::FcDatatransferInformationAnonymous,
        EventKind::FcDatatransferInformationData,
        EventKind::DpVerifiedFcChecktoken,
    ];

    /// Data-transfer event for the consent step.
    pub fn datatransfer(consent_required: bool, anonymous: bool, has_data: bool) -> EventKind {
        use EventKind::*;
        match (consent_required, has_data, anonymous) {
            (true, true, _) => FcDatatransferConsentData,
            (true, false, true) => FcDatatransferConsentAnonymous,
            (true, false, false) => FcDatatransferConsentIdentity,
            (false, true, _) => FcDatatransferInformationData,
            (false, false, true) => FcDatatransferInformationAnonymous,
            (false, false, false) => FcDatatransferInformationIdentity,
        }
    }
}

/// One business event. Optional fields are omitted from the JSON line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BusinessEvent {
    /// The kind's name: a constant for the events a node emits, so a
    /// login's dozen events allocate none (owned when read back).
    pub event: Cow<'static, str>,
    pub step: Cow<'static, str>,
    /// Unix milliseconds.
    pub time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browsing_session: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_acr: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_acr: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dp_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Error code when the step failed (`Y…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Short reason for a failure (English, never personal data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who made an administrative change (operator token or partner name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Whether the durable store keeps it (decided once, from its kind).
    #[serde(skip)]
    pub durable: bool,
}

impl BusinessEvent {
    pub fn new(kind: EventKind, time_millis: i64) -> Self {
        BusinessEvent {
            event: Cow::Borrowed(kind.as_str()),
            step: Cow::Borrowed(kind.step()),
            time: time_millis,
            durable: kind.is_durable(),
            ..Default::default()
        }
    }

    /// Another kind of event about the same moment and context (session,
    /// service, account…): a step that tells two things about one login
    /// builds the context once.
    pub fn for_kind(&self, kind: EventKind) -> Self {
        BusinessEvent {
            event: Cow::Borrowed(kind.as_str()),
            step: Cow::Borrowed(kind.step()),
            durable: kind.is_durable(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_kind_keeps_the_context_and_takes_its_own_name_step_and_durability() {
        let mut e = BusinessEvent::new(EventKind::IdpChosen, 1_700_000_000_000);
        e.sp_id = Some("sp".into());
        e.account_id = Some("acc".into());
        let other = e.for_kind(EventKind::FcVerified);
        assert_eq!(other.event, "FC_VERIFIED");
        assert_eq!(other.step, EventKind::FcVerified.step());
        assert!(other.durable && !e.durable);
        assert_eq!(
            (other.time, other.sp_id, other.account_id),
            (e.time, e.sp_id.clone(), e.account_id.clone())
        );
    }

    #[test]
    fn names_and_steps() {
        assert_eq!(EventKind::FcVerified.as_str(), "FC_VERIFIED");
        assert_eq!(
            EventKind::IdpCalledbackWithError.as_str(),
            "IDP_CALLEDBACK_WITH_ERROR"
        );
        assert_eq!(
            EventKind::FcDatatransferConsentData.as_str(),
            "FC_DATATRANSFER_CONSENT_DATA"
        );
        assert_eq!(EventKind::SpRequestedFcJwks.step(), "7.1");
        assert!(EventKind::FcVerified.is_durable());
    }

    #[test]
    fn every_name_is_the_one_serde_writes_and_reads() {
        use EventKind::*;
        let all = [
            FcAuthorizeInitiated,
            FcSsoInitiated,
            FcShowedIdpChoice,
            FcRedirectedToHintedIdp,
            IdpChosen,
            IdpCalledback,
            IdpCalledbackWithError,
            FcRequestedIdpToken,
            FcRequestedIdpUserinfo,
            FcVerified,
            FcIdpDisabled,
            FcIdpBlacklisted,
            FcIdpInsufficientAcr,
            FcShowedConsent,
            FcDatatransferConsentIdentity,
            FcDatatransferConsentAnonymous,
            FcDatatransferConsentData,
            FcDatatransferInformationIdentity,
            FcDatatransferInformationAnonymous,
            FcDatatransferInformationData,
            FcAutoLogin,
            FcRedirectedToSp,
            SpRequestedFcJwks,
            SpRequestedFcToken,
            SpRequestedFcUserinfo,
            DpVerifiedFcChecktoken,
            DpUsedInvalidCredential,
            DpUsedInvalidAccessToken,
            SpRequestedLogout,
            FcRequestedLogoutFromIdp,
            FcSessionTerminated,
            FcLoginRefused,
            FcRegisterUnavailable,
            FcClientLockedOut,
            AdminAction,
        ];
        for kind in all {
            let written = serde_json::to_value(kind).unwrap();
            assert_eq!(written, kind.as_str(), "{kind:?}");
            let read: EventKind = serde_json::from_value(written).unwrap();
            assert_eq!(read, kind);
        }
    }
}
