//! The login's records survive the compact layout field for field, and
//! stay small: each is what a live login costs the node (or Redis).

use super::*;
use crate::compact::{decode, encode};
use relais_core::acr::Platform;
use relais_core::scope::ScopeSet;

fn identity() -> PivotIdentity {
    let v = serde_json::json!({"given_name":"Jean Pierre","family_name":"DUPONT",
        "birthdate":"1962-08-24","gender":"male","birthplace":"75107","birthcountry":"99100",
        "email":"jean.dupont@example.fr"});
    match v {
        serde_json::Value::Object(m) => PivotIdentity::from_claims(&m, Platform::Standard),
        _ => panic!("not an object"),
    }
    .unwrap()
}

/// An ES256 ID token of the demo IdPs' shape (header, ~300-byte payload,
/// 64-byte signature).
fn idp_id_token() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","kid":"impots-es256-1","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(
        br#"{"iss":"http://127.0.0.1:8010/idp/impots","sub":"d3a5e9b1c0f24c7e8a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f","aud":"relais","exp":1765000000,"iat":1764999940,"nonce":"Xk2pQ8vN4rT7wY1zB6cF9hJ3mL5sD0gK","acr":"eidas1","amr":["pwd"],"auth_time":1764999939}"#,
    );
    let s = URL_SAFE_NO_PAD.encode([7u8; 64]);
    format!("{h}.{p}.{s}")
}

fn login() -> VerifiedLogin {
    let identity = identity();
    VerifiedLogin {
        identity_hash: IdentityHash::of(&identity),
        identity,
        idp_id: "impots".into(),
        idp_acr: AcrLevel::Eidas1,
        idp_sub: "d3a5e9b1c0f24c7e8a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f".into(),
        amr: vec!["pwd".into()],
        auth_time: 1_764_999_939,
        idp_id_token: IdpIdToken::from_text(idp_id_token()),
        sub_overrides: Default::default(),
    }
}

fn request() -> AuthorizeRequest {
    AuthorizeRequest {
        client_id: "6925fb8143c76eded44d32b40c0cb1006065f7f003de52712b78985704f39950".into(),
        redirect_uri: "https://mairie-belleville.example.fr/connexion/retour".into(),
        state: "b1f0e3a2c4d5e6f7a8b9c0d1e2f3a4b5".into(),
        nonce: "n0nce-of-twenty-two-chars-at-least".into(),
        scopes: ScopeSet::from_scopes([
            "openid",
            "given_name",
            "family_name",
            "birthdate",
            "email",
        ]),
        acr: AcrLevel::Eidas1,
        prompt_login: true,
        prompt_consent: false,
        prompt_none: false,
        max_age: None,
        amr_requested: false,
        idp_hint: None,
        ui_locales: None,
        code_challenge: None,
    }
}

fn session() -> BrowserSession {
    BrowserSession {
        id: "Jq7m2Xv9LrP4sT8wYb3nC6dF1gH5kZ0aQeRuIoVy".into(),
        browsing_session: "Ab3dE5gH7jK9mN1pQ2rS".into(),
        login: Some(login()),
        issued: vec![(
            request().client_id,
            "4f1e2d3c4b5a69788796a5b4c3d2e1f04f1e2d3c4b5a69788796a5b4c3d2e1f0v1".into(),
        )],
        expires_at: 1_765_001_739_000,
        started_at: 1_764_999_939_000,
    }
}

fn grant() -> CodeGrant {
    let l = login();
    CodeGrant {
        client_id: request().client_id,
        redirect_uri: request().redirect_uri,
        code_challenge: None,
        nonce: request().nonce,
        sub: "4f1e2d3c4b5a69788796a5b4c3d2e1f04f1e2d3c4b5a69788796a5b4c3d2e1f0v1".into(),
        acr: AcrLevel::Eidas1,
        amr: None,
        auth_time: l.auth_time,
        scopes: request().scopes,
        account_id: l.identity_hash.as_str().to_owned(),
        identity: l.identity,
        idp_id: l.idp_id,
        session_id: session().id,
        browsing_session: session().browsing_session,
        issued_at: 1_764_999_941,
        token_ttl: 60,
        dpop_jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()),
    }
}

fn same_json<T: Serialize>(a: &T, b: &T) {
    assert_eq!(
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap()
    );
}

#[test]
fn every_record_comes_back_whole_and_within_its_budget() {
    let interaction = Interaction {
        uid: "k3J9xQ2mV7pL4sR8tW1yZ5bN".into(),
        session_id: session().id,
        request: request(),
        step: InteractionStep::Consent,
        idp_error: None,
        login: Some(login()),
        sso: false,
    };
    let s = session();
    let bytes = encode(&s).unwrap();
    let json = serde_json::to_vec(&s).unwrap();
    same_json(&decode::<BrowserSession>(&bytes).unwrap(), &s);
    // The IdP's ID token is kept whole for the logout's id_token_hint: its
    // decoded parts are the floor of the session record.
    let token_parts: usize = idp_id_token().split('.').map(|p| p.len() * 3 / 4).sum();
    eprintln!(
        "session: {} bytes (JSON {}), of which the IdP's ID token {token_parts}",
        bytes.len(),
        json.len()
    );
    assert!(
        bytes.len() <= 512 + token_parts,
        "session {} bytes",
        bytes.len()
    );
    assert!(
        bytes.len() * 3 < json.len() * 2,
        "session {} vs JSON {}",
        bytes.len(),
        json.len()
    );

    let with_login = encode(&interaction).unwrap();
    same_json(&decode::<Interaction>(&with_login).unwrap(), &interaction);
    let marker = interaction.finished_marker();
    let done = encode(&marker).unwrap();
    same_json(&decode::<Interaction>(&done).unwrap(), &marker);
    assert_eq!(
        (marker.uid.as_str(), marker.session_id.as_str(), marker.step),
        (
            interaction.uid.as_str(),
            interaction.session_id.as_str(),
            InteractionStep::Done
        )
    );
    eprintln!(
        "interaction: {} bytes, {} once done",
        with_login.len(),
        done.len()
    );
    // It lives as long as the session: its id, its session, its step.
    assert!(
        done.len() <= 96,
        "finished interaction {} bytes",
        done.len()
    );
    assert!(
        with_login.len() <= 512 + 512,
        "interaction {} bytes",
        with_login.len()
    );

    let g = grant();
    let bytes = encode(&g).unwrap();
    same_json(&decode::<CodeGrant>(&bytes).unwrap(), &g);
    eprintln!(
        "code / access grant: {} bytes (JSON {})",
        bytes.len(),
        serde_json::to_vec(&g).unwrap().len()
    );
    assert!(bytes.len() <= 512, "grant {} bytes", bytes.len());

    // The access token's record as the token step's trip writes it: a
    // head, then the code's record as consent wrote it.
    let code = CodeGrant {
        issued_at: 0,
        dpop_jkt: None,
        ..grant()
    };
    let head = crate::access_record::head(g.issued_at, g.token_ttl, g.dpop_jkt.as_deref()).unwrap();
    let access = [head, encode(&code).unwrap()].concat();
    same_json(&crate::access_record::decode(&access).unwrap(), &g);
    eprintln!("access token record: {} bytes", access.len());
    assert!(access.len() <= 512, "access token {} bytes", access.len());
    // One written whole by an earlier node still reads.
    same_json(&crate::access_record::decode(&bytes).unwrap(), &g);
    // An earlier node reading the new layout fails closed: a corrupt
    // record, never a grant without its DPoP key.
    assert!(decode::<CodeGrant>(&access).is_err());
    let bearer = CodeGrant {
        dpop_jkt: None,
        ..grant()
    };
    let head = crate::access_record::head(g.issued_at, 3600, None).unwrap();
    let read = crate::access_record::decode(&[head, encode(&code).unwrap()].concat()).unwrap();
    same_json(
        &read,
        &CodeGrant {
            token_ttl: 3600,
            ..bearer
        },
    );
    // A thumbprint is a SHA-256: anything else is not written.
    assert!(crate::access_record::head(1, 60, Some("not-a-thumbprint")).is_err());

    let a = IdpAttempt {
        uid: interaction.uid.clone(),
        session_id: session().id,
        idp_id: "impots".into(),
        nonce: "Xk2pQ8vN4rT7wY1zB6cF9hJ3mL5sD0gK".into(),
        code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
    };
    same_json(&decode::<IdpAttempt>(&encode(&a).unwrap()).unwrap(), &a);
    // Written by the version that kept the level asked of the IdP last.
    let mut earlier = encode(&a).unwrap();
    earlier.extend(postcard::to_allocvec(&AcrLevel::Eidas2).unwrap());
    same_json(&decode::<IdpAttempt>(&earlier).unwrap(), &a);
    let c = CsrfGrant {
        session_id: session().id,
        form: format!("consent:{}", interaction.uid),
    };
    same_json(&decode::<CsrfGrant>(&encode(&c).unwrap()).unwrap(), &c);
}

#[test]
fn a_session_written_as_json_by_an_earlier_node_is_read() {
    let s = session();
    let json = serde_json::to_vec(&s).unwrap();
    same_json(&decode::<BrowserSession>(&json).unwrap(), &s);
}
