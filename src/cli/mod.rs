//! Command-line parsing and the daemon's start-up and shutdown sequence.

mod args;
mod file_roots;
mod plugins;
mod render;
mod scsynth_args;
mod serve;

use clap::Parser;

pub use args::{Cli, DriverChoice, FileArgs, PluginArgs, PluginSubcommand, RenderArgs, Subcommand};

/// Parses the command line and runs what it asks for.
pub fn main() -> std::process::ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match scsynth_args::translate(&args) {
        Ok(scsynth_args::Translation::Native) => Cli::parse_from(args),
        Ok(scsynth_args::Translation::Scsynth { args, warnings }) => {
            for warning in warnings {
                eprintln!("oscine: scsynth's {warning}");
            }
            Cli::parse_from(args)
        }
        Err(e) => {
            eprintln!("oscine: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match &cli.command {
        Some(Subcommand::Devices) => {
            print!("{}", oscine::drivers::list_devices());
            print!("{}", oscine::midi::list_ports());
            std::process::ExitCode::SUCCESS
        }
        Some(Subcommand::Render(args)) => render::render(args),
        Some(Subcommand::Plugin(PluginSubcommand::Probe { path })) => plugins::probe(path),
        None => serve::serve(&cli),
    }
}
