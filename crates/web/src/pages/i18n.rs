//! Page texts in French (default) and English. The locale comes from the
//! service's `ui_locales`, else the browser's `Accept-Language`.

use axum::http::{header, HeaderMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    Fr,
    En,
}

pub struct Texts {
    pub lang: &'static str,
    pub skip: &'static str,
    pub tagline: &'static str,
    pub footer: &'static str,
    pub chooser_title: &'static str,
    pub chooser_lead: &'static str,
    pub banner_prefix: &'static str,
    pub banner_suffix: &'static str,
    pub connect_with: &'static str,
    pub back_to_service: &'static str,
    pub back_to_service_plain: &'static str,
    pub reason_inactive: &'static str,
    pub reason_excluded: &'static str,
    pub reason_level: &'static str,
    pub consent_title: &'static str,
    pub consent_lead: &'static str,
    pub anonymous_lead: &'static str,
    pub data_title: &'static str,
    pub via: &'static str,
    pub consent_checkbox: &'static str,
    pub consent_missing: &'static str,
    pub continue_to: &'static str,
    pub error_title: &'static str,
    pub error_code: &'static str,
    pub error_occurrence: &'static str,
    pub logged_out_title: &'static str,
    pub logged_out_text: &'static str,
    pub claim_labels: [&'static str; 9],
    pub genders: [&'static str; 3],
    pub born_abroad: &'static str,
}

static FR: Texts = Texts {
    lang: "fr",
    skip: "Aller au contenu",
    tagline: "Connexion sécurisée aux services publics",
    footer: "Relais — fédération d'identité. Vos identifiants ne sont jamais transmis au service.",
    chooser_title: "Choisissez un compte pour vous connecter",
    chooser_lead: "Connectez-vous avec un compte que vous possédez déjà pour accéder à",
    banner_prefix: "La connexion n'a pas abouti avec",
    banner_suffix: "Réessayez ou choisissez un autre compte.",
    connect_with: "Se connecter avec",
    back_to_service: "Revenir sur",
    back_to_service_plain: "Revenir sur le service",
    reason_inactive: "Ce compte est momentanément indisponible.",
    reason_excluded: "Ce service n'accepte pas ce compte.",
    reason_level: "Ce compte n'offre pas un niveau de sécurité suffisant pour ce service.",
    consent_title: "Informations transmises au service",
    consent_lead: "Les informations suivantes vont être transmises à",
    anonymous_lead:
        "Aucune donnée personnelle ne sera transmise. Vous allez être connecté de façon anonyme à",
    data_title: "Données demandées à d'autres administrations",
    via: "Ces informations proviennent de votre compte",
    consent_checkbox: "J'accepte que ces informations soient transmises à",
    consent_missing: "Cochez la case pour accepter la transmission de vos informations.",
    continue_to: "Continuer sur",
    error_title: "Une erreur est survenue",
    error_code: "Code d'erreur :",
    error_occurrence: "Identifiant à communiquer au support :",
    logged_out_title: "Vous êtes déconnecté",
    logged_out_text: "Votre session Relais est terminée. Vous pouvez fermer cette page.",
    claim_labels: [
        "Prénom(s)",
        "Nom de naissance",
        "Date de naissance",
        "Sexe",
        "Lieu de naissance",
        "Pays de naissance",
        "Adresse électronique",
        "Nom d'usage",
        "Date de naissance (telle que fournie)",
    ],
    genders: ["Masculin", "Féminin", "Non spécifié"],
    born_abroad: "Né(e) à l'étranger",
};

static EN: Texts = Texts {
    lang: "en",
    skip: "Skip to content",
    tagline: "Secure login to public services",
    footer: "Relais — identity federation. Your credentials are never sent to the service.",
    chooser_title: "Choose an account to log in",
    chooser_lead: "Log in with an account you already have to access",
    banner_prefix: "Login did not succeed with",
    banner_suffix: "Try again or choose another account.",
    connect_with: "Log in with",
    back_to_service: "Back to",
    back_to_service_plain: "Back to the service",
    reason_inactive: "This account is temporarily unavailable.",
    reason_excluded: "This service does not accept this account.",
    reason_level: "This account does not offer the security level this service needs.",
    consent_title: "Information shared with the service",
    consent_lead: "The following information will be shared with",
    anonymous_lead: "No personal data will be shared. You will be logged in anonymously to",
    data_title: "Data requested from other administrations",
    via: "This information comes from your account",
    consent_checkbox: "I agree to share this information with",
    consent_missing: "Tick the box to agree to share your information.",
    continue_to: "Continue to",
    error_title: "An error occurred",
    error_code: "Error code:",
    error_occurrence: "Reference to give to support:",
    logged_out_title: "You are logged out",
    logged_out_text: "Your Relais session has ended. You may close this page.",
    claim_labels: [
        "Given name(s)",
        "Birth name",
        "Date of birth",
        "Sex",
        "Place of birth",
        "Country of birth",
        "Email address",
        "Usage name",
        "Date of birth (as provided)",
    ],
    genders: ["Male", "Female", "Unspecified"],
    born_abroad: "Born abroad",
};

impl Locale {
    pub fn texts(self) -> &'static Texts {
        match self {
            Locale::Fr => &FR,
            Locale::En => &EN,
        }
    }

    /// First supported language of `ui_locales`, else of Accept-Language, else French.
    pub fn negotiate(ui_locales: Option<&str>, headers: &HeaderMap) -> Locale {
        let pick = |list: &str, sep: char| {
            list.split(sep)
                .map(|l| {
                    l.split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                })
                .find_map(|l| match l.split('-').next() {
                    Some("fr") => Some(Locale::Fr),
                    Some("en") => Some(Locale::En),
                    _ => None,
                })
        };
        ui_locales
            .and_then(|u| pick(u, ' '))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|a| pick(a, ','))
            })
            .unwrap_or(Locale::Fr)
    }
}
