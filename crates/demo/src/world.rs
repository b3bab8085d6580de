//! The demo world's catalogue: which demo IdPs exist, with which levels,
//! algorithms and logout support, and how the federation is configured to
//! use them. Client secrets are derived from a per-installation seed so a
//! restarted demo keeps working with the same database.

use relais_core::acr::{AcrLevel, Platform};
use relais_core::alg::JweAlg;
use relais_core::partner::{
    AnswerEncryption, DataProvider, IdentityProvider, IdpClientAuth, IdpEndpoints, ServiceProvider,
    SpAuthMethod,
};
use relais_core::scope::IDENTITY_SCOPES;
use relais_oidc::JwsAlg;

#[derive(Debug, Clone)]
pub struct DemoIdpSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub alg: JwsAlg,
    pub userinfo_signed: bool,
    pub end_session: bool,
    pub allowed_acr: &'static [AcrLevel],
    pub amr: &'static [&'static str],
    pub client_auth: IdpClientAuth,
    /// ID token and userinfo encrypted to Relais' `use=enc` key.
    pub encrypts_to_relais: Option<JweAlg>,
}

pub static DEMO_IDPS: &[DemoIdpSpec] = &[
    DemoIdpSpec {
        id: "impots",
        title: "impots.gouv.fr (démo)",
        alg: JwsAlg::ES256,
        userinfo_signed: false,
        end_session: true,
        allowed_acr: &[AcrLevel::Eidas1],
        amr: &["pwd"],
        client_auth: IdpClientAuth::ClientSecretPost,
        encrypts_to_relais: None,
    },
    DemoIdpSpec {
        id: "ameli",
        title: "ameli.fr (démo)",
        alg: JwsAlg::RS256,
        userinfo_signed: true,
        end_session: false,
        allowed_acr: &[AcrLevel::Eidas1],
        amr: &["pwd"],
        client_auth: IdpClientAuth::ClientSecretBasic,
        encrypts_to_relais: None,
    },
    DemoIdpSpec {
        id: "laposte",
        title: "L'Identité Numérique La Poste (démo)",
        alg: JwsAlg::ES256,
        userinfo_signed: true,
        end_session: true,
        allowed_acr: &[AcrLevel::Eidas1, AcrLevel::Eidas2],
        amr: &["pop", "mfa"],
        client_auth: IdpClientAuth::ClientSecretPost,
        encrypts_to_relais: None,
    },
    DemoIdpSpec {
        id: "mobileconnect",
        title: "MobileConnect et moi (démo)",
        alg: JwsAlg::ES256,
        userinfo_signed: false,
        end_session: false,
        allowed_acr: &[AcrLevel::Eidas1],
        amr: &["pop"],
        client_auth: IdpClientAuth::ClientSecretPost,
        encrypts_to_relais: None,
    },
    DemoIdpSpec {
        id: "msa",
        title: "msa.fr (démo)",
        alg: JwsAlg::RS256,
        userinfo_signed: false,
        end_session: true,
        allowed_acr: &[AcrLevel::Eidas1],
        amr: &["pwd"],
        client_auth: IdpClientAuth::ClientSecretBasic,
        encrypts_to_relais: None,
    },
];

/// The demo IdPs of the Plus platform (eIDAS substantial and high), as
/// FranceConnect+ has them: an identity app at `eidas2`/`eidas3` that
/// authenticates Relais with `private_key_jwt` and encrypts its ID token
/// and userinfo to Relais, and a postal identity at `eidas2`.
pub static DEMO_PLUS_IDPS: &[DemoIdpSpec] = &[
    DemoIdpSpec {
        id: "franceidentite",
        title: "France Identité (démo)",
        alg: JwsAlg::ES256,
        userinfo_signed: true,
        end_session: true,
        allowed_acr: &[AcrLevel::Eidas2, AcrLevel::Eidas3],
        amr: &["pop", "mfa"],
        client_auth: IdpClientAuth::PrivateKeyJwt,
        encrypts_to_relais: Some(JweAlg::RsaOaep256),
    },
    DemoIdpSpec {
        id: "laposte",
        title: "L'Identité Numérique La Poste (démo)",
        alg: JwsAlg::ES256,
        userinfo_signed: true,
        end_session: true,
        allowed_acr: &[AcrLevel::Eidas2],
        amr: &["pop", "mfa"],
        client_auth: IdpClientAuth::ClientSecretPost,
        encrypts_to_relais: Some(JweAlg::EcdhEs),
    },
];

/// Everything `relais demo` registers, for one public URL.
pub struct DemoWorld {
    pub public_url: String,
    /// Where the demo IdPs live (the federation's URL unless they run apart).
    pub idp_base: String,
    pub seed: String,
    /// Standard (the five everyday accounts) or Plus (high-assurance IdPs).
    pub platform: Platform,
}

impl DemoWorld {
    pub fn new(public_url: &str, seed: &str) -> DemoWorld {
        DemoWorld {
            public_url: public_url.trim_end_matches('/').to_owned(),
            idp_base: public_url.trim_end_matches('/').to_owned(),
            seed: seed.to_owned(),
            platform: Platform::Standard,
        }
    }

    /// The demo world of a Plus node.
    pub fn on_platform(mut self, platform: Platform) -> DemoWorld {
        self.platform = platform;
        self
    }

    /// The demo IdPs of this world's platform.
    pub fn idp_specs(&self) -> &'static [DemoIdpSpec] {
        match self.platform {
            Platform::Standard => DEMO_IDPS,
            Platform::Plus => DEMO_PLUS_IDPS,
        }
    }

    /// The demo IdPs run in another process, at `url`.
    pub fn with_idp_base(mut self, url: &str) -> DemoWorld {
        self.idp_base = url.trim_end_matches('/').to_owned();
        self
    }

    pub fn idp_issuer(&self, id: &str) -> String {
        format!("{}/idp/{id}", self.idp_base)
    }

    pub fn idp_client_secret(&self, id: &str) -> String {
        let d = aws_lc_rs_digest(&format!("{}:idp:{id}", self.seed));
        format!("demo-{}", &d[..32])
    }

    /// The federation's view of each demo IdP (explicit endpoints).
    pub fn identity_providers(&self) -> Vec<IdentityProvider> {
        self.idp_specs()
            .iter()
            .map(|s| {
                let iss = self.idp_issuer(s.id);
                IdentityProvider {
                    id: s.id.to_owned(),
                    title: s.title.to_owned(),
                    active: true,
                    display: true,
                    allowed_acr: s.allowed_acr.to_vec(),
                    amr: s.amr.iter().map(|a| (*a).to_owned()).collect(),
                    discovery_url: None,
                    endpoints: IdpEndpoints {
                        issuer: iss.clone(),
                        authorization_endpoint: format!("{iss}/authorize"),
                        token_endpoint: format!("{iss}/token"),
                        userinfo_endpoint: format!("{iss}/userinfo"),
                        jwks_uri: format!("{iss}/jwks"),
                        end_session_endpoint: s.end_session.then(|| format!("{iss}/session/end")),
                    },
                    client_id: "relais".to_owned(),
                    client_secret: self.idp_client_secret(s.id),
                    token_endpoint_auth_method: s.client_auth,
                    id_token_signed_response_alg: s.alg,
                    userinfo_signed_response_alg: s.userinfo_signed.then_some(s.alg),
                    id_token_encrypted_response_alg: s.encrypts_to_relais,
                    userinfo_encrypted_response_alg: s.encrypts_to_relais,
                    end_session: s.end_session,
                    timeout_ms: 6000,
                    scopes: Vec::new(),
                    assumed_acr: None,
                }
            })
            .collect()
    }

    /// The demo service registered so any OIDC client can log in at once.
    pub fn demo_service(&self) -> ServiceProvider {
        let secret = aws_lc_rs_digest(&format!("{}:sp:demo", self.seed));
        let scopes: Vec<&str> = IDENTITY_SCOPES
            .iter()
            .copied()
            .chain(["cnaf_quotient_familial"])
            .collect();
        let mut sp = ServiceProvider::public(
            "demo-service",
            "demo-service",
            "Service de démonstration",
            &format!("demo-secret-{}", &secret[..24]),
            vec![
                format!("{}/demo/callback", self.public_url),
                "http://localhost:3000/callback".to_owned(),
                "http://127.0.0.1:3000/callback".to_owned(),
            ],
            &scopes,
        );
        sp.post_logout_redirect_uris = vec![
            format!("{}/demo/logged-out", self.public_url),
            "http://localhost:3000/".to_owned(),
        ];
        sp.amr_entitled = true;
        sp
    }
}

impl DemoWorld {
    pub fn dp_client_secret(&self, id: &str) -> String {
        let d = aws_lc_rs_digest(&format!("{}:dp:{id}", self.seed));
        format!("dp-secret-{}", &d[..24])
    }

    /// The federation's registrations of the demo data providers.
    pub fn data_providers(&self) -> Vec<DataProvider> {
        crate::dp::DEMO_DPS
            .iter()
            .map(|d| DataProvider {
                id: d.id.to_owned(),
                title: d.title.to_owned(),
                client_id: format!("dp-{}", d.id),
                client_secret: self.dp_client_secret(d.id),
                scopes: d.scopes.iter().map(|s| (*s).to_owned()).collect(),
                active: true,
                checktoken_signed_response_alg: match d.signing {
                    JwsAlg::RS256 => JwsAlg::RS256,
                    _ => JwsAlg::ES256,
                },
                checktoken_encrypted_response_alg: d.encryption,
                encryption_jwk: None,
                jwks_uri: d
                    .encryption
                    .map(|_| format!("{}/dp/{}/jwks", self.public_url, d.id)),
            })
            .collect()
    }

    /// The demo town's canteen service, as registered in the federation.
    pub fn canteen_service(&self, canteen_url: &str) -> ServiceProvider {
        let secret = aws_lc_rs_digest(&format!("{}:sp:canteen", self.seed));
        let base = canteen_url.trim_end_matches('/');
        let mut sp = ServiceProvider::public(
            "cantine-belleville",
            "commune-belleville-sur-loire",
            "Inscription à la cantine scolaire — Belleville-sur-Loire",
            &format!("cantine-secret-{}", &secret[..24]),
            vec![format!("{base}/callback")],
            &[
                "openid",
                "identite_pivot",
                "given_name",
                "family_name",
                "birthdate",
                "email",
                "preferred_username",
                "cnaf_quotient_familial",
            ],
        );
        sp.post_logout_redirect_uris = vec![format!("{base}/")];
        sp
    }
}

impl DemoWorld {
    /// The Plus demo service "Envoi de lettre recommandée électronique",
    /// registered as FranceConnect+ requires: private_key_jwt with the keys
    /// it publishes, ES256, ID token and userinfo encrypted to it.
    pub fn lettre_service(&self, lettre_url: &str) -> ServiceProvider {
        let base = lettre_url.trim_end_matches('/');
        let mut sp = ServiceProvider::public(
            "lettre-recommandee",
            "lettre-recommandee",
            "Envoi de lettre recommandée électronique (démo)",
            "",
            vec![format!("{base}/callback")],
            &["openid", "identite_pivot", "email"],
        );
        sp.post_logout_redirect_uris = vec![format!("{base}/")];
        sp.token_endpoint_auth_method = SpAuthMethod::PrivateKeyJwt;
        sp.jwks_uri = Some(format!("{base}/jwks"));
        sp.id_token_encryption = Some(AnswerEncryption {
            alg: JweAlg::RsaOaep256,
            enc: Default::default(),
        });
        sp.userinfo_encryption = Some(AnswerEncryption {
            alg: JweAlg::EcdhEs,
            enc: Default::default(),
        });
        sp
    }
}

fn aws_lc_rs_digest(s: &str) -> String {
    relais_oidc::pkce::s256_challenge(s).replace(['-', '_'], "x")
}
