//! The `ferroflux` command.

mod args;
mod dataset;
mod error;
mod folder;
mod html;
mod progress;
mod report;
mod run;
mod summary;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::args::FactorizeArgs;

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
    /// Cluster time series with simplex NMF (Dirichlet prior) and compare it
    /// with the rank-k SVD; write factors, a JSON report, pictures and an
    /// HTML page.
    ///
    /// Without --input it fits the synthetic problem of the Flux time-series
    /// example (20 time steps x 10 series, k = 3) twice, with the example's
    /// own objective and settings and with the default objective.
    Factorize(Box<FactorizeArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Backend => {
            println!("{}", ferroflux::backend());
            Ok(())
        }
        Command::Factorize(args) => run::factorize(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
