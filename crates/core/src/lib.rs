//! Relais' domain: the rules of an identity federation, with no I/O.
//!
//! Everything the HTTP layer decides about a login is decided here, as pure
//! functions over typed values: which eIDAS level a service gets
//! ([`acr`]), which claims a scope releases ([`scope`]), whether an identity
//! provider's answer is an acceptable pivot identity ([`pivot`]), which
//! pseudonymous `sub` a service sees ([`subject`]), whether an authorization
//! request is acceptable ([`authorize`]), and the catalogues of errors
//! ([`error`]) and business events ([`event`]). Time ([`clock`]) and
//! randomness ([`random`]) are injected so that tests control them.

pub mod acr;
pub mod alg;
pub mod authorization_header;
pub mod authorize;
pub mod birth_date;
pub mod civil_register;
pub mod clock;
pub mod connection_mail;
pub mod cookie_header;
pub mod error;
pub mod event;
pub mod form_encoding;
pub mod form_fields;
pub mod lower_hex;
pub mod onboarding;
pub mod partner;
pub mod pivot;
pub mod profile;
pub mod random;
pub mod registered_scopes;
pub mod registration;
pub mod scope;
pub mod stats;
pub mod subject;
pub mod timefmt;
pub mod token_digest;

pub use acr::{AcrLevel, Platform};
pub use alg::{JweAlg, JwsAlg};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ErrorCode;
pub use random::{Randomness, SystemRandomness};
