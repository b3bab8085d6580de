//! End-to-end tests: the real node (federation + demo IdPs) on port 0,
//! driven over HTTP by a scripted browser, a third-party OIDC client (the
//! `openidconnect` crate) and a controllable fake IdP. One test binary keeps
//! link time down.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod abuse;
mod admin_api;
mod authorize_rules;
mod bench_smoke;
mod browser;
mod citizen_space;
mod civil_register;
mod config_serve;
mod connection_mail;
mod crash;
mod data_sharing;
mod demo_ports;
mod fake_idp;
mod harness;
mod interop;
mod languages;
mod misbehaving_idp;
mod observability;
mod oidc_client;
mod oidc_profile;
mod pages;
mod partner_space;
mod plus;
mod redis_trips;
mod scaleout;
mod shutdown;
mod single_use;
mod sso_logout;
mod sso_rules;
mod token_rules;
