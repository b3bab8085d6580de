//! The `relais` binary's library half: configuration loading and the wiring
//! of a node, so integration tests start exactly what the binary starts.

pub mod backends;
pub mod bench;
pub mod config;
pub mod demo_site;
pub mod node;
