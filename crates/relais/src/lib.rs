//! The `relais` binary's library half: configuration loading, the wiring
//! of a node, and what each subcommand does, so integration tests start
//! exactly what the binary starts.

#[macro_use]
pub mod console;
pub mod bench;
pub mod commands;
pub mod config;
pub mod node;
pub mod telemetry;
pub mod workers;
