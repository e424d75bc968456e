//! The peer workloads in candle and burn (ndarray backend), reading the same
//! inputs as every other system and printing the runner's `RESULT` lines.
//!
//! Usage: `ferroflux-peers-rust DATA_DIR --system candle|burn [--repeats K] [WORKLOAD ...]`

mod burn_peer;
mod candle_peer;

use peers_data::{Args, Inputs};

type Error = Box<dyn std::error::Error>;

fn main() {
    let args = Args::parse(&["system"]).unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let system = args.extra.get("system").map(String::as_str).unwrap_or("");
    if system != "candle" && system != "burn" {
        eprintln!("--system must be candle or burn, found {system:?}");
        std::process::exit(2);
    }
    if let Err(e) = run(system, &args) {
        eprintln!("{system}: {e}");
        std::process::exit(1);
    }
}

fn run(system: &str, args: &Args) -> Result<(), Error> {
    let inputs = Inputs::open(&args.data_dir)?;
    for workload in &args.workloads {
        if system == "candle" {
            candle_peer::run(&inputs, workload, args.repeats)?;
        } else {
            burn_peer::run(&inputs, workload, args.repeats)?;
        }
    }
    Ok(())
}
