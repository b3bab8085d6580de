//! Unit tests of the parent module.
use super::*;
use crate::alg::{JweAlg, JweEnc};

const SANDBOX: RegistrationContext = RegistrationContext {
    platform: Platform::Standard,
    sandbox: true,
};
const PRODUCTION: RegistrationContext = RegistrationContext {
    platform: Platform::Standard,
    sandbox: false,
};
const PLUS: RegistrationContext = RegistrationContext {
    platform: Platform::Plus,
    sandbox: true,
};

fn plus_sp() -> ServiceProvider {
    let mut s = sp();
    s.client_secret = String::new();
    s.token_endpoint_auth_method = SpAuthMethod::PrivateKeyJwt;
    s.jwks = Some(serde_json::json!({"keys": [
        {"kty": "EC", "crv": "P-256", "use": "sig", "x": "x", "y": "y"},
        {"kty": "RSA", "use": "enc", "n": "n", "e": "AQAB"}
    ]}));
    let enc = AnswerEncryption {
        alg: JweAlg::RsaOaep256,
        enc: JweEnc::A256GCM,
    };
    s.id_token_encryption = Some(enc);
    s.userinfo_encryption = Some(enc);
    s
}

#[test]
fn plus_services_need_keys_es256_and_encryption() {
    assert_eq!(plus_sp().check(PLUS), Ok(()));
    let field = |s: ServiceProvider| s.check(PLUS).err().map(|v| v.field);
    let mut secret = sp();
    secret.id_token_encryption = plus_sp().id_token_encryption;
    assert_eq!(
        field(secret),
        Some("id_token_encrypted_response_alg".into()),
        "encryption without keys"
    );
    let mut secret = plus_sp();
    secret.token_endpoint_auth_method = SpAuthMethod::ClientSecretPost;
    secret.client_secret = "0123456789abcdef".into();
    assert_eq!(field(secret), Some("token_endpoint_auth_method".into()));
    let mut rs = plus_sp();
    rs.id_token_signed_response_alg = JwsAlg::RS256;
    assert_eq!(field(rs), Some("id_token_signed_response_alg".into()));
    let mut clear = plus_sp();
    clear.userinfo_encryption = None;
    assert_eq!(field(clear), Some("userinfo_encrypted_response_alg".into()));
    let mut no_ec_key = plus_sp();
    no_ec_key.id_token_encryption = Some(AnswerEncryption {
        alg: JweAlg::EcdhEs,
        enc: JweEnc::A256GCM,
    });
    assert_eq!(field(no_ec_key), Some("jwks".into()));
    let mut both = plus_sp();
    both.jwks_uri = Some("https://sp.example/jwks".into());
    assert_eq!(field(both), Some("jwks".into()));
    let mut no_keys = plus_sp();
    no_keys.jwks = None;
    assert_eq!(field(no_keys), Some("token_endpoint_auth_method".into()));
    let mut auto_login = plus_sp();
    auto_login.allowed_prompts = vec!["login".into()];
    assert_eq!(
        field(auto_login.clone()),
        Some("allowed_prompts".into()),
        "Plus always asks for the consent box: no auto-login"
    );
    assert_eq!(
        auto_login.check(SANDBOX),
        Ok(()),
        "auto-login is fine on Standard"
    );
    // The same registration is fine on Standard; a secret one is not on Plus.
    assert_eq!(plus_sp().check(SANDBOX), Ok(()));
    assert!(sp().check(PLUS).is_err());
}

fn sp() -> ServiceProvider {
    ServiceProvider::public(
        "c",
        "c",
        "S",
        "0123456789abcdef",
        vec!["http://sp.example/cb".into()],
        &["openid"],
    )
}

#[test]
fn service_rules_name_the_field() {
    assert!(sp().check(SANDBOX).is_ok());
    assert_eq!(
        sp().check(PRODUCTION).err().map(|v| v.to_string()),
        Some("redirect_uris[0]: must use https outside sandbox mode".into())
    );
    let mut short = sp();
    short.client_secret = "short".into();
    assert_eq!(
        short.check(SANDBOX).err().map(|v| v.field),
        Some("client_secret".into())
    );
    let mut consent = sp();
    consent.identity_consent = true;
    assert_eq!(
        consent.check(SANDBOX).err().map(|v| v.field),
        Some("identity_consent".into())
    );
    let mut auto = sp();
    auto.sp_type = SpType::Private;
    auto.identity_consent = true;
    assert!(auto.check(SANDBOX).is_ok());
    auto.allowed_prompts = vec!["login".into()];
    assert_eq!(
        auto.check(SANDBOX).err().map(|v| v.field),
        Some("allowed_prompts".into())
    );
    let mut bad_id = sp();
    bad_id.client_id = "a b".into();
    assert!(bad_id.check(SANDBOX).is_err());
}

#[test]
fn allow_and_deny_are_exclusive() {
    assert_eq!(
        IdpFilter::from_lists(Some(vec!["a".into()]), vec!["b".into()])
            .err()
            .map(|v| v.field),
        Some("idp_allow".into())
    );
    assert_eq!(
        IdpFilter::from_lists(None, vec!["b".into()]).ok(),
        Some(IdpFilter::Deny(vec!["b".into()]))
    );
}

#[test]
fn urls() {
    assert!(check_url("u", "https://a.example/cb", false).is_ok());
    assert!(check_url("u", "https://a.example/cb#x", false).is_err());
    assert!(check_url("u", "ftp://a.example/", true).is_err());
    assert!(check_url("u", "not a url", true).is_err());
}
