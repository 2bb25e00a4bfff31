//! The `bax` command's library side: the built-in registry and the command
//! implementations, kept out of `main.rs` so integration tests can call them.

pub mod bench;
pub mod benchspeed;
pub mod cli;
pub mod commands;
pub mod envcmd;
pub mod evalcmd;
pub mod gencmd;
pub mod modelserver;
pub mod registry;
pub mod runcmd;
pub mod servecmd;
pub mod testcmd;
pub mod ui;

/// Cuts a text for terminal output.
pub fn commands_clip(s: &str, max: usize) -> String {
    bax_scenarios::harness::clip(s, max)
}
