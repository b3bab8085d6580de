//! OpenID Connect machinery shared by every side of Relais.
//!
//! - [`jose`]: JWS signing and verification on aws-lc-rs with the algorithm
//!   pinned by the caller (the header's `alg` is checked, never trusted), and
//!   JWK/JWKS handling.
//! - [`keys`]: signing key pairs, their generation and serialisation.
//! - [`sealer`]: encryption at rest of private keys and client secrets.
//! - [`pkce`]: RFC 7636 S256.
//! - [`client_assertion`]: RFC 7523 `private_key_jwt` assertions.
//! - [`dpop`]: RFC 9449 DPoP proofs (sender-constrained access tokens).
//! - [`provider`]: building blocks of an OpenID provider (client
//!   authentication, discovery document, ID token claims) used both by the
//!   federation towards services and by the demo identity providers.
//! - [`idp_client`]: Relais as a client of an upstream identity provider.

pub mod client_assertion;
pub mod dpop;
pub mod idp_client;
pub mod jose;
pub mod keys;
pub mod pkce;
pub mod provider;
pub mod sealer;

pub use jose::{JoseError, Jwk, JwkSet, JwsAlg};
pub use keys::SigningKey;
