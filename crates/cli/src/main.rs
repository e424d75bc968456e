//! The `ferroflux` command.

use clap::{Parser, Subcommand};

/// Flux.jl-style numerics in Rust: factorise time series, inspect the BLAS.
#[derive(Debug, Parser)]
#[command(name = "ferroflux", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the BLAS library in use, its configuration and thread count.
    Backend,
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::Backend => println!("{}", ferroflux::backend()),
    }
}
