//! The ferroflux side of the peer comparison: reads the inputs that
//! `gen_data.py` wrote and prints one `RESULT` line per timed run, in the
//! format of the peers (see `benches/peers/README.md`).
//!
//! Usage: `ferroflux-peers-side DATA_DIR [--repeats K] [--variant autodiff] [WORKLOAD ...]`
//!
//! `--variant autodiff` runs the NMF workloads through `value_and_gradient`
//! in place of `factorize`'s fused kernel, as the system `ferroflux-autodiff`.

mod mlp;
mod nmf;
mod softmax;

use peers_data::{unavailable, Args, Inputs};

/// The system name in the runner's table.
pub const SYSTEM: &str = "ferroflux";

type Error = Box<dyn std::error::Error>;

fn main() {
    let args = Args::parse(&["variant"]).unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    // The runner copies this first line of stderr into results.md.
    eprintln!("{}", ferroflux::backend());
    if let Err(e) = run(&args) {
        eprintln!("ferroflux: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Error> {
    let inputs = Inputs::open(&args.data_dir)?;
    match args.extra.get("variant").map(String::as_str) {
        None => {}
        Some("autodiff") => {
            for workload in &args.workloads {
                if workload.starts_with("nmf") {
                    nmf::run_autodiff(&inputs, workload, args.repeats)?;
                } else {
                    let reason = "the NMF workloads only: the MLP step of `ferroflux` already runs through autodiff";
                    unavailable(nmf::AUTODIFF_SYSTEM, workload, reason);
                }
            }
            return Ok(());
        }
        Some(other) => return Err(format!("--variant must be autodiff, found {other:?}").into()),
    }
    for workload in &args.workloads {
        if workload.starts_with("nmf") {
            nmf::run(&inputs, workload, args.repeats)?;
        } else if workload.starts_with("mlp") {
            mlp::run(&inputs, workload, args.repeats)?;
        } else {
            softmax::run(&inputs, workload, args.repeats)?;
        }
    }
    Ok(())
}
