//! The HTTP face of Relais.
//!
//! A login is followed by opening one file per step, in order, in
//! [`journey`]: `authorize` (the service arrives) → `chooser` (the citizen
//! picks an IdP) → `idp_callback` (the IdP answers; identity checked) →
//! `consent` (what is shared; code issued) → `token` → `userinfo` →
//! `logout`. Each step parses its request, calls the domain crate's rules
//! and the OIDC crate's protocol code, reads/writes the stores through
//! traits, emits business events, and returns a response or an
//! an error whose type chooses its shape: [`error::PageError`] for pages,
//! [`error::JsonError`] for back-channel endpoints.

pub mod abuse;
pub mod access_record;
pub mod admin;
pub mod citizen_space;
pub mod civil_register;
pub mod compact;
pub mod cookies;
pub mod dpop;
pub mod dsfr;
pub mod error;
pub mod events;
pub mod extract;
pub mod flow;
pub mod flow_batch;
pub mod headers;
pub mod idp_health;
pub mod idp_id_token;
pub mod journey;
pub mod keyring;
pub mod mail;
pub mod metrics;
pub mod operator_space;
pub mod ops;
pub mod pages;
pub mod partner_keys;
pub mod partner_space;
pub mod record_writes;
pub mod registry;
pub mod retention;
pub mod router;
pub mod rp_login;
pub mod server;
pub mod settings;
pub mod sole_header;
pub mod standing;
pub mod state;
pub mod supervisor;

pub use router::{federation_router, federation_routes, with_federation_layers, with_layers};
pub use settings::Settings;
pub use state::AppState;
