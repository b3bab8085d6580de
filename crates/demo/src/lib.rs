//! The demo world (docs/design.md §10): five demo identity providers named after the
//! real account families, each a real OpenID provider (own issuer, keys,
//! login form, test citizens with password `123`), and the test page that
//! lists them. `relais demo` mounts all of it beside the federation.

pub mod canteen;
pub mod citizens;
pub mod civil_register;
pub mod dp;
pub mod home;
pub mod idp;
pub mod lettre;
pub mod mail_catcher;
pub mod mailbox_page;
pub mod service_client;
pub mod service_login;
pub mod site_sessions;
pub mod world;

pub use world::{DemoIdpSpec, DemoWorld};
