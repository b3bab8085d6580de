//! Rebuild when a migration changes: `sqlx::migrate!` embeds them.

// Cargo reads a build script's directives on its standard output.
#![allow(clippy::disallowed_macros)]

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
