//! Measures the CPU time of one `NmfSolver::step` (cost, gradient and Adam
//! update) at the bench's two sizes, from the process's CPU clock in
//! `/proc/self/stat` (Linux only).
//!
//! On a machine shared with other jobs, criterion's wall-clock times include
//! the time the process waits for a core. CPU time does not, so this example
//! gives an estimate of the unloaded time per iteration. It counts the
//! process's CPU time on all threads: with two BLAS threads the wall-clock
//! time on an idle machine lies between the total and half of it.
//!
//! Run with `OPENBLAS_NUM_THREADS=1 cargo run --release -p ferroflux-factorize --example iteration_cpu_time`.

use ferroflux_factorize::{CostFunction, NmfSolver};
use ferroflux_linalg::{rand_with, randn_with, rng};
use ferroflux_optim::Adam;

/// User plus system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat is readable");
    // The command name in field 2 may hold spaces, so count fields after ')'.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // Linux reports times in clock ticks of 1/100 s on every common platform.
    ticks / 100.0
}

fn measure(rows: usize, series: usize, components: usize, cost: CostFunction, steps: usize) -> f64 {
    let mut generator = rng(1);
    let a = rand_with::<f64, _>(&mut generator, rows, series);
    let w = rand_with::<f64, _>(&mut generator, rows, components);
    let h_logits = randn_with::<f64, _>(&mut generator, components, series);
    let start = NmfSolver::new(a, w, h_logits, cost, Adam::default());
    let mut seconds = 0.0;
    let mut done = 0;
    let mut checksum = 0.0;
    while done < steps {
        // Restart every 2000 steps, as a 2000-iteration fit would.
        let run_length = 2000.min(steps - done);
        let mut solver = start.clone();
        let before = cpu_seconds();
        for _ in 0..run_length {
            checksum += solver.step();
        }
        seconds += cpu_seconds() - before;
        done += run_length;
    }
    assert!(checksum.is_finite());
    seconds / steps as f64
}

fn main() {
    let costs = [
        ("seed", CostFunction::seed(0.2, 1.0)),
        (
            "gaussian",
            CostFunction::gaussian(0.01, 0.2, 0.03, 1e-3, 0.01),
        ),
    ];
    for (rows, series, components, steps) in [(20, 10, 4, 2_000_000), (1000, 500, 11, 2000)] {
        for (name, cost) in costs {
            let seconds = measure(rows, series, components, cost, steps);
            println!(
                "{rows}x{series}, K = {components}, {name}: {:.3} µs CPU per iteration",
                seconds * 1e6
            );
        }
    }
}
