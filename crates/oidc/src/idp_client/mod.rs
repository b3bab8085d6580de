//! Relais as a client of an upstream identity provider.
//!
//! One login attempt is: [`authorization_url`] (Relais' own state, nonce and
//! PKCE) → the citizen authenticates → [`IdpClient::exchange_code`] →
//! [`IdpClient::verify_id_token`] (signature with the IdP's JWKS and the
//! algorithm pinned in its configuration, `iss`, `aud`, `exp`, `nonce`) →
//! [`IdpClient::userinfo`] (JSON or a signed JWT). Plus IdPs may require a
//! `private_key_jwt` assertion and encrypt their answers to Relais
//! ([`OwnKeys`]). Every outbound call has the
//! IdP's timeout and a response size cap; nothing here panics on a hostile
//! answer, it returns an [`IdpError`] naming what was wrong.

mod client;
mod keys;
mod own_keys;
mod read_mostly;
mod urls;
mod verify;

pub use client::{parse_token_answer, CodeExchange, IdpClient, IdpError, IdpTokens};
pub use own_keys::{client_assertion, open_answer, OwnKeys};
pub use urls::{authorization_url, end_session_url, AuthorizationRequest};
pub use verify::{check_id_token_claims, parse_userinfo_json, VerifiedIdToken};
