//! Command-line parsing and the daemon's start-up and shutdown sequence.

mod args;
mod plugins;
mod render;
mod serve;

use clap::Parser;

pub use args::{Cli, DriverChoice, PluginArgs, PluginSubcommand, RenderArgs, Subcommand};

/// Parses the command line and runs what it asks for.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Subcommand::Devices) => {
            print!("{}", oscine::drivers::list_devices());
            std::process::ExitCode::SUCCESS
        }
        Some(Subcommand::Render(args)) => render::render(args),
        Some(Subcommand::Plugin(PluginSubcommand::Probe { path })) => plugins::probe(path),
        None => serve::serve(&cli),
    }
}
